"""The IDX format of the MNIST files: read (raw or gzip) with clear errors, write atomically.

An IDX file is two zero bytes, a type code, the number of dims, one big-endian uint32 per dim, then
the elements in C order (big-endian).
"""

import gzip
import os
import tempfile
import zlib
from pathlib import Path

import numpy as np

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _TYPES.items()}


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A crash mid-write leaves at most a stray temporary file, never a partial file under ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def encode_idx(array: np.ndarray) -> bytes:
    """The IDX bytes of ``array`` (uint8, int8, int16, int32, float32 or float64)."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None or array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"encode_idx: cannot store dtype {array.dtype} with {array.ndim} dims")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=_TYPES[code]).tobytes()


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool = False) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when ``compress``), atomically."""
    data = encode_idx(array)
    atomic_write(path, gzip.compress(data, mtime=0) if compress else data)


def read_idx(path: str | os.PathLike, expected_shape: tuple | None = None) -> np.ndarray:
    """Read an IDX file, raw or gzip-compressed (recognised by its magic bytes).

    Raises ValueError naming the file when it is truncated, too long, corrupt, or (when
    ``expected_shape`` is given) of another shape; the message gives the expected size.
    """
    path = Path(path)
    data = path.read_bytes()
    expect = ""
    if expected_shape is not None:
        expect = f" (expected shape {tuple(expected_shape)})"
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(
                f"{path}: corrupt or truncated gzip file{expect}: {error}; delete it and "
                "download it again"
            ) from None
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] not in _TYPES or data[3] == 0:
        raise ValueError(f"{path}: not an IDX file (bad header {data[:4]!r}){expect}")
    ndim, dtype = data[3], np.dtype(_TYPES[data[2]])
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"{path}: truncated IDX file: the header alone needs {header} bytes, got {len(data)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", ndim, 4))
    if expected_shape is not None and shape != tuple(expected_shape):
        raise ValueError(f"{path}: IDX file holds shape {shape}{expect}")
    size = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != size:
        what = "truncated" if len(data) < size else "over-long"
        raise ValueError(
            f"{path}: {what} IDX file: expected {size} bytes (header + {shape} of {dtype.name}), "
            f"got {len(data)}; delete it and download it again"
        )
    return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))

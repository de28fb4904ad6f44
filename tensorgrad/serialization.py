"""``tg.save`` / ``tg.load``: tensors and nested containers in the safetensors format, no pickle.

The arrays go in the safetensors body, named by where they sit (``"model.fc1.weight"``); the
structure around them (dicts, lists, tuples, numbers, strings, bools, None) goes as JSON in the
safetensors metadata. Loading parses a header and copies bytes: it never unpickles and never runs
code from the file. Writes are atomic: a crash mid-write leaves the old file (or none), never a
truncated one under the final name.
"""

import json
import math
import os
import uuid

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as _load_arrays
from safetensors.numpy import save as _save_arrays

from .backends import as_device, backend_for, backend_of, is_array
from .tensor import Tensor

_KEY = "tensorgrad"  # metadata key holding the JSON structure
_TAGS = ("__tensor__", "__ndarray__", "__scalar__", "__tuple__", "__dict__", "__float__")


def save(obj, f, *, metadata: dict[str, str] | None = None) -> None:
    """Write ``obj`` to the path ``f`` as a safetensors file, atomically.

    ``obj`` may be a Tensor, an ndarray, or dicts/lists/tuples nesting tensors, ndarrays,
    numbers (Python ints of any size included), strings, bools and None: a ``state_dict``, or a
    whole checkpoint with optimizer and scheduler state and a ``Generator.bit_generator.state``.
    Unlike ``torch.save`` nothing is pickled; other objects raise TypeError. Dict subclasses
    (the OrderedDict of a ``state_dict``) load as plain dicts, in the same order. Tensors on
    any device are written as host copies, with their device noted for ``load``.

    ``metadata``: string entries for the safetensors header (its ``__metadata__``, as in
    ``safetensors.torch.save_file``), such as what model the weights are for; read them back
    with ``safetensors.safe_open(path, "np").metadata()``. ``torch.save`` has no such argument
    (a pickle has no header to hold them).
    """
    path = _path(f, "save")
    extra = _metadata(metadata, path)
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, "", arrays, {})
    metadata = {**extra, _KEY: json.dumps(structure, allow_nan=False), "format": "np"}
    try:
        data = _save_arrays(arrays, metadata=metadata)
    except (SafetensorError, ValueError, TypeError) as error:
        raise ValueError(f"tg.save: cannot write {path}: {error}") from None
    _atomic_write(path, data)


def _metadata(metadata, path: str) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise TypeError(
            f"tg.save: metadata for {path} must map strings to strings, got {metadata!r}"
        )
    taken = sorted({_KEY, "format"} & set(metadata))
    if taken:
        raise ValueError(f"tg.save: metadata key {taken[0]!r} is tensorgrad's own ({path})")
    return dict(metadata)


def load(f, map_location=None):
    """Read what ``save`` wrote; tensors come back with their dtypes, containers as they were.

    ``map_location`` places the tensors, as in ``torch.load``: None puts each on the device it
    was saved from (an error when that device is not available here), a device or string
    (``"cpu"``, ``"cuda:0"``) puts all of them there, and a dict maps saved devices to new ones
    (``{"cuda:0": "cpu"}``). Arrays that were not tensors (optimizer state) load on the host.
    A plain safetensors file (not written by ``save``) loads as a dict of CPU Tensors. Anything
    else (a pickle, a ``torch.save`` zip archive, a truncated file) raises ValueError naming
    the file; nothing in it is executed.
    """
    path = _path(f, "load")
    with open(path, "rb") as stream:
        data = stream.read()
    header = _header(data, path)
    try:
        arrays = _load_arrays(data)
    except (SafetensorError, ValueError) as error:
        raise ValueError(f"tg.load: {path} is not a valid safetensors file: {error}") from None
    metadata = header.get("__metadata__") or {}
    if _KEY not in metadata:
        where = _placer(map_location)
        return {name: _tensor(np.array(a), False, "cpu", where) for name, a in arrays.items()}
    try:
        return _decode(json.loads(metadata[_KEY]), arrays, _placer(map_location))
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"tg.load: {path} has a corrupt tensorgrad structure: {error}") from None


def _path(f, fn: str) -> str:
    if not isinstance(f, str | os.PathLike):
        raise TypeError(
            f"tg.{fn}: expected a file path (str or os.PathLike), got {type(f).__name__}"
        )
    return os.fspath(f)


# -- writing ----------------------------------------------------------------------------------
def _name(path: str, arrays: dict) -> str:
    name, n = path or "tensor", 1
    while name in arrays:
        n += 1
        name = f"{path or 'tensor'}#{n}"
    return name


def _store(array, path: str, arrays: dict, memo: dict) -> str:
    """Store a host copy of ``array`` (of any device) under a new name; returns the name."""
    if id(array) in memo:  # the same array twice (tied weights) is stored once
        return memo[id(array)][0]
    if array.dtype.kind not in "biuf":
        raise TypeError(f"tg.save: cannot save an array of dtype {array.dtype} at {path!r}")
    name = _name(path, arrays)
    host = backend_of(array).to_host(array)
    arrays[name] = host if host.flags.c_contiguous else np.ascontiguousarray(host)
    memo[id(array)] = (name, array)  # keep the array alive so its id stays unique
    return name


def _encode(obj, path: str, arrays: dict, memo: dict):
    here = path or "<root>"
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if isinstance(obj, Tensor):
        return {
            "__tensor__": _store(obj.data, path, arrays, memo),
            "requires_grad": bool(obj.requires_grad),
            "device": str(obj.device),
        }
    if is_array(obj):
        return {"__ndarray__": _store(obj, path, arrays, memo)}
    if isinstance(obj, np.generic):
        return {"__scalar__": _store(np.asarray(obj), path, arrays, memo)}
    if isinstance(obj, list):
        return [_encode(v, _join(path, i), arrays, memo) for i, v in enumerate(obj)]
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, _join(path, i), arrays, memo) for i, v in enumerate(obj)]}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not (k is None or isinstance(k, bool | int | float | str | tuple)):
                raise TypeError(
                    f"tg.save: dict key {k!r} at {here} must be a str, number, bool, None or tuple"
                )
            items.append(
                [
                    _encode(k, _join(path, "key"), arrays, memo),
                    _encode(v, _join(path, k), arrays, memo),
                ]
            )
        return {"__dict__": items}
    raise TypeError(
        f"tg.save: cannot save a {type(obj).__name__} at {here}; supported: Tensor, ndarray, "
        "dict, list, tuple, int, float, str, bool, None (nothing is pickled)"
    )


def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def _atomic_write(path: str, data: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    try:  # make the rename itself durable
        folder_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder_fd)
    except OSError:
        pass
    finally:
        os.close(folder_fd)


# -- reading ----------------------------------------------------------------------------------
def _looks_like(data: bytes) -> str:
    if data[:1] == b"\x80" or data.rstrip()[-1:] == b".":
        return (
            "it looks like a pickle; tensorgrad never unpickles, since unpickling can run "
            "arbitrary code"
        )
    if data[:4] == b"PK\x03\x04":
        return (
            "it looks like a zip archive, such as torch.save writes; tensorgrad never "
            "unpickles: convert it to safetensors first"
        )
    return f"{len(data)} bytes without a valid safetensors header"


def _header(data: bytes, path: str) -> dict:
    """The safetensors JSON header, or a ValueError that says what the file looks like."""
    size = int.from_bytes(data[:8], "little") if len(data) >= 8 else 0
    header = None
    if 2 <= size <= len(data) - 8 and data[8:9] == b"{":
        try:
            header = json.loads(data[8 : 8 + size])
        except (UnicodeDecodeError, json.JSONDecodeError):
            header = None
    if not isinstance(header, dict):
        raise ValueError(
            f"tg.load: refusing to load {path}: it is not a safetensors file ({_looks_like(data)})"
        )
    return header


def _array(arrays: dict, name) -> np.ndarray:
    if name not in arrays:
        raise KeyError(f"the structure names tensor {name!r}, which the file does not hold")
    return np.array(arrays[name])  # a writable copy that owns its memory


def _placer(map_location):
    """A function from a saved device name to the device to load onto (``load``'s rules)."""
    if map_location is None:
        return as_device
    if isinstance(map_location, dict):
        table = {str(as_device(k)): as_device(v) for k, v in map_location.items()}
        return lambda saved: table.get(str(as_device(saved)), as_device(saved))
    if callable(map_location) and not isinstance(map_location, str):
        raise TypeError("tg.load: map_location may be a device, a string or a dict, not a function")
    target = as_device(map_location)
    return lambda saved: target


def _tensor(array: np.ndarray, requires_grad: bool, saved: str, where) -> Tensor:
    target = where(saved)
    if target.type != "cpu":
        array = backend_for(target).from_host(array, target)
    return Tensor._make(array, requires_grad)


def _decode(node, arrays: dict, where):
    if node is None or isinstance(node, bool | int | float | str):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, where) for v in node]
    if not isinstance(node, dict) or not any(tag in node for tag in _TAGS):
        raise ValueError(f"unexpected structure node {node!r:.80}")
    if "__tensor__" in node:
        array, requires_grad = _array(arrays, node["__tensor__"]), bool(node.get("requires_grad"))
        return _tensor(array, requires_grad, node.get("device", "cpu"), where)
    if "__ndarray__" in node:
        return _array(arrays, node["__ndarray__"])
    if "__scalar__" in node:
        return _array(arrays, node["__scalar__"])[()]
    if "__float__" in node:
        return float(node["__float__"])
    if "__tuple__" in node:
        return tuple(_decode(v, arrays, where) for v in node["__tuple__"])
    return {_decode(k, arrays, where): _decode(v, arrays, where) for k, v in node["__dict__"]}

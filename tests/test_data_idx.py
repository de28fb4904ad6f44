"""IDX files: round trips, and clear errors for truncated, over-long and corrupt files."""

import gzip
import os

import numpy as np
import pytest

from tensorgrad.data import idx


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_round_trip(tmp_path, dtype, compress):
    array = (np.random.default_rng(0).random((3, 4, 5)) * 100).astype(dtype)
    path = tmp_path / "x.idx"
    idx.write_idx(path, array, compress=compress)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress
    back = idx.read_idx(path, expected_shape=(3, 4, 5))
    assert back.dtype == dtype and np.array_equal(back, array) and back.flags.writeable


def test_header_layout_is_the_mnist_one():
    data = idx.encode_idx(np.zeros((2, 28, 28), np.uint8))
    assert data[:4] == b"\x00\x00\x08\x03"
    assert data[4:16] == (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    assert len(data) == 16 + 2 * 28 * 28


def test_truncated_file_names_the_file_and_the_expected_size(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(idx.encode_idx(np.zeros((3, 28, 28), np.uint8))[:-100])
    with pytest.raises(ValueError, match=rf"{path}: truncated IDX file: expected 2368 bytes"):
        idx.read_idx(path)


def test_over_long_file(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(idx.encode_idx(np.zeros(4, np.uint8)) + b"junk")
    with pytest.raises(ValueError, match="over-long IDX file: expected 12 bytes"):
        idx.read_idx(path)


def test_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx.encode_idx(np.arange(1000, dtype=np.uint8) % 10))[:-20])
    with pytest.raises(ValueError, match=rf"{path}: corrupt or truncated gzip.*expected shape"):
        idx.read_idx(path, expected_shape=(1000,))


@pytest.mark.parametrize("content", [b"", b"\x00\x00", b"GIF89a...", b"\x00\x00\x07\x01abcd"])
def test_not_an_idx_file(tmp_path, content):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"{path}: not an IDX file"):
        idx.read_idx(path)


def test_header_cut_short(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(ValueError, match="header alone needs 16 bytes, got 6"):
        idx.read_idx(path)


def test_unexpected_shape(tmp_path):
    path = tmp_path / "x"
    idx.write_idx(path, np.zeros((2, 3), np.uint8))
    with pytest.raises(ValueError, match=r"holds shape \(2, 3\) \(expected shape \(2, 4\)\)"):
        idx.read_idx(path, expected_shape=(2, 4))


def test_encode_refuses_unsupported_dtypes():
    with pytest.raises(ValueError, match="int64"):
        idx.encode_idx(np.zeros(3, np.int64))


def test_atomic_write_keeps_the_old_file_when_a_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "file"
    idx.atomic_write(path, b"old")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(idx.os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        idx.atomic_write(path, b"new content")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file"]  # no temporary file left behind

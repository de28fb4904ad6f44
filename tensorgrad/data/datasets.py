"""Data sets by torchvision's module name: ``from tensorgrad.data import datasets, transforms``
ports ``from torchvision import datasets, transforms`` (``datasets.MNIST`` takes the same
arguments: root, train, transform, target_transform, download)."""

from .mnist import MNIST

__all__ = ["MNIST"]

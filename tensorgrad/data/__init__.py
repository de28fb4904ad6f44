"""Datasets, the DataLoader, transforms and MNIST (``tensorgrad.data``; PyTorch's torch.utils.data
and torchvision's datasets/transforms in one place)."""

from . import datasets, seeding, transforms
from .affine import RandomAffine, affine
from .dataloader import DataLoader
from .dataset import Dataset, Subset, TensorDataset, default_collate, random_split
from .mnist import MNIST, default_root
from .seeding import current_generator, use_generator
from .transforms import Compose, Normalize, ToTensor

__all__ = [
    "MNIST", "Compose", "DataLoader", "Dataset", "Normalize", "RandomAffine", "Subset", "datasets",
    "TensorDataset", "ToTensor", "affine", "current_generator", "default_collate",
    "default_root", "random_split", "seeding", "transforms", "use_generator",
]  # fmt: skip

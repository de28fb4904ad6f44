"""``tg.utils.data``: PyTorch's ``torch.utils.data`` names for ``tensorgrad.data``'s loader and
datasets (the same objects)."""

from ..data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]

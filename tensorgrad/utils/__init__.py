"""``tg.utils``: PyTorch's ``torch.utils`` layout for scripts ported by changing their imports."""

from . import data

__all__ = ["data"]

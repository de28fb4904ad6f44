"""``tensorgrad.optim``: SGD, Adam, AdamW, Adadelta, NAdam, RAdam and learning-rate schedulers
(``optim.lr_scheduler``)."""

from . import lr_scheduler
from .adadelta import Adadelta
from .adam import Adam, AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .sgd import SGD

__all__ = [
    "SGD", "Adadelta", "Adam", "AdamW", "NAdam", "Optimizer", "RAdam", "lr_scheduler",
]  # fmt: skip

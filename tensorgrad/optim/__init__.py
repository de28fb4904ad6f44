"""``tensorgrad.optim``: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, NAdam, RAdam and
learning-rate schedulers (``optim.lr_scheduler``)."""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "NAdam", "Optimizer", "RAdam", "RMSprop",
    "lr_scheduler",
]  # fmt: skip

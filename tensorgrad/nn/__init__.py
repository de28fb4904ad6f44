"""``tensorgrad.nn``: Module, Parameter, layers, containers, losses, ``functional``, ``init``
and ``utils`` (gradient clipping)."""

from . import functional, init, utils
from .batchnorm import BatchNorm1d, BatchNorm2d
from .containers import ModuleList, Sequential
from .interpolate import Upsample
from .layers import (
    AvgPool2d,
    Conv2d,
    Dropout,
    Flatten,
    Identity,
    Linear,
    MaxPool2d,
    ReLU,
    Sigmoid,
    Tanh,
)
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module
from .normalize_celu import CELU
from .parameter import Parameter

# isort: split
# -- issue 13 layers (1) --
from .activations import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
)
from .adaptive import AdaptiveAvgPool2d
from .conv1d import Conv1d
from .conv_transpose import ConvTranspose2d
from .dropout import Dropout2d
from .embedding import Embedding
from .normalization import GroupNorm, LayerNorm
from .unflatten import Unflatten

__all__ = [
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "CELU",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Identity",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sigmoid",
    "Sequential",
    "Tanh",
    "Upsample",
    "functional",
    "init",
    # issue 13
    "BCELoss", "BCEWithLogitsLoss", "HuberLoss", "KLDivLoss", "SmoothL1Loss", "utils",
    # -- issue 13 layers (1) --
    "AdaptiveAvgPool2d", "Conv1d", "ConvTranspose2d", "Dropout2d", "ELU", "Embedding", "GELU",
    "GroupNorm", "Hardtanh", "LayerNorm", "LeakyReLU", "LogSoftmax", "SiLU", "Softmax",
    "Softplus", "Softsign", "Unflatten",
]  # fmt: skip

# -- issue 13 layers (2) --
from .multihead_attention import MultiheadAttention  # noqa: E402
from .rnn import GRU, LSTM, RNN  # noqa: E402
from .transformer import TransformerEncoder, TransformerEncoderLayer  # noqa: E402

__all__ += [
    "GRU", "LSTM", "MultiheadAttention", "RNN", "TransformerEncoder", "TransformerEncoderLayer",
]  # fmt: skip

from .fold import Fold, Unfold  # noqa: E402

__all__ += ["Fold", "Unfold"]

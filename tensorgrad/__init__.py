"""tensorgrad: a readable, tested and fast deep-learning micro-framework on NumPy and Numba.

The public names follow PyTorch's: ``tg.tensor``, ``x.backward()``, ``tg.no_grad()``, ...
"""

# autograd first: its engine imports tensor, which imports autograd's flag modules
from . import autograd  # noqa: I001
from . import accelerator, cuda, data, nn, optim, utils
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backends import device
from .creation import (
    arange,
    as_tensor,
    default_generator,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)  # fmt: skip
from .dtypes import (
    bool_, double, float16, float32, float64, half, int8, int16, int32, int64, long, short, uint8,
)  # fmt: skip
from .errors import OpError
from .functions import (
    abs,
    argmax,
    argmin,
    cat,
    clamp,
    exp,
    flatten,
    log,
    log_softmax,
    logsumexp,
    max,
    maximum,
    mean,
    min,
    minimum,
    neg,
    permute,
    relu,
    reshape,
    sigmoid,
    softmax,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)  # fmt: skip

# -- issue 13 --
from .functions_index import (
    gather,
    index_select,
    masked_fill,
    scatter_add,
    sort,
    topk,
    tril,
    triu,
)  # fmt: skip
from .functions_math import bmm, cos, cumsum, einsum, erf, norm, outer, sin
from .functions_shape import chunk, flip, roll, split, unbind
from .kernels.config import get_num_threads, set_num_threads
from .nn import Parameter
from .serialization import load, save
from .tensor import Tensor, matmul

# isort: split
# -- issue 17: the everyday API --
# the reductions again, taking PyTorch's alias axis= for dim= (tensorgrad.axis_alias)
from .axis_alias import argmax, argmin, logsumexp, max, mean, min, std, sum, var  # noqa: F811
from .functions_api import (
    all,
    allclose,
    any,
    ceil,
    div,
    eq,
    exp2,
    floor,
    floor_divide,
    fmod,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    log2,
    log10,
    lt,
    ne,
    nonzero,
    remainder,
    round,
    sign,
    trunc,
)  # fmt: skip
from .functions_scans import cummax, cummin, cumprod, diag, diagonal, logcumsumexp, prod

# -- issue 13 layers (1) --
from .functions_shape import unflatten

# PyTorch's dtype names that shadow Python's built-ins (only inside this namespace)
bool = bool_  # noqa: A001
int = int32  # noqa: A001
float = float32  # noqa: A001

__version__ = "0.1.0"

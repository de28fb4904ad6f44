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

# isort: split
# -- issue 17, more of the everyday API --
from .autograd import inference_mode, is_inference_mode_enabled
from .creation_more import (
    bernoulli,
    empty_like,
    logspace,
    multinomial,
    normal,
    rand_like,
    randint_like,
    randn_like,
)  # fmt: skip
from .functions import abs as absolute  # noqa: E402
from .functions import neg as negative  # noqa: E402
from .functions_api import div as divide  # noqa: E402
from .functions_arith import (
    acos,
    acosh,
    add,
    addcdiv,
    addcmul,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    clamp,  # noqa: F811 (tensor bounds too)
    clamp_max,
    clamp_min,
    cosh,
    deg2rad,
    erfinv,
    expm1,
    fmax,
    fmin,
    frac,
    hypot,
    lerp,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logit,
    mul,
    nan_to_num,
    nanmean,
    nansum,
    pow,
    rad2deg,
    reciprocal,
    rsqrt,
    sgn,
    signbit,
    sinh,
    square,
    sub,
    tan,
    true_divide,
)  # fmt: skip
from .functions_layout import (
    atleast_1d,
    atleast_2d,
    broadcast_shapes,
    broadcast_tensors,
    broadcast_to,
    clone,
    column_stack,
    detach,
    hstack,
    is_floating_point,
    is_tensor,
    meshgrid,
    moveaxis,
    movedim,
    narrow,
    numel,
    ravel,
    repeat_interleave,
    reshape_as,
    select,
    swapaxes,
    swapdims,
    t,
    tile,
    vstack,
)  # fmt: skip
from .functions_linalg import (
    addbmm,
    addmm,
    addmv,
    baddbmm,
    cdist,
    cross,
    dot,
    inner,
    kron,
    mm,
    mv,
    tensordot,
    trace,
    vdot,
)  # fmt: skip
from .functions_reduce_more import (
    amax,
    amin,
    aminmax,
    argsort,
    bincount,
    count_nonzero,
    diff,
    equal,
    kthvalue,
    median,
    mode,
    unique,
)  # fmt: skip
from .functions_select import (
    index_add,
    index_copy,
    index_fill,
    masked_select,
    scatter,
    take,
    take_along_dim,
)  # fmt: skip

clip = clamp
subtract, multiply = sub, mul
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh

# PyTorch's dtype names that shadow Python's built-ins (only inside this namespace)
bool = bool_  # noqa: A001
int = int32  # noqa: A001
float = float32  # noqa: A001

__version__ = "0.1.0"

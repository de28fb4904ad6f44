"""Issue 13's layers as cases that run unchanged on tensorgrad and on PyTorch (same names).

Each case makes a layer from a framework's ``nn`` (and ``F``), fills each of its parameters
with float64 draws seeded by the parameter's name, runs a seeded input through it and
backpropagates ``sum(out * r)``. ``run_case`` returns the output, the input gradient and each
parameter's gradient and value after the call (max_norm rewrites weights) as float64 arrays.
``tests/make_layers13_reference.py`` runs it on PyTorch and writes
``tests/layers13_reference.py``; ``tests/test_issue13_layers.py`` runs it on tensorgrad.
"""

import zlib

import numpy as np

INDICES = np.array([[0, 1, 3, 1], [4, 2, 0, 1]])

# name -> (make(nn, F) -> layer or function, input: a shape (float input) or an int array)
CASES = {
    "embedding": (lambda nn, F: nn.Embedding(5, 3), INDICES),
    "embedding_padding_idx": (lambda nn, F: nn.Embedding(5, 3, padding_idx=1), INDICES),
    "embedding_negative_padding_idx": (lambda nn, F: nn.Embedding(5, 3, padding_idx=-1), INDICES),
    "embedding_max_norm": (lambda nn, F: nn.Embedding(5, 3, max_norm=1.0), INDICES),
    "embedding_max_norm_p1": (
        lambda nn, F: nn.Embedding(5, 3, max_norm=0.5, norm_type=1.0, padding_idx=0),
        INDICES,
    ),
    "embedding_scale_grad_by_freq": (
        lambda nn, F: nn.Embedding(5, 3, scale_grad_by_freq=True), INDICES,
    ),
    "embedding_scale_grad_by_freq_padding_idx": (
        lambda nn, F: nn.Embedding(5, 3, padding_idx=1, scale_grad_by_freq=True), INDICES,
    ),
    "layer_norm": (lambda nn, F: nn.LayerNorm(4), (2, 3, 4)),
    "layer_norm_2d_shape": (lambda nn, F: nn.LayerNorm((3, 4), eps=1e-3), (2, 3, 4)),
    "layer_norm_no_bias": (lambda nn, F: nn.LayerNorm(4, bias=False), (3, 4)),
    "layer_norm_no_affine": (lambda nn, F: nn.LayerNorm([4], elementwise_affine=False), (3, 4)),
    "group_norm": (lambda nn, F: nn.GroupNorm(2, 4), (2, 4, 3, 2)),
    "group_norm_3d": (lambda nn, F: nn.GroupNorm(3, 6, eps=1e-3), (2, 6, 5)),
    "group_norm_no_affine": (lambda nn, F: nn.GroupNorm(1, 4, affine=False), (2, 4, 3)),
    "instance_like_group_norm": (lambda nn, F: nn.GroupNorm(4, 4), (2, 4, 2, 3)),
    "conv1d": (lambda nn, F: nn.Conv1d(3, 4, 3), (2, 3, 7)),
    "conv1d_strided": (lambda nn, F: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 8)),
    "conv1d_same_dilated": (
        lambda nn, F: nn.Conv1d(2, 3, 4, padding="same", dilation=2, bias=False),
        (2, 2, 9),
    ),
    "conv1d_reflect": (
        lambda nn, F: nn.Conv1d(2, 3, 3, padding=2, padding_mode="reflect"),
        (1, 2, 6),
    ),
    "conv1d_circular_same": (
        lambda nn, F: nn.Conv1d(2, 2, 4, padding="same", padding_mode="circular"),
        (2, 2, 6),
    ),
    "conv1d_unbatched": (lambda nn, F: nn.Conv1d(2, 3, 2), (2, 5)),
    "conv_transpose2d": (lambda nn, F: nn.ConvTranspose2d(3, 2, 3), (2, 3, 4, 5)),
    "conv_transpose2d_strided": (
        lambda nn, F: nn.ConvTranspose2d(2, 4, (3, 2), stride=2, padding=1, output_padding=1),
        (2, 2, 4, 3),
    ),
    "conv_transpose2d_groups_dilation": (
        lambda nn, F: nn.ConvTranspose2d(4, 6, 2, stride=(1, 2), groups=2, dilation=(2, 1)),
        (1, 4, 3, 4),
    ),
    "conv_transpose2d_output_padding_by_dilation": (
        lambda nn, F: nn.ConvTranspose2d(2, 2, 2, output_padding=1, dilation=2, bias=False),
        (2, 2, 3, 3),
    ),
    "conv_transpose2d_unbatched": (lambda nn, F: nn.ConvTranspose2d(2, 3, 2, stride=2), (2, 3, 3)),
    "adaptive_avg_pool2d": (lambda nn, F: nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    "adaptive_avg_pool2d_divisible": (lambda nn, F: nn.AdaptiveAvgPool2d(2), (1, 2, 6, 4)),
    "adaptive_avg_pool2d_none": (lambda nn, F: nn.AdaptiveAvgPool2d((None, 3)), (2, 5, 4)),
    "adaptive_avg_pool2d_upsampling": (lambda nn, F: nn.AdaptiveAvgPool2d((5, 1)), (1, 2, 3, 4)),
    "activations": (
        lambda nn, F: nn.Sequential(
            nn.GELU(),
            nn.LeakyReLU(0.2),
            nn.ELU(0.5),
            nn.Softplus(2.0, 1.0),
            nn.GELU(approximate="tanh"),
            nn.SiLU(),
            nn.Hardtanh(-0.5, 0.7),
            nn.Softsign(),
        ),
        (3, 5),
    ),  # fmt: skip
    "softmax_log_softmax": (
        lambda nn, F: nn.Sequential(nn.Softmax(dim=1), nn.LogSoftmax(dim=0)),
        (3, 4, 2),
    ),
    "unflatten": (
        lambda nn, F: nn.Sequential(nn.Unflatten(1, (2, 3)), nn.Tanh(), nn.Unflatten(-1, (1, 2))),
        (2, 6, 2),
    ),
}


def _rng(name: str, part: str):
    return np.random.default_rng(zlib.crc32(f"{name}/{part}".encode()))


def run_case(name: str, nn, F, tensor, to_numpy) -> dict:
    """See the module docstring; ``tensor(array, requires_grad)`` makes a framework tensor
    (on the device wanted), ``to_numpy`` reads one back."""
    make, given = CASES[name]
    if isinstance(given, tuple):
        x = tensor(_rng(name, "input").standard_normal(given), True)
    else:
        x = tensor(given, False)
    layer = make(nn, F).double().to(x.device)
    state = {k: _rng(name, k).standard_normal(tuple(v.shape)) for k, v in
             layer.state_dict().items()}  # fmt: skip
    layer.load_state_dict({k: tensor(v, False) for k, v in state.items()})
    out = layer(x)
    r = tensor(_rng(name, "r").standard_normal(tuple(out.shape)), False)
    (out * r).sum().backward()
    result = {"out": to_numpy(out.detach())}
    if isinstance(given, tuple):
        result["input.grad"] = to_numpy(x.grad)
    for k, p in layer.named_parameters():
        result[f"{k}.grad"] = to_numpy(p.grad)
        result[k] = to_numpy(p.detach())
    return result


def fingerprint(arrays: dict) -> dict:
    """Each array's shape and three projections on seeded directions: any difference in the
    values shows in them (a short record of PyTorch's numbers)."""
    prints = {}
    for key, a in arrays.items():
        a = np.asarray(a, dtype=np.float64)
        directions = _rng(key, "fingerprint").standard_normal((3, a.size))
        prints[key] = (tuple(a.shape), [float(v) for v in directions @ a.ravel()])
    return prints

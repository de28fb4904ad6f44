"""Issue 13's ops against PyTorch: milliseconds for the forward and forward + backward.

    python benchmarks/bench_new_ops.py [--repeats 7] [--threads 1] [--json PATH]

The same code runs on both libraries (their names and signatures agree), each case
alternating between them so that a shared machine's load hits both alike. Sizes are those of a
small transformer or RNN step (a batch of 32 sequences of 64 tokens, 256 features).
"""

import argparse

import numpy as np
from common import (
    compare_cases,
    environment,
    median_seconds,
    print_table,
    try_import_torch,
    write_json,
)

import tensorgrad as tg


def cases(lib):
    """name -> (function of the inputs, input shapes); ``lib`` is tensorgrad or torch."""
    F = lib.nn.functional
    return {
        "gelu": (F.gelu, [(32, 64, 256)]),
        "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), [(32, 64, 256)]),
        "silu": (F.silu, [(32, 64, 256)]),
        "softplus": (F.softplus, [(32, 64, 256)]),
        "einsum_attention": (
            lambda q, k: lib.einsum("bqd,bkd->bqk", q, k),
            [(32, 64, 64), (32, 64, 64)],
        ),
        "bmm": (lib.bmm, [(32, 64, 64), (32, 64, 64)]),
        "cumsum": (lambda x: x.cumsum(1), [(32, 64, 256)]),
        "norm": (lambda x: x.norm(dim=-1), [(32, 64, 256)]),
        "masked_fill_tril": (
            lambda x: x.masked_fill(lib.ones(64, 64).tril() == 0, -1e9),
            [(32, 64, 64)],
        ),
        "topk": (lambda x: x.topk(5, dim=-1).values, [(32, 64, 256)]),
        "gather": (
            lambda x: x.gather(1, lib.zeros(32, 64, dtype=lib.int64).unsqueeze(1)),
            [(32, 64, 64)],
        ),
        "bce_with_logits": (
            lambda x: F.binary_cross_entropy_with_logits(x, x.detach().sigmoid()),
            [(32, 64, 256)],
        ),
        # -- issue 13 layers (1) --
        "layer_norm": (
            lambda x, w, b: F.layer_norm(x, (256,), w, b),
            [(32, 64, 256), (256,), (256,)],
        ),
        "group_norm": (lambda x, w, b: F.group_norm(x, 8, w, b), [(32, 64, 16, 16), (64,), (64,)]),
        "embedding": (
            lambda w: F.embedding(lib.tensor(np.arange(32 * 64).reshape(32, 64) % 1000), w),
            [(1000, 256)],
        ),
        "unbind_steps": (
            lambda x: lib.stack([t * (i + 1.0) for i, t in enumerate(x.unbind(0))]),
            [(64, 32, 256)],
        ),
        "conv1d": (lambda x, w: F.conv1d(x, w, padding=1), [(32, 64, 128), (64, 64, 3)]),
        "conv_transpose2d": (
            lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1),
            [(32, 16, 14, 14), (16, 8, 4, 4)],
        ),
        "adaptive_avg_pool2d": (
            lambda x: F.adaptive_avg_pool2d(x, (3, 3)),
            [(32, 64, 7, 7)],
        ),
    }


def measure(lib, name: str, repeats: int) -> dict:
    fn, shapes = cases(lib)[name]
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    plain = [lib.tensor(a) for a in data]
    needs = [lib.tensor(a, requires_grad=True) for a in data]

    def forward_backward():
        fn(*needs).sum().backward()

    return {
        "forward_ms": median_seconds(lambda: fn(*plain), repeats=repeats) * 1e3,
        "forward_backward_ms": median_seconds(forward_backward, repeats=repeats) * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="PyTorch's threads")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()
    torch = try_import_torch()
    if torch is not None:
        torch.set_num_threads(args.threads)
    rows, results = compare_cases(cases(tg), measure, args.repeats, torch, "op")
    print(f"milliseconds, median of {args.repeats}")
    print_table(rows, ["op", "library", "forward_ms", "forward_backward_ms"])
    write_json(args.json, {"environment": environment(args.threads), "milliseconds": results})


if __name__ == "__main__":
    main()

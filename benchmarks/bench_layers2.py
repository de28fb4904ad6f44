"""Attention, recurrent and transformer layers against PyTorch: milliseconds for the forward
(under no_grad) and forward + backward of one call, and the LSTM's per time step.

    python benchmarks/bench_layers2.py [--repeats 7] [--threads 1] [--json PATH]

The same code runs on both libraries (their names and signatures agree), the libraries taking
turns case by case. Sizes: an attention block of a small transformer (a batch of 16 sequences of
64 tokens, 128 features, 4 heads), an LSTM/GRU step (batch 32, 128 inputs and hidden units,
32 steps), and the sequential-MNIST LSTM (28 steps of 28 pixels, batch 128, 128 hidden units).
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

SEQ = 32  # the recurrent cases' time steps


def cases(lib):
    """name -> (layer factory, input shapes, function of the layer and inputs)."""
    nn, F = lib.nn, lib.nn.functional
    return {
        "sdpa_causal": (
            None, [(16, 4, 64, 32)] * 3,
            lambda _, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        ),
        "multihead_attention": (
            lambda: nn.MultiheadAttention(128, 4, batch_first=True), [(16, 64, 128)],
            lambda layer, x: layer(x, x, x, need_weights=False)[0],
        ),
        "encoder_layer": (
            lambda: nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True),
            [(16, 64, 128)], lambda layer, x: layer(x),
        ),
        "lstm": (lambda: nn.LSTM(128, 128), [(SEQ, 32, 128)], lambda layer, x: layer(x)[0]),
        "gru": (lambda: nn.GRU(128, 128), [(SEQ, 32, 128)], lambda layer, x: layer(x)[0]),
        "lstm_mnist": (
            lambda: nn.LSTM(28, 128, batch_first=True), [(128, 28, 28)],
            lambda layer, x: layer(x)[0][:, -1],
        ),
    }  # fmt: skip


def measure(lib, name: str, repeats: int) -> dict:
    make, shapes, call = cases(lib)[name]
    layer = make() if make else None
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    plain = [lib.tensor(a) for a in data]
    needs = [lib.tensor(a, requires_grad=True) for a in data]

    def forward():
        with lib.no_grad():
            call(layer, *plain)

    def forward_backward():
        call(layer, *needs).sum().backward()

    return {
        "forward_ms": median_seconds(forward, repeats=repeats) * 1e3,
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
    rows, results = compare_cases(cases(tg), measure, args.repeats, torch, "case")
    print(f"milliseconds per call, median of {args.repeats} (lstm/gru: {SEQ} steps per call, "
          "lstm_mnist: 28)")  # fmt: skip
    print_table(rows, ["case", "library", "forward_ms", "forward_backward_ms"])
    write_json(args.json, {"environment": environment(args.threads), "milliseconds": results})


if __name__ == "__main__":
    main()

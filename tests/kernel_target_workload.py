"""Work for ``test_kernel_targets.py`` in a subprocess, so that it compiles the kernels for the
CPU that its environment names (``NUMBA_CPU_NAME``, ``NUMBA_CPU_FEATURES``):
``python tests/kernel_target_workload.py results OUT.npz`` computes a fixed set of kernel results
(3x3, 5x5 and strided convolutions with their gradients, batch norm, an Adam step) and saves
them; ``python tests/kernel_target_workload.py cache`` runs one small kernel and prints its JIT
cache hits and misses and the kernels' vector bits."""

import sys

import numpy as np

import tensorgrad as tg
import tensorgrad.nn.functional as F
from tensorgrad.kernels import batchnorm, config


def results() -> dict:
    rng = np.random.default_rng(0)
    out = {}
    for name, (c_in, c_out, k, stride, padding) in {
        "conv3": (24, 24, 3, 1, 1), "conv5": (6, 16, 5, 1, 2), "strided": (8, 12, 3, 2, 1),
    }.items():  # fmt: skip
        x = tg.tensor(rng.standard_normal((6, c_in, 14, 14)).astype(np.float32), requires_grad=True)
        w = tg.tensor(rng.standard_normal((c_out, c_in, k, k)).astype(np.float32) * 0.1,
                      requires_grad=True)  # fmt: skip
        y = F.conv2d(x, w, stride=stride, padding=padding)
        y.backward(tg.tensor(rng.standard_normal(y.shape).astype(np.float32)))
        out.update({f"{name}_out": y.data, f"{name}_dx": x.grad.data, f"{name}_dw": w.grad.data})
    x = tg.tensor(rng.standard_normal((8, 5, 6, 6)).astype(np.float32) + 3, requires_grad=True)
    bn = tg.nn.BatchNorm2d(5)
    y = bn(x)
    y.backward(tg.tensor(rng.standard_normal(y.shape).astype(np.float32)))
    out.update(bn_out=y.data, bn_dx=x.grad.data, bn_dw=bn.weight.grad.data)
    optimizer = tg.optim.Adam(bn.parameters(), lr=0.1)
    optimizer.step()
    out["adam"] = bn.weight.data
    return out


if __name__ == "__main__":
    if sys.argv[1] == "results":
        np.savez(sys.argv[2], **results())
    else:
        s1, s2 = np.empty(3), np.empty(3)
        batchnorm.shifted_sums(np.ones((2, 3, 4)), np.zeros(3), 0, 2, s1, s2)
        stats = batchnorm.shifted_sums.stats
        print(stats.cache_hits.total(), stats.cache_misses.total(), config.VECTOR_BITS)

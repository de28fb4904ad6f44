"""The CUDA backend: CuPy arrays, convolution and pooling from ``array_windows``, cuBLAS GEMMs.

CuPy is an optional extra (``pip install 'tensorgrad[cuda]'``), imported the first time a CUDA
device is asked for, never at ``import tensorgrad``. No cuDNN (CuPy 14 dropped it) and no
PyTorch. Random draws come from the host generator and are copied over, so a seed gives the
same initial weights and dropout masks on every device. The optimizer updates are fused: one
kernel launch per parameter instead of one per arithmetic step.
"""

import numpy as np

from .array_backend import ArrayBackend
from .device import device

_ADAM_SOURCE = """
T d = maximize ? -g : g;
if (weight_decay != 0) {
    if (decoupled) { p *= 1 - lr * weight_decay; } else { d += weight_decay * p; }
}
m += (1 - beta1) * (d - m);
v = beta2 * v + (1 - beta2) * (d * d);
p -= step_size * (m / (sqrt(v) / bias_correction2_sqrt + eps));
"""


class CudaBackend(ArrayBackend):
    type = "cuda"

    def __init__(self, cupy) -> None:
        import cupyx

        self.xp, self._cupyx = cupy, cupyx
        self.array_types = (cupy.ndarray,)
        self._adam = cupy.ElementwiseKernel(
            "T g, T lr, T beta1, T beta2, T eps, T weight_decay, T step_size, "
            "T bias_correction2_sqrt, bool decoupled, bool maximize",
            "T p, T m, T v",
            _ADAM_SOURCE,
            "tensorgrad_adam_update",
        )

    def device_of(self, array) -> device:
        return device("cuda", array.device.id)

    def from_host(self, array: np.ndarray, where: device):
        index = self.xp.cuda.runtime.getDevice() if where.index is None else where.index
        with self.xp.cuda.Device(index):
            return self.xp.asarray(array)

    def to_host(self, array) -> np.ndarray:
        return array.get()

    def scatter_add(self, out, key, values) -> None:
        self._cupyx.scatter_add(out, key, values)

    def adam_update(self, p, grad, state, **hyper):
        if "max_exp_avg_sq" in state:  # AMSGrad: the unfused reference update
            return super().adam_update(p, grad, state, **hyper)
        step = state["step"]
        self._adam(
            grad, hyper["lr"], hyper["beta1"], hyper["beta2"], hyper["eps"],
            hyper["weight_decay"], hyper["lr"] / (1 - hyper["beta1"] ** step),
            (1 - hyper["beta2"] ** step) ** 0.5, hyper["decoupled"], hyper["maximize"],
            p, state["exp_avg"], state["exp_avg_sq"],
        )  # fmt: skip


def load() -> tuple[CudaBackend | None, str | None]:
    """The CUDA backend, or None and the reason it cannot be had (quick, no traceback)."""
    try:
        import cupy
    except ImportError as error:
        return None, f"CuPy is not installed (pip install 'tensorgrad[cuda]'): {error}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDARuntimeError and friends: no driver, no device
        return None, f"CuPy is installed but found no usable NVIDIA driver or GPU: {error}"
    if count == 0:
        return None, "CuPy is installed but there is no GPU"
    return CudaBackend(cupy), None

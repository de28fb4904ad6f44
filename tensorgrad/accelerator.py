"""``tg.accelerator``: PyTorch's device-agnostic ``torch.accelerator`` (CUDA is the one here)."""

from . import cuda
from .backends import device


def is_available() -> bool:
    """True when an accelerator (a CUDA GPU) can be used."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False):
    """``tg.device("cuda")`` when CUDA is there, else None (as PyTorch on a CPU-only machine);
    with ``check_available`` also None when it is built but unusable."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()


def current_device_index() -> int:
    """The current GPU's index (-1 without an accelerator, as PyTorch)."""
    if not cuda.is_available():
        return -1
    from .backends import backend_for

    return backend_for("cuda").xp.cuda.runtime.getDevice()


def synchronize(device=None) -> None:
    """Wait for the accelerator's queued work (nothing to do without one)."""
    cuda.synchronize()

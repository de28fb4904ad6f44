"""``tg.cuda``: whether a GPU can be used, as PyTorch's ``torch.cuda`` answers it.

Asking is cheap and quiet: without CuPy or without a driver ``is_available()`` is False and
``unavailable_reason()`` says which; nothing raises and nothing is imported at
``import tensorgrad``.
"""

from . import backends
from .creation import manual_seed as _seed_all


def is_available() -> bool:
    """True when a CUDA device can hold tensors (CuPy installed, a driver and a GPU present)."""
    return backends.cuda_unavailable_reason() is None


def unavailable_reason() -> str | None:
    """Why CUDA cannot be used here (no CuPy, no driver, no GPU), or None when it can."""
    return backends.cuda_unavailable_reason()


def device_count() -> int:
    """The number of GPUs (0 without CUDA)."""
    if not is_available():
        return 0
    return backends.backend_for("cuda").xp.cuda.runtime.getDeviceCount()


def synchronize() -> None:
    """Wait for every queued GPU kernel to finish (for timing); nothing to do without CUDA."""
    if is_available():
        backends.backend_for("cuda").xp.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seed the random draws of CUDA tensors: they come from the one host generator that
    ``tg.manual_seed`` seeds, so this seeds that generator too."""
    _seed_all(seed)


manual_seed_all = manual_seed

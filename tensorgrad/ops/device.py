"""Moving data between devices: the one op that copies an array from one backend to another."""

from ..backends import backend_of, transfer
from .registry import defop


def _to_device_forward(x, *, device):
    return transfer(x, device)


def _to_device_vjp(grad, out, x, *, device):
    """d copy(x)/dx = 1, the gradient copied back to x's device"""
    return TO_DEVICE(grad, device=backend_of(x.data).device_of(x.data))


TO_DEVICE = defop("to_device", _to_device_forward, (_to_device_vjp,))

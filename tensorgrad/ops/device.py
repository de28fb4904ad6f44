"""Moving data between devices: the one op that copies an array from one backend to another."""

from ..backends import backend_for, backend_of, on_device
from .registry import defop


def transfer(array, where):
    """``array`` copied to device ``where`` (itself when it is there already)."""
    source = backend_of(array)
    if on_device(source.device_of(array), where):
        return array
    return backend_for(where).from_host(source.to_host(array), where)


def _to_device_forward(x, *, device):
    return transfer(x, device)


def _to_device_vjp(grad, out, x, *, device):
    """d copy(x)/dx = 1, the gradient copied back to x's device"""
    return TO_DEVICE(grad, device=backend_of(x.data).device_of(x.data))


TO_DEVICE = defop("to_device", _to_device_forward, (_to_device_vjp,))

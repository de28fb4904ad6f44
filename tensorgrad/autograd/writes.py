"""Which tensors an in-place op wrote, and when: PyTorch's version-counter check, kept per
tensor object (not per storage) and only for the tensors some in-place op has written.

Every recorded node takes a number from ``CLOCK`` when it is made (``Node.seq``), and an
in-place op takes one when it writes a tensor (``mark_written``). A node whose input was
written after the node recorded it would compute its gradient from the new values, so the
engine refuses that node (``check_inputs``) with PyTorch's message. Two differences from
PyTorch: a node whose backward does not read the written input (an addition) is refused too,
and NumPy views of a tensor (slices, reshapes) share its memory but not this record.
"""

import functools
import itertools
import weakref

CLOCK = itertools.count(1)

# id(tensor) -> (weak reference to it, CLOCK value of its last in-place write)
_WRITTEN: dict[int, tuple] = {}


def _forget(ref, key: int) -> None:
    entry = _WRITTEN.get(key)
    if entry is not None and entry[0] is ref:
        del _WRITTEN[key]


def mark_written(tensor) -> None:
    """Record that an in-place op has just changed ``tensor``'s values."""
    key = id(tensor)
    entry = _WRITTEN.get(key)
    if entry is not None and entry[0]() is tensor:
        ref = entry[0]
    else:
        ref = weakref.ref(tensor, functools.partial(_forget, key=key))
    _WRITTEN[key] = (ref, next(CLOCK))


def check_inputs(node) -> None:
    """Refuse to differentiate ``node`` when an input was written after it was recorded."""
    if not _WRITTEN:
        return
    for i, t in enumerate(node.inputs):
        entry = _WRITTEN.get(id(t))
        if entry is not None and entry[1] > node.seq and entry[0]() is t:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: input {i} of {node.name} (shape {list(t.shape)}, "
                f"{t.dtype}) was written after {node.name} recorded it. Use the out-of-place "
                "op (add instead of add_), or clone() the tensor before writing it."
            )

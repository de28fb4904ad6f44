"""Anomaly detection: stop at the first NaN/Inf an op produces, naming the op and its user code."""

import contextvars
import os
import sys

import numpy as np

from ..backends import array_module

_ANOMALY = contextvars.ContextVar("tensorgrad_detect_anomaly", default=False)
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled() -> bool:
    return _ANOMALY.get()


class detect_anomaly:  # noqa: N801 (PyTorch's name)
    """Inside this context, a NaN or Inf in any op's forward output or VJP raises RuntimeError.

    The message names the op and the line of user code that created it. It costs a finiteness
    check per op, so use it to debug, not to train.
    """

    def __init__(self) -> None:
        self._tokens: list[contextvars.Token] = []

    def __enter__(self) -> "detect_anomaly":
        self._tokens.append(_ANOMALY.set(True))
        return self

    def __exit__(self, *exc) -> None:
        _ANOMALY.reset(self._tokens.pop())


class suspended:  # noqa: N801
    """Turn the forward checks (and NumPy's warnings) off while a VJP runs: its result is
    checked as a whole, and named after the op whose backward produced it."""

    def __enter__(self) -> None:
        self._token = _ANOMALY.set(False)
        self._quiet = np.errstate(all="ignore")
        self._quiet.__enter__()

    def __exit__(self, *exc) -> None:
        self._quiet.__exit__(*exc)
        _ANOMALY.reset(self._token)


def user_frame() -> str:
    """``file:line in function`` of the innermost caller outside the tensorgrad package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<unknown location>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def check_finite(array, what: str, op_name: str, where: str) -> None:
    """Raise if a floating ``array`` holds NaN or Inf; ``what`` says which pass produced it."""
    xp = array_module(array)
    if array.dtype.kind in "fc" and not xp.isfinite(array).all():
        kind = "NaN" if xp.isnan(array).any() else "Inf"
        raise RuntimeError(
            f"detect_anomaly: op '{op_name}' produced {kind} in its {what}; "
            f"the op was created at {where}"
        )

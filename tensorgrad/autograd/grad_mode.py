"""Whether operations are recorded: ``no_grad`` and ``enable_grad``, on a ``contextvars`` flag.

The flag (``tensorgrad.ops.registry.GRAD_ENABLED``, read where ops are applied) lives in a
ContextVar so that threads and asyncio tasks each see their own mode.
"""

import contextvars
import functools

from ..ops.registry import GRAD_ENABLED as _GRAD_ENABLED
from ..ops.registry import is_grad_enabled  # noqa: F401  (re-exported)


class _GradMode:
    """A context manager and decorator that sets the recording flag for its extent."""

    enabled: bool

    def __init__(self) -> None:
        self._tokens: list[contextvars.Token] = []  # a stack: the same object may be re-entered

    def __enter__(self) -> None:
        self._tokens.append(_GRAD_ENABLED.set(self.enabled))

    def __exit__(self, *exc) -> None:
        _GRAD_ENABLED.reset(self._tokens.pop())

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):  # noqa: N801 (PyTorch's name)
    """Do not record operations: results have ``requires_grad=False``. Use for inference."""

    enabled = False


class enable_grad(_GradMode):  # noqa: N801 (PyTorch's name)
    """Record operations again inside a ``no_grad`` region."""

    enabled = True


class set_grad_enabled(_GradMode):  # noqa: N801 (PyTorch's name)
    """Set recording on or off for a region: ``with set_grad_enabled(is_training): ...``."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.enabled = bool(mode)

    def __call__(self, fn):
        mode = self.enabled

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class inference_mode(set_grad_enabled):  # noqa: N801 (PyTorch's name)
    """``no_grad`` under PyTorch's newer name: ``with inference_mode():`` records nothing
    (``inference_mode(False)`` records again). Tensors made inside are ordinary tensors here,
    where PyTorch's inference tensors refuse later use in autograd."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__(not mode)


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (and ``no_grad``: one flag holds both here)."""
    return not _GRAD_ENABLED.get()

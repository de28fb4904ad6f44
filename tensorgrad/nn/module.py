"""Module: the base class of layers and models, with PyTorch's registration and state rules."""

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator

import numpy as np

from ..backends import as_device, backend_for, backend_of, is_array, transfer
from ..operands import parse_to_args
from ..tensor import Tensor
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class for layers and models.

    Assigning a ``Parameter`` or a ``Module`` to an attribute registers it, so that
    ``parameters()``, ``state_dict()``, ``train()`` and friends find it. Subclasses call
    ``super().__init__()`` first and define ``forward``; calling the module runs ``forward``.
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # -- registration -------------------------------------------------------------------------
    def _registry(self, name: str) -> str:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before {type(self).__name__}.__init__() calls "
                "super().__init__()"
            )
        return name

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, Parameter):
            self._registry(name)
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._registry(name)
            self._forget(name)
            self._modules[name] = value
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} of "
                    f"{type(self).__name__} (a Parameter or None is required)"
                )
            self._parameters[name] = None
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} of "
                    f"{type(self).__name__} (a Module or None is required)"
                )
            self._modules[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer {name!r} of "
                    f"{type(self).__name__} (a Tensor or None is required)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent.discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str):
        # only called when normal lookup fails: look in the registries
        for registry in ("_parameters", "_buffers", "_modules"):
            found = self.__dict__.get(registry)
            if found is not None and name in found:
                return found[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None: a declared but absent parameter, such as ``bias``)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} needs a Parameter or None, "
                f"got {type(param).__name__}"
            )
        self._registry(name)
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register state that is not learned (running statistics); in ``state_dict`` unless
        ``persistent=False``."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: {name!r} needs a Tensor or None, got {type(tensor).__name__}"
            )
        self._registry(name)
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} needs a Module, got {type(module).__name__}")
        self._registry(name)
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    # -- traversal ----------------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "") -> Iterator:
        """Yield ``(qualified name, module)`` for this module and every descendant, once each."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator:
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator["Module"]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str, recurse: bool) -> Iterator:
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator:
        """Yield ``(qualified name, parameter)``; a shared parameter appears once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator:
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # -- modes and gradients --------------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) on every module."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(): mode must be a bool, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (None by default, as PyTorch)."""
        for param in self.parameters():
            if param.grad is not None:
                if set_to_none:
                    param.grad = None
                else:
                    grad = param.grad.data
                    param.grad = Tensor._make(backend_of(grad).xp.zeros_like(grad))

    # -- devices and dtypes -----------------------------------------------------------------------
    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call ``fn`` on every descendant, then on this module (as PyTorch)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _move(self, where=None, dtype=None) -> "Module":
        """Parameters and buffers (and their gradients) onto device ``where`` and, for the
        floating ones, to ``dtype``; in place on the same objects, so optimizers built before
        keep their references (as PyTorch)."""
        for module in self.modules():
            for registry in (module._parameters, module._buffers):
                for t in registry.values():
                    if t is not None:
                        t.data = _converted(t.data, where, dtype)
                        if t.grad is not None:
                            t.grad = Tensor._make(_converted(t.grad.data, where, dtype))
        return self

    def _cast_floats(self, dtype) -> "Module":
        return self._move(None, dtype)

    def float(self) -> "Module":
        """Cast floating parameters and buffers to float32, in place."""
        return self._cast_floats(np.float32)

    def double(self) -> "Module":
        """Cast floating parameters and buffers to float64, in place."""
        return self._cast_floats(np.float64)

    def to(self, *args, **kwargs) -> "Module":
        """Move parameters and buffers to a device and/or cast the floating ones to a dtype, in
        place: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``, or the
        keywords ``device=``, ``dtype=`` (as ``Tensor.to``; ``non_blocking`` is ignored)."""
        where, dtype, _ = parse_to_args(args, kwargs)
        if dtype is not None and dtype.kind != "f":
            raise TypeError(f"Module.to: only floating dtypes are allowed, got {dtype}")
        if where is not None:
            where = as_device(where)
            backend_for(where)  # a clear error when the device cannot be had
        return self._move(where, dtype)

    def cuda(self, device=None) -> "Module":
        """Move parameters and buffers to a GPU (``device``: an index or ``cuda:N``)."""
        return self.to("cuda" if device is None else as_device(device))

    def cpu(self) -> "Module":
        return self.to("cpu")

    # -- state ----------------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False) -> dict:
        """Parameters and persistent buffers by qualified name, as tensors that share memory
        with the module's (detached unless ``keep_vars``)."""
        destination = OrderedDict() if destination is None else destination
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, child in self._modules.items():  # no de-duplication: as PyTorch
            if child is not None:
                child.state_dict(destination, f"{prefix}{name}.", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy ``state_dict``'s values into this module's parameters and buffers, in place.

        Shapes must match. With ``strict`` (the default) the keys must match too; otherwise
        the missing and unexpected keys are returned. A mismatch raises one RuntimeError that
        lists the missing keys, the unexpected keys and the shape differences.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        shapes = []
        for key, target in own.items():
            if key in state_dict:
                source = _array(state_dict[key], key)
                if source.shape != target.shape:
                    shapes.append(f"{key}: checkpoint {source.shape}, model {target.shape}")
        problems = []
        if strict and missing:
            problems.append("Missing key(s): " + ", ".join(missing))
        if strict and unexpected:
            problems.append("Unexpected key(s): " + ", ".join(unexpected))
        if shapes:
            problems.append("Size mismatch: " + "; ".join(shapes))
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n  "
                + "\n  ".join(problems)
            )
        for key, target in own.items():
            if key in state_dict:
                source = _converted(_array(state_dict[key], key), target.device, None)
                target.data[...] = source  # casts to the target's dtype, as PyTorch's copy_
        return IncompatibleKeys(missing, unexpected)

    # -- repr -------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's line in ``repr``."""
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        if not self._modules:
            return f"{type(self).__name__}({extra})"
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        names = list(super().__dir__())
        for registry in (self._parameters, self._buffers, self._modules):
            names.extend(registry)
        return sorted(set(names))


def _converted(array, where, dtype):
    """``array`` on device ``where`` (None: where it is) and, if floating, of ``dtype``."""
    if where is not None:
        array = transfer(array, where)
    if dtype is not None and array.dtype.kind == "f" and array.dtype != dtype:
        array = array.astype(dtype)
    return array


def _array(value, key: str):
    if isinstance(value, Tensor):
        return value.data
    if is_array(value):
        return value
    if isinstance(value, int | float | bool):
        return np.asarray(value)
    raise TypeError(
        f"load_state_dict: value for {key!r} is a {type(value).__name__}, "
        "expected a Tensor or ndarray"
    )

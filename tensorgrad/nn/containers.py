"""Containers: Sequential (calls its modules in order) and ModuleList (a registered list)."""

from collections import OrderedDict
from collections.abc import Iterable, Iterator

from .conv_pool import relu_max_pool2d
from .layers import MaxPool2d, ReLU
from .module import Module


class Sequential(Module):
    """Modules called in order, each on the previous one's output.

    ``Sequential(a, b)`` names them "0", "1"; ``Sequential(OrderedDict(name=module))`` keeps names.
    A ``ReLU`` followed by a ``MaxPool2d`` (without ``return_indices``) runs as one fused op,
    ``relu_max_pool2d``: the same values and gradients without the ReLU's pass over the
    unpooled input (nothing can observe that intermediate: modules have no hooks).
    """

    def __init__(self, *modules) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, input):  # noqa: A002
        relu = None  # a ReLU held back until the next module is known
        for module in self._modules.values():
            if relu is not None:
                if type(module) is MaxPool2d and not module.return_indices:
                    input, relu = relu_max_pool2d(
                        input, module.kernel_size, module.stride, module.padding,
                        module.dilation, module.ceil_mode,
                    ), None  # fmt: skip
                    continue
                input, relu = relu(input), None
            if type(module) is ReLU:
                relu = module
                continue
            input = module(input)
        return input if relu is None else relu(input)

    def _key(self, index: int) -> str:
        keys = list(self._modules)
        if not -len(keys) <= index < len(keys):
            raise IndexError(f"Sequential: index {index} is out of range for {len(keys)} modules")
        return keys[index % len(keys)]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return self._modules[self._key(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(self._key(index), module)

    def __delitem__(self, index: int) -> None:
        del self._modules[self._key(index)]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules, registered so their parameters are found; has no forward."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _index(self, index: int) -> str:
        if not -len(self) <= index < len(self):
            raise IndexError(f"ModuleList: index {index} is out of range for {len(self)} modules")
        return str(index % len(self))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[self._index(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(self._index(index), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        for module in modules:
            self.append(module)
        return self

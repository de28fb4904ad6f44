"""``tg.device``: where a tensor's data lives, with PyTorch's spelling (``"cpu"``, ``"cuda:0"``)."""

_TYPES = ("cpu", "cuda")  # a test suite may add a stand-in type (``tensorgrad.testing.device``)


class device:  # noqa: N801 (PyTorch's name)
    """A device type and index: ``device("cuda")``, ``device("cuda:1")``, ``device("cuda", 1)``.

    Equal devices compare and hash equal; ``str`` gives PyTorch's form (``cuda:0``). As in
    PyTorch, ``device("cuda")`` has no index (``index is None``) and means the current GPU.
    """

    __slots__ = ("type", "index")

    def __init__(self, type_or_device, index: int | None = None) -> None:
        if isinstance(type_or_device, device):
            if index is not None:
                raise ValueError("device(): an index with a device object is ambiguous")
            self.type, self.index = type_or_device.type, type_or_device.index
            return
        if not isinstance(type_or_device, str):
            raise TypeError(
                f"device(): expected a string like 'cpu' or 'cuda:0', got {type_or_device!r}"
            )
        kind, _, number = type_or_device.strip().partition(":")
        if number:
            if index is not None:
                raise ValueError(f"device(): {type_or_device!r} already has an index")
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: {type_or_device!r}")
            index = int(number)
        if kind not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: "
                f"{type_or_device!r}"
            )
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must be a non-negative int, got {index!r}")
        if kind == "cpu" and index not in (None, 0):
            raise RuntimeError(f"CPU device index must be 0, got {index}")
        self.type, self.index = kind, index

    def _key(self) -> tuple:
        return (self.type, self.index)

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"


def on_device(actual: "device", wanted: "device") -> bool:
    """True when data on ``actual`` is where ``wanted`` asks for: same type, and the same index
    unless ``wanted`` names none (``"cuda"`` is satisfied by any GPU, as data already there)."""
    return actual.type == wanted.type and wanted.index in (None, actual.index)


def device_types() -> tuple:
    """The device types a device string may name."""
    return _TYPES


def add_device_type(name: str) -> None:
    """Accept ``name`` as a device type (for a backend registered outside this package)."""
    global _TYPES
    if name not in _TYPES:
        _TYPES = (*_TYPES, name)


def as_device(value) -> device:
    """``value`` (a device, a string or an int GPU index, as PyTorch accepts) as a device."""
    if isinstance(value, device):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return device("cuda", value)
    return device(value)

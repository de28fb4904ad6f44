"""A model's own options, each declared once where the model registers::

    @register_model("reslenet", options=[
        ModelOption("skip", "without its skip connections (an ablation)"),  # True: --no-skip
    ])
    @register_model("vit", options=[
        ModelOption("depth", "encoder blocks", type=positive_int),           # --depth N
        ModelOption("cell", "recurrent cell", choices=("lstm", "gru")),       # --cell {lstm,gru}
    ])

An option is one constructor parameter; its default is the constructor's. From the declaration
follow the ``train`` flag and its help, the checks of a value read back from a saved run, and the
run's variant name (``reslenet-no-skip``, ``vit-depth-4``). A bool is a switch: ``--name`` turns
on what is off by default, ``--no-name`` turns off what is on.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .argtypes import integer, number
from .errors import ConfigError

_PARSERS = {int: integer, float: number, str: str}
_EXPECTED = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


@dataclass(frozen=True)
class ModelOption:
    """One constructor parameter of a registered model, offered as a command-line flag.

    ``name``: the parameter. ``help``: one line for ``--help``, saying what a non-default value
    does. ``default``: None takes the constructor's own (``register_model`` fills it in); its
    type is the option's: bool, int, float or str. ``flag``: by default ``--name`` (``--no-name``
    for a switch that is on by default), ``_`` written ``-``. ``choices``: the allowed values.
    ``type``: the argparse type that parses a value (e.g. ``argtypes.positive_int``; by
    default any int, float or string).
    """

    name: str
    help: str
    default: Any = None
    flag: str | None = None
    choices: tuple | None = None
    type: Callable[[str], Any] | None = None

    def bind(self, model: str, factory: Callable) -> "ModelOption":
        """This option with its default and flag filled in, checked against ``factory``."""
        where = f"register_model({model!r}): option {self.name!r}"
        try:
            parameter = inspect.signature(factory).parameters.get(self.name)
        except (TypeError, ValueError):  # a builtin without a signature: nothing to check
            parameter = None
        own = inspect.Parameter.empty if parameter is None else parameter.default
        if parameter is None and not _takes_keywords(factory):
            raise ValueError(f"{where} is not a parameter of {factory.__qualname__}")
        default = own if self.default is None else self.default
        if default is None or default is inspect.Parameter.empty:
            raise ValueError(f"{where}: give its default (the constructor has none)")
        if own is not inspect.Parameter.empty and own != default:
            raise ValueError(f"{where}: default {default!r} differs from the constructor's {own!r}")
        if type(default) not in (bool, *_PARSERS):
            raise ValueError(f"{where}: a default of type {type(default).__name__} cannot be a "
                             "flag (bool, int, float or str)")  # fmt: skip
        if self.choices is not None and default not in self.choices:
            raise ValueError(f"{where}: default {default!r} is not one of {self.choices}")
        words = self.name.replace("_", "-")
        flag = self.flag or (f"--no-{words}" if default is True else f"--{words}")
        return replace(self, default=default, flag=flag)

    @property
    def is_switch(self) -> bool:
        return isinstance(self.default, bool)

    def parse(self, text: str):
        """A value from the command line (argparse's ``type``)."""
        return (self.type or _PARSERS[type(self.default)])(text)

    def check(self, value, model: str):
        """``value`` (read from a saved run, or given in code) if this option can take it; a
        ConfigError naming the flag and the model otherwise."""
        kind = type(self.default)
        fits = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, fits = float(value), True
        why = f"expected {_EXPECTED[kind]}"
        if fits and self.type is not None and not self.is_switch:
            try:
                fits = self.type(str(value)) == value
            except Exception as error:  # the parser's own message says what it expected
                fits, why = False, str(error)
        if fits and self.choices is not None and value not in self.choices:
            fits, why = False, f"choose one of {', '.join(map(str, self.choices))}"
        if not fits:
            raise ConfigError(f"{self.flag} {value!r}: {why} (model {model!r})")
        return value

    def suffix(self, value) -> str:
        """This option's part of a variant name: ``no-skip``, ``depth-4``, ``cell-gru``."""
        words = self.flag.removeprefix("--")
        if self.is_switch:
            return words
        return f"{words}-{value:g}" if isinstance(value, float) else f"{words}-{value}"

    def argparse_kwargs(self) -> dict:
        """How ``add_argument`` offers this option (the help and default are the caller's)."""
        if self.is_switch:
            return {"action": "store_false" if self.default else "store_true"}
        kwargs = {"type": self.parse}
        if self.choices is not None:
            kwargs["choices"] = self.choices
        else:
            kwargs["metavar"] = self.name.upper()
        return kwargs

    def same_flag_as(self, other: "ModelOption") -> bool:
        """Whether two models' options can share one flag (it parses to the same values)."""
        if self.is_switch or other.is_switch:
            return self.default is other.default
        return (type(self.default), self.type, self.choices) == (
            type(other.default), other.type, other.choices
        )  # fmt: skip

    def default_text(self) -> str:
        return "" if self.is_switch else f" (default: {self.default})"


def _takes_keywords(factory: Callable) -> bool:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)

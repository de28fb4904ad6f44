"""Models by name: the trainer and the CLI look a model up here, so a new model is one decorator.

>>> @register_model("lenet5", options=[ModelOption("classic", "tanh and average pooling")])
... class LeNet5(nn.Module): ...
>>> model = create_model("lenet5", classic=True)

A registration may bring, besides the constructor (a class or any factory):

- ``defaults``: the model's training recipe, TrainConfig fields such as ``{"epochs": 6,
  "augment": True}``: the defaults of ``tensorgrad train --model NAME`` (options given on the
  command line still win; see ``TrainConfig.for_model``);
- ``options``: its own constructor options as ``ModelOption`` objects (``options.py``), from
  which its ``train`` flags, their checks and the run's variant name follow;
- ``task``: what it learns, a ``Task`` (``task.py``) that brings its data set, loss, evaluation
  and report; image classification of MNIST digits when not given.

The registry imports no model: the package's ``__init__`` imports the built-in ones, so they are
registered before anything in the package is used.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .errors import ConfigError
from .options import ModelOption


@dataclass(frozen=True)
class _Entry:
    factory: Callable
    defaults: dict
    options: tuple[ModelOption, ...]
    task: object  # a Task, or None for image classification


_MODELS: dict[str, _Entry] = {}


def register_model(name: str, defaults: dict | None = None, options=(), task=None) -> Callable:
    """Class (or factory) decorator: make ``name`` available to ``create_model`` and the CLI.

    ``defaults``: TrainConfig fields (epochs, lr, augment, ...) that this model trains with
    unless told otherwise. ``options``: ModelOption declarations of its constructor options.
    ``task``: a Task; None for image classification.
    """

    def add(factory: Callable) -> Callable:
        if name in _MODELS and _MODELS[name].factory is not factory:
            raise ValueError(f"register_model: the name {name!r} is taken by {_MODELS[name]}")
        bound = tuple(option.bind(name, factory) for option in options)
        _check_flags(name, bound)
        _MODELS[name] = _Entry(factory, dict(defaults or {}), bound, task)
        return factory

    return add


def _check_flags(name: str, options: tuple[ModelOption, ...]) -> None:
    """Each name and flag once per model, and a flag shared with another model means the same."""
    for attribute in ("name", "flag"):
        values = [getattr(option, attribute) for option in options]
        if len(set(values)) != len(values):
            raise ValueError(f"register_model({name!r}): an option {attribute} is declared twice")
    for option in options:
        for other, theirs in flag_owners().get(option.flag, []):
            if other != name and not option.same_flag_as(theirs):
                raise ValueError(f"register_model({name!r}): {option.flag} means something "
                                 f"else for model {other!r}")  # fmt: skip


def model_names() -> list[str]:
    """The registered names, sorted."""
    return sorted(_MODELS)


def create_model(name: str, **options):
    """A new model from its registered name; ``options`` go to the constructor (e.g. classic)."""
    return _entry(name).factory(**options)


def model_defaults(name: str) -> dict:
    """The training settings registered with model ``name`` (empty when it has none)."""
    return dict(_MODELS[name].defaults) if name in _MODELS else {}


def model_options(name: str) -> tuple[ModelOption, ...]:
    """The options model ``name`` declared (with their defaults and flags filled in)."""
    return _entry(name).options


def model_task(name: str):
    """What model ``name`` learns: its registered Task, or image classification."""
    task = _entry(name).task
    if task is None:
        from .classification import IMAGE_CLASSIFICATION

        return IMAGE_CLASSIFICATION
    return task


def tasks() -> list:
    """The tasks of the registered models, each once, in the order of the model names."""
    found = []
    for name in model_names():
        if all(model_task(name) is not task for task in found):
            found.append(model_task(name))
    return found


def flag_owners() -> dict[str, list[tuple[str, ModelOption]]]:
    """Every model option flag, with the models that declare it (and their declarations)."""
    owners: dict[str, list[tuple[str, ModelOption]]] = {}
    for name in model_names():
        for option in _MODELS[name].options:
            owners.setdefault(option.flag, []).append((name, option))
    return owners


def options_from_flags(name: str, given: dict[str, object]) -> dict[str, object]:
    """``{flag: value}`` from a command line as model ``name``'s ``{option: value}``; a
    ConfigError for a flag it does not take."""
    by_flag = {option.flag: option for option in model_options(name)}
    for flag in given:
        if flag not in by_flag:
            raise ConfigError(_lacks(name, flag))
    return {by_flag[flag].name: value for flag, value in given.items()}


def resolve_options(name: str, given: dict[str, object]) -> dict[str, object]:
    """Every option of model ``name``: its default unless ``given``; a ConfigError for one it
    does not take or a value it cannot."""
    declared = {option.name: option for option in model_options(name)}
    for key in given:
        if key not in declared:
            owners = flag_owners().values()
            flags = [o.flag for declared_by in owners for _, o in declared_by if o.name == key]
            raise ConfigError(_lacks(name, flags[0] if flags else f"option {key!r}"))
    return {key: option.check(given.get(key, option.default), name)
            for key, option in declared.items()}  # fmt: skip


def variant_name(name: str, options: dict[str, object]) -> str:
    """The model's name with its non-default options, e.g. ``reslenet-no-skip``, ``vit-depth-4``."""
    parts = [name]
    for option in model_options(name):
        value = options.get(option.name, option.default)
        if value != option.default:
            parts.append(option.suffix(value))
    return "-".join(parts)


def _lacks(name: str, flag: str) -> str:
    owners = sorted({other for other, _ in flag_owners().get(flag, [])})
    own = ", ".join(option.flag for option in model_options(name)) or "no options"
    where = f"{', '.join(owners)} {'has' if len(owners) == 1 else 'have'} it; " if owners else ""
    return f"{flag}: model {name!r} has no such option ({where}{name} takes {own})"


def _entry(name: str) -> _Entry:
    if name not in _MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(sorted(_MODELS))}")
    return _MODELS[name]

"""Models by name: the trainer and the CLI look a model up here, so a new model is one decorator.

>>> @register_model("lenet5")
... class LeNet5(nn.Module): ...
>>> model = create_model("lenet5", classic=True)

A model may bring its own training recipe: ``register_model("reslenet", defaults={"epochs": 6,
"augment": True})`` makes those the defaults of ``tensorgrad train --model reslenet``
(options given on the command line still win; see ``TrainConfig.for_model``).
"""

from collections.abc import Callable

_MODELS: dict[str, Callable] = {}
_DEFAULTS: dict[str, dict] = {}


def register_model(name: str, defaults: dict | None = None) -> Callable:
    """Class (or factory) decorator: make ``name`` available to ``create_model`` and the CLI.

    ``defaults``: TrainConfig fields (epochs, lr, augment, ...) that this model trains with
    unless told otherwise.
    """

    def add(factory: Callable) -> Callable:
        if name in _MODELS and _MODELS[name] is not factory:
            raise ValueError(f"register_model: the name {name!r} is taken by {_MODELS[name]}")
        _MODELS[name] = factory
        _DEFAULTS[name] = dict(defaults or {})
        return factory

    return add


def model_defaults(name: str) -> dict:
    """The training settings registered with model ``name`` (empty when it has none)."""
    _load_builtin_models()
    return dict(_DEFAULTS.get(name, {}))


def model_names() -> list[str]:
    """The registered names, sorted."""
    _load_builtin_models()
    return sorted(_MODELS)


def create_model(name: str, **options):
    """A new model from its registered name; ``options`` go to the constructor (e.g. classic)."""
    _load_builtin_models()
    if name not in _MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(sorted(_MODELS))}")
    return _MODELS[name](**options)


def _load_builtin_models() -> None:
    # importing the modules runs their @register_model decorators
    from . import lenet5, reslenet, seqrnn, vit  # noqa: F401

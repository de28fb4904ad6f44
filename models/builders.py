"""Model, optimizer and learning-rate schedule from a TrainConfig (shared by every model)."""

import inspect

from .config import ConfigError, TrainConfig
from .registry import create_model

# model options: config field -> (its CLI flag, what the model lacks when it does not take it);
# each is passed to the constructor only when it differs from TrainConfig's default
MODEL_OPTIONS = {
    "classic": ("--classic", "classic variant"),
    "skip": ("--no-skip", "skip connections to switch off"),
    "batchnorm": ("--no-batchnorm", "BatchNorm to switch off"),
}


def model_options(config: TrainConfig) -> dict:
    """The model options (classic, skip, batchnorm) that differ from their defaults, to pass to
    the model's constructor; a ConfigError when the model does not take one."""
    from .registry import _MODELS, _load_builtin_models

    _load_builtin_models()
    options = {}
    for name, (flag, what) in MODEL_OPTIONS.items():
        value = getattr(config, name)
        if value == getattr(TrainConfig, name):
            continue
        factory = _MODELS.get(config.model)
        if factory is None or name not in inspect.signature(factory).parameters:
            raise ConfigError(f"{flag}: model {config.model!r} has no {what}")
        options[name] = value
    return options


def build_model(config: TrainConfig):
    """The registered model, built with ``model_options(config)``."""
    return create_model(config.model, **model_options(config))


def model_variant(config: TrainConfig) -> str:
    """The model's name with its non-default options, e.g. ``reslenet-no-skip``."""
    parts = [config.model]
    for name, (flag, _) in MODEL_OPTIONS.items():
        if getattr(config, name) != getattr(TrainConfig, name):
            parts.append(flag.removeprefix("--"))
    return "-".join(parts)


def build_optimizer(config: TrainConfig, model):
    from tensorgrad import optim

    lr = config.resolved_lr()
    if config.optimizer == "sgd":
        return optim.SGD(
            model.parameters(),
            lr=lr,
            momentum=config.momentum,
            nesterov=config.momentum > 0,
            weight_decay=config.weight_decay,
        )
    return optim.Adam(model.parameters(), lr=lr, weight_decay=config.weight_decay)


def build_scheduler(config: TrainConfig, optimizer, steps_per_epoch: int):
    """A schedule stepped once per batch (None for a constant rate).

    onecycle: warm up to --lr over 30% of the steps, then cosine-anneal to ~0 (Smith 2018);
    cosine: cosine-anneal from --lr to 0; step: halve the rate after every epoch.
    """
    from tensorgrad.optim import lr_scheduler

    total = steps_per_epoch * config.epochs
    if config.schedule == "onecycle":
        cycle_momentum = config.optimizer == "adam" or config.momentum > 0
        return lr_scheduler.OneCycleLR(
            optimizer, max_lr=config.resolved_lr(), total_steps=total,
            cycle_momentum=cycle_momentum,
        )  # fmt: skip
    if config.schedule == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    if config.schedule == "step":
        return lr_scheduler.StepLR(optimizer, step_size=steps_per_epoch, gamma=0.5)
    return None


def current_lr(optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])

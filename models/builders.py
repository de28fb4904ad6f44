"""Model, optimizer and learning-rate schedule from a TrainConfig (shared by every model)."""

from .config import TrainConfig
from .registry import create_model, resolve_options, variant_name


def build_model(config: TrainConfig):
    """The registered model, built with every one of its options (``config.model_options``,
    the declared defaults for those not given)."""
    return create_model(config.model, **resolve_options(config.model, config.model_options))


def model_variant(config: TrainConfig) -> str:
    """The model's name with its non-default options, e.g. ``reslenet-no-skip``."""
    return variant_name(config.model, config.model_options)


def build_optimizer(config: TrainConfig, model):
    """sgd: Nesterov momentum, weight decay as an L2 term of the gradients (as adam);
    adamw: Adam with decoupled weight decay (the weights shrink by lr * wd every step)."""
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
    adam = optim.AdamW if config.optimizer == "adamw" else optim.Adam
    return adam(model.parameters(), lr=lr, weight_decay=config.weight_decay)


def build_scheduler(config: TrainConfig, optimizer, steps_per_epoch: int):
    """A schedule stepped once per batch (None for a constant rate).

    onecycle: warm up to --lr over 30% of the steps, then cosine-anneal to ~0 (Smith 2018);
    cosine: cosine-anneal from --lr to 0; step: halve the rate after every epoch.
    """
    from tensorgrad.optim import lr_scheduler

    total = steps_per_epoch * config.epochs
    if config.schedule == "onecycle":
        cycle_momentum = config.optimizer != "sgd" or config.momentum > 0
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

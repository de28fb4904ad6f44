"""The training configuration: one dataclass, its defaults, and validation with clear messages."""

import dataclasses
import json
from dataclasses import dataclass

OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("onecycle", "cosine", "step", "constant")
DATASETS = ("mnist", "synthetic")
# peak learning rate per optimizer when --lr is not given (tuned for LeNet-5 at batch 128)
DEFAULT_LR = {"sgd": 0.1, "adam": 5e-3}


class ConfigError(ValueError):
    """A setting a user gave that cannot work; the message names the option and the value."""


@dataclass
class TrainConfig:
    """Every setting of a training run; saved in the checkpoint and in metrics.json."""

    model: str = "lenet5"
    classic: bool = False
    epochs: int = 3
    batch_size: int = 128
    optimizer: str = "adam"
    lr: float | None = None  # None: DEFAULT_LR[optimizer]; the peak for onecycle
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "onecycle"
    augment: bool = False
    label_smoothing: float = 0.0  # mixes each one-hot training target with the uniform one
    skip: bool = True  # model option (reslenet): residual identity paths; False for an ablation
    batchnorm: bool = True  # model option (reslenet): BatchNorm2d layers; False for an ablation
    seed: int = 0
    limit: int | None = None  # train on the first N training images only
    test_limit: int | None = None  # evaluate on the first N test images only
    eval_batch_size: int = 1000
    dataset: str = "mnist"  # or "synthetic": digits drawn with a font, offline (smoke tests)
    data_dir: str | None = None  # None: tensorgrad.data's default cache folder
    threads: int | None = None
    device: str = "auto"  # "auto" (CUDA when available), "cpu", "cuda" or "cuda:N"

    @classmethod
    def for_model(cls, model: str = "lenet5", **options) -> "TrainConfig":
        """The config of a run of ``model``: the dataclass defaults, overridden by the recipe
        registered with the model (``register_model(name, defaults=...)``), overridden by
        ``options`` (what the user gave)."""
        from .registry import model_defaults

        recipe = model_defaults(model)
        unknown = set(recipe) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"model {model!r} registers unknown settings {sorted(unknown)}")
        return cls(**{**recipe, **options, "model": model})

    def resolved_lr(self) -> float:
        return DEFAULT_LR[self.optimizer] if self.lr is None else self.lr

    def validate(self) -> "TrainConfig":
        """Raise ConfigError naming the first bad option; return self when all are fine."""
        from .registry import model_names

        if self.model not in model_names():
            raise ConfigError(f"--model {self.model!r}: choose one of {', '.join(model_names())}")
        for name in ("epochs", "batch_size", "eval_batch_size"):
            _positive_int(name, getattr(self, name))
        for name in ("limit", "test_limit", "threads"):
            if getattr(self, name) is not None:
                _positive_int(name, getattr(self, name))
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(
                f"--optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}"
            )
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"--schedule {self.schedule!r}: choose one of {', '.join(SCHEDULES)}")
        if self.dataset not in DATASETS:
            raise ConfigError(f"--dataset {self.dataset!r}: choose one of {', '.join(DATASETS)}")
        if self.lr is not None and not (0 < self.lr < 10):
            raise ConfigError(f"--lr must be in (0, 10), got {self.lr}")
        if not 0 <= self.label_smoothing < 1:
            raise ConfigError(f"--label-smoothing must be in [0, 1), got {self.label_smoothing}")
        if not 0 <= self.momentum < 1:
            raise ConfigError(f"--momentum must be in [0, 1), got {self.momentum}")
        if self.weight_decay < 0:
            raise ConfigError(f"--weight-decay must be >= 0, got {self.weight_decay}")
        if not 0 <= self.seed < 2**63:
            raise ConfigError(f"--seed must be in [0, 2**63), got {self.seed}")
        from .builders import model_options
        from .devices import resolve

        try:
            resolve(self.device)
        except ValueError as error:  # a bad or unavailable device
            raise ConfigError(str(error)) from None
        model_options(self)  # --classic, --no-skip, --no-batchnorm: only for models that have them
        return self

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        fields = {f.name for f in dataclasses.fields(cls)}
        values = json.loads(text)
        return cls(**{k: v for k, v in values.items() if k in fields})


def _positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        flag = "--" + name.replace("_", "-")
        raise ConfigError(f"{flag} must be a positive integer, got {value!r}")

"""The training configuration: one dataclass, its defaults, and validation with clear messages."""

import dataclasses
import json
from dataclasses import dataclass, field

from .errors import ConfigError
from .registry import model_defaults, model_names, model_task, resolve_options

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("onecycle", "cosine", "step", "constant")
# peak learning rate per optimizer when --lr is not given (tuned for LeNet-5 at batch 128)
DEFAULT_LR = {"sgd": 0.1, "adam": 5e-3, "adamw": 5e-3}
# where and how fast a run trains, not what it is: --resume takes these anew
MACHINE_SETTINGS = ("data_dir", "threads", "device")
# the model options TrainConfig held itself before models declared their own, with the defaults
# they had then: a saved config naming them is read with them moved into model_options
LEGACY_OPTIONS = {"classic": False, "skip": True, "batchnorm": True}

__all__ = ["ConfigError", "TrainConfig"]


@dataclass
class TrainConfig:
    """Every setting of a training run; saved in the checkpoint and in metrics.json."""

    model: str = "lenet5"
    # the model's own options (registry.model_options: --classic, --no-skip, --depth ...);
    # validate() fills in the defaults of those not given
    model_options: dict = field(default_factory=dict)
    epochs: int = 3
    batch_size: int = 128
    optimizer: str = "adam"
    lr: float | None = None  # None: DEFAULT_LR[optimizer]; the peak for onecycle
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "onecycle"
    augment: bool = False
    label_smoothing: float = 0.0  # mixes each one-hot training target with the uniform one
    seed: int = 0
    limit: int | None = None  # train on the first N training samples only
    test_limit: int | None = None  # evaluate on the first N test samples only
    eval_batch_size: int = 1000
    dataset: str = "mnist"  # one of the model's task's datasets ("synthetic": offline digits)
    data_dir: str | None = None  # None: tensorgrad.data's default cache folder
    threads: int | None = None
    device: str = "auto"  # "auto" (CUDA when available), "cpu", "cuda" or "cuda:N"

    @classmethod
    def for_model(cls, model: str = "lenet5", **settings) -> "TrainConfig":
        """The config of a run of ``model``: the dataclass defaults (the data set: the first of
        its task's), overridden by the recipe registered with the model (``register_model(name,
        defaults=...)``), overridden by ``settings`` (what the user gave)."""
        recipe = model_defaults(model)
        unknown = set(recipe) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"model {model!r} registers unknown settings {sorted(unknown)}")
        datasets = model_task(model).datasets if model in model_names() else ()
        first = {"dataset": datasets[0]} if datasets else {}
        return cls(**{**first, **recipe, **settings, "model": model})

    @classmethod
    def run_settings(cls) -> tuple[str, ...]:
        """The fields that define a run (what --resume keeps), model options aside."""
        return tuple(f.name for f in dataclasses.fields(cls)
                     if f.name not in MACHINE_SETTINGS and f.name != "model_options")  # fmt: skip

    def resolved_lr(self) -> float:
        return DEFAULT_LR[self.optimizer] if self.lr is None else self.lr

    def validate(self) -> "TrainConfig":
        """Raise ConfigError naming the first bad option; fill in the model's option defaults
        and return self when all are fine."""
        names = model_names()
        if self.model not in names:
            raise ConfigError(f"--model {self.model!r}: choose one of {', '.join(names)}")
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
        datasets = model_task(self.model).datasets
        if self.dataset not in datasets:
            raise ConfigError(f"--dataset {self.dataset!r}: choose one of {', '.join(datasets)}"
                              f" (model {self.model!r})")  # fmt: skip
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
        from .devices import resolve

        try:
            resolve(self.device)
        except ValueError as error:  # a bad or unavailable device
            raise ConfigError(str(error)) from None
        if not isinstance(self.model_options, dict):
            raise ConfigError(f"model_options must be a dict, got {self.model_options!r}")
        self.model_options = resolve_options(self.model, self.model_options)
        return self

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        """The config ``to_json`` wrote, or an older one: unknown keys are left out, and the
        model options it held as fields (LEGACY_OPTIONS) move into ``model_options`` when they
        were not at their defaults then."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = json.loads(text)
        legacy = {k: values[k] for k, old in LEGACY_OPTIONS.items() if values.get(k, old) != old}
        config = cls(**{k: v for k, v in values.items() if k in fields})
        config.model_options = {**legacy, **config.model_options}
        return config


def _positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        flag = "--" + name.replace("_", "-")
        raise ConfigError(f"{flag} must be a positive integer, got {value!r}")

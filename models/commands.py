"""What ``train``, ``evaluate`` and ``predict`` do, given parsed arguments."""

import importlib
import sys
from pathlib import Path

import numpy as np

from .checkpoint import CheckpointError, load_checkpoint, load_weights
from .config import ConfigError, TrainConfig
from .devices import resolve
from .preprocess import ImageError
from .runs import CHECKPOINT, WEIGHTS


class CommandError(Exception):
    """A file, folder or data set that cannot be used; printed as one line, exit status 1."""


def run_command(args, target: str) -> int:
    """Run ``target`` ("module:function" in this package) on ``args``; user errors re-raised as
    the CLI's UsageError / CommandError."""
    if getattr(args, "threads", None):
        _set_threads(args.threads)
    from .cli import UsageError

    module, function = target.split(":")
    run = getattr(importlib.import_module(f".{module}", __package__), function)
    try:
        return run(args)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    except (CheckpointError, ImageError) as error:
        raise CommandError(str(error)) from None


def _set_threads(n: int) -> None:
    from tensorgrad.kernels.config import set_threads

    set_threads(kernels=n)


def _echo(line: str = "") -> None:
    print(line, flush=True)


# -- train --------------------------------------------------------------------------------------
def train(args, *, on_step=None) -> int:
    from .builders import model_variant
    from .cli import PROG, RUN_OPTIONS, UsageError
    from .runs import default_folder
    from .tblog import EventLog
    from .trainer import Interrupted, Trainer

    checkpoint = None
    if args.resume is not None:
        given = [name for name in RUN_OPTIONS if name in vars(args)]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise UsageError(
                f"--resume continues the saved run with its own settings; leave out {flags}"
            )
        path = _checkpoint_path(args.resume, CHECKPOINT)
        checkpoint = load_checkpoint(path)
        config, folder = checkpoint["config"], path.parent
        if args.data_dir is not None:
            config.data_dir = args.data_dir
        config.device = args.device  # where a run trains is not part of the run: CPU <-> GPU
        if checkpoint["progress"]["epoch"] >= config.epochs:
            _echo(
                f"{path}: this run already finished its {config.epochs} epochs; nothing to resume"
            )
            return 0
    else:
        options = {name: getattr(args, name) for name in RUN_OPTIONS if name in vars(args)}
        folder = Path(options.pop("out")) if "out" in options else None
        model = options.pop("model", TrainConfig.model)
        config = TrainConfig.for_model(
            model, **options, data_dir=args.data_dir, threads=args.threads, device=args.device
        ).validate()
        folder = folder or default_folder(model_variant(config), False)
        _check_new_folder(folder)
    train_set, test_set = _datasets(config)
    progress = checkpoint["progress"] if checkpoint else None
    events = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        events = EventLog(folder, purge_step=progress["step"] + 1 if progress else None)
        trainer = Trainer(
            config, folder, train_set, test_set, checkpoint=checkpoint, events=events,
            show_progress=not args.no_progress, echo=_echo, on_step=on_step,
        )  # fmt: skip
        _echo(_header(trainer, folder, resumed=checkpoint is not None))
        trainer.fit()
    except Interrupted as stop:
        _echo(f"interrupted ({stop}); checkpoint saved to {stop.checkpoint}")
        _echo(f"continue with: {PROG} train --resume {stop.checkpoint}")
        return 130
    except OSError as error:
        raise CommandError(f"{folder}: cannot write the run folder ({error})") from None
    finally:
        if events is not None:
            events.close()
    from .evaluation import evaluate as run_eval
    from .report import finish_run

    result = trainer.last_eval or run_eval(trainer.model, trainer.test_loader)
    finish_run(folder, config, trainer.progress, result, trainer.model, echo=_echo)
    return 0


def _header(trainer, folder: Path, resumed: bool) -> str:
    c, p = trainer.config, trainer.progress
    n_params = sum(param.numel() for param in trainer.model.parameters())
    epochs = f"{c.epochs} epoch{'s' * (c.epochs != 1)}"
    from .builders import model_variant

    smoothing = f", label smoothing {c.label_smoothing:g}" if c.label_smoothing else ""
    what = (f"{model_variant(c)}, {n_params:,} parameters; "
            f"{len(trainer.train_loader.dataset):,} training images, {epochs} of "
            f"{trainer.steps_per_epoch} batches of {c.batch_size}; {c.optimizer} lr "
            f"{c.resolved_lr():g}, {c.schedule} schedule{', augmented' if c.augment else ''}"
            f"{smoothing}; seed {c.seed}")  # fmt: skip
    where = f"run folder: {folder}"
    if resumed:
        where += f"  (resuming at epoch {p['epoch'] + 1}, batch {p['batch']})"
    return f"{what}\n{where}"


def _check_new_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"--out {folder}: exists and is not a folder")
    if (folder / CHECKPOINT).exists():
        raise CommandError(
            f"--out {folder}: already holds a run; continue it with --resume "
            f"{folder / CHECKPOINT} or choose another --out"
        )


def _datasets(config: TrainConfig):
    from . import data

    try:
        return data.datasets(config)
    except (OSError, RuntimeError, ValueError) as error:
        raise CommandError(str(error)) from None


def _checkpoint_path(text: str, name: str) -> Path:
    """A file, or a run folder holding ``name`` (or, failing that, the other weights file)."""
    path = Path(text)
    if path.is_dir():
        for candidate in (name, CHECKPOINT, WEIGHTS):
            if (path / candidate).is_file():
                return path / candidate
        raise CommandError(f"{path}: folder holds no {CHECKPOINT} or {WEIGHTS}")
    if not path.exists():
        raise CommandError(f"{path}: no such file")
    return path


# -- evaluate and predict -----------------------------------------------------------------------
def load_model(args):
    """The model named by the saved settings (or --model/--classic) with the saved weights."""
    from .builders import build_model

    path = _checkpoint_path(args.checkpoint, CHECKPOINT)
    state, saved = load_weights(path)
    config = saved or TrainConfig()
    if saved is None and args.model is None:
        raise CommandError(f"{path}: no run settings found beside it; say which model with --model")
    if args.model is not None:
        config.model = args.model
        config.classic = bool(args.classic)
    model = build_model(config)
    try:
        model.load_state_dict(state)
    except (KeyError, ValueError, RuntimeError, TypeError) as error:
        name = config.model + (" (classic)" if config.classic else "")
        raise CommandError(f"{path}: the weights do not fit {name}: {error}") from None
    model.to(resolve(args.device))
    model.eval()
    return model, config, path


def evaluate(args) -> int:
    import json

    from .data import test_loader
    from .evaluation import evaluate as run_eval
    from .report import summary_text

    model, config, path = load_model(args)
    config.eval_batch_size = args.batch_size
    if args.test_limit is not None:
        config.test_limit = args.test_limit
    if args.data_dir is not None:
        config.data_dir = args.data_dir
    if args.dataset is not None:
        config.dataset = args.dataset
    _, test_set = _datasets(config)
    result = run_eval(model, test_loader(test_set, config))
    if args.json:
        out = {"checkpoint": str(path), "test_accuracy": result.accuracy, "test_loss": result.loss,
               "per_class_accuracy": result.per_class.tolist(),
               "confusion_matrix": result.confusion.tolist()}  # fmt: skip
        _echo(json.dumps(out, indent=2))
        return 0
    correct, total = int(np.trace(result.confusion)), int(result.confusion.sum())
    _echo(f"{path}: test accuracy {100 * result.accuracy:.2f}% ({correct}/{total}), "
          f"loss {result.loss:.4f}\n")  # fmt: skip
    _echo(summary_text(result))
    return 0


def predict(args) -> int:
    from .cli import one_line
    from .predict import classify, render_ascii
    from .preprocess import read_digit

    model, _, _ = load_model(args)
    failed = 0
    for name in args.images:
        try:
            digit = read_digit(name)
        except ImageError as error:
            print(f"error: {one_line(error)}", file=sys.stderr)
            failed += 1
            continue
        top = classify(model, digit, k=args.top)
        ranked = "   ".join(f"{label} ({100 * p:.1f}%)" for label, p in top)
        _echo(f"{name}: {ranked}")
        if args.show:
            _echo(render_ascii(digit))
    return 1 if failed else 0

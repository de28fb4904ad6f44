"""What ``train``, ``evaluate`` and ``predict`` do, given parsed arguments."""

import sys
from pathlib import Path

import numpy as np

from .arguments import given_model_flags
from .builders import build_model, model_variant
from .checkpoint import load_checkpoint, load_weights
from .config import TrainConfig
from .devices import resolve
from .errors import PROG, CommandError, ConfigError, UsageError, one_line
from .preprocess import ImageError
from .registry import model_task, options_from_flags
from .runs import CHECKPOINT, WEIGHTS


def _echo(line: str = "") -> None:
    print(line, flush=True)


# -- train --------------------------------------------------------------------------------------
def train(args, *, on_step=None) -> int:
    from .report import finish_run
    from .runs import default_folder
    from .tblog import EventLog
    from .trainer import Interrupted, Trainer

    settings = set(TrainConfig.run_settings()) | {"out"}
    given = {name: value for name, value in vars(args).items() if name in settings}
    flags = given_model_flags(args)
    checkpoint = None
    if args.resume is not None:
        if given or flags:
            names = ", ".join(["--" + name.replace("_", "-") for name in given] + list(flags))
            raise UsageError(
                f"--resume continues the saved run with its own settings; leave out {names}"
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
        folder = Path(given.pop("out")) if "out" in given else None
        model = given.pop("model", TrainConfig.model)
        config = TrainConfig.for_model(
            model, **given, model_options=options_from_flags(model, flags),
            data_dir=args.data_dir, threads=args.threads, device=args.device,
        ).validate()  # fmt: skip
        folder = folder or default_folder(model_variant(config))
        _check_new_folder(folder)
    train_set, eval_set = _data(config)
    progress = checkpoint["progress"] if checkpoint else None
    events = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        events = EventLog(folder, purge_step=progress["step"] + 1 if progress else None)
        trainer = Trainer(
            config, folder, train_set, eval_set, checkpoint=checkpoint, events=events,
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
    finish_run(trainer, echo=_echo)
    return 0


def _header(trainer, folder: Path, resumed: bool) -> str:
    c, p = trainer.config, trainer.progress
    n_params = sum(param.numel() for param in trainer.model.parameters())
    epochs = f"{c.epochs} epoch{'s' * (c.epochs != 1)}"
    smoothing = f", label smoothing {c.label_smoothing:g}" if c.label_smoothing else ""
    data = trainer.task.describe_data(trainer.train_loader.dataset)
    what = (f"{model_variant(c)}, {n_params:,} parameters; {data}, {epochs} of "
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


def _data(config: TrainConfig):
    """The task's data sets of the run, or a CommandError saying why they cannot be had."""
    try:
        return model_task(config.model).data(config)
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
    """(model, config, path): the model a weights file describes (its metadata, else the run's
    settings saved with it, else ``--model`` and the model option flags given) with its weights,
    on ``args.device``, in eval mode."""
    path = _checkpoint_path(args.checkpoint, CHECKPOINT)
    state, config = load_weights(path)
    chosen, flags = getattr(args, "model", None), given_model_flags(args)
    if chosen is None and flags:
        raise UsageError(f"{', '.join(flags)}: only with --model, for weights that do not "
                         "name their model")  # fmt: skip
    if chosen is not None:
        config = config or TrainConfig.for_model(chosen)
        config.model, config.model_options = chosen, options_from_flags(chosen, flags)
    elif config is None:
        raise CommandError(f"{path}: no run settings found beside it; say which model with --model")
    try:
        model = build_model(config)
    except ValueError as error:  # an unknown model, an option it lacks: the file's
        raise CommandError(f"{path}: {one_line(error)}") from None
    try:
        model.load_state_dict(state)
    except (KeyError, ValueError, RuntimeError, TypeError) as error:
        variant = model_variant(config)
        raise CommandError(f"{path}: the weights do not fit {variant}: {error}") from None
    try:
        model.to(resolve(args.device))
    except ValueError as error:
        raise ConfigError(str(error)) from None
    model.eval()
    return model, config, path


def load_classifier(args):
    """``load_model``, for a command that classifies images: a CommandError for another task."""
    from .classification import ImageClassification

    model, config, path = load_model(args)
    task = model_task(config.model)
    if not isinstance(task, ImageClassification):
        offered = f" ({PROG} {', '.join(task.commands)} works on it)" if task.commands else ""
        raise CommandError(f"{path}: {config.model} is a {task.name} model, not an image "
                           f"classifier{offered}")  # fmt: skip
    return model, config, path


def evaluate(args) -> int:
    import json

    from .classification import summary_text
    from .data import test_loader
    from .evaluation import evaluate as run_eval

    model, config, path = load_classifier(args)
    config.eval_batch_size = args.batch_size
    if args.test_limit is not None:
        config.test_limit = args.test_limit
    if args.data_dir is not None:
        config.data_dir = args.data_dir
    if args.dataset is not None:
        config.dataset = args.dataset
    _, test_set = _data(config)
    result = run_eval(model, test_loader(test_set, config))
    if args.json:
        out = {"checkpoint": str(path), "variant": model_variant(config),
               "test_accuracy": result.accuracy, "test_loss": result.loss,
               "per_class_accuracy": result.per_class.tolist(),
               "confusion_matrix": result.confusion.tolist()}  # fmt: skip
        _echo(json.dumps(out, indent=2))
        return 0
    correct, total = int(np.trace(result.confusion)), int(result.confusion.sum())
    _echo(f"{path} ({model_variant(config)}): test accuracy {100 * result.accuracy:.2f}% "
          f"({correct}/{total}), loss {result.loss:.4f}\n")  # fmt: skip
    _echo(summary_text(result))
    return 0


def predict(args) -> int:
    from .predict import classify, render_ascii
    from .preprocess import read_digit

    model, _, _ = load_classifier(args)
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

"""The ``tensorgrad`` command (``python -m models`` in a checkout): train, evaluate, predict,
serve, info, and the subcommands the registered models' tasks add (e.g. ``sample``).

A subcommand is one row of ``COMMANDS``: the function that adds its parser and the
``module:function`` (in this package, imported only when it runs) that runs it; a task's own
are ``Task.commands`` rows, whose runner is a function.

Every user error (bad option value, unreadable file) ends in one line on stderr and a non-zero
exit status: 2 for bad arguments, 1 for files and data that cannot be used, 130 after Ctrl-C.
"""

import argparse
import importlib
import sys

from .argtypes import float_in, non_negative_int, positive_int
from .arguments import add_common, add_device, add_model_options, add_weights, model_name
from .config import DEFAULT_LR, OPTIMIZERS, SCHEDULES, TrainConfig
from .errors import PROG, CheckpointError, CommandError, ConfigError, UsageError, one_line
from .registry import model_defaults, model_names, tasks
from .serve.command import add_parser as _add_serve

_D = TrainConfig()  # the defaults, for the help text
EXAMPLES = f"""examples:
  {PROG} train                          LeNet-5 on MNIST, >= 99% test accuracy
  {PROG} train --classic --epochs 4     tanh + average pooling, as in 1998
  {PROG} train --model reslenet         residual LeNet with its own recipe, >= 99.6%
  {PROG} train --model reslenet --no-skip   an ablation: no skip connections
  {PROG} train --model namegpt          a character-level transformer on US Census names
  {PROG} sample --checkpoint runs/RUN -n 20 --temperature 0.8   new names from a namegpt run
  {PROG} train --resume runs/RUN        continue a run stopped with Ctrl-C
  {PROG} evaluate --checkpoint runs/RUN
  {PROG} predict digit.png --checkpoint runs/RUN
  {PROG} serve --runs runs              draw digits in a local web page
  {PROG} info                           versions, CPU, threads, caches: for a bug report
  tensorboard --logdir runs                       the curves of every run

'{PROG} COMMAND --help' explains every option of a command."""


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (no usage block) and raise instead of exiting."""

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _default(field: str) -> str:
    """``TrainConfig``'s default of ``field`` and the models whose recipe changes it."""
    value = getattr(_D, field)
    text = f"{value:g}" if isinstance(value, float) else str(value)
    for name in model_names():
        recipe = model_defaults(name)
        if field in recipe and recipe[field] != value:
            theirs = recipe[field]
            text += f"; {name}: {theirs:g}" if isinstance(theirs, float) else f"; {name}: {theirs}"
    return text


def build_parser() -> argparse.ArgumentParser:
    from tensorgrad import __version__

    parser = _Parser(
        prog=PROG,
        description="Train, evaluate and use LeNet-5 (and friends) on MNIST, and a names "
        "language model, with tensorgrad.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tensorgrad {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add_parser, _ in all_commands().values():
        add_parser(commands)
    return parser


def all_commands() -> dict:
    """``COMMANDS`` and the subcommands of the registered models' tasks."""
    found = dict(COMMANDS)
    for task in tasks():
        for name, row in task.commands.items():
            if name in found and found[name] is not row:
                raise ValueError(f"task {task.name!r}: the subcommand {name!r} is taken")
            found[name] = row
    return found


def _datasets() -> list[str]:
    """Every --dataset value of the registered models' tasks."""
    return list(dict.fromkeys(name for task in tasks() for name in task.datasets))


def _add_train(commands) -> None:
    p = commands.add_parser(
        "train", help="train a model (the default, LeNet-5 on MNIST, reaches >= 99%% in a minute)",
        description="Train a model on its data set (MNIST for the image classifiers, the US "
        "Census names for namegpt). Writes a "
        "run folder with checkpoints, metrics.json, plots and TensorBoard events. Ctrl-C saves a "
        "checkpoint; --resume continues it. A model's own options are listed at the end.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )  # fmt: skip
    S = argparse.SUPPRESS  # defaults come from TrainConfig, so --resume can tell what was given
    p.add_argument(
        "--model", type=model_name, default=S,
        help=f"registered model: {', '.join(model_names())} (default: {_D.model})",
    )  # fmt: skip
    p.add_argument(
        "--epochs",
        type=positive_int,
        default=S,
        help=f"passes over the training set (default: {_default('epochs')})",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=S,
        help=f"training samples (images, names) per step (default: {_default('batch_size')})",
    )
    p.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default=S,
        help=f"update rule (default: {_default('optimizer')}); SGD uses Nesterov momentum, "
        "adamw is Adam with decoupled weight decay",
    )
    lrs = ", ".join(f"{k} {v:g}" for k, v in DEFAULT_LR.items())
    p.add_argument(
        "--lr",
        type=float_in(0, 10, open_low=True),
        default=S,
        help=f"learning rate, the peak of the schedule (default: {lrs}"
        f"{_default('lr').removeprefix('None')})",
    )
    p.add_argument(
        "--momentum", type=float_in(0, 1), default=S, help=f"SGD momentum (default: {_D.momentum})"
    )
    p.add_argument(
        "--weight-decay",
        type=float_in(0, 1),
        default=S,
        help="weight decay: an L2 penalty added to the gradients (sgd, adam); adamw shrinks the "
        f"weights directly by lr times it (default: {_default('weight_decay')})",
    )
    p.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default=S,
        help=f"learning-rate schedule, stepped every batch (default: {_default('schedule')}): "
        "onecycle warms up for 30%% of the steps then anneals; cosine anneals from "
        "--lr; step halves the rate every epoch; constant keeps it",
    )
    p.add_argument(
        "--augment",
        action="store_true",
        default=S,
        help="random affine jitter of the training images (+-10 deg, 10%% shift and scale) "
        f"(default: {_default('augment').replace('False', 'off').replace('True', 'on')})",
    )
    p.add_argument(
        "--no-augment",
        dest="augment",
        action="store_false",
        default=S,
        help="no augmentation, for a model whose recipe augments (an ablation)",
    )
    p.add_argument(
        "--label-smoothing",
        type=float_in(0, 1),
        default=S,
        help="mix each training target with the uniform distribution by this much "
        f"(default: {_default('label_smoothing')})",
    )
    p.add_argument(
        "--seed",
        type=non_negative_int,
        default=S,
        help=f"seeds the initial weights, the shuffling and the augmentation (default: {_D.seed})",
    )
    p.add_argument(
        "--dataset",
        choices=_datasets(),
        default=S,
        help="the model's data set: for image classifiers mnist (default), or synthetic: 6,000 "
        "font-drawn digits made on the spot, for a quick offline check that everything works; "
        "names (US Census 1990) for namegpt",
    )
    p.add_argument(
        "--limit",
        type=positive_int,
        default=S,
        help="train on the first N training samples only (quick experiments)",
    )
    p.add_argument(
        "--test-limit",
        type=positive_int,
        default=S,
        help="evaluate on the first N test samples only (namegpt: N validation and N test names)",
    )
    p.add_argument(
        "--eval-batch-size",
        type=positive_int,
        default=S,
        help=f"samples per evaluation batch (default: {_D.eval_batch_size})",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=S,
        help="run folder (default: runs/<model variant>-<timestamp>)",
    )
    p.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        default=None,
        help="continue the run saved in CHECKPOINT (a checkpoint.safetensors or its run "
        "folder) with its own settings; ends bit-identical to an uninterrupted run",
    )
    add_common(p)
    add_device(p)
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (the per-epoch lines are still printed)",
    )
    add_model_options(p, "model options", "each for the models named (another model refuses it)")


def _add_evaluate(commands) -> None:
    p = commands.add_parser(
        "evaluate", help="test accuracy, loss and the class-wise table of a trained model",
        description="Evaluate a trained model on the MNIST test set.",
    )  # fmt: skip
    add_weights(p)
    p.add_argument(
        "--batch-size", type=positive_int, default=1000, help="images per batch (default: 1000)"
    )
    p.add_argument(
        "--test-limit",
        type=positive_int,
        default=None,
        help="evaluate on the first N test images only (default: the run's own setting, "
        "which is the whole test set unless it was trained with --test-limit)",
    )
    p.add_argument(
        "--dataset", choices=_datasets(), default=None, help="test set (default: the run's own)"
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    add_common(p)


def _add_predict(commands) -> None:
    p = commands.add_parser(
        "predict", help="classify digit images (PNG/JPEG of any size, or .npy)",
        description="Classify images of single handwritten digits. Any size, dark on light or "
        "light on dark: each is prepared as MNIST was (grayscale, fitted into a 20x20 box, "
        "centred by centre of mass in 28x28). A .npy array of shape (28, 28) is used as it is.",
    )  # fmt: skip
    p.add_argument(
        "images", nargs="+", metavar="IMAGE", help="image files (.png, .jpg, ...) or .npy arrays"
    )
    add_weights(p)
    p.add_argument(
        "--top", type=positive_int, default=3, help="how many classes to show (default: 3)"
    )
    p.add_argument(
        "--show",
        action="store_true",
        help="also print each prepared 28x28 input as text, to see what the model saw",
    )


def _add_info(commands) -> None:
    p = commands.add_parser(
        "info", help="versions, CPU and vector ISA, threads, BLAS, caches, CUDA: for a bug report",
        description="What a bug report needs: the versions of tensorgrad and its compilers, the "
        "CPU, the kernel and BLAS threads, the JIT cache and data folders, and CUDA.",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the report as JSON")


# name: (adds its parser, "module:function" that runs it); a new subcommand is one row here
COMMANDS = {
    "train": (_add_train, "commands:train"),
    "evaluate": (_add_evaluate, "commands:evaluate"),
    "predict": (_add_predict, "commands:predict"),
    "serve": (_add_serve, "serve.command:serve"),
    "info": (_add_info, "info:run"),
}


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (never raises for a user error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            names = ", ".join(all_commands())
            raise UsageError(f"{PROG}: choose a command: {names} (see {PROG} --help)")
        return run_command(args, all_commands()[args.command][1])
    except UsageError as error:
        print(f"error: {one_line(error)}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"error: {one_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # outside the training loop (which saves a checkpoint itself)
        print("interrupted", file=sys.stderr)
        return 130


def run_command(args, target) -> int:
    """Run ``target`` ("module:function" in this package, or a function) on ``args``; user
    errors re-raised as UsageError / CommandError."""
    from .preprocess import ImageError

    if getattr(args, "threads", None):
        from tensorgrad.kernels.config import set_threads

        set_threads(kernels=args.threads)
    if isinstance(target, str):
        module, function = target.split(":")
        target = getattr(importlib.import_module(f".{module}", __package__), function)
    try:
        return target(args)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    except (CheckpointError, ImageError) as error:
        raise CommandError(str(error)) from None

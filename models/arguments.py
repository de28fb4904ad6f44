"""Arguments that several subcommands share, a task's own subcommands included: the device, the
weights file, the data folder and threads, and the model options every registered model
declares (one flag each, whichever models share it; see ``options.py``)."""

import argparse

from .argtypes import positive_int
from .registry import flag_owners, model_names

# a model option's value lands in the namespace under its flag ("--no-skip"), so that the flag a
# user gave can be named, and checked against the chosen model, later
FLAG_PREFIX = "--"


def model_name(text: str) -> str:
    """A registered model's name (argparse's ``type``)."""
    if text not in model_names():
        raise argparse.ArgumentTypeError(
            f"unknown model {text!r}; choose one of {', '.join(model_names())}"
        )
    return text


def add_device(p) -> None:
    p.add_argument(
        "--device",
        default="auto",
        help="cpu, cuda or cuda:N (default auto: CUDA when available, else the CPU)",
    )


def add_common(p) -> None:
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="where the data sets are cached (default: tensorgrad.data's cache folder)",
    )
    p.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        help="threads for the Numba kernels (default: all cores; BLAS keeps 1 thread)",
    )


def add_weights(p, model_flags: bool = True) -> None:
    """``--device``, ``--checkpoint`` and, for weights that do not name their model (files from
    before weights described themselves), ``--model`` and the model options."""
    add_device(p)
    p.add_argument(
        "--checkpoint",
        metavar="PATH",
        required=True,
        help="a checkpoint.safetensors or model.safetensors from a run folder (or the folder)",
    )
    if not model_flags:
        return
    p.add_argument(
        "--model",
        type=model_name,
        default=None,
        help="model name, for weights whose file does not name it (the file's own wins otherwise)",
    )
    add_model_options(p, "model options, with --model", "for weights that do not name them")


def add_model_options(p, title: str, description: str) -> None:
    """One flag per model option of the registered models, its help naming the models that
    have it; given ones are kept under their flag (``given_model_flags``)."""
    group = p.add_argument_group(title, description)
    for flag, owners in sorted(flag_owners().items()):
        help_text = "; ".join(f"{model}: {option.help}{option.default_text()}"
                              for model, option in owners)  # fmt: skip
        try:
            group.add_argument(flag, dest=flag, default=argparse.SUPPRESS,
                               help=help_text.replace("%", "%%"),
                               **owners[0][1].argparse_kwargs())  # fmt: skip
        except argparse.ArgumentError:
            models = ", ".join(model for model, _ in owners)
            raise ValueError(f"model option {flag} of {models} clashes with an option of "
                             f"'{p.prog}'") from None  # fmt: skip


def given_model_flags(args) -> dict[str, object]:
    """``{flag: value}`` of the model options given on the command line."""
    return {k: v for k, v in vars(args).items() if k.startswith(FLAG_PREFIX)}

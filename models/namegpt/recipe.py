"""``tensorgrad train --model namegpt``: NameGPT registered with its options (its size and
vocabulary) and its training recipe, chosen with the runs in benchmarks/README.md: 6 epochs
reach a test loss 0.44 nats/char below the bigram's in about 190 s on 2 shared CPU cores."""

import argparse
import string

from ..argtypes import positive_int, probability
from ..errors import ConfigError
from ..options import ModelOption
from ..registry import register_model
from .model import NameGPT
from .task import NAMES
from .vocab import BOUNDARY, Vocab

CENSUS_CHARS = string.ascii_lowercase  # every letter of the Census name lists

# TrainConfig settings: the defaults of a namegpt run (options given on the command line win)
RECIPE = {
    "epochs": 6,
    "batch_size": 128,
    "optimizer": "adamw",
    "lr": 3e-3,
    "weight_decay": 0.01,
    "schedule": "onecycle",
}


def vocabulary(text: str) -> str:
    """``--chars``: distinct characters, the boundary token aside (argparse's ``type``)."""
    if not text or len(set(text)) != len(text) or BOUNDARY in text:
        raise argparse.ArgumentTypeError(f"expected distinct characters other than "
                                         f"{BOUNDARY!r}, got {text!r}")  # fmt: skip
    return text


OPTIONS = [
    ModelOption("chars", "the characters it reads and writes (the end token aside); the "
                "corpus's must be among them", type=vocabulary),
    ModelOption("block_size", "positions it sees: names of up to BLOCK_SIZE - 1 characters",
                type=positive_int),
    ModelOption("dim", "width of every token", type=positive_int),
    ModelOption("depth", "transformer blocks", type=positive_int),
    ModelOption("heads", "attention heads per block (they divide --dim)", type=positive_int),
    ModelOption("dropout", "dropout rate of the embeddings and blocks", type=probability),
]  # fmt: skip


@register_model("namegpt", defaults=RECIPE, options=OPTIONS, task=NAMES)
def namegpt(chars: str = CENSUS_CHARS, block_size: int = 16, dim: int = 64, depth: int = 2,
            heads: int = 4, dropout: float = 0.0) -> NameGPT:  # fmt: skip
    """A ``NameGPT`` over the vocabulary ``Vocab(chars)`` (block 16 holds the Census lists'
    longest name, 13 letters, with its start and room to spare)."""
    if dim % heads:
        raise ConfigError(f"--heads {heads} must divide --dim {dim} (model 'namegpt')")
    return NameGPT(Vocab(chars).size, block_size, dim, depth, heads, dropout)

"""NameGPT: a character-level transformer language model of the US Census 1990 names.

``load_corpus`` fetches and splits the names, ``Vocab`` and ``NameDataset`` make them index
batches, ``BigramModel`` is the count-based baseline, ``NameGPT`` the model, ``char_loss`` and
``split_loss`` its loss in nats per character, ``sample`` draws new names. ``NAMES`` is the
task that ``tensorgrad train --model namegpt`` runs and ``namegpt`` the registered model with
its ``RECIPE`` (``recipe.py``); a run's weights file names the model's options, its vocabulary
``chars`` among them, so ``tensorgrad sample`` needs no corpus.
"""

from .batches import IGNORE, NameDataset
from .bigram import BigramModel
from .corpus import Corpus, load_corpus, split_by_name
from .loss import char_loss, split_loss
from .model import NameGPT
from .recipe import RECIPE, namegpt
from .sampling import sample
from .task import NAMES
from .vocab import Vocab

__all__ = [
    "IGNORE", "NAMES", "RECIPE", "BigramModel", "Corpus", "NameDataset", "NameGPT", "Vocab",
    "char_loss", "load_corpus", "namegpt", "sample", "split_by_name", "split_loss",
]  # fmt: skip

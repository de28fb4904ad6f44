"""NameGPT: a character-level transformer language model of the US Census 1990 names.

``load_corpus`` fetches and splits the names, ``Vocab`` and ``NameDataset`` make them index
batches, ``BigramModel`` is the count-based baseline, ``NameGPT`` the model, ``char_loss`` and
``split_loss`` its loss in nats per character, ``sample`` draws new names, ``RECIPE`` its
training settings. A saved model is rebuilt from ``Vocab(vocab.chars)`` and the options of
``NameGPT``; the corpus is not needed to sample.
"""

from .batches import IGNORE, NameDataset
from .bigram import BigramModel
from .corpus import Corpus, load_corpus, split_by_name
from .loss import char_loss, split_loss
from .model import NameGPT
from .recipe import RECIPE
from .sampling import sample
from .vocab import Vocab

__all__ = [
    "IGNORE", "RECIPE", "BigramModel", "Corpus", "NameDataset", "NameGPT", "Vocab",
    "char_loss", "load_corpus", "sample", "split_by_name", "split_loss",
]  # fmt: skip

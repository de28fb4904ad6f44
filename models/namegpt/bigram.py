"""The count-based bigram baseline: P(next | previous) from training counts with add-k smoothing.

Its loss, like the transformer's, is the mean negative log-likelihood in nats of every target
of every name: each character given the one before it (the boundary token before the first) and
the end (the boundary token) given the last character.
"""

import numpy as np

from .vocab import Vocab

K_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # the k tried on the validation split


def bigram_counts(names, vocab: Vocab) -> np.ndarray:
    """(size, size) int64: how often each (previous, next) pair occurs in ``names``."""
    previous, following = [], []
    for name in names:
        ids = vocab.encode(name)
        previous += [vocab.boundary, *ids]
        following += [*ids, vocab.boundary]
    counts = np.zeros((vocab.size, vocab.size), np.int64)
    np.add.at(counts, (np.array(previous, np.int64), np.array(following, np.int64)), 1)
    return counts


class BigramModel:
    """``log_probs[a, b]`` = log P(b | a) = log((count(a, b) + k) / (count(a) + k * size))."""

    def __init__(self, log_probs: np.ndarray, vocab: Vocab, k: float) -> None:
        self.log_probs, self.vocab, self.k = log_probs, vocab, k

    @classmethod
    def fit(cls, names, vocab: Vocab, k: float = 1.0) -> "BigramModel":
        """The bigram model of ``names`` with add-``k`` smoothing (k > 0)."""
        if not k > 0:
            raise ValueError(f"BigramModel.fit: the smoothing k must be positive, got {k}")
        smoothed = bigram_counts(names, vocab) + float(k)
        log_probs = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))
        return cls(log_probs, vocab, float(k))

    @classmethod
    def tuned(cls, train, valid, vocab: Vocab, ks=K_GRID) -> "BigramModel":
        """The model fitted on ``train`` whose k (from ``ks``) gives the lowest loss on
        ``valid``."""
        models = [cls.fit(train, vocab, k) for k in ks]
        return min(models, key=lambda model: model.loss(valid))

    def loss(self, names) -> float:
        """Mean negative log-likelihood of ``names``, nats per target (characters and ends)."""
        counts = bigram_counts(names, self.vocab)
        if counts.sum() == 0:
            raise ValueError("BigramModel.loss: no names to score")
        return float(-(counts * self.log_probs).sum() / counts.sum())

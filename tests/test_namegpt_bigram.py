"""The add-k bigram baseline on a tiny corpus, its losses worked out by hand."""

import math

import numpy as np
import pytest

from tensorgrad.models.namegpt import BigramModel, Vocab
from tensorgrad.models.namegpt.bigram import bigram_counts

VOCAB = Vocab("ab")  # 0 = boundary ".", 1 = a, 2 = b


def test_counts_include_the_start_and_the_end():
    # "ab": .a ab b.   "b": .b b.
    assert bigram_counts(["ab", "b"], VOCAB).tolist() == [[0, 1, 1], [0, 0, 1], [2, 0, 0]]


def test_loss_with_add_one_smoothing_by_hand():
    model = BigramModel.fit(["ab", "b"], VOCAB, k=1.0)
    # rows (count + 1) / (row total + 3): P(a|.) = 2/5, P(b|.) = 2/5, P(b|a) = 2/4,
    # P(.|b) = 3/5, P(a|b) = 1/5, P(.|a) = 1/4
    # the training names' 5 targets: -(ln 2/5 + ln 1/2 + ln 3/5 + ln 2/5 + ln 3/5) / 5 = 0.709476
    assert model.loss(["ab", "b"]) == pytest.approx(0.709476, abs=1e-6)
    # "ba": .b ba a.  -(ln 2/5 + ln 1/5 + ln 1/4) / 3 = 1.304008
    assert model.loss(["ba"]) == pytest.approx(1.304008, abs=1e-6)
    assert np.exp(model.log_probs).sum(axis=1) == pytest.approx(np.ones(3))


def test_the_validation_split_chooses_k():
    # on the training names themselves the least smoothing wins; on "ba", whose three bigrams
    # training never saw (each k / (count + 3k), rising with k), the most
    ks = (0.1, 1.0, 10.0)
    assert BigramModel.tuned(["ab"], ["ab"], VOCAB, ks).k == 0.1
    assert BigramModel.tuned(["ab"], ["ba"], VOCAB, ks).k == 10.0
    assert BigramModel.tuned(["ab"], ["ba"], VOCAB, ks).loss(["ba"]) == pytest.approx(
        -math.log(10 / 31), abs=1e-9
    )  # P(b|.) = P(a|b) = P(.|a) = 10 / (1 + 30)


def test_bad_k_and_empty_scores_are_refused():
    with pytest.raises(ValueError, match="smoothing k must be positive, got 0"):
        BigramModel.fit(["ab"], VOCAB, k=0)
    with pytest.raises(ValueError, match="no names to score"):
        BigramModel.fit(["ab"], VOCAB).loss([])

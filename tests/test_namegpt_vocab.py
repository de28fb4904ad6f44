"""The vocabulary and the teacher-forcing batches of the names model."""

import numpy as np
import pytest

from tensorgrad.data import DataLoader
from tensorgrad.models.namegpt import IGNORE, NameDataset, Vocab


def test_vocab_puts_the_boundary_first_and_round_trips():
    vocab = Vocab.from_names(["cab", "bad"])
    assert vocab.chars == "abcd" and vocab.size == 5 and vocab.boundary == 0
    assert vocab.encode("dab") == [4, 1, 2]
    assert vocab.decode([0, 4, 1, 2, 0, 3]) == "dab"  # a leading boundary skipped, stops at the end
    assert vocab.decode(vocab.encode("cabbad")) == "cabbad"


def test_vocab_errors_name_the_character_and_the_range():
    vocab = Vocab("ab")
    with pytest.raises(ValueError, match=r"'z' in 'abz' is not one of the characters 'ab'"):
        vocab.encode("abz")
    with pytest.raises(ValueError, match=r"indices must be in 0..2, got \[1, 7\]"):
        vocab.decode([1, 7])
    with pytest.raises(ValueError, match="distinct and not '.'"):
        Vocab("a.b")


def test_dataset_rows_are_shifted_pairs_padded_and_batches_cut_to_the_longest():
    vocab = Vocab("abc")
    dataset = NameDataset(["ab", "c", "abca"], vocab, block_size=6)
    x, y = dataset[0]
    assert x.tolist() == [0, 1, 2, 0, 0, 0]
    assert y.tolist() == [1, 2, 0, IGNORE, IGNORE, IGNORE]
    assert dataset.n_chars == 3 + 2 + 5 and len(dataset) == 3
    inputs, targets = next(iter(DataLoader(dataset, batch_size=2)))
    assert inputs.shape == (2, 3) and inputs.dtype == np.int64
    assert targets.numpy().tolist() == [[1, 2, 0], [3, 0, IGNORE]]


def test_dataset_refuses_a_name_longer_than_the_block():
    with pytest.raises(ValueError, match=r"'abcd' has 4 characters; a block of 4 holds names of "
                                         r"at most 3"):  # fmt: skip
        NameDataset(["ab", "abcd"], Vocab("abcd"), block_size=4)

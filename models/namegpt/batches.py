"""Names as teacher-forcing pairs for a DataLoader: padded index rows with ignored padding.

A name of n characters is the input ``[boundary, c1, ..., cn]`` and the target
``[c1, ..., cn, boundary]``: every position predicts the next character, the last one the end.
Rows are padded to ``block_size`` (inputs with the boundary token, targets with ``IGNORE``); a
batch is cut to its longest name, so short batches cost less.
"""

import numpy as np

from tensorgrad.data import Dataset

from .vocab import Vocab

IGNORE = -100  # F.cross_entropy's default ignore_index: padded targets count for nothing


class NameDataset(Dataset):
    """``names`` encoded by ``vocab`` as (input, target) int64 rows of ``block_size``.

    ``dataset[i]`` is the i-th pair of full rows; ``__getitems__(indices)`` (what the
    DataLoader calls) gives the batch ``(inputs, targets)`` of shape (B, T) with T the longest
    name in it plus one. ``n_chars`` is the number of real targets (characters and ends).
    """

    def __init__(self, names, vocab: Vocab, block_size: int) -> None:
        names = list(names)
        self.inputs = np.full((len(names), block_size), vocab.boundary, np.int64)
        self.targets = np.full((len(names), block_size), IGNORE, np.int64)
        self.lengths = np.zeros(len(names), np.int64)  # targets per row: characters + 1
        for row, name in enumerate(names):
            ids = vocab.encode(name)
            if len(ids) >= block_size:
                raise ValueError(
                    f"NameDataset: {name!r} has {len(ids)} characters; a block of {block_size} "
                    f"holds names of at most {block_size - 1}"
                )
            self.inputs[row, 1 : len(ids) + 1] = ids
            self.targets[row, : len(ids) + 1] = [*ids, vocab.boundary]
            self.lengths[row] = len(ids) + 1

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, index: int):
        return self.inputs[index], self.targets[index]

    def __getitems__(self, indices: np.ndarray):
        width = int(self.lengths[indices].max())
        return self.inputs[indices, :width], self.targets[indices, :width]

    @property
    def n_chars(self) -> int:
        return int(self.lengths.sum())

"""NameGPT: a small causal transformer over characters (GPT's plan, pre-norm blocks).

Token embeddings plus learned position embeddings, ``depth`` pre-norm
``nn.TransformerEncoderLayer`` blocks (GELU) under a causal mask, a final LayerNorm and a linear
head giving the logits of the next character at every position. The blocks are made one by one
(not ``nn.TransformerEncoder``'s copies of one layer) so that they start from different weights.
"""

import numpy as np

import tensorgrad as tg
from tensorgrad import nn


class NameGPT(nn.Module):
    """``forward(ids)``: (B, T) int64 token indices, T <= ``block_size`` -> (B, T, vocab_size)
    logits; position t sees tokens 0..t only."""

    def __init__(self, vocab_size: int, block_size: int = 16, dim: int = 64, depth: int = 2,
                 heads: int = 4, dropout: float = 0.0) -> None:  # fmt: skip
        super().__init__()
        self.vocab_size, self.block_size = vocab_size, block_size
        self.token_embedding = nn.Embedding(vocab_size, dim)
        self.position_embedding = nn.Embedding(block_size, dim)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(
                dim, heads, 4 * dim, dropout, activation="gelu", batch_first=True, norm_first=True
            )
            for _ in range(depth)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab_size)

    def forward(self, ids):
        length = ids.shape[-1]
        if ids.ndim != 2 or length > self.block_size:
            raise ValueError(f"NameGPT: expected (batch, length <= {self.block_size}) token "
                             f"indices, got shape {tuple(ids.shape)}")  # fmt: skip
        positions = tg.arange(length, device=ids.device)
        x = self.dropout(self.token_embedding(ids) + self.position_embedding(positions))
        mask = causal_mask(length, ids.device)
        for block in self.blocks:
            x = block(x, src_mask=mask, is_causal=True)
        return self.head(self.norm(x))


def causal_mask(length: int, device) -> tg.Tensor:
    """(length, length) float: -inf above the diagonal (a later key), 0 elsewhere, as PyTorch's
    ``nn.Transformer.generate_square_subsequent_mask``."""
    upper = np.triu(np.full((length, length), -np.inf, np.float32), k=1)
    return tg.tensor(upper, device=device)

"""New names from a trained model: one character at a time, with temperature and top-k."""

import numpy as np

import tensorgrad as tg

from .loss import inference
from .vocab import Vocab


def sample(model, vocab: Vocab, n: int, *, temperature: float = 1.0, top_k: int | None = None,
           seed: int = 0) -> list[str]:  # fmt: skip
    """``n`` names drawn from ``model`` (a ``NameGPT``), each started after the boundary token
    and stopped at the next one or after ``model.block_size`` characters.

    The next-character distribution is ``softmax(logits / temperature)`` restricted to the
    ``top_k`` likeliest characters (all when None; ``top_k=1`` is greedy). The draws come from
    ``numpy.random.Generator(PCG64(seed))``: the same model and seed give the same names.
    """
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"sample: temperature must be a positive number, got {temperature}")
    if top_k is not None and not 1 <= top_k <= vocab.size:
        raise ValueError(f"sample: top_k must be in 1..{vocab.size} (the vocabulary), got {top_k}")
    if n < 0:
        raise ValueError(f"sample: n must be >= 0, got {n}")
    rng = np.random.Generator(np.random.PCG64(seed))
    device = next(model.parameters()).device
    ids = np.full((n, 1), vocab.boundary, np.int64)
    done = np.zeros(n, bool)
    with inference(model):
        for _ in range(model.block_size):
            if done.all():
                break
            logits = model(tg.tensor(ids, device=device))[:, -1].cpu().numpy()
            choice = draw(logits.astype(np.float64) / temperature, top_k, rng)
            choice[done] = vocab.boundary
            done |= choice == vocab.boundary
            ids = np.concatenate([ids, choice[:, None]], axis=1)
    return [vocab.decode(row) for row in ids]


def draw(logits: np.ndarray, top_k: int | None, rng: np.random.Generator) -> np.ndarray:
    """One index per row of ``logits`` (B, V), drawn from their softmax over the top ``top_k``."""
    if top_k is not None:
        kept = np.argpartition(-logits, top_k - 1, axis=1)[:, :top_k]
        masked = np.full_like(logits, -np.inf)
        np.put_along_axis(masked, kept, np.take_along_axis(logits, kept, axis=1), axis=1)
        logits = masked
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    cumulative = weights.cumsum(axis=1)
    # inverse CDF: the first index whose cumulative weight exceeds a uniform share of the total
    u = rng.random((len(logits), 1)) * cumulative[:, -1:]
    return (cumulative > u).argmax(axis=1)

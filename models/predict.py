"""Classify prepared 28x28 digits with a trained model: top-k classes and their probabilities."""

import numpy as np

from .data import MNIST_MEAN, MNIST_STD


def probabilities(model, digits: np.ndarray) -> np.ndarray:
    """Softmax probabilities (N, classes) for digits (N, 28, 28) in [0, 1], light on dark."""
    import tensorgrad as tg

    x = (np.asarray(digits, dtype=np.float32)[:, None] - MNIST_MEAN) / MNIST_STD
    model.eval()
    with tg.no_grad():
        device = next(model.parameters()).device
        logits = model(tg.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(device))
        return tg.softmax(logits, dim=1).cpu().numpy()


def classify(model, digit: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
    """The ``k`` most likely classes of one (28, 28) digit as (class, probability), best first."""
    probs = probabilities(model, digit[None])[0]
    order = np.argsort(-probs, kind="stable")[:k]
    return [(int(i), float(probs[i])) for i in order]


def render_ascii(digit: np.ndarray) -> str:
    """The 28x28 input as text, darker characters for brighter pixels."""
    shades = " .:-=+*#%@"
    index = np.clip((digit * (len(shades) - 1)).round().astype(int), 0, len(shades) - 1)
    return "\n".join("".join(shades[i] * 2 for i in row) for row in index)

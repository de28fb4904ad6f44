"""Classification metrics on plain ndarrays: confusion matrix, per-class accuracy, text reports."""

import numpy as np


def confusion_matrix(targets: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """``cm[t, p]`` counts the samples of true class ``t`` predicted as ``p`` (int64)."""
    targets = np.asarray(targets, dtype=np.int64).ravel()
    predictions = np.asarray(predictions, dtype=np.int64).ravel()
    flat = np.bincount(targets * num_classes + predictions, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def per_class_accuracy(cm: np.ndarray) -> np.ndarray:
    """Recall of each class: the diagonal over the row sums (NaN for a class with no samples)."""
    totals = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(cm) / np.maximum(totals, 1), np.nan)


def most_confused(cm: np.ndarray, k: int = 5) -> list[tuple[int, int, int]]:
    """The ``k`` largest off-diagonal cells as (true, predicted, count), largest first."""
    off = cm.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind="stable")[:k]
    pairs = [(int(i // cm.shape[1]), int(i % cm.shape[1])) for i in order]
    return [(t, p, int(off[t, p])) for t, p in pairs if off[t, p] > 0]


def class_table(cm: np.ndarray, class_names: list[str] | None = None) -> str:
    """A text table: one row per class with its sample count, correct count and accuracy."""
    names = class_names or [str(i) for i in range(len(cm))]
    accuracy = per_class_accuracy(cm)
    width = max(5, max(len(n) for n in names))
    lines = [f"{'class':>{width}}  {'samples':>7}  {'correct':>7}  {'accuracy':>8}  worst mistake"]
    for i, name in enumerate(names):
        row = cm[i].copy()
        row[i] = 0
        worst = int(np.argmax(row))
        mistake = f"{names[worst]} ({row[worst]}x)" if row[worst] else "-"
        acc = "n/a" if np.isnan(accuracy[i]) else f"{100 * accuracy[i]:.2f}%"
        lines.append(f"{name:>{width}}  {cm[i].sum():>7}  {cm[i, i]:>7}  {acc:>8}  {mistake}")
    total, correct = int(cm.sum()), int(np.trace(cm))
    overall = f"{100 * correct / total:.2f}%" if total else "n/a"
    lines.append(f"{'all':>{width}}  {total:>7}  {correct:>7}  {overall:>8}")
    return "\n".join(lines)


def confused_pairs_text(cm: np.ndarray, k: int = 5, class_names: list[str] | None = None) -> str:
    """The most confused pairs as text lines, e.g. ``4 -> 9   12 times (1.22% of the 4s)``."""
    names = class_names or [str(i) for i in range(len(cm))]
    pairs = most_confused(cm, k)
    if not pairs:
        return "no confusions: every sample was classified correctly"
    lines = [f"most confused pairs (true -> predicted), top {len(pairs)}:"]
    for t, p, count in pairs:
        share = 100 * count / max(int(cm[t].sum()), 1)
        lines.append(
            f"  {names[t]} -> {names[p]}  {count:4d} times ({share:.2f}% of the {names[t]}s)"
        )
    return "\n".join(lines)

"""PNG plots of a run with matplotlib (Agg backend: no display needed)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: headless machines and CI have no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def curves_figure(history: dict[str, list[float]], step_loss: list[float] | None = None):
    """Loss and accuracy per epoch, train and test; the per-step loss in light grey behind."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    if step_loss:
        steps = np.linspace(0, len(epochs), len(step_loss) + 1)[1:]
        ax_loss.plot(steps, step_loss, color="0.85", lw=0.5, label="train (per step)")
        window = max(1, len(step_loss) // 50)
        if window > 1:  # a moving average shows the trend through the batch-to-batch noise
            smooth = np.convolve(step_loss, np.ones(window) / window, mode="valid")
            ax_loss.plot(steps[window - 1 :], smooth, color="0.5", lw=1, label="train (smoothed)")
    ax_loss.plot(epochs, history["train_loss"], "o-", label="train")
    ax_loss.plot(epochs, history["test_loss"], "s-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss", yscale="log")
    ax_acc.plot(epochs, 100 * np.asarray(history["train_accuracy"]), "o-", label="train")
    ax_acc.plot(epochs, 100 * np.asarray(history["test_accuracy"]), "s-", label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
        ax.set_xlim(0, max(len(epochs), 1) + 0.2)
    fig.tight_layout()
    return fig


def class_accuracy_figure(accuracy: np.ndarray, class_names: list[str] | None = None):
    """Bars of per-class test accuracy, zoomed on the range where the classes differ."""
    names = class_names or [str(i) for i in range(len(accuracy))]
    values = 100 * np.nan_to_num(np.asarray(accuracy, dtype=float))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    bars = ax.bar(names, values, color="tab:blue")
    ax.bar_label(bars, fmt="%.1f", fontsize=8)
    low = max(0.0, min(values.min() - 2.0, 95.0)) if len(values) else 0.0
    ax.set(
        xlabel="class", ylabel="test accuracy (%)", title="Accuracy per class", ylim=(low, 100.5)
    )
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def confusion_figure(cm: np.ndarray, class_names: list[str] | None = None):
    """The confusion matrix with counts in the cells; colour on a log scale so mistakes show."""
    names = class_names or [str(i) for i in range(len(cm))]
    fig, ax = plt.subplots(figsize=(5.5, 5))
    shown = np.log1p(cm.astype(float))
    ax.imshow(shown, cmap="Blues")
    threshold = shown.max() / 2 if shown.size else 0
    for (t, p), count in np.ndenumerate(cm):
        if count:
            color = "white" if shown[t, p] > threshold else "black"
            ax.text(p, t, str(count), ha="center", va="center", fontsize=7, color=color)
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names)
    ax.set_yticks(ticks, names)
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix (test set)")
    fig.tight_layout()
    return fig


def figure_to_array(fig) -> np.ndarray:
    """The rendered figure as an (H, W, 3) uint8 array (for TensorBoard images); closes it."""
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return image


def save_figure(fig, path: Path) -> Path:
    """Write the figure as PNG and close it."""
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def save_run_plots(
    folder: Path,
    history: dict[str, list[float]],
    cm: np.ndarray,
    accuracy: np.ndarray,
    step_loss: list[float] | None = None,
) -> list[Path]:
    """curves.png, class_accuracy.png and confusion_matrix.png in ``folder``."""
    folder = Path(folder)
    return [
        save_figure(curves_figure(history, step_loss), folder / "curves.png"),
        save_figure(class_accuracy_figure(accuracy), folder / "class_accuracy.png"),
        save_figure(confusion_figure(cm), folder / "confusion_matrix.png"),
    ]

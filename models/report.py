"""The end of a run: metrics.json, PNG plots, the class-wise table and the most confused pairs."""

from pathlib import Path

import numpy as np

from .config import TrainConfig
from .evaluation import Evaluation
from .metrics import class_table, confused_pairs_text
from .runs import METRICS, write_json


def build_metrics(config: TrainConfig, progress: dict, result: Evaluation, model) -> dict:
    """Everything metrics.json holds (plain JSON types)."""
    import tensorgrad as tg

    seconds = progress["epoch_seconds"]
    images = sum(ips * s for ips, s in zip(progress["images_per_second"], seconds, strict=True))
    return {
        "model": config.model + ("-classic" if config.classic else ""),
        "config": {**_config_dict(config), "lr": config.resolved_lr()},
        "seed": config.seed,
        "epochs_completed": progress["epoch"],
        "test_accuracy": result.accuracy,
        "test_loss": result.loss,
        "per_class_accuracy": [None if np.isnan(a) else float(a) for a in result.per_class],
        "confusion_matrix": result.confusion.tolist(),
        "history": progress["history"],
        "epoch_seconds": seconds,
        "eval_seconds": progress["eval_seconds"],
        "train_seconds": float(sum(seconds)),
        "images_per_second": images / sum(seconds) if sum(seconds) > 0 else 0.0,
        "epoch_images_per_second": progress["images_per_second"],
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "tensorgrad_version": tg.__version__,
        "thread_policy": _thread_policy(),
    }


def _config_dict(config: TrainConfig) -> dict:
    import dataclasses

    return dataclasses.asdict(config)


def _thread_policy() -> dict:
    try:
        from tensorgrad.kernels.config import thread_policy

        return thread_policy()
    except ImportError:  # kernels not built into this install
        return {}


def finish_run(
    folder: Path, config: TrainConfig, progress: dict, result: Evaluation, model, echo=print
) -> dict:
    """Write metrics.json and the plots, print the tables; returns the metrics."""
    from .plots import save_run_plots

    metrics = build_metrics(config, progress, result, model)
    write_json(Path(folder) / METRICS, metrics)
    save_run_plots(folder, progress["history"], result.confusion, result.per_class,
                   progress["step_loss"])  # fmt: skip
    echo("")
    echo(summary_text(result))
    epochs = f"{progress['epoch']} epoch{'s' * (progress['epoch'] != 1)}"
    echo(f"\ntrained {epochs} in {metrics['train_seconds']:.1f} s "
         f"({metrics['images_per_second']:,.0f} images/s); test accuracy "
         f"{100 * result.accuracy:.2f}%")  # fmt: skip
    echo(f"run folder: {folder}  (metrics.json, model.safetensors, curves.png, "
         f"confusion_matrix.png; tensorboard --logdir {Path(folder).parent})")  # fmt: skip
    return metrics


def summary_text(result: Evaluation) -> str:
    """The class-wise table and the most confused pairs."""
    return class_table(result.confusion) + "\n\n" + confused_pairs_text(result.confusion)

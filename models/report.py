"""The end of a run: metrics.json (the figures every run has, and its task's), the task's plots
and tables, and the closing lines."""

import dataclasses
from pathlib import Path

from .builders import model_variant
from .runs import METRICS, write_json
from .task import Final


def build_metrics(trainer, final: Final) -> dict:
    """Everything metrics.json holds (plain JSON types); the task's figures after the run's."""
    import tensorgrad as tg

    config, progress, rate = trainer.config, trainer.progress, trainer.task.rate_key
    seconds = progress["epoch_seconds"]
    seen = sum(r * s for r, s in zip(progress[rate], seconds, strict=True))
    return {
        "model": config.model,
        "variant": model_variant(config),
        "model_options": dict(config.model_options),
        "config": {**dataclasses.asdict(config), "lr": config.resolved_lr()},
        "seed": config.seed,
        "epochs_completed": progress["epoch"],
        **final.metrics,
        "history": progress["history"],
        "epoch_seconds": seconds,
        "eval_seconds": progress["eval_seconds"],
        "train_seconds": float(sum(seconds)),
        rate: seen / sum(seconds) if sum(seconds) > 0 else 0.0,
        f"epoch_{rate}": progress[rate],
        "parameters": int(sum(p.numel() for p in trainer.model.parameters())),
        "tensorgrad_version": tg.__version__,
        "thread_policy": _thread_policy(),
    }


def _thread_policy() -> dict:
    try:
        from tensorgrad.kernels.config import thread_policy

        return thread_policy()
    except ImportError:  # kernels not built into this install
        return {}


def finish_run(trainer, echo=print) -> dict:
    """Write metrics.json and the task's plots, print its report; returns the metrics."""
    final = trainer.task.finish(trainer)
    metrics = build_metrics(trainer, final)
    folder, progress, unit = Path(trainer.folder), trainer.progress, trainer.task.unit
    write_json(folder / METRICS, metrics)
    if final.summary:
        echo("")
        echo(final.summary)
    epochs = f"{progress['epoch']} epoch{'s' * (progress['epoch'] != 1)}"
    rate = metrics[trainer.task.rate_key]
    echo(f"\ntrained {epochs} in {metrics['train_seconds']:.1f} s ({rate:,.0f} {unit}s/s)"
         f"{'; ' + final.headline if final.headline else ''}")  # fmt: skip
    files = ", ".join(("metrics.json", "model.safetensors", *final.files))
    echo(f"run folder: {folder}  ({files}; tensorboard --logdir {folder.parent})")
    return metrics

"""Checkpoints: all a run needs to continue exactly where it stopped, in one safetensors file.

Layout (``tg.save`` of a nested dict): ``model``, ``optimizer`` and ``scheduler`` state dicts, and
JSON strings for ``config``, ``progress`` (epoch, batch within it, running sums, history) and
``rng`` (the state of tensorgrad's global generator).
"""

import json
from pathlib import Path

from .config import TrainConfig
from .runs import save_tensors

FORMAT = "tensorgrad-models-checkpoint-v1"


class CheckpointError(ValueError):
    """A checkpoint or weights file that cannot be used; the message names the file."""


def rng_state() -> str:
    import tensorgrad as tg

    return json.dumps(tg.default_generator().bit_generator.state)


def set_rng_state(text: str) -> None:
    import tensorgrad as tg

    tg.default_generator().bit_generator.state = json.loads(text)


def save_checkpoint(
    path: Path, *, config: TrainConfig, model, optimizer, scheduler, progress: dict
) -> Path:
    """Write the checkpoint atomically (a temporary file renamed over ``path``)."""
    payload = {
        "format": FORMAT,
        "config": config.to_json(),
        "progress": json.dumps(progress),
        "rng": rng_state(),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else {},
    }
    return save_tensors(path, payload)


def read_file(path: str | Path) -> dict:
    """``tg.load`` onto the CPU (the trainer or command moves the values to its device, so a GPU
    run's files load anywhere) with one-line errors for a missing, unreadable or foreign file."""
    import tensorgrad as tg

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        return tg.load(path, map_location="cpu")
    except Exception as error:  # any failure to parse is the file's fault, report it in one line
        raise CheckpointError(f"{path}: not a readable safetensors file ({error})") from None


def load_checkpoint(path: str | Path) -> dict:
    """The checkpoint as a dict with ``config`` as a TrainConfig and ``progress`` as a dict."""
    data = read_file(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(
            f"{path}: not a training checkpoint (expected a checkpoint.safetensors written by "
            "'tensorgrad train')"
        )
    try:
        data["config"] = TrainConfig.from_json(data["config"])
        data["progress"] = json.loads(data["progress"])
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: damaged checkpoint ({error})") from None
    return data


def load_weights(path: str | Path) -> tuple[dict, TrainConfig | None]:
    """Model weights and, when known, the run's config, from a checkpoint or a model.safetensors.

    For a bare model.safetensors the config is read from the metrics.json beside it, if any.
    """
    path = Path(path)
    data = read_file(path)
    if isinstance(data, dict) and data.get("format") == FORMAT:
        return data["model"], TrainConfig.from_json(data["config"])
    metrics = path.with_name("metrics.json")
    config = None
    if metrics.is_file():
        try:
            config = TrainConfig.from_json(json.dumps(json.loads(metrics.read_text())["config"]))
        except (KeyError, TypeError, ValueError):
            config = None
    return data, config

"""Checkpoints and weights files, each describing itself.

A checkpoint holds all a run needs to continue exactly where it stopped, in one safetensors file
(``tg.save`` of a nested dict): ``model``, ``optimizer`` and ``scheduler`` state dicts, and JSON
strings for ``config``, ``progress`` (epoch, batch within it, running sums, history) and ``rng``
(the state of tensorgrad's global generator).

Both it and the weights file (model.safetensors, the state dict alone) carry in their
safetensors metadata the model's registered name (``model``) and its options as JSON
(``model_options``), so the exact variant can be rebuilt from the file alone.
"""

import json
from pathlib import Path

from .config import TrainConfig
from .errors import CheckpointError
from .registry import model_names, resolve_options
from .runs import save_tensors

FORMAT = "tensorgrad-models-checkpoint-v1"

__all__ = ["CheckpointError", "load_checkpoint", "load_weights", "save_checkpoint", "save_weights"]


def rng_state() -> str:
    import tensorgrad as tg

    return json.dumps(tg.default_generator().bit_generator.state)


def set_rng_state(text: str) -> None:
    import tensorgrad as tg

    tg.default_generator().bit_generator.state = json.loads(text)


def description(config: TrainConfig) -> dict[str, str]:
    """The safetensors metadata naming the model and every one of its options."""
    options = resolve_options(config.model, config.model_options)
    return {"model": config.model, "model_options": json.dumps(options, sort_keys=True)}


def save_weights(path: Path, model, config: TrainConfig) -> Path:
    """model.safetensors: ``model``'s state dict, described by ``config``'s model and options."""
    return save_tensors(path, model.state_dict(), metadata=description(config))


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
    return save_tensors(path, payload, metadata=description(config))


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


def read_description(path: str | Path) -> tuple[str, dict] | None:
    """(model, options) from a file's metadata; None for a file written without them."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), "np") as f:
            metadata = f.metadata() or {}
    except Exception as error:  # read_file has said whether the file is readable at all
        raise CheckpointError(f"{path}: not a readable safetensors file ({error})") from None
    if "model" not in metadata:
        return None
    try:
        options = json.loads(metadata.get("model_options", "{}"))
    except ValueError as error:
        raise CheckpointError(f"{path}: damaged model_options metadata ({error})") from None
    if not isinstance(options, dict):
        raise CheckpointError(f"{path}: model_options metadata is not a JSON object: {options!r}")
    return metadata["model"], options


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
    """Model weights and what is known of the run, from a checkpoint or a model.safetensors.

    The config is the checkpoint's own, or for a bare model.safetensors the one in the
    metrics.json beside it; the model and its options in the file's metadata win over both
    (without either, a config of that model with the defaults). None: nothing says which model.
    """
    path = Path(path)
    data = read_file(path)
    if isinstance(data, dict) and data.get("format") == FORMAT:
        state, config = data["model"], TrainConfig.from_json(data["config"])
    else:
        state, config = data, _config_beside(path)
    described = read_description(path)
    if described is not None:
        model, options = described
        if config is None or config.model != model:
            known = model in model_names()
            config = TrainConfig.for_model(model) if known else TrainConfig(model=model)
        config.model_options = options
    return state, config


def _config_beside(path: Path) -> TrainConfig | None:
    metrics = path.with_name("metrics.json")
    if not metrics.is_file():
        return None
    try:
        return TrainConfig.from_json(json.dumps(json.loads(metrics.read_text())["config"]))
    except (KeyError, TypeError, ValueError):
        return None

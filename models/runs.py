"""The run folder: its default name, the files in it, and atomic writes.

runs/<model>-<timestamp>/
    checkpoint.safetensors   everything --resume needs (written after every epoch and on Ctrl-C)
    model.safetensors        the weights alone: ``LeNet5().load_state_dict(tg.load(path))``
    metrics.json             results and settings (written after every epoch, final at the end)
    curves.png  class_accuracy.png  confusion_matrix.png
    events.out.tfevents.*    TensorBoard (``tensorboard --logdir runs``)
"""

import json
import os
import time
from pathlib import Path

CHECKPOINT = "checkpoint.safetensors"
WEIGHTS = "model.safetensors"
METRICS = "metrics.json"


def default_folder(model: str, classic: bool, root: str | Path = "runs") -> Path:
    """``runs/<model>[-classic]-<YYYYmmdd-HHMMSS>``, with a suffix if that name is taken."""
    name = f"{model}{'-classic' if classic else ''}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder = Path(root) / name
    n = 2
    while folder.exists():
        folder = Path(root) / f"{name}-{n}"
        n += 1
    return folder


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp_path)``, then rename over ``path``: a crash never leaves half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_json(path: Path, data: dict) -> Path:
    def write(tmp: Path) -> None:
        tmp.write_text(json.dumps(data, indent=2) + "\n")

    return atomic_write(path, write)


def save_tensors(path: Path, obj) -> Path:
    """``tg.save`` (itself atomic: a crash leaves the previous file, never half a file)."""
    import tensorgrad as tg

    tg.save(obj, path)
    return Path(path)

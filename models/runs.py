"""The run folder: its default name, the files in it, and atomic writes.

runs/<model variant>-<timestamp>/
    checkpoint.safetensors   everything --resume needs (written after every epoch and on Ctrl-C)
    model.safetensors        the weights alone: ``LeNet5().load_state_dict(tg.load(path))``;
                             its metadata names the model and its options
    metrics.json             results, settings and the model variant (written when the run ends)
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


def default_folder(variant: str, root: str | Path = "runs") -> Path:
    """``runs/<variant>-<YYYYmmdd-HHMMSS>`` (``lenet5-classic-...``), with a suffix if that name
    is taken."""
    name = f"{variant}-{time.strftime('%Y%m%d-%H%M%S')}"
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


def save_tensors(path: Path, obj, metadata: dict[str, str] | None = None) -> Path:
    """``tg.save`` (itself atomic: a crash leaves the previous file, never half a file)."""
    import tensorgrad as tg

    tg.save(obj, path, metadata=metadata)
    return Path(path)

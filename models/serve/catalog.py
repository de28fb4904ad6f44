"""The runs a server offers: found under a runs folder (or one given checkpoint), each named by its
folder's path relative to that root, and looked up by that name without ever leaving the root."""

import json
from dataclasses import dataclass
from pathlib import Path

from ..runs import CHECKPOINT, METRICS, WEIGHTS
from .inputs import ApiError


@dataclass(frozen=True)
class RunInfo:
    """One run folder as the runs list shows it (from its metrics.json, when it has one)."""

    id: str  # the folder relative to the root, with '/' separators
    folder: Path
    weights: Path  # the file the model is loaded from
    model: str | None
    variant: str | None
    dataset: str | None
    test_accuracy: float | None

    def to_json(self) -> dict:
        return {"id": self.id, "model": self.model, "variant": self.variant,
                "dataset": self.dataset, "test_accuracy": self.test_accuracy}  # fmt: skip


class Catalog:
    """The runs under ``root``: every folder holding a model.safetensors or checkpoint.safetensors.

    ``Catalog.single(path)`` offers one checkpoint file or run folder instead.
    """

    def __init__(self, root: Path, runs: list[RunInfo], scanned: bool = False) -> None:
        self.root, self.scanned = root, scanned
        self.runs = {run.id: run for run in runs}

    @classmethod
    def scan(cls, root: str | Path) -> "Catalog":
        root = Path(root).resolve()
        return cls(root, _find_runs(root), scanned=True)

    def refresh(self) -> None:
        """Look at the runs folder again (a run trained since the server started appears)."""
        if self.scanned:
            self.runs = {run.id: run for run in _find_runs(self.root)}

    @classmethod
    def single(cls, weights: Path) -> "Catalog":
        weights = weights.resolve()
        return cls(weights.parent.parent, [_info(weights.parent.parent, weights.parent, weights)])

    def default(self) -> RunInfo:
        """The run whose weights were written last (the one just trained, usually)."""
        return max(self.runs.values(), key=lambda run: run.weights.stat().st_mtime)

    def get(self, run_id: str | None) -> RunInfo:
        """The run named ``run_id`` (the default run for None); an ApiError for a name outside
        the root (400) or one that is not a run (404)."""
        if run_id is None or run_id == "":
            return self.default()
        if run_id not in self.runs:
            self.refresh()
        if run_id in self.runs:
            return self.runs[run_id]
        try:
            target = (self.root / run_id).resolve()
        except (OSError, ValueError) as error:  # a NUL byte, a name too long
            raise ApiError(f"run {run_id!r}: not a folder name ({error})") from None
        if not target.is_relative_to(self.root):
            raise ApiError(f"run {run_id!r}: outside the runs folder {self.root}", status=400)
        raise ApiError(
            f"run {run_id!r}: no such run in {self.root} (GET /api/runs lists them)", status=404
        )


def _find_runs(root: Path) -> list[RunInfo]:
    """The runs under ``root`` of image classifiers (a language model's run is not served)."""
    folders = {p.parent for name in (WEIGHTS, CHECKPOINT) for p in root.rglob(name)}
    runs = [_info(root, folder, _weights_file(folder)) for folder in sorted(folders)]
    return [run for run in runs if _classifies_images(run.model)]


def _classifies_images(model: str | None) -> bool:
    from ..classification import ImageClassification
    from ..registry import model_names, model_task

    known = model is not None and model in model_names()
    return not known or isinstance(model_task(model), ImageClassification)


def _weights_file(folder: Path) -> Path:
    """model.safetensors when there is one (smaller), else the checkpoint."""
    return folder / WEIGHTS if (folder / WEIGHTS).is_file() else folder / CHECKPOINT


def _info(root: Path, folder: Path, weights: Path) -> RunInfo:
    metrics = {}
    try:
        metrics = json.loads((folder / METRICS).read_text())
    except (OSError, ValueError):
        pass  # a run stopped before its first epoch ended: listed without its figures
    config = metrics.get("config") or {}
    variant = metrics.get("variant")
    if config and variant is None:  # a run from before metrics.json named its variant
        from ..builders import model_variant
        from ..config import TrainConfig

        try:
            variant = model_variant(TrainConfig.from_json(json.dumps(config)))
        except (TypeError, ValueError):
            variant = None
    run_id = folder.relative_to(root).as_posix() if folder != root else folder.name
    return RunInfo(
        id=run_id, folder=folder, weights=weights, model=metrics.get("model"), variant=variant,
        dataset=config.get("dataset"), test_accuracy=metrics.get("test_accuracy"),
    )  # fmt: skip

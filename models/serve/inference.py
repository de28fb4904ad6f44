"""The models a server runs: loaded once per run, used by one forward pass at a time.

Every forward pass takes one lock: the Numba kernels share one thread pool, and until every op
is known to be thread-safe (the residual LeNet's parallel strided convolution is not yet), the
server never runs two at once. The web server's threads wait for the lock, so concurrent
requests are answered in turn, each correctly.
"""

import base64
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from ..metrics import confusion_matrix
from ..predict import probabilities
from .catalog import Catalog, RunInfo
from .inputs import ApiError

EVAL_BATCH = 500  # test images per forward pass (the lock is released between batches)


@dataclass
class TestSet:
    """A run's test set, raw, with the model's probabilities for every image."""

    images: np.ndarray  # uint8 (N, 28, 28), ink bright
    labels: np.ndarray  # int64 (N,)
    probabilities: np.ndarray  # float32 (N, classes)

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    def confusion(self) -> np.ndarray:
        return confusion_matrix(self.labels, self.predictions, self.probabilities.shape[1])


class Inference:
    """The models of ``catalog``, loaded on first use; ``data_dir`` overrides where MNIST is."""

    def __init__(self, catalog: Catalog, data_dir: str | None = None) -> None:
        self.catalog, self.data_dir = catalog, data_dir
        self._forward = threading.Lock()  # one forward pass at a time (see the module docstring)
        self._loading = threading.Lock()  # each model is loaded once
        self._evaluating = threading.Lock()  # each test set is evaluated once (between its
        # batches, live predictions get the forward lock)
        self._models: dict[tuple, tuple] = {}  # by _version(run)
        self._test_sets: dict[tuple, TestSet] = {}

    def model(self, run: RunInfo):
        """(model, config) of ``run``, loaded as ``evaluate``/``predict`` load it; loaded again
        when its weights file has been rewritten (a run still training)."""
        return self._loaded(run)[1:]

    def _loaded(self, run: RunInfo) -> tuple[tuple, object, object]:
        """(version, model, config): the version names the weights file's state loaded."""
        key = _version(run)
        with self._loading:
            if key not in self._models:
                from ..commands import load_classifier
                from ..errors import CommandError

                # one image per request: the CPU answers in milliseconds, maps read on the host
                args = SimpleNamespace(checkpoint=str(run.weights), device="cpu")
                try:
                    model, config, _ = load_classifier(args)
                except (CommandError, ValueError) as error:
                    raise ApiError(f"run {run.id!r}: cannot load it ({error})", 500) from None
                if self.data_dir is not None:
                    config.data_dir = self.data_dir
                _forget(self._models, run.id)  # an older version of the run
                self._models[key] = (model, config)
            return (key, *self._models[key])

    def predict(self, run: RunInfo, digit: np.ndarray, features: bool = True) -> dict:
        """The answer of ``POST /api/predict`` for one prepared (28, 28) digit."""
        model, _ = self.model(run)
        with self._forward, conv_outputs(model) as maps:
            probs = probabilities(model, digit[None])[0]
        answer = {
            "run": run.id,
            "prediction": int(np.argmax(probs)),
            "probabilities": [float(p) for p in probs],
            "input": np.round(digit, 4).tolist(),
        }
        if features:
            answer["feature_maps"] = [encode_maps(name, out[0]) for name, out in maps]
        return answer

    def test_set(self, run: RunInfo) -> TestSet:
        """The run's own test set (its dataset and --test-limit) and the model's answers."""
        key, model, config = self._loaded(run)
        with self._evaluating:
            if key in self._test_sets:
                return self._test_sets[key]
            from ..data import datasets

            try:
                images, labels = raw_arrays(datasets(config)[1])
            except (OSError, RuntimeError, ValueError) as error:
                message = f"run {run.id!r}: its test set is unavailable ({error})"
                raise ApiError(message, 503) from None
            parts = []
            for start in range(0, len(images), EVAL_BATCH):
                with self._forward:
                    parts.append(probabilities(model, images[start : start + EVAL_BATCH] / 255.0))
            _forget(self._test_sets, run.id)
            self._test_sets[key] = TestSet(images, labels, np.concatenate(parts))
            return self._test_sets[key]


def _forget(cache: dict, run_id: str) -> None:
    for key in [key for key in cache if key[0] == run_id]:
        del cache[key]


def _version(run: RunInfo) -> tuple[str, int]:
    """The run and the time its weights were written: a rewritten file is a new version."""
    try:
        return run.id, run.weights.stat().st_mtime_ns
    except OSError:
        raise ApiError(f"run {run.id!r}: its weights file {run.weights} is gone", 404) from None


def raw_arrays(dataset) -> tuple[np.ndarray, np.ndarray]:
    """The uint8 images and int64 labels of an MNIST-like dataset (or a Subset of one)."""
    from tensorgrad.data import Subset

    if isinstance(dataset, Subset):
        images, labels = raw_arrays(dataset.dataset)
        index = np.asarray(dataset.indices)
        return images[index], labels[index]
    as_array = lambda x: x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    return as_array(dataset.data), as_array(dataset.targets).astype(np.int64)


@contextmanager
def conv_outputs(model):
    """While active, every Conv2d of ``model`` appends ``(name, output ndarray)`` to the list
    this yields. tensorgrad's Module has no forward hooks (PyTorch's register_forward_hook), so
    each convolution's instance gets a recording ``forward`` for the while; callers hold the
    forward lock, so no other pass sees it."""
    from tensorgrad import nn

    outputs: list[tuple[str, np.ndarray]] = []
    convs = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    for name, conv in convs:

        def record(x, _forward=conv.forward, _name=name):
            out = _forward(x)
            outputs.append((_name, out.numpy()))
            return out

        object.__setattr__(conv, "forward", record)
    try:
        yield outputs
    finally:
        for _, conv in convs:
            conv.__dict__.pop("forward", None)


def encode_maps(layer: str, maps: np.ndarray) -> dict:
    """(C, H, W) activations as bytes: 127.5 * (1 + x / scale) per channel, where ``scale`` is
    the channel's largest magnitude (0 maps to 128), base64 for JSON. ``x = (byte - 127.5) /
    127.5 * scale`` recovers them to within half a step."""
    channels = maps.shape[0]
    scale = np.abs(maps).reshape(channels, -1).max(axis=1)
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    levels = np.round(127.5 * (1 + maps / scale[:, None, None])).clip(0, 255).astype(np.uint8)
    return {
        "layer": layer,
        "shape": list(maps.shape),
        "scale": [float(s) for s in scale],
        "data": base64.b64encode(levels.tobytes()).decode("ascii"),
    }

"""The trainer on the test device that stands in for a GPU: the data kept resident there, the
loss read back every LOG_EVERY steps, and runs that move between the CPU and the device."""

import numpy as np
import pytest
from test_models_training import _trainer

import tensorgrad as tg
from tensorgrad.models import trainer as trainer_module
from tensorgrad.models.checkpoint import load_checkpoint
from tensorgrad.models.config import ConfigError, TrainConfig
from tensorgrad.models.data import datasets
from tensorgrad.models.devices import resolve
from tensorgrad.models.evaluation import evaluate
from tensorgrad.models.predict import probabilities
from tensorgrad.models.trainer import Interrupted
from tensorgrad.testing.device import TEST_DEVICE, StrictArray


def _config(**changes) -> TrainConfig:
    base = dict(dataset="synthetic", epochs=1, batch_size=64, limit=320, test_limit=128, seed=4)
    return TrainConfig(**{**base, **changes})


def test_a_run_on_the_device_matches_the_cpu_run(tmp_path, monkeypatch):
    monkeypatch.setattr(trainer_module, "LOG_EVERY", 2)  # 5 steps: reads after 2, 4 and 5
    cpu = _trainer(tmp_path / "cpu", _config(device="cpu"))
    dev = _trainer(tmp_path / "dev", _config(device="test"))
    assert dev.resident is not None and cpu.resident is None
    assert isinstance(dev.resident.tensors[0].data, StrictArray)
    cpu_progress, dev_progress = cpu.fit(), dev.fit()
    assert len(dev_progress["step_loss"]) == 5 and dev_progress["step"] == 5
    np.testing.assert_allclose(dev_progress["step_loss"], cpu_progress["step_loss"], rtol=1e-4)
    assert dev_progress["history"]["train_accuracy"] == pytest.approx(
        cpu_progress["history"]["train_accuracy"]
    )
    assert dev.last_eval.accuracy == pytest.approx(cpu.last_eval.accuracy, abs=1 / 128)
    assert all(p.device == TEST_DEVICE for p in dev.model.parameters())


def test_resident_batches_are_the_loaders_batches(tmp_path):
    dev = _trainer(tmp_path, _config(device="test"))
    for (a, b), (x, y) in zip(dev.resident.batches(0, 1), trainer_module.run_data.batches_from(
        dev.train_loader, 0, 1
    )):  # fmt: skip
        np.testing.assert_array_equal(a.cpu().numpy(), x.numpy())
        np.testing.assert_array_equal(b.cpu().numpy(), y.numpy())


def test_augmented_batches_are_made_on_the_host_and_copied_over(tmp_path):
    dev = _trainer(tmp_path, _config(device="test", augment=True, limit=128))
    assert dev.resident is None
    progress = dev.fit()
    assert progress["step"] == 2 and np.isfinite(progress["step_loss"]).all()


def test_a_device_run_stopped_midway_resumes_on_the_cpu(tmp_path):
    config = _config(device="test", epochs=2)

    def stop(trainer):
        if trainer.progress["step"] == 3:
            trainer.request_stop()

    with pytest.raises(Interrupted) as stopped:
        _trainer(tmp_path, config, on_step=stop).fit()
    checkpoint = load_checkpoint(stopped.value.checkpoint)
    checkpoint["config"].device = "cpu"
    resumed = _trainer(tmp_path, checkpoint["config"], checkpoint=checkpoint)
    progress = resumed.fit()
    assert progress["step"] == 10 and all(
        isinstance(p.data, np.ndarray) for p in resumed.model.parameters()
    )
    whole = _trainer(tmp_path / "whole", _config(device="cpu", epochs=2)).fit()
    np.testing.assert_allclose(progress["step_loss"], whole["step_loss"], rtol=1e-3)


def test_evaluate_and_predict_follow_the_models_device(tmp_path):
    config = _config(device="test")
    dev = _trainer(tmp_path, config)
    _, test = datasets(config)
    result = evaluate(dev.model, trainer_module.run_data.test_loader(test, config))
    assert 0 <= result.accuracy <= 1 and result.confusion.sum() == 128
    probs = probabilities(dev.model, np.zeros((2, 28, 28), np.float32))
    assert probs.shape == (2, 10) and np.allclose(probs.sum(1), 1)


def test_device_option_errors():
    assert resolve("auto") == tg.device("cuda" if tg.cuda.is_available() else "cpu")
    with pytest.raises(ConfigError, match="--device 'gpu'"):
        _config(device="gpu").validate()
    if not tg.cuda.is_available():
        with pytest.raises(ConfigError, match="--device cuda: CUDA is not available"):
            _config(device="cuda").validate()

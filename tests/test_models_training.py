"""LeNet-5, the registry and the trainer on synthetic digits: learning, run folder, exact resume."""

import json
import os
import signal

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.models import LeNet5, create_model, model_names, register_model
from tensorgrad.models.builders import build_model
from tensorgrad.models.checkpoint import load_checkpoint
from tensorgrad.models.config import ConfigError, TrainConfig
from tensorgrad.models.data import datasets
from tensorgrad.models.trainer import Interrupted, Trainer


def test_lenet5_shapes_parameters_and_variants():
    tg.manual_seed(0)
    x = tg.randn(2, 1, 28, 28)
    modern, classic = LeNet5(), LeNet5(classic=True)
    assert modern(x).shape == (2, 10) and classic(x).shape == (2, 10)
    # 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706, as in LeCun et al.'s C1-F6 plus the output
    assert sum(p.numel() for p in modern.parameters()) == 61_706
    kinds = {type(m).__name__ for m in modern.modules()}
    assert {"ReLU", "MaxPool2d"} <= kinds and not {"Tanh", "AvgPool2d"} & kinds
    kinds = {type(m).__name__ for m in classic.modules()}
    assert {"Tanh", "AvgPool2d"} <= kinds and not {"ReLU", "MaxPool2d"} & kinds


def test_state_dict_round_trip_through_safetensors(tmp_path):
    model = LeNet5()
    tg.save(model.state_dict(), tmp_path / "w.safetensors")
    other = LeNet5()
    other.load_state_dict(tg.load(tmp_path / "w.safetensors"))
    x = tg.randn(3, 1, 28, 28)
    np.testing.assert_array_equal(model(x).data, other(x).data)


def test_registry_plugs_in_new_models_and_refuses_unknown_names():
    assert "lenet5" in model_names()
    with pytest.raises(ValueError, match="unknown model 'nope'.*lenet5"):
        create_model("nope")

    @register_model("tiny-test-net")
    class Tiny(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = tg.nn.Linear(784, 10)

        def forward(self, x):
            return self.fc(x.reshape(x.shape[0], -1))

    assert isinstance(build_model(TrainConfig(model="tiny-test-net")), Tiny)
    with pytest.raises(ConfigError, match="--classic: model 'tiny-test-net' has no such option"):
        build_model(TrainConfig(model="tiny-test-net", model_options={"classic": True}))


def _config(**changes) -> TrainConfig:
    base = dict(dataset="synthetic", epochs=2, batch_size=64, limit=384, test_limit=200, seed=3)
    return TrainConfig(**{**base, **changes})


def _trainer(folder, config, checkpoint=None, on_step=None) -> Trainer:
    train, test = datasets(config)
    return Trainer(config, folder, train, test, checkpoint=checkpoint, show_progress=False,
                   echo=lambda line: None, on_step=on_step)  # fmt: skip


def _stop_at(step: int):
    def on_step(trainer: Trainer) -> None:
        if trainer.progress["step"] == step:
            trainer.request_stop()

    return on_step


def test_trainer_learns_synthetic_digits_and_writes_checkpoints(tmp_path):
    trainer = _trainer(tmp_path, _config(epochs=3, limit=1024))
    progress = trainer.fit()
    assert progress["epoch"] == 3 and progress["step"] == 3 * 16
    assert trainer.last_eval.accuracy > 0.9
    history = progress["history"]
    assert history["test_loss"][-1] < history["test_loss"][0]
    assert len(progress["step_loss"]) == 48 and len(progress["epoch_seconds"]) == 3
    assert (tmp_path / "model.safetensors").is_file() and (
        tmp_path / "checkpoint.safetensors"
    ).is_file()
    saved = load_checkpoint(tmp_path / "checkpoint.safetensors")
    assert saved["progress"]["epoch"] == 3 and saved["config"] == trainer.config


def _weights(model) -> dict:
    return {k: np.array(v.data) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("optimizer, schedule, augment", [
    ("adam", "onecycle", True), ("sgd", "step", False), ("sgd", "cosine", True),
])  # fmt: skip
@pytest.mark.parametrize("stop", [4, 6])  # mid-epoch and exactly at the end of epoch 1
def test_interrupted_and_resumed_run_is_bit_identical(tmp_path, optimizer, schedule, augment, stop):
    config = _config(optimizer=optimizer, schedule=schedule, augment=augment)
    straight = _trainer(tmp_path / "straight", config)
    straight.fit()

    with pytest.raises(Interrupted) as info:
        _trainer(tmp_path / "split", config, on_step=_stop_at(stop)).fit()
    checkpoint = load_checkpoint(info.value.checkpoint)
    assert checkpoint["progress"]["step"] == stop
    assert (checkpoint["progress"]["epoch"], checkpoint["progress"]["batch"]) == divmod(stop, 6)
    resumed = _trainer(tmp_path / "split", checkpoint["config"], checkpoint=checkpoint)
    resumed.fit()

    a, b = _weights(straight.model), _weights(resumed.model)
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert straight.progress["history"] == resumed.progress["history"]
    assert straight.progress["step_loss"] == resumed.progress["step_loss"]
    assert np.array_equal(straight.last_eval.confusion, resumed.last_eval.confusion)


def test_ctrl_c_requests_a_clean_stop_with_a_checkpoint(tmp_path):
    def press_ctrl_c(trainer):
        if trainer.progress["step"] == 2:
            os.kill(os.getpid(), signal.SIGINT)

    previous = signal.getsignal(signal.SIGINT)
    with pytest.raises(Interrupted) as info:
        _trainer(tmp_path, _config(), on_step=press_ctrl_c).fit()
    assert signal.getsignal(signal.SIGINT) is previous  # the handler is restored
    # the signal arrives during step 2's callback; the stop happens right after that step
    progress = load_checkpoint(info.value.checkpoint)["progress"]
    assert (progress["epoch"], progress["batch"], progress["step"]) == (0, 2, 2)


def test_metrics_json_is_consistent(tmp_path):
    from tensorgrad.models.report import finish_run

    config = _config(epochs=1)
    trainer = _trainer(tmp_path, config)
    trainer.fit()
    lines = []
    metrics = finish_run(trainer, echo=lines.append)
    on_disk = json.loads((tmp_path / "metrics.json").read_text())
    assert on_disk == json.loads(json.dumps(metrics))
    cm = np.array(on_disk["confusion_matrix"])
    assert cm.sum() == 200 and on_disk["test_accuracy"] == np.trace(cm) / 200
    assert on_disk["model"] == on_disk["variant"] == "lenet5" and on_disk["seed"] == 3
    assert on_disk["model_options"] == {"classic": False}
    assert on_disk["config"]["lr"] == config.resolved_lr()
    assert len(on_disk["per_class_accuracy"]) == 10 and len(on_disk["epoch_seconds"]) == 1
    assert on_disk["images_per_second"] > 0
    for name in ("curves.png", "class_accuracy.png", "confusion_matrix.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = "\n".join(lines)
    assert "worst mistake" in text and "all" in text and "test accuracy" in text

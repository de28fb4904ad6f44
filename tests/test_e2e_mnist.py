"""End to end on the real MNIST: ``tensorgrad train`` for one epoch, then check everything
the run leaves behind, evaluate the saved weights afresh, and read digits drawn here."""

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

import tensorgrad as tg
from tensorgrad.models import LeNet5
from tensorgrad.models.cli import main

pytestmark = pytest.mark.network

SCALARS = {"loss/train_step", "lr", "loss/train", "loss/test", "accuracy/train", "accuracy/test"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e") / "lenet5"
    assert main(["train", "--epochs", "1", "--out", str(folder), "--no-progress"]) == 0
    return folder


def test_one_epoch_reaches_97_5_percent(run):
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.975, metrics["test_accuracy"]
    assert metrics["model"] == "lenet5" and metrics["config"]["epochs"] == 1
    assert np.array(metrics["confusion_matrix"]).sum() == 10_000
    assert len(metrics["epoch_seconds"]) == 1 and metrics["images_per_second"] > 0


def test_saved_weights_evaluate_to_the_reported_metrics(run):
    from tensorgrad.models.config import TrainConfig
    from tensorgrad.models.data import datasets, test_loader
    from tensorgrad.models.evaluation import evaluate

    model = LeNet5()
    model.load_state_dict(tg.load(run / "model.safetensors"))
    config = TrainConfig()
    result = evaluate(model, test_loader(datasets(config)[1], config))
    metrics = json.loads((run / "metrics.json").read_text())
    assert result.confusion.tolist() == metrics["confusion_matrix"]
    assert result.accuracy == metrics["test_accuracy"]
    assert result.loss == pytest.approx(metrics["test_loss"], rel=1e-6)


def test_tensorboard_events_hold_every_tag(run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    tags = events.Tags()
    assert SCALARS | {f"class_accuracy/{d}" for d in range(10)} <= set(tags["scalars"])
    assert "weights/features.0.weight" in tags["histograms"]
    assert "grads/classifier.5.weight" in tags["histograms"]
    assert tags["images"] == ["confusion_matrix"]
    metrics = json.loads((run / "metrics.json").read_text())
    steps = -(-60_000 // metrics["config"]["batch_size"])
    assert [e.step for e in events.Scalars("loss/train_step")] == list(range(1, steps + 1))
    assert events.Scalars("accuracy/test")[-1].value == pytest.approx(metrics["test_accuracy"])
    for name in ("curves.png", "class_accuracy.png", "confusion_matrix.png"):
        with Image.open(run / name) as image:
            assert image.format == "PNG" and image.width > 300


def _drawn(digit: int) -> Image.Image:
    """A digit drawn with thick strokes, dark on a light, non-square canvas."""
    image = Image.new("L", (300, 400), 245)
    draw = ImageDraw.Draw(image)
    if digit == 0:
        draw.ellipse([80, 70, 220, 330], outline=20, width=28)
    elif digit == 1:
        draw.line([(150, 60), (150, 340)], fill=20, width=30)
    elif digit == 7:
        draw.line([(70, 80), (230, 80), (120, 340)], fill=20, width=28, joint="curve")
    return image


def test_predict_reads_hand_drawn_digits(run, tmp_path, capsys):
    paths = []
    for digit in (0, 1, 7):
        paths.append(tmp_path / f"drawn{digit}.png")
        _drawn(digit).save(paths[-1])
    assert main(["predict", *map(str, paths), "--checkpoint", str(run)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    for line, digit in zip(lines, (0, 1, 7), strict=True):
        assert line.split(": ", 1)[1].startswith(f"{digit} ("), line

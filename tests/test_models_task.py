"""The Task seam end to end: a test-only character-level language task (a toy corpus of names,
a bigram-sized model) trained by ``tensorgrad train`` with everything train gives: the run
folder, TensorBoard, Ctrl-C and an exact resume, its own metrics, and a subcommand of its own."""

import json
import math
from dataclasses import dataclass

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from test_models_training import _stop_at

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.models import commands
from tensorgrad.models.argtypes import positive_int
from tensorgrad.models.arguments import add_weights
from tensorgrad.models.cli import build_parser, main
from tensorgrad.models.options import ModelOption
from tensorgrad.models.registry import model_task, register_model
from tensorgrad.models.task import Final, Step, Task
from tensorgrad.nn import functional as F

SYLLABLES = ["an", "na", "li", "sa", "mo", "ra", "el", "to"]
ALPHABET = "." + "".join(sorted(set("".join(SYLLABLES))))  # "." starts and ends a name
IGNORE = -100  # the targets after a name's end: cross_entropy's default ignore_index


def toy_names(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(SYLLABLES, size=rng.integers(1, 4))) for _ in range(n)]


def encode(names: list[str]):
    """Inputs ``.name`` and targets ``name.``, padded to one length (targets with IGNORE)."""
    length = max(map(len, names)) + 1
    x = np.zeros((len(names), length), np.int64)
    y = np.full((len(names), length), IGNORE, np.int64)
    for row, name in enumerate(names):
        ids = [ALPHABET.index(c) for c in name]
        x[row, 1 : len(ids) + 1] = ids
        y[row, : len(ids) + 1] = [*ids, 0]
    return tg.data.TensorDataset(x, y)


@dataclass
class LanguageEval:
    loss: float  # nats per character


class ToyNames(Task):
    name = "toy language modelling"
    datasets = ("toy-names",)
    unit, unit_short = "character", "char"
    history = ("train_loss", "val_loss")

    def data(self, config):
        return encode(toy_names(192, seed=1)), encode(toy_names(64, seed=2))

    def step(self, model, batch, config) -> Step:
        x, y = batch
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(ALPHABET)), y.reshape(-1))
        return Step(loss, (y != IGNORE).sum())

    def evaluate(self, model, loader) -> LanguageEval:
        total, count, was_training = 0.0, 0, model.training
        model.eval()
        with tg.no_grad():
            for x, y in loader:
                logits = model(x).reshape(-1, len(ALPHABET))
                total += F.cross_entropy(logits, y.reshape(-1), reduction="sum").item()
                count += int((y != IGNORE).sum().item())
        model.train(was_training)
        return LanguageEval(total / count)

    def describe_data(self, train_set) -> str:
        return f"{len(train_set)} training names"  # the count unit is the character

    def epoch_row(self, running, result) -> dict:
        return {"train_loss": running["loss_sum"] / running["seen"], "val_loss": result.loss}

    def finish(self, trainer) -> Final:
        test_set = encode(toy_names(64, seed=3))
        test = self.evaluate(trainer.model, self.eval_loader(test_set, trainer.config))
        uniform = math.log(len(ALPHABET))
        metrics = {"test_loss": test.loss, "uniform_test_loss": uniform}
        headline = f"test loss {test.loss:.3f} nats/char (uniform {uniform:.3f})"
        return Final(metrics, headline=headline)


def add_sample_parser(subparsers) -> None:
    p = subparsers.add_parser("toy-sample", help="names from a trained toy language model")
    add_weights(p, model_flags=False)
    p.add_argument("-n", type=positive_int, default=5, help="how many names")
    p.add_argument("--seed", type=int, default=0, help="seeds the sampling")


def sample(args) -> int:
    model, _, _ = commands.load_model(args)
    rng = np.random.default_rng(args.seed)
    for _ in range(args.n):
        ids = [0]
        while len(ids) < 12:
            with tg.no_grad():
                logits = model(tg.tensor(np.array([ids])))[0, -1]
            probs = tg.softmax(logits, dim=0).numpy().astype(np.float64)
            ids.append(int(rng.choice(len(ALPHABET), p=probs / probs.sum())))
            if ids[-1] == 0:
                break
        print("".join(ALPHABET[i] for i in ids[1:]).rstrip("."))
    return 0


TOY_NAMES = ToyNames()
TOY_NAMES.commands = {"toy-sample": (add_sample_parser, sample)}


class ToyLM(nn.Module):
    """Each character's embedding, read out as the next character's logits (a bigram model)."""

    def __init__(self, toy_width: int = 8) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(ALPHABET), toy_width)
        self.out = nn.Linear(toy_width, len(ALPHABET))

    def forward(self, x):
        return self.out(self.embed(x))


WIDTH = ModelOption("toy_width", "embedding width", type=positive_int)
register_model("toy-lm", defaults={"epochs": 3, "batch_size": 32, "lr": 0.05},
               options=[WIDTH], task=TOY_NAMES)(ToyLM)  # fmt: skip
TRAIN = ["train", "--model", "toy-lm", "--no-progress"]


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy") / "straight"
    assert main([*TRAIN, "--toy-width", "12", "--out", str(folder)]) == 0
    return folder


def test_the_task_and_its_dataset_come_with_the_model():
    assert model_task("toy-lm") is TOY_NAMES and model_task("lenet5").name == "image classification"
    args = build_parser().parse_args(TRAIN)
    assert "dataset" not in vars(args)  # the task's first dataset is the default: toy-names
    assert main([*TRAIN, "--dataset", "mnist"]) == 2  # not a data set of this task


def test_a_language_run_trains_and_reports_its_own_figures(straight, capsys):
    metrics = json.loads((straight / "metrics.json").read_text())
    assert metrics["variant"] == "toy-lm-toy-width-12" and metrics["model_options"] == {
        "toy_width": 12
    }  # fmt: skip
    assert set(metrics["history"]) == {"train_loss", "val_loss", "lr"}
    assert len(metrics["epoch_seconds"]) == 3 and metrics["characters_per_second"] > 0
    assert "test_accuracy" not in metrics
    # a bigram of 8 syllables is far more predictable than the uniform guess
    assert metrics["test_loss"] < metrics["uniform_test_loss"] - 0.5
    assert metrics["history"]["val_loss"][-1] < metrics["history"]["val_loss"][0]
    events = EventAccumulator(str(straight))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"loss/train_step", "lr", "loss/train", "loss/val"} <= tags
    assert not [tag for tag in tags if tag.startswith("accuracy")]


def test_a_language_run_interrupted_and_resumed_ends_bit_identical(straight, tmp_path, capsys):
    folder = tmp_path / "split"
    args = build_parser().parse_args([*TRAIN, "--toy-width", "12", "--out", str(folder)])
    assert commands.train(args, on_step=_stop_at(8)) == 130
    out = capsys.readouterr().out
    assert "toy-lm-toy-width-12, " in out and "; 192 training names, 3 epochs of 6" in out
    assert "epoch 1/3  train loss " in out and "  val loss " in out
    assert main(["train", "--resume", str(folder), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "char/s" in out and "nats/char" in out and "img/s" not in out
    a, b = tg.load(straight / "model.safetensors"), tg.load(folder / "model.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key].numpy(), b[key].numpy()), key
    first, second = (json.loads((f / "metrics.json").read_text()) for f in (straight, folder))
    assert first["history"] == second["history"]


def test_a_task_brings_its_own_subcommand(straight, capsys):
    assert main(["toy-sample", "--checkpoint", str(straight), "-n", "6", "--seed", "1"]) == 0
    names = capsys.readouterr().out.splitlines()
    assert len(names) == 6 and all(set(name) <= set(ALPHABET[1:]) for name in names)
    assert main(["toy-sample", "--checkpoint", str(straight), "-n", "6", "--seed", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == names  # reproducible by seed
    status = main(["evaluate", "--checkpoint", str(straight)])  # not an image classifier
    err = capsys.readouterr().err
    assert status == 1 and "toy language modelling model, not an image classifier" in err
    assert "toy-sample" in err


def test_serve_lists_only_the_runs_of_image_classifiers(straight):
    from tensorgrad.models.serve.catalog import Catalog

    assert (straight / "model.safetensors").is_file()
    assert Catalog.scan(straight.parent).runs == {}

"""``tensorgrad train --model namegpt`` and ``tensorgrad sample`` on a tiny corpus made here
(the corpus loader is replaced): the run's figures, TensorBoard, an exact resume, the
self-describing weights file, sampling by seed and greedy, and the one-line errors."""

import json

import numpy as np
import pytest
from safetensors import safe_open
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from test_cli import _one_line_error
from test_models_training import _stop_at

import tensorgrad as tg
from tensorgrad.models import LeNet5, commands, create_model
from tensorgrad.models.builders import build_optimizer
from tensorgrad.models.checkpoint import save_weights
from tensorgrad.models.cli import build_parser, main
from tensorgrad.models.config import TrainConfig
from tensorgrad.models.namegpt import (
    RECIPE,
    BigramModel,
    Corpus,
    NameDataset,
    Vocab,
    split_by_name,
    split_loss,
)
from tensorgrad.models.namegpt import task as names_task

SYLLABLES = ["an", "na", "li", "sa", "mo", "ra", "el", "to", "ki"]
SMALL = ["--dim", "16", "--depth", "1", "--heads", "2", "--block-size", "10"]
TRAIN = ["train", "--model", "namegpt", "--no-progress", "--epochs", "2", "--batch-size", "32",
         "--lr", "0.01", *SMALL]  # fmt: skip
VARIANT = "namegpt-block-size-10-dim-16-depth-1-heads-2"


def tiny_corpus() -> Corpus:
    """Distinct names of one to four syllables, split 80/10/10 by name as the real corpus."""
    rng = np.random.default_rng(0)
    names = {"".join(rng.choice(SYLLABLES, size=rng.integers(1, 5))) for _ in range(600)}
    train, valid, test = split_by_name(sorted(names))
    return Corpus(train, valid, test, "tiny syllable names")


@pytest.fixture(scope="module", autouse=True)
def corpus():
    """Every test of this file sees the tiny corpus, never the network."""
    made = tiny_corpus()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(names_task, "load_corpus", lambda root=None: made)
        yield made


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    folder = tmp_path_factory.mktemp("namegpt") / "straight"
    assert main([*TRAIN, "--out", str(folder)]) == 0
    return folder


def metrics_of(folder) -> dict:
    return json.loads((folder / "metrics.json").read_text())


def test_the_recipe_is_the_default_of_a_namegpt_run():
    config = TrainConfig.for_model("namegpt").validate()
    assert config.dataset == "names" and config.optimizer == "adamw"
    assert (config.epochs, config.lr, config.weight_decay) == (6, 3e-3, 0.01)
    assert {k: getattr(config, k) for k in RECIPE} == RECIPE
    assert config.model_options == {"chars": "abcdefghijklmnopqrstuvwxyz", "block_size": 16,
                                    "dim": 64, "depth": 2, "heads": 4, "dropout": 0.0}  # fmt: skip
    optimizer = build_optimizer(config, create_model("namegpt", dim=8, heads=2))
    assert type(optimizer).__name__ == "AdamW"
    assert optimizer.param_groups[0]["weight_decay"] == 0.01


def test_a_run_reports_the_test_loss_against_the_bigram(straight, corpus):
    metrics = metrics_of(straight)
    assert metrics["variant"] == VARIANT and metrics["model_options"]["chars"] == (
        "abcdefghijklmnopqrstuvwxyz"
    )  # fmt: skip
    assert set(metrics["history"]) == {"train_loss", "val_loss", "lr"}
    assert len(metrics["epoch_seconds"]) == 2 and metrics["characters_per_second"] > 0
    vocab = Vocab(metrics["model_options"]["chars"])
    bigram = BigramModel.tuned(corpus.train, corpus.valid, vocab)
    assert metrics["bigram_test_loss"] == pytest.approx(bigram.loss(corpus.test), rel=1e-12)
    assert metrics["bigram_k"] == bigram.k and metrics["test_names"] == len(corpus.test)
    model = create_model("namegpt", **metrics["model_options"])
    model.load_state_dict(tg.load(straight / "model.safetensors"))
    test_set = NameDataset(corpus.test, vocab, block_size=10)
    assert metrics["test_loss"] == pytest.approx(split_loss(model, test_set), rel=1e-5)
    # 2 epochs of a tiny model: well below the uniform guess over 27 tokens (3.30 nats)
    assert metrics["test_loss"] < np.log(27) - 0.5
    assert metrics["history"]["val_loss"][-1] < metrics["history"]["val_loss"][0]
    assert len(metrics["samples"]) == 10 and "test_accuracy" not in metrics


def test_limit_and_test_limit_cut_the_splits(corpus, tmp_path, capsys):
    folder = tmp_path / "limited"
    argv = [*TRAIN, "--epochs", "1", "--limit", "40", "--test-limit", "12", "--out", str(folder)]
    assert main(argv) == 0
    assert "; 40 training names (" in capsys.readouterr().out
    metrics = metrics_of(folder)
    assert metrics["test_names"] == 12 and metrics["epochs_completed"] == 1
    vocab = Vocab(metrics["model_options"]["chars"])
    bigram = BigramModel.tuned(corpus.train[:40], corpus.valid[:12], vocab)
    assert metrics["bigram_test_loss"] == pytest.approx(bigram.loss(corpus.test[:12]), rel=1e-12)


def test_the_run_logs_losses_lr_and_histograms_to_tensorboard(straight):
    events = EventAccumulator(str(straight))
    events.Reload()
    tags = events.Tags()
    assert {"loss/train_step", "lr", "loss/train", "loss/val"} <= set(tags["scalars"])
    assert "weights/head.weight" in tags["histograms"] and "grads/head.weight" in tags["histograms"]
    val = [event.value for event in events.Scalars("loss/val")]
    assert val == pytest.approx(metrics_of(straight)["history"]["val_loss"])


def test_the_weights_file_names_the_vocabulary(straight):
    with safe_open(str(straight / "model.safetensors"), "np") as f:
        metadata = f.metadata()
    assert metadata["model"] == "namegpt"
    assert json.loads(metadata["model_options"])["chars"] == "abcdefghijklmnopqrstuvwxyz"


def test_an_interrupted_and_resumed_run_ends_bit_identical(straight, corpus, tmp_path, capsys):
    folder = tmp_path / "split"
    args = build_parser().parse_args([*TRAIN, "--out", str(folder)])
    assert commands.train(args, on_step=_stop_at(7)) == 130  # mid-epoch 1
    out = capsys.readouterr().out
    batches = -(-len(corpus.train) // 32)
    assert f"{VARIANT}, " in out and f"; {len(corpus.train)} training names (" in out
    assert f"2 epochs of {batches} batches of 32; adamw lr 0.01" in out
    assert main(["train", "--resume", str(folder), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "resuming at epoch 1, batch 7" in out and "val loss " in out and "nats/char" in out
    assert "the bigram's" in out and "samples (seed 0): " in out
    a, b = tg.load(straight / "model.safetensors"), tg.load(folder / "model.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key].numpy(), b[key].numpy()), key
    first, second = metrics_of(straight), metrics_of(folder)
    for key in ("history", "test_loss", "bigram_test_loss", "samples"):
        assert first[key] == second[key], key


def sample_names(capsys, folder, *flags) -> list[str]:
    assert main(["sample", "--checkpoint", str(folder), *flags]) == 0
    return capsys.readouterr().out.splitlines()


def test_sample_is_reproducible_by_seed_and_needs_no_corpus(straight, capsys, monkeypatch):
    def no_corpus(root=None):
        raise AssertionError("sample read the corpus")

    monkeypatch.setattr(names_task, "load_corpus", no_corpus)
    names = sample_names(capsys, straight, "-n", "12", "--seed", "3")
    assert len(names) == 12 and all(name.isascii() and name.isalpha() for name in names if name)
    assert sample_names(capsys, straight, "-n", "12", "--seed", "3") == names
    assert sample_names(capsys, straight, "-n", "12", "--seed", "4") != names
    hot = sample_names(capsys, straight, "-n", "12", "--seed", "3", "--temperature", "3")
    assert hot != names and len(sample_names(capsys, straight)) == 20


def test_top_k_one_samples_the_greedy_name(straight, capsys):
    model = create_model("namegpt", **metrics_of(straight)["model_options"]).eval()
    model.load_state_dict(tg.load(straight / "model.safetensors"))
    vocab, ids = Vocab("abcdefghijklmnopqrstuvwxyz"), [0]
    with tg.no_grad():
        while len(ids) <= model.block_size:
            ids.append(int(model(tg.tensor(np.array([ids]))).numpy()[0, -1].argmax()))
            if ids[-1] == vocab.boundary:
                break
    greedy = vocab.decode(ids)
    assert sample_names(capsys, straight, "-n", "3", "--top-k", "1", "--seed", "7") == [greedy] * 3


@pytest.mark.parametrize("flags, fragments", [
    (["--temperature", "0"], ["--temperature: expected a number in (0, inf), got '0'"]),
    (["--temperature", "nan"], ["--temperature", "'nan'"]),
    (["--top-k", "0"], ["--top-k: expected a positive integer, got '0'"]),
    (["--top-k", "28"], ["--top-k 28: choose 1..27"]),
    (["-n", "-1"], ["-n: expected a positive integer"]),
])  # fmt: skip
def test_bad_sampling_arguments_exit_2_with_one_line(straight, capsys, flags, fragments):
    status = main(["sample", "--checkpoint", str(straight), *flags])
    _one_line_error(capsys, status, 2, *fragments)


def test_sample_refuses_a_checkpoint_of_another_task(tmp_path, capsys):
    save_weights(tmp_path / "model.safetensors", LeNet5(), TrainConfig())
    status = main(["sample", "--checkpoint", str(tmp_path)])
    _one_line_error(capsys, status, 1, "lenet5 (image classification) draws no names",
                    "--model namegpt")  # fmt: skip
    status = main(["sample", "--checkpoint", str(tmp_path / "none.safetensors")])
    _one_line_error(capsys, status, 1, "none.safetensors: no such file")


def test_a_namegpt_run_is_refused_by_the_image_commands(straight, capsys):
    status = main(["evaluate", "--checkpoint", str(straight)])
    _one_line_error(capsys, status, 1, "namegpt is a language modelling model", "sample")


@pytest.mark.parametrize("flags, status, fragments", [
    (["--heads", "3"], 2, ["--heads 3 must divide --dim 16"]),
    (["--chars", "abc.d"], 2, ["--chars: expected distinct characters other than '.'"]),
    (["--chars", "aeiklmnors"], 1, ["the names corpus uses 't'", "--chars 'aeiklmnors' lacks"]),
    (["--block-size", "6"], 1, ["a block of 6 holds names of at most 5"]),
    (["--dropout", "1.5"], 2, ["--dropout: expected a number in [0, 1)"]),
    (["--dataset", "mnist"], 2, ["--dataset", "'mnist'"]),
])  # fmt: skip
def test_bad_model_options_exit_with_one_line(tmp_path, capsys, flags, status, fragments):
    argv = [*TRAIN, *flags, "--out", str(tmp_path / "run")]
    _one_line_error(capsys, main(argv), status, *fragments)


def test_a_run_on_the_test_device_matches_the_cpu_run(straight, tmp_path, monkeypatch):
    from tensorgrad.models import trainer as trainer_module
    from tensorgrad.testing.device import TEST_DEVICE

    monkeypatch.setattr(trainer_module, "LOG_EVERY", 4)  # losses read back every 4 steps
    folder = tmp_path / "device"
    # resident batches on the device are padded to the longest name of all, the CPU's to the
    # longest of each batch: the causal mask keeps the padding out of every real position
    assert main([*TRAIN, "--device", TEST_DEVICE.type, "--out", str(folder)]) == 0
    cpu, dev = metrics_of(straight), metrics_of(folder)
    for key in ("train_loss", "val_loss"):
        assert dev["history"][key] == pytest.approx(cpu["history"][key], rel=1e-4), key
    assert dev["test_loss"] == pytest.approx(cpu["test_loss"], rel=1e-4)
    assert dev["bigram_test_loss"] == cpu["bigram_test_loss"]

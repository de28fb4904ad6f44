"""Model options declared where a model registers: flags, checks, variant names, the saved config,
--resume, weights files that describe the variant they hold, and run folders from before."""

import json
import shutil

import numpy as np
import pytest
from test_models_training import _stop_at

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.models import commands
from tensorgrad.models.argtypes import positive_int
from tensorgrad.models.checkpoint import FORMAT, read_description
from tensorgrad.models.cli import build_parser, main
from tensorgrad.models.config import ConfigError, TrainConfig
from tensorgrad.models.options import ModelOption
from tensorgrad.models.registry import (
    model_options,
    options_from_flags,
    register_model,
    resolve_options,
    variant_name,
)
from tensorgrad.models.synthetic import draw_digit

QUICK = ["--dataset", "synthetic", "--limit", "256", "--test-limit", "100", "--batch-size", "64",
         "--no-progress"]  # fmt: skip


class PatchNet(nn.Module):
    """A ViT-shaped MNIST classifier in miniature: patches, ``depth`` blocks, mean pooling."""

    def __init__(self, depth: int = 2, patch_size: int = 4, num_classes: int = 10) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.embed = nn.Linear(patch_size * patch_size, 16)
        self.blocks = nn.Sequential(*[nn.Sequential(nn.Linear(16, 16), nn.ReLU())
                                      for _ in range(depth)])  # fmt: skip
        self.head = nn.Linear(16, num_classes)

    def forward(self, x):
        n, p = x.shape[0], self.patch_size
        patches = x.reshape(n, 28 // p, p, 28 // p, p).permute(0, 1, 3, 2, 4).reshape(n, -1, p * p)
        return self.head(self.blocks(self.embed(patches)).mean(1))


class RowNet(nn.Module):
    """Sequential MNIST: the 28 rows through ``depth`` layers of an LSTM or a GRU."""

    def __init__(self, cell: str = "lstm", depth: int = 1) -> None:
        super().__init__()
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(28, 16, num_layers=depth,
                                                            batch_first=True)  # fmt: skip
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        out, _ = self.rnn(x.reshape(x.shape[0], 28, 28))
        return self.head(out[:, -1])


register_model("test-vit", options=[
    ModelOption("depth", "encoder blocks", type=positive_int),
    ModelOption("patch_size", "patch side", type=positive_int),
])(PatchNet)  # fmt: skip
register_model("test-rnn", options=[
    ModelOption("cell", "recurrent cell", choices=("lstm", "gru")),
    ModelOption("depth", "stacked layers", type=positive_int),
])(RowNet)  # fmt: skip


# -- declarations ------------------------------------------------------------------------------
def test_a_declaration_takes_its_default_and_flag_from_the_constructor():
    by_name = {o.name: o for o in model_options("test-vit") + model_options("test-rnn")}
    assert (by_name["depth"].default, by_name["patch_size"].flag) == (1, "--patch-size")
    assert [(o.flag, o.default) for o in model_options("test-vit")] == [
        ("--depth", 2), ("--patch-size", 4)]  # fmt: skip
    assert [(o.flag, o.default) for o in model_options("reslenet")] == [
        ("--no-skip", True), ("--no-batchnorm", True)]  # fmt: skip
    assert model_options("lenet5")[0].flag == "--classic"
    vit = variant_name("test-vit", {"depth": 4, "patch_size": 7})
    assert vit == "test-vit-depth-4-patch-size-7"
    assert variant_name("test-rnn", {"cell": "gru", "depth": 1}) == "test-rnn-cell-gru"
    assert variant_name("reslenet", {"skip": False, "batchnorm": False}) == (
        "reslenet-no-skip-no-batchnorm")  # fmt: skip


@pytest.mark.parametrize("options, message", [
    ([ModelOption("width", "x")], "'width' is not a parameter of PatchNet"),
    ([ModelOption("depth", "x", default=3)], "default 3 differs from the constructor's 2"),
    ([ModelOption("depth", "x", choices=(5, 6))], "default 2 is not one of"),
    ([ModelOption("depth", "x"), ModelOption("depth", "y", flag="--d")], "name is declared twice"),
    ([ModelOption("depth", "x", type=None)], "--depth means something else for model '"),
])  # fmt: skip
def test_registration_refuses_declarations_that_cannot_work(options, message):
    with pytest.raises(ValueError, match=message):
        register_model("test-refused", options=options)(PatchNet)


def test_values_are_checked_with_the_flag_in_the_message():
    assert resolve_options("test-rnn", {"cell": "gru"}) == {"cell": "gru", "depth": 1}
    for given, message in [
        ({"cell": "rnn"}, "--cell 'rnn': choose one of lstm, gru"),
        ({"depth": 0}, "--depth 0: expected a positive integer"),
        ({"depth": True}, "--depth True: expected an integer"),
        ({"skip": False}, "--no-skip: model 'test-rnn' has no such option (reslenet has it"),
        ({"bogus": 1}, "option 'bogus': model 'test-rnn' has no such option"),
    ]:
        with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
            resolve_options("test-rnn", given)
    assert options_from_flags("test-vit", {"--depth": 4}) == {"depth": 4}


# -- the command line ----------------------------------------------------------------------------
def test_train_help_lists_each_model_option_with_its_models(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "model options" in text and "--no-skip reslenet: without its skip connections" in text
    assert "--classic lenet5: LeNet-5 as in 1998" in text
    assert "--depth DEPTH namegpt: transformer blocks (default: 2); test-rnn: stacked layers " \
           "(default: 1); test-vit: encoder blocks (default: 2); vit: transformer blocks " \
           "(default: 4)" in text  # fmt: skip
    assert "--cell {lstm,gru} lstm: recurrent cell (default: lstm); test-rnn: recurrent cell " \
           "(default: lstm)" in text  # fmt: skip


@pytest.mark.parametrize("argv, fragments", [
    (["--model", "test-vit", "--depth", "0"], ["--depth", "'0'", "positive integer"]),
    (["--model", "test-rnn", "--cell", "rnn"], ["--cell", "invalid choice", "'rnn'"]),
    (["--cell", "gru"], ["--cell: model 'lenet5' has no such option (lstm, test-rnn have it; "
                         "lenet5 takes --classic)"]),
    (["--model", "test-vit", "--classic"], ["--classic: model 'test-vit' has no such option"]),
])  # fmt: skip
def test_a_bad_model_option_exits_2_before_any_run_folder(argv, fragments, tmp_path, capsys):
    assert main(["train", *argv, *QUICK, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert all(fragment in err for fragment in fragments), err
    assert not (tmp_path / "run").exists()


@pytest.fixture(scope="module")
def vit_run(tmp_path_factory):
    """A one-epoch run of test-vit --depth 3 --patch-size 7 (4 steps)."""
    root = tmp_path_factory.mktemp("options")
    args = ["train", "--model", "test-vit", "--depth", "3", "--patch-size", "7", *QUICK,
            "--epochs", "1", "--out", str(root / "run")]  # fmt: skip
    assert main(args) == 0
    return root / "run"


def test_the_run_saves_and_names_its_variant(vit_run):
    metrics = json.loads((vit_run / "metrics.json").read_text())
    assert metrics["model"] == "test-vit" and metrics["variant"] == "test-vit-depth-3-patch-size-7"
    assert metrics["model_options"] == metrics["config"]["model_options"] == {
        "depth": 3, "patch_size": 7}  # fmt: skip
    for name in ("model.safetensors", "checkpoint.safetensors"):
        assert read_description(vit_run / name) == ("test-vit", {"depth": 3, "patch_size": 7})
    config = commands.load_checkpoint(vit_run / "checkpoint.safetensors")["config"]
    assert config.model_options == {"depth": 3, "patch_size": 7}


def test_the_default_run_folder_is_named_by_the_variant(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--model", "test-rnn", "--cell", "gru", *QUICK, "--limit", "64",
                 "--epochs", "1"]) == 0  # fmt: skip
    (folder,) = (tmp_path / "runs").iterdir()
    assert folder.name.startswith("test-rnn-cell-gru-")


def test_a_weights_file_alone_rebuilds_its_variant(vit_run, tmp_path, capsys):
    alone = tmp_path / "elsewhere.safetensors"  # no run folder, no metrics.json, no --model
    shutil.copy(vit_run / "model.safetensors", alone)
    assert main(["evaluate", "--checkpoint", str(alone), "--json", "--dataset", "synthetic",
                 "--test-limit", "100"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    metrics = json.loads((vit_run / "metrics.json").read_text())
    assert result["variant"] == "test-vit-depth-3-patch-size-7"
    assert result["test_loss"] == metrics["test_loss"]  # the same model, exactly
    digit = tmp_path / "three.png"
    draw_digit(3).save(digit)
    assert main(["predict", str(digit), "--checkpoint", str(alone)]) == 0
    assert capsys.readouterr().out.startswith(f"{digit}: ")
    from tensorgrad.models.serve.catalog import Catalog
    from tensorgrad.models.serve.inference import Inference

    catalog = Catalog.single(alone)
    model, config = Inference(catalog).model(catalog.default())
    assert len(model.blocks) == 3 and model.patch_size == 7 and config.model == "test-vit"
    # the same weights as a plain file need --model and the options, as before
    bare = tmp_path / "bare.safetensors"
    tg.save(tg.load(alone), bare)
    assert read_description(bare) is None
    assert main(["evaluate", "--checkpoint", str(bare), "--dataset", "synthetic"]) == 1
    assert "--model" in capsys.readouterr().err
    args = ["evaluate", "--checkpoint", str(bare), "--model", "test-vit", "--json",
            "--dataset", "synthetic", "--test-limit", "100"]  # fmt: skip
    assert main(args) == 1 and "do not fit test-vit" in capsys.readouterr().err
    assert main([*args, "--depth", "3", "--patch-size", "7"]) == 0
    assert json.loads(capsys.readouterr().out)["test_loss"] == metrics["test_loss"]


def test_resume_refuses_model_options(vit_run, capsys):
    assert main(["train", "--resume", str(vit_run), "--depth", "5", "--no-skip"]) == 2
    err = capsys.readouterr().err
    assert "leave out" in err and "--depth" in err and "--no-skip" in err


# -- run folders written before models declared their options -------------------------------------
def _as_before(folder):
    """Rewrite a run folder as the code before self-describing files wrote it: no metadata,
    the model options as top-level config fields (classic, skip, batchnorm)."""

    def old(config: dict) -> dict:
        options = config.pop("model_options")
        return {**config, "classic": False, "skip": True, "batchnorm": True, **options}

    weights = folder / "model.safetensors"
    if weights.exists():
        tg.save(tg.load(weights), weights)
    checkpoint = tg.load(folder / "checkpoint.safetensors")
    assert checkpoint["format"] == FORMAT
    checkpoint["config"] = json.dumps(old(json.loads(checkpoint["config"])))
    tg.save(checkpoint, folder / "checkpoint.safetensors")
    if (folder / "metrics.json").exists():
        metrics = json.loads((folder / "metrics.json").read_text())
        metrics["config"] = old(metrics["config"])
        for key in ("variant", "model_options"):
            del metrics[key]
        (folder / "metrics.json").write_text(json.dumps(metrics))


def test_an_old_config_moves_its_options_into_model_options():
    text = json.dumps({"model": "reslenet", "classic": False, "skip": False, "batchnorm": True,
                       "epochs": 6})  # fmt: skip
    config = TrainConfig.from_json(text)
    assert config.model_options == {"skip": False} and config.epochs == 6
    assert config.validate().model_options == {"skip": False, "batchnorm": True}
    lenet = TrainConfig.from_json(json.dumps({"model": "lenet5", "classic": True, "skip": True}))
    assert lenet.validate().model_options == {"classic": True}


def test_an_old_run_folder_evaluates_and_resumes_as_its_variant(tmp_path, capsys):
    quick = [*QUICK, "--classic", "--epochs", "2"]
    assert main(["train", *quick, "--out", str(tmp_path / "straight")]) == 0
    finished = tmp_path / "finished"
    shutil.copytree(tmp_path / "straight", finished)
    _as_before(finished)
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(finished / "model.safetensors"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["variant"] == "lenet5-classic"
    assert result["test_loss"] == json.loads((finished / "metrics.json").read_text())["test_loss"]

    split = tmp_path / "split"
    args = build_parser().parse_args(["train", *quick, "--out", str(split)])
    assert commands.train(args, on_step=_stop_at(5)) == 130
    _as_before(split)
    assert main(["train", "--resume", str(split), "--no-progress"]) == 0
    assert "lenet5-classic, " in capsys.readouterr().out
    a = tg.load(tmp_path / "straight" / "model.safetensors")
    b = tg.load(split / "model.safetensors")
    for key in a:
        assert np.array_equal(a[key].numpy(), b[key].numpy()), key
    assert read_description(split / "model.safetensors") == ("lenet5", {"classic": True})

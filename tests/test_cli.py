"""The ``tensorgrad`` command: help, the train/evaluate/predict round trip, Ctrl-C, --resume, and a
one-line error with a non-zero status for every bad input."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import tensorgrad as tg
from tensorgrad.models.cli import build_parser, main
from tensorgrad.models.synthetic import draw_digit

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["--dataset", "synthetic", "--limit", "960", "--test-limit", "200", "--batch-size", "64",
         "--no-progress"]  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A finished three-epoch run on synthetic digits (45 steps)."""
    folder = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", *QUICK, "--epochs", "3", "--out", str(folder)]) == 0
    return folder


def _one_line_error(capsys, status, expected_status, *fragments):
    err = capsys.readouterr().err.strip()
    assert status == expected_status, err
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


# -- help ------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "info", "sample"])
def test_help_explains_every_option(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    sub = build_parser()._subparsers._group_actions[0].choices[command]
    for action in sub._actions:
        for flag in action.option_strings:
            assert flag in text
        assert action.help, f"{command} {action.dest} has no help"


def test_module_entry_point_runs_as_a_subprocess():
    result = subprocess.run([sys.executable, "-m", "models", "--help"], capture_output=True,
                            text=True, timeout=120, cwd=ROOT)  # fmt: skip
    assert result.returncode == 0 and "train" in result.stdout and "predict" in result.stdout


def test_module_entry_point_trains_with_kernel_threads(tmp_path):
    # the kernel threads import (Numba reads np.ma) while the command runs: under `-m` that
    # once deadlocked on the import lock the folder-name alias held
    argv = [sys.executable, "-m", "models", "train", *QUICK, "--limit", "256", "--epochs", "1",
            "--threads", "2", "--out", str(tmp_path / "run")]  # fmt: skip
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout and (tmp_path / "run" / "model.safetensors").is_file()


# ``python -m models`` as runpy does it, then the installed name: one module of each, no copies
ONE_COPY = """
import runpy, sys
sys.argv = ["models", "--version"]
try:
    runpy.run_module("models", run_name="__main__", alter_sys=True)
except SystemExit as done:
    assert done.code == 0, done.code
import models, tensorgrad.models, tensorgrad.models.registry as registry
from tensorgrad.models import cli, lenet5
assert models is tensorgrad.models and models.registry is registry
assert lenet5.register_model is registry.register_model
print(sorted(name for name in sys.modules if name.split(".")[0] == "models"))
"""


def test_the_folder_name_and_the_installed_name_share_one_registry():
    import models
    import tensorgrad.models

    assert models is tensorgrad.models
    assert not [name for name in sys.modules if name.startswith("models.")]
    done = subprocess.run([sys.executable, "-c", ONE_COPY], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "['models']"  # no models.cli, models.registry, ...
    from models.registry import create_model as by_folder_name  # a submodule too: one copy
    from tensorgrad.models.registry import create_model

    assert by_folder_name is create_model


# -- a run and its files -----------------------------------------------------------------------
def test_train_writes_the_run_folder(run, capsys):
    names = {p.name for p in run.iterdir()}
    assert {"checkpoint.safetensors", "model.safetensors", "metrics.json", "curves.png",
            "class_accuracy.png", "confusion_matrix.png"} <= names  # fmt: skip
    assert any(n.startswith("events.out.tfevents.") for n in names)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test_accuracy"] > 0.8 and metrics["epochs_completed"] == 3
    from tensorgrad.models import LeNet5

    LeNet5().load_state_dict(tg.load(run / "model.safetensors"))  # the documented one-liner
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run))
    events.Reload()
    tags = events.Tags()
    assert set(tags["scalars"]) == {"loss/train_step", "lr", "loss/train", "loss/test",
                                    "accuracy/train", "accuracy/test",
                                    *(f"class_accuracy/{d}" for d in range(10))}  # fmt: skip
    assert {"weights/features.0.weight", "grads/classifier.5.bias"} <= set(tags["histograms"])
    assert tags["images"] == ["confusion_matrix"]
    assert [e.step for e in events.Scalars("accuracy/test")] == [15, 30, 45]


def test_evaluate_matches_metrics_json(run, capsys):
    assert main(["evaluate", "--checkpoint", str(run / "model.safetensors"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    metrics = json.loads((run / "metrics.json").read_text())
    assert result["confusion_matrix"] == metrics["confusion_matrix"]
    assert result["test_accuracy"] == metrics["test_accuracy"]
    assert main(["evaluate", "--checkpoint", str(run)]) == 0  # a folder works too
    out = capsys.readouterr().out
    assert "test accuracy" in out and "worst mistake" in out and "most confused" in out


def test_predict_reads_digits_drawn_here(run, tmp_path, capsys):
    paths = []
    for digit, dark in [(3, True), (7, False)]:
        canvas = Image.new("L", (190, 260), 255 if dark else 0)  # not square, not 28x28
        canvas.paste(draw_digit(digit, size=150, dark_on_light=dark), (30, 70))
        paths.append(tmp_path / f"digit{digit}.png")
        canvas.save(paths[-1])
    np.save(tmp_path / "four.npy", np.asarray(draw_digit(4), dtype=np.float32) / 255)
    paths.append(tmp_path / "four.npy")
    args = ["predict", *map(str, paths), "--checkpoint", str(run / "checkpoint.safetensors")]
    assert main([*args, "--show"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(str(tmp_path))]
    assert len(lines) == 3
    for line, digit in zip(lines, (3, 7, 4), strict=True):
        ranked = line.split(": ", 1)[1].split("   ")
        assert len(ranked) == 3  # top 3
        labels = [int(item.split()[0]) for item in ranked]
        probs = [float(item.split("(")[1].rstrip("%)")) for item in ranked]
        assert labels[0] == digit, line
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 100.05


# -- Ctrl-C and --resume -----------------------------------------------------------------------
def test_interrupt_then_resume_from_the_cli_matches_a_straight_run(run, tmp_path, capsys):
    from tensorgrad.models import commands

    folder = tmp_path / "split"
    args = build_parser().parse_args(["train", *QUICK, "--epochs", "3", "--out", str(folder)])

    def stop(trainer):
        if trainer.progress["step"] == 7:
            trainer.request_stop()

    assert commands.train(args, on_step=stop) == 130
    out = capsys.readouterr().out
    assert "--resume" in out and "batch 7/15" in out
    assert main(["train", "--resume", str(folder / "checkpoint.safetensors"), "--no-progress"]) == 0
    a, b = tg.load(run / "model.safetensors"), tg.load(folder / "model.safetensors")
    for key in a:
        assert np.array_equal(a[key].data, b[key].data), key
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    events.Reload()  # two event files, one per process; every step once, in order
    assert [e.step for e in events.Scalars("loss/train_step")] == list(range(1, 46))
    assert [e.step for e in events.Scalars("accuracy/test")] == [15, 30, 45]
    assert main(["train", "--resume", str(folder)]) == 0  # finished: nothing to do
    assert "already finished" in capsys.readouterr().out


# -- bad input: one line, non-zero ----------------------------------------------------------------
@pytest.mark.parametrize("argv, fragments", [
    ([], ["choose a command"]),
    (["fly"], ["invalid choice", "'fly'"]),
    (["train", "--epochs", "0"], ["--epochs", "'0'"]),
    (["train", "--epochs", "three"], ["--epochs", "'three'"]),
    (["train", "--batch-size", "-8"], ["--batch-size", "'-8'"]),
    (["train", "--lr", "0"], ["--lr", "'0'"]),
    (["train", "--lr", "fast"], ["--lr", "'fast'"]),
    (["train", "--momentum", "1.5"], ["--momentum", "'1.5'"]),
    (["train", "--optimizer", "rmsprop"], ["--optimizer", "'rmsprop'"]),
    (["train", "--schedule", "warm"], ["--schedule", "'warm'"]),
    (["train", "--model", "resnet152"], ["--model", "resnet152", "lenet5"]),
    (["train", "--seed", "-1"], ["--seed", "'-1'"]),
    (["train", "--limit", "0"], ["--limit", "'0'"]),
    (["train", "--threads", "0"], ["--threads", "'0'"]),
    (["train", "--dataset", "cifar"], ["--dataset", "'cifar'"]),
    (["train", "--bogus"], ["unrecognized arguments: --bogus"]),
    (["evaluate"], ["--checkpoint"]),
    (["predict", "--checkpoint", "x"], ["IMAGE"]),
    (["predict", "a.png", "--checkpoint", "x", "--top", "0"], ["--top", "'0'"]),
])  # fmt: skip
def test_bad_arguments_exit_2_with_one_line(argv, fragments, capsys):
    _one_line_error(capsys, main(argv), 2, *fragments)


def test_resume_refuses_run_options(run, capsys):
    status = main(["train", "--resume", str(run), "--epochs", "5", "--lr", "0.1"])
    _one_line_error(capsys, status, 2, "--resume", "--epochs", "--lr")


def test_bad_files_exit_1_with_one_line(run, tmp_path, capsys):
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00not safetensors at all")
    missing = tmp_path / "missing.safetensors"
    cases = [
        (["train", "--resume", str(missing)], [str(missing), "no such file"]),
        (["train", "--resume", str(garbage)], [str(garbage), "not a readable"]),
        (["train", "--resume", str(run / "model.safetensors")], ["not a training checkpoint"]),
        (["train", *QUICK, "--out", str(run)], [str(run), "already holds a run", "--resume"]),
        (["train", *QUICK, "--out", str(garbage)], [str(garbage), "not a folder"]),
        (["evaluate", "--checkpoint", str(missing)], [str(missing), "no such file"]),
        (["evaluate", "--checkpoint", str(garbage)], [str(garbage), "not a readable"]),
        (["evaluate", "--checkpoint", str(tmp_path)], [str(tmp_path), "holds no"]),
        (["predict", str(run / "curves.png"), "--checkpoint", str(garbage)], [str(garbage)]),
    ]
    for argv, fragments in cases:
        _one_line_error(capsys, main(argv), 1, *fragments)


def test_weights_without_settings_or_of_another_model(run, tmp_path, capsys):
    alone = tmp_path / "alone" / "model.safetensors"
    alone.parent.mkdir()
    alone.write_bytes((run / "model.safetensors").read_bytes())  # no metrics.json beside it
    quick = ["--dataset", "synthetic", "--test-limit", "100"]
    assert main(["evaluate", "--checkpoint", str(alone), *quick]) == 0  # the file names its model
    assert f"{alone} (lenet5): test accuracy" in capsys.readouterr().out
    bare = tmp_path / "bare" / "model.safetensors"  # weights as written before they said whose
    bare.parent.mkdir()
    tg.save(tg.load(alone), bare)
    _one_line_error(capsys, main(["evaluate", "--checkpoint", str(bare)]), 1, "--model")
    assert main(["evaluate", "--checkpoint", str(bare), "--model", "lenet5", *quick]) == 0
    capsys.readouterr()
    status = main(["evaluate", "--checkpoint", str(bare), "--classic", *quick])
    _one_line_error(capsys, status, 2, "--classic: only with --model")
    wrong = tmp_path / "wrong.safetensors"
    tg.save({"fc.weight": tg.zeros(10, 784)}, wrong)
    status = main(["evaluate", "--checkpoint", str(wrong), "--model", "lenet5"])
    _one_line_error(capsys, status, 1, str(wrong), "do not fit lenet5")


def test_predict_reports_each_unreadable_image_and_goes_on(run, tmp_path, capsys):
    good = tmp_path / "good.png"
    draw_digit(1).save(good)
    text = tmp_path / "notes.png"
    text.write_text("hello")
    blank = tmp_path / "blank.png"
    draw_digit(1).point(lambda _: 255).save(blank)
    argv = ["predict", str(text), str(good), str(tmp_path / "nope.jpg"), str(blank),
            "--checkpoint", str(run)]  # fmt: skip
    assert main(argv) == 1
    captured = capsys.readouterr()
    errors = captured.err.strip().splitlines()
    assert len(errors) == 3 and all(e.startswith("error: ") for e in errors)
    assert "notes.png: not a readable image" in errors[0]
    assert "nope.jpg: no such file" in errors[1]
    assert "blank.png" in errors[2] and "blank" in errors[2]
    assert f"{good}: 1 (" in captured.out

"""The LeNet-5 benchmark runs end to end on a tiny setting and writes its JSON (no timing
asserted: speed targets are checked by running the script, never in unit tests)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "train_lenet5.py"
GPU_CHECK = SCRIPT.with_name("gpu_check.py")


def test_train_lenet5_benchmark_writes_a_row_per_framework(tmp_path):
    out = tmp_path / "bench.json"
    command = [sys.executable, str(SCRIPT), "--batch-sizes", "8", "--steps", "2",
               "--repeats", "2", "--epochs", "0", "--threads", "1", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())["rows"]
    ours = [r for r in rows if r["framework"] == "tensorgrad"]
    assert len(ours) == 1 and ours[0]["batch"] == 8
    assert ours[0]["images_per_s"] > 0 and ours[0]["inference_s"] > 0
    assert ours[0]["real_epoch_s"] is None  # --epochs 0
    frameworks = {r["framework"] for r in rows}
    assert frameworks <= {"tensorgrad", "torch", "tensorgrad / torch"}
    assert ("torch" in frameworks) == ("tensorgrad / torch" in frameworks)
    assert "tensorgrad" in done.stdout


def test_gpu_check_runs_on_the_test_device(tmp_path):
    """The GPU check's code path (device op tests, resident epochs, JSON) on the test device."""
    out = tmp_path / "gpu.json"
    command = [sys.executable, str(GPU_CHECK), "--device", "test", "--quick", "--batch-sizes",
               "32", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    payload = json.loads(out.read_text())
    assert payload["device"] == "test" and payload["op_tests"]["returncode"] == 0
    rows = {(r["model"], r["batch"]): r for r in payload["rows"]}
    assert set(rows) == {("lenet5", 32), ("reslenet", 128)}
    assert all(r["images_per_s"] > 0 for r in rows.values())
    assert payload["train"]["returncode"] == 0 and payload["train"]["test_accuracy"] > 0


def test_reslenet_threads_benchmark_writes_its_row(tmp_path):
    out = tmp_path / "threads.json"
    script = SCRIPT.with_name("reslenet_threads.py")
    command = [sys.executable, str(script), "--batch", "4", "--steps", "1", "--repeats", "1",
               "--callers", "2", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(out.read_text())["rows"]
    assert row["batch"] == 4 and row["callers"] == 2
    assert row["step_s"] > 0 and row["inference_s"] > 0 and row["threaded_inference_s"] > 0
    assert "threaded_ratio" in done.stdout


def test_ab_trees_compares_two_trees_round_by_round(tmp_path):
    out = tmp_path / "ab.json"
    root = str(SCRIPT.parents[1])
    command = [sys.executable, str(SCRIPT.with_name("ab_trees.py")), root, root, "--batch", "4",
               "--steps", "1", "--rounds", "2", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert [r["measurement"] for r in result["rows"]] == ["step_s", "inference_s"]
    assert all(len(result["times"][tree]["step_s"]) == 2 for tree in ("before", "after"))
    assert all(r["after/before"] > 0 for r in result["rows"])


def test_ab_trees_compares_a_suite_model_of_two_trees(tmp_path):
    out = tmp_path / "ab_suite.json"
    root = str(SCRIPT.parents[1])
    command = [sys.executable, str(SCRIPT.with_name("ab_trees.py")), root, root, "--suite", "mlp",
               "--batch", "16", "--steps", "2", "--rounds", "2", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert [r["measurement"] for r in result["rows"]] == ["step_s", "inference_s"]
    assert all(len(result["times"][tree]["inference_s"]) == 2 for tree in ("before", "after"))
    assert all(r["after/before"] > 0 for r in result["rows"]) and "suite mlp" in done.stdout


def test_ab_trees_compares_benchmark_cases_of_two_trees(tmp_path):
    out = tmp_path / "ab_cases.json"
    root = str(SCRIPT.parents[1])
    command = [sys.executable, str(SCRIPT.with_name("ab_trees.py")), root, root, "--cases",
               "bench_new_ops:gelu", "bench_layers2:gru", "--repeats", "1", "--rounds", "2",
               "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert [(r["case"], r["metric"]) for r in result["rows"]] == [
        (case, metric) for case in ("bench_new_ops:gelu", "bench_layers2:gru")
        for metric in ("forward_ms", "forward_backward_ms")
    ]  # fmt: skip
    assert all(len(result["times"]["bench_layers2:gru"][tree]) == 2 for tree in ("before", "after"))
    assert all(r["after/before"] > 0 for r in result["rows"])


def test_new_ops_benchmark_times_every_case(tmp_path):
    out = tmp_path / "ops.json"
    script = SCRIPT.parent / "bench_new_ops.py"
    command = [sys.executable, str(script), "--repeats", "1", "--json", str(out)]
    # this checkout's tensorgrad, whichever one is installed
    env = {**os.environ, "PYTHONPATH": str(SCRIPT.parents[1])}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())["milliseconds"]
    assert {"gelu", "einsum_attention", "topk", "bce_with_logits"} <= set(results)
    for name, by_library in results.items():
        assert by_library["tensorgrad"]["forward_backward_ms"] > 0, name


def test_layers2_benchmark_times_every_case(tmp_path):
    out = tmp_path / "layers.json"
    script = SCRIPT.parent / "bench_layers2.py"
    command = [sys.executable, str(script), "--repeats", "1", "--json", str(out)]
    env = {**os.environ, "PYTHONPATH": str(SCRIPT.parents[1])}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())["milliseconds"]
    assert set(results) == {
        "sdpa_causal", "multihead_attention", "encoder_layer", "lstm", "gru", "lstm_mnist"
    }
    for name, by_library in results.items():
        assert by_library["tensorgrad"]["forward_backward_ms"] > 0, name


def test_suite_runs_every_model_and_writes_the_cpu(tmp_path):
    out = tmp_path / "suite.json"
    command = [sys.executable, str(SCRIPT.with_name("suite.py")), "--steps", "1", "--repeats",
               "1", "--threads", "1", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    payload = json.loads(out.read_text())
    assert {(r["model"], r["batch"]) for r in payload["rows"]} == {
        ("lenet5", 64), ("lenet5", 256), ("reslenet", 128), ("mlp", 128), ("mnist_port", 64),
        ("vit", 128), ("lstm", 128), ("namegpt", 128),
    }
    for row in payload["rows"]:
        assert row["tensorgrad_step_ms"] > 0 and row["tensorgrad_infer_ms"] > 0
    assert payload["cpu"]["name"] and payload["cpu"]["vector_isa"]
    assert "CPU:" in done.stdout


def test_suite_cpu_time_runs_one_model_on_one_thread(tmp_path):
    out = tmp_path / "cpu_time.json"
    command = [sys.executable, str(SCRIPT.with_name("suite_cpu_time.py")), "--models", "mlp",
               "--steps", "1", "--rounds", "2", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(out.read_text())["rows"]
    assert (row["model"], row["batch"]) == ("mlp", 128) and row["tensorgrad_cpu_ms"] > 0
    assert row["tensorgrad_infer_ms"] > 0 and len(row["all_infer_ms"]["tensorgrad"]) == 2
    assert len(row["cpu_ms"]["tensorgrad"]) == 2 and "load average" in done.stdout


def test_port_epoch_runs_the_example_with_pytorch_imports_named_in_its_comments():
    """The PyTorch run of benchmarks/port_epoch.py is the example file with each tensorgrad import
    line swapped for the line its comment names, and nothing else changed."""
    import importlib.util

    path = SCRIPT.with_name("port_epoch.py")
    spec = importlib.util.spec_from_file_location("port_epoch", path)
    sys.path.insert(0, str(path.parent))
    try:
        port = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(port)
    finally:
        sys.path.remove(str(path.parent))
    source = port.EXAMPLE.read_text()
    swapped = port.torch_source(source)
    assert "tensorgrad" not in swapped.split('"""', 2)[2]  # the docstring may name it
    assert "import torch.nn.functional as F" in swapped.splitlines()
    assert "from torchvision import datasets, transforms" in swapped.splitlines()
    changed = [(a, b) for a, b in zip(source.splitlines(), swapped.splitlines()) if a != b]
    assert len(source.splitlines()) == len(swapped.splitlines())
    ported = ("import tensorgrad", "from tensorgrad")
    assert changed and all(a.startswith(ported) for a, _ in changed)
    with pytest.raises(ValueError, match="no PyTorch import"):
        port.torch_source("import tensorgrad as tg\n")

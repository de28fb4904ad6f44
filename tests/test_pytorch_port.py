"""The PyTorch-style MNIST script (examples/pytorch_mnist.py) runs as written: a few batches on
small digits made here, and a dry run on the real MNIST (network)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import tensorgrad as tg

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pytorch_mnist.py"


def _script():
    spec = importlib.util.spec_from_file_location("pytorch_mnist", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class SmallMNIST(tg.data.Dataset):
    """torchvision's MNIST signature over 128 random 28x28 uint8 images (labels from the mean
    brightness, so there is something to learn)."""

    def __init__(self, root, train=True, download=False, transform=None):
        rng = np.random.default_rng(0 if train else 1)
        self.images = rng.integers(0, 256, (128, 28, 28), dtype=np.uint8)
        self.labels = (self.images.mean((1, 2)) > 127.5).astype(np.int64)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(self.images[i]), int(self.labels[i])


def test_the_ported_script_trains_and_saves_with_its_own_code(tmp_path, monkeypatch):
    script = _script()
    monkeypatch.setattr(script.datasets, "MNIST", SmallMNIST)
    monkeypatch.chdir(tmp_path)
    accuracy = script.main(["--epochs", "2", "--batch-size", "32", "--test-batch-size", "64",
                            "--log-interval", "2", "--save-model"])  # fmt: skip
    assert 0.0 <= accuracy <= 1.0
    weights = tg.load(tmp_path / "mnist_cnn.pt")
    assert weights["conv2.weight"].shape == (64, 32, 3, 3)
    assert weights["fc1.weight"].shape == (128, 9216)


@pytest.mark.network
def test_a_dry_run_on_the_real_mnist(capsys):
    from tensorgrad.data import default_root

    accuracy = _script().main(["--dry-run", "--epochs", "1", "--data", str(default_root())])
    assert 0.0 <= accuracy <= 1.0
    assert "Test set: Average loss" in capsys.readouterr().out

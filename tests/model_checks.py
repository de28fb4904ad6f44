"""Checks every model test makes, in one place: gradients reach every weight, a few Adam steps
on font-drawn digits learn (offline), weights survive safetensors, the registration brings its
recipe, and the state_dict and outputs are those of the same PyTorch layers."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.models.config import TrainConfig
from tensorgrad.models.data import image_transform
from tensorgrad.models.registry import create_model, model_defaults
from tensorgrad.models.synthetic import SyntheticDigits
from tensorgrad.nn import functional as F

CHANCE_LOSS = math.log(10)  # cross-entropy of a uniform guess over the ten digits


def random_images(n: int = 3, seed: int = 0):
    """Standard-normal float32 tensors of MNIST's shape (n, 1, 28, 28)."""
    return tg.from_numpy(np.random.default_rng(seed).standard_normal((n, 1, 28, 28), np.float32))


def assert_gradients_reach_everything(model, n: int = 5) -> None:
    """Logits (n, 10); after one backward every parameter and the input have finite, nonzero
    gradients of their own shapes."""
    x = random_images(n).requires_grad_()
    logits = model(x)
    assert logits.shape == (n, 10)
    F.cross_entropy(logits, tg.tensor(np.arange(n) % 10)).backward()
    assert x.grad is not None and x.grad.shape == x.shape
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
        assert np.isfinite(p.grad.data).all() and np.abs(p.grad.data).sum() > 0, name


def assert_dropout_only_in_training(model) -> None:
    """Two training-mode passes differ (dropout draws anew); two eval-mode passes agree."""
    x = random_images(2)
    model.train()
    assert not np.array_equal(model(x).data, model(x).data)
    model.eval()
    np.testing.assert_array_equal(model(x).data, model(x).data)


def fit_synthetic_digits(model, steps: int, images: int = 256, batch_size: int = 32,
                         lr: float = 3e-3, seed: int = 0) -> tuple[list[float], float]:  # fmt: skip
    """(the training loss of every step, accuracy on 200 unseen digits afterwards), after
    ``steps`` steps through ``images`` training digits in order, again and again. The digits
    reach the model as MNIST's do: normalised float32 (N, 1, 28, 28)."""
    tg.manual_seed(seed)
    transform = image_transform(train=False, augment=False)
    train = SyntheticDigits(images, seed=1, transform=transform)
    test = SyntheticDigits(200, seed=2, transform=transform)
    optimizer = tg.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    batches = len(train) // batch_size
    for step in range(steps):
        start = step % batches * batch_size
        x, labels = train.__getitems__(np.arange(start, start + batch_size))
        loss = F.cross_entropy(model(x), tg.from_numpy(labels))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    model.eval()
    with tg.no_grad():
        x, labels = test.__getitems__(np.arange(len(test)))
        predicted = model(x).argmax(1).numpy()
    return losses, float((predicted == labels).mean())


def assert_learns(model, steps: int, lr: float, min_accuracy: float) -> None:
    """``fit_synthetic_digits``: the loss starts at chance and ends far below it, and held-out
    digits are recognised (chance is 0.1)."""
    losses, accuracy = fit_synthetic_digits(model, steps=steps, lr=lr)
    assert np.mean(losses[:5]) > 0.9 * CHANCE_LOSS, losses[:5]
    assert np.mean(losses[-8:]) < 0.3 * CHANCE_LOSS, losses[-8:]
    assert accuracy > min_accuracy, accuracy


def assert_round_trip(make, path) -> None:
    """Weights saved by ``tg.save`` load into a differently initialised ``make()``, which then
    gives the same logits bit for bit."""
    tg.manual_seed(0)
    model = make().eval()
    tg.save(model.state_dict(), path)
    tg.manual_seed(1)
    other = make().eval()
    x = random_images(3)
    assert not np.allclose(model(x).data, other(x).data)
    other.load_state_dict(tg.load(path))
    np.testing.assert_array_equal(model(x).data, other(x).data)


def assert_registered(name: str, kind: type, recipe: dict, **options) -> None:
    """``create_model(name, **options)`` builds a ``kind``; the recipe is the run's defaults."""
    assert isinstance(create_model(name, **options), kind)
    assert model_defaults(name) == recipe
    config = TrainConfig.for_model(name).validate()
    for key, value in recipe.items():
        assert getattr(config, key) == value, key


def assert_same_as_torch(model, reference, torch_forward, n: int = 4) -> None:
    """``reference`` (a torch module) has ``model``'s state_dict keys, in order, and shapes;
    given ``model``'s weights, ``torch_forward(reference, images)`` gives ``model``'s logits."""
    torch = pytest.importorskip("torch")
    model.eval()
    reference.eval()
    ours, theirs = model.state_dict(), reference.state_dict()
    assert list(ours) == list(theirs)
    assert {k: tuple(v.shape) for k, v in ours.items()} == {
        k: tuple(v.shape) for k, v in theirs.items()
    }
    reference.load_state_dict({k: torch.from_numpy(np.array(v.data)) for k, v in ours.items()})
    x = random_images(n)
    with torch.no_grad():
        expected = torch_forward(reference, torch.from_numpy(x.numpy())).numpy()
    np.testing.assert_allclose(model(x).data, expected, atol=2e-5, rtol=1e-4)

"""Train a model for a few Adam steps on font-drawn digits (offline), for the model tests'
"it learns" checks: the losses of the steps and the accuracy on held-out digits."""

import math

import numpy as np

import tensorgrad as tg
from tensorgrad.models.data import image_transform
from tensorgrad.models.synthetic import SyntheticDigits
from tensorgrad.nn import functional as F

CHANCE_LOSS = math.log(10)  # cross-entropy of a uniform guess over the ten digits


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

"""The real MNIST (downloaded into the cache when absent): shapes, label counts, known samples."""

import numpy as np
import pytest

from tensorgrad.data import MNIST, DataLoader, ToTensor, mnist_sources


@pytest.mark.network
def test_real_mnist_has_the_canonical_content():
    for train, n, first in ((True, 60_000, [5, 0, 4, 1, 9]), (False, 10_000, [7, 2, 1, 0, 4])):
        ds = MNIST(train=train)
        assert ds.data.shape == (n, 28, 28) and ds.data.dtype == np.uint8
        assert ds.targets.dtype == np.int64
        counts = tuple(np.bincount(ds.targets.numpy(), minlength=10).tolist())
        assert counts == mnist_sources.LABEL_COUNTS[train]
        assert ds.targets.numpy()[:5].tolist() == first
    ds.transform = ToTensor()
    x, y = next(iter(DataLoader(ds, batch_size=256)))
    assert x.shape == (256, 1, 28, 28) and x.dtype == np.float32
    assert abs(float(x.numpy().mean()) - 0.13) < 0.02

"""``F.unfold`` / ``F.fold`` and their modules beyond the op table: shapes, unbatched input,
the unfold-fold identity PyTorch documents, errors."""

import numpy as np
import pytest

import tensorgrad as tg

F = tg.nn.functional


def test_shapes_unbatched_and_modules():
    x = tg.randn(2, 3, 5, 6)
    cols = F.unfold(x, (2, 3), padding=1, stride=(1, 2))
    assert cols.shape == (2, 18, 18)  # torch.nn.functional.unfold gives (2, 18, 18) too
    assert F.unfold(x[0], 2).shape == (12, 20)
    assert tg.nn.Unfold(2)(x).shape == (2, 12, 20)
    assert tg.nn.Fold((5, 6), 2)(tg.nn.Unfold(2)(x)).shape == (2, 3, 5, 6)
    assert F.fold(F.unfold(x[0], 2), (5, 6), 2).shape == (3, 5, 6)
    assert "kernel_size=2" in repr(tg.nn.Unfold(2)) and "output_size=(5, 6)" in repr(
        tg.nn.Fold((5, 6), 2)
    )


def test_fold_of_unfold_counts_each_pixel_once_per_window():
    """PyTorch's documented identity: fold(unfold(x)) == x * fold(unfold(ones))."""
    x = tg.randn(1, 2, 6, 5, dtype=tg.float64)
    params = dict(kernel_size=3, padding=1, stride=2)
    back = F.fold(F.unfold(x, **params), (6, 5), **params)
    counts = F.fold(F.unfold(tg.ones_like(x), **params), (6, 5), **params)
    np.testing.assert_allclose(back.numpy(), (x * counts).numpy(), rtol=1e-12)
    assert counts.max().item() == 4.0 and counts.min().item() == 1.0


@pytest.mark.parametrize(
    "bad, match",
    [
        (lambda: F.unfold(tg.ones(4, 4), 2), "3-D or 4-D"),
        (lambda: F.unfold(tg.ones(1, 1, 2, 2), 3), "does not fit"),
        (lambda: F.fold(tg.ones(1, 5, 4), (3, 3), 2), "multiple of kh\\*kw = 4"),
        (lambda: F.fold(tg.ones(1, 4, 5), (3, 3), 2), "4 blocks"),
        (lambda: F.unfold(tg.ones(1, 1, 4, 4), 2, stride=0), "stride must be >= 1"),
    ],
)
def test_bad_arguments(bad, match):
    with pytest.raises(RuntimeError, match=match):
        bad()

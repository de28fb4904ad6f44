"""Transforms: ToTensor, Normalize, Compose, and the affine warp against a plain-loop reference."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tensorgrad as tg
from tensorgrad.data import Compose, Normalize, RandomAffine, ToTensor, affine, use_generator


def reference_affine(image: np.ndarray, angle: float, tx: float, ty: float, scale: float):
    """One (H, W) float64 image, plain loops: 4-weight bilinear with zero outside."""
    h, w = image.shape
    cx, cy = (w - 1) / 2, (h - 1) / 2
    c, s = math.cos(math.radians(angle)) / scale, math.sin(math.radians(angle)) / scale
    out = np.zeros_like(image)
    for y in range(h):
        for x in range(w):
            dx, dy = x - cx - tx, y - cy - ty
            sx, sy = c * dx - s * dy + cx, s * dx + c * dy + cy
            x0, y0 = math.floor(sx), math.floor(sy)
            total = 0.0
            for xi, yi, weight in (
                (x0, y0, (1 - (sx - x0)) * (1 - (sy - y0))),
                (x0 + 1, y0, (sx - x0) * (1 - (sy - y0))),
                (x0, y0 + 1, (1 - (sx - x0)) * (sy - y0)),
                (x0 + 1, y0 + 1, (sx - x0) * (sy - y0)),
            ):
                if 0 <= xi < w and 0 <= yi < h:
                    total += weight * image[yi, xi]
            out[y, x] = total
    return out


def test_to_tensor_scales_uint8_and_adds_a_channel_axis():
    image = np.array([[0, 128], [255, 1]], dtype=np.uint8)
    t = ToTensor()(image)
    assert isinstance(t, tg.Tensor) and t.dtype == np.float32 and t.shape == (1, 2, 2)
    assert t.numpy()[0, 1, 0] == 1.0 and t.numpy()[0, 0, 0] == 0.0
    np.testing.assert_allclose(t.numpy()[0], image / 255, rtol=1e-6)
    batch = ToTensor().batch(np.random.default_rng(0).integers(0, 256, (5, 3, 4), dtype=np.uint8))
    assert batch.shape == (5, 1, 3, 4)
    assert 0.0 <= batch.numpy().min() and batch.numpy().max() <= 1.0


def test_to_tensor_rejects_other_dtypes_and_shapes():
    with pytest.raises(TypeError, match="ToTensor.*int16"):
        ToTensor()(np.zeros((2, 2), dtype=np.int16))
    with pytest.raises(ValueError, match="ToTensor.*shape"):
        ToTensor()(np.zeros(3, dtype=np.uint8))


def test_normalize_per_channel_keeps_type_and_dtype():
    x = np.random.default_rng(0).random((4, 2, 3, 3)).astype(np.float32)
    out = Normalize([0.5, 0.25], [2.0, 0.5])(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, 0], (x[:, 0] - 0.5) / 2.0, rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], (x[:, 1] - 0.25) / 0.5, rtol=1e-6)
    t = Normalize(0.1307, 0.3081)(tg.from_numpy(x.astype(np.float64)))
    assert isinstance(t, tg.Tensor) and t.dtype == np.float64


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: Normalize(0.5, 0.5)(np.zeros((1, 2, 2), np.uint8)), TypeError, "ToTensor"),
        (lambda: Normalize([0, 0], [1, 1])(np.zeros((3, 2, 2))), ValueError, "3 channels"),
        (lambda: Normalize(0.0, 0.0), ValueError, "non-zero"),
    ],
)
def test_normalize_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_compose_chains_and_batches_plain_callables_per_sample():
    seen = []

    def record(x):
        seen.append(x.shape)
        return x * 2

    pipeline = Compose([ToTensor(), record, Normalize(0.0, 2.0)])
    images = np.full((3, 4, 4), 255, dtype=np.uint8)
    out = pipeline.batch(images)
    assert out.shape == (3, 1, 4, 4) and np.allclose(out.numpy(), 1.0)
    assert seen == [(1, 4, 4)] * 3  # the plain callable saw one sample at a time
    assert np.allclose(pipeline(images[0]).numpy(), 1.0)


@given(
    angle=st.floats(-180, 180),
    tx=st.floats(-4, 4),
    ty=st.floats(-4, 4),
    scale=st.floats(0.5, 2.0),
    seed=st.integers(0, 2**16),
)
def test_affine_matches_the_plain_loop_reference(angle, tx, ty, scale, seed):
    image = np.random.default_rng(seed).random((7, 9))
    out = affine(image, angle, (tx, ty), scale)
    np.testing.assert_allclose(out, reference_affine(image, angle, tx, ty, scale), atol=1e-9)


def test_affine_batched_uses_one_parameter_set_per_sample():
    rng = np.random.default_rng(0)
    images = rng.random((4, 2, 6, 5))
    angle, shift, scale = (
        rng.uniform(-90, 90, 4),
        rng.uniform(-2, 2, (4, 2)),
        rng.uniform(0.7, 1.3, 4),
    )
    out = affine(images, angle, shift, scale)
    for i in range(4):
        for c in range(2):
            expected = reference_affine(images[i, c], angle[i], *shift[i], scale[i])
            np.testing.assert_allclose(out[i, c], expected, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_identity_parameters_give_back_the_input_exactly(dtype):
    rng = np.random.default_rng(3)
    images = (rng.random((5, 1, 11, 8)) * 255).astype(dtype)
    assert np.array_equal(affine(images, np.zeros(5), np.zeros((5, 2)), np.ones(5)), images)
    identity = RandomAffine(0, translate=(0, 0), scale=(1, 1))
    assert np.array_equal(identity.batch(images), images)
    assert np.array_equal(identity(images[0]), images[0])


def test_known_rotation_translation_and_scale_move_a_pixel_where_expected():
    image = np.zeros((5, 5), dtype=np.float32)
    image[2, 3] = 1.0  # one to the right of the centre (2, 2)
    rotated = affine(image, 90.0)  # counter-clockwise: right of centre goes above it
    assert np.argmax(rotated) == np.ravel_multi_index((1, 2), (5, 5))
    assert rotated[1, 2] == pytest.approx(1.0, abs=1e-6) and rotated.sum() == pytest.approx(1.0)
    rotated = affine(image, -90.0)  # clockwise: below the centre
    assert rotated[3, 2] == pytest.approx(1.0, abs=1e-6)
    shifted = affine(image, 0.0, (1, 0))
    assert shifted[2, 4] == 1.0 and shifted.sum() == 1.0
    down = affine(image, 0.0, (-1, 1))
    assert down[3, 2] == 1.0 and down.sum() == 1.0
    half_shift = affine(image, 0.0, (0.5, 0))  # bilinear: split between two pixels
    assert half_shift[2, 3] == pytest.approx(0.5) and half_shift[2, 4] == pytest.approx(0.5)
    zoomed = affine(image, 0.0, (0, 0), 2.0)  # twice as far from the centre
    assert zoomed[2, 4] == pytest.approx(1.0) and zoomed[2, 3] == pytest.approx(0.5)
    gone = affine(image, 0.0, (10, 0))
    assert not gone.any()  # zero fill


def test_random_affine_is_reproducible_and_draws_per_sample():
    images = np.repeat(np.random.default_rng(0).random((1, 1, 12, 12)), 4, axis=0)
    t = RandomAffine(25, translate=(0.1, 0.2), scale=(0.8, 1.2))
    a = t.batch(images, generator=np.random.default_rng(9))
    b = t.batch(images, generator=np.random.default_rng(9))
    assert np.array_equal(a, b)
    assert not np.array_equal(a[0], a[1])  # the same image, a different draw
    with use_generator(np.random.default_rng(9)):
        assert np.array_equal(t.batch(images), a)
    angle, shift, scale = t.draw(1000, 10, 20, np.random.default_rng(0))
    assert np.all(np.abs(angle) <= 25) and np.all((scale >= 0.8) & (scale <= 1.2))
    assert np.all(np.abs(shift[:, 0]) <= 0.1 * 20) and np.all(np.abs(shift[:, 1]) <= 0.2 * 10)


def test_random_affine_keeps_tensor_and_uint8():
    images = np.random.default_rng(0).integers(0, 256, (3, 6, 6), dtype=np.uint8)
    out = RandomAffine(10).batch(tg.from_numpy(images), generator=np.random.default_rng(0))
    assert isinstance(out, tg.Tensor) and out.dtype == np.uint8 and out.shape == (3, 6, 6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"degrees": -1}, "degrees"),
        ({"degrees": 5, "translate": (0.5, 2)}, "translate"),
        ({"degrees": 5, "scale": (1.2, 0.8)}, "scale"),
    ],
)
def test_random_affine_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RandomAffine(**kwargs)


def test_affine_errors_name_the_function_and_shapes():
    with pytest.raises(ValueError, match=r"affine: .*\(3, 2\)"):
        affine(np.zeros((2, 4, 4)), np.zeros(3), np.zeros((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match="scale must be positive"):
        affine(np.zeros((4, 4)), 0.0, (0, 0), 0.0)

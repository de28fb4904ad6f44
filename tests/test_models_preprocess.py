"""Digit images of any size and polarity become MNIST-style 28x28 inputs (models.preprocess)."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tensorgrad.models.preprocess import ImageError, read_digit, to_mnist


def _draw_one(size=(120, 200), dark_on_light=True, offset=(0, 0)) -> Image.Image:
    """A thick vertical stroke (a '1') somewhere off-centre on a plain background."""
    background, ink = (255, 0) if dark_on_light else (0, 255)
    image = Image.new("L", size, background)
    x, y = size[0] // 3 + offset[0], size[1] // 5 + offset[1]
    ImageDraw.Draw(image).rectangle([x, y, x + size[0] // 8, y + size[1] // 2], fill=ink)
    return image


def _centre_of_mass(a: np.ndarray) -> np.ndarray:
    ys, xs = np.indices(a.shape)
    return np.array([(a * ys).sum(), (a * xs).sum()]) / a.sum()


@pytest.mark.parametrize("dark_on_light", [True, False])
def test_image_becomes_light_digit_in_20px_box_centred_by_mass(tmp_path, dark_on_light):
    path = tmp_path / "one.png"
    _draw_one(dark_on_light=dark_on_light).save(path)
    digit = read_digit(path)
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert 0.0 <= digit.min() and digit.max() <= 1.0 and digit.max() > 0.9
    assert digit[0].max() == 0 and digit[:, 0].max() == 0  # dark background, as MNIST
    rows = np.flatnonzero(digit.max(axis=1) > 0.1)
    assert 18 <= rows[-1] - rows[0] + 1 <= 21  # the longer side fills the 20-pixel box
    np.testing.assert_allclose(_centre_of_mass(digit), [14.0, 14.0], atol=0.5)


def test_both_polarities_give_nearly_the_same_input(tmp_path):
    _draw_one(dark_on_light=True).save(tmp_path / "a.png")
    _draw_one(dark_on_light=False).save(tmp_path / "b.jpg", quality=95)
    a, b = read_digit(tmp_path / "a.png"), read_digit(tmp_path / "b.jpg")
    assert np.abs(a - b).mean() < 0.02


def test_position_in_the_image_does_not_matter():
    a = to_mnist(np.asarray(_draw_one(offset=(0, 0)), dtype=np.float32) / 255)
    b = to_mnist(np.asarray(_draw_one(offset=(-30, 50)), dtype=np.float32) / 255)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_transparent_canvas_uses_the_strokes(tmp_path):
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse([16, 8, 48, 56], outline=(0, 0, 0, 255), width=6)
    image.save(tmp_path / "zero.png")
    digit = read_digit(tmp_path / "zero.png")
    assert digit.max() > 0.9 and digit[14, 14] < 0.2  # a ring: bright edge, dark hole


def test_npy_28x28_is_used_as_is_in_either_scale(tmp_path):
    array = np.zeros((28, 28), dtype=np.uint8)
    array[6:22, 12:16] = 255
    np.save(tmp_path / "d.npy", array)
    np.testing.assert_array_equal(read_digit(tmp_path / "d.npy"), array / 255.0)
    np.save(tmp_path / "f.npy", (array / 255.0)[None])  # (1, 28, 28) float
    np.testing.assert_array_equal(read_digit(tmp_path / "f.npy"), array / 255.0)


def test_npy_of_other_size_is_prepared_like_an_image(tmp_path):
    big = np.asarray(_draw_one(), dtype=np.float32)
    np.save(tmp_path / "big.npy", big)
    assert read_digit(tmp_path / "big.npy").shape == (28, 28)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.png", None, "no such file"),
        ("text.png", b"not an image", "not a readable image"),
        ("bad.npy", b"garbage", "not a readable .npy"),
    ],
)
def test_unreadable_files_raise_one_line_error_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImageError, match=message) as info:
        read_digit(path)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_blank_image_and_wrong_array_shape_are_refused(tmp_path):
    Image.new("L", (40, 40), 255).save(tmp_path / "blank.png")
    with pytest.raises(ImageError, match=r"blank.png: .*blank"):
        read_digit(tmp_path / "blank.png")
    np.save(tmp_path / "cube.npy", np.zeros((3, 4, 5)))
    with pytest.raises(ImageError, match=r"2-D.*\(3, 4, 5\)"):
        read_digit(tmp_path / "cube.npy")

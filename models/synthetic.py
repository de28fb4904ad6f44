"""SyntheticDigits: small MNIST look-alikes drawn with a font, for offline tests and smoke runs.

The digits 0-9 are drawn once with Pillow's built-in font and prepared as MNIST was (20x20 box,
centred by mass in 28x28). Every sample is such a glyph shifted by up to 2 pixels, with its
brightness varied and noise added. A LeNet learns them in a few dozen steps; nothing is
downloaded.
"""

import numpy as np

from tensorgrad.data import Dataset
from tensorgrad.data.transforms import apply_batch


def draw_digit(digit: int, size: int = 112, dark_on_light: bool = False):
    """A PIL image of ``digit`` in Pillow's built-in font, bold, filling most of the canvas."""
    from PIL import Image, ImageDraw, ImageFont

    background, ink = (255, 0) if dark_on_light else (0, 255)
    image = Image.new("L", (size, size), background)
    font = ImageFont.load_default(size=round(size * 0.8))
    ImageDraw.Draw(image).text((size / 2, size / 2), str(digit), fill=ink, font=font, anchor="mm",
                               stroke_width=size // 28, stroke_fill=ink)  # fmt: skip
    return image


def glyphs() -> np.ndarray:
    """The ten digits as uint8 (10, 28, 28), prepared as MNIST was (see ``preprocess``)."""
    from .preprocess import to_mnist

    out = np.zeros((10, 28, 28), dtype=np.uint8)
    for digit in range(10):
        gray = np.asarray(draw_digit(digit), dtype=np.float32) / 255.0
        out[digit] = np.round(to_mnist(gray) * 255).astype(np.uint8)
    return out


class SyntheticDigits(Dataset):
    """``n`` synthetic digit images (uint8 (28, 28)) and labels, a pure function of ``seed``.

    Mirrors ``tensorgrad.data.MNIST``: ``transform`` applies to images (as a batch in
    ``__getitems__``), ``data`` and ``targets`` hold the raw arrays.
    """

    def __init__(self, n: int, seed: int = 0, transform=None) -> None:
        rng = np.random.default_rng([seed, n])
        self.targets = np.arange(n, dtype=np.int64) % 10
        rng.shuffle(self.targets)
        base = glyphs().astype(np.float32)[self.targets]
        shifts = rng.integers(-2, 3, size=(n, 2))
        images = np.empty_like(base)
        for i, (dy, dx) in enumerate(shifts):
            images[i] = np.roll(base[i], (dy, dx), axis=(0, 1))
        images *= rng.uniform(0.6, 1.0, size=(n, 1, 1)).astype(np.float32)
        images += rng.normal(0, 25, size=images.shape).astype(np.float32)
        self.data = np.clip(images, 0, 255).astype(np.uint8)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int):
        image = self.data[index]
        return (self.transform(image) if self.transform else image), int(self.targets[index])

    def __getitems__(self, indices: np.ndarray):
        images = self.data[indices]
        if self.transform is not None:
            images = apply_batch(self.transform, images)
        return images, self.targets[indices]

"""Turn a photo or drawing of a digit into a 28x28 MNIST-style array.

MNIST was prepared this way (LeCun et al.): the digit is size-normalised to fit a 20x20 box with
its aspect ratio kept (anti-aliasing gives grey levels), then placed in a 28x28 field so that its
centre of mass sits at the centre. Digits are light (1.0) on a dark (0.0) background.
"""

from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


class ImageError(ValueError):
    """A file that cannot be read as a digit image; the message names the file."""


def read_digit(path: str | Path) -> np.ndarray:
    """A (28, 28) float32 array in [0, 1], light digit on dark, from an image or ``.npy`` file.

    A ``.npy`` array of shape (28, 28) (or (1, 28, 28)) is taken as already MNIST-sized; other
    shapes, and every image, go through ``to_mnist``. Either polarity is accepted.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: no such file")
    gray = _read_npy(path) if path.suffix.lower() == ".npy" else _read_image(path)
    if gray.shape == (28, 28) and path.suffix.lower() == ".npy":
        return _ink(gray)
    try:
        return to_mnist(gray)
    except ImageError as error:
        raise ImageError(f"{path}: {error}") from None


def _read_npy(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise ImageError(f"{path}: not a readable .npy array ({error})") from None
    array = np.squeeze(array)
    if array.ndim != 2 or array.dtype.kind not in "uif" or min(array.shape) < 1:
        raise ImageError(
            f"{path}: expected a 2-D numeric array (a grayscale image), got shape "
            f"{array.shape} and dtype {array.dtype}"
        )
    array = array.astype(np.float32)
    if not np.isfinite(array).all():
        raise ImageError(f"{path}: the array holds NaN or infinite values")
    return array / 255.0 if array.max() > 1.0 else array


def _read_image(path: Path) -> np.ndarray:
    """Grayscale in [0, 1]; where the image has a varying alpha channel, the opaque strokes."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image_to_gray(image)
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise ImageError(f"{path}: not a readable image ({error})") from None


def image_to_gray(image) -> np.ndarray:
    """An opened PIL image as grayscale in [0, 1]; where it has a varying alpha channel, the
    opaque strokes (a drawing on a transparent canvas)."""
    image.load()
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        alpha = np.asarray(image.convert("RGBA"), dtype=np.float32)[..., 3] / 255.0
        if alpha.max() - alpha.min() > 0.5:
            return alpha
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def _ink(gray: np.ndarray) -> np.ndarray:
    """Make the digit bright on a dark background, scaled to [0, 1]. The background is the
    median of the border pixels: light borders mean a dark digit, so the image is inverted."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    ink = background - gray if background > 0.5 else gray - background
    ink = np.clip(ink, 0.0, None)
    peak = float(ink.max())
    return (ink / peak).astype(np.float32) if peak > 0 else ink.astype(np.float32)


def to_mnist(gray: np.ndarray, box: int = 20, size: int = 28) -> np.ndarray:
    """Crop the digit, fit it into a ``box`` x ``box`` square keeping its aspect ratio, and
    centre it by centre of mass in a ``size`` x ``size`` field."""
    from PIL import Image

    ink = _ink(np.asarray(gray, dtype=np.float32))
    mask = ink > 0.25  # ignore faint noise and JPEG ringing when finding the digit's extent
    if not mask.any():
        raise ImageError("no digit found: the image is blank (a single colour)")
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    crop = np.where(crop > 0.1, crop, 0.0)  # a clean background, as in MNIST
    scale = box / max(crop.shape)
    height = max(1, round(crop.shape[0] * scale))
    width = max(1, round(crop.shape[1] * scale))
    resized = Image.fromarray((crop * 255).astype(np.uint8)).resize(
        (width, height), Image.Resampling.LANCZOS
    )
    digit = np.asarray(resized, dtype=np.float32) / 255.0
    field = np.zeros((size, size), dtype=np.float32)
    top, left = (size - height) // 2, (size - width) // 2
    field[top : top + height, left : left + width] = digit
    return _centre_of_mass_shift(field)


def _centre_of_mass_shift(field: np.ndarray) -> np.ndarray:
    """Translate by whole pixels so that the centre of mass lands at (size/2, size/2), as
    measured on MNIST itself (mean 14.0 +- 0.3 in both axes, pixel indices from 0)."""
    total = field.sum()
    if total <= 0:
        return field
    ys, xs = np.indices(field.shape)
    centre = np.array(field.shape) / 2.0  # (14, 14): where MNIST's digits have their mass
    cy, cx = (field * ys).sum() / total, (field * xs).sum() / total
    dy, dx = int(round(centre[0] - cy)), int(round(centre[1] - cx))
    shifted = np.zeros_like(field)
    h, w = field.shape
    src = field[max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
    shifted[max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]] = src
    return shifted

"""Request bodies -> (28, 28) digits, prepared as ``predict`` prepares files, with limits that
keep a bad or hostile body from costing the server more than a clear 4xx answer."""

import io
import json

import numpy as np

from ..preprocess import ImageError, image_to_gray, to_mnist

MAX_BODY_BYTES = 4 * 2**20  # a 4 MiB upload; the page sends a few kilobytes
MAX_IMAGE_PIXELS = 4096 * 4096  # checked from the header, before anything is decoded


class ApiError(Exception):
    """A request the server cannot answer; answered with ``status`` and ``{"error": message}``
    (a 4xx for a bad request, 5xx for a run or data set that cannot be used)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def digit_from_body(body: bytes, content_type: str) -> np.ndarray:
    """JSON ``{"pixels": 28x28}`` when the content type says JSON, else PNG/JPEG/... bytes."""
    if not body:
        raise ApiError('empty body: send PNG/JPEG bytes, or JSON {"pixels": <28x28 numbers>}')
    if "json" in content_type.lower():
        return digit_from_json(body)
    return digit_from_image(body)


def digit_from_image(data: bytes) -> np.ndarray:
    """Any image Pillow reads, of at most MAX_IMAGE_PIXELS, through ``preprocess.to_mnist``."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
    except (UnidentifiedImageError, OSError):
        raise ApiError(
            "body is not an image (send PNG or JPEG bytes, or JSON with Content-Type: "
            "application/json)", status=415,
        ) from None  # fmt: skip
    with image:
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ApiError(
                f"image of {width}x{height} pixels is too large (at most "
                f"{MAX_IMAGE_PIXELS:,} pixels, e.g. 4096x4096)", status=413,
            )  # fmt: skip
        try:
            gray = image_to_gray(image)
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            raise ApiError(f"body is not a readable image ({error})", status=415) from None
    try:
        return to_mnist(gray)
    except ImageError as error:
        raise ApiError(f"image: {error}", status=422) from None


def digit_from_json(data: bytes) -> np.ndarray:
    """``{"pixels": 28 rows of 28 numbers in [0, 1], ink bright}``, used exactly as given: the
    MNIST form, so that a test image sent as pixels gets the answer the model gives it."""
    try:
        payload = json.loads(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError(f"body is not valid JSON ({error})") from None
    if not isinstance(payload, dict) or "pixels" not in payload:
        raise ApiError('JSON body: expected an object {"pixels": <28x28 numbers in 0..1>}')
    try:
        pixels = np.array(payload["pixels"], dtype=np.float32)
    except (TypeError, ValueError):
        raise ApiError("pixels: expected 28 rows of 28 numbers (ragged or not numbers)") from None
    if pixels.shape != (28, 28):
        raise ApiError(f"pixels: expected shape (28, 28), got {pixels.shape}")
    if not np.isfinite(pixels).all() or pixels.min() < 0 or pixels.max() > 1:
        raise ApiError(
            f"pixels: expected numbers in [0, 1] (ink bright), got values from "
            f"{float(np.nanmin(pixels)):g} to {float(np.nanmax(pixels)):g}"
        )
    return pixels

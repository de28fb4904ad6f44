"""Affine warps of a batch of images (one Numba pass): ``affine`` and ``RandomAffine``.

Each sample is rotated by ``angle`` degrees counter-clockwise about the image centre
((W - 1) / 2, (H - 1) / 2), scaled by ``scale`` and shifted by ``(tx, ty)`` pixels (x to the right,
y down), as torchvision's ``affine``. Every output pixel samples the input bilinearly at the
inverse-mapped position; positions outside the image read zero. Identity parameters give back the
input exactly (the sampling positions are then the pixel centres themselves).
"""

from collections.abc import Sequence

import numpy as np

from .affine_kernel import warp_bilinear
from .base import Transform, unwrap, wrap
from .seeding import current_generator


def _warp(images: np.ndarray, angle, tx, ty, scale) -> np.ndarray:
    """Bilinear, zero-filled warp of images (N, C, H, W) float with per-sample parameters (N,)."""
    theta = np.deg2rad(np.asarray(angle, dtype=np.float64))
    scale = np.asarray(scale, dtype=np.float64)
    cos, sin = np.cos(theta) / scale, np.sin(theta) / scale
    tx, ty = (np.ascontiguousarray(t, dtype=np.float64) for t in (tx, ty))
    return warp_bilinear(np.ascontiguousarray(images), cos, sin, tx, ty)


def affine(images, angle, translate=(0.0, 0.0), scale=1.0, batched: bool | None = None):
    """Rotate, scale and translate images; bilinear sampling, zero fill.

    Parameters
    ----------
    images : ndarray or Tensor (..., H, W), uint8 or floating.
    angle : degrees, counter-clockwise.
    translate : (tx, ty) in pixels (fractions allowed).
    scale : positive scale factor.
    batched : when True, ``images`` is (N, ..., H, W) and the parameters may be arrays with one
        entry per sample (``angle`` (N,), ``translate`` (N, 2), ``scale`` (N,)); by default, True
        exactly when any parameter is an array with a leading dim.

    uint8 images are warped in float32 and rounded back to uint8. Returns the input's type.
    """
    array, was_tensor = unwrap(images, "affine")
    angle = np.asarray(angle, dtype=np.float64)
    translate = np.asarray(translate, dtype=np.float64)
    scale = np.asarray(scale, dtype=np.float64)
    if batched is None:
        batched = angle.ndim > 0 or translate.ndim > 1 or scale.ndim > 0
    min_ndim = 3 if batched else 2
    if array.ndim < min_ndim:
        raise ValueError(f"affine: expected images {'(N, ..., H, W)' if batched else '(..., H, W)'}"
                         f", got shape {array.shape}")  # fmt: skip
    n = array.shape[0] if batched else 1
    try:
        angle = np.broadcast_to(angle, (n,))
        tx, ty = np.broadcast_to(translate, (n, 2)).T
        scale = np.broadcast_to(scale, (n,))
    except ValueError:
        raise ValueError(
            f"affine: parameters of shapes angle {angle.shape}, translate {translate.shape}, "
            f"scale {scale.shape} do not fit {n} images of shape {array.shape}"
        ) from None
    if np.any(scale <= 0) or not np.all(np.isfinite(scale)):
        raise ValueError(f"affine: scale must be positive and finite, got {scale}")
    h, w = array.shape[-2:]
    work = array.astype(np.float32) if array.dtype.kind != "f" else array
    out = _warp(work.reshape(n, -1, h, w), angle, tx, ty, scale).reshape(array.shape)
    if array.dtype.kind != "f":
        info = np.iinfo(array.dtype) if array.dtype.kind in "iu" else None
        if info is None:
            raise TypeError(f"affine: expected integer or floating images, got {array.dtype}")
        out = np.clip(np.rint(out), info.min, info.max).astype(array.dtype)
    return wrap(out, was_tensor)


def _pair(value, name: str, low: float, high: float) -> tuple[float, float] | None:
    if value is None:
        return None
    pair = tuple(float(v) for v in np.atleast_1d(value))
    if len(pair) != 2 or not low <= pair[0] <= pair[1] <= high:
        raise ValueError(f"RandomAffine: {name} must be (min, max) within [{low}, {high}], "
                         f"got {value!r}")  # fmt: skip
    return pair


class RandomAffine(Transform):
    """Random rotation, translation and scale, one draw per sample, as torchvision's.

    Parameters
    ----------
    degrees : number d (angles drawn from [-d, d]) or a (min, max) pair.
    translate : (a, b): shifts drawn from [-a W, a W] and [-b H, b H] pixels (continuous;
        torchvision rounds them to whole pixels).
    scale : (min, max) scale factors.

    Draws come from ``generator`` when given, else from ``seeding.current_generator()``: inside a
    DataLoader that is the batch's generator, a function of (seed, epoch, batch index), so
    augmented batches are reproducible and a resumed epoch sees the same ones. ``t(x)`` draws one
    parameter set for one sample (..., H, W); ``t.batch(x)`` draws one per sample of (N, ..., H, W).
    """

    def __init__(
        self,
        degrees: float | Sequence[float],
        translate: Sequence[float] | None = None,
        scale: Sequence[float] | None = None,
    ) -> None:
        if np.ndim(degrees) == 0:
            if degrees < 0:
                raise ValueError(f"RandomAffine: degrees must be >= 0, got {degrees}")
            degrees = (-float(degrees), float(degrees))
        self.degrees = _pair(degrees, "degrees", -np.inf, np.inf)
        bad = translate is not None and (
            len(translate) != 2 or not all(0 <= t <= 1 for t in translate)
        )
        if bad:
            raise ValueError(f"RandomAffine: translate must be (a, b) in [0, 1], got {translate!r}")
        self.translate = None if translate is None else tuple(float(t) for t in translate)
        self.scale = _pair(scale, "scale", np.finfo(np.float64).tiny, np.inf)

    def draw(self, n: int, height: int, width: int, generator: np.random.Generator | None = None):
        """Parameters for ``n`` samples: angle (n,), translate (n, 2) in pixels, scale (n,)."""
        g = current_generator() if generator is None else generator
        angle = g.uniform(*self.degrees, size=n)
        translate = np.zeros((n, 2))
        if self.translate is not None:
            max_dx, max_dy = self.translate[0] * width, self.translate[1] * height
            translate[:, 0] = g.uniform(-max_dx, max_dx, size=n)
            translate[:, 1] = g.uniform(-max_dy, max_dy, size=n)
        scale = np.ones(n) if self.scale is None else g.uniform(*self.scale, size=n)
        return angle, translate, scale

    def __call__(self, x, generator: np.random.Generator | None = None):
        array, _ = unwrap(x, "RandomAffine")
        angle, translate, scale = self.draw(1, *array.shape[-2:], generator)
        return affine(x, angle[0], translate[0], scale[0], batched=False)

    def batch(self, x, generator: np.random.Generator | None = None):
        array, _ = unwrap(x, "RandomAffine.batch")
        if array.ndim < 3:
            raise ValueError(f"RandomAffine.batch: expected (N, ..., H, W), got {array.shape}")
        params = self.draw(array.shape[0], *array.shape[-2:], generator)
        return affine(x, *params, batched=True)

    def __repr__(self) -> str:
        return (
            f"RandomAffine(degrees={self.degrees}, translate={self.translate}, scale={self.scale})"
        )

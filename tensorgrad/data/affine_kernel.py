"""The Numba kernel behind ``affine``: plain ndarrays in and out, no validation (affine.py checks).

It lives with the data code rather than in ``kernels/`` only because that folder belongs to the
kernel work; it follows the same rules (flags from ``kernels.config``, a plain-loop reference in
the tests). Serial on purpose: a batch is small and training owns the threads.
"""

import math

import numpy as np

from ..kernels.config import JIT, njit


@njit(**JIT)
def _pixel(images, i, ch, y, x, h, w):  # pragma: no cover (compiled)
    """images[i, ch, y, x], or zero outside the image."""
    if 0 <= y < h and 0 <= x < w:
        return images[i, ch, y, x]
    return images.dtype.type(0)


@njit(**JIT)
def warp_bilinear(images, cos, sin, tx, ty):  # pragma: no cover (compiled)
    """Warp images (N, C, H, W) float: out[y, x] = bilinear sample of the input at the inverse
    map of (x, y), zero outside. ``cos``/``sin`` (N,) are cos/sin(angle) / scale, ``tx``/``ty``
    (N,) the shifts in pixels; the rotation is about ((W - 1) / 2, (H - 1) / 2)."""
    n, c, h, w = images.shape
    out = np.zeros_like(images)
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    for i in range(n):
        ci, si = cos[i], sin[i]
        for y in range(h):
            dy = y - cy - ty[i]
            row_x, row_y = cx - si * dy, cy + ci * dy  # the row's share of the source position
            for x in range(w):
                dx = x - cx - tx[i]
                sx, sy = ci * dx + row_x, si * dx + row_y
                if not (sx > -1.0 and sx < w and sy > -1.0 and sy < h):
                    continue  # all four neighbours outside: zero
                x0, y0 = int(math.floor(sx)), int(math.floor(sy))
                fx, fy = sx - x0, sy - y0
                inside = x0 >= 0 and y0 >= 0 and x0 + 1 < w and y0 + 1 < h
                for ch in range(c):
                    if inside:  # the common case, without per-pixel bounds checks
                        v00, v10 = images[i, ch, y0, x0], images[i, ch, y0, x0 + 1]
                        v01, v11 = images[i, ch, y0 + 1, x0], images[i, ch, y0 + 1, x0 + 1]
                    else:
                        v00 = _pixel(images, i, ch, y0, x0, h, w)
                        v10 = _pixel(images, i, ch, y0, x0 + 1, h, w)
                        v01 = _pixel(images, i, ch, y0 + 1, x0, h, w)
                        v11 = _pixel(images, i, ch, y0 + 1, x0 + 1, h, w)
                    # lerp form: at fx = fy = 0 (identity) the result is v00 exactly
                    upper = v00 + fx * (v10 - v00)
                    lower = v01 + fx * (v11 - v01)
                    out[i, ch, y, x] = upper + fy * (lower - upper)
    return out

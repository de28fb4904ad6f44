"""Hypothesis strategies for testing ops: shapes, broadcastable shapes, arrays within a domain.

Public so that users can test their own ops the way tensorgrad tests its own (needs the
``test`` extra: ``pip install 'tensorgrad[test]'``).
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """Array shapes, 0-d and size-1 dims included."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3, max_side: int = 4
):
    """Tuples of ``num_shapes`` shapes that broadcast together (NumPy's rules)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda result: result.input_shapes)


@st.composite
def arrays(
    draw,
    shape,
    low: float = -2.0,
    high: float = 2.0,
    dtype=np.float64,
    away_from: tuple = (),
    margin: float = 1e-2,
    unique: bool = False,
):
    """A float array of ``shape`` with values in [low, high].

    ``away_from`` lists points (kinks such as 0 for ``abs``) that every value stays at least
    ``margin`` from, so finite differences never straddle a kink. ``unique`` draws distinct
    values, at least ``margin`` apart (no ties for max or sort).
    """
    if unique:
        grid = np.arange(low, high, margin * 2)
        size = int(np.prod(shape))
        if size > len(grid):
            raise ValueError(f"arrays: {size} unique values do not fit in [{low}, {high}]")
        picks = draw(
            st.lists(st.integers(0, len(grid) - 1), min_size=size, max_size=size, unique=True)
        )
        return grid[np.array(picks, dtype=np.int64)].reshape(shape).astype(dtype)

    def far_enough(value: float) -> bool:
        return all(abs(value - point) >= margin for point in away_from)

    elements = st.floats(low, high, allow_nan=False, allow_infinity=False).filter(far_enough)
    return draw(hnp.arrays(np.float64, shape, elements=elements)).astype(dtype)

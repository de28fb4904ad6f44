"""NumPy references and input strategies for the nn rows of ``tests/op_table.py``, and checks of
those references against values worked out by hand (a wrong reference would hide a wrong op)."""

import math

import numpy as np
from hypothesis import strategies as st

from tensorgrad.testing import arrays


def np_log_softmax(x, axis=1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def np_soft_cross_entropy(x, q):
    """-sum_c q_c log_softmax(x)_c over the class dim (1, or 0 for a 1-D input)."""
    axis = 1 if x.ndim > 1 else 0
    return -(q * np_log_softmax(x, axis)).sum(axis=axis)


def np_cross_entropy(x, t, w, *, ignore_index=-100, label_smoothing=0.0, reduction="mean"):
    """PyTorch's formula: (1 - e) * weighted NLL + e / C * weighted sum of -log p, both divided
    by the summed weights of the kept targets for 'mean'."""
    logp = np_log_softmax(x, 1)
    classes = x.shape[1]
    kept = t != ignore_index
    index = np.where(kept, t, 0)
    wt = w[index] * kept
    nll = -np.take_along_axis(logp, index[:, None], 1)[:, 0] * wt
    w_shape = (1, classes) + (1,) * (x.ndim - 2)
    smooth = -(logp * w.reshape(w_shape)).sum(axis=1) * kept
    loss = (1 - label_smoothing) * nll + label_smoothing / classes * smooth
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / wt.sum()


def np_nll_loss(x, t, w, *, ignore_index=-100, reduction="mean"):
    kept = t != ignore_index
    index = np.where(kept, t, 0)
    wt = w[index] * kept
    loss = -np.take_along_axis(x, index[:, None], 1)[:, 0] * wt
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / wt.sum()


def np_batch_norm(x, w, b, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    xhat = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    return xhat * w.reshape(shape) + b.reshape(shape)


def np_batch_norm_plain(x, eps=1e-5):
    return np_batch_norm(x, np.ones(x.shape[1]), np.zeros(x.shape[1]), eps)


def np_mse(a, b, reduction="mean"):
    loss = (a - b) ** 2
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def _class_shapes(min_classes=1):
    """(N, C) or (N, C, L) with small sides."""
    return st.tuples(
        st.integers(1, 3), st.integers(min_classes, 4), st.sampled_from([(), (1,), (2,)])
    ).map(lambda s: (s[0], s[1]) + s[2])


def soft_cross_entropy_args():
    return _class_shapes().flatmap(
        lambda s: st.tuples(arrays(s, -3, 3), arrays(s, 0, 1)).map(lambda xq: (list(xq), {}))
    )


@st.composite
def class_target_args(draw, smoothing=True):
    """Logits or log-probabilities, int64 targets with some ignored (never all), class weights."""
    shape = draw(_class_shapes(min_classes=2))
    x = draw(arrays(shape, -3, 3))
    target_shape = shape[:1] + shape[2:]
    t = np.array(
        draw(
            st.lists(
                st.integers(0, shape[1] - 1),
                min_size=int(np.prod(target_shape)),
                max_size=int(np.prod(target_shape)),
            )
        ),
        dtype=np.int64,
    )
    t = t.reshape(target_shape)
    ignored = np.array(draw(st.lists(st.booleans(), min_size=t.size, max_size=t.size)))
    ignored.flat[0] = False
    t[ignored.reshape(t.shape)] = -100
    w = draw(arrays((shape[1],), 0.2, 2.0))
    params = {"reduction": draw(st.sampled_from(["none", "sum", "mean"]))}
    if smoothing:
        params["label_smoothing"] = draw(st.sampled_from([0.0, 0.1, 0.3]))
    return [x, t, w], params


@st.composite
def batch_norm_args(draw, affine=True):
    """(N, C) or (N, C, H, W) with distinct values, so every channel's variance is not tiny."""
    n, c = draw(st.integers(2, 3)), draw(st.integers(1, 2))
    shape = (n, c) + draw(st.sampled_from([(), (1, 2), (2, 2)]))
    x = draw(arrays(shape, unique=True, margin=0.05))
    if not affine:
        return [x], {}
    w, b = draw(arrays((c,), 0.5, 1.5)), draw(arrays((c,)))
    return [x, w, b], {}


@st.composite
def linear_args(draw):
    n, fan_in, fan_out = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    lead = draw(st.sampled_from([(), (n,), (2, n)]))
    x, w, b = (draw(arrays(s)) for s in (lead + (fan_in,), (fan_out, fan_in), (fan_out,)))
    return [x, w, b], {}


@st.composite
def mse_args(draw):
    shape = draw(st.sampled_from([(), (3,), (2, 3)]))
    return [draw(arrays(shape)), draw(arrays(shape))], {
        "reduction": draw(st.sampled_from(["none", "sum", "mean"]))
    }


# -- the references against hand-computed values ---------------------------------------------
def test_cross_entropy_reference_by_hand():
    x = np.array([[0.0, math.log(3.0)]])  # softmax = (1/4, 3/4)
    t = np.array([1])
    w = np.array([1.0, 2.0])
    assert np.isclose(np_cross_entropy(x, t, np.ones(2)), -math.log(0.75))
    # weighted mean over one target: the weight cancels
    assert np.isclose(np_cross_entropy(x, t, w), -math.log(0.75))
    assert np.isclose(np_cross_entropy(x, t, w, reduction="sum"), -2 * math.log(0.75))
    # smoothing 0.5 over two classes: target (0.25, 0.75) weighted by w, divided by w[t]=2
    smooth = np_cross_entropy(x, t, w, label_smoothing=0.5)
    by_hand = (0.5 * 2 * -math.log(0.75) + 0.25 * (-math.log(0.25) - 2 * math.log(0.75))) / 2
    assert np.isclose(smooth, by_hand)
    assert np.isclose(np_cross_entropy(np.array([[0.0, 0.0], [5.0, 1.0]]), np.array([0, -100]),
                                       np.ones(2)), math.log(2.0))  # fmt: skip


def test_nll_and_batch_norm_references_by_hand():
    logp = np.log(np.array([[0.5, 0.5], [0.1, 0.9]]))
    assert np.isclose(np_nll_loss(logp, np.array([0, 1]), np.array([1.0, 3.0])),
                      -(math.log(0.5) + 3 * math.log(0.9)) / 4)  # fmt: skip
    x = np.array([[1.0], [3.0]])  # mean 2, biased variance 1
    out = np_batch_norm(x, np.array([2.0]), np.array([0.5]), eps=0.0)
    np.testing.assert_allclose(out, [[-1.5], [2.5]])

"""Attention, recurrent and transformer layers beyond the PyTorch comparison: gradients against
finite differences (first and second order), PyTorch's semantics (dropout, causal masks,
unbatched inputs, initialisation, state_dict names) and clear errors for bad input."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.ops.recurrent import GRU_SCAN, LSTM_SCAN, RNN_SCAN
from tensorgrad.testing import gradcheck, gradgradcheck

F = nn.functional
SDPA = F.scaled_dot_product_attention


def t64(*shape, seed=0, requires_grad=True):
    data = np.random.default_rng(seed).standard_normal(shape)
    return tg.tensor(data, dtype=tg.float64, requires_grad=requires_grad)


# -- gradients against finite differences ---------------------------------------------------------
def test_sdpa_gradients_with_a_bool_mask_first_and_second_order():
    q, k, v = t64(2, 3, 4), t64(2, 5, 4, seed=1), t64(2, 5, 3, seed=2)
    mask = tg.tensor(np.random.default_rng(3).random((3, 5)) > 0.3)
    assert gradcheck(lambda q, k, v: SDPA(q, k, v, attn_mask=mask), [q, k, v])
    assert gradgradcheck(lambda q, k, v: SDPA(q, k, v, is_causal=True), [q, k, v])


def test_multihead_attention_gradients_with_masks():
    tg.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2).double()
    q, kv = t64(3, 2, 4), t64(4, 2, 4, seed=1)
    padding = tg.tensor(np.array([[False, False, True, False], [False, True, True, False]]))
    assert gradcheck(lambda q, kv: mha(q, kv, kv, key_padding_mask=padding)[0], [q, kv])


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_recurrent_gradients_through_two_bidirectional_layers_and_the_initial_state(cls):
    tg.manual_seed(0)
    layer = cls(2, 3, num_layers=2, bidirectional=True).double()
    x, h0 = t64(3, 2, 2), t64(4, 2, 3, seed=1)
    hx = (h0, t64(4, 2, 3, seed=2)) if cls is nn.LSTM else h0

    def outputs(x, *states):
        out, final = layer(x, states if cls is nn.LSTM else states[0])
        return (out, *final) if cls is nn.LSTM else (out, final)

    assert gradcheck(outputs, [x, *(hx if cls is nn.LSTM else (hx,))])


def test_lstm_second_order_gradients():
    tg.manual_seed(0)
    lstm = nn.LSTM(2, 2).double()
    assert gradgradcheck(lambda x: lstm(x)[0], [t64(3, 1, 2)])


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize(
    "op, gates, params, extra",
    [(RNN_SCAN, 1, {"nonlinearity": "tanh"}, None), (RNN_SCAN, 1, {"nonlinearity": "relu"}, None),
     (LSTM_SCAN, 4, {}, None), (LSTM_SCAN, 4, {}, "w_hr"), (LSTM_SCAN, 4, {"biased": True}, "b"),
     (LSTM_SCAN, 4, {"biased": True}, "w_hr b"), (GRU_SCAN, 3, {}, None),
     (GRU_SCAN, 3, {}, "b_hh")],
)  # fmt: skip
def test_recurrent_scans_fast_backward_matches_the_recorded_one(op, gates, params, extra, reverse):
    """The array loops (create_graph=False) and the tensorgrad-op formulas (create_graph=True)
    are two codings of one backward pass: they must give the same gradients."""
    steps, batch, hidden, proj = 5, 3, 4, (2 if extra and "w_hr" in extra else 4)
    inputs = [t64(steps, batch, gates * hidden), t64(batch, proj, seed=1)]
    inputs += [t64(batch, hidden, seed=2)] if op is LSTM_SCAN else []
    inputs.append(t64(gates * hidden, proj, seed=5))
    extras = {"w_hr": t64(proj, hidden, seed=6), "b_hh": t64(gates * hidden, seed=6),
              "b": t64(gates * hidden, seed=8)}  # fmt: skip
    inputs += [extras[name] for name in (extra or "").split()]
    out = op(*inputs, reverse=reverse, **params)
    weights = t64(*out.shape, seed=7, requires_grad=False)
    fast = tg.autograd.grad(out, inputs, weights, retain_graph=True)
    recorded = tg.autograd.grad(out, inputs, weights, create_graph=True)
    for a, b in zip(fast, recorded):
        assert b.requires_grad
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_gradients(norm_first):
    tg.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu",
                                       norm_first=norm_first).double()  # fmt: skip
    mask = tg.tensor(np.triu(np.ones((3, 3), dtype=bool), 1))
    assert gradcheck(lambda x: layer(x, src_mask=mask), [t64(3, 2, 4)])


# -- semantics ----------------------------------------------------------------------------------
def test_sdpa_is_causal_is_the_lower_triangular_bool_mask_and_scale_defaults_to_rsqrt_e():
    q, k, v = t64(2, 4, 3), t64(2, 6, 3, seed=1), t64(2, 6, 2, seed=2)
    causal = tg.tensor(np.tril(np.ones((4, 6), dtype=bool)))
    np.testing.assert_allclose(SDPA(q, k, v, is_causal=True).data, SDPA(q, k, v, causal).data)
    scores = q.data @ k.data.transpose(0, 2, 1) / math.sqrt(3)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    expected = weights / weights.sum(-1, keepdims=True) @ v.data
    np.testing.assert_allclose(SDPA(q, k, v).data, expected, rtol=1e-12)
    additive = tg.tensor(np.where(causal.data, 0.0, -np.inf))
    np.testing.assert_allclose(SDPA(q, k, v, additive).data, SDPA(q, k, v, causal).data)


def test_sdpa_row_with_every_key_masked_gives_zeros_and_zero_gradients():
    q, k, v = t64(2, 3), t64(4, 3, seed=1), t64(4, 2, seed=2)
    mask = tg.tensor(np.array([[True, False, True, True], [False] * 4]))
    out = SDPA(q, k, v, mask)
    assert np.all(out.data[1] == 0) and np.all(np.isfinite(out.data))
    out.sum().backward()
    assert np.all(q.grad.data[1] == 0) and np.all(np.isfinite(k.grad.data))


def test_sdpa_dropout_is_seeded_and_p_one_drops_everything():
    q = t64(2, 3, 4, requires_grad=False)
    tg.manual_seed(5)
    first = SDPA(q, q, q, dropout_p=0.5).data
    tg.manual_seed(5)
    np.testing.assert_array_equal(SDPA(q, q, q, dropout_p=0.5).data, first)
    assert not np.allclose(first, SDPA(q, q, q).data)
    assert np.all(SDPA(q, q, q, dropout_p=1.0).data == 0)


def test_multihead_attention_dropout_only_in_training_and_weights_average_over_heads():
    tg.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2, dropout=0.5)
    x = tg.randn(3, 2, 4)
    mha.eval()
    out, weights = mha(x, x, x, average_attn_weights=False)
    out_again, mean_weights = mha(x, x, x)
    np.testing.assert_array_equal(out.data, out_again.data)
    assert weights.shape == (2, 2, 3, 3) and mean_weights.shape == (2, 3, 3)
    np.testing.assert_allclose(mean_weights.data, weights.data.mean(1), rtol=1e-6)
    np.testing.assert_allclose(weights.data.sum(-1), 1.0, rtol=1e-6)
    mha.train()
    assert not np.allclose(mha(x, x, x)[0].data, out.data)


def test_multihead_attention_parameters_initialisation_and_is_causal_hint():
    mha = nn.MultiheadAttention(6, 3)
    shapes = {k: v.shape for k, v in mha.state_dict().items()}
    assert shapes == {"in_proj_weight": (18, 6), "in_proj_bias": (18,),
                      "out_proj.weight": (6, 6), "out_proj.bias": (6,)}  # fmt: skip
    assert np.all(mha.in_proj_bias.data == 0) and np.all(mha.out_proj.bias.data == 0)
    bound = math.sqrt(6 / (18 + 6))  # Xavier-uniform over the packed (3E, E) weight
    assert np.abs(mha.in_proj_weight.data).max() <= bound
    x = tg.randn(4, 1, 6)
    mask = tg.tensor(np.triu(np.ones((4, 4), dtype=bool), 1))
    np.testing.assert_allclose(mha(x, x, x, attn_mask=mask, is_causal=True)[0].data,
                               mha(x, x, x, attn_mask=mask)[0].data)  # fmt: skip
    split = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, bias=False).state_dict()
    assert {k: v.shape for k, v in split.items()} == {
        "q_proj_weight": (4, 4), "k_proj_weight": (4, 3), "v_proj_weight": (4, 5),
        "out_proj.weight": (4, 4),
    }  # fmt: skip


@pytest.mark.parametrize("cls, gates", [(nn.RNN, 1), (nn.LSTM, 4), (nn.GRU, 3)])
def test_recurrent_parameter_names_shapes_and_pytorch_init(cls, gates):
    layer = cls(3, 5, num_layers=2, bidirectional=True)
    shapes = {k: v.shape for k, v in layer.state_dict().items()}
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                "weight_ih_l0_reverse"]  # fmt: skip
    assert shapes["weight_ih_l0"] == (gates * 5, 3)
    assert shapes["weight_ih_l1_reverse"] == (gates * 5, 10)  # both directions feed layer 1
    assert shapes["bias_hh_l1"] == (gates * 5,) and len(shapes) == 16
    values = np.concatenate([p.data.ravel() for p in layer.parameters()])
    assert np.abs(values).max() <= 1 / math.sqrt(5) and values.std() > 0.2
    assert len(cls(3, 5, bias=False).state_dict()) == 2


def test_recurrent_dropout_between_layers_only_in_training_and_unbatched_input():
    tg.manual_seed(0)
    lstm = nn.LSTM(2, 3, num_layers=2, dropout=0.5)
    x = tg.randn(4, 1, 2)
    lstm.eval()
    out, (h, c) = lstm(x)
    single, (h1, c1) = lstm(x[:, 0])
    np.testing.assert_allclose(single.data, out.data[:, 0], rtol=1e-6)
    assert h1.shape == (2, 3) and c1.shape == (2, 3)
    np.testing.assert_allclose(out.data[-1], h.data[-1], rtol=1e-6)  # h_n is the last output
    lstm.train()
    assert not np.allclose(lstm(x)[0].data, out.data)


def test_gru_bidirectional_output_halves_are_the_two_directions():
    tg.manual_seed(0)
    gru = nn.GRU(2, 3, bidirectional=True, batch_first=True)
    out, h = gru(tg.randn(2, 4, 2))
    assert out.shape == (2, 4, 6) and h.shape == (2, 2, 3)
    np.testing.assert_allclose(out.data[:, -1, :3], h.data[0], rtol=1e-6)  # forward ends last
    np.testing.assert_allclose(out.data[:, 0, 3:], h.data[1], rtol=1e-6)  # reverse ends first


def test_transformer_encoder_copies_its_layer_and_applies_the_final_norm():
    tg.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True)
    encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(4))
    keys = list(encoder.state_dict())
    assert keys[0] == "layers.0.self_attn.in_proj_weight" and keys[-1] == "norm.bias"
    assert len(keys) == 2 * 12 + 2
    assert encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight
    x = tg.randn(2, 3, 4)
    expected = encoder.norm(encoder.layers[1](encoder.layers[0](x)))
    np.testing.assert_allclose(encoder(x).data, expected.data, rtol=1e-6)
    assert layer.state_dict().keys() == encoder.layers[0].state_dict().keys()


# -- errors -------------------------------------------------------------------------------------
def test_sdpa_errors():
    q, k, v = tg.randn(2, 3, 4), tg.randn(2, 5, 4), tg.randn(2, 5, 3)
    with pytest.raises(RuntimeError, match="is_causal"):
        SDPA(q, k, v, attn_mask=tg.ones(3, 5).bool(), is_causal=True)
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(3, 4\) does not broadcast"):
        SDPA(q, k, v, attn_mask=tg.ones(3, 4).bool())
    with pytest.raises(RuntimeError, match="do not fit"):
        SDPA(q, k[..., :3], v)
    with pytest.raises(TypeError, match="bool or floating"):
        SDPA(q, k, v, attn_mask=tg.ones(3, 5).long())
    with pytest.raises(ValueError, match="dropout_p"):
        SDPA(q, k, v, dropout_p=1.5)


def test_multihead_attention_errors():
    with pytest.raises(ValueError, match="multiple of num_heads 3"):
        nn.MultiheadAttention(4, 3)
    mha = nn.MultiheadAttention(4, 2)
    x = tg.randn(3, 2, 4)
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(3, 4\) should be \(3, 3\)"):
        mha(x, x, x, attn_mask=tg.ones(3, 4).bool())
    with pytest.raises(RuntimeError, match=r"key_padding_mask of shape \(3, 3\) should be"):
        mha(x, x, x, key_padding_mask=tg.ones(3, 3).bool())
    with pytest.raises(RuntimeError, match="need attn_mask"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="embed_dim 4"):
        mha(tg.randn(3, 2, 5), x, x)
    with pytest.raises(RuntimeError, match="2-D .* or 3-D"):
        mha(tg.randn(1, 3, 2, 4), x, x)


def test_recurrent_errors_name_the_layer_and_the_sizes():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match="LSTM: expected input to be 2-D or 3-D, got 4-D"):
        lstm(tg.randn(1, 2, 3, 3))
    with pytest.raises(RuntimeError, match="Expected 3, got 5"):
        lstm(tg.randn(4, 2, 5))
    h = tg.zeros(2, 2, 4)
    with pytest.raises(RuntimeError, match=r"expected hidden size \(2, 2, 4\), got \(1, 2, 4\)"):
        lstm(tg.randn(4, 2, 3), (tg.zeros(1, 2, 4), h))
    with pytest.raises(RuntimeError, match="unbatched 2-D input, hx should also be 2-D"):
        lstm(tg.randn(4, 3), (h, h))
    with pytest.raises(RuntimeError, match=r"\(h_0, c_0\)"):
        lstm(tg.randn(4, 2, 3), h)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        nn.GRU(3, 4, dropout=2.0)
    with pytest.raises(ValueError, match="activation should be relu/gelu"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")

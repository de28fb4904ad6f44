"""The attention, recurrent and transformer cases compared with PyTorch, shared by
``tests/make_layers2_reference.py`` (run once with PyTorch; writes
``tests/layers2_reference.json``) and ``tests/test_layers2_vs_pytorch.py`` (no torch).

Everything here is NumPy only: each case names a layer class (the same name in ``torch.nn`` and
``tensorgrad.nn``), its arguments, its inputs and forward arguments, all made from one seed.
Parameters are filled in the order of their sorted ``state_dict`` names, so a name or shape
that differs from PyTorch's changes the numbers (or fails to load).
"""

import numpy as np

SDPA = "scaled_dot_product_attention"
CASES = {
    "sdpa_plain": dict(cls=SDPA, inputs=[(2, 3, 4), (2, 5, 4), (2, 5, 3)], kwargs=dict()),
    "sdpa_bool_mask_scale": dict(
        cls=SDPA, inputs=[(2, 1, 3, 4), (2, 1, 5, 4), (2, 1, 5, 3)],
        masks=dict(attn_mask=("keep", (3, 5))), kwargs=dict(scale=0.3),
    ),
    "sdpa_float_mask_broadcast": dict(
        cls=SDPA, inputs=[(2, 3, 4), (2, 5, 4), (2, 5, 2)],
        masks=dict(attn_mask=("float", (1, 3, 5))), kwargs=dict(),
    ),
    "sdpa_causal": dict(cls=SDPA, inputs=[(2, 4, 3), (2, 4, 3), (2, 4, 3)],
                        kwargs=dict(is_causal=True)),
    "sdpa_row_masked_out": dict(
        cls=SDPA, inputs=[(3, 4), (5, 4), (5, 2)],
        masks=dict(attn_mask=("dead_row", (3, 5))), kwargs=dict(),
    ),
    "mha_masks": dict(
        cls="MultiheadAttention", args=dict(embed_dim=4, num_heads=2),
        inputs=[(3, 2, 4), (5, 2, 4), (5, 2, 4)],
        masks=dict(attn_mask=("bool", (3, 5)), key_padding_mask=("bool", (2, 5))),
        kwargs=dict(average_attn_weights=False),
    ),
    "mha_batch_first_float_mask": dict(
        cls="MultiheadAttention", args=dict(embed_dim=6, num_heads=3, batch_first=True),
        inputs=[(2, 3, 6), (2, 4, 6), (2, 4, 6)],
        masks=dict(attn_mask=("float", (6, 3, 4))),
        kwargs=dict(),
    ),
    "mha_kdim_vdim_no_bias_no_weights": dict(
        cls="MultiheadAttention", args=dict(embed_dim=4, num_heads=2, kdim=3, vdim=5, bias=False),
        inputs=[(3, 2, 4), (4, 2, 3), (4, 2, 5)],
        masks=dict(),
        kwargs=dict(need_weights=False),
    ),
    "mha_unbatched": dict(
        cls="MultiheadAttention", args=dict(embed_dim=4, num_heads=1),
        inputs=[(3, 4), (3, 4), (3, 4)],
        masks=dict(key_padding_mask=("bool", (3,))),
        kwargs=dict(),
    ),
    "mha_add_bias_kv_and_zero_attn_masks": dict(
        cls="MultiheadAttention",
        args=dict(embed_dim=4, num_heads=2, add_bias_kv=True, add_zero_attn=True),
        inputs=[(3, 2, 4), (5, 2, 4), (5, 2, 4)],
        masks=dict(attn_mask=("bool", (3, 5)), key_padding_mask=("bool", (2, 5))),
        kwargs=dict(),
    ),
    "mha_add_bias_kv_kdim_vdim_no_weights": dict(
        cls="MultiheadAttention",
        args=dict(embed_dim=4, num_heads=2, add_bias_kv=True, kdim=3, vdim=5),
        inputs=[(3, 2, 4), (4, 2, 3), (4, 2, 5)],
        masks=dict(attn_mask=("float", (4, 3, 4))), kwargs=dict(need_weights=False),
    ),
    "mha_add_zero_attn_batch_first": dict(
        cls="MultiheadAttention",
        args=dict(embed_dim=6, num_heads=3, add_zero_attn=True, batch_first=True),
        inputs=[(2, 3, 6), (2, 4, 6), (2, 4, 6)], kwargs=dict(),
    ),
    "lstm_2_layers_bidirectional": dict(
        cls="LSTM", args=dict(input_size=3, hidden_size=2, num_layers=2, bidirectional=True),
        inputs=[(4, 2, 3)], states=[(4, 2, 2), (4, 2, 2)], kwargs=dict(),
    ),
    "lstm_batch_first_zero_state": dict(
        cls="LSTM", args=dict(input_size=3, hidden_size=4, batch_first=True),
        inputs=[(2, 5, 3)], kwargs=dict(),
    ),
    "lstm_proj_size_2_layers_bidirectional": dict(
        cls="LSTM",
        args=dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True, proj_size=2),
        inputs=[(4, 2, 3)], states=[(4, 2, 2), (4, 2, 4)], kwargs=dict(),
    ),
    "lstm_proj_size_batch_first_no_bias": dict(
        cls="LSTM",
        args=dict(input_size=3, hidden_size=3, batch_first=True, bias=False, proj_size=1),
        inputs=[(2, 4, 3)], kwargs=dict(),
    ),
    "gru_2_layers": dict(
        cls="GRU", args=dict(input_size=3, hidden_size=3, num_layers=2),
        inputs=[(4, 2, 3)], states=[(2, 2, 3)], kwargs=dict(),
    ),
    "gru_bidirectional_unbatched_no_bias": dict(
        cls="GRU", args=dict(input_size=2, hidden_size=3, bidirectional=True, bias=False),
        inputs=[(4, 2)], states=[(2, 3)], kwargs=dict(),
    ),
    "rnn_relu_batch_first": dict(
        cls="RNN",
        args=dict(input_size=3, hidden_size=4, nonlinearity="relu", batch_first=True),
        inputs=[(2, 4, 3)], states=[(1, 2, 4)], kwargs=dict(),
    ),
    "encoder_layer_relu_post_norm": dict(
        cls="TransformerEncoderLayer",
        args=dict(d_model=4, nhead=2, dim_feedforward=6, dropout=0.0),
        inputs=[(3, 2, 4)],
        masks=dict(src_mask=("bool", (3, 3)), src_key_padding_mask=("bool", (2, 3))),
        kwargs=dict(),
    ),
    "encoder_layer_gelu_norm_first_batch_first": dict(
        cls="TransformerEncoderLayer",
        args=dict(d_model=4, nhead=2, dim_feedforward=6, dropout=0.0, activation="gelu",
                  norm_first=True, batch_first=True),
        inputs=[(2, 3, 4)], masks=dict(src_mask=("float", (3, 3))), kwargs=dict(),
    ),
}  # fmt: skip


def parameter_values(case: str, named_shapes: dict) -> dict:
    """Values for each parameter, drawn in the order of the sorted names."""
    rng = np.random.default_rng(sum(map(ord, case)))
    return {name: rng.uniform(-0.7, 0.7, named_shapes[name]) for name in sorted(named_shapes)}


def inputs(case: str) -> tuple[list, list, dict]:
    """(inputs, initial states, masks) as float64 / bool arrays."""
    spec = CASES[case]
    rng = np.random.default_rng(1 + sum(map(ord, case)))
    xs = [rng.standard_normal(shape) for shape in spec["inputs"]]
    states = [rng.standard_normal(shape) * 0.5 for shape in spec.get("states", [])]
    masks = {}
    for name, (kind, shape) in spec.get("masks", {}).items():
        if kind == "bool":  # True: masked out (MultiheadAttention's convention)
            mask = rng.random(shape) < 0.3
            mask[..., 0] = False  # every query keeps one key: no row masked out entirely
            masks[name] = mask
        elif kind in ("keep", "dead_row"):  # True: attend (scaled_dot_product_attention's)
            mask = rng.random(shape) > 0.3
            mask[..., 0] = True
            if kind == "dead_row":
                mask[1] = False
            masks[name] = mask
        else:
            masks[name] = rng.standard_normal(shape)
    return xs, states, masks


def output_weights(shape: tuple) -> np.ndarray:
    """The weights of the scalar ``sum(out * w)`` whose gradients are compared."""
    n = int(np.prod(shape))
    return np.cos(np.arange(n) * 0.7).reshape(shape)


def run(lib, case: str, device=None) -> dict:
    """Run ``case`` with ``lib`` (``torch`` or ``tensorgrad``: the same API) in float64 on
    ``device`` (the default one if None): the outputs and the gradients of ``sum(out * w)``
    over all outputs, by name, as host arrays."""
    spec = CASES[case]
    xs, states, masks = inputs(case)
    xs = [lib.tensor(x, dtype=lib.float64, requires_grad=True, device=device) for x in xs]
    states = [lib.tensor(h, dtype=lib.float64, requires_grad=True, device=device) for h in states]
    masks = {
        k: lib.tensor(m, dtype=lib.bool if m.dtype == np.bool_ else lib.float64, device=device)
        for k, m in masks.items()
    }
    params = {}
    if spec["cls"] == SDPA:
        result = lib.nn.functional.scaled_dot_product_attention(*xs, **masks, **spec["kwargs"])
    else:
        layer = getattr(lib.nn, spec["cls"])(**spec["args"]).double()
        shapes = {k: tuple(v.shape) for k, v in layer.state_dict().items()}
        values = parameter_values(case, shapes)
        layer.load_state_dict({k: lib.tensor(v, dtype=lib.float64) for k, v in values.items()})
        if device is not None:
            layer.to(device)
        params = dict(layer.named_parameters())
        if states:
            xs_and_states = [*xs, states[0] if len(states) == 1 else tuple(states)]
        else:
            xs_and_states = xs
        result = layer(*xs_and_states, **masks, **spec["kwargs"])
    outputs = []
    pending = [result]
    while pending:
        item = pending.pop(0)
        if isinstance(item, tuple | list):
            pending[:0] = list(item)
        elif item is not None:
            outputs.append(item)
    weights = [lib.tensor(output_weights(tuple(o.shape)), device=device) for o in outputs]
    sum((o * w).sum() for o, w in zip(outputs, weights)).backward()
    found = {f"out{i}": o.detach().cpu().numpy() for i, o in enumerate(outputs)}
    for i, x in enumerate(xs + states):
        found[f"grad_input{i}"] = x.grad.cpu().numpy()
    for name, p in params.items():
        found[f"grad_{name}"] = p.grad.cpu().numpy()
    return found

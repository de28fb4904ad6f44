"""The recurrent classifier (sequential MNIST): shapes, its options (cell, layers, bidirectional,
dropout), learning on synthetic digits, save -> load, and PyTorch's keys and outputs."""

import numpy as np
import pytest
from model_checks import (
    assert_dropout_only_in_training,
    assert_gradients_reach_everything,
    assert_learns,
    assert_registered,
    assert_round_trip,
    assert_same_as_torch,
    random_images,
)

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.models.seqrnn import RECIPE, SequenceClassifier


def test_forward_and_backward_shapes():
    tg.manual_seed(0)
    assert_gradients_reach_everything(SequenceClassifier())
    assert SequenceClassifier(num_classes=7, layers=1)(random_images(2)).shape == (2, 7)


def test_default_is_a_two_layer_lstm_reading_rows_batch_first():
    model = SequenceClassifier()
    rnn = model.rnn
    assert isinstance(rnn, nn.LSTM) and rnn.batch_first and not rnn.bidirectional
    assert (rnn.input_size, rnn.hidden_size, rnn.num_layers) == (28, 128, 2)
    assert model.head.in_features == 128
    # each time step is one image row: the rows, not the columns, are the sequence
    x = random_images(2)
    rows = x.numpy().reshape(2, 28, 28)
    out, _ = rnn(tg.from_numpy(rows))
    np.testing.assert_allclose(model(x).data, model.head(out[:, -1]).data, atol=1e-6)


@pytest.mark.parametrize(
    "options",
    [{}, {"cell": "gru"}, {"layers": 1}, {"layers": 3, "hidden": 16},
     {"bidirectional": True, "hidden": 24}, {"cell": "gru", "bidirectional": True, "layers": 1}],
)  # fmt: skip
def test_classifies_from_the_final_states_of_the_top_layer(options):
    # forward: the last step's output; backward (bidirectional): its state after the first row
    tg.manual_seed(0)
    model = SequenceClassifier(**options)
    x = random_images(4)
    _, state = model.rnn(x.reshape(4, 28, 28))
    h_n = state[0] if isinstance(model.rnn, nn.LSTM) else state
    top = tg.cat([h_n[-2], h_n[-1]], 1) if model.rnn.bidirectional else h_n[-1]
    np.testing.assert_allclose(model(x).data, model.head(top).data, atol=1e-6)


@pytest.mark.parametrize(
    "options, kind, gates, keys",
    [({"cell": "gru"}, nn.GRU, 3, ("weight_ih_l1",)), ({"layers": 1}, nn.LSTM, 4, ()),
     ({"bidirectional": True}, nn.LSTM, 4, ("weight_ih_l1_reverse",))],
)  # fmt: skip
def test_options_choose_the_layer(options, kind, gates, keys):
    model = SequenceClassifier(**options)
    layers, directions = options.get("layers", 2), 2 if options.get("bidirectional") else 1
    assert type(model.rnn) is kind and model.rnn.num_layers == layers
    weights = dict(model.named_parameters())
    assert weights["rnn.weight_ih_l0"].shape == (gates * 128, 28)
    assert f"rnn.weight_ih_l{layers}" not in weights and all(f"rnn.{k}" in weights for k in keys)
    assert model.head.in_features == 128 * directions
    assert model(random_images(2)).shape == (2, 10)


def test_dropout_is_between_layers_and_before_the_classifier_in_training_only():
    tg.manual_seed(0)
    model = SequenceClassifier(dropout=0.3)
    assert model.rnn.dropout == 0.3 and model.dropout.p == 0.3
    assert_dropout_only_in_training(model)


@pytest.mark.parametrize(
    "options, shape, message",
    [({"cell": "rnn"}, (2, 1, 28, 28), "cell must be one of"),
     ({}, (2, 28, 28), r"expected images of shape \(N, 1, 28, 28\), got \(2, 28, 28\)"),
     ({"rows": 14, "columns": 56}, (2, 1, 28, 28), r"\(N, 1, 14, 56\), got \(2, 1, 28, 28\)")],
)  # fmt: skip
def test_bad_options_and_inputs_are_refused_with_their_values(options, shape, message):
    with pytest.raises(ValueError, match=message):
        SequenceClassifier(**options)(tg.zeros(*shape))


def test_learns_synthetic_digits():
    tg.manual_seed(0)
    model = SequenceClassifier(hidden=48, layers=1)
    assert_learns(model, steps=100, lr=1e-2, min_accuracy=0.6)


def test_state_dict_round_trip_through_safetensors(tmp_path):
    options = {"cell": "gru", "hidden": 32, "bidirectional": True}
    assert_round_trip(lambda: SequenceClassifier(**options), tmp_path / "rnn.safetensors")


def test_registered_as_lstm_with_its_recipe():
    assert_registered("lstm", SequenceClassifier, RECIPE, cell="gru")


def _torch_classifier(torch, cell="lstm", hidden=128, layers=2, bidirectional=False):
    """The same layers in PyTorch, and their forward (the final states of the top layer)."""
    reference = torch.nn.ModuleDict({
        "rnn": {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](
            28, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional
        ),
        "dropout": torch.nn.Dropout(0.0),
        "head": torch.nn.Linear(hidden * (2 if bidirectional else 1), 10),
    })  # fmt: skip

    def forward(module, x):
        out, _ = module["rnn"](x.reshape(len(x), 28, 28))
        last = out[:, -1, :hidden]
        if bidirectional:
            last = torch.cat([last, out[:, 0, hidden:]], 1)
        return module["head"](last)

    return reference, forward


@pytest.mark.parametrize(
    "options", [{}, {"cell": "gru", "hidden": 32, "layers": 3, "bidirectional": True}]
)
def test_state_dict_and_outputs_match_pytorch_layers(options):
    torch = pytest.importorskip("torch")
    tg.manual_seed(0)
    assert_same_as_torch(SequenceClassifier(**options), *_torch_classifier(torch, **options))

"""Module: registration, traversal, modes, state_dict round trips, dtype casts, repr."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.scale = nn.Parameter(tg.ones(4))
        self.register_buffer("count", tg.zeros(1))
        self.register_buffer("scratch", tg.zeros(2), persistent=False)
        self.plain = 5  # not registered

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


def test_assignment_registers_parameters_modules_and_buffers():
    block = Block()
    names = [name for name, _ in block.named_parameters()]
    assert names == ["scale", "fc.weight", "fc.bias", "bn.weight", "bn.bias"]
    assert [name for name, _ in block.named_children()] == ["fc", "bn"]
    assert [type(m).__name__ for m in block.modules()] == ["Block", "Linear", "BatchNorm1d"]
    assert [name for name, _ in block.named_buffers()] == [
        "count", "scratch", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
    ]  # fmt: skip
    assert all(p.requires_grad for p in block.parameters())
    assert block.plain == 5 and "plain" not in dict(block.named_parameters())
    assert len(list(block.parameters(recurse=False))) == 1


def test_reassigning_and_deleting_updates_the_registries():
    block = Block()
    block.fc = nn.Identity()
    assert "fc.weight" not in dict(block.named_parameters())
    del block.scale
    assert "scale" not in dict(block.named_parameters())
    with pytest.raises(AttributeError, match="scale"):
        _ = block.scale
    with pytest.raises(TypeError, match="'count'"):
        block.count = 3


def test_shared_parameters_appear_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assigning_before_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__"):
        Broken()


def test_train_eval_propagate_and_zero_grad_clears():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert model.training and model[1].training
    model.eval()
    assert not model.training and not model[1].training
    model.train()
    assert model[1].training
    model(tg.randn(3, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_round_trip_copies_values_in_place():
    tg.manual_seed(0)
    a, b = Block(), Block()
    a.bn.running_mean.data[:] = 3.0
    a.bn.num_batches_tracked.data[...] = 7
    assert "scratch" not in a.state_dict()
    weight_before = b.fc.weight
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.fc.weight is weight_before  # same object: optimizers keep their references
    for key, value in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[key].data, value.data)
    assert b.bn.num_batches_tracked.dtype == np.int64 and int(b.bn.num_batches_tracked) == 7
    # the state dict shares memory with the module, detached
    state = a.state_dict()
    assert not state["fc.weight"].requires_grad
    state["fc.weight"].data[0, 0] = 42.0
    assert a.fc.weight.data[0, 0] == 42.0


def test_load_state_dict_lists_missing_unexpected_and_shape_mismatches():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    state = model.state_dict()
    del state["1.bias"]
    state["extra.weight"] = tg.zeros(1)
    state["0.weight"] = tg.zeros(5, 3)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    text = str(info.value)
    assert "Missing key(s): 1.bias" in text
    assert "Unexpected key(s): extra.weight" in text
    assert "0.weight: checkpoint (5, 3), model (4, 3)" in text
    state["0.weight"] = tg.zeros(4, 3)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["1.bias"] and result.unexpected_keys == ["extra.weight"]
    assert np.all(model[0].weight.data == 0)


def test_float_and_double_cast_floating_state_in_place():
    block = Block()
    param = block.fc.weight
    block.double()
    assert block.fc.weight is param and param.dtype == np.float64
    assert block.bn.running_var.dtype == np.float64
    assert block.bn.num_batches_tracked.dtype == np.int64
    out = block(tg.randn(5, 3, dtype=np.float64))
    assert out.dtype == np.float64
    block.float()
    assert all(p.dtype == np.float32 for p in block.parameters())


def test_repr_is_a_tree_like_pytorch():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1, bias=False)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Linear(in_features=3, out_features=1, bias=False)\n"
        "  )\n"
        ")"
    )


def test_containers_index_slice_append_and_iterate():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Tanh())
    assert isinstance(seq[-1], nn.Tanh) and len(seq) == 3
    assert [type(m).__name__ for m in seq[1:]] == ["ReLU", "Tanh"]
    seq.append(nn.Sigmoid())
    assert isinstance(seq[3], nn.Sigmoid)
    with pytest.raises(IndexError, match="out of range for 4 modules"):
        seq[4]
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.Linear(2, 1))
    assert len(list(layers.parameters())) == 8 and len(layers) == 4
    holder = nn.Module()
    holder.layers = layers
    assert "layers.3.weight" in holder.state_dict()
    x = tg.randn(4, 2)
    np.testing.assert_allclose(seq(x).data, seq[3](seq[2](seq[1](seq[0](x)))).data)


def test_parameter_shares_memory_and_requires_grad():
    array = np.zeros(3, np.float32)
    p = nn.Parameter(array)
    assert p.requires_grad and p.is_leaf
    array[0] = 1.0
    assert p.data[0] == 1.0
    assert repr(p).startswith("Parameter containing:\ntensor(")
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter(np.zeros(2, np.int64))
    assert isinstance(tg.Parameter(tg.ones(1)), tg.Tensor)

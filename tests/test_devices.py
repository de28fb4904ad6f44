"""The device rules, each forced: PyTorch's behaviour for devices, checked without a GPU.

CUDA is not available on the machines that run these tests, so the CUDA-specific rules are
checked for their errors, and everything a GPU run does is checked on the test device that
stands in for one (``tensorgrad.testing.device``: arrays that refuse every NumPy call).
"""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.backends import backend_for
from tensorgrad.testing.device import TEST_DEVICE, StrictArray

cuda_missing = pytest.mark.skipif(tg.cuda.is_available(), reason="checks the no-CUDA errors")


# -- tg.device and tg.cuda --------------------------------------------------------------------
def test_device_parses_pytorch_spellings():
    assert str(tg.device("cuda:1")) == "cuda:1" and tg.device("cuda:1").index == 1
    assert tg.device("cuda", 0) == tg.device("cuda:0") == "cuda:0"
    assert tg.device("cpu").type == "cpu" and tg.device("cuda").index is None
    assert repr(tg.device("cuda:0")) == "device(type='cuda', index=0)"
    assert len({tg.device("cpu"), tg.device("cpu"), tg.device("cuda:0")}) == 2
    assert tg.device(tg.device("cuda:2")) == "cuda:2"


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "cpu:1", "cuda:-1", ""])
def test_bad_device_strings_raise_runtime_error(bad):
    with pytest.raises(RuntimeError):
        tg.device(bad)


@cuda_missing
def test_cuda_is_unavailable_here_with_a_reason():
    assert tg.cuda.is_available() is False
    assert tg.cuda.device_count() == 0
    reason = tg.cuda.unavailable_reason()
    assert "CuPy" in reason or "driver" in reason or "GPU" in reason


@cuda_missing
@pytest.mark.parametrize(
    "make",
    [
        lambda: tg.zeros(2, device="cuda"),
        lambda: tg.randn(2, device="cuda:0"),
        lambda: tg.tensor([1.0]).cuda(),
        lambda: tg.ones(2).to("cuda"),
        lambda: nn.Linear(2, 2).to("cuda"),
    ],
)
def test_asking_for_cuda_without_it_says_why(make):
    with pytest.raises(RuntimeError, match=r"cuda.* is not available: .*(CuPy|driver|GPU)"):
        make()


# -- tensors on a device ----------------------------------------------------------------------
def test_creation_functions_take_device():
    made = (
        tg.zeros(2, 3, device=TEST_DEVICE), tg.ones(2, device="test"),
        tg.full((2,), 3.0, device="test"), tg.arange(5, device="test"),
        tg.linspace(0, 1, 4, device="test"), tg.eye(3, device="test"), tg.rand(2, device="test"),
        tg.randn(2, device="test"), tg.randint(0, 5, (3,), device="test"),
        tg.randperm(4, device="test"), tg.tensor([[1, 2]], device="test"),
        tg.empty(2, device="test"), tg.as_tensor(np.ones(2), device="test"),
    )  # fmt: skip
    for t in made:
        assert t.device == TEST_DEVICE and isinstance(t.data, StrictArray)
    like = tg.zeros(2, device="test")
    for t in (tg.zeros_like(like), tg.ones_like(like), tg.full_like(like, 2.0)):
        assert t.device == TEST_DEVICE
    assert tg.zeros_like(like, device="cpu").device == tg.device("cpu")


def test_a_seed_draws_the_same_numbers_on_every_device():
    tg.manual_seed(3)
    cpu = tg.randn(5)
    tg.manual_seed(3)
    there = tg.randn(5, device="test")
    np.testing.assert_array_equal(there.cpu().numpy(), cpu.numpy())


def test_to_and_cpu_move_data_and_keep_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("test")
    assert y.device == TEST_DEVICE and y.is_leaf is False
    (y * y).sum().backward()
    assert x.grad.device == tg.device("cpu")
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    assert x.to("cpu") is x and y.to("test") is y  # nothing to do: the same tensor
    z = y.to(tg.float64)
    assert z.dtype == np.float64 and z.device == TEST_DEVICE
    w = tg.zeros(1).to(y)  # another tensor's device and dtype
    assert w.device == TEST_DEVICE and w.dtype == y.dtype
    assert tg.ones(2).to("test", dtype=tg.float64).dtype == np.float64


def test_mixing_devices_in_one_op_names_the_op_and_both_devices():
    a, b = tg.ones(2, device="test"), tg.ones(2)
    with pytest.raises(RuntimeError, match=r"add: .*same device.*test and cpu"):
        a + b
    with pytest.raises(RuntimeError, match=r"matmul: .*same device"):
        tg.ones(2, 2, device="test") @ tg.ones(2, 2)
    with pytest.raises(RuntimeError, match=r"less: .*same device"):
        _ = a < b


def test_a_0d_cpu_tensor_joins_another_device_as_in_pytorch():
    x = tg.tensor([1.0, 2.0], device="test", requires_grad=True)
    s = tg.tensor(3.0, requires_grad=True)
    out = x * s
    assert out.device == TEST_DEVICE
    out.sum().backward()
    assert s.grad.device == tg.device("cpu") and s.grad.item() == 3.0


def test_numpy_of_a_device_tensor_says_call_cpu():
    t = tg.ones(2, device="test")
    with pytest.raises(TypeError, match=r"Tensor.cpu\(\)"):
        t.numpy()
    with pytest.raises(TypeError):
        np.asarray(t)
    assert t.cpu().numpy().tolist() == [1.0, 1.0]
    assert t.tolist() == [1.0, 1.0] and tg.ones((), device="test").item() == 1.0
    assert "device='test'" in repr(t)


def test_indexing_with_host_indices_works_on_a_device():
    t = tg.arange(6, device="test").reshape(2, 3)
    assert t[[1, 0], tg.tensor([2, 0])].tolist() == [5, 0]
    assert t[t > 2].tolist() == [3, 4, 5]


def test_the_test_device_refuses_numpy_in_a_forward():
    from tensorgrad.ops.registry import Op

    def numpy_forward(x):
        return np.exp(x)  # the bug the test device is there to catch

    op = Op("numpy_exp", numpy_forward, ())
    assert op(tg.ones(2)).tolist() == pytest.approx([np.e, np.e])
    with pytest.raises(TypeError):
        op(tg.ones(2, device="test"))


# -- modules, optimizers, checkpoints ---------------------------------------------------------
def _model():
    # no bias before BatchNorm: its gradient is 0 up to rounding, which Adam turns into full
    # steps of either sign, so it would differ between any two ways of computing
    tg.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 4, 3, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(4, 3), nn.Dropout(0.2),
    )  # fmt: skip


def _train(model, device, steps, optimizer_class=tg.optim.Adam):
    model.to(device)
    optimizer = optimizer_class(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(1)
    losses = []
    for _ in range(steps):
        x = tg.tensor(rng.standard_normal((6, 1, 6, 6)), dtype=tg.float32, device=device)
        y = tg.tensor(rng.integers(0, 3, 6), device=device)
        loss = nn.functional.cross_entropy(model(x), y, label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, optimizer


@pytest.mark.parametrize("optimizer_class", [tg.optim.Adam, tg.optim.AdamW, tg.optim.SGD])
def test_training_on_the_test_device_matches_the_cpu(optimizer_class):
    tg.manual_seed(5)
    cpu_model = _model()
    cpu, _ = _train(cpu_model, "cpu", 4, optimizer_class)
    tg.manual_seed(5)
    dev_model = _model()
    dev, optimizer = _train(dev_model, TEST_DEVICE, 4, optimizer_class)
    np.testing.assert_allclose(dev, cpu, rtol=1e-4)
    for p in dev_model.parameters():
        assert p.device == TEST_DEVICE and p.grad.device == TEST_DEVICE
    for state in optimizer.state.values():
        for value in state.values():
            assert not isinstance(value, np.ndarray), "optimizer state left on the host"
    for (name, a), b in zip(dev_model.state_dict().items(), cpu_model.state_dict().values()):
        np.testing.assert_allclose(a.cpu().numpy(), b.numpy(), rtol=1e-3, atol=1e-5, err_msg=name)


def test_module_to_moves_parameters_and_buffers_in_place():
    model = _model()
    weight = model[0].weight
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert model.to("test") is model and model[0].weight is weight
    assert all(t.device == TEST_DEVICE for t in model.state_dict().values())
    assert model[1].num_batches_tracked.dtype == np.int64  # not cast: not floating
    assert optimizer.param_groups[0]["params"][0] is weight
    model.to(tg.float64)
    assert weight.dtype == np.float64 and weight.device == TEST_DEVICE
    model.cpu()
    assert isinstance(weight.data, np.ndarray)


def test_save_writes_host_copies_and_load_places_them(tmp_path):
    path = tmp_path / "state.safetensors"
    model = _model().to("test")
    tg.save(model.state_dict(), path)
    back = tg.load(path)  # to the device each tensor was saved from
    assert all(t.device == TEST_DEVICE for t in back.values())
    on_cpu = tg.load(path, map_location="cpu")
    assert all(isinstance(t.data, np.ndarray) for t in on_cpu.values())
    mapped = tg.load(path, map_location={"test": "cpu"})
    assert all(t.device == tg.device("cpu") for t in mapped.values())
    fresh = _model()
    fresh.load_state_dict(back)  # a device's values copied into CPU parameters
    for a, b in zip(fresh.state_dict().values(), model.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.cpu().numpy())


def test_a_device_run_resumes_on_the_cpu_and_back(tmp_path):
    model = _model()
    _, optimizer = _train(model, TEST_DEVICE, 2)
    path = tmp_path / "checkpoint.safetensors"
    tg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    checkpoint = tg.load(path, map_location="cpu")
    cpu_model = _model()
    cpu_model.load_state_dict(checkpoint["model"])
    cpu_optimizer = tg.optim.Adam(cpu_model.parameters(), lr=1e-2)
    cpu_optimizer.load_state_dict(checkpoint["optimizer"])
    for state in cpu_optimizer.state.values():
        assert all(isinstance(v, np.ndarray | int) for v in state.values())
    back = _model().to("test")
    back_optimizer = tg.optim.Adam(back.parameters(), lr=1e-2)
    back_optimizer.load_state_dict(cpu_optimizer.state_dict())
    for state in back_optimizer.state.values():
        assert isinstance(state["exp_avg"], StrictArray)


def test_the_test_backend_is_registered_for_its_device():
    assert backend_for("test").type == "test"

"""tg.save / tg.load: exact round trips, safetensors on disk, refusal of pickles, atomic writes."""

import os
import pickle
import zipfile

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import tensorgrad as tg
from tensorgrad import nn, optim


def _equal(a, b) -> None:
    """Exact equality of nested structures, types and dtypes included (nan equals nan); dict
    subclasses (a state_dict's OrderedDict) come back as dicts."""
    assert type(a) is type(b) or isinstance(a, dict) and type(b) is dict, (type(a), type(b))
    if isinstance(a, tg.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        assert a.data.tobytes() == b.data.tobytes()
    elif isinstance(a, np.ndarray | np.generic):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _equal(a[key], b[key])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _equal(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def test_state_dict_round_trip_and_file_is_plain_safetensors(tmp_path):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    path = tmp_path / "model.safetensors"
    tg.save(model.state_dict(), path)
    loaded = tg.load(path)
    _equal(dict(model.state_dict()), loaded)
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    other.load_state_dict(loaded)
    x = tg.randn(5, 3)
    np.testing.assert_array_equal(model.eval()(x).data, other.eval()(x).data)
    # any safetensors reader sees the tensors under their state_dict names
    arrays = load_file(str(path))
    assert set(arrays) == set(model.state_dict())
    assert arrays["1.num_batches_tracked"].dtype == np.int64


def test_metadata_goes_into_the_safetensors_header(tmp_path):
    from safetensors import safe_open

    path = tmp_path / "model.safetensors"
    state = {"w": tg.arange(3.0)}
    tg.save(state, path, metadata={"model": "reslenet", "model_options": '{"skip": false}'})
    with safe_open(str(path), "np") as f:
        header = f.metadata()
    assert header["model"] == "reslenet" and header["model_options"] == '{"skip": false}'
    _equal(state, tg.load(path))  # the structure is unchanged by the extra entries
    with pytest.raises(ValueError, match="'tensorgrad' is tensorgrad's own"):
        tg.save(state, path, metadata={"tensorgrad": "x"})
    with pytest.raises(TypeError, match="must map strings to strings"):
        tg.save(state, path, metadata={"depth": 4})
    _equal(state, tg.load(path))  # a refused save leaves the file as it was


def test_full_checkpoint_round_trip_is_exact(tmp_path):
    tg.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))
    opt = optim.AdamW(model.parameters(), lr=0.01, amsgrad=True)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=20)
    for _ in range(3):
        opt.zero_grad()
        (model(tg.randn(4, 3)) ** 2).mean().backward()
        opt.step()
        sched.step()
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(),
        "rng": tg.creation.default_generator().bit_generator.state,
        "epoch": 3,
        "history": [0.5, float("inf"), float("nan"), -0.0, 1e-310],
        "note": "résumé ✓",
        "flags": (True, False, None),
        "big": 2**100 + 1,
        "scalar": np.float16(1.5),
        "empty": {},
        "mixed_keys": {1: "one", "1": "string one", (2, 3): [4]},
    }
    path = tmp_path / "checkpoint.safetensors"
    tg.save(checkpoint, path)
    _equal(checkpoint, tg.load(path))


def test_restored_generator_and_optimizer_continue_identically(tmp_path):
    tg.manual_seed(7)
    tg.save({"rng": tg.creation.default_generator().bit_generator.state}, tmp_path / "g")
    first = tg.randn(5).data
    rng = np.random.default_rng()
    rng.bit_generator.state = tg.load(tmp_path / "g")["rng"]
    np.testing.assert_array_equal(rng.standard_normal(5, dtype=np.float32), first)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64,
                                   np.uint8, np.bool_])  # fmt: skip
def test_tensors_keep_dtype_shape_and_requires_grad(tmp_path, dtype):
    data = (np.arange(6).reshape(2, 3) % 3).astype(dtype)
    t = tg.tensor(data, requires_grad=np.dtype(dtype).kind == "f")
    tg.save({"t": t, "scalar": tg.tensor(data[0, 1]), "view": t.data.T}, tmp_path / "t")
    loaded = tg.load(tmp_path / "t")
    _equal(t, loaded["t"])
    assert loaded["scalar"].shape == () and loaded["scalar"].dtype == dtype
    np.testing.assert_array_equal(loaded["view"], data.T)
    loaded["t"].data[...] = 0  # loaded arrays are writable copies


def test_a_tensor_stored_twice_is_written_once(tmp_path):
    shared = tg.randn(100)
    tg.save({"a": shared, "b": shared}, tmp_path / "tied")
    assert len(load_file(str(tmp_path / "tied"))) == 1
    loaded = tg.load(tmp_path / "tied")
    np.testing.assert_array_equal(loaded["a"].data, loaded["b"].data)


def test_plain_safetensors_files_load_as_a_dict_of_tensors(tmp_path):
    save_file({"w": np.ones((2, 2), np.float32)}, str(tmp_path / "plain.safetensors"))
    loaded = tg.load(tmp_path / "plain.safetensors")
    assert list(loaded) == ["w"] and isinstance(loaded["w"], tg.Tensor)


class _Exploit:
    def __reduce__(self):
        return (os.mkdir, (self.target,))


def test_pickles_are_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    exploit = _Exploit()
    exploit.target = str(marker)
    for protocol in (0, 2, 5):
        path = tmp_path / f"evil{protocol}.pt"
        path.write_bytes(pickle.dumps(exploit, protocol=protocol))
        with pytest.raises(ValueError, match=rf"refusing to load .*evil{protocol}.pt.*pickle"):
            tg.load(path)
    assert not marker.exists()


def test_zip_truncated_and_garbage_files_are_refused(tmp_path):
    archive = tmp_path / "torch_style.pt"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    with pytest.raises(ValueError, match="zip archive"):
        tg.load(archive)
    good = tmp_path / "good.safetensors"
    tg.save({"w": tg.randn(50)}, good)
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(good.read_bytes()[:-10])
    with pytest.raises(ValueError, match="truncated.safetensors"):
        tg.load(truncated)
    for name, content in (("empty", b""), ("text", b"hello world, not a checkpoint")):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=f"refusing to load .*{name}"):
            tg.load(tmp_path / name)


def test_unsupported_objects_raise_type_error_naming_the_place(tmp_path):
    with pytest.raises(TypeError, match=r"cannot save a set at opt\.extra"):
        tg.save({"opt": {"extra": {1, 2}}}, tmp_path / "x")
    with pytest.raises(TypeError, match="cannot save a function"):
        tg.save([lambda: 0], tmp_path / "x")
    with pytest.raises(TypeError, match="expected a file path"):
        tg.save({}, 3)
    assert not (tmp_path / "x").exists()


def test_writes_are_atomic(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    tg.save({"version": 1}, path)

    def crash(src, dst):
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        tg.save({"version": 2, "w": tg.randn(1000)}, path)
    monkeypatch.undo()
    assert tg.load(path) == {"version": 1}  # the old checkpoint is intact
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # and no temporary file is left
    tg.save({"version": 3}, path)
    assert tg.load(path) == {"version": 3}
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask  # not the 0o600 of a temp file

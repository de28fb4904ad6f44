"""Datasets and the DataLoader: batching, dtypes, determinism per (seed, epoch), exact resume."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.data import (
    DataLoader,
    Dataset,
    RandomAffine,
    Subset,
    TensorDataset,
    current_generator,
    default_collate,
    random_split,
    seeding,
    use_generator,
)  # fmt: skip


def index_dataset(n: int) -> TensorDataset:
    """Sample i is (i as float32 features, i as int64 target), so batches reveal the order."""
    return TensorDataset(np.arange(n, dtype=np.float32)[:, None], np.arange(n, dtype=np.int64))


class Augmented(Dataset):
    """Images with a random affine applied per batch, the way MNIST applies its transform."""

    def __init__(self, n: int) -> None:
        self.images = np.random.default_rng(1).random((n, 1, 8, 8), dtype=np.float32)
        self.transform = RandomAffine(30, translate=(0.2, 0.2), scale=(0.8, 1.2))

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        return self.transform(self.images[i]), i

    def __getitems__(self, indices):
        return self.transform.batch(self.images[indices]), indices


class PerItem:
    """Duck-typed: only __len__ and __getitem__, drawing from the current generator."""

    def __len__(self) -> int:
        return 10

    def __getitem__(self, i: int):
        return np.float32(i + current_generator().random()), i


def epoch_batches(loader) -> list:
    return [tuple(t.numpy().copy() for t in batch) for batch in loader]


def assert_same(batches_a, batches_b) -> None:
    assert len(batches_a) == len(batches_b)
    for a, b in zip(batches_a, batches_b, strict=True):
        for x, y in zip(a, b, strict=True):
            assert x.dtype == y.dtype and np.array_equal(x, y)


def test_batches_are_tensors_with_the_datasets_dtypes():
    x, y = next(iter(DataLoader(index_dataset(10), batch_size=4)))
    assert isinstance(x, tg.Tensor) and isinstance(y, tg.Tensor)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert x.shape == (4, 1) and y.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_len_and_last_batch(drop_last, sizes):
    loader = DataLoader(index_dataset(10), batch_size=4, drop_last=drop_last)
    assert len(loader) == len(sizes)
    assert [len(y) for _, y in loader] == sizes


def test_shuffled_epoch_visits_every_sample_once_in_the_seeded_order():
    loader = DataLoader(index_dataset(23), batch_size=5, shuffle=True, seed=7)
    order = np.concatenate([y.numpy() for _, y in loader])
    assert sorted(order.tolist()) == list(range(23))
    assert np.array_equal(order, seeding.epoch_permutation(7, 0, 23))
    assert not np.array_equal(order, np.arange(23))


def test_each_iteration_is_a_new_epoch_and_set_epoch_replays_one():
    loader = DataLoader(index_dataset(50), batch_size=8, shuffle=True, seed=3)
    epochs = [epoch_batches(loader) for _ in range(3)]
    assert not np.array_equal(epochs[0][0][1], epochs[1][0][1])
    again = DataLoader(index_dataset(50), batch_size=8, shuffle=True, seed=3)
    again.set_epoch(2)
    assert_same(epoch_batches(again), epochs[2])
    other_seed = DataLoader(index_dataset(50), batch_size=8, shuffle=True, seed=4)
    assert not np.array_equal(epoch_batches(other_seed)[0][1], epochs[0][0][1])


def test_seed_none_draws_from_the_default_generator():
    tg.manual_seed(5)
    a = DataLoader(index_dataset(20), shuffle=True)
    tg.manual_seed(5)
    b = DataLoader(index_dataset(20), shuffle=True)
    assert a.seed == b.seed
    assert_same(epoch_batches(a), epoch_batches(b))


@pytest.mark.parametrize("make", [lambda: Augmented(37), PerItem], ids=["batched", "per-item"])
def test_resumed_iteration_yields_bit_identical_batches(make):
    batch_size = 6 if isinstance(make(), Augmented) else 3
    full = DataLoader(make(), batch_size=batch_size, shuffle=True, seed=11)
    epoch_batches(full)  # epoch 0
    reference = epoch_batches(full)  # epoch 1, uninterrupted

    run = DataLoader(make(), batch_size=batch_size, shuffle=True, seed=11)
    epoch_batches(run)
    seen = []
    for batch in run:  # epoch 1, interrupted after 2 batches
        seen.append(tuple(t.numpy().copy() for t in batch))
        if len(seen) == 2:
            break
    state = run.state_dict()
    assert state == {"seed": 11, "epoch": 1, "batch": 2}

    resumed = DataLoader(make(), batch_size=batch_size, shuffle=True)  # another seed until loaded
    resumed.load_state_dict(state)
    assert_same(seen + epoch_batches(resumed), reference)
    assert resumed.state_dict() == {"seed": 11, "epoch": 2, "batch": 0}


def test_set_epoch_start_batch_matches_the_tail_of_the_epoch():
    loader = DataLoader(Augmented(30), batch_size=4, shuffle=True, seed=2)
    loader.set_epoch(5)
    whole = epoch_batches(loader)
    loader.set_epoch(5, start_batch=3)
    assert_same(epoch_batches(loader), whole[3:])


def test_augmentation_differs_per_batch_and_per_epoch_but_not_per_run():
    loader = DataLoader(Augmented(8), batch_size=4, shuffle=False, seed=0)
    e0, e1 = epoch_batches(loader), epoch_batches(loader)
    assert not np.array_equal(e0[0][0], e1[0][0])  # same samples, new draws
    assert np.array_equal(e0[0][1], e1[0][1])
    with use_generator(seeding.batch_generator(0, 0, 1)):
        direct = Augmented(8).__getitems__(np.arange(4, 8))[0]
    assert np.array_equal(direct, e0[1][0])


def test_per_item_dataset_is_collated():
    x, y = next(iter(DataLoader(PerItem(), batch_size=4, seed=0)))
    assert x.dtype == np.float32 and y.dtype == np.int64 and x.shape == (4,)
    assert np.all((x.numpy() >= np.arange(4)) & (x.numpy() < np.arange(4) + 1))


def test_state_dict_before_and_after_a_full_epoch():
    loader = DataLoader(index_dataset(10), batch_size=4, seed=1)
    assert loader.state_dict() == {"seed": 1, "epoch": 0, "batch": 0}
    epoch_batches(loader)
    assert loader.state_dict() == {"seed": 1, "epoch": 1, "batch": 0}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"num_workers": -1}, "num_workers"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(index_dataset(4), **kwargs)


def test_pytorchs_worker_options_are_accepted_and_change_nothing():
    plain = DataLoader(index_dataset(10), batch_size=3, shuffle=True, seed=2)
    scripted = DataLoader(index_dataset(10), batch_size=3, shuffle=True, seed=2, num_workers=2,
                          pin_memory=True, persistent_workers=True, prefetch_factor=2)  # fmt: skip
    for (a, b), (x, y) in zip(plain, scripted):
        assert a.tolist() == x.tolist() and b.tolist() == y.tolist()


def test_bad_state_and_epoch_are_clear_errors():
    loader = DataLoader(index_dataset(4))
    with pytest.raises(ValueError, match="missing keys"):
        loader.load_state_dict({"epoch": 1})
    with pytest.raises(ValueError, match="epoch"):
        loader.set_epoch(-1)


def test_default_collate_dtypes_and_structure():
    batch = default_collate(
        [(1, 0.5, True, {"a": np.ones(2)}), (2, 1.5, False, {"a": np.zeros(2)})]
    )
    ints, floats, bools, nested = batch
    assert ints.dtype == np.int64 and floats.dtype == np.float32 and bools.dtype == np.bool_
    assert nested["a"].shape == (2, 2)
    with pytest.raises(TypeError, match="cannot batch"):
        default_collate(["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        default_collate([])


def test_tensor_dataset_checks_lengths_and_indexes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        TensorDataset(np.zeros(3), np.zeros(4))
    ds = index_dataset(5)
    x, y = ds[2]
    assert isinstance(x, tg.Tensor) and x.tolist() == [2.0] and y.item() == 2
    assert ds.__getitems__(np.array([4, 0]))[1].tolist() == [4, 0]


def test_subset_and_random_split():
    ds = index_dataset(10)
    sub = Subset(ds, [7, 3])
    assert len(sub) == 2 and sub[0][1].item() == 7
    assert sub.__getitems__(np.array([1, 0]))[1].tolist() == [3, 7]
    parts = random_split(ds, [0.7, 0.3], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [7, 3]
    together = np.concatenate([p.indices for p in parts])
    assert sorted(together.tolist()) == list(range(10))
    with pytest.raises(ValueError, match="sum"):
        random_split(ds, [3, 3])
    with pytest.raises(IndexError, match="length 10"):
        Subset(ds, [10])

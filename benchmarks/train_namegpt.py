"""NameGPT on the US Census names: a plain training loop with the recipe, against the bigram.

    PYTHONPATH=. python benchmarks/train_namegpt.py [--epochs 4] [--dim 64] [--depth 2]
        [--heads 4] [--batch-size 128] [--lr 3e-3] [--limit N] [--json PATH]

Trains ``NameGPT`` with AdamW and a one-cycle schedule (``models.namegpt.RECIPE``, any option
overriding it) on the training split, prints each epoch's training loss, validation loss and
wall time (evaluation excluded), then the test loss against the add-k bigram's (k chosen on
the validation split), both in nats per character, and a few sampled names. ``--limit N``
trains on the first N training names only (a quick check of the code path).
"""

import argparse
import os
import time

from common import environment, write_json

import models  # noqa: F401  (a checkout's models/ folder becomes tensorgrad.models)
import tensorgrad as tg
from tensorgrad import optim
from tensorgrad.data import DataLoader
from tensorgrad.models.namegpt import (
    RECIPE,
    BigramModel,
    NameDataset,
    NameGPT,
    Vocab,
    char_loss,
    load_corpus,
    sample,
    split_loss,
)

MODEL_KEYS = ("block_size", "dim", "depth", "heads", "dropout")


def parse_args() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for key, value in RECIPE.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", default=None)
    return vars(parser.parse_args())


def main() -> None:
    args = parse_args()
    recipe = {**RECIPE, **{k: v for k, v in args.items() if k in RECIPE}}
    corpus = load_corpus()
    print(corpus.source)
    train_names = corpus.train[: args["limit"]]
    vocab = Vocab.from_names(corpus.train)
    bigram = BigramModel.tuned(train_names, corpus.valid, vocab)
    print(f"bigram (k={bigram.k}): valid {bigram.loss(corpus.valid):.4f}, "
          f"test {bigram.loss(corpus.test):.4f} nats/char")  # fmt: skip

    tg.manual_seed(recipe["seed"])
    model = NameGPT(vocab.size, **{k: recipe[k] for k in MODEL_KEYS})
    train_set = NameDataset(train_names, vocab, recipe["block_size"])
    valid_set, test_set = (NameDataset(s, vocab, recipe["block_size"])
                           for s in (corpus.valid, corpus.test))  # fmt: skip
    loader = DataLoader(train_set, batch_size=recipe["batch_size"], shuffle=True,
                        seed=recipe["seed"])  # fmt: skip
    optimizer = optim.AdamW(model.parameters(), lr=recipe["lr"],
                            weight_decay=recipe["weight_decay"])  # fmt: skip
    steps = recipe["epochs"] * len(loader)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, recipe["lr"], total_steps=steps)
    print(f"NameGPT {sum(p.numel() for p in model.parameters())} parameters, {recipe}")
    epochs = []
    for epoch in range(recipe["epochs"]):
        start, total, count = time.perf_counter(), 0.0, 0
        for batch in loader:
            loss, n = char_loss(model, batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total, count = total + loss.item() * n, count + n
        seconds = time.perf_counter() - start
        valid = split_loss(model, valid_set)
        epochs.append({"train_loss": total / count, "valid_loss": valid, "seconds": seconds})
        print(f"epoch {epoch + 1}: train {total / count:.4f}, valid {valid:.4f} nats/char, "
              f"{seconds:.1f} s", flush=True)  # fmt: skip
    test, bigram_test = split_loss(model, test_set), bigram.loss(corpus.test)
    print(f"test {test:.4f} nats/char, bigram {bigram_test:.4f}: {bigram_test - test:.4f} below; "
          f"trained in {sum(e['seconds'] for e in epochs):.1f} s")  # fmt: skip
    print("samples:", ", ".join(sample(model, vocab, 12, seed=0)))
    write_json(args["json"], {"environment": environment(), "recipe": recipe, "epochs": epochs,
                              "test_loss": test, "bigram_test_loss": bigram_test,
                              "bigram_k": bigram.k, "load": os.getloadavg()})  # fmt: skip


if __name__ == "__main__":
    main()

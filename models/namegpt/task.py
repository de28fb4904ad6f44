"""Language modelling of the names corpus, the task of ``tensorgrad train --model namegpt``
(see ``models/task.py``): the training split to learn, the validation split evaluated after
every epoch, and at the end the test loss against the count-based bigram's, both in nats per
character, and a few sampled names. Its ``sample`` subcommand draws names from a trained run.
"""

from ..registry import resolve_options
from ..task import Final, Step, Task
from .batches import IGNORE, NameDataset
from .bigram import BigramModel
from .corpus import load_corpus
from .loss import loader_loss, next_char_loss
from .sample_command import add_parser as add_sample_parser
from .sample_command import run as run_sample
from .sampling import sample
from .vocab import Vocab

N_SAMPLES = 10  # names printed (and kept in metrics.json) at the end of a run


class NamesTask(Task):
    """(B, T) character indices in, (B, T, vocabulary) next-character logits out; a model of
    this task has the options ``chars`` (its vocabulary) and ``block_size``."""

    name = "language modelling"
    datasets = ("names",)
    unit, unit_short = "character", "char"
    history = ("train_loss", "val_loss")
    commands = {"sample": (add_sample_parser, run_sample)}

    def splits(self, config) -> tuple[list[str], list[str], list[str], Vocab, int]:
        """(train, valid, test) names cut to --limit and --test-limit, the model's vocabulary
        and block size; a ValueError when the corpus has a character the vocabulary lacks."""
        corpus = load_corpus(config.data_dir)
        options = resolve_options(config.model, config.model_options)
        vocab = Vocab(options["chars"])
        missing = sorted(set("".join(corpus.train + corpus.valid + corpus.test)) - set(vocab.chars))
        if missing:
            raise ValueError(f"the names corpus uses {''.join(missing)!r}, which the model's "
                             f"vocabulary --chars {vocab.chars!r} lacks")  # fmt: skip
        test_limit = config.test_limit
        return (corpus.train[: config.limit], corpus.valid[:test_limit], corpus.test[:test_limit],
                vocab, options["block_size"])  # fmt: skip

    def data(self, config) -> tuple:
        train, valid, _, vocab, block_size = self.splits(config)
        return NameDataset(train, vocab, block_size), NameDataset(valid, vocab, block_size)

    def step(self, model, batch, config) -> Step:
        inputs, targets = batch
        return Step(next_char_loss(model(inputs), targets), (targets != IGNORE).sum())

    def evaluate(self, model, loader) -> float:
        """The mean loss in nats per character."""
        return loader_loss(model, loader)

    def epoch_row(self, running: dict, result: float) -> dict:
        return {"train_loss": running["loss_sum"] / max(running["seen"], 1), "val_loss": result}

    def epoch_text(self, row: dict) -> str:
        return f"train loss {row['train_loss']:.4f}  val loss {row['val_loss']:.4f} nats/char"

    def describe_data(self, train_set: NameDataset) -> str:
        return f"{len(train_set):,} training names ({train_set.n_chars:,} characters)"

    def finish(self, trainer) -> Final:
        config, model = trainer.config, trainer.model
        train, valid, test, vocab, block_size = self.splits(config)
        test_set = NameDataset(test, vocab, block_size)
        test_loss = self.evaluate(model, self.eval_loader(test_set, config))
        bigram = BigramModel.tuned(train, valid, vocab)
        bigram_loss = bigram.loss(test)
        names = sample(model, vocab, N_SAMPLES, seed=config.seed)
        metrics = {"test_loss": test_loss, "bigram_test_loss": bigram_loss, "bigram_k": bigram.k,
                   "test_names": len(test), "samples": names}  # fmt: skip
        shown = ", ".join(name or repr(name) for name in names)
        summary = (f"test loss {test_loss:.4f} nats/char over {len(test):,} test names; the "
                   f"bigram of the same {len(train):,} training names (add-{bigram.k:g} "
                   f"smoothing, k chosen on the validation split): {bigram_loss:.4f}\n"
                   f"samples (seed {config.seed}): {shown}")  # fmt: skip
        gap = bigram_loss - test_loss
        side = "below" if gap >= 0 else "above"
        headline = (f"test loss {test_loss:.4f} nats/char, {abs(gap):.4f} {side} the bigram's "
                    f"{bigram_loss:.4f}")  # fmt: skip
        return Final(metrics, summary, headline)


NAMES = NamesTask()

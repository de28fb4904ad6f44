"""What a model learns, as the trainer sees it: a ``Task`` brings the data set, the loss of a
batch, the evaluation and the report, and the trainer runs every task alike (epochs, progress
bar, TensorBoard, checkpoints, Ctrl-C and exact resume, any device).

A model names its task where it registers; image classification of MNIST digits
(``classification.py``) is the default::

    @register_model("namegpt", defaults={"epochs": 10}, task=NAMES)   # NAMES = NamesTask()
    class NameGPT(nn.Module): ...

A task subclasses ``Task``, sets its attributes and overrides the methods marked *required*
(the others have defaults that fit most tasks). ``config`` is the run's ``TrainConfig``.

Attributes
    name        words for messages: "image classification", "language modelling"
    datasets    the ``--dataset`` values it trains on; the first is its default
    unit        what a step's count counts, for rates and sizes: "image" (``images/s``)
    unit_short  the same in the progress bar: "img" (``img/s``)
    history     the per-epoch values ``epoch_row`` returns, in order; keys ``<split>_<what>``
                (``train_loss``, ``val_loss``, ``test_accuracy``) become TensorBoard tags
                ``<what>/<split>``; the trainer adds ``lr``
    sums        running totals a step adds up besides the loss (``("correct",)``)
    commands    extra subcommands, ``{name: (add_parser, run)}``, on the class or the instance
                (a name the CLI or another task has is refused): ``add_parser(subparsers)`` adds
                its parser (``arguments.add_weights`` gives ``--checkpoint`` and
                ``--device``), ``run(args) -> int`` runs it (``commands.load_model(args)``
                rebuilds the trained model from its weights file alone)

Methods
    data(config) -> (train_set, eval_set)                                            required
        The data sets: ``eval_set`` is evaluated after every epoch (a validation split, or
        the test set). Items are tuples of arrays or tensors (e.g. ``(inputs, targets)``).
        A data set that cannot be had (no network, no file) raises OSError, RuntimeError or
        ValueError, reported as one line.
    train_loader(dataset, config), eval_loader(dataset, config)
        tensorgrad DataLoaders; the defaults shuffle from (seed, epoch) and batch by
        ``config.batch_size`` / ``config.eval_batch_size``. The training loader must support
        ``set_epoch(epoch, start_batch=b)``, which makes the resume exact.
    step(model, batch, config) -> Step                                               required
        The forward pass and loss of one training batch (already on the model's device);
        the trainer runs backward and the optimizer.
    evaluate(model, loader) -> result                                                required
        A result object (any) of the model over a loader, in eval mode and without a graph
        (``tg.no_grad()``), leaving the model in the mode it found.
    epoch_row(running, result) -> {key: float}                                       required
        This epoch's ``history`` values: ``running`` holds ``loss_sum`` (the loss times the
        count, summed), ``seen`` (the counts summed) and each of ``sums``; ``result`` is the
        evaluation of ``eval_set``.
    running_text(running) -> str       the progress bar's live figures besides the loss ("")
    epoch_text(row) -> str             the per-epoch line's figures (loss and accuracy keys)
    log_epoch(events, step, result)    TensorBoard extras (the trainer logs the row's scalars
                                       and weight histograms); ``events`` is a ``tblog.EventLog``
    finish(trainer) -> Final                                                         required
        The end of a run: the final figures for metrics.json (e.g. ``test_loss``), the plots
        it writes into ``trainer.folder``, what it prints; ``trainer`` has ``config``,
        ``model``, ``progress`` (history, timings), ``last_eval`` and the loaders.
    describe_data(train_set) -> str    the run header's words for the training data
"""

from dataclasses import dataclass, field


@dataclass
class Step:
    """One training batch: ``loss`` (a 0-d tensor, the mean over what ``count`` counts),
    ``count`` (an int, or a 0-d tensor on the device) and the ``sums`` of the batch named by
    the task's ``sums`` (0-d tensors or ints). The trainer reads tensors back in one transfer
    every few steps, so a step on a GPU never waits for the host."""

    loss: object
    count: object
    sums: dict = field(default_factory=dict)


@dataclass
class Final:
    """A run's end, as its task reports it. ``metrics``: entries of metrics.json (plain JSON
    values); ``summary``: printed before the last lines ("" for none); ``headline``: the
    figure the last line ends with ("test accuracy 99.12%"); ``files``: the plots written."""

    metrics: dict
    summary: str = ""
    headline: str = ""
    files: tuple[str, ...] = ()


class Task:
    """The interface the trainer runs; see the module docstring."""

    name = "task"
    datasets: tuple[str, ...] = ()
    unit = "sample"
    unit_short = "sample"
    history: tuple[str, ...] = ("train_loss",)
    sums: tuple[str, ...] = ()
    commands: dict = {}

    @property
    def rate_key(self) -> str:
        """The progress and metrics.json key of the throughput, e.g. ``images_per_second``."""
        return f"{self.unit}s_per_second"

    def data(self, config) -> tuple:
        raise NotImplementedError(f"{type(self).__name__}.data")

    def train_loader(self, dataset, config):
        from .data import train_loader

        return train_loader(dataset, config)

    def eval_loader(self, dataset, config):
        from .data import test_loader

        return test_loader(dataset, config)

    def step(self, model, batch, config) -> Step:
        raise NotImplementedError(f"{type(self).__name__}.step")

    def evaluate(self, model, loader):
        raise NotImplementedError(f"{type(self).__name__}.evaluate")

    def epoch_row(self, running: dict, result) -> dict:
        raise NotImplementedError(f"{type(self).__name__}.epoch_row")

    def running_text(self, running: dict) -> str:
        return ""

    def epoch_text(self, row: dict) -> str:
        """``train loss 0.1234 acc 97.12%  test loss ...``: each split's loss and accuracy."""
        splits: dict[str, list[str]] = {}
        for key, value in row.items():
            split, _, what = key.partition("_")
            if what == "loss":
                splits.setdefault(split, []).append(f"loss {value:.4f}")
            elif what == "accuracy":
                splits.setdefault(split, []).append(f"acc {100 * value:.2f}%")
        return "  ".join(f"{split} {' '.join(parts)}" for split, parts in splits.items())

    def log_epoch(self, events, step: int, result) -> None:
        pass

    def finish(self, trainer) -> Final:
        raise NotImplementedError(f"{type(self).__name__}.finish")

    def describe_data(self, train_set) -> str:
        return f"{len(train_set):,} training {self.unit}s"

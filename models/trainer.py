"""One generic trainer for every registered model: epochs of SGD/Adam steps, evaluation,
TensorBoard logging, atomic checkpoints, Ctrl-C handling and exact resume, on any device. What
a batch's loss is, what is evaluated and reported comes from the model's task (``task.py``).

On a GPU the training data stay on the device (``devices.ResidentBatches``) and the loss and
accuracy are read back every ``LOG_EVERY`` steps, not every step, so that a step is kernel
launches only; on the CPU reading is free and happens every step.
"""

import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from . import data as run_data
from .builders import build_model, build_optimizer, build_scheduler, current_lr
from .checkpoint import save_checkpoint, save_weights, set_rng_state
from .config import TrainConfig
from .devices import ResidentBatches, host_batches, resolve
from .registry import model_task
from .runs import CHECKPOINT, WEIGHTS
from .task import Task

LOG_EVERY = 50  # steps between reads of the loss from a GPU


class Interrupted(Exception):
    """Training stopped on request (Ctrl-C); ``checkpoint`` is the file to --resume from."""

    def __init__(self, checkpoint: Path, epoch: int, batch: int, steps_per_epoch: int) -> None:
        super().__init__(f"stopped at epoch {epoch + 1}, batch {batch}/{steps_per_epoch}")
        self.checkpoint, self.epoch, self.batch = checkpoint, epoch, batch


def new_running(task: Task) -> dict:
    """The sums of the epoch so far: the loss times the count, the count, the task's own."""
    return {"loss_sum": 0.0, **{key: 0 for key in task.sums}, "seen": 0, "seconds": 0.0}


def new_progress(task: Task) -> dict:
    """Where the run stands; saved in the checkpoint so a resumed run is bit-identical."""
    return {
        "epoch": 0,  # epochs completed
        "batch": 0,  # batches completed in the current epoch
        "step": 0,  # optimizer steps in total
        "running": new_running(task),
        "history": {key: [] for key in (*task.history, "lr")},
        "epoch_seconds": [],  # training time of each epoch (evaluation excluded)
        "eval_seconds": [],
        task.rate_key: [],  # e.g. images_per_second, of each epoch
        "step_loss": [],
    }


class Trainer:
    """Train ``config.model`` on ``train_set``, evaluating on ``eval_set`` after every epoch
    (the data sets of the model's task: ``task.data(config)``).

    ``on_step(trainer)`` is called after every optimizer step (tests use it to stop a run);
    ``events`` is an ``EventLog`` or None; ``echo`` prints a line.
    """

    def __init__(self, config: TrainConfig, folder: Path, train_set, eval_set, *,
                 checkpoint: dict | None = None, events=None, show_progress: bool = True,
                 echo: Callable[[str], None] = print,
                 on_step: Callable[["Trainer"], None] | None = None) -> None:  # fmt: skip
        import tensorgrad as tg

        self.config = config.validate()
        self.task = model_task(config.model)
        self.folder = Path(folder)
        tg.manual_seed(config.seed)
        self.device = resolve(config.device)
        self.model = build_model(config).to(self.device)
        self.optimizer = build_optimizer(config, self.model)
        self.train_loader = self.task.train_loader(train_set, config)
        self.resident = None
        if self.device.type != "cpu" and not config.augment:
            self.resident = ResidentBatches(self.train_loader, self.device)
        self.eval_loader = self.task.eval_loader(eval_set, config)
        self.steps_per_epoch = len(self.train_loader)
        self.scheduler = build_scheduler(config, self.optimizer, self.steps_per_epoch)
        self.progress = new_progress(self.task)
        self.events, self.show_progress, self.echo, self.on_step = (
            events, show_progress, echo, on_step
        )  # fmt: skip
        self.last_eval = None  # the task's evaluation of eval_set after the latest epoch
        self._stop = False
        if checkpoint is not None:
            self._restore(checkpoint)

    # -- state ------------------------------------------------------------------------------
    def _restore(self, checkpoint: dict) -> None:
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(checkpoint["scheduler"])
        set_rng_state(checkpoint["rng"])
        self.progress = checkpoint["progress"]

    def save(self) -> Path:
        """checkpoint.safetensors (atomically) in the run folder."""
        return save_checkpoint(
            self.folder / CHECKPOINT, config=self.config, model=self.model,
            optimizer=self.optimizer, scheduler=self.scheduler, progress=self.progress,
        )  # fmt: skip

    def request_stop(self) -> None:
        """Stop after the current step, save a checkpoint, raise Interrupted (as Ctrl-C does)."""
        self._stop = True

    @property
    def finished(self) -> bool:
        return self.progress["epoch"] >= self.config.epochs

    # -- the loop ---------------------------------------------------------------------------
    def fit(self) -> dict:
        """Train the remaining epochs; returns the progress dict (history, timings)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with _sigint_requests_stop(self):
            while not self.finished:
                self._train_epoch()
                if self._stop:
                    raise Interrupted(self.save(), self.progress["epoch"], 0, self.steps_per_epoch)
        return self.progress

    def _train_epoch(self) -> None:
        p, run = self.progress, self.progress["running"]
        epoch = p["epoch"]
        bar = self._bar(epoch, p["batch"])
        self.model.train()
        start = time.perf_counter() - run["seconds"]
        every = 1 if self.device.type == "cpu" else LOG_EVERY
        pending = []  # (loss, count, sums, lr) of the steps not yet read back
        for batch in self._batches(epoch, p["batch"]):
            step = self.task.step(self.model, batch, self.config)
            self.optimizer.zero_grad()
            step.loss.backward()
            lr = current_lr(self.optimizer)
            self.optimizer.step()
            if self.scheduler is not None:
                self.scheduler.step()
            pending.append((step.loss.detach(), step.count, step.sums, lr))  # no graph kept
            p["batch"] += 1
            last = p["batch"] == self.steps_per_epoch
            if len(pending) == every or last or self._stop or self.on_step is not None:
                self._record(pending, run, bar, start)
                pending = []
            if self.on_step is not None:
                self.on_step(self)
            if self._stop and p["batch"] < self.steps_per_epoch:
                bar.close()
                raise Interrupted(self.save(), epoch, p["batch"], self.steps_per_epoch)
        bar.close()
        seconds = time.perf_counter() - start
        tic = time.perf_counter()
        result = self.task.evaluate(self.model, self.eval_loader)
        self.last_eval = result
        row = {**self.task.epoch_row(run, result), "lr": current_lr(self.optimizer)}
        for key, value in row.items():
            p["history"].setdefault(key, []).append(value)
        p["epoch_seconds"].append(seconds)
        p[self.task.rate_key].append(run["seen"] / seconds if seconds > 0 else 0.0)
        p["eval_seconds"].append(time.perf_counter() - tic)
        p["epoch"], p["batch"] = epoch + 1, 0
        p["running"] = new_running(self.task)
        self._log_epoch(epoch, row, result)
        save_weights(self.folder / WEIGHTS, self.model, self.config)
        self.save()

    def _batches(self, epoch: int, start: int):
        if self.resident is not None:
            return self.resident.batches(epoch, start)
        batches = run_data.batches_from(self.train_loader, epoch, start)
        return batches if self.device.type == "cpu" else host_batches(batches, self.device)

    def _record(self, pending: list, run: dict, bar, start: float) -> None:
        """Read the pending steps' losses and sums back (a transfer each) and log each step."""
        p = self.progress
        values = _read([loss.float() for loss, *_ in pending])
        counts = _read([count for _, count, _, _ in pending])
        sums = {key: _read([s[key] for _, _, s, _ in pending]) for key in self.task.sums}
        run["seconds"] = time.perf_counter() - start
        for i, (value, (*_, lr)) in enumerate(zip(values, pending)):
            run["loss_sum"] += value * counts[i]
            for key in self.task.sums:
                run[key] += sums[key][i]
            run["seen"] += counts[i]
            p["step"] += 1
            p["step_loss"].append(value)
            if self.events is not None:
                self.events.step(p["step"], value, lr)
            self._update_bar(bar, value, run)

    # -- output -----------------------------------------------------------------------------
    def _bar(self, epoch: int, start: int):
        from tqdm import tqdm

        desc = f"epoch {epoch + 1}/{self.config.epochs}"
        return tqdm(
            total=self.steps_per_epoch, initial=start, desc=desc,
            unit="batch", leave=False, dynamic_ncols=True, disable=not self.show_progress,
            file=sys.stderr,
        )  # fmt: skip

    def _update_bar(self, bar, loss: float, run: dict) -> None:
        if bar.disable or (bar.n + 1) % 5:
            bar.update(1)
            return
        speed = run["seen"] / run["seconds"] if run["seconds"] > 0 else 0.0
        figures = [f"loss {loss:.4f}", self.task.running_text(run),
                   f"{speed:,.0f} {self.task.unit_short}/s"]  # fmt: skip
        bar.set_postfix_str("  ".join(f for f in figures if f), refresh=False)
        bar.update(1)

    def _log_epoch(self, epoch: int, row: dict, result) -> None:
        p = self.progress
        self.echo(
            f"epoch {epoch + 1}/{self.config.epochs}  {self.task.epoch_text(row)}  "
            f"{p['epoch_seconds'][-1]:.1f} s ({p[self.task.rate_key][-1]:,.0f} "
            f"{self.task.unit_short}/s) + eval {p['eval_seconds'][-1]:.1f} s"
        )
        if self.events is None:
            return
        step = p["step"]  # one x axis for every tag: the optimizer step
        self.events.epoch(step, row)
        self.task.log_epoch(self.events, step, result)
        self.events.histograms(step, self.model.named_parameters())
        self.events.flush()


def _read(values: list) -> list:
    """Python numbers of ``values`` (0-d tensors, read back in one transfer, or numbers)."""
    import tensorgrad as tg

    if all(isinstance(v, tg.Tensor) for v in values):
        return tg.stack(values).tolist()
    return [v.item() if isinstance(v, tg.Tensor) else v for v in values]


class _sigint_requests_stop:
    """While active, the first Ctrl-C asks the trainer to stop cleanly after the current step;
    a second one interrupts at once (Python's default behaviour)."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer, self.previous = trainer, None

    def _handler(self, signum, frame) -> None:
        self.trainer.echo("\nCtrl-C: saving a checkpoint after this step (Ctrl-C again to abort)")
        self.trainer.request_stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)

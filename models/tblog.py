"""TensorBoard event files of a run, written by tensorboard's own record writer and protobufs.

Open them with ``tensorboard --logdir runs``. Every tag uses one x axis, the optimizer step, so
per-epoch values sit at the step where their epoch ended. The trainer writes ``loss/train_step``
and ``lr`` every step and, every epoch, each value of the task's row as ``<what>/<split>``
(``loss/train``, ``accuracy/test``, ...) and the ``weights/<param>`` and ``grads/<param>``
histograms; image classification adds ``class_accuracy/<digit>`` and the ``confusion_matrix``
image.

tensorboard is imported when a log is opened, not with this module: its summary package
loads a TensorFlow stub (about 0.4 s), which the CLI's start-up need not pay. The file is
named here, not by ``EventFileWriter``: a resumed run's file must sort after the file of the
run it continues, even within the same second (TensorBoard reads a folder's files in name
order), so the name ends with the first step the file holds.
"""

import io
import socket
import time
from pathlib import Path

import numpy as np

from .devices import as_numpy


class EventLog:
    """Append-only TensorBoard event file in ``folder``.

    ``purge_step`` (when resuming) tells TensorBoard to drop what the interrupted run logged at
    or after that step, so a resumed run's curves have no duplicates.
    """

    def __init__(self, folder: Path, purge_step: int | None = None) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter

        self._event, self._summary = event_pb2, summary_pb2
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        first = 0 if purge_step is None else purge_step
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{first:010d}"
        self.path = folder / name
        self._writer = RecordWriter(open(self.path, "ab"))  # noqa: SIM115 (closed in close())
        self._write(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))
        if purge_step is not None:
            start = event_pb2.SessionLog(status=event_pb2.SessionLog.START)
            self._write(event_pb2.Event(wall_time=time.time(), step=purge_step, session_log=start))

    def _write(self, event) -> None:
        self._writer.write(event.SerializeToString())

    def _values(self, step: int, values: list) -> None:
        summary = self._summary.Summary(value=values)
        self._write(self._event.Event(wall_time=time.time(), step=step, summary=summary))

    def scalars(self, step: int, values: dict[str, float]) -> None:
        value = self._summary.Summary.Value
        self._values(step, [value(tag=t, simple_value=float(v)) for t, v in values.items()])

    def step(self, step: int, loss: float, lr: float) -> None:
        self.scalars(step, {"loss/train_step": loss, "lr": lr})

    def epoch(self, step: int, row: dict[str, float]) -> None:
        """A task's per-epoch row: ``train_loss`` as ``loss/train``, ``test_accuracy`` as
        ``accuracy/test`` (the learning rate is logged every step)."""
        tags = {}
        for key, value in row.items():
            split, _, what = key.partition("_")
            if key != "lr":
                tags[f"{what}/{split}" if what else key] = value
        self.scalars(step, tags)

    def histograms(self, step: int, named_parameters) -> None:
        """Weight and gradient histograms, one pair per parameter (on any device)."""
        values = []
        for name, param in named_parameters:
            values.append(self._histogram(f"weights/{name}", as_numpy(param)))
            if param.grad is not None:
                values.append(self._histogram(f"grads/{name}", as_numpy(param.grad)))
        self._values(step, values)

    def _histogram(self, tag: str, array: np.ndarray, bins: int = 30):
        x = array.astype(np.float64).ravel()
        counts, edges = np.histogram(x, bins=bins)
        histo = self._summary.HistogramProto(
            min=float(x.min()), max=float(x.max()), num=float(x.size), sum=float(x.sum()),
            sum_squares=float(np.dot(x, x)), bucket_limit=edges[1:].tolist(),
            bucket=counts.astype(float).tolist(),
        )  # fmt: skip
        return self._summary.Summary.Value(tag=tag, histo=histo)

    def image(self, tag: str, step: int, rgb: np.ndarray) -> None:
        """An (H, W, 3) uint8 image, stored as PNG."""
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format="PNG")
        image = self._summary.Summary.Image(
            height=rgb.shape[0], width=rgb.shape[1], colorspace=3,
            encoded_image_string=buffer.getvalue(),
        )  # fmt: skip
        self._values(step, [self._summary.Summary.Value(tag=tag, image=image)])

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        if not self._writer.closed:
            self._writer.close()

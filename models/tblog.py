"""TensorBoard event files of a run, written with tensorboard's protobuf messages.

Open them with ``tensorboard --logdir runs``. Every tag uses one x axis, the optimizer step, so
per-epoch values sit at the step where their epoch ended. Tags: ``loss/train_step``, ``lr``,
``loss/train``, ``loss/test``, ``accuracy/train``, ``accuracy/test``, ``class_accuracy/<digit>``,
``weights/<param>``, ``grads/<param>`` and the ``confusion_matrix`` image.

Why not tensorboardX or ``tensorboard.summary``: the first imports PyTorch when it is installed
(5 s) and the second imports TensorFlow's stub (1.5 s); the file format is small enough to
write here: TFRecord framing (length, CRC-32C) around serialised ``Event`` messages.
"""

import io
import socket
import struct
import time
from pathlib import Path

import numpy as np


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum TFRecord files use."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked(data: bytes) -> bytes:
    crc = crc32c(data)
    return struct.pack("<I", (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


class EventLog:
    """Append-only TensorBoard event file in ``folder``.

    ``purge_step`` (when resuming) tells TensorBoard to drop what the interrupted run logged at
    or after that step, so a resumed run's curves have no duplicates.
    """

    def __init__(self, folder: Path, purge_step: int | None = None) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2

        self._event, self._summary = event_pb2, summary_pb2
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        # TensorBoard reads a folder's files in name order: the first step breaks ties within a
        # second, so a run resumed at once is still read after the run it continues
        first = 0 if purge_step is None else purge_step
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{first:010d}"
        self.path = folder / name
        self._file = open(self.path, "ab")  # noqa: SIM115 (closed in close())
        self._write(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))
        if purge_step is not None:
            start = event_pb2.SessionLog(status=event_pb2.SessionLog.START)
            self._write(event_pb2.Event(wall_time=time.time(), step=purge_step, session_log=start))

    def _write(self, event) -> None:
        data = event.SerializeToString()
        header = struct.pack("<Q", len(data))
        self._file.write(header + _masked(header) + data + _masked(data))

    def _values(self, step: int, values: list) -> None:
        summary = self._summary.Summary(value=values)
        self._write(self._event.Event(wall_time=time.time(), step=step, summary=summary))

    def scalars(self, step: int, values: dict[str, float]) -> None:
        value = self._summary.Summary.Value
        self._values(step, [value(tag=t, simple_value=float(v)) for t, v in values.items()])

    def step(self, step: int, loss: float, lr: float) -> None:
        self.scalars(step, {"loss/train_step": loss, "lr": lr})

    def epoch(self, step: int, row: dict[str, float]) -> None:
        """Per-epoch scalars; ``row`` holds train/test loss and accuracy."""
        self.scalars(step, {
            "loss/train": row["train_loss"], "loss/test": row["test_loss"],
            "accuracy/train": row["train_accuracy"], "accuracy/test": row["test_accuracy"],
        })  # fmt: skip

    def class_accuracy(self, step: int, accuracy: np.ndarray) -> None:
        values = {f"class_accuracy/{i}": np.nan_to_num(a) for i, a in enumerate(accuracy)}
        self.scalars(step, values)

    def histograms(self, step: int, named_parameters) -> None:
        """Weight and gradient histograms, one pair per parameter."""
        values = []
        for name, param in named_parameters:
            values.append(self._histogram(f"weights/{name}", np.asarray(param.data)))
            if param.grad is not None:
                values.append(self._histogram(f"grads/{name}", np.asarray(param.grad.data)))
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
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

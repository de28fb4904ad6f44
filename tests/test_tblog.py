"""The TensorBoard event files, read back with tensorboard's own EventAccumulator: every kind of
value the trainer logs, and the purge that keeps a resumed run's curves free of duplicates."""

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import tensorgrad as tg
from tensorgrad.models.tblog import EventLog


def _read(folder) -> EventAccumulator:
    events = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    return events


def test_scalars_rows_histograms_and_images_read_back(tmp_path):
    log = EventLog(tmp_path)
    log.step(1, 2.5, 0.01)
    log.epoch(1, {"train_loss": 0.5, "test_accuracy": 0.75, "val_loss": 0.25, "lr": 0.01})
    layer = tg.nn.Linear(3, 2)
    layer(tg.randn(4, 3)).sum().backward()
    log.histograms(1, layer.named_parameters())
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[1, 2] = (255, 0, 0)
    log.image("confusion_matrix", 1, rgb)
    log.close()
    events = _read(tmp_path)
    tags = events.Tags()
    assert set(tags["scalars"]) == {"loss/train_step", "lr", "loss/train", "accuracy/test",
                                    "loss/val"}  # fmt: skip
    assert [e.value for e in events.Scalars("accuracy/test")] == [0.75]
    assert events.Scalars("loss/train_step")[0].value == 2.5
    assert set(tags["histograms"]) == {"weights/weight", "weights/bias", "grads/weight",
                                       "grads/bias"}  # fmt: skip
    histogram = events.Histograms("weights/weight")[0].histogram_value
    assert histogram.num == 6 and np.isclose(histogram.sum, float(layer.weight.sum()))
    assert sum(histogram.bucket) == 6
    image = events.Images("confusion_matrix")[0]
    assert (image.width, image.height) == (6, 4)
    assert image.encoded_image_string.startswith(b"\x89PNG")


def test_a_resumed_log_purges_what_the_interrupted_run_logged_after_it(tmp_path):
    first = EventLog(tmp_path)
    for step in range(1, 11):  # the run logged steps 1..10, then its checkpoint was at step 5
        first.step(step, float(step), 0.1)
    first.close()
    second = EventLog(tmp_path, purge_step=6)
    for step in range(6, 13):
        second.step(step, 100.0 + step, 0.1)
    second.close()
    assert sorted(p.name for p in tmp_path.iterdir())[-1] == second.path.name  # read last
    values = [(e.step, e.value) for e in _read(tmp_path).Scalars("loss/train_step")]
    assert values == [(s, float(s)) for s in range(1, 6)] + [(s, 100.0 + s) for s in range(6, 13)]


def test_histograms_of_parameters_on_a_device_are_read_back_to_the_host(tmp_path):
    from tensorgrad.testing.device import TEST_DEVICE  # refuses implicit conversion to NumPy

    layer = tg.nn.Linear(3, 2).to(TEST_DEVICE)
    layer(tg.randn(4, 3, device=TEST_DEVICE)).sum().backward()
    log = EventLog(tmp_path)
    log.histograms(1, layer.named_parameters())
    log.close()
    histogram = _read(tmp_path).Histograms("grads/bias")[0].histogram_value
    assert histogram.num == 2 and np.isclose(histogram.sum, 8.0)  # d sum / d bias = 4 rows each

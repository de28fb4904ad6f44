"""The residual LeNet in the shared trainer: BatchNorm's running statistics through train and
eval, and a short run on synthetic digits that beats LeNet-5 trained for the same steps."""

import numpy as np

from tensorgrad import nn
from tensorgrad.models.config import TrainConfig
from tensorgrad.models.data import datasets
from tensorgrad.models.evaluation import evaluate
from tensorgrad.models.trainer import Trainer


def _trainer(folder, on_step=None, **changes) -> Trainer:
    base = dict(model="reslenet", dataset="synthetic", epochs=2, batch_size=32, limit=640,
                test_limit=500, schedule="constant", lr=2e-3, seed=0)  # fmt: skip
    config = TrainConfig(**{**base, **changes})
    train, test = datasets(config)
    return Trainer(config, folder, train, test, show_progress=False, echo=lambda line: None,
                   on_step=on_step)  # fmt: skip


def _stats(model) -> dict:
    return {k: np.array(v.data) for k, v in model.named_buffers()}


def test_batchnorm_running_statistics_through_train_and_eval(tmp_path):
    after_step = {}

    def record(trainer):
        assert trainer.model.training  # every step runs in training mode
        after_step[trainer.progress["step"]] = _stats(trainer.model)

    trainer = _trainer(tmp_path, on_step=record, epochs=1, limit=160)
    norms = [m for m in trainer.model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 6
    initial = _stats(trainer.model)
    trainer.fit()
    steps = trainer.progress["step"]
    assert steps == 5
    # training updates the running statistics at every step ...
    for step in range(1, steps + 1):
        previous = initial if step == 1 else after_step[step - 1]
        for key, value in after_step[step].items():
            if key.endswith("num_batches_tracked"):
                assert value == step, key
            else:
                assert not np.array_equal(value, previous[key]), (step, key)
    # ... and the evaluation after the epoch (10 test batches) left them as the last step did
    final = _stats(trainer.model)
    for key, value in after_step[steps].items():
        np.testing.assert_array_equal(final[key], value, err_msg=key)
    assert trainer.model.training  # evaluation restores the mode it found

    # evaluation uses the running statistics: a fresh evaluation agrees with the trainer's,
    # and shifting one running mean changes the result (batch statistics would not see it)
    again = evaluate(trainer.model, trainer.eval_loader)
    assert again.loss == trainer.last_eval.loss
    np.testing.assert_array_equal(again.confusion, trainer.last_eval.confusion)
    norms[0].running_mean.data += 3.0
    shifted = evaluate(trainer.model, trainer.eval_loader)
    assert shifted.loss != again.loss
    np.testing.assert_array_equal(norms[0].running_mean.data, final["features.2.running_mean"] + 3)


def test_short_run_beats_lenet5_trained_for_the_same_steps(tmp_path):
    # 40 steps of 32 synthetic digits each, the same seed, optimizer and learning rate for both;
    # measured: reslenet 97.8-99.0% and lenet5 79-86% test accuracy over seeds 0-3
    res = _trainer(tmp_path / "res")
    res.fit()
    lenet = _trainer(tmp_path / "lenet", model="lenet5")
    lenet.fit()
    assert res.progress["step"] == lenet.progress["step"] == 40
    assert res.last_eval.accuracy >= lenet.last_eval.accuracy + 0.05, (
        res.last_eval.accuracy, lenet.last_eval.accuracy
    )  # fmt: skip
    assert res.last_eval.loss < lenet.last_eval.loss

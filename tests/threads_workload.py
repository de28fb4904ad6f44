"""Work for ``test_threads.py`` to run in a subprocess (an abort must fail a test, not kill
pytest): ``python tests/threads_workload.py models|fork``. Prints what went wrong and exits 1;
prints ``ok`` when every check held.

``models``: every registered image classifier (and LeNet-5's classic variant), on MNIST-shaped
batches:
``CALLERS`` Python threads at once, each a few training steps on its own copy of the model, then
each a few inference passes on one shared model; every loss, gradient-updated weight and logit
bit for bit equal to the same calls made one at a time. The batches are big enough that every
kernel path runs split across the kernel threads (the strided convolution's phase kernels
included).

``fork``: a child forked after the threads' work runs the kernels and gets the parent's numbers.
"""

import multiprocessing
import sys
import threading

import numpy as np

import models  # noqa: F401  (the checkout's models/ folder becomes tensorgrad.models, as in conftest)
import tensorgrad as tg
from tensorgrad.models.classification import ImageClassification
from tensorgrad.models.registry import create_model, model_names, model_task
from tensorgrad.nn import functional as F

CALLERS, STEPS, PASSES, BATCH = 6, 3, 3, 64


def variants() -> list[tuple[str, dict]]:
    classifiers = [n for n in model_names() if isinstance(model_task(n), ImageClassification)]
    return [(name, {}) for name in classifiers] + [("lenet5", {"classic": True})]


def _batches(seed: int):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((STEPS, BATCH, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, (STEPS, BATCH))
    return [(tg.from_numpy(x), tg.from_numpy(y)) for x, y in zip(images, labels)]


def _copy(name, options, reference):
    model = create_model(name, **options)
    model.load_state_dict(reference.state_dict())
    return model


def _train(model, batches) -> list[np.ndarray]:
    """The losses, then every weight and buffer after the steps."""
    optimizer = tg.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.data.copy())
    return losses + [value.data.copy() for value in model.state_dict().values()]


def _infer(model, batches) -> list[np.ndarray]:
    with tg.no_grad():
        return [model(x).data.copy() for _ in range(PASSES) for x, _ in batches]


def _at_once(work, args_per_caller) -> list:
    """``work(*args)`` for each caller's args, all in threads started together; the results
    in caller order (an exception in a thread is raised here)."""
    results = [None] * len(args_per_caller)
    errors = []
    start = threading.Barrier(len(args_per_caller))

    def caller(k):
        try:
            start.wait()
            results[k] = work(*args_per_caller[k])
        except BaseException as error:  # re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(len(args_per_caller))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
        if thread.is_alive():
            raise SystemExit(f"a caller thread did not finish: deadlock in {work.__name__}?")
    if errors:
        raise errors[0]
    return results


def _differences(label, serial, threaded) -> list[str]:
    wrong = []
    for k, (one, other) in enumerate(zip(serial, threaded)):
        if len(one) != len(other) or not all(
            np.array_equal(a, b, equal_nan=True) for a, b in zip(one, other)
        ):
            wrong.append(f"{label}: caller {k}'s results differ from the serial run's")
    return wrong


def _check_model(name: str, options: dict) -> list[str]:
    label = f"{name}{options or ''}"
    tg.manual_seed(0)
    reference = create_model(name, **options)
    batches = [_batches(k) for k in range(CALLERS)]
    training = [(_copy(name, options, reference), batches[k]) for k in range(CALLERS)]
    serial = [_train(*args) for args in training]
    training = [(_copy(name, options, reference), batches[k]) for k in range(CALLERS)]
    threaded = _at_once(_train, training)
    wrong = _differences(f"{label} training", serial, threaded)

    reference.eval()  # one set of weights shared by every caller
    serial = [_infer(reference, batches[k]) for k in range(CALLERS)]
    threaded = _at_once(_infer, [(reference, batches[k]) for k in range(CALLERS)])
    return wrong + _differences(f"{label} inference", serial, threaded)


def check_models() -> list[str]:
    return [line for name, options in variants() for line in _check_model(name, options)]


def _kernel_sums(model, batches) -> list[float]:
    return [float(logits.sum()) for logits in _infer(model, batches)]


def _child(model, batches, queue) -> None:
    queue.put(_kernel_sums(model, batches))


def check_fork() -> list[str]:
    tg.manual_seed(0)
    model = create_model("reslenet")
    model.eval()
    batches = _batches(0)
    _at_once(_infer, [(model, batches)] * CALLERS)  # the kernel threads have run and wait
    expected = _kernel_sums(model, batches)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(model, batches, queue))
    child.start()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
        return ["the forked child hung in the kernels"]
    if child.exitcode != 0:
        return [f"the forked child exited with {child.exitcode}"]
    got = queue.get(timeout=10)
    return [] if got == expected else [f"the forked child got {got}, the parent {expected}"]


if __name__ == "__main__":
    problems = {"models": check_models, "fork": check_fork}[sys.argv[1]]()
    print("\n".join(problems) or "ok")
    sys.exit(1 if problems else 0)

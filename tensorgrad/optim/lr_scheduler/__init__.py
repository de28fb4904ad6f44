"""``tg.optim.lr_scheduler``: PyTorch's learning-rate schedulers, stepped after
``optimizer.step()``; ``state_dict()`` holds plain numbers and lists.

``schedules``: the base class and the closed-form schedules (lambda, step, multi-step,
cosine, one-cycle); ``composed``: the ones built on other schedules or on a metric (linear
warm-up, sequential, reduce on plateau).
"""

from .composed import LinearLR, ReduceLROnPlateau, SequentialLR
from .schedules import CosineAnnealingLR, LambdaLR, LRScheduler, MultiStepLR, OneCycleLR, StepLR

__all__ = [
    "CosineAnnealingLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR", "OneCycleLR",
    "ReduceLROnPlateau", "SequentialLR", "StepLR",
]  # fmt: skip

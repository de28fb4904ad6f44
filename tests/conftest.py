"""Hypothesis profiles: `ci` (default, quick) and `thorough` (TENSORGRAD_HYPOTHESIS=thorough)."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)  # fmt: skip
settings.register_profile(
    "thorough", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)  # fmt: skip
settings.load_profile(os.environ.get("TENSORGRAD_HYPOTHESIS", "ci"))


@pytest.fixture
def rng():
    return np.random.default_rng(0)

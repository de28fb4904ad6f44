"""Hypothesis profiles: `ci` (default, quick) and `thorough` (TENSORGRAD_HYPOTHESIS=thorough).

The tests import the installed names (``tensorgrad.models``). A checkout tests its own folders,
whatever editable install the environment holds: pytest puts the checkout first on sys.path
(``pythonpath`` in pyproject.toml) and importing its ``models/`` folder by name loads it as
``tensorgrad.models`` (see ``models/__init__.py``).
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import models  # noqa: F401  (the checkout's models/ folder becomes tensorgrad.models)

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

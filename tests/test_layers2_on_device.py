"""Attention, recurrent and transformer layers on the test device that stands in for a GPU,
against the CPU: the cases of ``tests/layers2_cases.py``, outputs and every gradient."""

import os

import numpy as np
import pytest
from layers2_cases import CASES, run

import tensorgrad as tg
from tensorgrad.testing.device import TEST_DEVICE

# the GPU check script runs these files on CUDA (TENSORGRAD_TEST_DEVICE=cuda)
TEST_DEVICE = tg.device(os.environ.get("TENSORGRAD_TEST_DEVICE", str(TEST_DEVICE)))


@pytest.mark.parametrize("case", list(CASES))
def test_layer_on_the_test_device_matches_the_cpu(case):
    on_cpu, on_device = run(tg, case), run(tg, case, TEST_DEVICE)
    assert sorted(on_device) == sorted(on_cpu)
    for name, value in on_cpu.items():
        np.testing.assert_allclose(on_device[name], value, rtol=1e-12, atol=1e-14, err_msg=name)

"""Attention, recurrent and transformer layers against PyTorch 2.13's outputs and gradients
(``tests/layers2_reference.json``, written once by ``tests/make_layers2_reference.py``): the
same parameters loaded by their ``state_dict`` names, the same inputs, masks and states, in
float64; every output, the input and state gradients and every parameter's gradient."""

import json
import pathlib

import numpy as np
import pytest
from layers2_cases import CASES, run

import tensorgrad as tg

REFERENCE = json.loads(pathlib.Path(__file__).with_name("layers2_reference.json").read_text())


@pytest.mark.parametrize("case", list(CASES))
def test_layer_matches_pytorch(case):
    expected = REFERENCE[case]
    found = run(tg, case)
    assert sorted(found) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(found[name], value, rtol=1e-9, atol=1e-12, err_msg=name)

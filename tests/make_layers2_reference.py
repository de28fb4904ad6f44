"""Write ``tests/layers2_reference.json``: PyTorch's outputs and gradients for the cases of
``tests/layers2_cases.py``. Run once with a PyTorch environment (not part of the test suite):

    /path/to/torch-env/bin/python tests/make_layers2_reference.py
"""

import json
import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from layers2_cases import CASES, run  # noqa: E402

if __name__ == "__main__":
    reference = {"torch": torch.__version__}
    for case in CASES:
        reference[case] = {k: v.tolist() for k, v in run(torch, case).items()}
    path = pathlib.Path(__file__).with_name("layers2_reference.json")
    path.write_text(json.dumps(reference, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(CASES)} cases)")

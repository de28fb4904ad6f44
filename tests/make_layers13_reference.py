"""Write ``tests/layers13_reference.py``: PyTorch's numbers for ``tests/layers13_cases.py``.

Run by hand where torch is installed (``python tests/make_layers13_reference.py``); the tests
never import torch, they compare with the file this writes.
"""

import pathlib
import pprint
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from layers13_cases import CASES, fingerprint, run_case  # noqa: E402


def main() -> None:
    warnings.simplefilter("ignore")
    reference = {}
    for name in CASES:
        arrays = run_case(
            name, torch.nn, torch.nn.functional,
            lambda a, grad: torch.tensor(a, requires_grad=grad),
            lambda t: t.numpy().astype(np.float64),
        )  # fmt: skip
        reference[name] = fingerprint(arrays)
    path = pathlib.Path(__file__).with_name("layers13_reference.py")
    path.write_text(
        f'"""PyTorch {torch.__version__}\'s outputs and gradients for tests/layers13_cases.py '
        '(shape and three\nprojections per array), written by tests/make_layers13_reference.py."""'
        "\n\n# fmt: off\nREFERENCE = " + pprint.pformat(reference, width=100) + "\n"
    )


if __name__ == "__main__":
    main()

"""Models built on tensorgrad (LeNet-5 first) and the ``python -m models`` training CLI.

>>> from models import LeNet5, create_model
>>> model = create_model("lenet5", classic=True)
"""

from .lenet5 import LeNet5
from .registry import create_model, model_names, register_model

__all__ = ["LeNet5", "create_model", "model_names", "register_model"]

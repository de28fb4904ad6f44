"""Models built on tensorgrad (LeNet-5 first) and the ``tensorgrad`` command (train, evaluate, ...).

Installed, this folder is the package ``tensorgrad.models``; it uses relative imports only.
Importing it registers the built-in models (a new one is one more name in the ``from .
import`` line below), so the registry is complete whichever of its modules is imported first.

>>> from tensorgrad.models import LeNet5, create_model
>>> model = create_model("lenet5", classic=True)
"""

if __name__ == "models":
    # Reached by its folder name in a checkout (``python -m models``, ``import models``): load
    # this folder once, as tensorgrad.models, and make ``models`` that same module, so that one
    # process never holds two copies of the model registry, whichever name it was reached by.
    import importlib.abc
    import importlib.util
    import sys

    import tensorgrad

    if "tensorgrad.models" not in sys.modules:
        _spec = importlib.util.spec_from_file_location("tensorgrad.models", __file__)
        sys.modules[_spec.name] = tensorgrad.models = importlib.util.module_from_spec(_spec)
        try:
            _spec.loader.exec_module(tensorgrad.models)
        except BaseException:
            del sys.modules[_spec.name], tensorgrad.models
            raise
    sys.modules["models"] = sys.modules["tensorgrad.models"]

    class _SameModule(importlib.abc.Loader):
        """Loads ``models.X`` as the module ``tensorgrad.models.X`` already is (no second copy)."""

        def __init__(self, module) -> None:
            self.module = module

        def create_module(self, spec):
            return self.module

        def exec_module(self, module) -> None:
            pass

    class _SubmoduleAlias(importlib.abc.MetaPathFinder):
        """``import models.registry`` gives ``tensorgrad.models.registry`` itself.

        Not ``models.__main__``: ``python -m models`` looks it up with the global import lock
        held, and importing it here would run the whole command under that lock, where a kernel
        thread's first import (Numba reading ``np.ma``) waits forever. The folder's own
        ``__main__.py`` is found as usual and imports the CLI by its installed name.
        """

        def find_spec(self, name, path=None, target=None):
            if not name.startswith("models.") or name == "models.__main__":
                return None
            module = importlib.import_module("tensorgrad." + name)
            return importlib.util.spec_from_loader(name, _SameModule(module))

    if not any(type(f).__name__ == "_SubmoduleAlias" for f in sys.meta_path):
        sys.meta_path.insert(0, _SubmoduleAlias())
else:
    # the built-in models: importing one registers it
    from . import lenet5, namegpt, reslenet, seqrnn, vit
    from .lenet5 import LeNet5
    from .options import ModelOption
    from .registry import create_model, model_names, register_model

    __all__ = ["LeNet5", "ModelOption", "create_model", "model_names", "register_model"]

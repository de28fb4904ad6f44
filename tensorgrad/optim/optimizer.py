"""Optimizer: parameter groups with per-group hyper-parameters, per-parameter state, and a
state_dict of plain arrays and numbers (``tg.save`` writes it as it is)."""

import copy

from ..backends import backend_of, is_array, transfer
from ..tensor import Tensor


class Optimizer:
    """Base class: holds ``param_groups`` (a list of dicts, each with ``"params"`` and its
    hyper-parameters) and ``state`` (per-parameter dicts of ndarrays and numbers).

    Subclasses define ``step()``, which updates ``p.data`` in place.
    """

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict] = {}
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Tensors or dicts, got a "
                "Tensor (wrap it in a list)"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters; hyper-parameters it does not give come from the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__} can't optimize a non-leaf Tensor")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in group["params"]}) != len(group["params"]) or any(
            id(p) in existing for p in group["params"]
        ):
            raise ValueError("some parameters appear in more than one parameter group")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict) -> None:
        """Validate one group's hyper-parameters (subclasses raise a clear ValueError)."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all optimized parameters (None by default, as PyTorch)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad = Tensor._make(backend_of(p.data).xp.zeros_like(p.grad.data))

    def step(self, closure=None):
        raise NotImplementedError

    def _params_with_grad(self, group: dict):
        for p in group["params"]:
            if p.grad is not None:
                yield p, p.grad.data

    def state_dict(self) -> dict:
        """``{"state": {index: {name: array or number}}, "param_groups": [...]}``; parameters
        are numbered in the order of the groups, as PyTorch. Arrays are copies on the
        parameters' device (``tg.save`` writes host copies)."""
        index, groups, n = {}, [], 0
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = list(range(n, n + len(group["params"])))
            for p in group["params"]:
                index[id(p)] = n
                n += 1
            groups.append(packed)
        state = {}
        for p, values in self.state.items():
            state[index[id(p)]] = {k: _copy(v) for k, v in values.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by ``state_dict`` (copied onto each
        parameter's device, cast to its dtype); the groups must have the same sizes."""
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state has {len(saved)} parameter "
                f"groups, the optimizer {len(self.param_groups)}"
            )
        sizes = [len(g["params"]) for g in self.param_groups]
        saved_sizes = [len(g["params"]) for g in saved]
        if sizes != saved_sizes:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: group sizes {saved_sizes} in the state "
                f"differ from the optimizer's {sizes}"
            )
        by_index = {}
        for group, saved_group in zip(self.param_groups, saved):
            by_index.update(zip(saved_group["params"], group["params"]))
        self.state = {}
        for key, values in state_dict["state"].items():
            p = by_index[int(key)]
            restored = {}
            for name, value in values.items():
                value = _copy(value)
                if isinstance(value, Tensor):
                    value = value.data
                if is_array(value):
                    value = transfer(value, p.device)
                    if value.shape != p.shape:
                        raise ValueError(
                            f"{type(self).__name__}.load_state_dict: state {name!r} of "
                            f"parameter {key} has shape {value.shape}, the parameter {p.shape}"
                        )
                    value = value.astype(p.dtype) if value.dtype.kind == "f" else value
                restored[name] = value
            self.state[p] = restored
        for group, saved_group in zip(self.param_groups, saved):
            for k, v in saved_group.items():
                if k != "params":
                    group[k] = copy.deepcopy(v)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join(lines) + "\n)"


def _copy(value):
    if isinstance(value, Tensor):
        return value.data.copy()
    if is_array(value):
        return value.copy()
    return copy.deepcopy(value)



def _closure_loss(closure):
    if closure is None:
        return None
    from ..autograd.grad_mode import enable_grad

    with enable_grad():
        return closure()

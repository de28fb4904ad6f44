"""Reverse-mode differentiation: walk the recorded graph backwards, one VJP per op input.

The walk is iterative (a 100,000-op chain needs no recursion), gradients are summed per node
before its VJPs run, and leaves accumulate into ``.grad`` as in PyTorch. With
``create_graph=False`` the VJPs run under ``no_grad``: nothing is recorded, which is the fast
path training uses. With ``create_graph=True`` they are recorded like any other computation, so
the gradients can be differentiated again.
"""

import sys

import numpy as np

from ..backends import backend_of, is_array
from ..ops.shape import IndexedGrad
from ..tensor import Tensor
from .anomaly import check_finite, is_anomaly_enabled, suspended
from .grad_mode import _GRAD_ENABLED
from .graph import Node
from .writes import check_inputs


def _vertex(t: Tensor):
    """A tensor's place in the graph: the node that made it, or the leaf tensor itself."""
    return t._node if t._node is not None else t


def _children(vertex) -> list:
    if not isinstance(vertex, Node):
        return []
    vertex.check_alive()
    return [_vertex(t) for t in vertex.inputs if t.requires_grad]


def topological_order(roots: list) -> list:
    """Every vertex reachable from ``roots``, each after all of its inputs (iterative DFS)."""
    order, seen = [], set()
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(_children(root)))]
        while stack:
            vertex, pending = stack[-1]
            for child in pending:
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(_children(child))))
                    break
            else:
                stack.pop()
                order.append(vertex)
    return order


def _needed(order: list, wanted: set) -> set:
    """Ids of the vertices from which some wanted vertex can be reached (or that are wanted)."""
    needed = set()
    for vertex in order:  # inputs come before their consumers
        if id(vertex) in wanted or any(id(c) in needed for c in _children(vertex)):
            needed.add(id(vertex))
    return needed


def _fit(grad, t: Tensor) -> Tensor:
    """Undo broadcasting and restore the input's dtype: a gradient has its tensor's shape/dtype.
    A VJP's plain array (its unrecorded fast path, see ``ops.registry``) becomes a Tensor; an
    ``IndexedGrad`` (which has both already) stays one, for ``_summed``."""
    if isinstance(grad, IndexedGrad):
        return grad
    if not isinstance(grad, Tensor):
        grad = Tensor._make(grad)
    if grad.shape != t.shape:
        grad = grad.sum_to(t.shape)
    if grad.dtype != t.dtype:
        grad = grad.to(t.dtype)
    return grad


def _summed(have, g, owned: set):
    """``have + g``, the gradients reaching one vertex so far plus one more. An ``IndexedGrad``
    is added in place into a buffer the engine made itself (its id in ``owned``), never into an
    array a VJP returned (that one may be shared)."""
    if have is None:
        return g
    if isinstance(have, IndexedGrad):
        have, g = g, have
    if isinstance(have, IndexedGrad):  # both indexed: a buffer from the first
        have = Tensor._make(have.dense())
        owned.add(id(have))
    if isinstance(g, IndexedGrad):
        if id(have) not in owned:
            have = Tensor._make(have.data.copy())
            owned.add(id(have))
        g.add_to(have.data)
        return have
    out = have + g
    owned.add(id(out))
    return out


def _dense(grad) -> Tensor:
    return Tensor._make(grad.dense()) if isinstance(grad, IndexedGrad) else grad


def _run_hooks(hooks, grad: Tensor) -> Tensor:
    for hook in hooks or ():
        replaced = hook(grad)
        if replaced is not None:
            grad = replaced
    return grad


def _accumulate(t: Tensor, grad: Tensor, create_graph: bool, adopt: bool = False) -> None:
    """``t.grad += grad``; the stored gradient owns its array: VJPs may share theirs (add's
    passes one array to both inputs), so it is a copy, unless ``adopt`` and nothing else
    holds ``grad`` or its array (as PyTorch's AccumulateGrad steals an unshared gradient: a
    weight's GEMM output is stored as is, not copied)."""
    if create_graph:
        t.grad = grad if t.grad is None else t.grad + grad
    elif t.grad is None:
        if adopt and grad.dtype == t.dtype and _unshared(grad):
            t.grad = Tensor._make(grad.data)
        else:
            t.grad = Tensor._make(grad.data.astype(t.dtype, copy=True))
    else:
        t.grad = Tensor._make(t.grad.data + grad.data)


# the references that ``sys.getrefcount`` sees in ``_unshared`` when only the walk holds a
# gradient: ``run_backward``'s ``grad``, ``_accumulate``'s, ``_unshared``'s and the call's
# argument; and its array: the tensor's ``data``, ``_unshared``'s and the call's argument
_WALK_REFERENCES, _ARRAY_REFERENCES = 4, 3


def _unshared(grad: Tensor) -> bool:
    """True when no other object holds ``grad`` or its host array, and the array is no view
    and has no view: storing it as a ``.grad`` cannot alias anything."""
    data = grad.data
    return (
        type(data) is np.ndarray
        and data.flags.owndata
        and data.flags.writeable
        and sys.getrefcount(grad) <= _WALK_REFERENCES
        and sys.getrefcount(data) <= _ARRAY_REFERENCES
    )


def _input_gradients(node: Node, grad: Tensor, create_graph: bool, needed, anomaly: bool):
    """Yield ``(input vertex, gradient)`` for each input of ``node`` that takes a gradient."""
    op = node.op
    check_inputs(node)
    out = None if node.out_data is None else Tensor._make(node.out_data, create_graph, node)
    args = (grad, out, *node.inputs, *((node.residual,) if op.residual else ()))
    variadic = callable(op.vjps) and not op.joint
    joint = None
    for i, t in enumerate(node.inputs):
        if not t.requires_grad:
            continue
        child = _vertex(t)
        if needed is not None and id(child) not in needed:
            continue
        if op.joint:
            if joint is None:  # once for all inputs
                joint = _call_vjp(op.vjps, args, node.params, anomaly)
            g = joint[i]
        else:
            vjp = op.vjp_for(i)
            kwargs = dict(node.params, index=i) if variadic else node.params
            g = None if vjp is None else _call_vjp(vjp, args, kwargs, anomaly)
        if g is None:
            continue
        g = _fit(g, t)
        if anomaly:
            where = node.created_at or "an unrecorded place (enter detect_anomaly before forward)"
            values = g.values if isinstance(g, IndexedGrad) else g.data
            check_finite(values, f"backward (gradient of input {i})", op.name, where)
        yield child, g


def _call_vjp(vjp, args: tuple, kwargs: dict, anomaly: bool):
    if not anomaly:
        return vjp(*args, **kwargs)
    with suspended():
        return vjp(*args, **kwargs)


def run_backward(roots, root_grads, inputs=None, retain_graph=False, create_graph=False):
    """Propagate ``root_grads`` from ``roots`` to the leaves.

    Without ``inputs`` every leaf that requires grad accumulates into ``.grad``. With
    ``inputs`` nothing is accumulated: the gradients of those tensors are returned, in order
    (None where unreachable), and only the part of the graph that leads to them is walked.
    """
    vertices = [_vertex(r) for r in roots]
    order = topological_order(vertices)
    wanted = needed = None
    if inputs is not None:
        wanted = {id(_vertex(t)): k for k, t in enumerate(inputs)}
        needed = _needed(order, set(wanted))
    results = [None] * (len(inputs) if inputs is not None else 0)
    grads: dict[int, Tensor | IndexedGrad] = {}
    owned: set[int] = set()  # ids of the summed gradients in ``grads`` the engine allocated
    for vertex, g in zip(vertices, root_grads):
        grads[id(vertex)] = _summed(grads.get(id(vertex)), g, owned)
    anomaly = is_anomaly_enabled()
    mode = _GRAD_ENABLED.set(create_graph)  # record the VJPs only to differentiate them again
    try:
        for vertex in reversed(order):
            grad = grads.pop(id(vertex), None)
            if grad is None:
                continue
            owned.discard(id(grad))
            grad = _dense(grad)
            is_node = isinstance(vertex, Node)
            grad = _run_hooks(vertex.hooks if is_node else vertex._hooks, grad)
            if wanted is not None and id(vertex) in wanted:
                results[wanted[id(vertex)]] = grad
            if not is_node:
                if wanted is None:
                    _accumulate(vertex, grad, create_graph, adopt=True)
                continue
            if wanted is None and vertex.retained is not None:
                kept = vertex.retained()
                if kept is not None:
                    _accumulate(kept, grad, create_graph)
            if needed is None or id(vertex) in needed:
                for child, g in _input_gradients(vertex, grad, create_graph, needed, anomaly):
                    grads[id(child)] = _summed(grads.get(id(child)), g, owned)
                g = None  # the last one is no longer held here (``_unshared``)
            if not retain_graph:
                vertex.release()
    finally:
        _GRAD_ENABLED.reset(mode)
    return results


def _root_grad(output: Tensor, gradient, position: str) -> Tensor:
    if not output.requires_grad:
        raise RuntimeError(
            f"{position} does not require grad and has no grad_fn: nothing to differentiate "
            "(was it computed under no_grad, or from tensors without requires_grad=True?)"
        )
    if gradient is None:
        if output.numel() != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; {position} has shape "
                f"{output.shape}: pass gradient= (or grad_outputs=) of that shape"
            )
        return Tensor._make(backend_of(output.data).xp.ones(output.shape, dtype=output.dtype))
    if not isinstance(gradient, Tensor):
        if is_array(gradient):
            gradient = Tensor._make(gradient.astype(output.dtype, copy=False))
        else:
            from ..creation import tensor

            gradient = tensor(gradient, dtype=output.dtype, device=output.device)
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"gradient for {position} has shape {gradient.shape}, expected {output.shape}"
        )
    return gradient


def backward(tensor: Tensor, gradient=None, retain_graph=None, create_graph: bool = False):
    """Accumulate d(tensor)/d(leaf), weighted by ``gradient``, into each leaf's ``.grad``.

    The graph's buffers are released afterwards unless ``retain_graph`` (default:
    ``create_graph``) is true.
    """
    root = _root_grad(tensor, gradient, "the tensor")
    retain = create_graph if retain_graph is None else retain_graph
    run_backward([tensor], [root], None, retain, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated.

    ``grad_outputs`` weights each output (required for non-scalar outputs). An input the
    outputs do not depend on is an error unless ``allow_unused``, which gives None for it.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for k, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {k} is not a tensor that requires grad")
    roots = [_root_grad(o, g, f"output {k}") for k, (o, g) in enumerate(zip(outputs, grad_outputs))]
    retain = create_graph if retain_graph is None else retain_graph
    results = run_backward(outputs, roots, inputs, retain, create_graph)
    for k, r in enumerate(results):
        if r is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {k} is not used in computing the outputs; "
                "pass allow_unused=True to get None for it"
            )
    return tuple(results)

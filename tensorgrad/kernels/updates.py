"""Optimizer updates in one pass over a parameter, in place, on flat contiguous arrays.

Each is the arithmetic of ``tensorgrad.backends.updates`` (the reference) in the same order,
with the hyper-parameters given in the parameter's dtype (as NumPy casts a Python float), and
compiled without fastmath so that nothing is contracted or reassociated: the fused update
gives the reference's numbers bit for bit, in one pass instead of one per arithmetic step.
"""

import numpy as np

from .config import EXACT_JIT, njit
from .spin import announce


@njit(**EXACT_JIT)
def sgd(p, g, buf, lr, momentum, keep, weight_decay, nesterov, maximize, first, entered=None):
    """SGD: ``keep = 1 - dampening``; ``buf`` the momentum buffer (written; read unless
    ``first``), unused without momentum."""
    announce(entered)
    for i in range(p.shape[0]):
        d = -g[i] if maximize else g[i]
        if weight_decay != 0:
            d = d + weight_decay * p[i]
        if momentum != 0:
            b = d if first else buf[i] * momentum + keep * d
            buf[i] = b
            d = d + momentum * b if nesterov else b
        p[i] -= lr * d


@njit(**EXACT_JIT)
def adam(p, g, m, v, decay, weight_decay, keep1, beta2, keep2, step_size, bc2_sqrt, eps, maximize,
         entered=None):  # fmt: skip
    """Adam/AdamW: ``p *= decay`` first (AdamW's ``1 - lr * wd``, else 1), ``weight_decay``
    Adam's coupled one (else 0); ``keep1 = 1 - beta1``, ``keep2 = 1 - beta2``."""
    announce(entered)
    for i in range(p.shape[0]):
        d = -g[i] if maximize else g[i]
        if decay != 1:
            p[i] *= decay
        if weight_decay != 0:
            d = d + weight_decay * p[i]
        mi = m[i] + keep1 * (d - m[i])
        vi = v[i] * beta2 + keep2 * (d * d)
        m[i] = mi
        v[i] = vi
        p[i] -= step_size * (mi / (np.sqrt(vi) / bc2_sqrt + eps))


@njit(**EXACT_JIT)
def adadelta(p, g, v, u, lr, rho, keep, eps, weight_decay, maximize, entered=None):
    """Adadelta: ``v`` the running average of squared gradients, ``u`` of squared updates,
    ``keep = 1 - rho``."""
    announce(entered)
    for i in range(p.shape[0]):
        d = -g[i] if maximize else g[i]
        if weight_decay != 0:
            d = d + weight_decay * p[i]
        vi = v[i] * rho + keep * d * d
        delta = np.sqrt(u[i] + eps) / np.sqrt(vi + eps) * d
        v[i] = vi
        u[i] = u[i] * rho + keep * delta * delta
        p[i] -= lr * delta

"""einsum over explicit subscripts, whose VJP is itself an einsum.

The equation arrives normalised by ``tensorgrad.functions_math.einsum``: single letters only
(no ellipsis), an explicit ``->`` output, every letter one size. ``constants`` are extra
operands (arrays, after the tensors in the equation) that need no gradient: the VJPs add them
to turn a repeated subscript back into a diagonal (an identity matrix) and to broadcast over
a letter that was summed away (a vector of ones).

For ``out = einsum("a,b,c->o", x, y, z)`` the gradient of ``x`` is
``einsum("o,b,c->a", grad, y, z)``: the same contraction with the output and that input
swapped, so every order of derivative is again an einsum.
"""

from ..backends import array_module
from .registry import defop

_FRESH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def parse(equation: str) -> tuple[list[str], str]:
    """``(input subscripts, output subscripts)`` of a normalised equation."""
    inputs, output = equation.split("->")
    return inputs.split(","), output


def _einsum(*operands, equation, constants):
    xp = array_module(operands[0])
    return xp.einsum(equation, *operands, *constants, optimize=True)


def _einsum_vjp(grad, out, *operands, equation, constants, index):
    """d einsum(.., x_i, ..)/dx_i . g = einsum(g, every other operand -> x_i's subscripts)"""
    inputs, output = parse(equation)
    mine = inputs[index]
    xp = array_module(grad.data)
    used = set(equation)
    fresh = iter(c for c in _FRESH if c not in used)
    sizes = dict(zip(mine, operands[index].shape))
    target, added, added_subs = "", [], []
    for letter in mine:
        if letter in target:  # a repeated subscript (a diagonal): identity between the copies
            copy = next(fresh)
            added.append(xp.eye(sizes[letter], dtype=grad.dtype))
            added_subs.append(letter + copy)
            target += copy
        else:
            target += letter
    others = [s for j, s in enumerate(inputs) if j != index]
    elsewhere = set(output).union(*others, *added_subs)
    for letter in dict.fromkeys(mine):
        if letter not in elsewhere:  # summed away in the forward: broadcast back with ones
            added.append(xp.ones(sizes[letter], dtype=grad.dtype))
            added_subs.append(letter)
    tensors = [grad] + [t for j, t in enumerate(operands) if j != index]
    tensor_subs = [output] + [s for j, s in enumerate(inputs[: len(operands)]) if j != index]
    constant_subs = inputs[len(operands) :] + added_subs
    new = ",".join(tensor_subs + constant_subs) + "->" + target
    return EINSUM(*tensors, equation=new, constants=tuple(constants) + tuple(added))


EINSUM = defop("einsum", _einsum, _einsum_vjp)

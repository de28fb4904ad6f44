"""Recurrent layers: ``RNN``, ``LSTM`` and ``GRU`` with PyTorch's arguments, parameter names,
gate order (LSTM i, f, g, o; GRU r, z, n), initialisation and return values.

Each layer and direction projects the whole input sequence with one matmul
(``x @ W_ih^T + b_ih`` for every step at once), then runs the recurrence over the sequence as
one primitive (``ops/recurrent.py``: one matmul and a few array operations per step, one
backward pass through time, VJPs that differentiate again, so higher-order gradients hold).
"""

import math

from .. import creation
from .. import functions as fn
from ..errors import OpError
from ..ops.recurrent import GRU_SCAN, LSTM_SCAN, RNN_SCAN
from ..tensor import Tensor
from . import functional as F
from . import init
from .layers import _empty
from .module import Module

_KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _given(optional) -> tuple:
    return () if optional is None else (optional,)


class RNNBase(Module):
    """The common part of RNN, LSTM and GRU: parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``,
    ``bias_ih_l{k}``, ``bias_hh_l{k}`` and, for an LSTM with ``proj_size``, ``weight_hr_l{k}``
    (``_reverse`` for the backward direction), all drawn from U(-1/sqrt(hidden_size),
    1/sqrt(hidden_size)) as PyTorch's."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype=None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if hidden_size <= 0 or num_layers <= 0 or input_size <= 0:
            raise OpError(
                f"{name}: input_size {input_size}, hidden_size {hidden_size} and num_layers "
                f"{num_layers} must be positive"
            )
        if not 0.0 <= dropout <= 1.0 or isinstance(dropout, bool):
            raise OpError(f"{name}: dropout must be a number in [0, 1], got {dropout!r}")
        if proj_size < 0:
            raise OpError(
                f"{name}: proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size and mode != "LSTM":
            raise OpError(f"{name}: proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size:
            raise OpError(
                f"{name}: proj_size {proj_size} has to be smaller than hidden_size {hidden_size}"
            )
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = int(proj_size)
        directions = 2 if bidirectional else 1
        gates, out_size = _GATES[mode] * hidden_size, proj_size or hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (gates, layer_input), "weight_hh": (gates, out_size)}
                if bias:
                    shapes |= {"bias_ih": (gates,), "bias_hh": (gates,)}
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for kind, shape in shapes.items():
                    param = f"{kind}_l{layer}{suffix}"
                    setattr(self, param, _empty(shape, dtype))
                    self._flat_weights_names.append(param)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _scan(self, x: Tensor, state: tuple, layer: int, reverse: bool) -> tuple:
        """(every step's hidden state (L, N, H_out), final states) of one layer and direction."""
        suffix = "_reverse" if reverse else ""
        w_ih, w_hh, b_ih, b_hh = (getattr(self, f"{k}_l{layer}{suffix}", None) for k in _KINDS)
        last = 0 if reverse else -1
        if self.mode == "GRU":  # its b_hh sits inside r * (W_hn h + b_hn)
            x_proj = F.linear(x, w_ih, b_ih)
            out = GRU_SCAN(x_proj, *state, w_hh, *_given(b_hh), reverse=reverse)
            return out, (out[last],)
        # every step's input projection at once, both biases as one (they only add)
        bias = None if b_ih is None else b_ih + b_hh
        if self.mode == "LSTM":  # its recurrence adds the bias to a step's projection as it
            # reads it: no pass over the whole projection
            w_hr = getattr(self, f"weight_hr_l{layer}{suffix}", None)
            out = LSTM_SCAN(F.linear(x, w_ih), *state, w_hh, *_given(w_hr), *_given(bias),
                            reverse=reverse, biased=bias is not None)  # fmt: skip
            size = out.shape[-1] - self.hidden_size
            return out[..., :size], (out[last, :, :size], out[last, :, size:])
        kind = "tanh" if self.mode == "RNN_TANH" else "relu"
        x_proj = F.linear(x, w_ih, bias)
        out = RNN_SCAN(x_proj, *state, w_hh, nonlinearity=kind, reverse=reverse)
        return out, (out[last],)

    def _check_input(self, input: Tensor, hx, states: int) -> tuple:  # noqa: A002
        """The input as (L, N, H_in) and the initial states as (layers*D, N, H) tuples."""
        name = type(self).__name__
        if input.ndim not in (2, 3):
            raise OpError(f"{name}: expected input to be 2-D or 3-D, got {input.ndim}-D tensor")
        if input.shape[-1] != self.input_size:
            raise OpError(
                f"{name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]}"
            )
        batched = input.ndim == 3
        if not batched:
            input = fn.unsqueeze(input, 1)
        elif self.batch_first:
            input = fn.transpose(input, 0, 1)
        stacks = (2 if self.bidirectional else 1) * self.num_layers, input.shape[1]
        sizes = (self.proj_size or self.hidden_size, self.hidden_size)[:states]  # h (and c)
        if hx is None:
            return input, tuple(
                creation.zeros(stacks + (n,), dtype=input.dtype, device=input.device) for n in sizes
            ), batched
        hx = (hx,) if states == 1 else tuple(hx) if isinstance(hx, tuple | list) else ()
        if len(hx) != states or not all(isinstance(h, Tensor) for h in hx):
            raise OpError(f"{name}: hx must be {'a tensor' if states == 1 else '(h_0, c_0)'}")
        out = []
        for h, size in zip(hx, sizes):
            expected = stacks + (size,)
            if h.ndim != (3 if batched else 2):
                raise OpError(
                    f"{name}: for {'batched 3' if batched else 'unbatched 2'}-D input, hx "
                    f"should also be {3 if batched else 2}-D but got {h.ndim}-D tensor"
                )
            h = h if batched else fn.unsqueeze(h, 1)
            if h.shape != expected:
                raise OpError(f"{name}: expected hidden size {expected}, got {tuple(h.shape)}")
            out.append(h)
        return input, tuple(out), batched

    def _run(self, input: Tensor, hx, states: int):  # noqa: A002
        x, initial, batched = self._check_input(input, hx, states)
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in range(states)]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                state = tuple(s[layer * directions + direction] for s in initial)
                hs, final = self._scan(x, state, layer, bool(direction))
                outputs.append(hs)
                for k, s in enumerate(final):
                    finals[k].append(s)
            x = outputs[0] if directions == 1 else fn.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout)
        finals = tuple(fn.stack(f, 0) for f in finals)
        if not batched:
            return fn.squeeze(x, 1), tuple(fn.squeeze(f, 1) for f in finals)
        if self.batch_first:
            x = fn.transpose(x, 0, 1)
        return x, finals

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        for name, default in (
            ("bias", True),
            ("batch_first", False),
            ("dropout", 0.0),
            ("bidirectional", False),
            ("proj_size", 0),
        ):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


class RNN(RNNBase):
    """Elman RNN, ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (``nonlinearity=
    'relu'`` for ReLU). ``forward(input, hx=None)`` returns ``(output, h_n)``: output
    (L, N, D*H) (batch first with ``batch_first``), h_n (D*num_layers, N, H)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise OpError(f"RNN: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        self.nonlinearity = nonlinearity
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
        )

    def forward(self, input: Tensor, hx: Tensor | None = None):  # noqa: A002
        output, (h_n,) = self._run(input, hx, 1)
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory, gates i, f, g, o: ``c_t = f*c + i*g``, ``h_t = o*tanh(c_t)``.
    ``forward(input, (h_0, c_0)=None)`` returns ``(output, (h_n, c_n))``. With ``proj_size``
    P > 0, ``h_t = W_hr (o*tanh(c_t))`` (``weight_hr_l{k}`` (P, hidden_size)): h_0, h_n and
    the output have P features, c_0 and c_n hidden_size."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype=None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            dtype,
        )

    def forward(self, input: Tensor, hx=None):  # noqa: A002
        output, (h_n, c_n) = self._run(input, hx, 2)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit, gates r, z, n: ``n = tanh(W_in x + b_in + r*(W_hn h + b_hn))``,
    ``h_t = (1-z)*n + z*h``. ``forward(input, hx=None)`` returns ``(output, h_n)``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype=None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
        )

    def forward(self, input: Tensor, hx: Tensor | None = None):  # noqa: A002
        output, (h_n,) = self._run(input, hx, 1)
        return output, h_n

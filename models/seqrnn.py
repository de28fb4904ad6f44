"""Sequential MNIST: a stacked LSTM (or GRU) reads each image as a sequence of its 28 rows.

::

    1 x 28 x 28 -> 28 steps of 28 pixels (batch first)
                -> layers x LSTM/GRU (hidden, optionally bidirectional)
                -> the last step's output (both directions' final states when bidirectional)
                -> Linear (10)

The classifier reads the top layer's final hidden state: the last step's output forward and, for
a bidirectional network, the backward direction's state after it has read the first row (its
output at step 0), so both directions have seen the whole image.
"""

import tensorgrad as tg
from tensorgrad import nn

from .argtypes import positive_int, probability
from .options import ModelOption
from .registry import register_model

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}

# the training recipe of ``tensorgrad train --model lstm`` (options given on the command line win)
RECIPE = {
    "epochs": 5,
    "batch_size": 128,
    "optimizer": "adam",
    "lr": 2e-3,
    "schedule": "onecycle",
}


OPTIONS = [
    ModelOption("cell", "recurrent cell", choices=tuple(CELLS)),
    ModelOption("hidden", "hidden size of every layer", type=positive_int),
    ModelOption("layers", "stacked recurrent layers", type=positive_int),
    ModelOption("bidirectional", "also read the rows bottom to top"),
    ModelOption("dropout", "dropout rate between the layers and before the classifier",
                type=probability),
]


@register_model("lstm", defaults=RECIPE, options=OPTIONS)
class SequenceClassifier(nn.Module):
    """A recurrent classifier of images read row by row (see the module docstring).

    Parameters
    ----------
    cell : str
        "lstm" (default) or "gru": the recurrent layer, ``nn.LSTM`` or ``nn.GRU``.
    hidden : int
        Hidden size of every layer (and direction).
    layers : int
        Number of stacked recurrent layers.
    bidirectional : bool
        Also read the rows bottom to top; the classifier then sees both final states.
    dropout : float
        Dropout between the recurrent layers (as ``nn.LSTM``'s) and before the classifier.
    rows, columns, num_classes : int
        The images' height (time steps) and width (features per step), and the number of logits.
    """

    def __init__(
        self,
        cell: str = "lstm",
        hidden: int = 128,
        layers: int = 2,
        bidirectional: bool = False,
        dropout: float = 0.0,
        rows: int = 28,
        columns: int = 28,
        num_classes: int = 10,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"lstm model: cell must be one of {tuple(CELLS)}, got {cell!r}")
        self.cell, self.rows, self.columns = cell, rows, columns
        self.rnn = CELLS[cell](
            columns, hidden, num_layers=layers, batch_first=True, dropout=dropout,
            bidirectional=bidirectional,
        )  # fmt: skip
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), num_classes)

    def forward(self, x):
        """Logits of shape (N, num_classes) for images of shape (N, 1, rows, columns)."""
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, self.rows, self.columns):
            raise ValueError(
                f"lstm model: expected images of shape (N, 1, {self.rows}, {self.columns}), "
                f"got {tuple(x.shape)}"
            )
        out, _ = self.rnn(x.reshape(x.shape[0], self.rows, self.columns))  # (N, rows, D*hidden)
        hidden = self.rnn.hidden_size
        last = out[:, -1, :hidden]
        if self.rnn.bidirectional:
            last = tg.cat([last, out[:, 0, hidden:]], 1)
        return self.head(self.dropout(last))

    def extra_repr(self) -> str:
        return f"cell={self.cell!r}"

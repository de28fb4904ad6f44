"""A residual LeNet for MNIST: LeNet-5's conv-pool-conv-pool-classifier plan, widened, with
BatchNorm2d and one residual block after each pooling stage, as ordinary tensorgrad layer code.

::

    1 x 28 x 28 -> conv 5x5 (w1) -> max-pool 2 -> BN -> ReLU   w1 x 14 x 14   (LeNet's C1, S2)
                -> residual block (two 3x3 convs, w1)         w1 x 14 x 14
                -> conv 3x3 stride 2 (w2) -> BN -> ReLU        w2 x 7 x 7     (LeNet's C3, S4)
                -> residual block (two 3x3 convs, w2)         w2 x 7 x 7
                -> flatten -> linear (hidden) -> ReLU -> linear (10)        (F5, F6, output)

Designed for throughput on a CPU: the only convolution at 28 x 28 reads one channel, BatchNorm comes
after the first pooling (4x fewer values to normalise), and the second downsampling is a strided
convolution instead of a convolution at 14 x 14 followed by pooling.

The ablation switches keep every layer and shape and change one idea: ``skip=False`` drops the
identity paths (each block becomes a plain stack of two convs), ``batchnorm=False`` replaces every
BatchNorm2d with the identity (the convolutions then get their biases back).
"""

from tensorgrad import nn

from .options import ModelOption
from .registry import register_model

# the training recipe of ``tensorgrad train --model reslenet``: the defaults of a run of
# this model (options given on the command line win); the peak learning rate is the optimizer's
# default (Adam 5e-3, SGD 0.1), so --optimizer sgd gets its own
RECIPE = {
    "epochs": 6,
    "optimizer": "adam",
    "schedule": "onecycle",
    "augment": True,
    "label_smoothing": 0.1,
}
# the ablations: --no-skip, --no-batchnorm
OPTIONS = [
    ModelOption("skip", "without its skip connections (the same layers, no identity paths)"),
    ModelOption("batchnorm", "without BatchNorm2d (its convolutions get biases instead)"),
]


def _norm(channels: int, batchnorm: bool) -> nn.Module:
    return nn.BatchNorm2d(channels) if batchnorm else nn.Identity()


class ResidualBlock(nn.Module):
    """``relu(x + bn(conv(relu(bn(conv(x))))))``, 3x3 convs keeping channels and size.

    ``skip=False``: ``relu(bn(conv(relu(bn(conv(x))))))``, the same layers without the identity.
    """

    def __init__(self, channels: int, skip: bool = True, batchnorm: bool = True) -> None:
        super().__init__()
        self.skip = skip
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=not batchnorm)
        self.bn1 = _norm(channels, batchnorm)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=not batchnorm)
        self.bn2 = _norm(channels, batchnorm)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.skip:
            out = out + x
        return self.relu(out)

    def extra_repr(self) -> str:
        return f"skip={self.skip}"


@register_model("reslenet", defaults=RECIPE, options=OPTIONS)
class ResLeNet(nn.Module):
    """LeNet-5 widened, with BatchNorm2d and residual blocks (see the module docstring).

    Parameters
    ----------
    skip : bool
        True (default): each residual block adds its input to its output. False: no identity
        paths (an ablation: the same layers as a plain convolutional stack).
    batchnorm : bool
        True (default): BatchNorm2d after every convolution. False: none (an ablation).
    widths : (int, int)
        Channels of the 14x14 and the 7x7 stage.
    hidden : int
        Width of the hidden fully connected layer.
    num_classes : int
        Size of the output layer (logits).
    """

    def __init__(
        self,
        skip: bool = True,
        batchnorm: bool = True,
        widths: tuple[int, int] = (24, 48),
        hidden: int = 128,
        num_classes: int = 10,
    ) -> None:
        super().__init__()
        self.skip, self.batchnorm = skip, batchnorm
        w1, w2 = widths
        bias = not batchnorm
        self.features = nn.Sequential(
            nn.Conv2d(1, w1, kernel_size=5, padding=2, bias=bias),  # w1 x 28 x 28
            nn.MaxPool2d(2),  # w1 x 14 x 14 (normalising after the pool costs 4x less)
            _norm(w1, batchnorm),
            nn.ReLU(),
            ResidualBlock(w1, skip, batchnorm),
            nn.Conv2d(w1, w2, kernel_size=3, stride=2, padding=1, bias=bias),  # w2 x 7 x 7
            _norm(w2, batchnorm),
            nn.ReLU(),
            ResidualBlock(w2, skip, batchnorm),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(w2 * 7 * 7, hidden),
            nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        """Logits of shape (N, num_classes) for images of shape (N, 1, 28, 28)."""
        return self.classifier(self.features(x))

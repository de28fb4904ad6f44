"""LeNet-5 (LeCun et al. 1998) for 28x28 MNIST digits, as ordinary tensorgrad layer code."""

from tensorgrad import nn

from .options import ModelOption
from .registry import register_model

CLASSIC = ModelOption(
    "classic", "LeNet-5 as in 1998: tanh and average pooling instead of ReLU and max-pooling"
)


@register_model("lenet5", options=[CLASSIC])
class LeNet5(nn.Module):
    """conv 6@5x5 (padding 2) -> act -> pool -> conv 16@5x5 -> act -> pool -> 120 -> 84 -> 10.

    Parameters
    ----------
    classic : bool
        False (default): ReLU and 2x2 max-pooling, the modern choice that trains fastest.
        True: tanh and 2x2 average pooling, as in the 1998 paper and the original NumPy report
        (the paper's trainable subsampling coefficients and RBF output are left out).
    num_classes : int
        Size of the output layer (logits; apply softmax yourself for probabilities).
    """

    def __init__(self, classic: bool = False, num_classes: int = 10) -> None:
        super().__init__()
        self.classic = classic
        act = nn.Tanh if classic else nn.ReLU
        pool = nn.AvgPool2d if classic else nn.MaxPool2d
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2),  # 6 x 28 x 28
            act(),
            pool(2),  # 6 x 14 x 14
            nn.Conv2d(6, 16, kernel_size=5),  # 16 x 10 x 10
            act(),
            pool(2),  # 16 x 5 x 5
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            act(),
            nn.Linear(120, 84),
            act(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        """Logits of shape (N, num_classes) for images of shape (N, 1, 28, 28)."""
        # nn.Sequential runs each ReLU + MaxPool2d pair as one fused op (ReLU after the pool,
        # on a quarter of the values: the same numbers and gradients)
        return self.classifier(self.features(x))

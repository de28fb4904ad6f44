"""A small Vision Transformer (Dosovitskiy et al. 2021) for MNIST, from tensorgrad's own layers.

::

    1 x 28 x 28 -> conv (p+2o) x (p+2o), stride p    patch embedding: (28/p)^2 tokens of dim
                -> [class token] + learned positions (1 + (28/p)^2 or (28/p)^2 tokens)
                -> depth x pre-norm encoder block     x + attn(norm(x)); x + mlp(norm(x)), GELU
                -> class token's output (or the mean over tokens) -> LayerNorm -> Linear (10)

The blocks are ``nn.TransformerEncoderLayer(norm_first=True, activation="gelu")``, each drawn
separately (``nn.TransformerEncoder`` deep-copies one layer, so every block would start equal).

Each token embeds its p x p patch and ``patch_overlap`` (o) pixels of the neighbouring patches on
every side (a strided convolution, zero-padded at the border). ``patch_overlap=0`` is the
original ViT's disjoint patches; the overlap gives the embedding the local view that a ViT
otherwise has to learn from data, which on MNIST's 60,000 images and a few CPU minutes is worth
about 0.6 points of test accuracy at the same cost.
"""

import tensorgrad as tg
from tensorgrad import nn

from .argtypes import non_negative_int, positive_int, positive_number, probability
from .options import ModelOption
from .registry import register_model

POOLINGS = ("cls", "mean")

# the training recipe of ``tensorgrad train --model vit`` (options given on the command line win)
RECIPE = {
    "epochs": 6,
    "batch_size": 64,
    "optimizer": "adam",
    "lr": 4e-3,
    "schedule": "onecycle",
    "label_smoothing": 0.1,
}

OPTIONS = [
    ModelOption("patch_size", "side of the square patches (it divides 28)", type=positive_int),
    ModelOption("patch_overlap", "pixels each patch also reads of its neighbours",
                type=non_negative_int),
    ModelOption("dim", "width of every token", type=positive_int),
    ModelOption("depth", "transformer blocks", type=positive_int),
    ModelOption("heads", "attention heads per block (they divide --dim)", type=positive_int),
    ModelOption("mlp_ratio", "feed-forward width as a multiple of --dim", type=positive_number),
    ModelOption("pooling", "classify from the class token or the mean of the patch tokens",
                choices=POOLINGS),
    ModelOption("dropout", "dropout rate of the embeddings and blocks", type=probability),
]  # fmt: skip


@register_model("vit", defaults=RECIPE, options=OPTIONS)
class ViT(nn.Module):
    """A Vision Transformer classifier (see the module docstring).

    Parameters
    ----------
    patch_size : int
        Side of the square patches (the embedding's stride); it must divide ``image_size``.
    patch_overlap : int
        Pixels of the neighbouring patches that each token also sees on every side (0: disjoint
        patches, as the original ViT).
    dim : int
        Width of every token (the model dimension).
    depth : int
        Number of encoder blocks.
    heads : int
        Attention heads per block; it must divide ``dim``.
    mlp_ratio : float
        Width of each block's feed-forward layer, as a multiple of ``dim``.
    pooling : str
        "cls": classify from a learned class token; "mean": from the mean of the patch tokens.
    dropout : float
        Dropout probability after the embedding and inside every block (attention and MLP).
    image_size, in_channels, num_classes : int
        The input images (square, ``in_channels`` x ``image_size`` x ``image_size``) and the
        number of logits.
    """

    def __init__(
        self,
        patch_size: int = 4,
        patch_overlap: int = 2,
        dim: int = 64,
        depth: int = 4,
        heads: int = 4,
        mlp_ratio: float = 2.0,
        pooling: str = "cls",
        dropout: float = 0.0,
        image_size: int = 28,
        in_channels: int = 1,
        num_classes: int = 10,
    ) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"ViT: pooling must be one of {POOLINGS}, got {pooling!r}")
        if patch_size < 1 or image_size % patch_size:
            raise ValueError(f"ViT: patch_size {patch_size} must divide image_size {image_size}")
        if patch_overlap < 0:
            raise ValueError(f"ViT: patch_overlap must be >= 0, got {patch_overlap}")
        if depth < 1 or mlp_ratio <= 0:
            raise ValueError(f"ViT: depth {depth} and mlp_ratio {mlp_ratio} must be positive")
        self.pooling = pooling
        tokens = (image_size // patch_size) ** 2 + (pooling == "cls")
        self.patch_embed = nn.Conv2d(
            in_channels, dim, patch_size + 2 * patch_overlap, stride=patch_size,
            padding=patch_overlap,
        )  # fmt: skip
        if pooling == "cls":
            self.cls_token = nn.Parameter(tg.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(tg.zeros(1, tokens, dim))
        nn.init.normal_(self.pos_embed, std=0.02)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*(
            nn.TransformerEncoderLayer(
                dim, heads, dim_feedforward=round(dim * mlp_ratio), dropout=dropout,
                activation="gelu", batch_first=True, norm_first=True,
            )
            for _ in range(depth)
        ))  # fmt: skip
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        """Logits of shape (N, num_classes) for images of shape (N, C, H, W)."""
        tokens = self.patch_embed(x).flatten(2).transpose(1, 2)  # (N, patches, dim)
        if self.pooling == "cls":
            cls = self.cls_token.expand(tokens.shape[0], -1, -1)
            tokens = tg.cat([cls, tokens], 1)
        tokens = self.blocks(self.dropout(tokens + self.pos_embed))
        pooled = tokens[:, 0] if self.pooling == "cls" else tokens.mean(1)
        return self.head(self.norm(pooled))

    def extra_repr(self) -> str:
        return f"pooling={self.pooling!r}"

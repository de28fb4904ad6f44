"""The Vision Transformer: shapes, its options, learning on synthetic digits, save -> load, and
PyTorch's state_dict keys and outputs for the same layers."""

import numpy as np
import pytest
from model_checks import (
    assert_dropout_only_in_training,
    assert_gradients_reach_everything,
    assert_learns,
    assert_registered,
    assert_round_trip,
    assert_same_as_torch,
    random_images,
)

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.models.vit import RECIPE, ViT
from tensorgrad.nn import functional as F


def test_forward_and_backward_shapes():
    tg.manual_seed(0)
    assert_gradients_reach_everything(ViT())
    assert ViT(num_classes=7, depth=1)(random_images(2)).shape == (2, 7)


def test_default_architecture_is_pre_norm_gelu_blocks_over_overlapping_4x4_patches():
    model = ViT()
    embed = model.patch_embed
    assert (embed.kernel_size, embed.stride, embed.padding) == ((8, 8), (4, 4), (2, 2))
    assert model.cls_token.shape == (1, 1, 64)
    assert model.pos_embed.shape == (1, 1 + 7 * 7, 64)  # the class token and 49 patches
    blocks = list(model.blocks)
    assert len(blocks) == 4
    for block in blocks:
        assert isinstance(block, nn.TransformerEncoderLayer)
        assert block.norm_first and block.self_attn.batch_first and block.self_attn.num_heads == 4
        assert block.linear1.out_features == 128  # mlp_ratio 2
        assert block.activation is F.gelu
    # each block is initialised on its own (nn.TransformerEncoder would copy one)
    first, second = (b.self_attn.in_proj_weight.data for b in blocks[:2])
    assert not np.array_equal(first, second)


@pytest.mark.parametrize(
    "options, tokens, heads, ffn",
    [({"patch_size": 7}, 1 + 16, 4, 128), ({"patch_size": 14, "pooling": "mean"}, 4, 4, 128),
     ({"dim": 32, "heads": 2, "mlp_ratio": 4}, 50, 2, 128), ({"depth": 2}, 50, 4, 128)],
)  # fmt: skip
def test_size_options_shape_the_layers(options, tokens, heads, ffn):
    model = ViT(**options)
    dim = options.get("dim", 64)
    assert model.pos_embed.shape == (1, tokens, dim)
    assert len(model.blocks) == options.get("depth", 4)
    assert all(b.self_attn.num_heads == heads and b.linear1.out_features == ffn
               for b in model.blocks)  # fmt: skip
    assert model(random_images(2)).shape == (2, 10)


@pytest.mark.parametrize("overlap", [0, 1, 2])
def test_a_token_sees_its_patch_and_overlap_pixels_of_its_neighbours(overlap):
    embed = ViT(patch_size=7, patch_overlap=overlap).patch_embed
    assert embed(random_images(1)).shape == (1, 64, 4, 4)  # the token grid does not change
    # pixel (row, 7): the first column of patch (0, 1); tokens whose windows reach it change
    x = random_images(1)
    changed = x.numpy().copy()
    changed[0, 0, 3, 7] += 10.0
    moved = np.abs(embed(tg.from_numpy(changed)).data - embed(x).data).max(axis=(0, 1)) > 0
    expected = np.zeros((4, 4), bool)
    expected[0, 1] = True
    expected[0, 0] = overlap >= 1  # patch (0, 0)'s window reaches `overlap` pixels to the right
    np.testing.assert_array_equal(moved, expected)


def _without_positions(model: ViT) -> ViT:
    model.pos_embed.data[...] = 0
    return model


def _shuffle_patches(images, patch: int, order: np.ndarray):
    """The images with their patch x patch tiles moved to ``order``'s places."""
    n, side = images.shape[0], images.shape[-1] // patch
    tiles = images.numpy().reshape(n, 1, side, patch, side, patch).transpose(0, 1, 2, 4, 3, 5)
    tiles = tiles.reshape(n, 1, side * side, patch, patch)[:, :, order]
    tiles = tiles.reshape(n, 1, side, side, patch, patch).transpose(0, 1, 2, 4, 3, 5)
    return tg.from_numpy(np.ascontiguousarray(tiles.reshape(images.shape)))


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_only_the_position_embeddings_tell_where_a_patch_is(pooling):
    # attention is permutation-equivariant and both poolings are symmetric in the patches:
    # without position embeddings, shuffling the patches cannot change the logits
    tg.manual_seed(0)
    model = ViT(patch_size=7, patch_overlap=0, depth=2, pooling=pooling).eval()
    x = random_images(2)
    shuffled = _shuffle_patches(x, 7, np.random.default_rng(1).permutation(16))
    assert not np.allclose(model(x).data, model(shuffled).data, atol=1e-4)
    _without_positions(model)
    np.testing.assert_allclose(model(x).data, model(shuffled).data, atol=1e-5)


def test_pooling_cls_reads_the_class_token_and_mean_the_patches():
    tg.manual_seed(0)
    cls, mean = ViT(depth=1), ViT(depth=1, pooling="mean")
    assert "cls_token" not in dict(mean.named_parameters())
    # the same weights, the class token's position dropped: only the pooling differs
    weights = {k: v for k, v in cls.state_dict().items() if k != "cls_token"}
    weights["pos_embed"] = weights["pos_embed"][:, 1:]
    mean.load_state_dict(weights)
    x = random_images(2)
    assert not np.allclose(cls(x).data, mean(x).data, atol=1e-4)
    # the class token is what "cls" classifies from: moving it moves every logit
    before = cls(x).data.copy()
    cls.cls_token.data[...] = np.random.default_rng(2).standard_normal((1, 1, 64))
    assert (np.abs(cls(x).data - before) > 1e-4).all()


def test_dropout_is_random_in_training_and_off_in_eval():
    tg.manual_seed(0)
    model = ViT(depth=1, dropout=0.3)
    assert all(m.p == 0.3 for m in model.modules() if isinstance(m, nn.Dropout))
    assert_dropout_only_in_training(model)


@pytest.mark.parametrize(
    "options, message",
    [({"patch_size": 5}, "patch_size 5 must divide image_size 28"),
     ({"patch_overlap": -1}, "patch_overlap must be >= 0, got -1"),
     ({"pooling": "max"}, "pooling must be one of"), ({"depth": 0}, "depth 0")],
)  # fmt: skip
def test_bad_options_are_refused_with_their_values(options, message):
    with pytest.raises(ValueError, match=message):
        ViT(**options)


def test_learns_synthetic_digits():
    tg.manual_seed(0)
    assert_learns(ViT(patch_size=7, dim=64, depth=1), steps=100, lr=2e-3, min_accuracy=0.4)


def test_state_dict_round_trip_through_safetensors(tmp_path):
    assert_round_trip(
        lambda: ViT(patch_size=7, depth=2, pooling="mean"), tmp_path / "v.safetensors"
    )


def test_registered_with_its_recipe():
    assert_registered("vit", ViT, RECIPE, depth=1)


def _torch_vit(torch, patch_size=4, patch_overlap=2, dim=64, depth=4, heads=4, mlp_ratio=2.0,
               pooling="cls"):  # fmt: skip
    """The same architecture in PyTorch's layers."""

    class TorchViT(torch.nn.Module):
        def __init__(self):
            super().__init__()
            tokens = (28 // patch_size) ** 2 + (pooling == "cls")
            self.patch_embed = torch.nn.Conv2d(
                1, dim, patch_size + 2 * patch_overlap, stride=patch_size, padding=patch_overlap
            )
            if pooling == "cls":
                self.cls_token = torch.nn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embed = torch.nn.Parameter(torch.zeros(1, tokens, dim))
            self.dropout = torch.nn.Dropout(0.0)
            self.blocks = torch.nn.Sequential(*(
                torch.nn.TransformerEncoderLayer(dim, heads, round(dim * mlp_ratio), 0.0, "gelu",
                                                 batch_first=True, norm_first=True)
                for _ in range(depth)
            ))  # fmt: skip
            self.norm = torch.nn.LayerNorm(dim)
            self.head = torch.nn.Linear(dim, 10)

        def forward(self, x):
            t = self.patch_embed(x).flatten(2).transpose(1, 2)
            if pooling == "cls":
                t = torch.cat([self.cls_token.expand(len(t), -1, -1), t], 1)
            t = self.blocks(self.dropout(t + self.pos_embed))
            return self.head(self.norm(t[:, 0] if pooling == "cls" else t.mean(1)))

    return TorchViT()


@pytest.mark.parametrize(
    "options", [{}, {"patch_size": 7, "patch_overlap": 0, "depth": 2, "pooling": "mean"}]
)
def test_state_dict_and_outputs_match_pytorch_layers(options):
    torch = pytest.importorskip("torch")
    tg.manual_seed(0)
    assert_same_as_torch(ViT(**options), _torch_vit(torch, **options), lambda m, x: m(x))

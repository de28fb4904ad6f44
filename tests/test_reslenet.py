"""The residual LeNet: shapes through forward and backward, the ablation switches, its recipe."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.models.arguments import given_model_flags
from tensorgrad.models.builders import build_model
from tensorgrad.models.cli import build_parser
from tensorgrad.models.config import ConfigError, TrainConfig
from tensorgrad.models.registry import model_defaults, options_from_flags
from tensorgrad.models.reslenet import RECIPE, ResidualBlock, ResLeNet
from tensorgrad.nn import functional as F


def _kinds(model) -> list[str]:
    return [type(m).__name__ for m in model.modules()]


def test_forward_and_backward_shapes():
    tg.manual_seed(0)
    model = ResLeNet()
    x = tg.randn(5, 1, 28, 28, requires_grad=True)
    logits = model(x)
    assert logits.shape == (5, 10)
    F.cross_entropy(logits, tg.tensor(np.arange(5))).backward()
    assert x.grad is not None and x.grad.shape == x.shape
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
        assert np.isfinite(p.grad.data).all() and np.abs(p.grad.data).sum() > 0, name
    assert ResLeNet(num_classes=7)(x).shape == (5, 7)


def test_default_architecture_has_two_residual_blocks_with_batchnorm():
    model = ResLeNet()
    kinds = _kinds(model)
    assert kinds.count("ResidualBlock") == 2 and kinds.count("BatchNorm2d") == 6
    assert all(block.skip for block in model.modules() if isinstance(block, ResidualBlock))
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 6 and all(conv.bias is None for conv in convs)  # BN supplies the shift


def _zeroed_block(skip: bool) -> ResidualBlock:
    block = ResidualBlock(4, skip=skip)
    for conv in (block.conv1, block.conv2):
        conv.weight.data[...] = 0
    return block


def test_no_skip_removes_exactly_the_identity_path():
    # with zero conv weights the residual branch gives 0 (BN of a constant is its bias, 0),
    # so the block is relu(x) with its skip connection and 0 without
    x = tg.randn(2, 4, 6, 6)
    np.testing.assert_allclose(_zeroed_block(True)(x).data, np.maximum(x.data, 0), atol=1e-6)
    np.testing.assert_array_equal(_zeroed_block(False)(x).data, np.zeros(x.shape, np.float32))
    # the same weights in both variants: outputs differ only through the skips
    tg.manual_seed(1)
    with_skip, without = ResLeNet(), ResLeNet(skip=False)
    without.load_state_dict(with_skip.state_dict())
    assert _kinds(with_skip) == _kinds(without)
    assert not any(b.skip for b in without.modules() if isinstance(b, ResidualBlock))
    images = tg.randn(4, 1, 28, 28)
    assert not np.allclose(with_skip(images).data, without(images).data)


def test_no_batchnorm_replaces_every_batchnorm_and_restores_conv_biases():
    model = ResLeNet(batchnorm=False)
    kinds = _kinds(model)
    assert "BatchNorm2d" not in kinds and kinds.count("ResidualBlock") == 2
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 6 and all(conv.bias is not None for conv in convs)
    assert not [name for name, _ in model.named_buffers()]  # no running statistics
    assert model(tg.randn(2, 1, 28, 28)).shape == (2, 10)


def test_cli_switches_reach_the_model_and_other_models_refuse_them():
    def config(*argv):
        args = build_parser().parse_args(["train", *argv])
        settings = {k: v for k, v in vars(args).items() if k in TrainConfig.run_settings()}
        model = settings.pop("model", "lenet5")
        options = options_from_flags(model, given_model_flags(args))
        return TrainConfig.for_model(model, **settings, model_options=options).validate()

    plain = build_model(config("--model", "reslenet"))
    assert all(b.skip for b in plain.modules() if isinstance(b, ResidualBlock))
    ablated = build_model(config("--model", "reslenet", "--no-skip", "--no-batchnorm"))
    assert not any(b.skip for b in ablated.modules() if isinstance(b, ResidualBlock))
    assert "BatchNorm2d" not in _kinds(ablated)
    assert config("--model", "reslenet", "--no-augment").augment is False
    for flag in ("--no-skip", "--no-batchnorm"):
        with pytest.raises(ConfigError, match=f"{flag}: model 'lenet5' has no such option"):
            config(flag)


def test_recipe_defaults_come_from_the_registration_and_command_line_wins():
    assert model_defaults("reslenet") == RECIPE
    config = TrainConfig.for_model("reslenet")
    for key, value in RECIPE.items():
        assert getattr(config, key) == value, key
    assert config.augment and config.label_smoothing > 0
    # lenet5's defaults are TrainConfig's own
    assert TrainConfig.for_model("lenet5") == TrainConfig()
    changed = TrainConfig.for_model("reslenet", epochs=1, augment=False, label_smoothing=0.0)
    assert (changed.epochs, changed.augment, changed.label_smoothing) == (1, False, 0.0)
    with pytest.raises(ConfigError, match="--label-smoothing must be in"):
        TrainConfig(label_smoothing=1.0).validate()


def test_cli_refuses_a_switch_the_model_lacks_before_making_a_run_folder(tmp_path, monkeypatch,
                                                                        capsys):  # fmt: skip
    from tensorgrad.models.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["train", "--no-batchnorm", "--dataset", "synthetic"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: --no-batchnorm: model 'lenet5' has no such option (reslenet has it; "
                   "lenet5 takes --classic)")
    assert not (tmp_path / "runs").exists()

"""Small models and helpers for the eegxai.explain tests (float64, CPU, fast)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn

N_CHANS, N_TIMES, N_OUTPUTS = 3, 500, 2  # Deep4Net needs n_times >= 441


def make_model(name: str, *, seed: int = 0, small: bool = True) -> nn.Module:
    """A braindecode (or plain torch) model with random weights, float64, eval."""
    from braindecode.models import Deep4Net, EEGNet, ShallowFBCSPNet

    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "shallow":
            kw = dict(n_filters_time=8, n_filters_spat=8) if small else {}
            model = ShallowFBCSPNet(N_CHANS, N_OUTPUTS, n_times=N_TIMES, **kw)
        elif name == "deep4":
            kw = (
                dict(
                    n_filters_time=8,
                    n_filters_spat=8,
                    n_filters_2=10,
                    n_filters_3=12,
                    n_filters_4=14,
                )
                if small
                else {}
            )
            model = Deep4Net(N_CHANS, N_OUTPUTS, n_times=N_TIMES, **kw)
        elif name == "eegnet":
            model = EEGNet(N_CHANS, N_OUTPUTS, n_times=N_TIMES)
        elif name == "cnn":
            model = nn.Sequential(
                nn.Conv1d(N_CHANS, 6, 7),
                nn.BatchNorm1d(6),
                nn.ReLU(),
                nn.MaxPool1d(4),
                nn.Conv1d(6, 8, 5),
                nn.ReLU(),
                nn.AdaptiveAvgPool1d(1),
                nn.Flatten(),
                nn.Linear(8, N_OUTPUTS),
            )
        elif name == "mlp":
            model = nn.Sequential(
                nn.Flatten(),
                nn.Linear(N_CHANS * N_TIMES, 16),
                nn.ReLU(),
                nn.Dropout(0.5),
                nn.Linear(16, 8),
                nn.Tanh(),
                nn.Linear(8, N_OUTPUTS),
            )
        else:  # pragma: no cover
            raise ValueError(name)
    return model.double().eval()


def randomize_batch_norm(model: nn.Module, seed: int = 1) -> nn.Module:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                n = module.num_features
                module.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
                module.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
                module.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                module.bias.copy_(torch.rand(n, generator=gen) - 0.5)
        for name, param in model.named_parameters():
            if name.endswith("bias"):
                param.copy_(0.1 * torch.randn(param.shape, generator=gen))
    return model


def zero_biases(model: nn.Module) -> nn.Module:
    """All biases 0 and batch norms the identity (eval mode)."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("bias"):
                param.zero_()
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.running_mean.zero_()
                module.running_var.fill_(1.0 - module.eps)
                module.weight.fill_(1.0)
                module.bias.zero_()
    return model


def snapshot(model: nn.Module) -> dict:
    return {
        "state": {k: v.clone() for k, v in model.state_dict().items()},
        "params": {k: p for k, p in model.named_parameters()},
        "requires_grad": {k: p.requires_grad for k, p in model.named_parameters()},
        "training": {k: m.training for k, m in model.named_modules()},
        "modules": {k: m for k, m in model.named_modules()},
    }


def assert_unchanged(model: nn.Module, before: dict) -> None:
    after = model.state_dict()
    assert before["state"].keys() == after.keys()
    for key, value in before["state"].items():
        assert torch.equal(value, after[key]), key
    assert {k: p for k, p in model.named_parameters()}.keys() == before["params"].keys()
    for key, param in model.named_parameters():
        assert param is before["params"][key], key
        assert param.requires_grad == before["requires_grad"][key], key
    for key, module in model.named_modules():
        assert module is before["modules"][key], key
        assert module.training == before["training"][key], key
        assert not module._forward_hooks, key
        assert not module._forward_pre_hooks, key
        assert not module._backward_hooks, key
        assert not module._backward_pre_hooks, key


@pytest.fixture
def X() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((4, N_CHANS, N_TIMES))

from functools import partial

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import lossbook as lb

REFERENCES = {
    "mae": (lb.mae_loss, F.l1_loss),
    "mse": (lb.mse_loss, F.mse_loss),
    "huber": (partial(lb.huber_loss, delta=0.7), partial(F.huber_loss, delta=0.7)),
    "smooth_l1": (partial(lb.smooth_l1_loss, beta=1.3), partial(F.smooth_l1_loss, beta=1.3)),
}


@pytest.mark.parametrize("name", REFERENCES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_matches_torch(name, reduction, dtype, device):
    ours, ref = REFERENCES[name]
    x = torch.randn(7, 3, dtype=dtype, device=device) * 3
    y = torch.randn(7, 3, dtype=dtype, device=device)
    result = ours(x, y, reduction=reduction)
    assert result.dtype == dtype and result.device == x.device
    torch.testing.assert_close(result, ref(x, y, reduction=reduction), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", REFERENCES)
def test_gradients_match_torch_including_the_kinks(name):
    ours, ref = REFERENCES[name]
    y = torch.zeros(6, dtype=torch.float64)
    x = torch.tensor([0.0, 0.7, -0.7, 1.3, -1.3, 5.0], dtype=torch.float64)  # zero residual and both thresholds
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ours(xa, y).backward()
    ref(xb, y).backward()
    torch.testing.assert_close(xa.grad, xb.grad)


def test_l1_is_an_alias_and_smooth_l1_is_huber_over_beta():
    assert lb.l1_loss is lb.mae_loss
    r = torch.linspace(-4, 4, 81, dtype=torch.float64)
    zero = torch.zeros_like(r)
    for beta in (0.25, 1.0, 2.5):
        torch.testing.assert_close(lb.smooth_l1_loss(r, zero, beta=beta, reduction="none"),
                                   lb.huber_loss(r, zero, delta=beta, reduction="none") / beta)
    torch.testing.assert_close(lb.smooth_l1_loss(r, zero, beta=0.0), F.l1_loss(r, zero))


def test_gradcheck_float64():
    x = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
    y = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
    for fn in (lb.mae_loss, lb.mse_loss, lb.huber_loss, lb.smooth_l1_loss):
        assert torch.autograd.gradcheck(fn, (x, y))


@pytest.mark.parametrize("name", REFERENCES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_hand_written_backward_matches_torch_for_input_and_target_and_twice(name, reduction):
    """The backward pass is written out by hand: the gradients of input and target match PyTorch's for every
    reduction, and second derivatives (create_graph=True) are right too."""
    ours, ref = REFERENCES[name]
    x = (3 * torch.randn(6, 2, dtype=torch.float64)).requires_grad_()
    y = torch.randn(6, 2, dtype=torch.float64, requires_grad=True)
    upstream = torch.rand(6, 2, dtype=torch.float64) if reduction == "none" else torch.tensor(0.7, dtype=torch.float64)
    got = torch.autograd.grad(ours(x, y, reduction=reduction), (x, y), upstream)
    want = torch.autograd.grad(ref(x, y, reduction=reduction), (x, y), upstream)
    torch.testing.assert_close(got, want)
    assert torch.autograd.gradgradcheck(partial(ours, reduction=reduction), (x, y))


def test_minimisers_are_the_mean_and_the_median():
    data = torch.tensor([0.0, 1.0, 2.0, 10.0, 50.0], dtype=torch.float64)
    grid = torch.linspace(-5, 55, 60001, dtype=torch.float64)
    mse = ((grid[:, None] - data) ** 2).mean(dim=1)
    mae = (grid[:, None] - data).abs().mean(dim=1)
    assert grid[mse.argmin()].item() == pytest.approx(data.mean().item(), abs=1e-3)
    assert grid[mae.argmin()].item() == pytest.approx(data.median().item(), abs=1e-3)
    m = torch.full((1,), data.mean().item(), dtype=torch.float64, requires_grad=True)
    lb.mse_loss(m.expand_as(data), data).backward()
    assert m.grad.item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("fn", [lb.mae_loss, lb.mse_loss, lb.huber_loss, lb.smooth_l1_loss])
def test_extreme_values_are_finite(fn, dtype):
    x = torch.tensor([1e4, -1e4, 0.0], dtype=dtype, requires_grad=True)
    loss = fn(x, torch.zeros(3, dtype=dtype))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(x.grad).all()


# --- bad input ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [lb.mae_loss, lb.mse_loss, lb.huber_loss, lb.smooth_l1_loss])
def test_the_broadcasting_pitfall_is_refused(fn):
    with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(4, 1\) and \(4,\)"):
        fn(torch.ones(4, 1), torch.ones(4))


@pytest.mark.parametrize("fn", [lb.mae_loss, lb.mse_loss, lb.huber_loss, lb.smooth_l1_loss])
def test_integer_input_and_unknown_reduction(fn):
    with pytest.raises(TypeError, match="input must be a floating-point tensor"):
        fn(torch.ones(3, dtype=torch.long), torch.ones(3))
    with pytest.raises(TypeError, match="target must be a floating-point tensor"):
        fn(torch.ones(3), torch.ones(3, dtype=torch.long))
    with pytest.raises(ValueError, match="reduction must be one of"):
        fn(torch.ones(3), torch.ones(3), reduction="avg")
    with pytest.raises(ValueError, match="zero elements"):
        fn(torch.ones(0), torch.ones(0))


@pytest.mark.parametrize("delta", [0.0, -1.0, torch.tensor(1.0)])
def test_huber_delta_must_be_positive(delta):
    with pytest.raises(ValueError, match="delta must be"):
        lb.huber_loss(torch.ones(2), torch.zeros(2), delta=delta)


def test_smooth_l1_beta_must_be_non_negative():
    with pytest.raises(ValueError, match="beta must be"):
        lb.smooth_l1_loss(torch.ones(2), torch.zeros(2), beta=-0.5)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=10), st.floats(0.01, 10))
def test_huber_lies_between_half_squared_and_linear(residuals, delta):
    r = torch.tensor(residuals, dtype=torch.float64)
    h = lb.huber_loss(r, torch.zeros_like(r), delta=delta, reduction="none")
    assert bool((h <= 0.5 * r**2 + 1e-9).all())
    assert bool((h <= delta * r.abs() + 1e-9).all())
    assert bool((h >= 0).all())

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import lossbook as lb

FUNCTIONS = {
    "softmax": (lb.softmax, torch.softmax),
    "log_softmax": (lb.log_softmax, torch.log_softmax),
    "logsumexp": (lb.logsumexp, torch.logsumexp),
}


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_matches_torch(name, dim, dtype, device):
    ours, ref = FUNCTIONS[name]
    x = torch.randn(4, 5, 6, dtype=dtype, device=device, generator=None) * 5
    result = ours(x, dim=dim)
    assert result.dtype == dtype and result.device == x.device
    torch.testing.assert_close(result, ref(x, dim))


@pytest.mark.parametrize("temperature", [0.05, 0.5, 1.0, 7.0])
def test_temperature_divides_the_logits(temperature, dtype, device):
    x = torch.randn(3, 5, dtype=dtype, device=device)
    torch.testing.assert_close(lb.softmax(x, temperature=temperature), torch.softmax(x / temperature, -1))
    torch.testing.assert_close(lb.log_softmax(x, temperature=temperature), torch.log_softmax(x / temperature, -1))


def test_temperature_limits():
    x = torch.tensor([1.0, 3.0, 2.0], dtype=torch.float64)
    torch.testing.assert_close(lb.softmax(x, temperature=1e-3), torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64))
    torch.testing.assert_close(lb.softmax(x, temperature=1e6), torch.full((3,), 1 / 3, dtype=torch.float64),
                               rtol=0, atol=1e-6)


def test_sigmoid_matches_torch(dtype, device):
    x = torch.linspace(-50, 50, 1001, dtype=dtype, device=device)
    torch.testing.assert_close(lb.sigmoid(x), torch.sigmoid(x))


def test_sigmoid_is_two_class_softmax(dtype):
    s = torch.linspace(-30, 30, 61, dtype=dtype)
    two_class = torch.stack([s, torch.zeros_like(s)], dim=-1)
    torch.testing.assert_close(lb.sigmoid(s), lb.softmax(two_class)[:, 0])


@pytest.mark.parametrize("big", [1e4, -1e4])
def test_extreme_logits_give_exact_finite_values_and_gradients(big, dtype, device):
    x = torch.tensor([[big, 0.0, -big], [big, big, big]], dtype=dtype, device=device, requires_grad=True)
    outputs = [lb.softmax(x), lb.log_softmax(x), lb.logsumexp(x), lb.sigmoid(x)]
    refs = [torch.softmax(x, -1), torch.log_softmax(x, -1), torch.logsumexp(x, -1), torch.sigmoid(x)]
    for ours, ref in zip(outputs, refs, strict=True):
        assert torch.isfinite(ours).all()
        torch.testing.assert_close(ours, ref)
    sum(o.sum() for o in outputs).backward()
    assert torch.isfinite(x.grad).all()


def test_logsumexp_of_equal_huge_logits_is_exact():
    x = torch.full((2,), 1e4, dtype=torch.float64)
    assert lb.logsumexp(x).item() == pytest.approx(1e4 + math.log(2), rel=1e-15)


def test_fully_masked_row_behaves_like_torch():
    x = torch.tensor([[-math.inf, -math.inf], [0.0, -math.inf]])
    torch.testing.assert_close(lb.logsumexp(x), torch.logsumexp(x, -1))
    torch.testing.assert_close(lb.softmax(x)[1], torch.tensor([1.0, 0.0]))


def test_gradcheck_float64():
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: lb.softmax(a, temperature=b), (x, t))
    assert torch.autograd.gradcheck(lambda a, b: lb.log_softmax(a, dim=0, temperature=b), (x, t))
    assert torch.autograd.gradcheck(lb.logsumexp, (x,))
    assert torch.autograd.gradcheck(lb.sigmoid, (x,))
    assert torch.autograd.gradcheck(lb.log_sigmoid, (x,))
    assert torch.autograd.gradcheck(lb.sigmoid, (torch.zeros(3, dtype=torch.float64, requires_grad=True),))


def test_logsumexp_gradient_is_softmax():
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    lb.logsumexp(x).backward()
    torch.testing.assert_close(x.grad, lb.softmax(x.detach()))


# --- bad input ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [lb.softmax, lb.log_softmax, lb.logsumexp, lb.sigmoid, lb.log_sigmoid])
def test_integer_or_non_tensor_input_is_a_type_error(fn):
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        fn(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="x must be a torch.Tensor, got list"):
        fn([1.0, 2.0])


@pytest.mark.parametrize("fn", [lb.softmax, lb.log_softmax])
@pytest.mark.parametrize("temperature", [0.0, -1.0, torch.tensor(-0.5), float("nan")])
def test_non_positive_temperature_is_refused(fn, temperature):
    with pytest.raises(ValueError, match="temperature must be"):
        fn(torch.randn(3), temperature=temperature)


@pytest.mark.parametrize("fn", [lb.softmax, lb.log_softmax, lb.logsumexp])
def test_dim_out_of_range_is_refused(fn):
    with pytest.raises(ValueError, match=r"dim=2 is out of range for x with shape \(3,\)"):
        fn(torch.randn(3), dim=2)


# --- properties --------------------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=8), st.floats(-1e4, 1e4))
def test_softmax_is_shift_invariant_and_normalised(logits, shift):
    x = torch.tensor(logits, dtype=torch.float64)
    p = lb.softmax(x)
    torch.testing.assert_close(lb.softmax(x + shift), p, rtol=1e-9, atol=1e-9)
    assert p.sum().item() == pytest.approx(1.0, abs=1e-12)
    torch.testing.assert_close(lb.log_softmax(x + shift), lb.log_softmax(x), rtol=1e-9, atol=1e-8)


@pytest.mark.parametrize(("ours", "ref"), [(lb.sigmoid, torch.sigmoid), (lb.log_sigmoid, F.logsigmoid)])
def test_sigmoids_match_torch_in_value_and_gradient_everywhere(ours, ref, dtype):
    # Exactly 0 is where a |x|-based formula has a kink: autograd must still give sigmoid'(0) = 1/4.
    x = torch.tensor([-1e4, -200.0, -30.0, -1.0, 0.0, 1.0, 30.0, 200.0, 1e4], dtype=dtype)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    torch.testing.assert_close(ours(xa), ref(xb))
    ours(xa).sum().backward()
    ref(xb).sum().backward()
    torch.testing.assert_close(xa.grad, xb.grad)
    assert torch.isfinite(xa.grad).all()


def test_log_sigmoid_is_exact_where_the_sigmoid_underflows():
    x = torch.tensor([-1e4, -200.0])
    assert torch.isinf(torch.log(lb.sigmoid(x))).all()
    torch.testing.assert_close(lb.log_sigmoid(x), x)



HAND_WRITTEN_BACKWARD = {
    "sigmoid": lb.sigmoid,
    "log_sigmoid": lb.log_sigmoid,
    "log_softmax": lb.log_softmax,
    "cross_entropy": lambda x: lb.cross_entropy(x, torch.tensor([0, 2, 1, 2]), reduction="none"),
    "cross_entropy, ignored target": lambda x: lb.cross_entropy(x, torch.tensor([0, -100, 1, 2]), reduction="sum"),
    "focal_loss": lambda x: lb.focal_loss(x, torch.tensor([0, 2, 1, 2]), reduction="none"),
}


@pytest.mark.parametrize("name", HAND_WRITTEN_BACKWARD)
def test_a_hand_written_backward_has_the_right_second_derivatives(name):
    """The backward passes written out by hand (autograd functions) are differentiable themselves, correctly."""
    x = (3 * torch.randn(4, 3, dtype=torch.float64)).requires_grad_()
    assert torch.autograd.gradgradcheck(HAND_WRITTEN_BACKWARD[name], (x,))

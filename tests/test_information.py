import math

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lossbook as lb
from lossbook import information as info


def random_distributions(shape, dtype, device, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.softmax(torch.randn(shape, generator=generator, dtype=torch.float64), dim=-1).to(dtype).to(device)


@pytest.mark.parametrize("base", [None, 2, 10])
def test_entropy_kl_and_cross_entropy_match_scipy(dtype, device, base):
    p = random_distributions((5, 7), dtype, device, seed=1)
    q = random_distributions((5, 7), dtype, device, seed=2)
    p_np, q_np = p.double().cpu().numpy(), q.double().cpu().numpy()
    h = scipy.stats.entropy(p_np, axis=-1, base=base)
    kl = scipy.stats.entropy(p_np, q_np, axis=-1, base=base)
    tol = {"rtol": 1e-6, "atol": 1e-7} if dtype == torch.float64 else {"rtol": 1e-5, "atol": 1e-6}
    for ours, ref in [
        (lb.entropy(p, base=base), h),
        (lb.kl_divergence(p, q, base=base), kl),
        (info.cross_entropy(p, q, base=base), h + kl),
    ]:
        assert ours.dtype == dtype and ours.device == device and ours.shape == (5,)
        torch.testing.assert_close(ours, torch.as_tensor(ref, dtype=dtype, device=device), **tol)


def test_dim_selects_the_probability_axis(device):
    p = random_distributions((3, 4), torch.float64, device).T.contiguous()  # columns are distributions
    q = random_distributions((3, 4), torch.float64, device, seed=5).T.contiguous()
    ref = scipy.stats.entropy(p.cpu().numpy(), q.cpu().numpy(), axis=0)
    torch.testing.assert_close(lb.kl_divergence(p, q, dim=0).cpu(), torch.as_tensor(ref))


def test_coin_example_of_the_source_in_closed_form():
    fair = torch.tensor([0.5, 0.5], dtype=torch.float64)  # (tails, heads)
    biased = torch.tensor([2 / 3, 1 / 3], dtype=torch.float64)
    assert lb.kl_divergence(fair, biased).item() == pytest.approx(0.5 * math.log(9 / 8), rel=1e-12)
    assert lb.kl_divergence(biased, fair).item() == pytest.approx(math.log(2) + (1 / 3) * math.log(1 / 3)
                                                                 + (2 / 3) * math.log(2 / 3), rel=1e-12)
    assert lb.kl_divergence(fair, biased, base=2).item() == pytest.approx(0.5 * math.log2(9 / 8), rel=1e-12)


def test_surprisal_is_minus_log(dtype, device):
    p = torch.tensor([1.0, 0.5, 0.25, 1e-30, 0.0], dtype=dtype, device=device)
    torch.testing.assert_close(lb.surprisal(p), -torch.log(p))
    torch.testing.assert_close(lb.surprisal(p[:3], base=2), torch.tensor([0.0, 1.0, 2.0], dtype=dtype, device=device))
    assert lb.surprisal(p)[-1].item() == math.inf


def test_zero_probabilities_follow_zero_log_zero(dtype, device):
    certain = torch.tensor([1.0, 0.0], dtype=dtype, device=device)
    fair = torch.tensor([0.5, 0.5], dtype=dtype, device=device)
    assert lb.entropy(certain).item() == 0.0
    assert lb.kl_divergence(certain, certain).item() == 0.0
    assert lb.kl_divergence(certain, fair).item() == pytest.approx(math.log(2), rel=1e-6)
    assert info.cross_entropy(certain, certain).item() == 0.0


def test_kl_is_infinite_where_q_is_zero_but_p_is_not(dtype):
    p = torch.tensor([0.5, 0.5], dtype=dtype)
    q = torch.tensor([1.0, 0.0], dtype=dtype)
    assert lb.kl_divergence(p, q).item() == math.inf
    assert info.cross_entropy(p, q).item() == math.inf
    assert scipy.stats.entropy([0.5, 0.5], [1.0, 0.0]) == math.inf  # the reference agrees


def test_gradients_are_finite_on_the_edge_of_the_simplex(dtype):
    p = torch.tensor([1.0, 0.0, 0.0], dtype=dtype, requires_grad=True)
    q = torch.tensor([0.9, 0.1, 0.0], dtype=dtype, requires_grad=True)
    (lb.entropy(p) + lb.kl_divergence(p, q) + info.cross_entropy(p, q)).backward()
    assert torch.isfinite(p.grad).all() and torch.isfinite(q.grad).all()
    # Where the value is finite the gradient is the formula's: d/dq0 of -log q0 (twice: KL and CE).
    assert q.grad[0].item() == pytest.approx(-2 / 0.9, rel=1e-5)


def test_gradcheck_float64():
    p = random_distributions((2, 4), torch.float64, "cpu", seed=3).requires_grad_()
    q = random_distributions((2, 4), torch.float64, "cpu", seed=4).requires_grad_()
    assert torch.autograd.gradcheck(lambda a: lb.entropy(a, base=2), (p,))
    assert torch.autograd.gradcheck(lambda a, b: lb.kl_divergence(a, b), (p, q))
    assert torch.autograd.gradcheck(lambda a, b: info.cross_entropy(a, b), (p, q))
    assert torch.autograd.gradcheck(lb.surprisal, (p,))


# --- bad input ---------------------------------------------------------------------------------------------------

GOOD = torch.tensor([0.25, 0.75])


@pytest.mark.parametrize("fn", [lb.entropy, lb.surprisal])
def test_non_float_or_non_tensor_is_a_type_error(fn):
    with pytest.raises(TypeError, match="p must be a floating-point tensor"):
        fn(torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="p must be a torch.Tensor"):
        fn([0.5, 0.5])


@pytest.mark.parametrize("fn", [lb.kl_divergence, info.cross_entropy])
def test_pair_functions_check_both_arguments(fn):
    with pytest.raises(TypeError, match="q must be a floating-point tensor"):
        fn(GOOD, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"p and q must have the same shape, got \(2,\) and \(1, 2\)"):
        fn(GOOD, GOOD[None])
    with pytest.raises(ValueError, match="q must be a probability distribution"):
        fn(GOOD, torch.tensor([1.5, -0.5]))
    with pytest.raises(ValueError, match="p must sum to 1"):
        fn(torch.tensor([0.5, 0.6]), GOOD)
    with pytest.raises(ValueError, match="dim=2 is out of range for p"):
        fn(GOOD, GOOD, dim=2)


@pytest.mark.parametrize("bad", [[0.5, float("nan")], [-0.1, 1.1], [0.2, 0.2]])
def test_entropy_refuses_non_distributions(bad):
    with pytest.raises(ValueError, match="p must"):
        lb.entropy(torch.tensor(bad))


def test_surprisal_refuses_probabilities_outside_the_unit_interval():
    with pytest.raises(ValueError, match=r"p must contain probabilities in \[0, 1\]"):
        lb.surprisal(torch.tensor([1.5]))


def test_bad_base_is_refused():
    with pytest.raises(ValueError, match="base must be None"):
        lb.entropy(GOOD, base=1)


# --- properties --------------------------------------------------------------------------------------------------

logit_vectors = st.lists(st.floats(-20, 20), min_size=2, max_size=8)


@settings(max_examples=200, deadline=None)
@given(logit_vectors, st.data())
def test_kl_properties(a, data):
    b = data.draw(st.lists(st.floats(-20, 20), min_size=len(a), max_size=len(a)))
    p = torch.softmax(torch.tensor(a, dtype=torch.float64), -1)
    q = torch.softmax(torch.tensor(b, dtype=torch.float64), -1)
    kl = lb.kl_divergence(p, q)
    assert kl.item() >= -1e-12  # Gibbs' inequality
    assert lb.kl_divergence(p, p).item() == pytest.approx(0.0, abs=1e-12)
    h_pq = info.cross_entropy(p, q)
    torch.testing.assert_close(h_pq, lb.entropy(p) + kl, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(kl.item(), scipy.stats.entropy(p.numpy(), q.numpy()), rtol=1e-7, atol=1e-10)

"""chunked_linear_cross_entropy: the plain cross-entropy of a linear layer, without the (N, V) logits."""

import pytest
import torch
import torch.nn.functional as F

import lossbook as lb


def problem(n=37, d=8, v=50, dtype=torch.float64, device="cpu", seed=0):
    g = torch.Generator().manual_seed(seed)
    hidden = torch.randn(n, d, generator=g, dtype=dtype).to(device).requires_grad_()
    weight = torch.randn(v, d, generator=g, dtype=dtype).to(device).requires_grad_()
    target = torch.randint(0, v, (n,), generator=g).to(device)
    return hidden, weight, target


@pytest.mark.parametrize("chunk_size", [1, 5, 16, 37, 1000])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_values_and_gradients_match_the_plain_computation(chunk_size, reduction, device):
    hidden, weight, target = problem(device=device)
    target[::7] = -100
    ours = lb.chunked_linear_cross_entropy(hidden, weight, target, chunk_size=chunk_size, reduction=reduction)
    h2, w2 = hidden.detach().clone().requires_grad_(), weight.detach().clone().requires_grad_()
    ref = F.cross_entropy(h2 @ w2.T, target, reduction=reduction)
    torch.testing.assert_close(ours, ref, rtol=1e-10, atol=1e-12)
    upstream = torch.randn_like(ours)  # a non-uniform gradient for "none"
    (ours * upstream).sum().backward()
    (ref * upstream).sum().backward()
    torch.testing.assert_close(hidden.grad, h2.grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(weight.grad, w2.grad, rtol=1e-10, atol=1e-12)


def test_float32_and_extreme_logits(dtype):
    hidden, weight, target = problem(dtype=dtype)
    with torch.no_grad():
        hidden *= 1e3  # logits of order 1e3-1e4
    ours = lb.chunked_linear_cross_entropy(hidden, weight, target, chunk_size=8)
    ours.backward()
    assert ours.dtype == dtype and torch.isfinite(ours)
    assert torch.isfinite(hidden.grad).all() and torch.isfinite(weight.grad).all()
    torch.testing.assert_close(ours, F.cross_entropy(hidden.detach() @ weight.detach().T, target))


def test_gradcheck_float64():
    hidden, weight, target = problem(n=6, d=3, v=5)
    assert torch.autograd.gradcheck(
        lambda h, w: lb.chunked_linear_cross_entropy(h, w, target, chunk_size=4, reduction="none"), (hidden, weight)
    )


def sizes_saved_for_backward(compute):
    sizes = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: sizes.append(t.numel()) or t, lambda t: t):
        compute()
    return sizes


def test_no_full_logit_matrix_is_saved_for_backward():
    n, v = 512, 1000
    hidden, weight, target = problem(n=n, d=16, v=v)
    plain = sizes_saved_for_backward(lambda: F.cross_entropy(hidden @ weight.T, target))
    chunked = sizes_saved_for_backward(lambda: lb.chunked_linear_cross_entropy(hidden, weight, target, chunk_size=64))
    assert max(plain) >= n * v  # the plain computation keeps the (N, V) logits alive for backward...
    assert chunked and max(chunked) < n * v  # ...the chunked one never does


def test_bad_input():
    hidden, weight, target = problem()
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        lb.chunked_linear_cross_entropy(hidden, weight, target, chunk_size=0)
    with pytest.raises(ValueError, match=r"hidden must be \(N, D\) and weight \(V, D\)"):
        lb.chunked_linear_cross_entropy(hidden, weight[:, :3], target)
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 50\)"):
        lb.chunked_linear_cross_entropy(hidden, weight, target + 50)
    with pytest.raises(TypeError, match="target must hold class indices"):
        lb.chunked_linear_cross_entropy(hidden, weight, target.double())
    with pytest.raises(TypeError, match="weight must have the dtype of hidden"):
        lb.chunked_linear_cross_entropy(hidden, weight.float(), target)
    with pytest.raises(ValueError, match="target must have shape"):
        lb.chunked_linear_cross_entropy(hidden, weight, target[:-1])
    with pytest.raises(ValueError, match="zero elements|no target is counted"):
        lb.chunked_linear_cross_entropy(hidden, weight, torch.full_like(target, -100))
    with pytest.raises(ValueError, match="reduction must be one of"):
        lb.chunked_linear_cross_entropy(hidden, weight, target, reduction="avg")

"""Tests of lossbook.classification against trusted references (torch.nn.functional, scikit-learn, torchvision's
formula written out, mpmath), plus gradients, extreme inputs, bad input and properties of the mathematics."""

import math

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import lossbook as lb

F64 = torch.float64
REDUCTIONS = ["mean", "sum", "none"]
TIGHT = {"rtol": 1e-6, "atol": 1e-12}  # the contract: 1e-6 relative in float64 (atol only for exact zeros)


# --- test data ---------------------------------------------------------------------------------------------------

def _generator(seed):
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed=0, scale=2.0, dtype=F64, device="cpu"):
    return (torch.randn(shape, generator=_generator(seed), dtype=F64) * scale).to(dtype=dtype, device=device)


def uniform(*shape, low, high, seed=0, dtype=F64, device="cpu"):
    x = low + (high - low) * torch.rand(shape, generator=_generator(seed), dtype=F64)
    return x.to(dtype=dtype, device=device)


def class_indices(num_classes, *shape, seed=0, device="cpu"):
    return torch.randint(num_classes, shape, generator=_generator(seed)).to(device)


def class_probabilities(shape, class_dim, seed=0, dtype=F64, device="cpu"):
    return torch.softmax(randn(*shape, seed=seed), dim=class_dim).to(dtype=dtype, device=device)


def ignore_some(target, ignore_index=-100, every=3):
    """A copy of ``target`` with every ``every``-th entry (in flattened order, starting with the second) ignored."""
    flat = target.clone().reshape(-1)
    flat[1::every] = ignore_index
    return flat.reshape(target.shape)


def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0):
    """``torchvision.ops.sigmoid_focal_loss`` with ``reduction="none"``, copied literally from torchvision's
    ``torchvision/ops/focal_loss.py`` (v0.15+; torchvision has no CPU build in this environment).
    ``alpha < 0`` disables the α-balancing."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return loss


def poly1_focal_reference(inputs, targets, epsilon=1.0, alpha=0.25, gamma=2.0):
    """Leng et al. 2022 (PolyLoss, ICLR), Listing 2: ``poly1 = FL + ε (1 - p_t)^(γ + 1)``, FL torchvision's."""
    p = torch.sigmoid(inputs)
    p_t = targets * p + (1 - targets) * (1 - p)
    return torchvision_sigmoid_focal_loss(inputs, targets, alpha, gamma) + epsilon * (1 - p_t) ** (gamma + 1)


def reduce(loss, reduction):
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


# --- binary cross-entropy against torch.nn.functional ------------------------------------------------------------

WEIGHT_SHAPES = {"no_weight": None, "per_label": (3,), "per_element": (6, 3)}


@pytest.mark.parametrize("weight_shape", WEIGHT_SHAPES.values(), ids=WEIGHT_SHAPES.keys())
def test_binary_cross_entropy_matches_torch(weight_shape):
    probs = uniform(6, 3, low=0.01, high=0.99, seed=1)
    target = torch.tensor([0.0, 1.0, 0.3] * 6, dtype=F64).reshape(6, 3)  # hard and soft targets
    weight = None if weight_shape is None else uniform(*weight_shape, low=0.1, high=3.0, seed=2)
    for reduction in REDUCTIONS:
        ours = lb.binary_cross_entropy(probs, target, weight=weight, reduction=reduction)
        ref = F.binary_cross_entropy(probs, target, weight=weight, reduction=reduction)
        torch.testing.assert_close(ours, ref, **TIGHT)


def test_binary_cross_entropy_is_accurate_for_tiny_probabilities():
    # -log(1 - p) for p = 1e-12 is 1e-12 (1 + 5e-13); computing log(1 - p) instead of log1p(-p) loses ~5 digits.
    probs = torch.tensor([1e-12, 1e-10, 1e-8, 1 - 1e-12], dtype=F64)
    target = torch.tensor([0.0, 0.0, 0.0, 1.0], dtype=F64)
    ours = lb.binary_cross_entropy(probs, target, reduction="none")
    exact = torch.tensor([float(-mpmath.log1p(-mpmath.mpf(p))) for p in probs[:3].tolist()]
                         + [float(-mpmath.log(mpmath.mpf(probs[3].item())))], dtype=F64)
    torch.testing.assert_close(F.binary_cross_entropy(probs, target, reduction="none"), exact, rtol=1e-6, atol=0)
    torch.testing.assert_close(ours, exact, rtol=1e-6, atol=0)


def test_binary_cross_entropy_gradient_wrt_target_matches_torch():
    # d/dt of -[t log p + (1 - t) log(1 - p)] is log(1 - p) - log p, also at hard labels t = 0 or 1
    # (distillation-style soft targets that require grad hit exactly 0 or 1 routinely).
    probs = torch.tensor([0.3, 0.8, 0.6], dtype=F64)
    ours_t = torch.tensor([0.0, 1.0, 0.4], dtype=F64, requires_grad=True)
    ref_t = ours_t.detach().clone().requires_grad_()
    lb.binary_cross_entropy(probs, ours_t, reduction="sum").backward()
    F.binary_cross_entropy(probs, ref_t, reduction="sum").backward()
    torch.testing.assert_close(ref_t.grad, torch.log1p(-probs) - torch.log(probs))  # the reference is right
    torch.testing.assert_close(ours_t.grad, ref_t.grad, **TIGHT)


WEIGHTS_AND_POS_WEIGHTS = {
    "plain": (None, None),
    "weight": ((6, 3), None),
    "pos_weight": (None, (3,)),
    "both": ((3,), (3,)),
}


@pytest.mark.parametrize("shapes", WEIGHTS_AND_POS_WEIGHTS.values(), ids=WEIGHTS_AND_POS_WEIGHTS.keys())
def test_binary_cross_entropy_with_logits_matches_torch(shapes):
    weight_shape, pos_weight_shape = shapes
    logits = randn(6, 3, seed=3, scale=4.0)
    target = (uniform(6, 3, low=0, high=1, seed=4) > 0.5).to(F64)  # multi-hot
    target[0] = torch.tensor([0.25, 0.5, 1.0], dtype=F64)  # and some soft labels
    weight = None if weight_shape is None else uniform(*weight_shape, low=0.1, high=3.0, seed=5)
    pos_weight = None if pos_weight_shape is None else uniform(*pos_weight_shape, low=0.5, high=5.0, seed=6)
    for reduction in REDUCTIONS:
        ours = lb.binary_cross_entropy_with_logits(logits, target, weight=weight, pos_weight=pos_weight,
                                                   reduction=reduction)
        ref = F.binary_cross_entropy_with_logits(logits, target, weight=weight, pos_weight=pos_weight,
                                                 reduction=reduction)
        torch.testing.assert_close(ours, ref, **TIGHT)


def test_binary_cross_entropy_with_logits_gradients_match_torch():
    logits = randn(4, 3, seed=7).requires_grad_()
    target = uniform(4, 3, low=0, high=1, seed=8).requires_grad_()
    pos_weight = torch.tensor([0.5, 2.0, 3.0], dtype=F64)
    ours = torch.autograd.grad(lb.binary_cross_entropy_with_logits(logits, target, pos_weight=pos_weight),
                               (logits, target))
    ref = torch.autograd.grad(F.binary_cross_entropy_with_logits(logits, target, pos_weight=pos_weight),
                              (logits, target))
    for a, b in zip(ours, ref, strict=True):
        torch.testing.assert_close(a, b, **TIGHT)


# --- cross-entropy and NLL against torch.nn.functional -----------------------------------------------------------

# (logits shape, class dimension): batched, with two extra spatial dimensions, and unbatched.
LOGIT_SHAPES = {"N_C": ((7, 5), 1), "N_C_d1_d2": ((3, 5, 4, 2), 1), "C": ((5,), 0)}


# (layout, whether some targets are ignored): an unbatched input has a single target, so it is never ignored.
LAYOUTS_AND_IGNORING = [
    pytest.param(layout, ignored, id=f"{name}-{'some_ignored' if ignored else 'all_counted'}")
    for name, layout in LOGIT_SHAPES.items()
    for ignored in ([False, True] if len(layout[0]) > 1 else [False])
]


def index_target(shape, class_dim, seed):
    target_shape = shape[:class_dim] + shape[class_dim + 1:]
    return class_indices(shape[class_dim], *target_shape, seed=seed)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(("layout", "ignored"), LAYOUTS_AND_IGNORING)
def test_cross_entropy_with_class_indices_matches_torch(layout, ignored, weighted, label_smoothing):
    shape, class_dim = layout
    logits = randn(*shape, seed=10)
    target = index_target(shape, class_dim, seed=11)
    if ignored:
        target = ignore_some(target)
    weight = uniform(shape[class_dim], low=0.2, high=3.0, seed=12) if weighted else None
    for reduction in REDUCTIONS:
        kwargs = {"weight": weight, "label_smoothing": label_smoothing, "reduction": reduction}
        ours = lb.cross_entropy(logits, target, **kwargs)
        ref = F.cross_entropy(logits, target, **kwargs)
        assert ours.shape == ref.shape
        torch.testing.assert_close(ours, ref, **TIGHT)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("layout", LOGIT_SHAPES.values(), ids=LOGIT_SHAPES.keys())
def test_cross_entropy_with_class_probabilities_matches_torch(layout, weighted, label_smoothing):
    shape, class_dim = layout
    logits = randn(*shape, seed=13)
    target = class_probabilities(shape, class_dim, seed=14)
    weight = uniform(shape[class_dim], low=0.2, high=3.0, seed=15) if weighted else None
    for reduction in REDUCTIONS:
        kwargs = {"weight": weight, "label_smoothing": label_smoothing, "reduction": reduction}
        ours = lb.cross_entropy(logits, target, **kwargs)
        torch.testing.assert_close(ours, F.cross_entropy(logits, target, **kwargs), **TIGHT)


def test_cross_entropy_gradients_match_torch():
    logits = randn(3, 5, 4, seed=16).requires_grad_()
    target = ignore_some(index_target((3, 5, 4), 1, seed=17))
    weight = uniform(5, low=0.2, high=3.0, seed=18)  # PyTorch does not differentiate w.r.t. weight (gradcheck does)
    kwargs = {"label_smoothing": 0.1}
    (ours,) = torch.autograd.grad(lb.cross_entropy(logits, target, weight=weight, **kwargs), (logits,))
    (ref,) = torch.autograd.grad(F.cross_entropy(logits, target, weight=weight, **kwargs), (logits,))
    torch.testing.assert_close(ours, ref, **TIGHT)
    probs_target = class_probabilities((3, 5, 4), 1, seed=19).requires_grad_()
    ours = torch.autograd.grad(lb.cross_entropy(logits, probs_target, **kwargs), (logits, probs_target))
    ref = torch.autograd.grad(F.cross_entropy(logits, probs_target, **kwargs), (logits, probs_target))
    for a, b in zip(ours, ref, strict=True):
        torch.testing.assert_close(a, b, **TIGHT)


def test_ignore_index_may_be_a_valid_class():
    logits = randn(9, 4, seed=20)
    target = torch.tensor([0, 1, 2, 3, 2, 2, 1, 0, 3])
    weight = uniform(4, low=0.5, high=2.0, seed=21)
    for reduction in REDUCTIONS:
        for kwargs in ({}, {"weight": weight}, {"weight": weight, "label_smoothing": 0.25}):
            torch.testing.assert_close(lb.cross_entropy(logits, target, ignore_index=2, reduction=reduction, **kwargs),
                                       F.cross_entropy(logits, target, ignore_index=2, reduction=reduction, **kwargs),
                                       **TIGHT)


def test_cross_entropy_weighted_mean_divides_by_the_counted_weights():
    # Written out: two counted samples of classes 0 and 2, one ignored.
    logits = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.0, -1.0], [2.0, 2.0, 0.0]], dtype=F64)
    target = torch.tensor([0, -100, 2])
    weight = torch.tensor([2.0, 5.0, 0.5], dtype=F64)
    log_p = torch.log(torch.softmax(logits, dim=1))
    expected = -(2.0 * log_p[0, 0] + 0.5 * log_p[2, 2]) / (2.0 + 0.5)
    torch.testing.assert_close(lb.cross_entropy(logits, target, weight=weight), expected, **TIGHT)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(("layout", "ignored"), LAYOUTS_AND_IGNORING)
def test_nll_loss_matches_torch(layout, ignored, weighted):
    shape, class_dim = layout
    log_probs = torch.log_softmax(randn(*shape, seed=22), dim=class_dim)
    target = index_target(shape, class_dim, seed=23)
    if ignored:
        target = ignore_some(target)
    weight = uniform(shape[class_dim], low=0.2, high=3.0, seed=24) if weighted else None
    for reduction in REDUCTIONS:
        torch.testing.assert_close(lb.nll_loss(log_probs, target, weight=weight, reduction=reduction),
                                   F.nll_loss(log_probs, target, weight=weight, reduction=reduction), **TIGHT)


def test_ignored_targets_contribute_nothing_even_where_a_log_probability_is_minus_inf():
    # A zero probability has log-probability -inf (a masked class); an ignored sample must not turn it into nan.
    log_probs = torch.tensor([[-math.inf, 0.0], [math.log(0.25), math.log(0.75)]], dtype=F64)
    target = torch.tensor([-100, 1])
    for reduction in REDUCTIONS:
        torch.testing.assert_close(lb.nll_loss(log_probs, target, reduction=reduction),
                                   F.nll_loss(log_probs, target, reduction=reduction), **TIGHT)
    logits = torch.tensor([[-math.inf, 0.0, 1.0], [0.0, 1.0, 2.0]], dtype=F64)
    for reduction in REDUCTIONS:
        torch.testing.assert_close(lb.cross_entropy(logits, target, reduction=reduction),
                                   F.cross_entropy(logits, target, reduction=reduction), **TIGHT)


def test_byte_class_indices_are_accepted_like_torch():
    # F.cross_entropy / F.nll_loss accept uint8 targets (segmentation masks are often stored so).
    logits = randn(4, 4, seed=25)
    target = torch.tensor([1, 2, 3, 1], dtype=torch.uint8)
    weight = uniform(4, low=0.5, high=2.0, seed=26)
    torch.testing.assert_close(lb.cross_entropy(logits, target, weight=weight),
                               F.cross_entropy(logits, target, weight=weight), **TIGHT)


# --- hinge losses against scikit-learn and F.multi_margin_loss ---------------------------------------------------

@pytest.mark.parametrize("label_dtype", [torch.int64, F64], ids=["int_labels", "float_labels"])
def test_binary_hinge_matches_sklearn(label_dtype):
    import sklearn.metrics

    scores = randn(40, seed=30)
    target = torch.where(uniform(40, low=0, high=1, seed=31) > 0.5, 1, -1).to(label_dtype)
    ref = sklearn.metrics.hinge_loss(target.numpy(), scores.numpy())
    torch.testing.assert_close(lb.hinge_loss(scores, target), torch.tensor(ref, dtype=F64), **TIGHT)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("margin", [0.0, 0.5, 1.0, 3.0])
def test_binary_hinge_with_margin_and_squared_is_the_formula(margin, squared):
    scores = randn(4, 5, seed=32)
    target = torch.where(uniform(4, 5, low=0, high=1, seed=33) > 0.5, 1.0, -1.0).to(F64)
    s, t = scores.numpy(), target.numpy()
    expected = np.maximum(0.0, margin - t * s) ** (2 if squared else 1)
    ours = lb.hinge_loss(scores, target, margin=margin, squared=squared, reduction="none")
    torch.testing.assert_close(ours, torch.as_tensor(expected), **TIGHT)
    torch.testing.assert_close(lb.hinge_loss(scores, target, margin=margin, squared=squared, reduction="sum"),
                               torch.tensor(expected.sum(), dtype=F64), **TIGHT)


def test_crammer_singer_matches_sklearn():
    import sklearn.metrics

    scores = randn(30, 4, seed=34)
    target = class_indices(4, 30, seed=35)
    target[:4] = torch.arange(4)  # every class present: sklearn then infers the columns from y_true
    ours = lb.multiclass_hinge_loss(scores, target, variant="crammer_singer")
    ref = sklearn.metrics.hinge_loss(target.numpy(), scores.numpy())
    torch.testing.assert_close(ours, torch.tensor(ref, dtype=F64), **TIGHT)


def test_crammer_singer_sklearn_label_conventions():
    import sklearn.metrics

    # sklearn's column j is the j-th of the *sorted* labels, inferred from y_true unless labels= is given;
    # with a class absent from y_true it refuses to guess (and with at most two labels present it would take the
    # binary path and want 1-d decision values).
    scores = randn(12, 4, seed=36)
    target = class_indices(3, 12, seed=37)  # class 3 never occurs
    target[:3] = torch.arange(3)
    with pytest.raises(ValueError, match="include all labels"):
        sklearn.metrics.hinge_loss(target.numpy(), scores.numpy())
    ref = sklearn.metrics.hinge_loss(target.numpy(), scores.numpy(), labels=[0, 1, 2, 3])
    torch.testing.assert_close(lb.multiclass_hinge_loss(scores, target, variant="crammer_singer"),
                               torch.tensor(ref, dtype=F64), **TIGHT)
    names = np.array(["emu", "ant", "dog", "cat"])  # class index i is names[i]; sklearn sorts: ant, cat, dog, emu
    order = np.argsort(names)
    target = class_indices(4, 12, seed=38)
    target[:4] = torch.arange(4)
    ref = sklearn.metrics.hinge_loss(names[target.numpy()], scores.numpy()[:, order])
    torch.testing.assert_close(lb.multiclass_hinge_loss(scores, target, variant="crammer_singer"),
                               torch.tensor(ref, dtype=F64), **TIGHT)


@pytest.mark.parametrize("margin", [0.0, 0.5, 1.0, 2.5])
def test_weston_watkins_is_multi_margin_loss_times_num_classes(margin):
    scores = randn(9, 5, seed=39)
    target = class_indices(5, 9, seed=40)
    for reduction in REDUCTIONS:
        ours = lb.multiclass_hinge_loss(scores, target, margin=margin, reduction=reduction)
        ref = 5 * F.multi_margin_loss(scores, target, margin=margin, reduction=reduction)
        torch.testing.assert_close(ours, ref, **TIGHT)


def test_multiclass_hinge_takes_an_unbatched_score_vector_like_torch():
    # F.multi_margin_loss accepts a single (C,) score vector with a 0-d target, as the module docstring promises.
    scores, target = randn(5, seed=43), torch.tensor(3)
    torch.testing.assert_close(lb.multiclass_hinge_loss(scores, target, margin=0.5),
                               5 * F.multi_margin_loss(scores, target, margin=0.5), **TIGHT)


@pytest.mark.parametrize("margin", [0.0, 0.7, 2.0])
def test_multiclass_hinge_variants_are_the_formulas(margin):
    scores = randn(6, 4, seed=41)
    target = class_indices(4, 6, seed=42)
    s, y = scores.tolist(), target.tolist()
    ww = [sum(max(0.0, margin - s[i][y[i]] + s[i][j]) for j in range(4) if j != y[i]) for i in range(6)]
    cs = [max(0.0, margin + max(s[i][j] for j in range(4) if j != y[i]) - s[i][y[i]]) for i in range(6)]
    for variant, expected in [("weston_watkins", ww), ("crammer_singer", cs)]:
        ours = lb.multiclass_hinge_loss(scores, target, margin=margin, variant=variant, reduction="none")
        torch.testing.assert_close(ours, torch.tensor(expected, dtype=F64), **TIGHT)


# --- focal losses and PolyLoss -----------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LOGIT_SHAPES.values(), ids=LOGIT_SHAPES.keys())
def test_focal_loss_with_gamma_0_and_no_alpha_is_cross_entropy(layout):
    shape, class_dim = layout
    logits = randn(*shape, seed=50)
    target = index_target(shape, class_dim, seed=51)
    for reduction in REDUCTIONS:
        torch.testing.assert_close(lb.focal_loss(logits, target, gamma=0.0, alpha=None, reduction=reduction),
                                   F.cross_entropy(logits, target, reduction=reduction), **TIGHT)


@pytest.mark.parametrize("with_alpha", [False, True], ids=["no_alpha", "alpha"])
@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 5.0])
@pytest.mark.parametrize("layout", [LOGIT_SHAPES["N_C"], LOGIT_SHAPES["N_C_d1_d2"]], ids=["N_C", "N_C_d1_d2"])
def test_focal_loss_is_the_plain_formula(layout, gamma, with_alpha):
    shape, class_dim = layout
    logits = randn(*shape, seed=52)
    target = index_target(shape, class_dim, seed=53)
    alpha = uniform(shape[class_dim], low=0.0, high=1.0, seed=54) if with_alpha else None
    p_y = torch.softmax(logits, dim=class_dim).gather(class_dim, target.unsqueeze(class_dim)).squeeze(class_dim)
    alpha_y = torch.ones_like(p_y) if alpha is None else alpha[target]
    expected = -alpha_y * (1 - p_y) ** gamma * torch.log(p_y)
    for reduction in REDUCTIONS:
        ours = lb.focal_loss(logits, target, gamma=gamma, alpha=alpha, reduction=reduction)
        torch.testing.assert_close(ours, reduce(expected, reduction), **TIGHT)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 3.5])
@pytest.mark.parametrize("alpha", [0.25, 0.5, 1.0, None])
def test_sigmoid_focal_loss_matches_torchvision(alpha, gamma):
    logits = randn(5, 4, seed=55, scale=3.0)
    target = (uniform(5, 4, low=0, high=1, seed=56) > 0.6).to(F64)
    target[0] = torch.tensor([0.1, 0.5, 0.9, 0.0], dtype=F64)  # soft targets too
    ref = torchvision_sigmoid_focal_loss(logits, target, alpha=-1 if alpha is None else alpha, gamma=gamma)
    for reduction in REDUCTIONS:
        ours = lb.sigmoid_focal_loss(logits, target, alpha=alpha, gamma=gamma, reduction=reduction)
        torch.testing.assert_close(ours, reduce(ref, reduction), **TIGHT)


def test_sigmoid_focal_loss_defaults_are_torchvisions():
    logits, target = randn(6, seed=57), torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], dtype=F64)
    torch.testing.assert_close(lb.sigmoid_focal_loss(logits, target),
                               torchvision_sigmoid_focal_loss(logits, target).mean(), **TIGHT)


def test_sigmoid_focal_loss_with_gamma_0_and_no_alpha_is_binary_cross_entropy():
    logits, target = randn(3, 4, seed=58), uniform(3, 4, low=0, high=1, seed=59)
    torch.testing.assert_close(lb.sigmoid_focal_loss(logits, target, alpha=None, gamma=0.0, reduction="none"),
                               F.binary_cross_entropy_with_logits(logits, target, reduction="none"), **TIGHT)


def test_sigmoid_focal_gradients_match_torchvision():
    logits = randn(4, 3, seed=60).requires_grad_()
    target = uniform(4, 3, low=0.05, high=0.95, seed=61).requires_grad_()
    ours = torch.autograd.grad(lb.sigmoid_focal_loss(logits, target, gamma=1.5), (logits, target))
    ref = torch.autograd.grad(torchvision_sigmoid_focal_loss(logits, target, gamma=1.5).mean(), (logits, target))
    for a, b in zip(ours, ref, strict=True):
        torch.testing.assert_close(a, b, **TIGHT)


@pytest.mark.parametrize("fn", ["sigmoid_focal_loss", "poly1_focal_loss"])
def test_sigmoid_focal_gradient_wrt_a_hard_target_is_finite(fn):
    # The contract: differentiable w.r.t. every floating input. At t = 0 or 1 the loss is linear in t, so its
    # derivative is finite; torchvision's formula gives it.
    logits = torch.tensor([0.3, -0.8, 1.2], dtype=F64)
    target = torch.tensor([0.0, 1.0, 0.5], dtype=F64, requires_grad=True)
    ref_target = target.detach().clone().requires_grad_()
    getattr(lb, fn)(logits, target, reduction="sum").backward()
    ref = torchvision_sigmoid_focal_loss(logits, ref_target) if fn == "sigmoid_focal_loss" else \
        poly1_focal_reference(logits, ref_target)
    ref.sum().backward()
    assert torch.isfinite(target.grad).all(), target.grad
    torch.testing.assert_close(target.grad, ref_target.grad, **TIGHT)


@pytest.mark.parametrize("epsilon", [-1.0, 0.0, 1.0, 2.5])
@pytest.mark.parametrize("layout", LOGIT_SHAPES.values(), ids=LOGIT_SHAPES.keys())
def test_poly1_cross_entropy_is_ce_plus_epsilon_times_one_minus_pt(layout, epsilon):
    shape, class_dim = layout
    logits = randn(*shape, seed=62)
    target = index_target(shape, class_dim, seed=63)
    p_t = torch.softmax(logits, dim=class_dim).gather(class_dim, target.unsqueeze(class_dim)).squeeze(class_dim)
    for reduction in REDUCTIONS:
        expected = F.cross_entropy(logits, target, reduction="none") + epsilon * (1 - p_t)
        ours = lb.poly1_cross_entropy(logits, target, epsilon=epsilon, reduction=reduction)
        torch.testing.assert_close(ours, reduce(expected, reduction), **TIGHT)


@pytest.mark.parametrize("alpha", [0.25, None])
@pytest.mark.parametrize("gamma", [0.0, 2.0])
@pytest.mark.parametrize("epsilon", [-1.0, 0.0, 1.0, 3.0])
def test_poly1_focal_loss_matches_the_papers_listing(epsilon, gamma, alpha):
    logits = randn(5, 4, seed=64, scale=3.0)
    target = (uniform(5, 4, low=0, high=1, seed=65) > 0.5).to(F64)
    ref = poly1_focal_reference(logits, target, epsilon, -1 if alpha is None else alpha, gamma)
    for reduction in REDUCTIONS:
        ours = lb.poly1_focal_loss(logits, target, epsilon=epsilon, alpha=alpha, gamma=gamma, reduction=reduction)
        torch.testing.assert_close(ours, reduce(ref, reduction), **TIGHT)


def test_poly1_focal_loss_defaults_and_epsilon_0():
    logits, target = randn(8, seed=66), torch.tensor([1.0, 0, 0, 1, 1, 0, 1, 0], dtype=F64)
    torch.testing.assert_close(lb.poly1_focal_loss(logits, target), poly1_focal_reference(logits, target).mean(),
                               **TIGHT)
    torch.testing.assert_close(lb.poly1_focal_loss(logits, target, epsilon=0.0), lb.sigmoid_focal_loss(logits, target),
                               **TIGHT)


# --- dtype, device and shapes ------------------------------------------------------------------------------------

def _case(name, dtype, device):
    """(function, input, target, kwargs, shape of the "none" result) for one loss, on ``dtype``/``device``."""
    logits = randn(4, 3, 2, seed=70, dtype=dtype, device=device)
    index = class_indices(3, 4, 2, seed=71, device=device)
    binary = (uniform(4, 3, low=0, high=1, seed=72, device=device) > 0.5).to(dtype)
    flat_logits = logits[:, :, 0]
    cases = {
        "binary_cross_entropy": (uniform(4, 3, low=0.05, high=0.95, dtype=dtype, device=device), binary, {}, (4, 3)),
        "binary_cross_entropy_with_logits": (flat_logits, binary, {}, (4, 3)),
        "cross_entropy": (logits, index, {}, (4, 2)),
        "nll_loss": (torch.log_softmax(logits, dim=1), index, {}, (4, 2)),
        "hinge_loss": (flat_logits, (2 * binary - 1).long(), {}, (4, 3)),
        "multiclass_hinge_loss": (flat_logits, index[:, 0], {}, (4,)),
        "focal_loss": (logits, index, {}, (4, 2)),
        "sigmoid_focal_loss": (flat_logits, binary, {}, (4, 3)),
        "poly1_cross_entropy": (logits, index, {}, (4, 2)),
        "poly1_focal_loss": (flat_logits, binary, {}, (4, 3)),
    }
    fn_input, target, kwargs, none_shape = cases[name]
    return getattr(lb, name), fn_input, target, kwargs, none_shape


ALL_LOSSES = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "hinge_loss",
    "multiclass_hinge_loss", "focal_loss", "sigmoid_focal_loss", "poly1_cross_entropy", "poly1_focal_loss",
]


def test_every_loss_is_tested_and_exported():
    # chunked_linear_cross_entropy takes (hidden, weight, target): tests/test_chunked_cross_entropy.py covers it.
    assert sorted([*ALL_LOSSES, "chunked_linear_cross_entropy"]) == sorted(lb.classification.__all__)
    for name in ALL_LOSSES:
        assert getattr(lb, name) is getattr(lb.classification, name)


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_dtype_device_and_shapes(name, dtype, device):
    fn, fn_input, target, kwargs, none_shape = _case(name, dtype, device)
    for reduction, shape in [("none", none_shape), ("sum", ()), ("mean", ())]:
        result = fn(fn_input, target, reduction=reduction, **kwargs)
        assert result.dtype == dtype and result.device == fn_input.device and result.shape == shape
        assert torch.isfinite(result).all()
    # The float32 result is the float64 one, rounded.
    ref_fn, ref_input, ref_target, _, _ = _case(name, F64, "cpu")
    torch.testing.assert_close(fn(fn_input, target, reduction="none", **kwargs).cpu().double(),
                               ref_fn(ref_input, ref_target, reduction="none", **kwargs),
                               **({} if dtype == F64 else {"rtol": 1e-5, "atol": 1e-6}))


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss", "focal_loss", "binary_cross_entropy"])
def test_a_float64_weight_does_not_change_the_result_dtype(name):
    # The rule: the result has the input's dtype. PyTorch refuses the mixture; silently promoting is neither.
    fn, fn_input, target, _, _ = _case(name, torch.float32, "cpu")
    option = "alpha" if name == "focal_loss" else "weight"
    weight = torch.full(fn_input.shape[1:2], 0.5, dtype=F64)
    try:
        result = fn(fn_input, target, **{option: weight})
    except (TypeError, ValueError) as error:
        assert option in str(error)
    else:
        assert result.dtype == torch.float32


# --- gradients ---------------------------------------------------------------------------------------------------

def _gradcheck(fn, *inputs):
    assert torch.autograd.gradcheck(fn, inputs)


def test_gradcheck_binary_cross_entropy():
    probs = uniform(3, 2, low=0.1, high=0.9, seed=80).requires_grad_()
    target = uniform(3, 2, low=0.1, high=0.9, seed=81).requires_grad_()
    weight = uniform(2, low=0.5, high=2.0, seed=82).requires_grad_()
    _gradcheck(lambda p, t, w: lb.binary_cross_entropy(p, t, weight=w), probs, target, weight)


def test_gradcheck_binary_cross_entropy_with_logits():
    logits = randn(3, 2, seed=83).requires_grad_()
    target = uniform(3, 2, low=0.1, high=0.9, seed=84).requires_grad_()
    pos_weight = uniform(2, low=0.5, high=2.0, seed=85).requires_grad_()
    _gradcheck(lambda x, t, pw: lb.binary_cross_entropy_with_logits(x, t, pos_weight=pw), logits, target, pos_weight)


def test_gradcheck_cross_entropy_and_nll():
    logits = randn(3, 4, 2, seed=86).requires_grad_()
    target = ignore_some(index_target((3, 4, 2), 1, seed=87))
    weight = uniform(4, low=0.5, high=2.0, seed=88).requires_grad_()
    _gradcheck(lambda x, w: lb.cross_entropy(x, target, weight=w, label_smoothing=0.1), logits, weight)
    soft = class_probabilities((3, 4, 2), 1, seed=89).requires_grad_()
    _gradcheck(lambda x, t: lb.cross_entropy(x, t, label_smoothing=0.2), logits, soft)
    log_probs = torch.log_softmax(randn(3, 4, seed=90) - 1, dim=1).requires_grad_()  # stays <= 0 under the probe
    _gradcheck(lambda lp: lb.nll_loss(lp, target[:, 0], weight=weight.detach()), log_probs)


def test_gradcheck_hinge_losses():
    scores = randn(5, 4, seed=91).requires_grad_()
    labels = torch.where(uniform(5, 4, low=0, high=1, seed=92) > 0.5, 1, -1)
    target = class_indices(4, 5, seed=93)
    _gradcheck(lambda s: lb.hinge_loss(s, labels, margin=0.5), scores)
    _gradcheck(lambda s: lb.hinge_loss(s, labels, squared=True), scores)
    for variant in ("weston_watkins", "crammer_singer"):
        _gradcheck(lambda s, v=variant: lb.multiclass_hinge_loss(s, target, margin=2.0, variant=v), scores)


def test_gradcheck_focal_losses():
    logits = randn(3, 4, 2, seed=94).requires_grad_()
    target = index_target((3, 4, 2), 1, seed=95)
    alpha = torch.tensor([0.1, 0.4, 0.9, 0.5], dtype=F64)
    for gamma in (0.5, 2.0):
        _gradcheck(lambda x, g=gamma: lb.focal_loss(x, target, gamma=g, alpha=alpha), logits)
    binary_logits = randn(4, 3, seed=96).requires_grad_()
    soft = uniform(4, 3, low=0.1, high=0.9, seed=97).requires_grad_()
    hard = (uniform(4, 3, low=0, high=1, seed=98) > 0.5).to(F64)
    for gamma in (0.5, 2.0):
        _gradcheck(lambda x, t, g=gamma: lb.sigmoid_focal_loss(x, t, gamma=g), binary_logits, soft)
        _gradcheck(lambda x, g=gamma: lb.sigmoid_focal_loss(x, hard, gamma=g, alpha=None), binary_logits)
        _gradcheck(lambda x, t, g=gamma: lb.poly1_focal_loss(x, t, gamma=g, epsilon=2.0), binary_logits, soft)
    _gradcheck(lambda x: lb.poly1_cross_entropy(x, target, epsilon=1.5), logits)


# --- extreme inputs ----------------------------------------------------------------------------------------------

BIG = 1e4


def _finite_grad(loss, x):
    (grad,) = torch.autograd.grad(loss.sum(), x)
    assert torch.isfinite(grad).all(), grad
    return grad


def test_softmax_losses_at_logits_of_1e4(dtype):
    x = torch.tensor([[BIG, -BIG, 0.0], [BIG, -BIG, 0.0], [-BIG, BIG, BIG]], dtype=dtype, requires_grad=True)
    y = torch.tensor([0, 1, 0])  # right and sure, wrong and sure, wrong and sure against two
    ce = 2 * BIG
    expected = {
        "cross_entropy": [0.0, ce, ce + math.log(2)],
        "focal_loss": [0.0, ce, ce + math.log(2)],  # (1 - p_t)^γ is 0 for the right one, 1 for the wrong ones
        "poly1_cross_entropy": [0.0, ce + 1, ce + math.log(2) + 1],
    }
    for name, values in expected.items():
        loss = getattr(lb, name)(x, y, reduction="none")
        torch.testing.assert_close(loss, torch.tensor(values, dtype=dtype), rtol=1e-6, atol=0)
        _finite_grad(loss, x)
    loss = lb.focal_loss(x, y, gamma=0.5, alpha=torch.tensor([0.25, 0.5, 0.75], dtype=dtype), reduction="none")
    torch.testing.assert_close(loss, torch.tensor([0.0, 0.5 * ce, 0.25 * (ce + math.log(2))], dtype=dtype))
    grad = _finite_grad(lb.cross_entropy(x, y, reduction="none"), x)
    torch.testing.assert_close(grad, torch.tensor([[0, 0, 0], [1, -1, 0], [-1, 0.5, 0.5]], dtype=dtype))
    for variant, values in [("weston_watkins", [0.0, 3 * BIG + 2, 4 * BIG + 2]), ("crammer_singer", [0, 2 * BIG + 1,
                                                                                                      2 * BIG + 1])]:
        loss = lb.multiclass_hinge_loss(x, y, variant=variant, reduction="none")
        torch.testing.assert_close(loss, torch.tensor(values, dtype=dtype), rtol=1e-6, atol=0)
        _finite_grad(loss, x)


def test_binary_losses_at_logits_of_1e4(dtype):
    x = torch.tensor([BIG, -BIG, BIG, -BIG], dtype=dtype, requires_grad=True)
    t = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    expected = {
        "binary_cross_entropy_with_logits": ({}, [0.0, 0.0, BIG, BIG]),
        "sigmoid_focal_loss": ({"alpha": 0.25}, [0.0, 0.0, 0.75 * BIG, 0.25 * BIG]),
        "poly1_focal_loss": ({"alpha": 0.25, "epsilon": 1.0}, [0.0, 0.0, 0.75 * BIG + 1, 0.25 * BIG + 1]),
    }
    for name, (kwargs, values) in expected.items():
        for gamma_kwargs in ({}, {"gamma": 0.5}) if name != "binary_cross_entropy_with_logits" else ({},):
            loss = getattr(lb, name)(x, t, reduction="none", **kwargs, **gamma_kwargs)
            torch.testing.assert_close(loss, torch.tensor(values, dtype=dtype), rtol=1e-6, atol=0)
            _finite_grad(loss, x)
    loss = lb.binary_cross_entropy_with_logits(x, t, pos_weight=torch.tensor([3.0], dtype=dtype), reduction="none")
    torch.testing.assert_close(loss, torch.tensor([0.0, 0.0, BIG, 3 * BIG], dtype=dtype))
    labels = torch.tensor([1, -1, -1, 1])
    loss = lb.hinge_loss(x, labels, reduction="none")
    torch.testing.assert_close(loss, torch.tensor([0.0, 0.0, BIG + 1, BIG + 1], dtype=dtype))
    torch.testing.assert_close(_finite_grad(loss, x), torch.tensor([0.0, 0.0, 1.0, -1.0], dtype=dtype))


def test_binary_cross_entropy_at_probabilities_0_and_1(dtype):
    probs = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=dtype, requires_grad=True)
    target = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=dtype)
    loss = lb.binary_cross_entropy(probs, target, reduction="none")
    assert loss.tolist() == [0.0, 0.0, 0.0, 0.0]
    _finite_grad(loss, probs)
    # A confident mistake costs infinitely much (its true value); PyTorch clamps each log at -100 instead.
    mistakes = lb.binary_cross_entropy(probs.detach(), 1 - target, reduction="none")
    assert mistakes.tolist() == [math.inf] * 4
    assert F.binary_cross_entropy(probs.detach(), 1 - target, reduction="none").tolist() == [100.0] * 4
    # A soft target against a certain prediction is also infinite: t log 0 with t > 0.
    assert lb.binary_cross_entropy(probs.detach()[:1], torch.tensor([0.3], dtype=dtype)).item() == math.inf


def _exact_sigmoid_focal(x, t, alpha, gamma):
    """The sigmoid focal loss of one logit and a hard target, and its derivative, in 50-digit arithmetic (mpmath).

    With z = x for t = 1 and z = -x for t = 0: q = 1 - p_t = σ(-z), -log p_t = log(1 + e^-z), the loss is
    f = α_t q^γ log(1 + e^-z), and as dq/dz = -q σ(z) and d log(1 + e^-z)/dz = -q,
    f'(z) = -α_t q^γ (γ σ(z) log(1 + e^-z) + q).
    """
    with mpmath.workdps(50):
        z = mpmath.mpf(x) if t == 1 else -mpmath.mpf(x)
        alpha_t = alpha if t == 1 else 1 - alpha
        q, sigma_z, minus_log_pt = 1 / (1 + mpmath.exp(z)), 1 / (1 + mpmath.exp(-z)), mpmath.log1p(mpmath.exp(-z))
        value = alpha_t * q**gamma * minus_log_pt
        dz = -alpha_t * q**gamma * (gamma * sigma_z * minus_log_pt + q)
        return float(value), float(dz if t == 1 else -dz)


@pytest.mark.parametrize("x, t", [(40.0, 1.0), (-40.0, 0.0), (60.0, 1.0), (BIG, 1.0)])
def test_gamma_below_1_keeps_sigmoid_focal_gradients_finite_where_p_t_rounds_to_1(x, t, dtype):
    if dtype == torch.float32 and abs(x) < 60:
        x = math.copysign(20.0, x)  # p_t already rounds to 1 in float32
    logits = torch.tensor([x], dtype=dtype, requires_grad=True)
    target = torch.tensor([t], dtype=dtype)
    assert (torch.sigmoid(logits) * target + (1 - torch.sigmoid(logits)) * (1 - target)).item() == 1.0
    naive = torchvision_sigmoid_focal_loss(logits, target, alpha=0.25, gamma=0.5)
    assert torch.isnan(torch.autograd.grad(naive.sum(), logits)[0]).all()  # the trap
    loss = lb.sigmoid_focal_loss(logits, target, alpha=0.25, gamma=0.5, reduction="sum")
    grad = _finite_grad(loss, logits)
    exact, exact_grad = _exact_sigmoid_focal(x, t, 0.25, 0.5)
    tol = {"rtol": 1e-6, "atol": 0} if dtype == F64 else {"rtol": 1e-4, "atol": 1e-37}  # float32 subnormals
    torch.testing.assert_close(loss, torch.tensor(exact, dtype=dtype), **tol)
    torch.testing.assert_close(grad, torch.tensor([exact_grad], dtype=dtype), **tol)
    poly = lb.poly1_focal_loss(logits, target, alpha=0.25, gamma=0.5, reduction="sum")
    _finite_grad(poly, logits)


@pytest.mark.parametrize("logit", [40.0, BIG])
def test_gamma_below_1_keeps_softmax_focal_gradients_finite_where_p_t_rounds_to_1(logit, dtype):
    logits = torch.tensor([[logit, 0.0, -1.0]], dtype=dtype, requires_grad=True)
    target = torch.tensor([0])
    p_t = torch.softmax(logits, dim=1)[:, 0]
    assert p_t.item() == 1.0
    naive = -(1 - p_t) ** 0.5 * torch.log(p_t)
    assert torch.isnan(torch.autograd.grad(naive.sum(), logits)[0]).all()  # the trap
    grad = _finite_grad(lb.focal_loss(logits, target, gamma=0.5), logits)
    # Exactly: with q = 1 - p_t ≈ e^-logit (1 + e^-1), loss ≈ q^1.5 and |grad| ≈ 1.5 q^1.5: far below any tolerance.
    assert grad.abs().max().item() < 1e-20


# --- bad input ---------------------------------------------------------------------------------------------------

X = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])
Y = torch.tensor([2, 0])
P = torch.tensor([[0.2, 0.7, 0.1], [0.5, 0.4, 0.9]])
B = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
S = torch.tensor([[1, -1, 1], [-1, -1, 1]])

# name -> (a valid input, a valid target, the input's argument name) for every loss
VALID = {
    "binary_cross_entropy": (P, B, "probs"),
    "binary_cross_entropy_with_logits": (X, B, "logits"),
    "cross_entropy": (X, Y, "logits"),
    "nll_loss": (torch.log_softmax(X, 1), Y, "log_probs"),
    "hinge_loss": (X, S, "scores"),
    "multiclass_hinge_loss": (X, Y, "scores"),
    "focal_loss": (X, Y, "logits"),
    "sigmoid_focal_loss": (X, B, "logits"),
    "poly1_cross_entropy": (X, Y, "logits"),
    "poly1_focal_loss": (X, B, "logits"),
}
INDEX_LOSSES = ["cross_entropy", "nll_loss", "multiclass_hinge_loss", "focal_loss", "poly1_cross_entropy"]
ELEMENTWISE_LOSSES = [name for name in ALL_LOSSES if name not in INDEX_LOSSES]


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_the_valid_inputs_of_the_bad_input_tests_are_accepted(name):
    fn_input, target, _ = VALID[name]
    assert torch.isfinite(getattr(lb, name)(fn_input, target)).all()


@pytest.mark.parametrize("reduction", ["avg", "MEAN", None, "batchmean", "elementwise_mean"])
@pytest.mark.parametrize("name", ALL_LOSSES)
def test_unknown_reduction_names_the_allowed_values(name, reduction):
    fn_input, target, _ = VALID[name]
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum', 'none'"):
        getattr(lb, name)(fn_input, target, reduction=reduction)


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_integer_input_is_a_type_error_naming_the_argument(name):
    fn_input, target, argument = VALID[name]
    with pytest.raises(TypeError, match=f"{argument} must be a floating-point tensor"):
        getattr(lb, name)(fn_input.round().long(), target)


@pytest.mark.parametrize("name", ELEMENTWISE_LOSSES)
def test_elementwise_losses_refuse_the_n1_vs_n_broadcast(name):
    fn_input, target, argument = VALID[name]
    with pytest.raises(ValueError, match=rf"{argument} and target must have the same shape, got \(2, 1\) and \(2,\)"):
        getattr(lb, name)(fn_input[:, :1], target[:, 0])
    with pytest.raises(ValueError, match=rf"{argument} and target must have the same shape, got \(2,\) and \(2, 1\)"):
        getattr(lb, name)(fn_input[:, 0], target[:, :1])


@pytest.mark.parametrize("name", INDEX_LOSSES)
def test_class_index_losses_refuse_a_target_of_the_wrong_shape(name):
    fn_input, target, _ = VALID[name]
    with pytest.raises(ValueError, match=r"target must have shape \(2,\)"):
        getattr(lb, name)(fn_input, target[:, None])
    with pytest.raises(ValueError, match=r"target must have shape \(2,\)"):
        getattr(lb, name)(fn_input, torch.cat([target, target]))


@pytest.mark.parametrize("bad", [3, -1, 100, -100])
@pytest.mark.parametrize("name", INDEX_LOSSES)
def test_class_index_out_of_range_is_a_value_error(name, bad):
    fn_input, target, _ = VALID[name]
    target = target.clone()
    target[0] = bad
    if bad == -100 and name in ("cross_entropy", "nll_loss"):
        getattr(lb, name)(fn_input, target)  # the default ignore_index is not an error
        with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 3\) or ignore_index=-1"):
            getattr(lb, name)(fn_input, target, ignore_index=-1)
        return
    with pytest.raises(ValueError, match=rf"target must hold class indices in \[0, 3\).*found {bad}"):
        getattr(lb, name)(fn_input, target)


@pytest.mark.parametrize("name", INDEX_LOSSES)
def test_float_class_indices_are_a_type_error(name):
    fn_input, target, _ = VALID[name]
    with pytest.raises(TypeError, match="target must hold class indices"):
        getattr(lb, name)(fn_input, target.double())
    with pytest.raises(TypeError, match="target must hold class indices"):
        getattr(lb, name)(fn_input, target.bool())


@pytest.mark.parametrize("name", [n for n in INDEX_LOSSES if n != "cross_entropy"])
def test_class_probability_targets_are_only_for_cross_entropy(name):
    fn_input, _, _ = VALID[name]
    with pytest.raises(TypeError, match="target must hold class indices"):
        getattr(lb, name)(fn_input, torch.softmax(X, 1))


def test_probabilities_outside_the_unit_interval_are_refused():
    for bad in (1.5, -0.1, math.nan):
        probs = P.clone()
        probs[0, 0] = bad
        with pytest.raises(ValueError, match=r"probs must contain probabilities in \[0, 1\]"):
            lb.binary_cross_entropy(probs, B)


@pytest.mark.parametrize("name", ["binary_cross_entropy", "binary_cross_entropy_with_logits", "sigmoid_focal_loss",
                                  "poly1_focal_loss"])
@pytest.mark.parametrize("bad", [2.0, -0.5, math.nan])
def test_binary_targets_outside_the_unit_interval_are_refused(name, bad):
    fn_input, target, _ = VALID[name]
    target = target.clone()
    target[1, 1] = bad
    with pytest.raises(ValueError, match=r"target must contain values in \[0, 1\]"):
        getattr(lb, name)(fn_input, target)


@pytest.mark.parametrize("bad", [0, 2, -2])
def test_hinge_labels_must_be_plus_or_minus_one(bad):
    for target in (S.clone(), S.double()):
        target[0, 1] = bad
        with pytest.raises(ValueError, match="target must contain labels -1 or \\+1"):
            lb.hinge_loss(X, target)
    with pytest.raises(ValueError, match="target must contain labels -1 or \\+1"):
        lb.hinge_loss(X, (S > 0).double())  # {0, 1} labels, the classic mistake


def test_nll_loss_refuses_log_probabilities_above_zero():
    with pytest.raises(ValueError, match=r"log_probs must be log-probabilities \(<= 0\)"):
        lb.nll_loss(X, Y)  # logits passed by mistake
    with pytest.raises(ValueError, match=r"log_probs must be log-probabilities \(<= 0\)"):
        lb.nll_loss(torch.softmax(X, 1) + 1e-3, Y)


def test_class_probability_targets_must_be_distributions():
    negative = torch.tensor([[1.2, -0.2, 0.0], [0.5, 0.5, 0.0]])
    with pytest.raises(ValueError, match="target must be a probability distribution along dim=1"):
        lb.cross_entropy(X, negative)
    with pytest.raises(ValueError, match="target must sum to 1 along dim=1"):
        lb.cross_entropy(X, torch.tensor([[0.5, 0.4, 0.0], [0.5, 0.5, 0.0]]))
    with pytest.raises(ValueError, match="target must sum to 1 along dim=0"):
        lb.cross_entropy(X[0], torch.tensor([0.5, 0.6, 0.0]))
    lb.cross_entropy(X.double(), torch.tensor([[1 / 3] * 3] * 2, dtype=F64))  # rounding is fine


@pytest.mark.parametrize("margin", [-1.0, -1e-9, math.nan, math.inf * -1])
def test_negative_hinge_margins_are_refused(margin):
    with pytest.raises(ValueError, match="margin must be a number in"):
        lb.hinge_loss(X, S, margin=margin)
    for variant in ("weston_watkins", "crammer_singer"):
        with pytest.raises(ValueError, match="margin must be a number in"):
            lb.multiclass_hinge_loss(X, Y, margin=margin, variant=variant)


def test_a_zero_margin_is_allowed():
    assert lb.hinge_loss(X, S, margin=0.0).item() >= 0
    assert lb.multiclass_hinge_loss(X, Y, margin=0.0).item() >= 0


@pytest.mark.parametrize("alpha", [1.5, -0.25, -1.0, math.nan])
def test_focal_alpha_outside_the_unit_interval_is_refused(alpha):
    with pytest.raises(ValueError, match="alpha must"):
        lb.sigmoid_focal_loss(X, B, alpha=alpha)
    with pytest.raises(ValueError, match="alpha must"):
        lb.poly1_focal_loss(X, B, alpha=alpha)
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]"):
        lb.focal_loss(X, Y, alpha=torch.tensor([0.5, alpha, 0.5]))
    for ok in (0.0, 1.0):
        lb.sigmoid_focal_loss(X, B, alpha=ok)
        lb.focal_loss(X, Y, alpha=torch.tensor([ok, 0.5, 1.0]))


def test_other_option_domains_are_refused():
    for bad in (-0.1, 1.1):
        with pytest.raises(ValueError, match="label_smoothing must be a number in"):
            lb.cross_entropy(X, Y, label_smoothing=bad)
    for fn, target in [(lb.focal_loss, Y), (lb.sigmoid_focal_loss, B), (lb.poly1_focal_loss, B)]:
        with pytest.raises(ValueError, match="gamma must be a number in"):
            fn(X, target, gamma=-0.5)
    for fn, target in [(lb.poly1_cross_entropy, Y), (lb.poly1_focal_loss, B)]:
        with pytest.raises(ValueError, match="epsilon must be a number"):
            fn(X, target, epsilon=math.nan)


@pytest.mark.parametrize("variant", ["ovr", "Weston_Watkins", "cs", None])
def test_unknown_multiclass_hinge_variant_is_refused(variant):
    with pytest.raises(ValueError, match="variant must be 'weston_watkins' or 'crammer_singer'"):
        lb.multiclass_hinge_loss(X, Y, variant=variant)


def test_mean_over_no_counted_target_is_refused():
    all_ignored = torch.tensor([-100, -100])
    with pytest.raises(ValueError, match="reduction='mean'"):
        lb.cross_entropy(X, all_ignored)
    with pytest.raises(ValueError, match="reduction='mean'"):
        lb.cross_entropy(X, all_ignored, label_smoothing=0.1)
    with pytest.raises(ValueError, match="reduction='mean'"):
        lb.nll_loss(torch.log_softmax(X, 1), all_ignored)
    with pytest.raises(ValueError, match="reduction='mean'"):
        lb.cross_entropy(X, Y, weight=torch.tensor([0.0, 1.0, 0.0]))  # the counted weights sum to 0
    assert lb.cross_entropy(X, all_ignored, reduction="sum").item() == 0.0
    assert lb.cross_entropy(X, all_ignored, reduction="none").tolist() == [0.0, 0.0]
    assert F.cross_entropy(X, all_ignored).isnan()  # what PyTorch does instead


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_mean_over_zero_elements_is_refused(name):
    fn_input, target, _ = VALID[name]
    fn = getattr(lb, name)
    with pytest.raises(ValueError, match="reduction='mean'"):
        fn(fn_input[:0], target[:0])
    assert fn(fn_input[:0], target[:0], reduction="sum").item() == 0.0


def test_weights_of_the_wrong_shape_are_refused():
    for fn, fn_input in [(lb.cross_entropy, X), (lb.nll_loss, torch.log_softmax(X, 1))]:
        for weight in (torch.ones(2), torch.ones(4), torch.ones(1, 3), torch.ones(())):
            with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
                fn(fn_input, Y, weight=weight)
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        lb.cross_entropy(X, torch.softmax(X, 1), weight=torch.ones(2))
    with pytest.raises(TypeError, match="weight must be a floating-point tensor"):
        lb.cross_entropy(X, Y, weight=torch.ones(3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"alpha must have shape \(3,\)"):
        lb.focal_loss(X, Y, alpha=torch.full((2,), 0.5))
    for weight in (torch.ones(2), torch.ones(3, 3), torch.ones(1, 2, 3)):
        with pytest.raises(ValueError, match="weight of shape .* does not broadcast"):
            lb.binary_cross_entropy(P, B, weight=weight)
        with pytest.raises(ValueError, match="weight of shape .* does not broadcast"):
            lb.binary_cross_entropy_with_logits(X, B, weight=weight)
        with pytest.raises(ValueError, match="pos_weight of shape .* does not broadcast"):
            lb.binary_cross_entropy_with_logits(X, B, pos_weight=weight)


def test_scalar_logits_are_refused():
    with pytest.raises(ValueError, match="must have a class dimension"):
        lb.cross_entropy(torch.tensor(1.0), torch.tensor(0))
    with pytest.raises(ValueError, match=r"scores must have shape \(N, C\) or \(C,\) with C >= 2"):
        lb.multiclass_hinge_loss(X[:, :1], torch.tensor([0, 0]))


# --- properties --------------------------------------------------------------------------------------------------

logit_rows = st.integers(2, 7).flatmap(lambda c: st.lists(st.floats(-30, 30), min_size=c, max_size=c))


def _one_row(logits, data):
    x = torch.tensor([logits], dtype=F64)
    y = torch.tensor([data.draw(st.integers(0, len(logits) - 1), label="target")])
    return x, y


@settings(max_examples=150, deadline=None)
@given(logit_rows, st.floats(-1e3, 1e3), st.data())
def test_cross_entropy_is_non_negative_and_shift_invariant(logits, shift, data):
    x, y = _one_row(logits, data)
    ce = lb.cross_entropy(x, y)
    assert ce.item() >= 0.0
    assert lb.cross_entropy(x + shift, y).item() == pytest.approx(ce.item(), rel=1e-9, abs=1e-9)
    log_p = torch.log_softmax(x, 1)[0, y].item()  # the plain definition, -log p_y
    assert ce.item() == pytest.approx(-log_p, rel=1e-9, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(logit_rows, st.floats(0.0, 1.0), st.data())
def test_label_smoothed_cross_entropy_is_at_least_the_smoothed_targets_entropy(logits, epsilon, data):
    # Gibbs: H(t̃, p) = H(t̃) + KL(t̃ ‖ p) >= H(t̃), for the index form and the probability form alike.
    x, y = _one_row(logits, data)
    c = x.shape[1]
    smoothed = (1 - epsilon) * F.one_hot(y, c).to(F64) + epsilon / c
    entropy = -torch.special.xlogy(smoothed, smoothed).sum().item()
    ce = lb.cross_entropy(x, y, label_smoothing=epsilon).item()
    assert ce >= entropy - 1e-9
    assert lb.cross_entropy(x, smoothed).item() == pytest.approx(ce, rel=1e-9, abs=1e-9)


quarters = st.integers(-200, 200).map(lambda k: k / 4)  # exact in binary floating point: no rounding at the kink


@settings(max_examples=200, deadline=None)
@given(quarters, st.sampled_from([-1, 1]), quarters.map(abs), st.booleans())
def test_hinge_is_non_negative_and_zero_exactly_when_the_margin_is_met(score, label, margin, squared):
    loss = lb.hinge_loss(torch.tensor([score], dtype=F64), torch.tensor([label]), margin=margin, squared=squared)
    assert loss.item() >= 0.0
    assert (loss.item() == 0.0) == (label * score >= margin)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 6).flatmap(lambda c: st.lists(quarters, min_size=c, max_size=c)), quarters.map(abs), st.data())
def test_multiclass_hinge_is_zero_iff_every_margin_is_met_and_cs_bounds_ww(logits, margin, data):
    x, y = _one_row(logits, data)
    ww = lb.multiclass_hinge_loss(x, y, margin=margin).item()
    cs = lb.multiclass_hinge_loss(x, y, margin=margin, variant="crammer_singer").item()
    assert 0.0 <= cs <= ww + 1e-12 and ww <= (x.shape[1] - 1) * cs + 1e-9
    others = torch.cat([x[0, : y.item()], x[0, y.item() + 1:]])
    met = bool((x[0, y.item()] - others >= margin).all())
    assert (cs == 0.0) == met and (ww == 0.0) == met


@settings(max_examples=150, deadline=None)
@given(logit_rows, st.floats(0, 5), st.floats(0, 5), st.data())
def test_focal_loss_is_at_most_cross_entropy_and_falls_with_gamma(logits, gamma, extra, data):
    x, y = _one_row(logits, data)
    alpha = torch.tensor(data.draw(st.lists(st.floats(0, 1), min_size=x.shape[1], max_size=x.shape[1])),
                         dtype=F64)
    ce = lb.cross_entropy(x, y).item()
    focal = lb.focal_loss(x, y, gamma=gamma, alpha=alpha).item()
    assert 0.0 <= focal <= ce + 1e-12
    assert lb.focal_loss(x, y, gamma=gamma + extra).item() <= lb.focal_loss(x, y, gamma=gamma).item() + 1e-12


@settings(max_examples=150, deadline=None)
@given(st.floats(-40, 40), st.floats(0, 1), st.floats(0, 5), st.floats(0, 1))
def test_sigmoid_focal_loss_is_bounded_by_the_weighted_bce(logit, target, gamma, alpha):
    x, t = torch.tensor([logit], dtype=F64), torch.tensor([target], dtype=F64)
    bce = lb.binary_cross_entropy_with_logits(x, t).item()
    focal = lb.sigmoid_focal_loss(x, t, alpha=alpha, gamma=gamma).item()
    assert 0.0 <= focal <= max(alpha, 1 - alpha) * bce + 1e-12
    # And BCE on logits is the two-class cross-entropy of the logits (0, s) against (1 - t, t).
    two_class = lb.cross_entropy(torch.tensor([[0.0, logit]], dtype=F64), torch.tensor([[1 - target, target]],
                                                                                      dtype=F64))
    assert bce == pytest.approx(two_class.item(), rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 4).flatmap(lambda c: st.lists(st.floats(-2, 2), min_size=c, max_size=c)), st.data())
def test_cross_entropy_is_the_polynomial_series_and_poly1_shifts_its_first_term(logits, data):
    # -log p = Σ_{j>=1} (1 - p)^j / j. Logits in [-2, 2] with C <= 4 give p_t >= e^-4 / 4, so 10^4 terms leave
    # a remainder below (1 - p_t)^10^4 / (10^4 p_t) < 1e-15.
    x, y = _one_row(logits, data)
    one_minus_p = 1 - torch.softmax(x, 1)[0, y]
    j = torch.arange(1, 10_001, dtype=F64)
    terms = one_minus_p**j / j
    series = terms.sum().item()
    assert lb.cross_entropy(x, y).item() == pytest.approx(series, rel=1e-10, abs=1e-13)
    epsilon = data.draw(st.floats(-1, 3), label="epsilon")
    poly = lb.poly1_cross_entropy(x, y, epsilon=epsilon).item()
    assert poly == pytest.approx((1 + epsilon) * terms[0].item() + terms[1:].sum().item(), rel=1e-10, abs=1e-13)

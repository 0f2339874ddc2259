"""Classification losses: cross-entropy in its forms, hinge losses, focal losses and PolyLoss.

Logits are unnormalised scores; the class dimension is 1 for inputs of two or more dimensions (``(N, C)``,
``(N, C, d1, ...)``) and 0 for a single ``(C,)`` vector, as in ``torch.nn.functional``. Every loss works in the
input's dtype and on its device, and stays finite (values and gradients) for logits of ±1e4.
"""

from __future__ import annotations

import torch

from ._validation import (
    check_binary_targets,
    check_broadcasts_to,
    check_class_indices,
    check_distribution,
    check_floating,
    check_interval,
    check_probabilities,
    check_reduction,
    check_same_dtype,
    check_same_shape,
    check_sign_labels,
    reduce_loss,
    weighted_mean,
)
from .activations import _max_shift, log_sigmoid, log_softmax, logsumexp, sigmoid

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "chunked_linear_cross_entropy",
    "cross_entropy",
    "focal_loss",
    "hinge_loss",
    "multiclass_hinge_loss",
    "nll_loss",
    "poly1_cross_entropy",
    "poly1_focal_loss",
    "sigmoid_focal_loss",
]


# --- shared pieces ------------------------------------------------------------------------------------------------

def _class_dim(scores: torch.Tensor) -> int:
    return 1 if scores.dim() >= 2 else 0


def _check_scores_and_indices(scores: torch.Tensor, target, scores_name: str, ignore_index: int | None):
    """Validate ``(N, C, *)`` scores against ``(N, *)`` class indices; return the class dimension and the indices as
    int64 (``gather`` and indexing need them so; PyTorch also accepts uint8 indices)."""
    check_floating(scores, scores_name)
    if scores.dim() == 0:
        raise ValueError(f"{scores_name} must have a class dimension, got a scalar")
    class_dim = _class_dim(scores)
    expected = scores.shape[:class_dim] + scores.shape[class_dim + 1:]
    if isinstance(target, torch.Tensor) and target.is_floating_point() and target.shape == scores.shape:
        raise TypeError(
            f"target must hold class indices (an integer tensor of shape {tuple(expected)}); for class probabilities "
            "use cross_entropy"
        )
    check_class_indices(target, "target", scores.shape[class_dim], ignore_index)
    if target.shape != expected:
        raise ValueError(
            f"target must have shape {tuple(expected)} ({scores_name} {tuple(scores.shape)} without the class "
            f"dimension), got {tuple(target.shape)}"
        )
    return class_dim, target.long()


def _check_per_class(values, name: str, num_classes: int, scores: torch.Tensor, *, at_most: float | None = None):
    """``None``, or a ``(C,)`` floating tensor of per-class values in ``[0, at_most]`` (``[0, ∞)`` by default)."""
    if values is None:
        return
    check_floating(values, name)
    check_same_dtype(values, scores, name, "the input")
    if values.shape != (num_classes,):
        raise ValueError(f"{name} must have shape ({num_classes},), one value per class, got "
                         f"{tuple(values.shape)}")
    if at_most is None and not bool((values >= 0).all()):
        raise ValueError(f"{name} must be non-negative")
    if at_most is not None and not bool(((values >= 0) & (values <= at_most)).all()):
        raise ValueError(f"{name} must lie in [0, {at_most:g}]")


def _pick(values: torch.Tensor, target: torch.Tensor, class_dim: int) -> torch.Tensor:
    """``values[..., target, ...]`` along ``class_dim``: the entry of each sample's target class."""
    return values.gather(class_dim, target.unsqueeze(class_dim)).squeeze(class_dim)


def _log_one_minus_target_prob(logits: torch.Tensor, target: torch.Tensor, class_dim: int) -> torch.Tensor:
    r"""``log(1 - p_t)`` for softmax probabilities, exactly: ``logsumexp`` over the other classes minus over all.

    Computing ``1 - exp(log p_t)`` instead cancels catastrophically as ``p_t → 1``, where it rounds to 0 and
    ``(1 - p_t)^γ`` with ``γ < 1`` has an infinite derivative (``nan`` gradients).
    """
    is_target = torch.zeros_like(logits, dtype=torch.bool).scatter_(class_dim, target.unsqueeze(class_dim), True)
    others = logits.masked_fill(is_target, float("-inf"))
    return logsumexp(others, dim=class_dim) - logsumexp(logits, dim=class_dim)


def _index_loss_reduction(loss: torch.Tensor, target_weight: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce per-sample losses as PyTorch does for class-index targets: a weighted mean divides by Σ w[y]."""
    check_reduction(reduction)
    return weighted_mean(loss, target_weight) if reduction == "mean" else reduce_loss(loss, reduction)


def _index_target_setup(scores, target, weight, ignore_index, scores_name):
    """Validate class-index inputs; return the class dimension, safe targets, the kept mask and each target's weight
    (0 where ignored)."""
    class_dim, target = _check_scores_and_indices(scores, target, scores_name, ignore_index)
    _check_per_class(weight, "weight", scores.shape[class_dim], scores)
    kept = target != ignore_index
    safe_target = torch.where(kept, target, torch.zeros_like(target))
    target_weight = torch.ones_like(safe_target, dtype=scores.dtype) if weight is None else weight[safe_target]
    return class_dim, safe_target, kept, target_weight * kept


def _target_nll(log_p, safe_target, kept, target_weight, class_dim):
    """``-w[y] log p[y]`` per sample; exactly 0 where ignored, even where the placeholder class has ``log p = -inf``."""
    return torch.where(kept, -target_weight * _pick(log_p, safe_target, class_dim), 0.0)


class _SoftmaxNLL(torch.autograd.Function):
    r"""``-log softmax(logits)[target]`` per sample, with the backward pass written out: ``p - onehot(target)``.

    The gradient derived in chapter 4 needs only the softmax, so the forward pass saves the shifted exponentials and
    the backward pass is one product and one scatter; autograd's chain of log-softmax and gather would build two
    ``(N, C)`` gradients (a scattered one-hot and the log-softmax's) and add them. The second output,
    :math:`\log \sum_j e^{s_j - m}` with the shift :math:`m` held constant, exists so that the backward pass can be
    differentiated again (``create_graph=True``), from the logits and that output.
    """

    @staticmethod
    def forward(ctx, logits, target, class_dim):
        shift = _max_shift(logits, class_dim)
        exps = torch.sub(logits, shift).exp_()
        log_totals = torch.log(exps.sum(dim=class_dim, keepdim=True))
        index = target.unsqueeze(class_dim)
        # (m - s_y) + log Σ exp(s - m): the large terms cancel first, which keeps logits of 1e4 exact.
        nll = (shift - logits.gather(class_dim, index) + log_totals).squeeze(class_dim)
        ctx.save_for_backward(logits, index, shift, log_totals, exps)
        ctx.class_dim = class_dim
        return nll, log_totals

    @staticmethod
    def backward(ctx, grad_nll, grad_log_totals):
        logits, index, shift, log_totals, exps = ctx.saved_tensors
        grad = grad_nll.unsqueeze(ctx.class_dim)
        if torch.is_grad_enabled():  # create_graph=True: build p from tensors that autograd can differentiate
            grad_logits = torch.exp(logits - shift - log_totals) * (grad + grad_log_totals)
        else:
            grad_logits = exps * ((grad + grad_log_totals) / torch.exp(log_totals))
        return grad_logits.scatter_add_(ctx.class_dim, index, -grad), None, None


def _target_log_prob(logits, target, class_dim):
    """``log softmax(logits)[target]`` per sample (the target's log-probability), through :class:`_SoftmaxNLL`."""
    return -_SoftmaxNLL.apply(logits, target, class_dim)[0]


# --- cross-entropy ------------------------------------------------------------------------------------------------

def nll_loss(
    log_probs: torch.Tensor,
    target: torch.Tensor,
    *,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Negative log-likelihood of class-index targets, given **log-probabilities**.

    .. math:: \ell_i = -w_{y_i} \log p_{i, y_i}, \qquad
              \text{mean} = \frac{\sum_i \ell_i}{\sum_i w_{y_i}} \text{ (over targets that are not ignored)}

    It does *not* apply a softmax: pass ``log_softmax(logits)``, or use :func:`cross_entropy` on the logits.

    Args:
        log_probs: ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)`` log-probabilities (``<= 0``).
        target: class indices in ``[0, C)``, of ``log_probs``'s shape without the class dimension.
        weight: optional ``(C,)`` non-negative class weights.
        ignore_index: targets equal to it contribute nothing, not even to the mean's denominator.
        reduction: ``"mean"`` (weighted, as above), ``"sum"`` or ``"none"`` (per-sample losses, 0 where ignored).

    Returns:
        A scalar, or the per-sample losses of ``target``'s shape for ``"none"``.

    Raises:
        ValueError: log-probabilities above 0 (probabilities or logits passed by mistake), targets out of range,
            shapes that do not match, or a mean over no counted target.

    Matches ``torch.nn.functional.nll_loss``.

    Example:
        >>> nll_loss(torch.log(torch.tensor([[0.5, 0.5], [0.25, 0.75]])), torch.tensor([0, 1]))
        tensor(0.4904)
    """
    class_dim, safe_target, kept, target_weight = _index_target_setup(
        log_probs, target, weight, ignore_index, "log_probs"
    )
    if log_probs.numel() and not bool(log_probs.amax() <= 0):
        raise ValueError(
            "log_probs must be log-probabilities (<= 0), e.g. log_softmax(logits); found values above 0 "
            "(for logits use cross_entropy)"
        )
    loss = _target_nll(log_probs, safe_target, kept, target_weight, class_dim)
    return _index_loss_reduction(loss, target_weight, reduction)


def cross_entropy(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Cross-entropy loss of logits against class indices or class probabilities (softmax + NLL in one stable step).

    Class-index targets :math:`y_i`, class weights :math:`w` (default 1) and label smoothing :math:`\varepsilon`:

    .. math:: \ell_i = (1 - \varepsilon)\, w_{y_i} \bigl(-\log p_{i, y_i}\bigr)
              + \frac{\varepsilon}{C} \sum_{c} w_c \bigl(-\log p_{i, c}\bigr), \qquad
              p_i = \operatorname{softmax}(s_i), \qquad
              \text{mean} = \frac{\sum_i \ell_i}{\sum_i w_{y_i}}

    (the smoothed target puts :math:`\varepsilon / C` on *every* class, the true one included). Class-probability
    targets :math:`t_i` (same shape as the logits): :math:`\ell_i = -\sum_c w_c\, \tilde t_{i,c} \log p_{i,c}` with
    :math:`\tilde t = (1 - \varepsilon) t + \varepsilon / C`, and the mean divides by the number of samples.

    Args:
        logits: ``(N, C)``, ``(N, C, d1, ...)`` (e.g. per-pixel classes) or ``(C,)``, floating point.
        target: integer class indices of ``logits``'s shape without the class dimension, or floating class
            probabilities of ``logits``'s shape (non-negative, summing to 1 over classes).
        weight: optional ``(C,)`` non-negative class weights.
        ignore_index: class-index targets equal to it contribute nothing (not even to the mean's denominator).
        label_smoothing: :math:`\varepsilon \in [0, 1]`.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or per-sample losses (``logits``'s shape without the class dimension) for ``"none"``.

    Matches ``torch.nn.functional.cross_entropy``, including its weighted mean and label smoothing.

    Example:
        >>> cross_entropy(torch.tensor([[2.0, 0.0], [0.0, 1e4]]), torch.tensor([0, 1]))
        tensor(0.0635)
    """
    check_floating(logits, "logits")
    check_interval(label_smoothing, "label_smoothing", 0.0, 1.0)
    if isinstance(target, torch.Tensor) and target.is_floating_point() and target.shape == logits.shape:
        return _cross_entropy_probabilities(logits, target, weight, label_smoothing, reduction)
    class_dim, safe_target, kept, target_weight = _index_target_setup(logits, target, weight, ignore_index, "logits")
    if label_smoothing == 0:
        nll, _ = _SoftmaxNLL.apply(logits, safe_target, class_dim)
        return _index_loss_reduction(torch.where(kept, target_weight * nll, 0.0), target_weight, reduction)
    log_p = log_softmax(logits, dim=class_dim)
    loss = _target_nll(log_p, safe_target, kept, target_weight, class_dim)
    weighted_log_p = log_p if weight is None else log_p * weight.view([-1] + [1] * (log_p.dim() - class_dim - 1))
    uniform_part = torch.where(kept, -weighted_log_p.sum(dim=class_dim), 0.0)
    loss = (1 - label_smoothing) * loss + (label_smoothing / logits.shape[class_dim]) * uniform_part
    return _index_loss_reduction(loss, target_weight, reduction)


def _cross_entropy_probabilities(logits, target, weight, label_smoothing, reduction):
    class_dim = _class_dim(logits)
    check_distribution(target, "target", class_dim)
    _check_per_class(weight, "weight", logits.shape[class_dim], logits)
    num_classes = logits.shape[class_dim]
    smoothed = target if label_smoothing == 0 else (1 - label_smoothing) * target + label_smoothing / num_classes
    if weight is not None:
        smoothed = smoothed * weight.view([-1] + [1] * (logits.dim() - class_dim - 1))
    loss = -(smoothed * log_softmax(logits, dim=class_dim)).sum(dim=class_dim)
    return reduce_loss(loss, reduction)


def binary_cross_entropy(
    probs: torch.Tensor,
    target: torch.Tensor,
    *,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Binary cross-entropy of predicted **probabilities** against binary (or soft) targets, elementwise.

    .. math:: \ell = -w\,\bigl[t \log p + (1 - t) \log(1 - p)\bigr], \qquad 0 \log 0 = 0

    Prefer :func:`binary_cross_entropy_with_logits`: a probability that has rounded to exactly 0 or 1 has lost
    the information the loss needs. Here ``p = t`` at 0 or 1 gives 0, and a confident mistake (``p = 0``,
    ``t = 1``) gives ``inf``, its true value; PyTorch clamps the log at -100 instead.

    Args:
        probs: probabilities in ``[0, 1]``, any shape.
        target: the same shape, values in ``[0, 1]``.
        weight: optional weights that broadcast to ``probs``'s shape.
        reduction: ``"mean"`` (over all elements), ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``probs``'s shape for ``"none"``.

    Matches ``torch.nn.functional.binary_cross_entropy`` for probabilities in the open interval (0, 1).

    Example:
        >>> binary_cross_entropy(torch.tensor([0.9, 0.2]), torch.tensor([1.0, 0.0]))
        tensor(0.1643)
    """
    check_floating(probs, "probs")
    check_floating(target, "target")
    check_same_shape(probs, target, "probs", "target")
    check_probabilities(probs, "probs")
    check_binary_targets(target, "target")
    # 0·log 0 = 0: only where a probability and its coefficient are both exactly 0 is the log replaced (by log 1),
    # so that no 0·(-inf) = nan reaches the value or the gradients.
    zero_zero = (probs == 0) & (target == 0)
    one_one = (probs == 1) & (target == 1)
    log_p = torch.log(torch.where(zero_zero, torch.ones_like(probs), probs))
    log_1mp = torch.log1p(-torch.where(one_one, torch.zeros_like(probs), probs))
    loss = -(target * log_p + (1 - target) * log_1mp)
    return reduce_loss(_apply_weight(loss, weight, "probs"), reduction)


def _apply_weight(loss: torch.Tensor, weight, input_name: str) -> torch.Tensor:
    if weight is None:
        return loss
    check_floating(weight, "weight")
    check_same_dtype(weight, loss, "weight", input_name)
    check_broadcasts_to(weight, loss.shape, "weight", input_name)
    return loss * weight


def binary_cross_entropy_with_logits(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    weight: torch.Tensor | None = None,
    pos_weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Binary cross-entropy on **logits** (sigmoid + BCE in one stable step), elementwise.

    .. math:: \ell = -w\,\bigl[\rho\, t \log \sigma(s) + (1 - t) \log\bigl(1 - \sigma(s)\bigr)\bigr]
              = w\,\bigl[\rho\, t \operatorname{softplus}(-s) + (1 - t) \operatorname{softplus}(s)\bigr]

    with :math:`\rho` the positive-class weight. Multi-label classification is this loss on ``(N, C)`` logits
    with a multi-hot target; ``pos_weight`` of shape ``(C,)`` then weights each label's positives.

    Args:
        logits: any shape, floating point.
        target: the same shape, values in ``[0, 1]``.
        weight: optional weights that broadcast to ``logits``'s shape.
        pos_weight: optional weights of the positive term, broadcast along the last dimension (e.g. ``(C,)``).
        reduction: ``"mean"`` (over all elements), ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``logits``'s shape for ``"none"``.

    Matches ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Example:
        >>> binary_cross_entropy_with_logits(torch.tensor([1e4, -2.0]), torch.tensor([1.0, 0.0]))
        tensor(0.0635)
    """
    check_floating(logits, "logits")
    check_floating(target, "target")
    check_same_shape(logits, target, "logits", "target")
    check_binary_targets(target, "target")
    positive_term = -target * log_sigmoid(logits)
    if pos_weight is not None:
        check_floating(pos_weight, "pos_weight")
        check_same_dtype(pos_weight, logits, "pos_weight", "logits")
        check_broadcasts_to(pos_weight, logits.shape, "pos_weight", "logits")
        positive_term = positive_term * pos_weight
    loss = positive_term - (1 - target) * log_sigmoid(-logits)
    return reduce_loss(_apply_weight(loss, weight, "logits"), reduction)


# --- hinge losses -------------------------------------------------------------------------------------------------

def hinge_loss(
    scores: torch.Tensor,
    target: torch.Tensor,
    *,
    margin: float = 1.0,
    squared: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Binary hinge loss of real-valued scores against labels :math:`t \in \{-1, +1\}`, elementwise.

    .. math:: \ell = \max(0,\; m - t\, s) \quad\text{or, with } \texttt{squared=True},\quad \max(0,\; m - t\, s)^2

    Args:
        scores: decision values, any shape, floating point.
        target: labels -1 or +1 (integer or floating), the same shape.
        margin: :math:`m \ge 0` (default 1).
        squared: square the hinge (the L2-SVM loss).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``scores``'s shape for ``"none"``.

    Matches ``sklearn.metrics.hinge_loss`` (binary case, ``margin=1``, mean).

    Example:
        >>> hinge_loss(torch.tensor([2.0, 0.5, -1.0]), torch.tensor([1, 1, 1]))
        tensor(0.8333)
    """
    check_floating(scores, "scores")
    check_sign_labels(target, "target")
    check_same_shape(scores, target, "scores", "target")
    check_interval(margin, "margin", 0.0, float("inf"))
    loss = torch.clamp(margin - target.to(scores.dtype) * scores, min=0)
    return reduce_loss(loss**2 if squared else loss, reduction)


def multiclass_hinge_loss(
    scores: torch.Tensor,
    target: torch.Tensor,
    *,
    margin: float = 1.0,
    variant: str = "weston_watkins",
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Multi-class hinge loss of ``(N, C)`` scores against class indices.

    .. math:: \text{Weston–Watkins:}\quad \ell_i = \sum_{j \ne y_i} \max(0,\; m - s_{i,y_i} + s_{i,j})
    .. math:: \text{Crammer–Singer:}\quad \ell_i = \max\bigl(0,\; m + \max_{j \ne y_i} s_{i,j} - s_{i,y_i}\bigr)

    Args:
        scores: ``(N, C)`` scores, ``C >= 2`` (or one unbatched ``(C,)`` vector).
        target: ``(N,)`` class indices in ``[0, C)`` (a scalar for unbatched scores).
        margin: :math:`m \ge 0` (default 1).
        variant: ``"weston_watkins"`` (default) or ``"crammer_singer"``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``(N,)`` for ``"none"`` (a scalar for unbatched scores).

    Weston–Watkins is ``torch.nn.functional.multi_margin_loss`` multiplied by ``C`` (PyTorch divides the sum by the
    number of classes); Crammer–Singer matches ``sklearn.metrics.hinge_loss`` (multi-class case, ``margin=1``).

    Example:
        >>> s, y = torch.tensor([[3.0, 2.5, 0.0]]), torch.tensor([0])
        >>> multiclass_hinge_loss(s, y), multiclass_hinge_loss(s, y, variant="crammer_singer")
        (tensor(0.5000), tensor(0.5000))
    """
    if variant not in ("weston_watkins", "crammer_singer"):
        raise ValueError(f"variant must be 'weston_watkins' or 'crammer_singer', got {variant!r}")
    check_floating(scores, "scores")
    if scores.dim() not in (1, 2) or scores.shape[-1] < 2:
        raise ValueError(f"scores must have shape (N, C) or (C,) with C >= 2, got {tuple(scores.shape)}")
    _, target = _check_scores_and_indices(scores, target, "scores", None)
    if scores.dim() == 1:
        loss = multiclass_hinge_loss(scores[None], target[None], margin=margin, variant=variant, reduction="none")
        return reduce_loss(loss[0], reduction)
    check_interval(margin, "margin", 0.0, float("inf"))
    target_score = _pick(scores, target, 1).unsqueeze(1)
    is_target = torch.zeros_like(scores, dtype=torch.bool).scatter_(1, target.unsqueeze(1), True)
    if variant == "weston_watkins":
        violations = torch.clamp(margin - target_score + scores, min=0).masked_fill(is_target, 0.0)
        loss = violations.sum(dim=1)
    else:
        best_other = scores.masked_fill(is_target, float("-inf")).amax(dim=1, keepdim=True)
        loss = torch.clamp(margin + best_other - target_score, min=0).squeeze(1)
    return reduce_loss(loss, reduction)


# --- focal losses and PolyLoss -----------------------------------------------------------------------------------

def focal_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    gamma: float = 2.0,
    alpha: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Focal loss in its softmax (multi-class) form (Lin et al. 2017).

    .. math:: \ell_i = -\alpha_{y_i} (1 - p_{i,y_i})^{\gamma} \log p_{i,y_i}, \qquad p_i = \operatorname{softmax}(s_i)

    :math:`(1 - p_t)^\gamma` is computed as :math:`\exp(\gamma \log(1 - p_t))` with
    :math:`\log(1 - p_t) = \operatorname{LSE}_{j \ne t} s_j - \operatorname{LSE}_j s_j`, so gradients stay finite
    for :math:`0 < \gamma < 1` even where :math:`p_t` rounds to 1.

    Args:
        logits: ``(N, C)`` or ``(N, C, d1, ...)`` logits, ``C >= 2``.
        target: class indices of ``logits``'s shape without the class dimension.
        gamma: focusing parameter :math:`\gamma \ge 0`; ``gamma=0, alpha=None`` is the cross-entropy.
        alpha: ``None`` or a ``(C,)`` tensor of per-class weights in ``[0, 1]``.
        reduction: ``"mean"`` (over samples, not divided by the α's), ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or per-sample losses for ``"none"``.

    With ``gamma=0`` and ``alpha=None`` it matches ``torch.nn.functional.cross_entropy``.

    Example:
        >>> focal_loss(torch.tensor([[2.0, 0.0]]), torch.tensor([0]), gamma=2.0)  # (1 - 0.8808)^2 * 0.1269
        tensor(0.0018)
    """
    class_dim, target = _check_scores_and_indices(logits, target, "logits", None)
    if logits.shape[class_dim] < 2:
        raise ValueError("logits must have at least 2 classes")
    check_interval(gamma, "gamma", 0.0, float("inf"))
    _check_per_class(alpha, "alpha", logits.shape[class_dim], logits, at_most=1.0)
    log_pt = _target_log_prob(logits, target, class_dim)
    modulating = torch.exp(gamma * _log_one_minus_target_prob(logits, target, class_dim))
    loss = -modulating * log_pt
    if alpha is not None:
        loss = alpha[target] * loss
    return reduce_loss(loss, reduction)


def _binary_log_one_minus_pt(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""``log(1 - p_t)`` with :math:`1 - p_t = t\,\sigma(-s) + (1 - t)\,\sigma(s)`.

    The value and its gradient with respect to the logits come from log space, so they stay exact and finite where
    ``p_t`` rounds to 1 (and a hard target's absent term is left out rather than computed as ``log 0``). A target
    that requires a gradient gets it from the linear form, :math:`(\sigma(-s) - \sigma(s)) / (1 - p_t)`, wherever
    :math:`1 - p_t` is representable (0 where it underflows).
    """
    t = target.detach()
    positive = torch.where(t > 0, torch.log(torch.where(t > 0, t, 1.0)) + log_sigmoid(-logits), float("-inf"))
    negative = torch.where(t < 1, torch.log1p(-torch.where(t < 1, t, 0.0)) + log_sigmoid(logits), float("-inf"))
    log_space = torch.logaddexp(positive, negative)
    if not target.requires_grad:
        return log_space
    linear = target * sigmoid(-logits.detach()) + (1 - target) * sigmoid(logits.detach())
    log_linear = torch.log(torch.where(linear > 0, linear, 1.0))
    return log_space + (log_linear - log_linear.detach())


def _sigmoid_focal_terms(logits, target, alpha, gamma):
    """The elementwise sigmoid focal loss and ``log(1 - p_t)``, after validation."""
    check_floating(logits, "logits")
    check_floating(target, "target")
    check_same_shape(logits, target, "logits", "target")
    check_binary_targets(target, "target")
    check_interval(gamma, "gamma", 0.0, float("inf"))
    if alpha is not None:
        try:
            check_interval(alpha, "alpha", 0.0, 1.0)
        except ValueError as error:
            raise ValueError(f"{error} (alpha=None disables α-balancing, where torchvision writes -1)") from None
    ce = -target * log_sigmoid(logits) - (1 - target) * log_sigmoid(-logits)
    log_1m_pt = _binary_log_one_minus_pt(logits, target)
    loss = torch.exp(gamma * log_1m_pt) * ce
    if alpha is not None:
        loss = (alpha * target + (1 - alpha) * (1 - target)) * loss
    return loss, log_1m_pt


def sigmoid_focal_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    alpha: float | None = 0.25,
    gamma: float = 2.0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Sigmoid focal loss (Lin et al. 2017), elementwise: binary or multi-label detection-style classification.

    .. math:: \ell = -\alpha_t (1 - p_t)^{\gamma} \log p_t, \qquad
              p_t = t\,\sigma(s) + (1 - t)(1 - \sigma(s)), \qquad \alpha_t = \alpha t + (1 - \alpha)(1 - t)

    (written as :math:`\alpha_t (1 - p_t)^\gamma \cdot \mathrm{BCE}(s, t)`, which is the same for soft targets).
    ``(1 - p_t)^γ`` is evaluated in log space, so gradients stay finite for ``0 < gamma < 1`` even where ``p_t``
    rounds to 1 (the naive formula gives ``nan`` there).

    Args:
        logits: any shape, floating point.
        target: the same shape, values in ``[0, 1]``.
        alpha: weight of the positive class in ``[0, 1]`` (default 0.25); ``None`` disables α-balancing.
        gamma: focusing parameter :math:`\gamma \ge 0` (default 2).
        reduction: ``"mean"`` (over all elements), ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``logits``'s shape for ``"none"``.

    Matches ``torchvision.ops.sigmoid_focal_loss`` for the same reduction (torchvision's default is ``"none"``,
    ours ``"mean"``; torchvision disables α with ``alpha=-1``).

    Example:
        >>> sigmoid_focal_loss(torch.tensor([3.0, -1.0]), torch.tensor([1.0, 0.0]))
        tensor(0.0085)
    """
    loss, _ = _sigmoid_focal_terms(logits, target, alpha, gamma)
    return reduce_loss(loss, reduction)


def poly1_cross_entropy(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    epsilon: float = 1.0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Poly-1 cross-entropy (Leng et al. 2022): the cross-entropy plus ε times its first polynomial term.

    .. math:: \ell_i = -\log p_{i,y_i} + \varepsilon\,(1 - p_{i,y_i}), \qquad
              -\log p_t = \sum_{j \ge 1} \tfrac{1}{j} (1 - p_t)^j

    Args:
        logits: ``(N, C)`` or ``(N, C, d1, ...)`` logits, ``C >= 2``.
        target: class indices of ``logits``'s shape without the class dimension.
        epsilon: the coefficient ε of the first polynomial term (any real number; ``ε = -1`` drops the first term
            of the series; ``ε = 0`` is the cross-entropy).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or per-sample losses for ``"none"``.

    With ``epsilon=0`` it matches ``torch.nn.functional.cross_entropy``.

    Example:
        >>> poly1_cross_entropy(torch.tensor([[0.0, 0.0]]), torch.tensor([0]), epsilon=1.0)
        tensor(1.1931)
    """
    class_dim, target = _check_scores_and_indices(logits, target, "logits", None)
    if logits.shape[class_dim] < 2:
        raise ValueError("logits must have at least 2 classes")
    check_interval(epsilon, "epsilon", float("-inf"), float("inf"))
    log_pt = _target_log_prob(logits, target, class_dim)
    one_minus_pt = torch.exp(_log_one_minus_target_prob(logits, target, class_dim))
    return reduce_loss(-log_pt + epsilon * one_minus_pt, reduction)


def poly1_focal_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    epsilon: float = 1.0,
    alpha: float | None = 0.25,
    gamma: float = 2.0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Poly-1 focal loss (Leng et al. 2022): the sigmoid focal loss plus :math:`\varepsilon (1 - p_t)^{\gamma + 1}`.

    .. math:: \ell = \mathrm{FL}(s, t) + \varepsilon\,(1 - p_t)^{\gamma + 1}

    As in the paper's listing, the ε term is not α-weighted.

    Args:
        logits: any shape, floating point.
        target: the same shape, values in ``[0, 1]``.
        epsilon: coefficient ε of the added term (default 1).
        alpha: as in :func:`sigmoid_focal_loss` (default 0.25; ``None`` disables it).
        gamma: as in :func:`sigmoid_focal_loss` (default 2).
        reduction: ``"mean"`` (over all elements), ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``logits``'s shape for ``"none"``.

    With ``epsilon=0`` it matches ``torchvision.ops.sigmoid_focal_loss``.

    Example:
        >>> poly1_focal_loss(torch.tensor([0.0]), torch.tensor([1.0]), epsilon=1.0)
        tensor(0.1683)
    """
    check_interval(epsilon, "epsilon", float("-inf"), float("inf"))
    loss, log_1m_pt = _sigmoid_focal_terms(logits, target, alpha, gamma)
    return reduce_loss(loss + epsilon * torch.exp((gamma + 1) * log_1m_pt), reduction)


# --- cross-entropy at scale ---------------------------------------------------------------------------------------

class _ChunkedLinearCrossEntropy(torch.autograd.Function):
    """Per-row ``logsumexp(h W^T) - (h W^T)[y]``, one chunk of rows at a time, forward and backward.

    Saves only ``hidden``, ``weight``, the targets and one log-sum-exp per row: the backward pass recomputes each
    chunk's logits instead of keeping the ``(N, V)`` matrix alive.
    """

    @staticmethod
    def forward(ctx, hidden, weight, target, kept, chunk_size):
        losses = hidden.new_zeros(hidden.shape[0])
        row_lse = hidden.new_zeros(hidden.shape[0])
        for rows in torch.arange(hidden.shape[0], device=hidden.device).split(chunk_size):
            logits = hidden[rows] @ weight.T
            row_lse[rows] = torch.logsumexp(logits, dim=1)
            losses[rows] = row_lse[rows] - logits.gather(1, target[rows, None]).squeeze(1)
        ctx.save_for_backward(hidden, weight, target, kept, row_lse)
        ctx.chunk_size = chunk_size
        return torch.where(kept, losses, 0.0)

    @staticmethod
    def backward(ctx, grad_losses):
        hidden, weight, target, kept, row_lse = ctx.saved_tensors
        scale = torch.where(kept, grad_losses, 0.0)
        grad_hidden = torch.zeros_like(hidden) if ctx.needs_input_grad[0] else None
        grad_weight = torch.zeros_like(weight) if ctx.needs_input_grad[1] else None
        for rows in torch.arange(hidden.shape[0], device=hidden.device).split(ctx.chunk_size):
            # d loss_i / d logits_i = softmax(logits_i) - onehot(y_i)
            grad_logits = torch.exp(hidden[rows] @ weight.T - row_lse[rows, None])
            grad_logits.scatter_add_(1, target[rows, None], -torch.ones_like(grad_logits[:, :1]))
            grad_logits *= scale[rows, None]
            if grad_hidden is not None:
                grad_hidden[rows] = grad_logits @ weight
            if grad_weight is not None:
                grad_weight += grad_logits.T @ hidden[rows]
        return grad_hidden, grad_weight, None, None, None


def chunked_linear_cross_entropy(
    hidden: torch.Tensor,
    weight: torch.Tensor,
    target: torch.Tensor,
    *,
    chunk_size: int = 1024,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Cross-entropy of a linear output layer, ``cross_entropy(hidden @ weight.T, target)``, computed in chunks.

    .. math:: \ell_i = \log \sum_{v=1}^{V} e^{h_i \cdot w_v} - h_i \cdot w_{y_i}

    A language model's output layer has ``V`` of 32k–256k words: the ``(N, V)`` logits of a batch of ``N`` tokens,
    and the same again for their gradient, can need more memory than the model itself. Here ``chunk_size`` rows of
    logits exist at a time, in the forward pass and in the backward pass (a custom autograd function that saves one
    log-sum-exp per row and recomputes each chunk's logits), so the extra memory is ``chunk_size × V`` instead of
    ``N × V``, for about one more matrix product of compute.

    Args:
        hidden: ``(N, D)`` final hidden states, floating point.
        weight: ``(V, D)`` output-layer weights (one row per class), the dtype of ``hidden``.
        target: ``(N,)`` class indices in ``[0, V)`` or ``ignore_index``.
        chunk_size: rows of logits computed at a time (default 1024).
        ignore_index: targets equal to it contribute nothing, not even to the mean's denominator.
        reduction: ``"mean"`` (over the targets that are not ignored), ``"sum"`` or ``"none"`` (``(N,)``).

    Returns:
        A scalar, or ``(N,)`` for ``"none"``; differentiable with respect to ``hidden`` and ``weight``.

    Matches ``torch.nn.functional.cross_entropy(hidden @ weight.T, target)``, values and gradients.

    Example:
        >>> h, w = torch.tensor([[1.0, 0.0], [0.0, 2.0]]), torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
        >>> chunked_linear_cross_entropy(h, w, torch.tensor([0, 1]), chunk_size=1)  # logits [1, 0, 0], [0, 2, 0]
        tensor(0.3955)
    """
    check_floating(hidden, "hidden")
    check_floating(weight, "weight")
    check_same_dtype(weight, hidden, "weight", "hidden")
    if hidden.dim() != 2 or weight.dim() != 2 or weight.shape[1] != hidden.shape[1]:
        raise ValueError(
            f"hidden must be (N, D) and weight (V, D) with the same D, got {tuple(hidden.shape)} and "
            f"{tuple(weight.shape)}"
        )
    check_class_indices(target, "target", weight.shape[0], ignore_index)
    if target.shape != hidden.shape[:1]:
        raise ValueError(f"target must have shape ({hidden.shape[0]},), one class per row of hidden, got "
                         f"{tuple(target.shape)}")
    target = target.long()
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
    check_reduction(reduction)
    kept = target != ignore_index
    losses = _ChunkedLinearCrossEntropy.apply(hidden, weight, torch.where(kept, target, 0), kept, chunk_size)
    return weighted_mean(losses, kept.to(losses.dtype)) if reduction == "mean" else reduce_loss(losses, reduction)

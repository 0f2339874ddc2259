"""Regression losses: MAE (L1), MSE, Huber and smooth L1, elementwise on a residual ``r = input - target``.

Unlike ``torch.nn.functional``, which broadcasts ``(N, 1)`` against ``(N,)`` into an ``(N, N)`` matrix of wrong
residuals (with only a warning), every loss here refuses inputs whose shapes differ.
"""

from __future__ import annotations

import torch

from ._validation import (
    check_floating,
    check_interval,
    check_positive,
    check_reduction,
    check_same_shape,
    reduce_loss,
)

__all__ = ["huber_loss", "l1_loss", "mae_loss", "mse_loss", "smooth_l1_loss"]


def _check_residual_inputs(input: torch.Tensor, target: torch.Tensor) -> None:
    check_floating(input, "input")
    check_floating(target, "target")
    check_same_shape(input, target, "input", "target")


# Each loss of the residual r as a pair of functions: its value, computed in r's place, and its derivative
# d loss / d r, written to `out` (r itself in the backward pass, or a new tensor when autograd records it).
def _huber_in_place(r: torch.Tensor, delta: float) -> torch.Tensor:
    """``½ m² + δ (|r| - m)`` with ``m = min(|r|, δ)``: the Huber loss, with one extra tensor."""
    magnitude = r.abs_()
    inner = magnitude.clamp(max=delta)
    return magnitude.sub_(inner).mul_(delta).add_(inner.square_().mul_(0.5))


def _clip(r: torch.Tensor, threshold: float, out: torch.Tensor | None) -> torch.Tensor:
    return torch.clamp(r, -threshold, threshold, out=out)


_FORMULAS = {
    "mae": (lambda r, _: r.abs_(), lambda r, _, out: torch.sign(r, out=out)),
    "mse": (lambda r, _: r.square_(), lambda r, _, out: torch.mul(r, 2, out=out)),
    "huber": (_huber_in_place, _clip),
    "smooth_l1": (lambda r, beta: _huber_in_place(r, beta).div_(beta),
                  lambda r, beta, out: torch.div(_clip(r, beta, out), beta, out=out)),
}


class _ResidualLoss(torch.autograd.Function):
    """A loss of the residual ``r = input - target``, reduced, with its derivative written out.

    Forward: the residual and the loss in one tensor (the reduction reads it). Backward: the gradient with respect to
    the input is ``loss'(r)`` times the upstream gradient (and ``1 / n`` for the mean), and the target's is its
    negative; one new tensor, where autograd's chain of operations would make one per operation (and new tensors,
    which autograd records, when the backward pass is itself differentiated: ``create_graph=True``).
    """

    @staticmethod
    def forward(ctx, input, target, kind, parameter, reduction):
        ctx.save_for_backward(input, target)
        ctx.kind, ctx.parameter, ctx.reduction = kind, parameter, reduction
        value, _ = _FORMULAS[kind]
        return reduce_loss(value(input - target, parameter), reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        _, derivative = _FORMULAS[ctx.kind]
        scale = grad / input.numel() if ctx.reduction == "mean" else grad
        residual = input - target
        if torch.is_grad_enabled():  # create_graph=True: new tensors, which autograd can differentiate again
            grad_input = derivative(residual, ctx.parameter, None) * scale
        else:
            grad_input = derivative(residual, ctx.parameter, residual).mul_(scale)
        grad_target = -grad_input if ctx.needs_input_grad[1] else None
        return grad_input, grad_target, None, None, None


def _residual_loss(input, target, kind: str, parameter: float, reduction: str) -> torch.Tensor:
    _check_residual_inputs(input, target)
    check_reduction(reduction)
    return _ResidualLoss.apply(input, target, kind, parameter, reduction)


def mae_loss(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Mean absolute error (L1 loss), elementwise.

    .. math:: \ell = |x - y|

    The negative log-likelihood of a Laplace noise model (up to constants); minimised by the median.

    Args:
        input: predictions, any shape, floating point.
        target: the same shape.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``input``'s shape for ``"none"``.

    Matches ``torch.nn.functional.l1_loss`` (also available as ``lossbook.l1_loss``).

    Example:
        >>> mae_loss(torch.tensor([1.0, 2.0, 5.0]), torch.tensor([1.0, 0.0, 2.0]))
        tensor(1.6667)
    """
    return _residual_loss(input, target, "mae", 0.0, reduction)


l1_loss = mae_loss


def mse_loss(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Mean squared error, elementwise.

    .. math:: \ell = (x - y)^2

    The negative log-likelihood of a Gaussian noise model (up to constants); minimised by the mean.

    Args:
        input: predictions, any shape, floating point.
        target: the same shape.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``input``'s shape for ``"none"``.

    Matches ``torch.nn.functional.mse_loss``.

    Example:
        >>> mse_loss(torch.tensor([1.0, 2.0, 5.0]), torch.tensor([1.0, 0.0, 2.0]))
        tensor(4.3333)
    """
    return _residual_loss(input, target, "mse", 0.0, reduction)


def huber_loss(
    input: torch.Tensor, target: torch.Tensor, *, delta: float = 1.0, reduction: str = "mean"
) -> torch.Tensor:
    r"""Huber loss (Huber 1964): quadratic for small residuals, linear for large ones.

    .. math:: \ell = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
              \delta\,\bigl(|r| - \tfrac12 \delta\bigr) & |r| > \delta \end{cases}, \qquad r = x - y

    Its gradient is the residual clipped to :math:`[-\delta, \delta]`.

    Args:
        input: predictions, any shape, floating point.
        target: the same shape.
        delta: :math:`\delta > 0`, where the loss turns from quadratic to linear (default 1).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``input``'s shape for ``"none"``.

    Matches ``torch.nn.functional.huber_loss``.

    Example:
        >>> huber_loss(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0]), reduction="none")
        tensor([0.1250, 2.5000])
    """
    check_interval(delta, "delta", 0.0, float("inf"))
    check_positive(delta, "delta")
    return _residual_loss(input, target, "huber", delta, reduction)


def smooth_l1_loss(
    input: torch.Tensor, target: torch.Tensor, *, beta: float = 1.0, reduction: str = "mean"
) -> torch.Tensor:
    r"""Smooth L1 loss (Girshick 2015): the Huber loss divided by its threshold, so that large residuals cost
    :math:`|r|` exactly.

    .. math:: \ell = \begin{cases} \tfrac12 r^2 / \beta & |r| < \beta \\
              |r| - \tfrac12 \beta & |r| \ge \beta \end{cases}
              \;=\; \frac{\operatorname{huber}_{\delta = \beta}(r)}{\beta}

    ``beta=0`` is the L1 loss.

    Args:
        input: predictions, any shape, floating point.
        target: the same shape.
        beta: :math:`\beta \ge 0` (default 1).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``input``'s shape for ``"none"``.

    Matches ``torch.nn.functional.smooth_l1_loss``.

    Example:
        >>> smooth_l1_loss(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0]), beta=2.0, reduction="none")
        tensor([0.0625, 2.0000])
    """
    check_interval(beta, "beta", 0.0, float("inf"))
    return _residual_loss(input, target, "mae" if beta == 0 else "smooth_l1", beta, reduction)

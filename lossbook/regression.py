"""Regression losses: MAE (L1), MSE, Huber and smooth L1, elementwise on a residual ``r = input - target``.

Unlike ``torch.nn.functional``, which broadcasts ``(N, 1)`` against ``(N,)`` into an ``(N, N)`` matrix of wrong
residuals (with only a warning), every loss here refuses inputs whose shapes differ.
"""

from __future__ import annotations

import torch

from ._validation import check_floating, check_interval, check_positive, check_same_shape, reduce_loss

__all__ = ["huber_loss", "l1_loss", "mae_loss", "mse_loss", "smooth_l1_loss"]


def _residual(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    check_floating(input, "input")
    check_floating(target, "target")
    check_same_shape(input, target, "input", "target")
    return input - target


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
    return reduce_loss(_residual(input, target).abs(), reduction)


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
    return reduce_loss(_residual(input, target) ** 2, reduction)


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
    check_positive(delta, "delta")
    r = _residual(input, target).abs()
    return reduce_loss(torch.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta)), reduction)


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
    r = _residual(input, target).abs()
    if beta == 0:
        return reduce_loss(r, reduction)
    return reduce_loss(torch.where(r < beta, 0.5 * r**2 / beta, r - 0.5 * beta), reduction)

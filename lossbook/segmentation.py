"""Overlap losses for segmentation: the soft Dice loss."""

from __future__ import annotations

import torch

from ._validation import (
    check_binary_targets,
    check_floating,
    check_interval,
    check_probabilities,
    check_same_shape,
    reduce_loss,
)

__all__ = ["dice_loss"]


def dice_loss(
    probs: torch.Tensor,
    target: torch.Tensor,
    *,
    smooth: float = 1e-5,
    squared: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Soft Dice loss per sample and channel (Milletari et al. 2016), on **probabilities**.

    .. math:: \ell_{n,c} = 1 - \frac{2 \sum_i p_i t_i + s}{\sum_i p_i + \sum_i t_i + s}
              \quad\text{or, with } \texttt{squared=True},\quad
              1 - \frac{2 \sum_i p_i t_i + s}{\sum_i p_i^2 + \sum_i t_i^2 + s}

    sums running over the spatial positions :math:`i` of sample :math:`n`, channel :math:`c`. The smoothing
    :math:`s` keeps an empty mask predicted empty at loss 0 (instead of 0/0) and slightly softens small masks.

    Apply the sigmoid or softmax first: logits are refused (values outside [0, 1] raise).

    Args:
        probs: ``(N, C, *spatial)`` predicted probabilities, at least one spatial dimension.
        target: the same shape: one-hot or soft masks in ``[0, 1]``.
        smooth: :math:`s \ge 0`, added to numerator and denominator (default 1e-5).
        squared: use squares in the denominator (Milletari's V-Net form).
        reduction: ``"mean"`` (over the N·C sample-channel pairs), ``"sum"`` or ``"none"`` (``(N, C)``).

    Returns:
        A scalar, or ``(N, C)`` for ``"none"``.

    Matches MONAI's ``DiceLoss(smooth_nr=smooth, smooth_dr=smooth, squared_pred=squared)`` with no activation.

    Example:
        >>> p = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])
        >>> t = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
        >>> dice_loss(p, t, smooth=0.0)  # 1 - 2·1 / (2 + 1)
        tensor(0.3333)
    """
    check_floating(probs, "probs")
    check_floating(target, "target")
    check_same_shape(probs, target, "probs", "target")
    if probs.dim() < 3:
        raise ValueError(
            f"probs must have shape (N, C, *spatial) with at least one spatial dimension, got {tuple(probs.shape)}"
        )
    check_probabilities(probs, "probs")
    check_binary_targets(target, "target")
    check_interval(smooth, "smooth", 0.0, float("inf"))
    spatial = tuple(range(2, probs.dim()))
    intersection = (probs * target).sum(dim=spatial)
    if squared:
        denominator = (probs**2).sum(dim=spatial) + (target**2).sum(dim=spatial)
    else:
        denominator = probs.sum(dim=spatial) + target.sum(dim=spatial)
    return reduce_loss(1 - (2 * intersection + smooth) / (denominator + smooth), reduction)

"""Input checks and reductions shared by every lossbook function.

Every public function validates its arguments here, so that bad input gets the same clear message everywhere:
the message names the argument and says what was expected (in the manner of scikit-learn's metrics).
"""

from __future__ import annotations

import math
import numbers

import torch

REDUCTIONS = ("mean", "sum", "none")

# How far the sum of a probability vector may stray from 1 before it is refused, per dtype.
_SUM_TOLERANCE = {torch.float64: 1e-5, torch.float32: 1e-3, torch.float16: 1e-2, torch.bfloat16: 1e-2}


def check_tensor(value, name: str) -> None:
    """Raise ``TypeError`` unless ``value`` is a ``torch.Tensor``."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")


def check_floating(value, name: str) -> None:
    """Raise ``TypeError`` unless ``value`` is a floating-point tensor."""
    check_tensor(value, name)
    if not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")


def check_same_shape(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` if two tensors differ in shape (no silent broadcasting, not even ``(N, 1)`` vs ``(N,)``)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def check_dim(value: torch.Tensor, dim: int, name: str) -> None:
    """Raise ``ValueError`` if ``dim`` is not a valid dimension of ``value``."""
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if value.dim() == 0 or not -value.dim() <= dim < value.dim():
        raise ValueError(f"dim={dim} is out of range for {name} with shape {tuple(value.shape)}")


def check_positive(value, name: str) -> None:
    """Raise ``ValueError`` unless ``value`` (a number or a tensor) is > 0 everywhere."""
    if isinstance(value, torch.Tensor):
        if value.numel() == 0 or not bool((value > 0).all()):
            raise ValueError(f"{name} must be > 0, got {value}")
    elif not isinstance(value, numbers.Real) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")


def check_log_base(base) -> None:
    """Raise ``ValueError`` unless ``base`` is ``None`` (natural log) or a number > 0 other than 1."""
    if base is None:
        return
    if not isinstance(base, numbers.Real) or isinstance(base, bool) or not base > 0 or base == 1:
        raise ValueError(f"base must be None (natural log) or a number > 0 other than 1, got {base!r}")


def check_probabilities(p: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``p`` lies in ``[0, 1]`` (NaN is refused too)."""
    if p.numel() and not bool(((p >= 0) & (p <= 1)).all()):
        raise ValueError(f"{name} must contain probabilities in [0, 1]; found values outside (or NaN)")


def check_distribution(p: torch.Tensor, name: str, dim: int) -> None:
    """Raise ``ValueError`` unless ``p`` holds probability vectors along ``dim``.

    Entries must be non-negative (and not NaN) and each vector must sum to 1 within a dtype-aware tolerance
    (1e-5 in float64, 1e-3 in float32).
    """
    check_dim(p, dim, name)
    if p.numel() == 0:
        return
    if not bool((p >= 0).all()):
        raise ValueError(f"{name} must be a probability distribution along dim={dim}: found negative entries or NaN")
    tolerance = _SUM_TOLERANCE.get(p.dtype, 1e-3)
    worst = (p.sum(dim=dim) - 1).abs().max().item()
    if not worst <= tolerance:
        raise ValueError(
            f"{name} must sum to 1 along dim={dim} (tolerance {tolerance:g} for {p.dtype}); "
            f"the largest deviation is {worst:.3g}"
        )


def check_reduction(reduction) -> None:
    """Raise ``ValueError`` unless ``reduction`` is one of ``"mean"``, ``"sum"``, ``"none"``."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(map(repr, REDUCTIONS))}; got {reduction!r}")


def reduce_loss(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Apply ``reduction`` to elementwise losses. ``"mean"`` of zero elements raises (PyTorch returns ``nan``)."""
    check_reduction(reduction)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if loss.numel() == 0:
        raise ValueError("reduction='mean' over zero elements is undefined; use reduction='sum' or 'none'")
    return loss.mean()


def log_of_base(base) -> float:
    """``log(base)``, the divisor that turns nats into units of ``base``; 1.0 for the natural log."""
    check_log_base(base)
    return 1.0 if base is None else math.log(base)

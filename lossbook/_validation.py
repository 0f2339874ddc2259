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


def check_same_dtype(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise ``TypeError`` if two tensors differ in dtype (mixing would silently change the result's precision)."""
    if a.dtype != b.dtype:
        raise TypeError(f"{name_a} must have the dtype of {name_b} ({b.dtype}), got {a.dtype}")


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


def _all_within(values: torch.Tensor, low: float, high: float) -> bool:
    """Whether every entry lies in ``[low, high]`` (NaN does not), in one pass over ``values`` (its min and max)."""
    if values.numel() == 0:
        return True
    smallest, largest = torch.aminmax(values)
    return bool((smallest >= low) & (largest <= high))


def check_probabilities(p: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``p`` lies in ``[0, 1]`` (NaN is refused too)."""
    if not _all_within(p, 0, 1):
        raise ValueError(f"{name} must contain probabilities in [0, 1]; found values outside (or NaN)")


def check_binary_targets(target: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``target`` lies in ``[0, 1]`` (hard or soft binary labels)."""
    if not _all_within(target, 0, 1):
        raise ValueError(f"{name} must contain values in [0, 1] (binary or soft labels)")


def check_distribution(p: torch.Tensor, name: str, dim: int) -> None:
    """Raise ``ValueError`` unless ``p`` holds probability vectors along ``dim``.

    Entries must be non-negative (and not NaN) and each vector must sum to 1 within a dtype-aware tolerance
    (1e-5 in float64, 1e-3 in float32).
    """
    check_dim(p, dim, name)
    if p.numel() == 0:
        return
    if not bool(p.amin() >= 0):
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


def check_interval(value, name: str, low: float, high: float, *, closed_high: bool = True) -> None:
    """Raise ``ValueError`` unless ``low <= value <= high`` (``< high`` when ``closed_high=False``)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and low <= value
    ok = ok and (value <= high if closed_high else value < high)
    if not ok:
        bracket = "]" if closed_high else ")"
        raise ValueError(f"{name} must be a number in [{low:g}, {high:g}{bracket}, got {value!r}")


def check_class_indices(target, name: str, num_classes: int, ignore_index: int | None = None) -> None:
    """Raise unless ``target`` holds class indices in ``[0, num_classes)`` (or ``ignore_index``).

    A float tensor is a ``TypeError`` (class indices were required); an index out of range is a ``ValueError``.
    """
    check_tensor(target, name)
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"{name} must hold class indices (an integer tensor), got dtype {target.dtype}")
    valid = (target >= 0) & (target < num_classes)
    if ignore_index is not None:
        valid |= target == ignore_index
    if target.numel() and not bool(valid.all()):
        bad = target[~valid][0].item()
        allowed = f"[0, {num_classes})" + (f" or ignore_index={ignore_index}" if ignore_index is not None else "")
        raise ValueError(f"{name} must hold class indices in {allowed}; found {bad}")


def check_sign_labels(target, name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``target`` is -1 or +1."""
    check_tensor(target, name)
    if target.numel() and not bool(((target == 1) | (target == -1)).all()):
        raise ValueError(f"{name} must contain labels -1 or +1 only")


def check_broadcasts_to(value: torch.Tensor, shape: torch.Size, name: str, to_name: str) -> None:
    """Raise ``ValueError`` unless ``value`` broadcasts to ``shape`` without enlarging it."""
    try:
        ok = torch.broadcast_shapes(value.shape, shape) == shape
    except RuntimeError:
        ok = False
    if not ok:
        raise ValueError(f"{name} of shape {tuple(value.shape)} does not broadcast to {to_name}'s shape {tuple(shape)}")


def weighted_mean(loss: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``loss.sum() / weights.sum()``, refusing a zero denominator (PyTorch returns ``nan``)."""
    total = weights.sum()
    if loss.numel() == 0 or not bool(total > 0):
        raise ValueError(
            "reduction='mean' is undefined here: no target is counted (all ignored, or their weights sum to 0); "
            "use reduction='sum' or 'none'"
        )
    return loss.sum() / total


def check_integer_labels(labels, name: str) -> None:
    """Raise ``TypeError`` unless ``labels`` is an integer tensor (identity labels: any integers, no range)."""
    check_tensor(labels, name)
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer labels (an integer tensor), got dtype {labels.dtype}")


def check_zero_one_labels(labels, name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``labels`` is 0 or 1 (bool, integer or float; NaN is refused)."""
    check_tensor(labels, name)
    if labels.numel() and not bool(((labels == 0) | (labels == 1)).all()):
        raise ValueError(f"{name} must contain labels 0 or 1 (or False/True) only")


def check_ndim(value: torch.Tensor, ndim: int | tuple[int, ...], name: str, layout: str) -> None:
    """Raise ``ValueError`` unless ``value`` has ``ndim`` dimensions (or one of them); ``layout`` names them."""
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if value.dim() not in allowed:
        raise ValueError(f"{name} must have shape {layout}, got {tuple(value.shape)}")


def check_shape(value, shape, name: str, what: str) -> None:
    """Raise ``ValueError`` unless tensor ``value`` has exactly ``shape``; ``what`` says what the shape means."""
    check_tensor(value, name)
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)} ({what}), got {tuple(value.shape)}")


def check_min_size(value: torch.Tensor, dim: int, minimum: int, name: str, what: str) -> None:
    """Raise ``ValueError`` unless ``value.shape[dim] >= minimum``; ``what`` names that dimension's entries."""
    if value.shape[dim] < minimum:
        raise ValueError(f"{name} must have at least {minimum} {what} along dim {dim}, got shape {tuple(value.shape)}")


def check_scalar(value, name: str) -> None:
    """Raise unless ``value`` is a real number or a one-element floating tensor (e.g. a learnable parameter).

    A value of another type (or an integer tensor) is a ``TypeError``; a tensor of several elements a ``ValueError``.
    """
    if isinstance(value, torch.Tensor):
        check_floating(value, name)
        if value.numel() != 1:
            raise ValueError(f"{name} must be a number or a one-element tensor, got shape {tuple(value.shape)}")
    elif not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a one-element tensor, got {type(value).__name__}")

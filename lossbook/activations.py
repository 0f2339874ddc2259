"""Output activations: sigmoid, softmax, log-softmax and log-sum-exp, stable for logits of any finite size.

Each works in the input's dtype and on its device and is differentiable; none overflows for logits of ±1e4 in
float32 or float64.
"""

from __future__ import annotations

import torch

from ._validation import check_dim, check_floating, check_positive

__all__ = ["log_sigmoid", "log_softmax", "logsumexp", "sigmoid", "softmax"]


def _exp_minus_abs(x: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """``exp(-|x|)``, written per sign so that autograd sees a smooth branch on each side of 0 (``abs`` has a
    kink there whose zero subgradient would give ``sigmoid'(0) = 0``), and never overflows."""
    return torch.exp(torch.where(negative, x, -x))


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    r"""Logistic sigmoid, elementwise.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^{x}}{1 + e^{x}}

    Computed from :math:`z = e^{-|x|} \le 1`, choosing the form that cannot overflow on each side of 0.

    Args:
        x: logits, any shape, floating point.

    Returns:
        Probabilities in ``[0, 1]`` of ``x``'s shape. Matches ``torch.sigmoid``.

    Example:
        >>> sigmoid(torch.tensor([-1e4, 0.0, 1e4]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    check_floating(x, "x")
    negative = x < 0
    z = _exp_minus_abs(x, negative)
    return torch.where(negative, z / (1 + z), 1 / (1 + z))


def log_sigmoid(x: torch.Tensor) -> torch.Tensor:
    r"""Log of the logistic sigmoid, elementwise, without forming the sigmoid.

    .. math:: \log \sigma(x) = -\operatorname{softplus}(-x) = \min(x, 0) - \log\bigl(1 + e^{-|x|}\bigr)

    ``log(sigmoid(x))`` is ``-inf`` once ``sigmoid(x)`` underflows (``x`` below about -104 in float32); this is
    exact there (``log_sigmoid(-1e4) = -1e4``). Also ``log(1 - sigmoid(x)) = log_sigmoid(-x)``.

    Args:
        x: logits, any shape, floating point.

    Returns:
        Log-probabilities (``<= 0``) of ``x``'s shape. Matches ``torch.nn.functional.logsigmoid``.

    Example:
        >>> log_sigmoid(torch.tensor([-1e4, 0.0]))
        tensor([-1.0000e+04, -6.9315e-01])
    """
    check_floating(x, "x")
    negative = x < 0
    return torch.where(negative, x, torch.zeros_like(x)) - torch.log1p(_exp_minus_abs(x, negative))


def _max_shift(x: torch.Tensor, dim: int) -> torch.Tensor:
    """The maximum along ``dim`` (kept), as a constant for autograd; 0 for a fully masked row of -inf.

    Subtracting it makes every exponent <= 0, so nothing overflows.
    """
    shift = x.detach().amax(dim=dim, keepdim=True)
    return torch.where(torch.isfinite(shift), shift, torch.zeros_like(shift))


def _logsumexp(x: torch.Tensor, dim: int, keepdim: bool) -> torch.Tensor:
    shift = _max_shift(x, dim)
    result = shift + torch.log(torch.exp(x - shift).sum(dim=dim, keepdim=True))
    return result if keepdim else result.squeeze(dim)


def logsumexp(x: torch.Tensor, *, dim: int = -1) -> torch.Tensor:
    r"""Log of the sum of exponentials along ``dim``, without overflow.

    .. math:: \operatorname{LSE}(x) = \log \sum_j e^{x_j} = m + \log \sum_j e^{x_j - m}, \qquad m = \max_j x_j

    Its gradient is ``softmax(x)``.

    Args:
        x: logits, floating point.
        dim: the dimension to reduce (default ``-1``).

    Returns:
        ``x``'s shape without ``dim``. Matches ``torch.logsumexp(x, dim)``.

    Example:
        >>> logsumexp(torch.tensor([1e4, 1e4]))
        tensor(10000.6934)
    """
    check_floating(x, "x")
    check_dim(x, dim, "x")
    return _logsumexp(x, dim, keepdim=False)


def _scaled(x: torch.Tensor, dim: int, temperature) -> torch.Tensor:
    check_floating(x, "x")
    check_dim(x, dim, "x")
    check_positive(temperature, "temperature")
    return x / temperature


def log_softmax(x: torch.Tensor, *, dim: int = -1, temperature: float | torch.Tensor = 1.0) -> torch.Tensor:
    r"""Log of the softmax along ``dim``, computed without forming the softmax.

    .. math:: \log \operatorname{softmax}(x / T)_i = x_i / T - \operatorname{LSE}(x / T)
              = (x_i / T - m) - \log \textstyle\sum_j e^{x_j / T - m}

    Args:
        x: logits, floating point.
        dim: the class dimension (default ``-1``).
        temperature: ``T > 0`` (a number or a tensor, which may be learnable); default 1.

    Returns:
        Log-probabilities of ``x``'s shape. Matches ``torch.log_softmax(x / T, dim)``.

    Example:
        >>> log_softmax(torch.tensor([0.0, 0.0]))
        tensor([-0.6931, -0.6931])
    """
    # (x - m) - log Σ exp(x - m): subtracting the large shift first keeps the result exact for huge logits.
    shifted = _scaled(x, dim, temperature)
    shifted = shifted - _max_shift(shifted, dim)
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))


def softmax(x: torch.Tensor, *, dim: int = -1, temperature: float | torch.Tensor = 1.0) -> torch.Tensor:
    r"""Softmax along ``dim``: turns logits into a probability vector.

    .. math:: \operatorname{softmax}(x / T)_i = \frac{e^{x_i / T}}{\sum_j e^{x_j / T}}
              = \frac{e^{x_i / T - m}}{\sum_j e^{x_j / T - m}}, \qquad m = \max_j x_j / T

    Invariant to adding the same constant to every logit; ``T → 0`` approaches one-hot at the arg max and
    ``T → ∞`` the uniform distribution.

    Args:
        x: logits, floating point.
        dim: the class dimension (default ``-1``).
        temperature: ``T > 0`` (a number or a tensor, which may be learnable); default 1.

    Returns:
        Probabilities of ``x``'s shape, summing to 1 along ``dim``. Matches ``torch.softmax(x / T, dim)``.

    Example:
        >>> softmax(torch.tensor([1e4, 1e4 - 1e4]))
        tensor([1., 0.])
    """
    scaled = _scaled(x, dim, temperature)
    exps = torch.exp(scaled - _max_shift(scaled, dim))
    return exps / exps.sum(dim=dim, keepdim=True)

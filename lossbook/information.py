"""Information theory on discrete distributions: surprisal, entropy, cross-entropy and KL divergence.

Probability vectors lie along ``dim`` (default: the last dimension); every other dimension is a batch dimension.
Logarithms are natural (results in nats) unless ``base`` is given (``base=2`` gives bits). The convention
``0 · log 0 = 0`` holds throughout, and the gradient of such a term with respect to the zero probability is taken
as 0, so that distributions on the edge of the simplex give finite gradients.
"""

from __future__ import annotations

import torch

from ._validation import check_distribution, check_floating, check_probabilities, check_same_shape, log_of_base

__all__ = ["cross_entropy", "entropy", "kl_divergence", "surprisal"]


def _where_positive(p: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """``value`` where ``p > 0`` and 1 elsewhere: log of it is 0 there, and no ``nan`` reaches the gradient."""
    return torch.where(p > 0, value, torch.ones_like(value))


def _check_pair(p: torch.Tensor, q: torch.Tensor, dim: int) -> None:
    check_floating(p, "p")
    check_floating(q, "q")
    check_same_shape(p, q, "p", "q")
    check_distribution(p, "p", dim)
    check_distribution(q, "q", dim)


def surprisal(p: torch.Tensor, *, base: float | None = None) -> torch.Tensor:
    r"""Surprisal (self-information) of events with probability ``p``, elementwise.

    .. math:: I(p) = -\log p

    Args:
        p: probabilities in ``[0, 1]``, any shape, floating point.
        base: base of the logarithm; ``None`` (default) gives nats, ``2`` gives bits.

    Returns:
        A tensor of ``p``'s shape; ``inf`` where ``p = 0`` (an impossible event is infinitely surprising).

    Matches ``-torch.log(p)`` (divided by ``log(base)``).

    Example:
        >>> surprisal(torch.tensor([0.5, 0.25]), base=2)
        tensor([1., 2.])
    """
    check_floating(p, "p")
    check_probabilities(p, "p")
    return -torch.log(p) / log_of_base(base)


def entropy(p: torch.Tensor, *, dim: int = -1, base: float | None = None) -> torch.Tensor:
    r"""Shannon entropy of the distributions ``p`` along ``dim``.

    .. math:: H(p) = -\sum_x p(x) \log p(x), \qquad 0 \log 0 = 0

    Args:
        p: probability vectors along ``dim`` (non-negative, summing to 1), floating point.
        dim: the dimension that holds the probabilities (default ``-1``).
        base: base of the logarithm; ``None`` (default) gives nats, ``2`` gives bits.

    Returns:
        ``p``'s shape without ``dim``.

    Matches ``scipy.stats.entropy(p, axis=dim, base=base)``.

    Example:
        >>> entropy(torch.tensor([0.5, 0.5]), base=2)
        tensor(1.)
    """
    check_floating(p, "p")
    check_distribution(p, "p", dim)
    return -(p * torch.log(_where_positive(p, p))).sum(dim=dim) / log_of_base(base)


def cross_entropy(p: torch.Tensor, q: torch.Tensor, *, dim: int = -1, base: float | None = None) -> torch.Tensor:
    r"""Cross-entropy :math:`H(p, q)` of the distribution ``q`` relative to the distribution ``p``, along ``dim``.

    .. math:: H(p, q) = -\sum_x p(x) \log q(x) = H(p) + D_{\mathrm{KL}}(p \,\|\, q)

    This is the distribution-level quantity (``lossbook.information.cross_entropy``); the classification *loss*
    on logits is ``lossbook.cross_entropy``.

    Args:
        p: the reference ("true") distributions, probability vectors along ``dim``.
        q: the model distributions, the same shape as ``p``.
        dim: the dimension that holds the probabilities (default ``-1``).
        base: base of the logarithm; ``None`` (default) gives nats, ``2`` gives bits.

    Returns:
        ``p``'s shape without ``dim``; ``inf`` where some ``q(x) = 0 < p(x)``.

    Matches ``scipy.stats.entropy(p) + scipy.stats.entropy(p, q)`` (closed form).

    Example:
        >>> cross_entropy(torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5]), base=2)
        tensor(1.)
    """
    _check_pair(p, q, dim)
    return -(p * torch.log(_where_positive(p, q))).sum(dim=dim) / log_of_base(base)


def kl_divergence(p: torch.Tensor, q: torch.Tensor, *, dim: int = -1, base: float | None = None) -> torch.Tensor:
    r"""Kullback–Leibler divergence :math:`D_{\mathrm{KL}}(p \,\|\, q)` along ``dim``.

    .. math:: D_{\mathrm{KL}}(p \,\|\, q) = \sum_x p(x) \log \frac{p(x)}{q(x)} \;\ge 0

    The expectation is taken under ``p``, the first argument. (``torch.nn.functional.kl_div(input, target)``
    computes :math:`D_{\mathrm{KL}}(\text{target} \,\|\, \exp(\text{input}))`: the other way round, and on
    log-probabilities.)

    Args:
        p: the distributions the expectation is taken under, probability vectors along ``dim``.
        q: the approximating distributions, the same shape as ``p``.
        dim: the dimension that holds the probabilities (default ``-1``).
        base: base of the logarithm; ``None`` (default) gives nats, ``2`` gives bits.

    Returns:
        ``p``'s shape without ``dim``; ``inf`` where some ``q(x) = 0 < p(x)``.

    Matches ``scipy.stats.entropy(p, q, axis=dim, base=base)``.

    Example:
        >>> kl_divergence(torch.tensor([0.5, 0.5]), torch.tensor([0.25, 0.75]))
        tensor(0.1438)
    """
    _check_pair(p, q, dim)
    ratio = _where_positive(p, p) / _where_positive(p, q)
    return (p * torch.log(ratio)).sum(dim=dim) / log_of_base(base)

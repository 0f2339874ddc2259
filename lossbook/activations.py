"""Output activations: sigmoid, softmax, log-softmax and log-sum-exp, stable for logits of any finite size.

Each works in the input's dtype and on its device and is differentiable; none overflows for logits of ±1e4 in
float32 or float64.
"""

from __future__ import annotations

import numbers

import torch

from ._validation import check_dim, check_floating, check_positive

__all__ = ["log_sigmoid", "log_softmax", "logsumexp", "sigmoid", "softmax"]


def _stable_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """``1 / (1 + z)`` for ``x >= 0`` and ``z / (1 + z)`` for ``x < 0``, from ``z = exp(-|x|) <= 1``: no overflow."""
    z = x.abs().neg_().exp_()
    positive_form = z.add(1).reciprocal_()
    return z.masked_fill_(x >= 0, 1.0).mul_(positive_form)


class _Sigmoid(torch.autograd.Function):
    """The sigmoid, with its derivative written out: ``sigmoid'(x) = z / (1 + z)^2``, ``z = exp(-|x|)``.

    One node in the autograd graph instead of one per operation of the forward formula. The derivative is computed
    from ``z`` rather than as ``s (1 - s)``, whose factor ``1 - s`` rounds to 0 once ``s`` rounds to 1 (``x`` above
    about 17 in float32) although the true derivative, about ``exp(-x)``, is still representable.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _stable_sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph=True: operations that autograd can differentiate again
            z = torch.exp(-x.abs())
            return grad * (z / (1 + z) ** 2)
        z = x.abs().neg_().exp_()
        return z.div_((1 + z).square_()).mul_(grad)


class _LogSigmoid(torch.autograd.Function):
    """``log sigmoid(x) = min(x, 0) - log(1 + exp(-|x|))``, with its derivative ``sigmoid(-x)`` written out."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.clamp(x, max=0).sub_(x.abs().neg_().exp_().log1p_())

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph=True: through _Sigmoid, which autograd can differentiate again
            return grad * _Sigmoid.apply(-x)
        return _stable_sigmoid(-x).mul_(grad)


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
    return _Sigmoid.apply(x)


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
    return _LogSigmoid.apply(x)


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
    if isinstance(temperature, numbers.Real) and temperature == 1:
        return x
    return x / temperature


class _LogSoftmax(torch.autograd.Function):
    r"""Log-softmax along ``dim`` with its backward pass written out.

    Forward: :math:`(x - m) - \log \sum_j e^{x_j - m}` (subtracting the large shift first keeps the result exact for
    huge logits). Backward, from :math:`\partial \log p_i / \partial x_j = \delta_{ij} - p_j`:
    :math:`g - p \sum_i g_i`, with :math:`p` from the exponentials saved in the forward pass (or from the output,
    which autograd can differentiate, when the backward pass is itself differentiated: ``create_graph=True``).
    """

    @staticmethod
    def forward(ctx, x, dim):
        shifted = x - _max_shift(x, dim)
        exps = torch.exp(shifted)
        totals = exps.sum(dim=dim, keepdim=True)
        out = shifted.sub_(torch.log(totals))
        ctx.save_for_backward(out, exps, totals)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        out, exps, totals = ctx.saved_tensors
        row_sums = grad.sum(dim=ctx.dim, keepdim=True)
        if torch.is_grad_enabled():
            return grad - torch.exp(out) * row_sums, None
        return exps.mul(-row_sums / totals).add_(grad), None


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
    return _LogSoftmax.apply(_scaled(x, dim, temperature), dim)


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

"""Embedding losses: pairs, triplets, in-batch contrastive losses, angular-margin softmax losses and GE2E.

Two families live here. The *distance* losses (contrastive, triplet, batch-hard triplet, margin ranking) put a hinge
on distances between embeddings, or on differences of scores. The *similarity-softmax* losses (InfoNCE, NT-Xent,
multiple-negatives ranking, ArcFace, CosFace, GE2E-softmax) are all the same thing: a cross-entropy whose logits are
(scaled) cosine similarities and whose "correct class" is the positive; they differ only in which candidates fill a
row and how the positive's logit is modified. The code calls :func:`lossbook.classification.cross_entropy` on those
logits to make that structure visible.

Conventions shared by every function: embeddings are rows (the last dimension is the feature dimension ``D``);
cosine similarities L2-normalise each row first as ``x / max(‖x‖, 1e-12)`` (the ``eps`` of
``torch.nn.functional.normalize``, so a zero vector has cosine 0 with everything instead of ``nan``). Where two
embeddings coincide, the Euclidean distance has no derivative (a naive ``sqrt(0)`` back-propagates ``nan``):
:func:`contrastive_loss` and :func:`batch_hard_triplet_loss` use the exact distance with gradient 0 there (a valid
subgradient), and :func:`triplet_margin_loss` follows PyTorch, which adds ``eps`` to the difference. Every loss works
in the input's dtype and on its device.
"""

from __future__ import annotations

import math

import torch

from ._validation import (
    check_class_indices,
    check_floating,
    check_integer_labels,
    check_interval,
    check_min_size,
    check_ndim,
    check_positive,
    check_reduction,
    check_same_shape,
    check_scalar,
    check_shape,
    check_sign_labels,
    check_zero_one_labels,
    reduce_loss,
)
from .activations import sigmoid
from .classification import cross_entropy

__all__ = [
    "arcface_loss",
    "batch_hard_triplet_loss",
    "contrastive_loss",
    "cosface_loss",
    "ge2e_loss",
    "info_nce",
    "margin_ranking_loss",
    "multiple_negatives_ranking_loss",
    "nt_xent_loss",
    "triplet_margin_loss",
]

# The eps of torch.nn.functional.normalize: a row is divided by max(‖x‖, eps).
_NORMALIZE_EPS = 1e-12


# --- shared pieces ------------------------------------------------------------------------------------------------

def _l2_normalize(x: torch.Tensor) -> torch.Tensor:
    """Rows of unit length, ``x / max(‖x‖, 1e-12)`` along the last dimension (a zero row stays zero)."""
    return x / torch.linalg.vector_norm(x, dim=-1, keepdim=True).clamp_min(_NORMALIZE_EPS)


def _cosine_matrix(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``(N, D), (K, D) -> (N, K)`` cosine similarities: dot products of the L2-normalised rows."""
    return _l2_normalize(a) @ _l2_normalize(b).T


def _distance_from_squared(squared: torch.Tensor) -> torch.Tensor:
    r"""``sqrt(squared)``, with gradient 0 (not ``nan``) where ``squared = 0``.

    ``sqrt`` has an infinite derivative at 0, so ``sqrt(Σ(a - b)²)`` back-propagates ``inf · 0 = nan`` for identical
    embeddings. The square root is only taken where the squared distance is positive; elsewhere the distance is the
    constant 0, whose zero gradient is a valid subgradient of the norm at the origin.
    """
    positive = squared > 0
    safe = torch.where(positive, squared, torch.ones_like(squared))
    return torch.where(positive, torch.sqrt(safe), torch.zeros_like(squared))


def _euclidean_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``‖a - b‖`` along the last dimension, exact, with gradient 0 (not ``nan``) where ``a = b``."""
    return _distance_from_squared(((a - b) ** 2).sum(dim=-1))


def _check_rows(x, name: str) -> None:
    """A floating ``(N, D)`` matrix with at least one row."""
    check_floating(x, name)
    check_ndim(x, 2, name, "(N, D)")
    check_min_size(x, 0, 1, name, "row (N >= 1)")


def _diagonal_targets(n: int, device: torch.device) -> torch.Tensor:
    """Row ``i``'s positive is candidate ``i``: the class indices ``0, 1, ..., n - 1``."""
    return torch.arange(n, device=device)


# --- distance losses ----------------------------------------------------------------------------------------------

def contrastive_loss(
    x1: torch.Tensor,
    x2: torch.Tensor,
    similar: torch.Tensor,
    *,
    margin: float = 1.0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Contrastive loss of pairs of embeddings with an explicit similar/dissimilar label (Hadsell et al. 2006).

    .. math:: \ell = y\,\tfrac12 d^2 + (1 - y)\,\tfrac12 \max(0,\, m - d)^2, \qquad d = \lVert x_1 - x_2 \rVert_2

    Similar pairs (:math:`y = 1`) are pulled together; dissimilar pairs are pushed apart until they are at least
    the margin :math:`m` apart, and then left alone.

    **Label convention**: here ``similar = 1`` (or ``True``) marks a *similar* pair, as in sentence-transformers'
    ``ContrastiveLoss``. Hadsell et al. write :math:`Y = 0` for similar pairs: pass ``similar = 1 - Y`` to use their
    labels. The distance is exact (no ``eps`` is added, unlike ``torch.nn.functional.pairwise_distance``); where
    :math:`x_1 = x_2` the gradient of :math:`d` is taken as 0, so identical embeddings give finite gradients.

    Args:
        x1: ``(N, D)`` or ``(D,)`` embeddings, floating point.
        x2: the other embedding of each pair, ``x1``'s shape.
        similar: ``(N,)`` (``()`` for a single pair) labels, 1/``True`` for similar and 0/``False`` for dissimilar;
            bool, integer or float.
        margin: :math:`m > 0` (default 1).
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (one loss per pair).

    Returns:
        A scalar, or ``(N,)`` for ``"none"``.

    Matches sentence-transformers' ``ContrastiveLoss`` given the Euclidean distance and the same margin (its
    defaults differ: cosine distance and margin 0.5; and its ``EUCLIDEAN`` metric adds PyTorch's ``eps = 1e-6`` to
    the difference, where this distance is exact).

    Example:
        >>> x1 = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
        >>> x2 = torch.tensor([[3.0, 4.0], [0.6, 0.8]])
        >>> contrastive_loss(x1, x2, torch.tensor([1, 0]), margin=2.0, reduction="none")
        tensor([12.5000,  0.5000])
    """
    check_floating(x1, "x1")
    check_floating(x2, "x2")
    check_ndim(x1, (1, 2), "x1", "(N, D) or (D,)")
    check_same_shape(x1, x2, "x1", "x2")
    check_shape(similar, x1.shape[:-1], "similar", "one label per pair: x1's shape without the feature dimension")
    check_zero_one_labels(similar, "similar")
    check_positive(margin, "margin")
    check_reduction(reduction)
    y = similar.to(dtype=x1.dtype)
    squared = ((x1 - x2) ** 2).sum(dim=-1)  # ½ d² from the squared distance itself: smooth everywhere
    distance = _distance_from_squared(squared)
    loss = y * 0.5 * squared + (1 - y) * 0.5 * torch.clamp(margin - distance, min=0) ** 2
    return reduce_loss(loss, reduction)


def _pairwise_distance(a: torch.Tensor, b: torch.Tensor, p: float, eps: float) -> torch.Tensor:
    """``‖a - b + eps‖_p`` along the last dimension: PyTorch's ``pairwise_distance``, whose ``eps`` keeps the norm
    (and its gradient) away from the origin for identical embeddings."""
    return torch.linalg.vector_norm(a - b + eps, ord=p, dim=-1)


def triplet_margin_loss(
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor,
    *,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Triplet margin loss: the anchor must be closer to the positive than to the negative by a margin.

    .. math:: \ell = \max\bigl(0,\; m + d(a, p) - d(a, n)\bigr), \qquad d(x, y) = \lVert x - y + \epsilon \rVert_p

    With ``swap=True`` (Balntas et al. 2016) :math:`d(a, n)` is replaced by :math:`\min(d(a, n), d(p, n))`, the
    harder of the two negatives' distances. The :math:`\epsilon` added to every component of the difference is
    PyTorch's convention (``pairwise_distance``): it keeps the distance of identical embeddings at
    :math:`\epsilon \sqrt[p]{D}` instead of 0, where the norm's gradient would be undefined.

    Args:
        anchor: ``(N, D)`` or ``(D,)`` embeddings, floating point.
        positive: ``anchor``'s shape.
        negative: ``anchor``'s shape.
        margin: :math:`m > 0` (default 1).
        p: the norm's degree, ``> 0`` (default 2, Euclidean).
        eps: :math:`\epsilon \ge 0` added to the differences (default ``1e-6``).
        swap: use the distance swap (default ``False``).
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (one loss per triplet).

    Returns:
        A scalar, or ``(N,)`` for ``"none"``.

    Matches ``torch.nn.functional.triplet_margin_loss``.

    Example:
        >>> a, pos, neg = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]]), torch.tensor([[0.0, 1.0]])
        >>> triplet_margin_loss(a, pos, neg)
        tensor(5.0000)
    """
    check_floating(anchor, "anchor")
    check_floating(positive, "positive")
    check_floating(negative, "negative")
    check_ndim(anchor, (1, 2), "anchor", "(N, D) or (D,)")
    check_same_shape(anchor, positive, "anchor", "positive")
    check_same_shape(anchor, negative, "anchor", "negative")
    check_positive(margin, "margin")
    check_positive(p, "p")
    check_interval(eps, "eps", 0.0, math.inf)
    check_reduction(reduction)
    d_ap = _pairwise_distance(anchor, positive, p, eps)
    d_an = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = torch.minimum(d_an, _pairwise_distance(positive, negative, p, eps))
    loss = torch.clamp(margin + d_ap - d_an, min=0)
    return reduce_loss(loss, reduction)


def batch_hard_triplet_loss(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    *,
    margin: float = 1.0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Batch-hard triplet loss (Hermans, Beyer & Leibe 2017): each anchor against its hardest positive and negative.

    .. math:: \ell_a = \max\Bigl(0,\; m + \max_{p:\, y_p = y_a,\, p \ne a} d(a, p)
              - \min_{n:\, y_n \ne y_a} d(a, n)\Bigr), \qquad d = \lVert \cdot \rVert_2

    Every sample of the batch is an anchor. An anchor without a positive (its label occurs once) or without a
    negative (every label equal) has no triplet and is left out: ``"mean"`` averages over the valid anchors only and
    ``"none"`` returns one loss per valid anchor, in batch order.

    The hardest positive and negative are chosen on the full ``(N, N)`` matrix of squared distances, formed from the
    Gram matrix (memory :math:`O(N^2)`, not :math:`O(N^2 D)`); the loss then uses the exact distances of the chosen
    pairs, with gradient 0 (not ``nan``) where two embeddings coincide. Gradients flow through the chosen distances
    only, as in the paper.

    Args:
        embeddings: ``(N, D)``, floating point.
        labels: ``(N,)`` integer identity labels (any integers; equal labels mean the same identity).
        margin: :math:`m > 0` (default 1).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``(K,)`` for ``"none"``, ``K`` the number of valid anchors.

    Raises:
        ValueError: no anchor of the batch has both a positive and a negative.

    Matches pytorch-metric-learning's ``TripletMarginLoss`` with ``BatchHardMiner``, given the same (not
    normalised) ``LpDistance`` and a plain ``MeanReducer`` (its defaults normalise the embeddings and average only the
    non-zero losses).

    Example:
        >>> points = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
        >>> batch_hard_triplet_loss(points, torch.tensor([0, 0, 1, 1]), reduction="none")
        tensor([0., 0., 3., 0.])
    """
    _check_rows(embeddings, "embeddings")
    check_integer_labels(labels, "labels")
    check_shape(labels, embeddings.shape[:1], "labels", "one label per row of embeddings")
    check_positive(margin, "margin")
    check_reduction(reduction)
    n = embeddings.shape[0]
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    is_positive = same & ~torch.eye(n, dtype=torch.bool, device=embeddings.device)
    is_negative = ~same
    valid = is_positive.any(dim=1) & is_negative.any(dim=1)
    if not bool(valid.any()):
        raise ValueError(
            "batch_hard_triplet_loss needs at least one anchor with both a positive (another sample with its label) "
            "and a negative (a sample with another label); labels has none"
        )
    with torch.no_grad():  # choosing the hardest pairs: a selection, not part of the differentiated loss
        gram = embeddings @ embeddings.T
        squared_norms = gram.diagonal()
        squared = (squared_norms.unsqueeze(0) + squared_norms.unsqueeze(1) - 2 * gram).clamp_min(0)
        hardest_positive = squared.masked_fill(~is_positive, -math.inf).argmax(dim=1)
        hardest_negative = squared.masked_fill(~is_negative, math.inf).argmin(dim=1)
    anchors = embeddings[valid]
    d_ap = _euclidean_distance(anchors, embeddings[hardest_positive[valid]])
    d_an = _euclidean_distance(anchors, embeddings[hardest_negative[valid]])
    loss = torch.clamp(margin + d_ap - d_an, min=0)
    return reduce_loss(loss, reduction)


def margin_ranking_loss(
    x1: torch.Tensor,
    x2: torch.Tensor,
    target: torch.Tensor,
    *,
    margin: float = 0.0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Margin ranking loss: ``x1`` should score higher than ``x2`` by a margin where ``target = 1``, lower where -1.

    .. math:: \ell = \max\bigl(0,\; -t\,(x_1 - x_2) + m\bigr), \qquad t \in \{-1, +1\}

    Args:
        x1: scores, any shape, floating point.
        x2: scores of ``x1``'s shape.
        target: ``x1``'s shape, -1 or +1 (integer or float); 1 means ``x1`` should rank higher.
        margin: :math:`m \ge 0` (default 0).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``x1``'s shape for ``"none"``.

    Matches ``torch.nn.functional.margin_ranking_loss``, except that shapes must agree exactly (PyTorch
    broadcasts).

    Example:
        >>> margin_ranking_loss(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 0.0]), torch.tensor([1, 1]), margin=0.5)
        tensor(0.7500)
    """
    check_floating(x1, "x1")
    check_floating(x2, "x2")
    check_same_shape(x1, x2, "x1", "x2")
    check_sign_labels(target, "target")
    check_same_shape(x1, target, "x1", "target")
    check_interval(margin, "margin", 0.0, math.inf)
    check_reduction(reduction)
    loss = torch.clamp(-target.to(dtype=x1.dtype) * (x1 - x2) + margin, min=0)
    return reduce_loss(loss, reduction)


# --- similarity-softmax losses: cross-entropy over cosine logits ---------------------------------------------------

def info_nce(
    query: torch.Tensor,
    positive: torch.Tensor,
    negatives: torch.Tensor | None = None,
    *,
    temperature: float | torch.Tensor = 0.1,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""InfoNCE (van den Oord et al. 2018): pick each query's positive out of a set of candidates.

    .. math:: \ell_i = -\log \frac{e^{\cos(q_i, p_i) / \tau}}
              {e^{\cos(q_i, p_i) / \tau} + \sum_{n \in \mathcal N_i} e^{\cos(q_i, n) / \tau}}
              = \operatorname{CE}\bigl(\cos(q_i, \text{candidates}) / \tau,\; \text{the class of } p_i\bigr)

    The candidates :math:`\mathcal N_i` are, with ``negatives=None``, the other rows of ``positive`` (in-batch
    negatives: the logits are the ``(N, N)`` matrix :math:`\cos(q_i, p_j) / \tau` and the correct class of row
    :math:`i` is :math:`i`); with ``negatives`` of shape ``(N, M, D)``, query :math:`i`'s own :math:`M` negatives
    (row :math:`i` is :math:`[\cos(q_i, p_i), \cos(q_i, n_{i1}), \dots] / \tau` and the correct class is 0).

    Args:
        query: ``(N, D)``, floating point.
        positive: ``(N, D)``, each query's positive.
        negatives: ``None`` (in-batch negatives) or ``(N, M, D)``.
        temperature: :math:`\tau > 0` (a number or a tensor, which may be learnable); default 0.1.
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (one loss per query).

    Returns:
        A scalar, or ``(N,)`` for ``"none"``.

    Matches sentence-transformers' ``MultipleNegativesRankingLoss`` with ``scale = 1 / temperature`` for in-batch
    negatives (that is :func:`multiple_negatives_ranking_loss`), and the formula above with explicit negatives.

    Example:
        >>> eye = torch.eye(2)
        >>> info_nce(eye, eye, temperature=1.0)  # log(1 + 1/e)
        tensor(0.3133)
    """
    _check_rows(query, "query")
    check_floating(positive, "positive")
    check_same_shape(query, positive, "query", "positive")
    check_positive(temperature, "temperature")
    check_reduction(reduction)
    n, d = query.shape
    if negatives is None:
        logits = _cosine_matrix(query, positive) / temperature
        target = _diagonal_targets(n, query.device)
    else:
        check_floating(negatives, "negatives")
        check_ndim(negatives, 3, "negatives", "(N, M, D)")
        check_shape(negatives, (n, negatives.shape[1], d), "negatives", f"(N, M, D) with N = {n}, D = {d}")
        q = _l2_normalize(query)
        positive_cos = (q * _l2_normalize(positive)).sum(dim=-1, keepdim=True)  # (N, 1)
        negative_cos = (q.unsqueeze(1) * _l2_normalize(negatives)).sum(dim=-1)  # (N, M)
        logits = torch.cat([positive_cos, negative_cos], dim=1) / temperature
        target = torch.zeros(n, dtype=torch.long, device=query.device)
    return reduce_loss(cross_entropy(logits, target, reduction="none"), reduction)


def nt_xent_loss(
    z1: torch.Tensor,
    z2: torch.Tensor,
    *,
    temperature: float | torch.Tensor = 0.5,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al. 2020).

    The two views ``z1[i]``, ``z2[i]`` of sample :math:`i` form the :math:`2N` rows
    :math:`z = [z_1; z_2]`; each row's positive is the other view of its sample and its candidates are the other
    :math:`2N - 1` rows (never itself):

    .. math:: \ell_k = -\log \frac{e^{\cos(z_k, z_{k^+}) / \tau}}{\sum_{j \ne k} e^{\cos(z_k, z_j) / \tau}},
              \qquad k^+ = k \pm N, \qquad L = \frac{1}{2N} \sum_{k=1}^{2N} \ell_k

    It is a cross-entropy over the ``(2N, 2N)`` cosine matrix divided by :math:`\tau`, with the diagonal masked
    out (a logit of :math:`-\infty`, whose :math:`e^{-\infty} = 0` leaves the denominator) and class :math:`k^+` as
    row :math:`k`'s target.

    Args:
        z1: ``(N, D)`` first views, floating point.
        z2: ``(N, D)`` second views.
        temperature: :math:`\tau > 0` (a number or a tensor, which may be learnable); default 0.5.
        reduction: ``"mean"`` (over all :math:`2N` rows), ``"sum"`` or ``"none"`` (``(2N,)``: the rows of ``z1``,
            then those of ``z2``).

    Returns:
        A scalar, or ``(2N,)`` for ``"none"``.

    Matches pytorch-metric-learning's ``NTXentLoss`` on ``torch.cat([z1, z2])`` with labels
    ``torch.arange(N).repeat(2)`` (its default temperature is 0.07, SimCLR's is 0.5).

    Example:
        >>> eye = torch.eye(2)
        >>> nt_xent_loss(eye, eye, temperature=1.0)  # log(1 + 2/e)
        tensor(0.5514)
    """
    _check_rows(z1, "z1")
    check_floating(z2, "z2")
    check_same_shape(z1, z2, "z1", "z2")
    check_positive(temperature, "temperature")
    check_reduction(reduction)
    n = z1.shape[0]
    z = torch.cat([z1, z2], dim=0)
    itself = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    logits = (_cosine_matrix(z, z) / temperature).masked_fill(itself, -math.inf)
    target = (_diagonal_targets(2 * n, z.device) + n) % (2 * n)  # the other view of the same sample
    return reduce_loss(cross_entropy(logits, target, reduction="none"), reduction)


def multiple_negatives_ranking_loss(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    negatives: torch.Tensor | None = None,
    *,
    scale: float | torch.Tensor = 20.0,
    symmetric: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Multiple-negatives ranking loss (Henderson et al. 2017): in-batch softmax over scaled cosine similarities.

    .. math:: \ell_i = -\log \frac{e^{s \cos(a_i, p_i)}}{\sum_{j} e^{s \cos(a_i, c_j)}}
              = \operatorname{CE}\bigl(s \cos(a_i, c),\; i\bigr), \qquad
              c = [p_1, \dots, p_N, n_1, \dots, n_N]

    Every anchor's candidates are all the positives of the batch plus, if given, all the hard negatives (appended
    as extra columns: a hard negative of one anchor is also a candidate for every other anchor). :math:`s` is the
    inverse temperature: this is :func:`info_nce` with ``temperature = 1 / scale``, plus hard negatives.

    With ``symmetric=True`` each loss is averaged with the reverse direction, positives → anchors, over the
    ``(N, N)`` block only (hard negatives take no part):
    :math:`\tfrac12 \bigl[\operatorname{CE}(s \cos(a_i, c), i) + \operatorname{CE}(s \cos(p_i, a), i)\bigr]`.

    Args:
        anchors: ``(N, D)``, floating point.
        positives: ``(N, D)``, each anchor's positive.
        negatives: ``None`` or ``(N, D)`` hard negatives, one per anchor.
        scale: :math:`s > 0` (a number or a tensor, which may be learnable); default 20.
        symmetric: also score anchors given positives (default ``False``).
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (one loss per anchor).

    Returns:
        A scalar, or ``(N,)`` for ``"none"``.

    Matches sentence-transformers' ``MultipleNegativesRankingLoss`` (the default ``cos_sim`` similarity), and with
    ``symmetric=True`` its ``directions=("query_to_doc", "doc_to_query"), partition_mode="per_direction"`` (formerly
    ``MultipleNegativesSymmetricRankingLoss``).

    Example:
        >>> eye = torch.eye(2)
        >>> multiple_negatives_ranking_loss(eye, eye, scale=1.0)  # log(1 + 1/e)
        tensor(0.3133)
    """
    _check_rows(anchors, "anchors")
    check_floating(positives, "positives")
    check_same_shape(anchors, positives, "anchors", "positives")
    if negatives is not None:
        check_floating(negatives, "negatives")
        check_same_shape(anchors, negatives, "anchors", "negatives")
    check_positive(scale, "scale")
    check_reduction(reduction)
    n = anchors.shape[0]
    candidates = positives if negatives is None else torch.cat([positives, negatives], dim=0)
    scores = scale * _cosine_matrix(anchors, candidates)  # (N, N) or (N, 2N)
    target = _diagonal_targets(n, anchors.device)
    loss = cross_entropy(scores, target, reduction="none")
    if symmetric:
        backward = cross_entropy(scores[:, :n].T, target, reduction="none")  # positive i against all anchors
        loss = (loss + backward) / 2
    return reduce_loss(loss, reduction)


def _check_margin_softmax_inputs(embeddings, weight, target) -> None:
    _check_rows(embeddings, "embeddings")
    check_floating(weight, "weight")
    check_ndim(weight, 2, "weight", "(C, D), one class centre per row")
    if weight.shape[1] != embeddings.shape[1]:
        raise ValueError(
            f"weight must have shape (C, D) with D = {embeddings.shape[1]} (the embeddings' feature dimension), "
            f"got {tuple(weight.shape)}"
        )
    check_class_indices(target, "target", weight.shape[0])
    check_shape(target, embeddings.shape[:1], "target", "one class index per row of embeddings")


def _with_target_logit(cosines: torch.Tensor, target: torch.Tensor, target_logit: torch.Tensor) -> torch.Tensor:
    """``cosines`` with each row's target column replaced by ``target_logit`` (the margin-modified cosine)."""
    is_target = torch.zeros_like(cosines, dtype=torch.bool).scatter_(1, target.unsqueeze(1), True)
    return torch.where(is_target, target_logit.unsqueeze(1), cosines)


def arcface_loss(
    embeddings: torch.Tensor,
    weight: torch.Tensor,
    target: torch.Tensor,
    *,
    scale: float | torch.Tensor = 64.0,
    margin: float = 0.5,
    easy_margin: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""ArcFace, the additive angular margin loss (Deng et al. 2019): softmax over :math:`s \cos`, the target's angle
    widened by :math:`m`.

    .. math:: \ell_i = \operatorname{CE}\bigl(s\,[\cos\theta_{i1}, \dots, \psi(\theta_{i y_i}), \dots,
              \cos\theta_{iC}],\; y_i\bigr), \qquad
              \cos\theta_{ij} = \frac{x_i \cdot W_j}{\lVert x_i \rVert \lVert W_j \rVert}

    .. math:: \psi(\theta) = \begin{cases} \cos(\theta + m) & \theta < \pi - m, \text{ i.e. }
              \cos\theta > \cos(\pi - m) \\ \cos\theta - m \sin m & \text{otherwise} \end{cases}

    :math:`\cos(\theta + m)` decreases in :math:`\theta` only up to :math:`\theta + m = \pi`; beyond it the
    reference implementation (insightface) falls back to :math:`\cos\theta - m \sin m`, which keeps the
    target logit decreasing. ``easy_margin=True`` instead applies the margin only where :math:`\cos\theta > 0` and
    leaves :math:`\cos\theta` elsewhere.

    No ``acos``: :math:`\cos(\theta + m) = \cos\theta \cos m - \sin\theta \sin m` with
    :math:`\sin\theta = \sqrt{\max(1 - \cos^2\theta, \text{tiny})}` (``tiny`` the dtype's smallest normal number).
    ``acos`` has an infinite derivative at :math:`\cos\theta = \pm 1`, so the naive form gives ``nan`` gradients
    for an embedding that points exactly at (or away from) its class centre; this form stays finite there.

    Args:
        embeddings: ``(N, D)``, floating point (L2-normalised here).
        weight: ``(C, D)`` class centres, one per row (L2-normalised here); usually a learnable parameter.
        target: ``(N,)`` class indices in ``[0, C)``.
        scale: :math:`s > 0` (a number or a tensor); default 64.
        margin: :math:`m \in [0, \pi/2)` in **radians** (default 0.5, about 28.6°).
        easy_margin: apply the margin only where :math:`\cos\theta > 0` (default ``False``).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``(N,)`` for ``"none"``.

    Matches pytorch-metric-learning's ``ArcFaceLoss`` given the margin in **degrees**
    (``margin=math.degrees(m)``) and the weight transposed (its ``W`` is ``(D, C)``); it has no ``easy_margin``.

    Example:
        >>> x, centres = torch.tensor([[1.0, 0.0]]), torch.eye(2)
        >>> arcface_loss(x, centres, torch.tensor([0]), scale=1.0, margin=0.5)  # log(1 + exp(-cos 0.5))
        tensor(0.3477)
    """
    _check_margin_softmax_inputs(embeddings, weight, target)
    check_positive(scale, "scale")
    check_interval(margin, "margin", 0.0, math.pi / 2, closed_high=False)
    check_reduction(reduction)
    cosines = _cosine_matrix(embeddings, weight)  # (N, C)
    cos_t = cosines.gather(1, target.unsqueeze(1)).squeeze(1)
    tiny = torch.finfo(cosines.dtype).tiny
    sin_t = torch.sqrt(torch.clamp(1 - cos_t * cos_t, min=tiny))
    cos_t_plus_m = cos_t * math.cos(margin) - sin_t * math.sin(margin)
    if easy_margin:
        psi = torch.where(cos_t > 0, cos_t_plus_m, cos_t)
    else:
        psi = torch.where(cos_t > math.cos(math.pi - margin), cos_t_plus_m, cos_t - margin * math.sin(margin))
    logits = scale * _with_target_logit(cosines, target, psi)
    return reduce_loss(cross_entropy(logits, target, reduction="none"), reduction)


def cosface_loss(
    embeddings: torch.Tensor,
    weight: torch.Tensor,
    target: torch.Tensor,
    *,
    scale: float | torch.Tensor = 64.0,
    margin: float = 0.35,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""CosFace, the large margin cosine loss (Wang et al. 2018): softmax over :math:`s \cos`, the target's cosine
    lowered by :math:`m`.

    .. math:: \ell_i = -\log \frac{e^{s (\cos\theta_{i y_i} - m)}}
              {e^{s (\cos\theta_{i y_i} - m)} + \sum_{j \ne y_i} e^{s \cos\theta_{ij}}}
              = \operatorname{CE}\bigl(s\,(\cos\theta_i - m\, \mathbb 1_{y_i}),\; y_i\bigr)

    with :math:`\cos\theta_{ij}` the cosine between embedding :math:`i` and class centre :math:`j` (both
    L2-normalised). ``margin=0`` is the normalised softmax (NormFace).

    Args:
        embeddings: ``(N, D)``, floating point (L2-normalised here).
        weight: ``(C, D)`` class centres, one per row (L2-normalised here).
        target: ``(N,)`` class indices in ``[0, C)``.
        scale: :math:`s > 0` (a number or a tensor); default 64.
        margin: :math:`m \ge 0` (default 0.35).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
        A scalar, or ``(N,)`` for ``"none"``.

    Matches pytorch-metric-learning's ``CosFaceLoss`` (whose weight ``W`` is stored transposed, ``(D, C)``).

    Example:
        >>> x, centres = torch.tensor([[1.0, 0.0]]), torch.eye(2)
        >>> cosface_loss(x, centres, torch.tensor([0]), scale=1.0)  # log(1 + exp(-0.65))
        tensor(0.4201)
    """
    _check_margin_softmax_inputs(embeddings, weight, target)
    check_positive(scale, "scale")
    check_interval(margin, "margin", 0.0, math.inf)
    check_reduction(reduction)
    cosines = _cosine_matrix(embeddings, weight)
    cos_t = cosines.gather(1, target.unsqueeze(1)).squeeze(1)
    logits = scale * _with_target_logit(cosines, target, cos_t - margin)
    return reduce_loss(cross_entropy(logits, target, reduction="none"), reduction)


_GE2E_METHODS = ("softmax", "contrast")


def ge2e_loss(
    embeddings: torch.Tensor,
    *,
    w: float | torch.Tensor = 10.0,
    b: float | torch.Tensor = -5.0,
    method: str = "softmax",
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Generalized end-to-end loss for speaker verification (Wan et al. 2018).

    A batch holds :math:`M` utterances of each of :math:`N` speakers. The embeddings :math:`e_{ji}` (speaker
    :math:`j`, utterance :math:`i`) are L2-normalised; each speaker's centroid is the mean of its normalised
    embeddings, and the similarity of utterance :math:`ji` to speaker :math:`k` is

    .. math:: S_{ji,k} = w \cos(e_{ji}, c_k) + b, \qquad
              c_k = \frac1M \sum_{m} e_{km} \;(k \ne j), \qquad
              c_j^{(-i)} = \frac{1}{M - 1} \sum_{m \ne i} e_{jm} \;(k = j)

    (the own speaker's centroid **excludes** the utterance itself, which makes training more stable). Then

    .. math:: L_\text{softmax}(e_{ji}) = -S_{ji,j} + \log \sum_{k=1}^{N} e^{S_{ji,k}}
              = \operatorname{CE}(S_{ji,\cdot},\; j), \qquad
              L_\text{contrast}(e_{ji}) = 1 - \sigma(S_{ji,j}) + \max_{k \ne j} \sigma(S_{ji,k})

    and the paper's loss is :math:`L_G = \sum_{j,i} L(e_{ji})`.

    Args:
        embeddings: ``(N, M, D)``: ``N >= 2`` speakers, ``M >= 2`` utterances each, floating point.
        w: the similarity's scale, ``> 0`` (a number or a one-element tensor, usually learnable); default 10.
        b: the similarity's bias (a number or a one-element tensor, usually learnable); default -5.
        method: ``"softmax"`` or ``"contrast"``.
        reduction: ``"sum"`` (the paper's :math:`L_G`), ``"mean"`` (:math:`L_G / NM`) or ``"none"`` (the ``(N, M)``
            per-utterance losses).

    Returns:
        A scalar, or ``(N, M)`` for ``"none"``.

    Matches the formulas of Wan et al. 2018 above (no library implements them; the tests check them against a
    direct loop over speakers and utterances).

    Example:
        >>> two_speakers = torch.tensor([[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]])
        >>> ge2e_loss(two_speakers, w=1.0, b=0.0)  # log(1 + 1/e)
        tensor(0.3133)
        >>> ge2e_loss(two_speakers, method="contrast")  # 1 - σ(5) + σ(-5)
        tensor(0.0134)
    """
    check_floating(embeddings, "embeddings")
    check_ndim(embeddings, 3, "embeddings", "(N speakers, M utterances, D)")
    check_min_size(embeddings, 0, 2, "embeddings", "speakers (N >= 2)")
    check_min_size(embeddings, 1, 2, "embeddings", "utterances per speaker (M >= 2)")
    check_scalar(w, "w")
    check_positive(w, "w")
    check_scalar(b, "b")
    if method not in _GE2E_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, _GE2E_METHODS))}; got {method!r}")
    check_reduction(reduction)
    n, m, _ = embeddings.shape
    e = _l2_normalize(embeddings)  # (N, M, D)
    centroids = e.mean(dim=1)  # (N, D)
    own_centroids = (e.sum(dim=1, keepdim=True) - e) / (m - 1)  # (N, M, D): c_j without utterance i
    cos_to_all = e @ _l2_normalize(centroids).T  # (N, M, N)
    cos_to_own = (e * _l2_normalize(own_centroids)).sum(dim=-1, keepdim=True)  # (N, M, 1)
    own = torch.eye(n, dtype=torch.bool, device=embeddings.device).unsqueeze(1)  # (N, 1, N): k = j
    similarity = w * torch.where(own, cos_to_own, cos_to_all) + b  # S[j, i, k]
    speaker = torch.arange(n, device=embeddings.device).repeat_interleave(m)  # each row's own speaker j
    if method == "softmax":
        loss = cross_entropy(similarity.reshape(n * m, n), speaker, reduction="none").reshape(n, m)
    else:
        probs = sigmoid(similarity)
        own_prob = probs.gather(2, speaker.reshape(n, m, 1)).squeeze(2)
        hardest_other = probs.masked_fill(own, -math.inf).amax(dim=-1)
        loss = 1 - own_prob + hardest_other
    return reduce_loss(loss, reduction)

"""lossbook.embedding against its references: PyTorch's built-ins, pytorch-metric-learning and sentence-transformers
(computation paths fed with precomputed embeddings), and plain loops written here from the papers' formulas where no
library implements a loss or a convention."""

import functools
import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import lossbook as lb

F64 = torch.float64
TIGHT = {"rtol": 1e-6, "atol": 1e-9}  # the contract's 1e-6 relative in float64


def randn(*shape, seed=0, dtype=F64, device="cpu", requires_grad=False):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=generator, dtype=F64).to(dtype=dtype, device=device)
    return x.requires_grad_(requires_grad)


def randint(high, *shape, seed=0, device="cpu"):
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(high, shape, generator=generator).to(device)


# --- the peer libraries, imported on first use (sentence-transformers takes seconds to import) ---------------------

@functools.cache
def pml():
    from pytorch_metric_learning import distances, losses, miners, reducers

    return distances, losses, miners, reducers


@functools.cache
def st_losses():
    from sentence_transformers.sentence_transformer import losses

    return losses


# --- plain loop references, written from the papers' formulas -------------------------------------------------------

def norm(u):
    return math.sqrt(sum(x * x for x in u))


def dist(u, v):
    return norm([a - b for a, b in zip(u, v, strict=True)])


def cos(u, v):
    return sum(a * b for a, b in zip(u, v, strict=True)) / (max(norm(u), 1e-12) * max(norm(v), 1e-12))


def ce(logits, target):
    """-log softmax(logits)[target], for a short list of moderate logits."""
    return -logits[target] + math.log(sum(math.exp(z) for z in logits))


def reduce(losses, reduction):
    t = torch.tensor(losses, dtype=F64)
    return {"none": t, "sum": t.sum(), "mean": t.mean()}[reduction]


def loop_contrastive(x1, x2, similar, margin):
    out = []
    for a, b, y in zip(x1.tolist(), x2.tolist(), similar.tolist(), strict=True):
        d = dist(a, b)
        out.append(0.5 * d * d if y else 0.5 * max(0.0, margin - d) ** 2)
    return out


def loop_batch_hard(x, labels, margin):
    rows, labels = x.tolist(), labels.tolist()
    out = []
    for a in range(len(rows)):
        positives = [dist(rows[a], rows[p]) for p in range(len(rows)) if p != a and labels[p] == labels[a]]
        negatives = [dist(rows[a], rows[n]) for n in range(len(rows)) if labels[n] != labels[a]]
        if positives and negatives:
            out.append(max(0.0, margin + max(positives) - min(negatives)))
    return out


def loop_info_nce(query, positive, negatives, temperature):
    out = []
    for i, q in enumerate(query.tolist()):
        if negatives is None:
            candidates, target = positive.tolist(), i
        else:
            candidates, target = [positive[i].tolist(), *negatives[i].tolist()], 0
        out.append(ce([cos(q, c) / temperature for c in candidates], target))
    return out


def loop_nt_xent(z1, z2, temperature):
    z, n = torch.cat([z1, z2]).tolist(), z1.shape[0]
    out = []
    for k in range(2 * n):
        others = [j for j in range(2 * n) if j != k]
        logits = [cos(z[k], z[j]) / temperature for j in others]
        out.append(ce(logits, others.index((k + n) % (2 * n))))
    return out


def loop_margin_softmax(embeddings, weight, target, scale, psi):
    out = []
    for x, y in zip(embeddings.tolist(), target.tolist(), strict=True):
        cosines = [cos(x, w) for w in weight.tolist()]
        cosines[y] = psi(cosines[y])
        out.append(ce([scale * c for c in cosines], y))
    return out


def arcface_psi(margin, easy_margin=False):
    def psi(c):
        theta = math.acos(max(-1.0, min(1.0, c)))
        if easy_margin:
            return math.cos(theta + margin) if c > 0 else c
        return math.cos(theta + margin) if theta + margin < math.pi else c - margin * math.sin(margin)

    return psi


def loop_ge2e(embeddings, w, b, method):
    e = embeddings.tolist()
    n, m = len(e), len(e[0])
    unit = [[[v / norm(u) for v in u] for u in speaker] for speaker in e]
    centroids = [[sum(col) / m for col in zip(*unit[k], strict=True)] for k in range(n)]
    out = []
    for j in range(n):
        row = []
        for i in range(m):
            own = [sum(col) / (m - 1) for col in zip(*(unit[j][k] for k in range(m) if k != i), strict=True)]
            s = [w * cos(unit[j][i], own if k == j else centroids[k]) + b for k in range(n)]
            if method == "softmax":
                row.append(-s[j] + math.log(sum(math.exp(v) for v in s)))
            else:
                sig = [1 / (1 + math.exp(-v)) for v in s]
                row.append(1 - sig[j] + max(sig[k] for k in range(n) if k != j))
        out.append(row)
    return out


# --- contrastive ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("margin", [0.5, 2.0, 4.0])
def test_contrastive_matches_the_loop_reference(reduction, margin):
    x1, x2 = randn(9, 4, seed=1), randn(9, 4, seed=2)
    similar = randint(2, 9, seed=3).bool()
    ours = lb.contrastive_loss(x1, x2, similar, margin=margin, reduction=reduction)
    torch.testing.assert_close(ours, reduce(loop_contrastive(x1, x2, similar, margin), reduction), **TIGHT)


def test_contrastive_label_convention_is_one_for_similar():
    x1, x2 = torch.zeros(1, 2, dtype=F64), torch.tensor([[0.3, 0.4]], dtype=F64)  # d = 0.5
    assert lb.contrastive_loss(x1, x2, torch.tensor([1])).item() == pytest.approx(0.5 * 0.25)
    assert lb.contrastive_loss(x1, x2, torch.tensor([0]), margin=2.0).item() == pytest.approx(0.5 * 1.5**2)
    hadsell_y = torch.tensor([0])  # Hadsell et al.: Y = 0 for a similar pair
    assert lb.contrastive_loss(x1, x2, 1 - hadsell_y).item() == pytest.approx(0.5 * 0.25)


# --- triplet ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_triplet_matches_torch(p, swap, reduction, dtype, device):
    a, pos, neg = (randn(7, 5, seed=s, dtype=dtype, device=device) for s in (1, 2, 3))
    for margin, eps in [(1.0, 1e-6), (0.3, 0.0), (2.5, 1e-3)]:
        ours = lb.triplet_margin_loss(a, pos, neg, margin=margin, p=p, eps=eps, swap=swap, reduction=reduction)
        ref = F.triplet_margin_loss(a, pos, neg, margin=margin, p=p, eps=eps, swap=swap, reduction=reduction)
        assert ours.dtype == dtype and ours.device == a.device
        torch.testing.assert_close(ours, ref, **(TIGHT if dtype == F64 else {}))


def test_triplet_accepts_a_single_triplet_like_torch():
    a, pos, neg = randn(5, seed=1), randn(5, seed=2), randn(5, seed=3)
    torch.testing.assert_close(lb.triplet_margin_loss(a, pos, neg, reduction="none"),
                               F.triplet_margin_loss(a, pos, neg, reduction="none"), **TIGHT)


def test_triplet_gradients_match_torch_including_identical_embeddings():
    for a, pos, neg in [(randn(4, 3, seed=1), randn(4, 3, seed=2), randn(4, 3, seed=3)),
                        (randn(4, 3, seed=1),) * 3]:
        ours = [t.clone().requires_grad_() for t in (a, pos, neg)]
        refs = [t.clone().requires_grad_() for t in (a, pos, neg)]
        lb.triplet_margin_loss(*ours, swap=True).backward()
        F.triplet_margin_loss(*refs, swap=True).backward()
        for o, r in zip(ours, refs, strict=True):
            assert torch.isfinite(o.grad).all()
            torch.testing.assert_close(o.grad, r.grad, **TIGHT)


# --- batch-hard triplet ----------------------------------------------------------------------------------------------

# 0 and 1 appear several times, 2 twice, 3 once (an anchor without a positive: left out).
BATCH_LABELS = torch.tensor([0, 1, 0, 2, 1, 0, 3, 2, 1, 1])


@pytest.mark.parametrize("margin", [0.2, 1.0, 3.0])
def test_batch_hard_matches_pytorch_metric_learning(margin):
    distances, losses, miners, reducers = pml()
    x = randn(10, 4, seed=7)
    ours_x, ref_x = x.clone().requires_grad_(), x.clone().requires_grad_()
    ours = lb.batch_hard_triplet_loss(ours_x, BATCH_LABELS, margin=margin)
    lp = distances.LpDistance(normalize_embeddings=False)
    miner = miners.BatchHardMiner(distance=lp)
    ref_fn = losses.TripletMarginLoss(margin=margin, distance=lp, reducer=reducers.MeanReducer())
    ref = ref_fn(ref_x, BATCH_LABELS, miner(ref_x, BATCH_LABELS))
    torch.testing.assert_close(ours, ref, **TIGHT)
    ours.backward()
    ref.backward()
    torch.testing.assert_close(ours_x.grad, ref_x.grad, **TIGHT)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_batch_hard_matches_the_loop_reference_and_leaves_out_anchors_without_triplets(reduction):
    x = randn(10, 3, seed=8)
    expected = reduce(loop_batch_hard(x, BATCH_LABELS, 1.5), reduction)
    ours = lb.batch_hard_triplet_loss(x, BATCH_LABELS, margin=1.5, reduction=reduction)
    torch.testing.assert_close(ours, expected, **TIGHT)
    if reduction == "none":
        assert ours.shape == (9,)  # the anchor with label 3 has no positive


def test_batch_hard_without_a_valid_anchor_is_refused():
    x = randn(4, 3)
    for labels in (torch.tensor([1, 1, 1, 1]), torch.tensor([0, 1, 2, 3])):
        with pytest.raises(ValueError, match="at least one anchor with both a positive"):
            lb.batch_hard_triplet_loss(x, labels, reduction="sum")


# --- margin ranking --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("margin", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_margin_ranking_matches_torch(margin, reduction, dtype, device):
    x1, x2 = randn(3, 8, seed=1, dtype=dtype, device=device), randn(3, 8, seed=2, dtype=dtype, device=device)
    target = randint(2, 3, 8, seed=3, device=device) * 2 - 1
    ours = lb.margin_ranking_loss(x1, x2, target, margin=margin, reduction=reduction)
    ref = F.margin_ranking_loss(x1, x2, target.to(dtype), margin=margin, reduction=reduction)
    assert ours.dtype == dtype and ours.device == x1.device
    torch.testing.assert_close(ours, ref, **(TIGHT if dtype == F64 else {}))


# --- InfoNCE, NT-Xent, multiple negatives ranking ---------------------------------------------------------------------

@pytest.mark.parametrize("temperature", [0.05, 0.1, 1.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_info_nce_matches_the_loop_reference(temperature, reduction):
    q, p, negs = randn(6, 5, seed=1), randn(6, 5, seed=2), randn(6, 3, 5, seed=3)
    for negatives in (None, negs):
        ours = lb.info_nce(q, p, negatives, temperature=temperature, reduction=reduction)
        torch.testing.assert_close(ours, reduce(loop_info_nce(q, p, negatives, temperature), reduction), **TIGHT)


@pytest.mark.parametrize("temperature", [0.07, 0.5, 2.0])
def test_nt_xent_matches_pytorch_metric_learning(temperature):
    z1, z2 = randn(6, 5, seed=1), randn(6, 5, seed=2)
    ours_z, ref_z = [t.clone().requires_grad_() for t in (z1, z2)], [t.clone().requires_grad_() for t in (z1, z2)]
    ours = lb.nt_xent_loss(*ours_z, temperature=temperature)
    ref = pml()[1].NTXentLoss(temperature=temperature)(torch.cat(ref_z), torch.arange(6).repeat(2))
    torch.testing.assert_close(ours, ref, **TIGHT)
    ours.backward()
    ref.backward()
    for o, r in zip(ours_z, ref_z, strict=True):
        torch.testing.assert_close(o.grad, r.grad, **TIGHT)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nt_xent_matches_the_loop_reference(reduction):
    z1, z2 = randn(5, 4, seed=3), randn(5, 4, seed=4)
    ours = lb.nt_xent_loss(z1, z2, temperature=0.3, reduction=reduction)
    torch.testing.assert_close(ours, reduce(loop_nt_xent(z1, z2, 0.3), reduction), **TIGHT)
    assert lb.nt_xent_loss(z1, z2, reduction="none").shape == (10,)


def test_mnrl_none_and_sum_agree_with_the_mean():
    a, p, n = randn(5, 4, seed=1), randn(5, 4, seed=2), randn(5, 4, seed=3)
    for symmetric in (False, True):
        per_anchor = lb.multiple_negatives_ranking_loss(a, p, n, symmetric=symmetric, reduction="none")
        assert per_anchor.shape == (5,)
        torch.testing.assert_close(per_anchor.mean(), lb.multiple_negatives_ranking_loss(a, p, n, symmetric=symmetric))
        torch.testing.assert_close(per_anchor.sum(),
                                   lb.multiple_negatives_ranking_loss(a, p, n, symmetric=symmetric, reduction="sum"))


def test_mnrl_without_hard_negatives_is_in_batch_info_nce():
    a, p = randn(6, 4, seed=1), randn(6, 4, seed=2)
    torch.testing.assert_close(lb.multiple_negatives_ranking_loss(a, p, scale=8.0),
                               lb.info_nce(a, p, temperature=1 / 8.0), **TIGHT)


# --- ArcFace and CosFace ---------------------------------------------------------------------------------------------

def arcface_inputs(seed=0):
    """Random embeddings plus two aimed (nearly) away from their class centre, so both branches of ψ occur."""
    weight = randn(5, 4, seed=seed)
    embeddings = randn(12, 4, seed=seed + 1)
    target = randint(5, 12, seed=seed + 2)
    embeddings[:2] = -weight[target[:2]] + 0.05 * randn(2, 4, seed=seed + 3)
    return embeddings, weight, target


@pytest.mark.parametrize("margin", [0.0, 0.5, 1.2])
@pytest.mark.parametrize("scale", [1.0, 30.0, 64.0])
def test_arcface_matches_pytorch_metric_learning(margin, scale):
    embeddings, weight, target = arcface_inputs()
    ours_e, ours_w = embeddings.clone().requires_grad_(), weight.clone().requires_grad_()
    ref_e = embeddings.clone().requires_grad_()
    ref_fn = pml()[1].ArcFaceLoss(num_classes=5, embedding_size=4, margin=math.degrees(margin), scale=scale)
    ref_fn.W.data = weight.T.clone()  # its W is (D, C)
    ours = lb.arcface_loss(ours_e, ours_w, target, scale=scale, margin=margin)
    ref = ref_fn(ref_e, target)
    torch.testing.assert_close(ours, ref, **TIGHT)
    ours.backward()
    ref.backward()
    torch.testing.assert_close(ours_e.grad, ref_e.grad, **TIGHT)
    torch.testing.assert_close(ours_w.grad, ref_fn.W.grad.T, **TIGHT)


def test_arcface_inputs_reach_the_fallback_branch():
    embeddings, weight, target = arcface_inputs()
    cos_t = F.cosine_similarity(embeddings, weight[target])
    assert (cos_t < math.cos(math.pi - 1.2)).sum() >= 2 and (cos_t > math.cos(math.pi - 1.2)).sum() >= 2


@pytest.mark.parametrize("easy_margin", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_arcface_matches_the_loop_reference(easy_margin, reduction):
    embeddings, weight, target = arcface_inputs(seed=3)
    for margin in (0.3, 0.5, 1.5):
        ours = lb.arcface_loss(embeddings, weight, target, scale=10.0, margin=margin, easy_margin=easy_margin,
                               reduction=reduction)
        ref = loop_margin_softmax(embeddings, weight, target, 10.0, arcface_psi(margin, easy_margin))
        torch.testing.assert_close(ours, reduce(ref, reduction), **TIGHT)


@pytest.mark.parametrize("margin", [0.0, 0.35, 1.0])
@pytest.mark.parametrize("scale", [1.0, 64.0])
def test_cosface_matches_pytorch_metric_learning_and_the_loop_reference(margin, scale):
    embeddings, weight, target = arcface_inputs(seed=5)
    ref_fn = pml()[1].CosFaceLoss(num_classes=5, embedding_size=4, margin=margin, scale=scale)
    ref_fn.W.data = weight.T.clone()
    ours = lb.cosface_loss(embeddings, weight, target, scale=scale, margin=margin)
    torch.testing.assert_close(ours, ref_fn(embeddings, target), **TIGHT)
    loop = loop_margin_softmax(embeddings, weight, target, scale, lambda c: c - margin)
    torch.testing.assert_close(lb.cosface_loss(embeddings, weight, target, scale=scale, margin=margin,
                                               reduction="none"), reduce(loop, "none"), **TIGHT)


def test_zero_margin_arcface_and_cosface_are_the_normalised_softmax():
    embeddings, weight, target = arcface_inputs(seed=7)
    logits = 16.0 * F.normalize(embeddings) @ F.normalize(weight).T
    expected = F.cross_entropy(logits, target)
    torch.testing.assert_close(lb.arcface_loss(embeddings, weight, target, scale=16.0, margin=0.0), expected, **TIGHT)
    torch.testing.assert_close(lb.cosface_loss(embeddings, weight, target, scale=16.0, margin=0.0), expected, **TIGHT)


# --- GE2E -------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["softmax", "contrast"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_ge2e_matches_the_loop_reference(method, reduction):
    embeddings = randn(4, 3, 5, seed=2)
    for w, b in [(10.0, -5.0), (3.0, 1.0)]:
        ours = lb.ge2e_loss(embeddings, w=w, b=b, method=method, reduction=reduction)
        expected = reduce(loop_ge2e(embeddings, w, b, method), reduction)
        torch.testing.assert_close(ours, expected, **TIGHT)


def test_ge2e_own_centroid_excludes_the_utterance():
    # Two utterances per speaker: the own centroid of one is the other, so identical utterances give cos = 1.
    e = torch.tensor([[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [-0.6, 0.8]]], dtype=F64)
    s = lb.ge2e_loss(e, w=1.0, b=0.0, reduction="none")
    own_cos_11 = 0.8  # cos((0, 1), (-0.6, 0.8)), the other utterance only
    other_cos_11 = cos([0.0, 1.0], [1.0, 0.0])
    assert s[1, 0].item() == pytest.approx(ce([other_cos_11, own_cos_11], 1), rel=1e-12)


def test_ge2e_learnable_w_and_b_get_gradients(device):
    embeddings = randn(3, 4, 6, seed=1, device=device, requires_grad=True)
    w = torch.tensor(10.0, dtype=F64, device=device, requires_grad=True)
    b = torch.tensor(-5.0, dtype=F64, device=device, requires_grad=True)
    for method in ("softmax", "contrast"):
        lb.ge2e_loss(embeddings, w=w, b=b, method=method, reduction="sum").backward()
    assert w.grad is not None and b.grad is not None and torch.isfinite(embeddings.grad).all()


# --- sentence-transformers: one test, so that only one worker pays for importing it ----------------------------------

def test_matches_sentence_transformers():
    """Its losses' computation paths (``compute_loss_from_embeddings``, what ``forward`` calls after the model)."""
    losses = st_losses()
    # ContrastiveLoss (1 = similar), with an exact Euclidean distance; its EUCLIDEAN metric is pairwise_distance,
    # which adds eps = 1e-6 to the difference: equal to about 1e-6 there.
    x1, x2 = randn(10, 6, seed=4), randn(10, 6, seed=5)
    similar = randint(2, 10, seed=6)
    exact = lambda a, b: torch.linalg.vector_norm(a - b, dim=-1)  # noqa: E731
    for label_dtype in (torch.bool, torch.long, F64):
        for size_average, reduction in ((True, "mean"), (False, "sum")):
            ref = losses.ContrastiveLoss(None, distance_metric=exact, margin=3.0, size_average=size_average)
            ours = lb.contrastive_loss(x1, x2, similar.to(label_dtype), margin=3.0, reduction=reduction)
            torch.testing.assert_close(ours, ref.compute_loss_from_embeddings([x1, x2], similar), **TIGHT)
    ref = losses.ContrastiveLoss(None, distance_metric=losses.SiameseDistanceMetric.EUCLIDEAN, margin=3.0)
    torch.testing.assert_close(lb.contrastive_loss(x1, x2, similar, margin=3.0),
                               ref.compute_loss_from_embeddings([x1, x2], similar), rtol=0, atol=1e-5)

    # BatchHardTripletLoss, on a batch where every anchor has a positive and a negative.
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    x = randn(8, 5, seed=9)
    ref = losses.BatchHardTripletLoss(None, margin=2.0).compute_loss_from_embeddings([x], labels)
    torch.testing.assert_close(lb.batch_hard_triplet_loss(x, labels, margin=2.0), ref, **TIGHT)

    # MultipleNegativesRankingLoss, plain and symmetric, with and without hard negatives; in-batch InfoNCE is the
    # plain one with scale = 1 / temperature.
    a, p, n = randn(7, 6, seed=1), randn(7, 6, seed=2), randn(7, 6, seed=3)
    for scale in (1.0, 1 / 0.07, 20.0, 50.0):
        for negatives in (None, n):
            columns = [a, p] if negatives is None else [a, p, negatives]
            forward = losses.MultipleNegativesRankingLoss(None, scale=scale).compute_loss_from_embeddings(columns, None)
            ours = lb.multiple_negatives_ranking_loss(a, p, negatives, scale=scale)
            torch.testing.assert_close(ours, forward, **TIGHT)
            if negatives is None:
                torch.testing.assert_close(lb.info_nce(a, p, temperature=1 / scale), forward, **TIGHT)
            both = losses.MultipleNegativesRankingLoss(
                None, scale=scale, directions=("query_to_doc", "doc_to_query"), partition_mode="per_direction"
            ).compute_loss_from_embeddings(columns, None)
            ours = lb.multiple_negatives_ranking_loss(a, p, negatives, scale=scale, symmetric=True)
            torch.testing.assert_close(ours, both, **TIGHT)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # merged into MultipleNegativesRankingLoss
            legacy = losses.MultipleNegativesSymmetricRankingLoss(None, scale=scale)
        torch.testing.assert_close(lb.multiple_negatives_ranking_loss(a, p, scale=scale, symmetric=True),
                                   legacy.compute_loss_from_embeddings([a, p], None), **TIGHT)


# --- every function: gradcheck, dtype/device, extreme inputs ----------------------------------------------------------

def _calls(dtype=F64, device="cpu", requires_grad=False):
    """name -> (function of the float tensors, the float tensors), at generic points."""
    r = functools.partial(randn, dtype=dtype, device=device, requires_grad=requires_grad)
    labels = BATCH_LABELS.to(device)
    similar = torch.tensor([1, 0, 1, 0, 0], device=device)
    target = randint(3, 5, seed=11, device=device)
    sign = torch.tensor([1, -1, 1, 1, -1], device=device)

    def scalar(value):
        return torch.tensor(value, dtype=dtype, device=device, requires_grad=requires_grad)

    return {
        "contrastive_loss": (lambda a, b: lb.contrastive_loss(a, b, similar, margin=3.0),
                             (r(5, 3, seed=1), r(5, 3, seed=2))),
        "triplet_margin_loss": (lambda a, p, n: lb.triplet_margin_loss(a, p, n, margin=3.0, swap=True),
                                (r(5, 3, seed=1), r(5, 3, seed=2), r(5, 3, seed=3))),
        "batch_hard_triplet_loss": (lambda x: lb.batch_hard_triplet_loss(x, labels, margin=3.0),
                                    (r(10, 3, seed=4),)),
        "margin_ranking_loss": (lambda a, b: lb.margin_ranking_loss(a, b, sign, margin=2.0),
                                (r(5, seed=5), r(5, seed=6))),
        "info_nce": (lambda q, p, n, t: lb.info_nce(q, p, n, temperature=t),
                     (r(4, 3, seed=1), r(4, 3, seed=2), r(4, 2, 3, seed=3), scalar(0.5))),
        "info_nce_in_batch": (lambda q, p, t: lb.info_nce(q, p, temperature=t),
                              (r(4, 3, seed=1), r(4, 3, seed=2), scalar(0.5))),
        "nt_xent_loss": (lambda a, b, t: lb.nt_xent_loss(a, b, temperature=t),
                         (r(4, 3, seed=1), r(4, 3, seed=2), scalar(0.5))),
        "multiple_negatives_ranking_loss": (
            lambda a, p, n, s: lb.multiple_negatives_ranking_loss(a, p, n, scale=s, symmetric=True),
            (r(4, 3, seed=1), r(4, 3, seed=2), r(4, 3, seed=3), scalar(3.0))),
        "arcface_loss": (lambda x, w, s: lb.arcface_loss(x, w, target, scale=s, margin=0.5),
                         (r(5, 4, seed=7), r(3, 4, seed=8), scalar(4.0))),
        "arcface_loss_easy_margin": (lambda x, w: lb.arcface_loss(x, w, target, scale=4.0, easy_margin=True),
                                     (r(5, 4, seed=7), r(3, 4, seed=8))),
        "cosface_loss": (lambda x, w, s: lb.cosface_loss(x, w, target, scale=s),
                         (r(5, 4, seed=7), r(3, 4, seed=8), scalar(4.0))),
        "ge2e_softmax": (lambda e, w, b: lb.ge2e_loss(e, w=w, b=b), (r(3, 3, 4, seed=9), scalar(4.0), scalar(-1.0))),
        "ge2e_contrast": (lambda e, w, b: lb.ge2e_loss(e, w=w, b=b, method="contrast"),
                          (r(3, 3, 4, seed=9), scalar(4.0), scalar(-1.0))),
    }


@pytest.mark.parametrize("name", list(_calls()))
def test_gradcheck_float64(name):
    fn, inputs = _calls(requires_grad=True)[name]
    assert torch.autograd.gradcheck(fn, inputs)


@pytest.mark.parametrize("name", list(_calls()))
def test_result_keeps_dtype_and_device(name, dtype, device):
    fn, inputs = _calls(dtype=dtype, device=device)[name]
    result = fn(*inputs)
    assert result.dtype == dtype and result.device == inputs[0].device and result.dim() == 0
    assert torch.isfinite(result)


def finite_value_and_grad(fn, *inputs):
    inputs = [t.detach().clone().requires_grad_() for t in inputs]
    value = fn(*inputs)
    value.backward()
    assert torch.isfinite(value), value
    for t in inputs:
        assert torch.isfinite(t.grad).all(), t.grad
    return value


def test_zero_distances_give_finite_values_and_gradients(dtype, device):
    x = randn(4, 3, seed=1, dtype=dtype, device=device)
    labels = torch.tensor([0, 0, 1, 1], device=device)
    for similar in ([1, 1, 0, 0], [0, 0, 0, 0]):
        value = finite_value_and_grad(
            lambda a, b, s=similar: lb.contrastive_loss(a, b, torch.tensor(s, device=device), reduction="sum"), x, x)
        assert value.item() == pytest.approx(0.5 * similar.count(0))  # d = 0: ½ max(0, m - 0)² per dissimilar pair
    finite_value_and_grad(lambda a, p, n: lb.triplet_margin_loss(a, p, n, swap=True), x, x, x)
    duplicated = torch.cat([x[:2], x[:2]])  # each anchor's positive coincides with it
    finite_value_and_grad(lambda e: lb.batch_hard_triplet_loss(e, labels), duplicated)
    finite_value_and_grad(lambda e: lb.batch_hard_triplet_loss(e, labels), torch.zeros_like(x))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_cosines_of_exactly_plus_or_minus_one_give_finite_values_and_gradients(sign, dtype, device):
    weight = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]], dtype=dtype, device=device)
    embeddings = sign * torch.tensor([[3.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 7.0]], dtype=dtype, device=device)
    target = torch.arange(3, device=device)
    for easy_margin in (False, True):
        for margin in (0.0, 0.5, 1.5):
            finite_value_and_grad(lambda x, w, m=margin, e=easy_margin: lb.arcface_loss(
                x, w, target, margin=m, easy_margin=e), embeddings, weight)
    finite_value_and_grad(lambda x, w: lb.cosface_loss(x, w, target), embeddings, weight)
    # Rounded cosines (a unit vector times its centre, off by a few ulps) too.
    rounded = randn(3, 3, seed=2, dtype=dtype, device=device)
    finite_value_and_grad(lambda x, w: lb.arcface_loss(x, w, target), sign * rounded * 3.7, rounded)
    same = embeddings[:1].expand(3, 3).contiguous()  # identical rows: every cosine is exactly ±1
    finite_value_and_grad(lambda a, b: lb.info_nce(a, b), same, sign * same)
    finite_value_and_grad(lambda a, b, n: lb.info_nce(a, b, n.unsqueeze(1)), same, same, sign * same)
    finite_value_and_grad(lambda a, b: lb.nt_xent_loss(a, b), same, sign * same)
    finite_value_and_grad(lambda a, b, n: lb.multiple_negatives_ranking_loss(a, b, n, symmetric=True),
                          same, same, sign * same)
    identical_speakers = embeddings[:1].expand(2, 2, 3).contiguous()
    for method in ("softmax", "contrast"):
        finite_value_and_grad(lambda e, m=method: lb.ge2e_loss(e, method=m), identical_speakers)


def test_arcface_at_cosine_one_has_the_closed_form_value():
    x, centres, target = torch.tensor([[2.0, 0.0]], dtype=F64), torch.eye(2, dtype=F64), torch.tensor([0])
    value = lb.arcface_loss(x, centres, target, scale=3.0, margin=0.5)
    assert value.item() == pytest.approx(math.log(1 + math.exp(-3.0 * math.cos(0.5))), rel=1e-12)
    antipodal = lb.arcface_loss(-x, centres, target, scale=3.0, margin=0.5)  # θ = π: the fallback branch
    assert antipodal.item() == pytest.approx(math.log(1 + math.exp(3.0 * (1 + 0.5 * math.sin(0.5)))), rel=1e-12)


def test_zero_vectors_in_cosine_losses_give_finite_values_and_gradients(dtype):
    z = torch.zeros(3, 4, dtype=dtype)
    x = randn(3, 4, seed=1, dtype=dtype)
    target = torch.tensor([0, 1, 2])
    finite_value_and_grad(lambda a, b: lb.info_nce(a, b), z, x)
    finite_value_and_grad(lambda a, b: lb.nt_xent_loss(a, b), z, x)
    finite_value_and_grad(lambda a, b: lb.multiple_negatives_ranking_loss(a, b), x, z)
    finite_value_and_grad(lambda a, w: lb.arcface_loss(a, w, target), z, x)
    finite_value_and_grad(lambda a, w: lb.cosface_loss(a, w, target), x, z)
    cancelling = torch.tensor([[[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0], [1.0, 1.0]]],
                              dtype=dtype)  # speaker 0's utterance 2 has a zero own centroid
    finite_value_and_grad(lambda e: lb.ge2e_loss(e), cancelling)


def test_huge_scales_give_finite_values_and_gradients(dtype):
    a, p, n = randn(4, 3, seed=1, dtype=dtype), randn(4, 3, seed=2, dtype=dtype), randn(4, 3, seed=3, dtype=dtype)
    target = torch.tensor([0, 1, 2, 0])
    for big in (1e4, 1e6):
        finite_value_and_grad(lambda x, y, z, s=big: lb.multiple_negatives_ranking_loss(x, y, z, scale=s), a, p, n)
        finite_value_and_grad(lambda x, y, t=1 / big: lb.nt_xent_loss(x, y, temperature=t), a, p)
        finite_value_and_grad(lambda x, w, s=big: lb.arcface_loss(x, w, target, scale=s), a, p)
        finite_value_and_grad(lambda x, w, s=big: lb.cosface_loss(x, w, target, scale=s), a, p)
        finite_value_and_grad(lambda e, w=big: lb.ge2e_loss(e, w=w), torch.stack([a, p, n]))
    x1 = torch.tensor([1e4, -1e4], dtype=dtype)
    finite_value_and_grad(lambda u, v: lb.margin_ranking_loss(u, v, torch.tensor([1, -1])), x1, -x1)


# --- bad input --------------------------------------------------------------------------------------------------------

def _integer_calls():
    i2, i3 = torch.ones(4, 3, dtype=torch.long), torch.ones(2, 2, 3, dtype=torch.long)
    f2 = torch.ones(4, 3)
    return [
        ("x1", lambda: lb.contrastive_loss(i2, f2, torch.ones(4))),
        ("x2", lambda: lb.contrastive_loss(f2, i2, torch.ones(4))),
        ("anchor", lambda: lb.triplet_margin_loss(i2, f2, f2)),
        ("negative", lambda: lb.triplet_margin_loss(f2, f2, i2)),
        ("embeddings", lambda: lb.batch_hard_triplet_loss(i2, torch.tensor([0, 0, 1, 1]))),
        ("x1", lambda: lb.margin_ranking_loss(torch.ones(3, dtype=torch.long), torch.ones(3), torch.ones(3))),
        ("query", lambda: lb.info_nce(i2, f2)),
        ("negatives", lambda: lb.info_nce(f2, f2, torch.ones(4, 2, 3, dtype=torch.long))),
        ("z2", lambda: lb.nt_xent_loss(f2, i2)),
        ("positives", lambda: lb.multiple_negatives_ranking_loss(f2, i2)),
        ("embeddings", lambda: lb.arcface_loss(i2, f2, torch.zeros(4, dtype=torch.long))),
        ("weight", lambda: lb.cosface_loss(f2, i2, torch.zeros(4, dtype=torch.long))),
        ("embeddings", lambda: lb.ge2e_loss(i3)),
    ]


@pytest.mark.parametrize("index", range(len(_integer_calls())))
def test_integer_embeddings_are_a_type_error(index):
    name, call = _integer_calls()[index]
    with pytest.raises(TypeError, match=f"{name} must be a floating-point tensor"):
        call()


def _shape_mismatches():
    x, x1 = randn(4, 3), randn(4, 1)
    labels = torch.tensor([0, 0, 1, 1])
    return [
        ("x1 and x2 must have the same shape", lambda: lb.contrastive_loss(x, randn(4, 2), torch.ones(4))),
        (r"similar must have shape \(4,\)", lambda: lb.contrastive_loss(x, x, torch.ones(4, 1))),
        (r"x1 must have shape \(N, D\) or \(D,\)", lambda: lb.contrastive_loss(randn(2, 2, 2), randn(2, 2, 2),
                                                                                 torch.ones(2, 2))),
        ("anchor and negative must have the same shape", lambda: lb.triplet_margin_loss(x, x, randn(3, 3))),
        (r"labels must have shape \(4,\)", lambda: lb.batch_hard_triplet_loss(x, labels[:3])),
        (r"embeddings must have shape \(N, D\)", lambda: lb.batch_hard_triplet_loss(randn(4), labels)),
        ("x1 and x2 must have the same shape", lambda: lb.margin_ranking_loss(x1, randn(4), torch.ones(4))),
        ("x1 and target must have the same shape", lambda: lb.margin_ranking_loss(randn(4), randn(4), x1.sign())),
        ("query and positive must have the same shape", lambda: lb.info_nce(x, randn(3, 3))),
        (r"negatives must have shape \(4, 2, 3\)", lambda: lb.info_nce(x, x, randn(4, 2, 5))),
        (r"negatives must have shape \(N, M, D\)", lambda: lb.info_nce(x, x, randn(4, 3))),
        (r"query must have at least 1 row \(N >= 1\)", lambda: lb.info_nce(randn(0, 3), randn(0, 3))),
        ("z1 and z2 must have the same shape", lambda: lb.nt_xent_loss(x, randn(5, 3))),
        ("anchors and negatives must have the same shape", lambda: lb.multiple_negatives_ranking_loss(x, x, x1)),
        (r"weight must have shape \(C, D\) with D = 3", lambda: lb.arcface_loss(x, randn(5, 2), labels)),
        (r"target must have shape \(4,\)", lambda: lb.cosface_loss(x, randn(5, 3), labels[:2])),
        (r"embeddings must have shape \(N speakers, M utterances, D\)", lambda: lb.ge2e_loss(x)),
    ]


@pytest.mark.parametrize("index", range(len(_shape_mismatches())))
def test_shape_mismatches_are_refused(index):
    message, call = _shape_mismatches()[index]
    with pytest.raises(ValueError, match=message):
        call()


def _bad_options():
    x, labels, target = randn(4, 3), torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 2, 0])
    e = randn(3, 2, 4)
    out = []
    for margin in (0.0, -1.0, math.nan):
        out.append(("margin must be a number > 0", lambda m=margin: lb.contrastive_loss(x, x, labels, margin=m)))
        out.append(("margin must be a number > 0", lambda m=margin: lb.triplet_margin_loss(x, x, x, margin=m)))
        out.append(("margin must be a number > 0", lambda m=margin: lb.batch_hard_triplet_loss(x, labels, margin=m)))
    for margin in (-0.1, math.nan):
        out.append(("margin must be a number in", lambda m=margin: lb.margin_ranking_loss(x, x, x.sign(), margin=m)))
        out.append(("margin must be a number in", lambda m=margin: lb.cosface_loss(x, x, target, margin=m)))
    for margin in (-0.1, math.pi / 2, 2.0):
        out.append((r"margin must be a number in \[0, 1.5708\)",
                    lambda m=margin: lb.arcface_loss(x, x, target, margin=m)))
    for value in (0.0, -1.0, torch.tensor(-0.5)):
        out.append(("temperature must be", lambda v=value: lb.info_nce(x, x, temperature=v)))
        out.append(("temperature must be", lambda v=value: lb.nt_xent_loss(x, x, temperature=v)))
        out.append(("scale must be", lambda v=value: lb.multiple_negatives_ranking_loss(x, x, scale=v)))
        out.append(("scale must be", lambda v=value: lb.arcface_loss(x, x, target, scale=v)))
        out.append(("scale must be", lambda v=value: lb.cosface_loss(x, x, target, scale=v)))
        out.append(("w must be", lambda v=value: lb.ge2e_loss(e, w=v)))
    out += [
        ("p must be a number > 0", lambda: lb.triplet_margin_loss(x, x, x, p=0.0)),
        ("eps must be a number in", lambda: lb.triplet_margin_loss(x, x, x, eps=-1e-6)),
        ("similar must contain labels 0 or 1", lambda: lb.contrastive_loss(x, x, torch.tensor([0, 1, 2, 1]))),
        ("similar must contain labels 0 or 1", lambda: lb.contrastive_loss(x, x, torch.tensor([0, 0.5, 1, 1]))),
        ("target must contain labels -1 or \\+1", lambda: lb.margin_ranking_loss(x, x, torch.ones_like(x) * 0)),
        ("target must hold class indices in", lambda: lb.arcface_loss(x, x[:3], torch.tensor([0, 1, 2, 3]))),
        ("target must hold class indices in", lambda: lb.cosface_loss(x, x, torch.tensor([0, -1, 2, 1]))),
        (r"at least 2 utterances per speaker \(M >= 2\)", lambda: lb.ge2e_loss(randn(3, 1, 4))),
        (r"at least 2 speakers \(N >= 2\)", lambda: lb.ge2e_loss(randn(1, 3, 4))),
        ("w must be a number or a one-element tensor", lambda: lb.ge2e_loss(e, w=torch.ones(2))),
        ("b must be a number or a one-element tensor", lambda: lb.ge2e_loss(e, b=torch.ones(2))),
        ("method must be one of 'softmax', 'contrast'", lambda: lb.ge2e_loss(e, method="triplet")),
    ]
    return out


@pytest.mark.parametrize("index", range(len(_bad_options())))
def test_bad_options_and_labels_are_refused_naming_the_argument(index):
    message, call = _bad_options()[index]
    with pytest.raises(ValueError, match=message):
        call()


def test_labels_that_are_not_integers_are_a_type_error():
    x = randn(4, 3)
    with pytest.raises(TypeError, match="labels must hold integer labels"):
        lb.batch_hard_triplet_loss(x, torch.tensor([0.0, 0.0, 1.0, 1.0]))
    with pytest.raises(TypeError, match="target must hold class indices"):
        lb.arcface_loss(x, x, torch.tensor([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(TypeError, match="target must hold class indices"):
        lb.cosface_loss(x, x, torch.tensor([True, False, True, False]))
    with pytest.raises(TypeError, match="w must be a floating-point tensor"):
        lb.ge2e_loss(randn(2, 2, 3), w=torch.tensor(3))


@pytest.mark.parametrize("name", list(_calls()))
def test_unknown_reduction_is_refused(name):
    _, inputs = _calls()[name]
    reduction_fn = {
        "contrastive_loss": lambda a, b: lb.contrastive_loss(a, b, torch.ones(5), reduction="avg"),
        "triplet_margin_loss": lambda a, p, n: lb.triplet_margin_loss(a, p, n, reduction="avg"),
        "batch_hard_triplet_loss": lambda x: lb.batch_hard_triplet_loss(x, BATCH_LABELS, reduction="avg"),
        "margin_ranking_loss": lambda a, b: lb.margin_ranking_loss(a, b, torch.ones(5), reduction="avg"),
        "info_nce": lambda q, p, n, t: lb.info_nce(q, p, n, reduction="avg"),
        "info_nce_in_batch": lambda q, p, t: lb.info_nce(q, p, reduction="avg"),
        "nt_xent_loss": lambda a, b, t: lb.nt_xent_loss(a, b, reduction="avg"),
        "multiple_negatives_ranking_loss": lambda a, p, n, s: lb.multiple_negatives_ranking_loss(a, p, reduction="avg"),
        "arcface_loss": lambda x, w, s: lb.arcface_loss(x, w, torch.zeros(5, dtype=torch.long), reduction="avg"),
        "arcface_loss_easy_margin": lambda x, w: lb.arcface_loss(x, w, torch.zeros(5, dtype=torch.long),
                                                                 easy_margin=True, reduction="avg"),
        "cosface_loss": lambda x, w, s: lb.cosface_loss(x, w, torch.zeros(5, dtype=torch.long), reduction="avg"),
        "ge2e_softmax": lambda e, w, b: lb.ge2e_loss(e, reduction="avg"),
        "ge2e_contrast": lambda e, w, b: lb.ge2e_loss(e, method="contrast", reduction="avg"),
    }[name]
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum', 'none'"):
        reduction_fn(*inputs)


# --- properties -------------------------------------------------------------------------------------------------------

small_floats = st.floats(-5, 5, allow_nan=False, width=64)


def _matrix(rows, cols):
    return st.lists(small_floats, min_size=rows * cols, max_size=rows * cols).map(
        lambda v: torch.tensor(v, dtype=F64).reshape(rows, cols))


@settings(max_examples=40, deadline=None)
@given(_matrix(6, 3), _matrix(6, 3), _matrix(6, 3), st.floats(0.01, 3))
def test_every_loss_is_non_negative(a, b, c, margin):
    labels = torch.tensor([0, 1, 0, 1, 2, 2])
    similar = torch.tensor([1, 0, 1, 0, 1, 0])
    values = [
        lb.contrastive_loss(a, b, similar, margin=margin),
        lb.triplet_margin_loss(a, b, c, margin=margin, swap=True),
        lb.batch_hard_triplet_loss(a, labels, margin=margin),
        lb.margin_ranking_loss(a, b, similar.view(6, 1).expand(6, 3) * 2 - 1, margin=margin),
        lb.info_nce(a, b, c.unsqueeze(1), temperature=margin),
        lb.nt_xent_loss(a, b, temperature=margin),
        lb.multiple_negatives_ranking_loss(a, b, c, scale=margin, symmetric=True),
        lb.arcface_loss(a, b[:3], labels, margin=min(margin, 1.5)),
        lb.cosface_loss(a, b[:3], labels, margin=margin),
        lb.ge2e_loss(torch.stack([a, b, c])),
        lb.ge2e_loss(torch.stack([a, b, c]), method="contrast"),
    ]
    for value in values:
        assert value.item() >= 0


@settings(max_examples=30, deadline=None)
@given(_matrix(4, 3), _matrix(4, 3), st.lists(st.floats(0.01, 100), min_size=4, max_size=4))
def test_cosine_losses_ignore_the_length_of_each_embedding(a, b, lengths):
    rescale = torch.tensor(lengths, dtype=F64).unsqueeze(1)
    for x in (a, b):  # keep away from zero vectors, whose direction is undefined
        x[x.norm(dim=1) < 1e-3] = 1.0
    target = torch.tensor([0, 1, 2, 3])
    # ArcFace's cos(θ + m) has an infinite derivative in cos θ at cos θ = 1, so rounding the cosine (about 1e-16)
    # moves it by about sqrt(1e-16): its tolerance is wider.
    for fn, atol in (
        (lambda p, q: lb.info_nce(p, q, q.flip(0).unsqueeze(1), reduction="none"), 1e-9),
        (lambda p, q: lb.nt_xent_loss(p, q, reduction="none"), 1e-9),
        (lambda p, q: lb.multiple_negatives_ranking_loss(p, q, q.flip(0), symmetric=True, reduction="none"), 1e-9),
        (lambda p, q: lb.arcface_loss(p, q, target, scale=8.0, reduction="none"), 1e-6),
        (lambda p, q: lb.cosface_loss(p, q, target, scale=8.0, reduction="none"), 1e-9),
        (lambda p, q: lb.ge2e_loss(torch.stack([p, q]), w=3.0, reduction="none"), 1e-9),
    ):
        torch.testing.assert_close(fn(a * rescale, b / rescale), fn(a, b), rtol=1e-9, atol=atol)


@settings(max_examples=40, deadline=None)
@given(_matrix(5, 3), _matrix(5, 3), _matrix(5, 3))
def test_triplet_swap_is_never_easier_and_contrastive_is_symmetric(a, p, n):
    assert bool((lb.triplet_margin_loss(a, p, n, swap=True, reduction="none")
                 >= lb.triplet_margin_loss(a, p, n, reduction="none")).all())
    similar = torch.tensor([1, 0, 0, 1, 0])
    torch.testing.assert_close(lb.contrastive_loss(a, p, similar, reduction="none"),
                               lb.contrastive_loss(p, a, similar, reduction="none"))

"""How fast is lossbook? Forward + backward time of every loss against its reference, side by side.

Usage: python benchmarks/losses.py [--device cpu|cuda] [--repeats R] [--only SUBSTRING]

Each row pairs a lossbook function with PyTorch's built-in for the same loss where there is one, else the peer
library the package contract names (pytorch-metric-learning, sentence-transformers, MONAI), else the plain PyTorch
expression practitioners write (labelled "expression"). Before timing, the two are checked to give the same value,
so that a row can never compare two different computations.

Timing: one call is the loss's forward pass, ``.backward()`` and nothing else (gradients are dropped between calls).
The two sides alternate, A B B A A B ..., ``repeats`` times; each measurement runs enough calls to last at least
``MIN_MEASURE_S``. The ratio lossbook / reference is taken within each repeat (the two measurements sit side by side
in time, so load on the machine affects both) and summarised by its median and its range over the repeats.

Writes ``benchmarks/results/losses_<device>.json`` (read by the book's appendix) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

import lossbook as lb

RESULTS = Path(__file__).resolve().parent / "results"
MIN_MEASURE_S = 0.05
# The targets of the performance issue, at each loss's largest size: within 1.25x of a built-in (or of the plain
# expression), and no slower than a peer library.
TARGET = {"built-in": 1.25, "expression": 1.25, "peer": 1.0}

Thunk = Callable[[], torch.Tensor]


@dataclass
class Pair:
    """The two sides of one row at one size: thunks that compute the loss, and the tensors whose gradients they fill."""

    ours: Thunk
    reference: Thunk | None
    leaves: list[torch.Tensor]


@dataclass
class Case:
    """One row of the table: a lossbook function, its reference, and the sizes it is measured at."""

    loss: str
    reference: str
    kind: str  # "built-in", "peer", "expression" or "none"
    sizes: list[tuple]
    size_label: str
    make: Callable[..., Pair]


# --- inputs -------------------------------------------------------------------------------------------------------

def leaf(*shape, device, scale=1.0) -> torch.Tensor:
    return (scale * torch.randn(*shape, device=device)).requires_grad_()


def probability_rows(n, c, device, *, grad=False) -> torch.Tensor:
    p = torch.softmax(torch.randn(n, c, device=device), dim=1)
    return p.requires_grad_(grad)


def classes(n, c, device) -> torch.Tensor:
    return torch.randint(c, (n,), device=device)


def signs(*shape, device) -> torch.Tensor:
    return torch.randint(2, shape, device=device).float() * 2 - 1


def unit_rows(n, d, device) -> torch.Tensor:
    return F.normalize(torch.randn(n, d, device=device), dim=-1).requires_grad_()


# --- the peer libraries, imported only when their rows run ------------------------------------------------------

def pml_losses():
    from pytorch_metric_learning import distances, losses, miners, reducers

    return distances, losses, miners, reducers


def st_losses():
    from sentence_transformers.sentence_transformer import losses

    return losses


# --- rows ---------------------------------------------------------------------------------------------------------

ROWS_ELEMENTWISE = [(256, 64), (4096, 64), (65536, 64)]
ROWS_CLASSES = [(256, 10), (4096, 100), (32768, 1000), (2048, 32768)]
ROWS_PAIRS = [(256, 128), (4096, 128), (65536, 128)]
ROWS_IN_BATCH = [(256, 128), (1024, 128), (4096, 128)]
# pytorch-metric-learning's NTXentLoss builds a (positive pairs x negative pairs) matrix, O(N^3): 34 GB at N = 1024.
ROWS_NT_XENT = [(64, 128), (128, 128), (256, 128)]
ROWS_CLASS_CENTRES = [(256, 128, 10), (4096, 128, 1000), (2048, 128, 20000)]
ROWS_SPEAKERS = [(16, 8, 64), (64, 10, 256), (256, 10, 256)]
ROWS_VOLUMES = [(4, 3, 32, 32), (8, 4, 128, 128), (16, 4, 256, 256)]


def elementwise(ours, reference, *, inputs="logits"):
    """A row for a loss of two same-shaped tensors: ``inputs`` is "logits" or "probs" (0/1 targets), "signs" (±1
    targets) or "values" (real targets)."""

    def make(n, c, device):
        if inputs == "probs":
            x = torch.sigmoid(torch.randn(n, c, device=device)).requires_grad_()
        else:
            x = leaf(n, c, device=device)
        if inputs == "values":
            t = torch.randn(n, c, device=device)
        elif inputs == "signs":
            t = signs(n, c, device=device)
        else:
            t = torch.rand(n, c, device=device).round()
        return Pair(lambda: ours(x, t), lambda: reference(x, t), [x])

    return make


def with_classes(ours, reference):
    """A row for a loss of ``(N, C)`` logits and ``(N,)`` class indices."""

    def make(n, c, device):
        x, y = leaf(n, c, device=device), classes(n, c, device)
        return Pair(lambda: ours(x, y), lambda: reference(x, y), [x])

    return make


def with_distributions(ours, reference, *, second="distribution"):
    """A row for a function of ``(N, C)`` probability rows ``p`` (and a second argument ``q``)."""

    def make(n, c, device):
        p = probability_rows(n, c, device, grad=True)
        q = probability_rows(n, c, device, grad=True)
        if second is None:
            return Pair(lambda: ours(p), lambda: reference(p), [p])
        return Pair(lambda: ours(p, q), lambda: reference(p, q), [p, q])

    return make


def nll_rows(n, c, device):
    log_p = torch.log_softmax(torch.randn(n, c, device=device), dim=1).requires_grad_()
    y = classes(n, c, device)
    return Pair(lambda: lb.nll_loss(log_p, y), lambda: F.nll_loss(log_p, y), [log_p])


def cross_entropy_probability_rows(n, c, device):
    x, t = leaf(n, c, device=device), probability_rows(n, c, device)
    return Pair(lambda: lb.cross_entropy(x, t), lambda: F.cross_entropy(x, t), [x])


def expression_focal(x, y, gamma=2.0):
    ce = F.cross_entropy(x, y, reduction="none")
    return ((1 - torch.exp(-ce)) ** gamma * ce).mean()


def expression_sigmoid_focal(x, t, alpha=0.25, gamma=2.0):
    """torchvision.ops.sigmoid_focal_loss's formula (torchvision has no CPU wheel to install here)."""
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * (1 - p_t) ** gamma
    return (alpha * t + (1 - alpha) * (1 - t)) * loss


def expression_poly1_cross_entropy(x, y, epsilon=1.0):
    """The listing of Leng et al. (2022)."""
    pt = torch.softmax(x, dim=1).gather(1, y[:, None]).squeeze(1)
    return (F.cross_entropy(x, y, reduction="none") + epsilon * (1 - pt)).mean()


def expression_poly1_focal(x, t, epsilon=1.0, alpha=0.25, gamma=2.0):
    """The listing of Leng et al. (2022): sigmoid focal loss + epsilon (1 - p_t)^(gamma + 1)."""
    p = torch.sigmoid(x)
    p_t = p * t + (1 - p) * (1 - t)
    return (expression_sigmoid_focal(x, t, alpha, gamma) + epsilon * (1 - p_t) ** (gamma + 1)).mean()


def expression_crammer_singer(s, y, margin=1.0):
    target = s.gather(1, y[:, None])
    others = s.scatter(1, y[:, None], float("-inf"))
    return torch.clamp(margin + others.amax(dim=1, keepdim=True) - target, min=0).mean()


def contrastive_rows(n, d, device):
    x1, x2 = leaf(n, d, device=device), leaf(n, d, device=device)
    similar = torch.randint(2, (n,), device=device)
    reference = st_losses().ContrastiveLoss(None, distance_metric=lambda a, b: (a - b).norm(dim=-1), margin=20.0)
    return Pair(lambda: lb.contrastive_loss(x1, x2, similar, margin=20.0),
                lambda: reference.compute_loss_from_embeddings([x1, x2], similar), [x1, x2])


def triplet_rows(n, d, device):
    a, p, q = (leaf(n, d, device=device) for _ in range(3))
    return Pair(lambda: lb.triplet_margin_loss(a, p, q), lambda: F.triplet_margin_loss(a, p, q), [a, p, q])


def identity_labels(n, device) -> torch.Tensor:
    """Labels of ``n`` samples in groups of 4 (every anchor has positives and negatives)."""
    return torch.arange(n, device=device) // 4


def batch_hard_pml_rows(n, d, device):
    distances, losses, miners, reducers = pml_losses()
    x, labels = leaf(n, d, device=device), identity_labels(n, device)
    lp = distances.LpDistance(normalize_embeddings=False)
    miner = miners.BatchHardMiner(distance=lp)
    loss = losses.TripletMarginLoss(margin=1.0, distance=lp, reducer=reducers.MeanReducer())
    return Pair(lambda: lb.batch_hard_triplet_loss(x, labels), lambda: loss(x, labels, miner(x, labels)), [x])


def batch_hard_st_rows(n, d, device):
    x, labels = leaf(n, d, device=device), identity_labels(n, device)
    loss = st_losses().BatchHardTripletLoss(None, margin=1.0)
    return Pair(lambda: lb.batch_hard_triplet_loss(x, labels),
                lambda: loss.compute_loss_from_embeddings([x], labels), [x])


def margin_ranking_rows(n, d, device):
    x1, x2, t = leaf(n * d, device=device), leaf(n * d, device=device), signs(n * d, device=device)
    return Pair(lambda: lb.margin_ranking_loss(x1, x2, t, margin=0.5),
                lambda: F.margin_ranking_loss(x1, x2, t, margin=0.5), [x1, x2])


def info_nce_rows(n, d, device):
    q, p = leaf(n, d, device=device), leaf(n, d, device=device)
    loss = st_losses().MultipleNegativesRankingLoss(None, scale=10.0)
    return Pair(lambda: lb.info_nce(q, p, temperature=0.1),
                lambda: loss.compute_loss_from_embeddings([q, p], None), [q, p])


def nt_xent_rows(n, d, device):
    z1, z2 = leaf(n, d, device=device), leaf(n, d, device=device)
    loss = pml_losses()[1].NTXentLoss(temperature=0.5)
    labels = torch.arange(n, device=device).repeat(2)
    return Pair(lambda: lb.nt_xent_loss(z1, z2, temperature=0.5),
                lambda: loss(torch.cat([z1, z2]), labels), [z1, z2])


def mnrl_rows(n, d, device):
    a, p, hard = (leaf(n, d, device=device) for _ in range(3))
    loss = st_losses().MultipleNegativesRankingLoss(None, scale=20.0)
    return Pair(lambda: lb.multiple_negatives_ranking_loss(a, p, hard),
                lambda: loss.compute_loss_from_embeddings([a, p, hard], None), [a, p, hard])


def margin_softmax_rows(name):
    """ArcFace or CosFace against pytorch-metric-learning (margin in degrees there, weight stored transposed)."""

    def make(n, d, c, device):
        x, y = leaf(n, d, device=device), classes(n, c, device)
        w = leaf(c, d, device=device)
        if name == "arcface":
            loss = pml_losses()[1].ArcFaceLoss(num_classes=c, embedding_size=d, margin=math.degrees(0.5), scale=64.0)
            ours = lambda: lb.arcface_loss(x, w, y, scale=64.0, margin=0.5)  # noqa: E731
        else:
            loss = pml_losses()[1].CosFaceLoss(num_classes=c, embedding_size=d, margin=0.35, scale=64.0)
            ours = lambda: lb.cosface_loss(x, w, y, scale=64.0, margin=0.35)  # noqa: E731
        loss.to(device)
        loss.W.data = w.detach().T.clone()
        return Pair(ours, lambda: loss(x, y), [x, w, loss.W])

    return make


def ge2e_rows(speakers, utterances, d, device):
    x = leaf(speakers, utterances, d, device=device)
    return Pair(lambda: lb.ge2e_loss(x), None, [x])


def dice_rows(n, c, h, w, device):
    probs = torch.softmax(torch.randn(n, c, h, w, device=device), dim=1).requires_grad_()
    target = F.one_hot(torch.randint(c, (n, h, w), device=device), c).permute(0, 3, 1, 2).float()
    from monai.losses import DiceLoss

    reference = DiceLoss(smooth_nr=1e-5, smooth_dr=1e-5)
    return Pair(lambda: lb.dice_loss(probs, target), lambda: reference(probs, target), [probs])


def sum_of(function):
    """``function(...).sum()``: a scalar to differentiate, for functions that return one value per row or entry."""
    return lambda *args: function(*args).sum()


CASES = [
    # lossbook.information: one value per row, summed.
    Case("information.entropy", "torch.special.entr(p).sum(-1)", "built-in", ROWS_CLASSES[:3], "N x C",
         with_distributions(sum_of(lb.entropy), lambda p: torch.special.entr(p).sum(), second=None)),
    Case("information.cross_entropy", "F.cross_entropy(log q, p)", "built-in", ROWS_CLASSES[:3], "N x C",
         with_distributions(sum_of(lb.information.cross_entropy),
                            lambda p, q: F.cross_entropy(torch.log(q), p, reduction="sum"))),
    Case("information.kl_divergence", "F.kl_div(log q, p)", "built-in", ROWS_CLASSES[:3], "N x C",
         with_distributions(sum_of(lb.kl_divergence), lambda p, q: F.kl_div(torch.log(q), p, reduction="sum"))),
    # lossbook.activations
    Case("sigmoid", "torch.sigmoid", "built-in", ROWS_ELEMENTWISE, "N x C",
         elementwise(lambda x, t: lb.sigmoid(x).sum(), lambda x, t: torch.sigmoid(x).sum())),
    Case("log_sigmoid", "F.logsigmoid", "built-in", ROWS_ELEMENTWISE, "N x C",
         elementwise(lambda x, t: lb.log_sigmoid(x).sum(), lambda x, t: F.logsigmoid(x).sum())),
    Case("logsumexp", "torch.logsumexp", "built-in", ROWS_CLASSES, "N x C",
         with_classes(lambda x, y: lb.logsumexp(x).sum(), lambda x, y: torch.logsumexp(x, dim=-1).sum())),
    Case("log_softmax", "F.log_softmax", "built-in", ROWS_CLASSES, "N x C",
         with_classes(lambda x, y: (lb.log_softmax(x) ** 2).sum(), lambda x, y: (F.log_softmax(x, -1) ** 2).sum())),
    Case("softmax", "F.softmax", "built-in", ROWS_CLASSES, "N x C",
         with_classes(lambda x, y: (lb.softmax(x) ** 2).sum(), lambda x, y: (F.softmax(x, -1) ** 2).sum())),
    # lossbook.classification
    Case("cross_entropy", "F.cross_entropy", "built-in", ROWS_CLASSES, "N x C",
         with_classes(lb.cross_entropy, F.cross_entropy)),
    Case("cross_entropy (label_smoothing=0.1)", "F.cross_entropy", "built-in", ROWS_CLASSES, "N x C",
         with_classes(lambda x, y: lb.cross_entropy(x, y, label_smoothing=0.1),
                      lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1))),
    Case("cross_entropy (probability targets)", "F.cross_entropy", "built-in", ROWS_CLASSES, "N x C",
         cross_entropy_probability_rows),
    Case("nll_loss", "F.nll_loss", "built-in", ROWS_CLASSES, "N x C", nll_rows),
    Case("binary_cross_entropy", "F.binary_cross_entropy", "built-in", ROWS_ELEMENTWISE, "N x C",
         elementwise(lb.binary_cross_entropy, F.binary_cross_entropy, inputs="probs")),
    Case("binary_cross_entropy_with_logits", "F.binary_cross_entropy_with_logits", "built-in", ROWS_ELEMENTWISE,
         "N x C", elementwise(lb.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits)),
    Case("hinge_loss", "clamp(1 - t s, min=0).mean()", "expression", ROWS_ELEMENTWISE, "N x C",
         elementwise(lb.hinge_loss, lambda s, t: torch.clamp(1 - t * s, min=0).mean(), inputs="signs")),
    Case("multiclass_hinge_loss (Weston-Watkins)", "F.multi_margin_loss x C", "built-in", ROWS_CLASSES, "N x C",
         with_classes(lb.multiclass_hinge_loss, lambda s, y: F.multi_margin_loss(s, y) * s.shape[1])),
    Case("multiclass_hinge_loss (Crammer-Singer)", "max over the other classes", "expression", ROWS_CLASSES,
         "N x C", with_classes(lambda s, y: lb.multiclass_hinge_loss(s, y, variant="crammer_singer"),
                               expression_crammer_singer)),
    Case("focal_loss", "(1 - exp(-ce))^2 ce", "expression", ROWS_CLASSES, "N x C",
         with_classes(lb.focal_loss, expression_focal)),
    Case("sigmoid_focal_loss", "torchvision's formula", "expression", ROWS_ELEMENTWISE, "N x C",
         elementwise(lb.sigmoid_focal_loss, lambda x, t: expression_sigmoid_focal(x, t).mean())),
    Case("poly1_cross_entropy", "the PolyLoss listing", "expression", ROWS_CLASSES, "N x C",
         with_classes(lb.poly1_cross_entropy, expression_poly1_cross_entropy)),
    Case("poly1_focal_loss", "the PolyLoss listing", "expression", ROWS_ELEMENTWISE, "N x C",
         elementwise(lb.poly1_focal_loss, expression_poly1_focal)),
    # lossbook.embedding
    Case("contrastive_loss", "sentence-transformers ContrastiveLoss", "peer", ROWS_PAIRS, "N x D",
         contrastive_rows),
    Case("triplet_margin_loss", "F.triplet_margin_loss", "built-in", ROWS_PAIRS, "N x D", triplet_rows),
    Case("margin_ranking_loss", "F.margin_ranking_loss", "built-in", ROWS_ELEMENTWISE, "N x C",
         margin_ranking_rows),
    Case("batch_hard_triplet_loss", "pytorch-metric-learning BatchHardMiner", "peer", ROWS_IN_BATCH, "N x D",
         batch_hard_pml_rows),
    Case("batch_hard_triplet_loss", "sentence-transformers BatchHardTripletLoss", "peer", ROWS_IN_BATCH, "N x D",
         batch_hard_st_rows),
    Case("info_nce", "sentence-transformers MNRL (scale 1/T)", "peer", ROWS_IN_BATCH, "N x D", info_nce_rows),
    Case("nt_xent_loss", "pytorch-metric-learning NTXentLoss", "peer", ROWS_NT_XENT, "N x D", nt_xent_rows),
    Case("multiple_negatives_ranking_loss", "sentence-transformers MNRL", "peer", ROWS_IN_BATCH, "N x D",
         mnrl_rows),
    Case("arcface_loss", "pytorch-metric-learning ArcFaceLoss", "peer", ROWS_CLASS_CENTRES, "N x D x C",
         margin_softmax_rows("arcface")),
    Case("cosface_loss", "pytorch-metric-learning CosFaceLoss", "peer", ROWS_CLASS_CENTRES, "N x D x C",
         margin_softmax_rows("cosface")),
    Case("ge2e_loss", "none (no library has it)", "none", ROWS_SPEAKERS, "speakers x utterances x D", ge2e_rows),
    # lossbook.segmentation and lossbook.regression
    Case("dice_loss", "MONAI DiceLoss", "peer", ROWS_VOLUMES, "N x C x H x W", dice_rows),
    Case("mae_loss", "F.l1_loss", "built-in", ROWS_ELEMENTWISE, "N x C",
         elementwise(lb.mae_loss, F.l1_loss, inputs="values")),
    Case("mse_loss", "F.mse_loss", "built-in", ROWS_ELEMENTWISE, "N x C",
         elementwise(lb.mse_loss, F.mse_loss, inputs="values")),
    Case("huber_loss", "F.huber_loss", "built-in", ROWS_ELEMENTWISE, "N x C",
         elementwise(lb.huber_loss, F.huber_loss, inputs="values")),
    Case("smooth_l1_loss", "F.smooth_l1_loss", "built-in", ROWS_ELEMENTWISE, "N x C",
         elementwise(lb.smooth_l1_loss, F.smooth_l1_loss, inputs="values")),
]


# --- timing -------------------------------------------------------------------------------------------------------

def step(thunk: Thunk, leaves: list[torch.Tensor]) -> None:
    for tensor in leaves:
        tensor.grad = None
    thunk().backward()


def synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def seconds_per_call(thunk: Thunk, leaves, calls: int, device: str) -> float:
    synchronize(device)
    start = time.perf_counter()
    for _ in range(calls):
        step(thunk, leaves)
    synchronize(device)
    return (time.perf_counter() - start) / calls


def calls_for(thunk: Thunk, leaves, device: str) -> int:
    """Enough calls for one measurement to last ``MIN_MEASURE_S``, timed after a warm-up call."""
    seconds_per_call(thunk, leaves, 1, device)
    once = seconds_per_call(thunk, leaves, 1, device)
    return max(1, math.ceil(MIN_MEASURE_S / max(once, 1e-7)))


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def check_same_value(pair: Pair, case: Case) -> None:
    with torch.no_grad():
        ours, reference = pair.ours(), pair.reference()
    torch.testing.assert_close(ours, reference.to(ours.dtype).reshape(ours.shape), rtol=1e-4, atol=1e-5,
                               msg=lambda m: f"{case.loss} and {case.reference} disagree: {m}")


def measure(pair: Pair, case: Case, repeats: int, device: str) -> dict:
    """Time both sides of ``pair``, alternating, and the ratio within each repeat."""
    if pair.reference is None:
        calls = calls_for(pair.ours, pair.leaves, device)
        ours = [seconds_per_call(pair.ours, pair.leaves, calls, device) for _ in range(repeats)]
        return {"ours": summary(ours), "reference": None, "ratio": None}
    check_same_value(pair, case)
    calls = min(calls_for(pair.ours, pair.leaves, device), calls_for(pair.reference, pair.leaves, device))
    ours, reference = [], []
    for repeat in range(repeats):
        sides = [(pair.ours, ours), (pair.reference, reference)]
        for thunk, times in sides if repeat % 2 == 0 else sides[::-1]:
            times.append(seconds_per_call(thunk, pair.leaves, calls, device))
    ratios = [a / b for a, b in zip(ours, reference, strict=True)]
    return {"ours": summary(ours), "reference": summary(reference), "ratio": summary(ratios), "calls": calls}


# --- the report ---------------------------------------------------------------------------------------------------

def device_description(device: str) -> str:
    if device == "cuda":
        return torch.cuda.get_device_name()
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return f"{line.split(':', 1)[1].strip()}, {torch.get_num_threads()} threads"
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"


def verdict(case: Case, result: dict, largest: bool) -> str:
    if not largest or result["ratio"] is None:
        return ""
    return "met" if result["ratio"]["median"] <= TARGET[case.kind] else "missed"


def row_text(row: dict) -> str:
    ratio = row["ratio"]
    ratio_text = "—" if ratio is None else f"{ratio['median']:.2f} [{ratio['min']:.2f}, {ratio['max']:.2f}]"
    reference = "—" if row["reference_s"] is None else f"{1e3 * row['reference_s']['median']:.3f}"
    return (f"{row['loss'][:38]:38} {row['size']:>22} {1e3 * row['ours_s']['median']:10.3f} {reference:>10}  "
            f"{ratio_text:>20}  {row['target']}")


def run(device: str, repeats: int, only: str | None) -> dict:
    rows = []
    print(f"{'lossbook':38} {'size':>22} {'ours ms':>10} {'ref ms':>10}  {'ratio [min, max]':>20}  target")
    for case in CASES:
        if only and only not in case.loss:
            continue
        for index, size in enumerate(case.sizes):
            torch.manual_seed(0)
            pair = case.make(*size, device=device)
            result = measure(pair, case, repeats, device)
            row = {
                "loss": case.loss, "reference": case.reference, "kind": case.kind,
                "size": " x ".join(map(str, size)), "size_label": case.size_label, "elements": math.prod(size),
                "largest": index == len(case.sizes) - 1,
                "ours_s": result["ours"], "reference_s": result["reference"], "ratio": result["ratio"],
                "target": verdict(case, result, index == len(case.sizes) - 1),
            }
            rows.append(row)
            print(row_text(row), flush=True)
            del pair
    return {
        "device": device, "device_name": device_description(device), "torch": torch.__version__,
        "python": platform.python_version(), "threads": torch.get_num_threads(), "repeats": repeats,
        "min_measure_s": MIN_MEASURE_S, "targets": TARGET, "rows": rows,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", help="run only the rows whose loss name contains this")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    report = run(args.device, args.repeats, args.only)
    if args.only is None:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"losses_{args.device}.json"
        path.write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    missed = [f"{row['loss']} vs {row['reference']}" for row in report["rows"] if row["target"] == "missed"]
    print(f"targets at the largest sizes: {len(missed)} missed" + (": " + "; ".join(missed) if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

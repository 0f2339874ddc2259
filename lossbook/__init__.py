"""lossbook: the loss functions of machine learning, implemented from first principles in PyTorch.

The companion package of the book *Loss Functions, Executed*. Every public loss of the family modules is
importable from here (``import lossbook as lb; lb.softmax(...)``). At the top level ``cross_entropy`` is reserved
for the classification loss on logits; the distribution-level :math:`H(p, q)` is
``lossbook.information.cross_entropy``.

The helper modules the chapters share (``lossbook.plotting``, ``lossbook.explore``) import matplotlib and
ipywidgets, so they are loaded only when first used: ``import lossbook`` stays fast.
"""

from __future__ import annotations

import importlib

from . import activations, classification, embedding, information, regression, segmentation
from .activations import log_sigmoid, log_softmax, logsumexp, sigmoid, softmax
from .classification import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    chunked_linear_cross_entropy,
    cross_entropy,
    focal_loss,
    hinge_loss,
    multiclass_hinge_loss,
    nll_loss,
    poly1_cross_entropy,
    poly1_focal_loss,
    sigmoid_focal_loss,
)
from .embedding import (
    arcface_loss,
    batch_hard_triplet_loss,
    contrastive_loss,
    cosface_loss,
    ge2e_loss,
    info_nce,
    margin_ranking_loss,
    multiple_negatives_ranking_loss,
    nt_xent_loss,
    triplet_margin_loss,
)
from .information import entropy, kl_divergence, surprisal
from .regression import huber_loss, l1_loss, mae_loss, mse_loss, smooth_l1_loss
from .segmentation import dice_loss

__version__ = "0.1.0"

__all__ = [
    "activations",
    "arcface_loss",
    "batch_hard_triplet_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "chunked_linear_cross_entropy",
    "classification",
    "contrastive_loss",
    "cosface_loss",
    "cross_entropy",
    "dice_loss",
    "embedding",
    "entropy",
    "focal_loss",
    "ge2e_loss",
    "hinge_loss",
    "huber_loss",
    "info_nce",
    "information",
    "kl_divergence",
    "l1_loss",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "mae_loss",
    "margin_ranking_loss",
    "mse_loss",
    "multiclass_hinge_loss",
    "multiple_negatives_ranking_loss",
    "nll_loss",
    "nt_xent_loss",
    "poly1_cross_entropy",
    "poly1_focal_loss",
    "regression",
    "segmentation",
    "sigmoid",
    "sigmoid_focal_loss",
    "smooth_l1_loss",
    "softmax",
    "surprisal",
    "triplet_margin_loss",
]

_LAZY_MODULES = {"plotting", "explore"}


def __getattr__(name: str):
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'lossbook' has no attribute {name!r}")

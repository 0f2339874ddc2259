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

from . import activations, information
from .activations import log_softmax, logsumexp, sigmoid, softmax
from .information import entropy, kl_divergence, surprisal

__version__ = "0.1.0"

__all__ = [
    "activations",
    "entropy",
    "information",
    "kl_divergence",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "softmax",
    "surprisal",
]

_LAZY_MODULES = {"plotting", "explore"}


def __getattr__(name: str):
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'lossbook' has no attribute {name!r}")

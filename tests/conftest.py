"""Shared fixtures: the device the tests run on, and a static explorer mode for notebook tests."""

import os

import pytest
import torch

# Notebook tests (nbval) start kernels that inherit this: explorers draw static figures, as in the stored outputs.
os.environ.setdefault("LOSSBOOK_STATIC_EXPLORERS", "1")

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request):
    return torch.device(request.param)


@pytest.fixture(params=[torch.float32, torch.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param

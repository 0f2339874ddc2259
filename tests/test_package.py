"""The package as a whole: its public surface, its docstrings and their examples, and a light import."""

import doctest
import importlib
import inspect
import subprocess
import sys

import pytest

import lossbook as lb

FAMILY_MODULES = ["information", "activations", "classification", "embedding", "regression", "segmentation"]


def test_import_does_not_load_plotting_libraries():
    code = "import sys, lossbook; print(any(m in sys.modules for m in ('matplotlib', 'ipywidgets')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("module_name", FAMILY_MODULES)
def test_every_public_function_is_exported_and_documented(module_name):
    module = importlib.import_module(f"lossbook.{module_name}")
    for name in module.__all__:
        fn = getattr(module, name)
        doc = inspect.getdoc(fn) or ""
        for section in (".. math::", "Args:", "Returns:", "Example:", "atches"):
            assert section in doc, f"{module_name}.{name}: docstring lacks {section!r}"
        if name != "cross_entropy":  # at the top level that name is the classification loss
            assert getattr(lb, name) is fn, f"{name} is not exported from lossbook"


def test_top_level_cross_entropy_is_not_the_distribution_level_one():
    assert getattr(lb, "cross_entropy", None) is not lb.information.cross_entropy


@pytest.mark.parametrize("module_name", [*FAMILY_MODULES, "explore"])
def test_docstring_examples_run(module_name):
    module = importlib.import_module(f"lossbook.{module_name}")
    result = doctest.testmod(module, extraglobs={"torch": importlib.import_module("torch")})
    assert result.failed == 0

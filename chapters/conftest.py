"""The notebook tests' budget: each chapter's execution time and its kernel's peak memory (not part of the book).

A pytest plugin for the notebooks that nbval runs (`make test`, `make notebooks`). For each notebook it writes
``_build/notebooks/<notebook>.json`` with the wall time from the start of its first cell to the end of its last, and
the peak resident memory of its kernel (VmHWM of the kernel process, read from /proc just before nbval shuts the
kernel down). Under pytest-xdist (``--dist loadfile`` keeps a notebook on one worker) each worker writes the records
of the notebooks it ran. `tools/notebook_budget.py` prints them as a table and fails over Binder's 1 GB.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

try:
    from nbval.plugin import IPyNbCell
except ImportError:  # without nbval there are no notebook tests
    IPyNbCell = None


def _is_cell(item) -> bool:
    return IPyNbCell is not None and isinstance(item, IPyNbCell)


def _kernel_peak_mb(notebook) -> float | None:
    """The kernel process's peak resident memory in MB, or None if its kernel is gone (it died or was stopped)."""
    kernel = getattr(notebook, "kernel", None)
    manager = getattr(kernel, "km", None)  # nbval's RunningKernel -> jupyter_client's KernelManager
    pid = getattr(getattr(manager, "provisioner", None), "pid", None)  # the kernel process (LocalProvisioner)
    if pid is None or not manager.is_alive():
        return None
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):  # the process's peak resident set size, in kB
            return int(line.split()[1]) / 1024
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if not _is_cell(item):
        return (yield)
    notebook = item.parent
    if not hasattr(notebook, "budget_start"):
        notebook.budget_start = time.perf_counter()
        notebook.budget_cells = 0
    try:
        return (yield)
    finally:
        notebook.budget_end = time.perf_counter()
        notebook.budget_cells += 1


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    # nbval stops the kernel when the notebook (the cells' parent) is torn down, after its last cell.
    if _is_cell(item) and (nextitem is None or nextitem.parent is not item.parent):
        notebook = item.parent
        start = getattr(notebook, "budget_start", None)
        record = {
            "notebook": Path(str(notebook.path)).relative_to(item.config.rootpath).as_posix(),
            "cells": getattr(notebook, "budget_cells", 0),
            "seconds": None if start is None else round(notebook.budget_end - start, 2),
            "peak_mb": _kernel_peak_mb(notebook),
        }
        folder = item.config.rootpath / "_build" / "notebooks"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{Path(record['notebook']).stem}.json"
        path.with_suffix(".tmp").write_text(json.dumps(record) + "\n")
        path.with_suffix(".tmp").replace(path)
    return (yield)

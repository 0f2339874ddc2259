"""Run each chapter in a fresh kernel, as a reader on Binder would, and report the kernel's peak memory.

Usage: python tools/measure_memory.py [NOTEBOOK ...]   (default: every chapters/*.ipynb)

The peak is the kernel process's maximum resident set size (plus that of any processes it started and waited for),
read from the kernel itself after the last cell. Explorers are live widgets here, as on Binder. Prints a table (with
each notebook's run time), writes it to _build/memory.txt, and exits with status 1 if a chapter reaches LIMIT_MB
(Binder guarantees 1 GB).
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 1024
# On Linux ru_maxrss is in KiB.
PEAK = """import resource
print(max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024)"""


def peak_mb(path: Path) -> tuple[float, float]:
    """The kernel's peak memory in MB, and the seconds the notebook took (kernel start and shutdown included)."""
    start = time.perf_counter()
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PEAK))
    resources = {"metadata": {"path": path.parent}}
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources=resources)
    # nbclient stands in for the frontend of an Output widget (the live explorers' figure) and sends its state to the
    # kernel on the shell channel while it waits there for the cell's reply; at times that reply then goes unnoticed
    # until the cell's timeout (a 300 s stall, jupyter/nbclient#312). The kernel does the same work without it.
    client.widget_registry = {}
    client.execute()
    return float(notebook.cells[-1].outputs[0]["text"]), time.perf_counter() - start


def main(paths: list[str]) -> int:
    os.environ.pop("LOSSBOOK_STATIC_EXPLORERS", None)  # the kernels inherit it: live explorers, as on Binder
    notebooks = [Path(p).resolve() for p in paths] or sorted((ROOT / "chapters").glob("*.ipynb"))
    with ProcessPoolExecutor(max_workers=min(2, len(notebooks))) as pool:
        results = list(pool.map(peak_mb, notebooks))
    peaks = [mb for mb, _ in results]
    lines = [f"{'peak MB':>8}  {'seconds':>7}  notebook (kernel peak memory, live explorers; limit {LIMIT_MB} MB)"]
    for path, (mb, seconds) in zip(notebooks, results, strict=True):
        lines.append(f"{mb:8.0f}  {seconds:7.1f}  {path.relative_to(ROOT)}")
    report = "\n".join(lines) + "\n"
    print(report, end="")
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "memory.txt").write_text(report)
    over = [path.name for path, mb in zip(notebooks, peaks, strict=True) if mb >= LIMIT_MB]
    if over:
        print(f"over {LIMIT_MB} MB: {', '.join(over)}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

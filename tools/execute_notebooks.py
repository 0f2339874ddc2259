"""Execute notebooks top to bottom and save them in place, with their outputs, for committing.

Usage: python tools/execute_notebooks.py [NOTEBOOK ...]   (default: every chapters/*.ipynb)

Explorers render statically (LOSSBOOK_STATIC_EXPLORERS=1), as in the book build and the notebook tests, so the
saved outputs are exactly what nbval compares against. Prints each notebook's execution time.
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


def execute(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", record_timing=False, resources={"metadata": {"path": path.parent}}
    ).execute()
    elapsed = time.perf_counter() - start
    nbformat.write(notebook, path)
    return elapsed


def main(paths: list[str]) -> None:
    os.environ["LOSSBOOK_STATIC_EXPLORERS"] = "1"
    notebooks = [Path(p).resolve() for p in paths] or sorted((ROOT / "chapters").glob("*.ipynb"))
    with ProcessPoolExecutor(max_workers=min(2, len(notebooks))) as pool:
        for path, seconds in zip(notebooks, pool.map(execute, notebooks), strict=True):
            print(f"{seconds:6.1f} s  {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Each chapter's execution time and peak memory in the notebook tests, from the records nbval's run left.

Usage: python tools/notebook_budget.py [NOTEBOOK ...]   (default: every chapters/*.ipynb)

`make test` and `make notebooks` run it after nbval: chapters/conftest.py records, for each notebook nbval ran, the
wall time from its first cell to its last and the peak resident memory of its kernel in
``_build/notebooks/<notebook>.json``. Prints a table, writes it to _build/notebook-budget.txt, and exits with status 1
if a notebook has no record (nbval did not run it to the end of its kernel), its kernel's peak could not be read (the
kernel died), or its peak reaches LIMIT_MB (Binder guarantees 1 GB).

The notebook tests run the cells a reader runs, but their explorers draw every frame (static explorers), which
takes more memory than live sliders: where an explorer sets a chapter's peak, this peak is above the one of a kernel
with live explorers (`make memory` measures that one); elsewhere the two agree within the run-to-run spread.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "_build" / "notebooks"
REPORT = ROOT / "_build" / "notebook-budget.txt"
LIMIT_MB = 1024


def main(paths: list[str]) -> int:
    notebooks = [Path(p).resolve() for p in paths] or sorted((ROOT / "chapters").glob("*.ipynb"))
    lines = [f"{'seconds':>8}  {'peak MB':>8}  notebook (nbval: first cell to last; kernel peak resident memory)"]
    problems, total = [], 0.0
    for path in notebooks:
        name = path.relative_to(ROOT).as_posix()
        record_path = RECORDS / f"{path.stem}.json"
        if not record_path.is_file():
            lines.append(f"{'-':>8}  {'-':>8}  {name}")
            problems.append(f"{name}: no record (nbval did not run it)")
            continue
        record = json.loads(record_path.read_text())
        seconds, peak = record["seconds"], record["peak_mb"]
        total += seconds or 0.0
        lines.append(
            f"{'-' if seconds is None else f'{seconds:.1f}':>8}  {'-' if peak is None else f'{peak:.0f}':>8}  {name}"
        )
        if peak is None:
            problems.append(f"{name}: its kernel's peak memory could not be read (the kernel died or was stopped)")
        elif peak >= LIMIT_MB:
            problems.append(f"{name}: peak memory {peak:.0f} MB reaches the limit of {LIMIT_MB} MB")
    lines.append(f"{total:8.1f}  {'':>8}  total of {len(notebooks)} notebooks (limit {LIMIT_MB} MB each)")
    report = "\n".join(lines) + "\n"
    print(report, end="")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(report)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

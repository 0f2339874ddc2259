"""Peak memory and time of the cross-entropy of a large-vocabulary output layer: plain against chunked.

Usage: python benchmarks/chunked_cross_entropy.py

For each vocabulary size V, three computations of the same loss and gradients, with ``hidden`` (N, D) and
``weight`` (V, D) both requiring grad, in float32:

- plain: ``F.cross_entropy(hidden @ weight.T, target).backward()``, which materialises the (N, V) logits;
- chunked: ``lossbook.chunked_linear_cross_entropy(hidden, weight, target).backward()``, at the default chunk size
  and at a smaller one.

Each (method, V) runs in a fresh Python process, so that one measurement's memory cannot hide in another's. The
process creates the inputs, resets its peak-memory counter, runs forward and backward once (the warm-up, which
sets the peak), then REPEATS more times for the timing, and finally checks that the loss equals the plain one.
Each repeat records its wall-clock time and its CPU time (user and system time of all the process's threads; on
CUDA only the host's share), which other work on a shared machine disturbs much less than the wall-clock time.
Peak extra memory is the peak minus the memory held after the inputs were created: on the CPU the peak resident set
size (``ru_maxrss``, reset through ``/proc/self/clear_refs``) minus the resident set size (``VmRSS``); on CUDA
``torch.cuda.max_memory_allocated()`` minus ``torch.cuda.memory_allocated()``. It includes the gradients of
``hidden`` and ``weight``.

Writes ``benchmarks/results/chunked_cross_entropy_<device>.json`` for the CPU, and for CUDA when it is available,
and prints a table. The book (chapter 5) plots the committed CPU result; it never runs this script.
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import lossbook as lb

RESULTS = Path(__file__).resolve().parent / "results"
N_TOKENS = 2048  # rows of hidden: 2048 tokens, e.g. one sequence of 2048 or 8 of 256
HIDDEN_SIZE = 128  # small, for a short run on 2 cores: D changes the time of the matrix products, not the logits
VOCABS = (32768, 65536, 131072)  # 2**15 to 2**17: up to about the size of Llama 3's vocabulary (128256)
DEFAULT_CHUNK = inspect.signature(lb.chunked_linear_cross_entropy).parameters["chunk_size"].default
SMALL_CHUNK = 256
METHODS = {"plain": None, "chunked": DEFAULT_CHUNK, f"chunked_{SMALL_CHUNK}": SMALL_CHUNK}  # name: chunk size
REPEATS = 3  # timed runs after the warm-up
MEMORY_NOTE = (
    "peak_extra_bytes: the peak memory of one forward+backward minus the memory held after the inputs were created, "
    "gradients of hidden and weight included; CPU: peak RSS (ru_maxrss, reset through /proc/self/clear_refs) minus "
    "VmRSS; CUDA: torch.cuda.max_memory_allocated() minus torch.cuda.memory_allocated()"
)
TIME_NOTE = (
    "time_*_s: wall-clock seconds of one forward+backward over the repeats after the warm-up; cpu_time_*_s: user and "
    "system seconds of all the process's threads in the same runs (less disturbed by other work on the machine)"
)


def make_inputs(vocab: int, device: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Seeded ``hidden`` (N, D) and ``weight`` (V, D), both requiring grad, and targets (N,), built in place."""
    generator = torch.Generator().manual_seed(vocab)
    hidden = torch.randn(N_TOKENS, HIDDEN_SIZE, generator=generator)
    weight = torch.randn(vocab, HIDDEN_SIZE, generator=generator).mul_(HIDDEN_SIZE**-0.5)  # logits of order 1
    target = torch.randint(0, vocab, (N_TOKENS,), generator=generator)
    return hidden.to(device).requires_grad_(), weight.to(device).requires_grad_(), target.to(device)


def loss_of(method: str, hidden: torch.Tensor, weight: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The mean cross-entropy of the logits ``hidden @ weight.T``, computed by ``method`` (a key of METHODS)."""
    if METHODS[method] is None:
        return F.cross_entropy(hidden @ weight.T, target)
    return lb.chunked_linear_cross_entropy(hidden, weight, target, chunk_size=METHODS[method])


def rss_bytes() -> int:
    """The resident set size of this process now (``VmRSS``, given in KiB)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def reset_peak(device: str) -> None:
    """Make the peak-memory counter start again from the memory held now."""
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    else:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # resets the peak RSS that ru_maxrss reports (Linux)


def held_bytes(device: str) -> int:
    """Memory held now: allocated by PyTorch on CUDA, resident on the CPU."""
    return torch.cuda.memory_allocated() if device == "cuda" else rss_bytes()


def peak_bytes(device: str) -> int:
    """The peak of held_bytes since reset_peak (ru_maxrss is in KiB on Linux)."""
    if device == "cuda":
        return torch.cuda.max_memory_allocated()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def forward_backward(
    method: str, hidden: torch.Tensor, weight: torch.Tensor, target: torch.Tensor
) -> tuple[torch.Tensor, float, float]:
    """One training step's loss computation, forward and backward from fresh gradients: (loss, wall s, CPU s)."""
    hidden.grad = weight.grad = None
    wall, cpu = time.perf_counter(), time.process_time()
    loss = loss_of(method, hidden, weight, target)
    loss.backward()
    if hidden.is_cuda:
        torch.cuda.synchronize()
    return loss.detach(), time.perf_counter() - wall, time.process_time() - cpu


def measure(method: str, vocab: int, device: str) -> dict:
    """Peak extra memory and times of one method at one vocabulary size, in this process (run it in a fresh one)."""
    hidden, weight, target = make_inputs(vocab, device)
    reset_peak(device)
    held = held_bytes(device)
    loss, _, _ = forward_backward(method, hidden, weight, target)  # warm-up: sets the peak
    peak_extra = peak_bytes(device) - held
    _, wall, cpu = zip(*[forward_backward(method, hidden, weight, target) for _ in range(REPEATS)], strict=True)
    if METHODS[method] is not None:  # after the measurement, so the check may form the logits
        with torch.no_grad():
            torch.testing.assert_close(loss, F.cross_entropy(hidden @ weight.T, target))
    return {
        "vocab": vocab,
        "method": method,
        "chunk_size": METHODS[method],
        "logits_bytes": N_TOKENS * vocab * 4,
        "peak_extra_bytes": peak_extra,
        "time_median_s": statistics.median(wall),
        "time_min_s": min(wall),
        "time_max_s": max(wall),
        "cpu_time_median_s": statistics.median(cpu),
        "cpu_time_min_s": min(cpu),
        "cpu_time_max_s": max(cpu),
        "repeats": REPEATS,
        "loss": loss.item(),
        "torch_threads": torch.get_num_threads(),
    }


def measure_in_fresh_process(method: str, vocab: int, device: str) -> dict:
    """Run ``measure`` in a new Python process and return its result."""
    command = [sys.executable, __file__, "--one", method, str(vocab), device]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def describe_device(device: str) -> dict:
    """The machine that the numbers belong to."""
    if device == "cuda":
        return {"type": "cuda", "name": torch.cuda.get_device_name(), "cuda": torch.version.cuda}
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    return {"type": "cpu", "name": model, "processor": platform.processor(), "machine": platform.machine(),
            "cores": os.cpu_count()}


def print_table(report: dict) -> None:
    """The results, one line per vocabulary size and method, with the ratios to the plain computation."""
    print(f"{report['device']['type']}: {report['device']['name']}, N = {report['n_tokens']}, "
          f"D = {report['hidden_size']}, {report['dtype']}, {report['torch_threads']} threads")
    print(f"{'V':>7} {'method':>12} {'logits MiB':>11} {'peak extra MiB':>15} {'/ plain':>8} "
          f"{'wall s (min-max)':>20} {'/ plain':>8} {'CPU s (min-max)':>20} {'/ plain':>8}")
    plain = {r["vocab"]: r for r in report["results"] if r["method"] == "plain"}
    for r in report["results"]:
        ref = plain[r["vocab"]]
        print(f"{r['vocab']:7d} {r['method']:>12} {r['logits_bytes'] / 2**20:11.0f} "
              f"{r['peak_extra_bytes'] / 2**20:15.0f} {r['peak_extra_bytes'] / ref['peak_extra_bytes']:8.2f} "
              f"{r['time_median_s']:8.2f} ({r['time_min_s']:5.2f}-{r['time_max_s']:5.2f}) "
              f"{r['time_median_s'] / ref['time_median_s']:8.2f} "
              f"{r['cpu_time_median_s']:8.2f} ({r['cpu_time_min_s']:5.2f}-{r['cpu_time_max_s']:5.2f}) "
              f"{r['cpu_time_median_s'] / ref['cpu_time_median_s']:8.2f}")


def run_device(device: str) -> None:
    """Measure every (V, method) on ``device``, write the JSON result and print the table."""
    results = [measure_in_fresh_process(method, vocab, device) for vocab in VOCABS for method in METHODS]
    report = {
        "benchmark": "chunked_cross_entropy",
        "script": "benchmarks/chunked_cross_entropy.py",
        "date": datetime.date.today().isoformat(),
        "device": describe_device(device),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "torch_threads": results[0]["torch_threads"],
        "n_tokens": N_TOKENS,
        "hidden_size": HIDDEN_SIZE,
        "dtype": "float32",
        "default_chunk_size": DEFAULT_CHUNK,
        "chunk_sizes": [size for size in METHODS.values() if size is not None],
        "warmup": 1,
        "repeats": REPEATS,
        "memory": MEMORY_NOTE,
        "time": TIME_NOTE,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"chunked_cross_entropy_{device}.json").write_text(json.dumps(report, indent=1) + "\n")
    print_table(report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=3, metavar=("METHOD", "V", "DEVICE"), help="measure one case, print JSON")
    args = parser.parse_args()
    if args.one:
        method, vocab, device = args.one
        print(json.dumps(measure(method, int(vocab), device)))
        return
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        run_device(device)


if __name__ == "__main__":
    main()

"""How close `noteproof run` comes to the floor: the cost of `import torch, torchvision` alone.

Measures, interleaved in one session so machine noise hits both alike:
  F = python -c "import torch, torchvision"
  N = noteproof run specs --device cpu --no-timing
and prints each round, the median ratio N/F (goal <= 1.2), and the isolation overhead per example:
(N - F - time spent inside the examples) / examples (goal <= 50 ms).

    python benchmarks/overhead.py [--rounds 7] [--specs specs]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--specs", default="specs")
    args = parser.parse_args()
    floor_command = [sys.executable, "-c", "import torch, torchvision"]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "run.json"
        run_command = [
            sys.executable,
            "-m",
            "harness",
            "run",
            args.specs,
            "--device",
            "cpu",
            "--no-timing",
            "--history",
            str(Path(scratch) / "h.sqlite"),
            "--json",
            str(report),
        ]
        timed(floor_command)  # warm the page cache for both before measuring
        timed(run_command)
        floors, runs, overheads = [], [], []
        print(f"{'round':>5} {'F (s)':>8} {'noteproof (s)':>14} {'ratio':>6} {'overhead/example':>17}")
        for round_number in range(1, args.rounds + 1):
            floor, run = timed(floor_command), timed(run_command)
            results = [r for r in json.loads(report.read_text())["results"] if r["duration_s"] is not None]
            inside = sum(r["duration_s"] for r in results)
            overhead = (run - floor - inside) / max(1, len(results))
            floors.append(floor)
            runs.append(run)
            overheads.append(overhead)
            print(f"{round_number:>5} {floor:>8.3f} {run:>14.3f} {run / floor:>6.2f} {overhead * 1000:>14.1f} ms")
    ratios = [r / f for r, f in zip(runs, floors, strict=True)]
    print(
        f"median: F {statistics.median(floors):.3f} s, noteproof {statistics.median(runs):.3f} s, "
        f"ratio {statistics.median(ratios):.2f} (goal <= 1.2), "
        f"isolation overhead {statistics.median(overheads) * 1000:.1f} ms per example (goal <= 50 ms), "
        f"{len(results)} examples"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

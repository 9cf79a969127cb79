"""The harness's own benchmarks, one command, ending with a short table of ratios against their goals.

    python benchmarks/run_all.py [--rounds 3]

  run / F, audit / F, isolation overhead per example     benchmarks/overhead.py
  loss call harness / Timer, one-call example, bench wall benchmarks/bench_overhead.py

F is `python -c "import torch, torchvision"`, the floor any command that imports torch pays. Every figure is
measured here and now, interleaved where it is a ratio, so read it against this machine's load (`uptime`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_overhead
import overhead


@dataclass(frozen=True)
class Row:
    measure: str
    figure: float
    unit: str
    goal: float | None  # at most this; None: shown for information
    low: float | None = None  # and at least this, for a ratio that must stay within a band around 1

    @property
    def met(self) -> bool:
        return (self.goal is None or self.figure <= self.goal) and (self.low is None or self.figure >= self.low)

    def cells(self) -> tuple[str, str, str, str]:
        if self.goal is None:
            goal = ""
        elif self.low is None:
            goal = f"<= {self.goal:g}{self.unit}"
        else:
            goal = f"{self.low:g} to {self.goal:g}"
        met = "" if self.goal is None else ("yes" if self.met else "NO")
        return self.measure, f"{self.figure:.3g}{self.unit}", goal, met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each interleaved comparison (default 3)")
    args = parser.parse_args()
    print("== noteproof run and audit against F (benchmarks/overhead.py)")
    floor = overhead.floor_ratios(args.rounds)
    isolation_ms = overhead.isolation_overhead() * 1000
    print("== bench overhead against torch.utils.benchmark.Timer (benchmarks/bench_overhead.py)")
    loss = bench_overhead.loss_overhead(max(args.rounds, 5))
    wall = bench_overhead.bench_wall_time(max(1, args.rounds // 2))
    median = statistics.median
    rows = [
        Row("noteproof run specs / F", floor.run_ratio, "", 1.2),
        *([Row("noteproof audit seed note / F", floor.audit_ratio, "", 1.3)] if floor.audit_ratio is not None else []),
        *([Row("noteproof audit 50-block note / F", floor.audit50_ratio, "", 2)] if floor.audit50_ratio else []),
        Row("isolation overhead per example", isolation_ms, " ms", 50),
        Row("loss call per call: harness / Timer", loss.call_ratio, "", 1.10, low=0.90),  # within 10% either way
        Row("  harness per call (median round)", median(loss.harness_call_s) * 1e6, " µs", None),
        Row("  Timer per call (median round)", median(loss.timer_call_s) * 1e6, " µs", None),
        Row("  best rounds: harness / Timer", loss.best_call_ratio, "", None),
        Row("one-call example per run: harness / Timer", loss.run_ratio, "", None),
        Row("  best rounds: harness / Timer", loss.best_run_ratio, "", None),
        Row("noteproof bench specs --device cpu", wall, " s", 10),
    ]
    widths = [max(len(row.cells()[i]) for row in rows) for i in range(4)]
    header = ("measure", "figure", "goal", "met")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print()
    for cells in (header, *(row.cells() for row in rows)):
        print("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip())
    print(f"F (import torch, torchvision): median {floor.floor_s:.2f} s")
    return 0 if all(row.met for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

"""How close noteproof comes to the floor: the cost of `import torch, torchvision` alone.

Measures, interleaved in one session so machine noise hits all alike:
  F     = python -c "import torch, torchvision"
  run   = noteproof run specs --device cpu --no-timing          goal: median run/F <= 1.2,
                                                               and <= 50 ms isolation overhead per example
  audit = noteproof audit SEED --device cpu  (as written, fixes found and applied)   goal: median audit/F <= 1.3
  audit50 = noteproof audit of a 50-block note made of tests/notes/real          goal: median audit50/F <= 2

    python benchmarks/overhead.py [--rounds 7] [--specs specs] [--note ../shared/seed/000_9f602143f38b0ad7.txt]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SEED = PROJECT.parent / "shared" / "seed" / "000_9f602143f38b0ad7.txt"
REAL_NOTES = PROJECT / "tests" / "notes" / "real"


def fifty_block_note(folder: Path) -> Path:
    """The real-notes corpus, whole notes one after another until the note has at least 50 blocks."""
    from harness.notes.claims import read_code_blocks

    text = ""
    for note in sorted(REAL_NOTES.glob("*.md")):
        if note.name == "README.md":
            continue
        text += note.read_text(encoding="utf-8") + "\n\n"
        if len(read_code_blocks(text)) >= 50:
            break
    path = folder / "fifty_blocks.md"
    path.write_text(text, encoding="utf-8")
    return path


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT, check=False, capture_output=True)
    return time.perf_counter() - started


def isolation_overhead(examples: int = 30) -> float:
    """Per example, one at a time on a warm worker: fork, confine, observe, report, reap, less the example itself."""
    from harness import Runner, load_specs

    with tempfile.TemporaryDirectory() as scratch:
        spec = Path(scratch) / "trivial.toml"
        spec.write_text(
            "devices = ['cpu']\n[example]\ncode = 'x = 1'\n[[expect]]\nkind = 'value'\nexpr = 'x'\nequals = 1\n"
        )
        specs = load_specs([spec]) * examples
        with Runner(slots=1, timing=False) as runner:
            runner.run(specs[:2], devices=("cpu",))  # the worker's import is not isolation overhead
            started = time.perf_counter()
            outcomes = runner.run(specs, devices=("cpu",))
            elapsed = time.perf_counter() - started
    return (elapsed - sum(o.duration_s or 0.0 for o in outcomes)) / examples


@dataclass(frozen=True)
class FloorRatios:
    floor_s: float  # median of F
    run_ratio: float  # median over rounds of run / F
    audit_ratio: float | None  # None when the note is not on disk
    examples: int
    audit50_ratio: float | None = None


def floor_ratios(
    rounds: int = 7, specs: str = "specs", note: Path = SEED, echo: Callable[[str], None] = print
) -> FloorRatios:
    """F, run and audit interleaved round by round, so machine noise hits all alike; each round echoed."""
    noteproof = [sys.executable, "-m", "harness"]
    with tempfile.TemporaryDirectory() as scratch:
        history, report = str(Path(scratch) / "h.sqlite"), Path(scratch) / "run.json"
        run = ["run", specs, "--device", "cpu", "--no-timing", "--history", history, "--json", str(report)]
        commands = {"F": [sys.executable, "-c", "import torch, torchvision"], "run": [*noteproof, *run]}
        if note.exists():
            commands["audit"] = [*noteproof, "audit", str(note), "--device", "cpu", "--history", history]
        fifty = fifty_block_note(Path(scratch))
        commands["audit50"] = [*noteproof, "audit", str(fifty), "--device", "cpu", "--history", history]
        for command in commands.values():  # warm the page cache before measuring
            timed(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        echo(f"{'round':>5} " + " ".join(f"{name + ' (s)':>12}" for name in commands) + "   run/F  audit/F")
        for round_number in range(1, rounds + 1):
            for name, command in commands.items():
                times[name].append(timed(command))
            row = " ".join(f"{times[name][-1]:>12.3f}" for name in commands)
            audit_ratio = f"{times['audit'][-1] / times['F'][-1]:>8.2f}" if "audit" in times else "       -"
            echo(f"{round_number:>5} {row} {times['run'][-1] / times['F'][-1]:>7.2f} {audit_ratio}")
        examples = len(json.loads(report.read_text())["results"])
    floor = times["F"]

    def ratio(name: str) -> float:
        return statistics.median(t / f for t, f in zip(times[name], floor, strict=True))

    audit = ratio("audit") if "audit" in times else None
    return FloorRatios(statistics.median(floor), ratio("run"), audit, examples, ratio("audit50"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--specs", default="specs")
    parser.add_argument("--note", type=Path, default=SEED)
    args = parser.parse_args()
    figures = floor_ratios(args.rounds, args.specs, args.note)
    print(
        f"median F {figures.floor_s:.3f} s; run/F {figures.run_ratio:.2f} (goal <= 1.2) for {figures.examples} examples"
    )
    print(f"isolation overhead per example: {isolation_overhead() * 1000:.1f} ms (goal <= 50 ms)")
    if figures.audit_ratio is not None:
        print(f"audit of {args.note.name} as written, with its fixes: audit/F {figures.audit_ratio:.2f} (goal <= 1.3)")
    print(f"audit of a 50-block note of tests/notes/real: audit50/F {figures.audit50_ratio:.2f} (goal <= 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What `noteproof bench` adds around an example, against torch.utils.benchmark.Timer in this process.

loss call     nn.L1Loss on the note's tensors, per call: benchmarks/specs/loss-l1-call.toml (1000 calls a run)
              timed by the harness (a forked child that execs the example, blocked_autorange) and the bare
              call timed by Timer here, interleaved round by round.      goal: harness / Timer within 10%
one-call run  the same example with one call a run (its tensors built each run), the same two ways: what
              exec'ing a fresh example costs on top of Timer compiling the same code into its loop.
bench specs   `noteproof bench specs --device cpu`, wall time.           goal: <= 10 s

  python benchmarks/bench_overhead.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LOSS_SPEC = PROJECT / "benchmarks" / "specs" / "loss-l1-call.toml"
CALLS = 1000  # the spec's calls_per_run


@dataclass(frozen=True)
class LossOverhead:
    """Per round: the harness's figure and Timer's, measured one right after the other."""

    harness_call_s: tuple[float, ...]  # per call
    timer_call_s: tuple[float, ...]
    harness_run_s: tuple[float, ...]  # the one-call example, per run
    timer_run_s: tuple[float, ...]

    # Ratios per round, then their median: on a shared machine the load drifts between rounds, and a ratio
    # of two figures taken seconds apart is steadier than either figure.
    @property
    def call_ratio(self) -> float:
        return statistics.median(h / t for h, t in zip(self.harness_call_s, self.timer_call_s, strict=True))

    # The least disturbed round of each: where other processes take the core half the time (a 2x swing on
    # the shared 2-core machine), the minima are what both clocks read when they had the core to themselves.
    @property
    def best_call_ratio(self) -> float:
        return min(self.harness_call_s) / min(self.timer_call_s)

    @property
    def best_run_ratio(self) -> float:
        return min(self.harness_run_s) / min(self.timer_run_s)

    @property
    def run_ratio(self) -> float:
        return statistics.median(h / t for h, t in zip(self.harness_run_s, self.timer_run_s, strict=True))


def loss_overhead(rounds: int = 3) -> LossOverhead:
    import torch
    from torch import nn
    from torch.utils.benchmark import Timer

    from harness import Runner, load_specs

    text = LOSS_SPEC.read_text()
    assert f"calls_per_run = {CALLS}" in text and f"equals = {CALLS}" in text, "the loss spec changed: update CALLS"
    harness_call, timer_call, harness_run, timer_run = [], [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        one = Path(scratch) / "loss-l1-one-call.toml"
        one.write_text(text.replace(f"= {CALLS}", "= 1").replace("../../../shared", str(PROJECT.parent / "shared")))
        loop_spec, one_spec = load_specs([LOSS_SPEC, one])
        prediction = torch.tensor([1.0, 2.0, 3.0]).reshape(1, 1, 1, 3)
        target = torch.tensor([1.0, 2.0, 5.0]).reshape(1, 1, 1, 3)
        call = Timer(
            "criterion(prediction, target)",
            globals={"criterion": nn.L1Loss(), "prediction": prediction, "target": target},
            num_threads=loop_spec.spec.threads,
        )
        whole = Timer(one_spec.code, num_threads=one_spec.spec.threads)  # the example's code in Timer's own loop
        min_run_time = loop_spec.spec.timing.min_run_time
        with Runner(slots=1, timing=True, data_root=Path(scratch)) as runner:
            for _ in range(rounds):
                (looped,) = runner.run([loop_spec], ("cpu",))
                timer_call.append(call.blocked_autorange(min_run_time=min_run_time).median)
                (single,) = runner.run([one_spec], ("cpu",))
                timer_run.append(whole.blocked_autorange(min_run_time=min_run_time).median)
                assert looped.timing and single.timing, (looped.message, single.message)
                harness_call.append(looped.timing.median_s / CALLS)
                harness_run.append(single.timing.median_s)
    return LossOverhead(tuple(harness_call), tuple(timer_call), tuple(harness_run), tuple(timer_run))


def bench_wall_time(rounds: int = 1, specs: str = "specs") -> float:
    """`noteproof bench specs --device cpu` from start to exit, torch import included (median of rounds)."""
    times = []
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "harness", "bench", specs, "--device", "cpu"]
        command += ["--history", str(Path(scratch) / "h.sqlite")]
        for _ in range(rounds):
            started = time.perf_counter()
            subprocess.run(command, cwd=PROJECT, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds of the loss call (default 7)")
    parser.add_argument("--bench-rounds", type=int, default=2, help="runs of `noteproof bench specs` (default 2)")
    args = parser.parse_args()
    loss = loss_overhead(args.rounds)
    median = statistics.median
    print(
        f"loss call: harness {us(median(loss.harness_call_s))}, Timer {us(median(loss.timer_call_s))} per call;"
        f" harness/Timer {loss.call_ratio:.3f} (goal 0.90 to 1.10), median of {args.rounds} interleaved rounds;"
        f" best rounds {us(min(loss.harness_call_s))} / {us(min(loss.timer_call_s))} = {loss.best_call_ratio:.3f}"
    )
    print(
        f"one-call example: harness {us(median(loss.harness_run_s))}, Timer {us(median(loss.timer_run_s))} per run;"
        f" harness/Timer {loss.run_ratio:.3f}; best rounds {loss.best_run_ratio:.3f}"
    )
    print(f"noteproof bench specs --device cpu: {bench_wall_time(args.bench_rounds):.1f} s (goal <= 10 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

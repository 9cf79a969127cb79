"""Bench figures: per example and device, the timing, time per call, images per second, the CUDA speed-up,
and the comparison with a baseline. Built only from outcomes and specs, so every front end draws the same.

Learner-facing figures come from what a spec claims about itself: an example that repeats its operation
defines `calls_per_run` (and, for a model, `images_per_call`, its batch size) and claims their values with
`value` expectations, so the run checks them like any other claim:

    [[expect]]
    kind = "value"
    expr = "images_per_call"
    equals = 64
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.bench.baseline import Baseline
from harness.bench.stats import DEFAULT_THRESHOLD, Comparison, Verdict, compare
from harness.judge.outcome import Outcome, Timing
from harness.specs.model import Spec, ValueExpectation

CALLS_NAME, IMAGES_NAME = "calls_per_run", "images_per_call"


@dataclass(frozen=True)
class Workload:
    calls: int = 1  # how many times one run of the example performs the operation it times
    images: int | None = None  # images per call (the batch size), for images per second


@dataclass(frozen=True)
class BenchRow:
    outcome: Outcome
    workload: Workload
    speedup: float | None  # the cpu row's median over this row's, on a non-cpu row
    comparison: Comparison | None
    baseline_note: str  # why there is no comparison, or what to bear in mind about it

    @property
    def timing(self) -> Timing | None:
        return self.outcome.timing

    @property
    def per_call_s(self) -> float | None:
        return self.timing.median_s / self.workload.calls if self.timing else None

    @property
    def images_per_s(self) -> float | None:
        if self.timing is None or self.workload.images is None:
            return None
        return self.workload.images * self.workload.calls / self.timing.median_s

    @property
    def slower(self) -> bool:
        return self.comparison is not None and self.comparison.verdict == Verdict.SLOWER


def workload_of(spec: Spec) -> Workload:
    """The spec's own claims of `calls_per_run` and `images_per_call`; one call and no images when unclaimed."""
    claimed: dict[str, int] = {}
    for expectation in spec.expect:
        if isinstance(expectation, ValueExpectation) and expectation.expr in (CALLS_NAME, IMAGES_NAME):
            value = expectation.equals
            if isinstance(value, int | float) and value >= 1 and float(value).is_integer():
                claimed[expectation.expr] = int(value)
    return Workload(calls=claimed.get(CALLS_NAME, 1), images=claimed.get(IMAGES_NAME))


def bench_rows(
    outcomes: Sequence[Outcome],
    workloads: Mapping[str, Workload],
    baseline: Baseline | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[BenchRow]:
    cpu_median = {o.spec_id: o.timing.median_s for o in outcomes if o.device == "cpu" and o.timing}
    rows: list[BenchRow] = []
    for outcome in outcomes:
        speedup = None
        if outcome.device != "cpu" and outcome.timing and outcome.spec_id in cpu_median:
            speedup = cpu_median[outcome.spec_id] / outcome.timing.median_s
        comparison, note = _against(outcome, baseline, threshold)
        rows.append(BenchRow(outcome, workloads.get(outcome.spec_id, Workload()), speedup, comparison, note))
    return rows


def _against(outcome: Outcome, baseline: Baseline | None, threshold: float) -> tuple[Comparison | None, str]:
    if baseline is None:
        return None, ""
    before = baseline.get(outcome.spec_id, outcome.device)
    if before is None:
        return None, "not in the baseline" if outcome.timing else ""
    if outcome.timing is None:
        return None, ""  # the row's status and note say why
    note = ""
    if before.threads != outcome.timing.threads:
        note = f"threads differ: {before.threads} in the baseline, {outcome.timing.threads} now"
    return compare(before, outcome.timing, threshold=threshold), note


def row_to_dict(row: BenchRow) -> dict[str, Any]:
    timing, comparison = row.timing, row.comparison
    return {
        "id": row.outcome.spec_id,
        "device": row.outcome.device,
        "status": row.outcome.status.value,
        "median_s": timing.median_s if timing else None,
        "iqr_s": timing.iqr_s if timing else None,
        "repeats": timing.repeats if timing else None,
        "number_per_repeat": timing.number_per_repeat if timing else None,
        "threads": timing.threads if timing else None,
        "calls_per_run": row.workload.calls,
        "per_call_s": row.per_call_s,
        "images_per_call": row.workload.images,
        "images_per_s": row.images_per_s,
        "cuda_speedup": row.speedup,
        "baseline_median_s": comparison.baseline.median_s if comparison else None,
        "change": comparison.change if comparison else None,
        "verdict": comparison.verdict.value if comparison else None,
        "reason": comparison.reason if comparison else row.baseline_note,
        "note": row.baseline_note if comparison else "",
    }

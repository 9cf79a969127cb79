"""Regression verdicts that use the spread of a measurement, not just its median.

"slower" (or "faster") needs all of: the median moved by more than the threshold, the new median lies
outside the baseline's IQR band, and the two IQR bands (first to third quartile of the repeats) do not
overlap. A median that moved 15% inside a band that is itself 30% wide says nothing, and on a shared
machine a busier minute moves a median by 20%. Where the evidence is partial (the median left the band
but the bands overlap) or a measurement's IQR is wide against its median, the verdict is "too noisy"
rather than a guess; "same" is said only of a change within the threshold or inside the baseline's band.
"""

from __future__ import annotations

import enum
import statistics
from dataclasses import dataclass

from harness.judge.outcome import Timing

DEFAULT_THRESHOLD = 0.10  # a change under 10% is "same" unless the user asks otherwise (--fail-over)
NOISY_SPREAD = 0.5  # IQR over half the median: the measurement cannot tell a threshold-sized change apart


class Verdict(enum.StrEnum):
    FASTER = "faster"
    SAME = "same"
    SLOWER = "slower"
    NOISY = "too noisy"


@dataclass(frozen=True)
class Band:
    """The middle half of a measurement's repeats: first quartile, median, third quartile (seconds)."""

    low: float
    median: float
    high: float

    @property
    def spread(self) -> float:
        """IQR relative to the median."""
        return (self.high - self.low) / self.median if self.median > 0 else float("inf")


@dataclass(frozen=True)
class Comparison:
    baseline: Timing
    current: Timing
    change: float  # current median / baseline median - 1; +0.25 is 25% slower
    verdict: Verdict
    reason: str


def band(timing: Timing) -> Band:
    """Quartiles from the raw repeats when there are enough of them; else median ± IQR/2."""
    if len(timing.samples_s) >= 4:
        # "inclusive" is numpy's default linear interpolation, the one torch.utils.benchmark's IQR uses.
        low, median, high = statistics.quantiles(timing.samples_s, n=4, method="inclusive")
        return Band(low, median, high)
    return Band(timing.median_s - timing.iqr_s / 2, timing.median_s, timing.median_s + timing.iqr_s / 2)


def percent(fraction: float) -> str:
    return f"{fraction * 100:+.1f}%"


def compare(
    baseline: Timing, current: Timing, *, threshold: float = DEFAULT_THRESHOLD, noisy_spread: float = NOISY_SPREAD
) -> Comparison:
    """Judge `current` against `baseline`: faster, same, slower (beyond `threshold`), or too noisy to say."""
    if baseline.median_s <= 0:
        raise ValueError("a baseline median must be positive")
    before, after = band(baseline), band(current)
    change = current.median_s / baseline.median_s - 1
    beyond = abs(change) > threshold
    direction = Verdict.SLOWER if change > 0 else Verdict.FASTER
    outside = current.median_s > before.high if change > 0 else current.median_s < before.low
    apart = after.low > before.high if change > 0 else after.high < before.low
    noisy = max(before.spread, after.spread) > noisy_spread

    def make(verdict: Verdict, reason: str) -> Comparison:
        return Comparison(baseline, current, change, verdict, reason)

    if beyond and apart:
        why = f"{percent(change)}, beyond {threshold:.0%}; the IQR bands do not overlap"
        return make(direction, why + (" (each noisy, but apart)" if noisy else ""))
    if noisy:
        which = "baseline" if before.spread >= after.spread else "new measurement"
        widest = max(before.spread, after.spread)
        return make(Verdict.NOISY, f"{percent(change)}; the {which}'s IQR is {widest:.0%} of its median")
    if beyond and outside:
        return make(Verdict.NOISY, f"{percent(change)}, outside the baseline's IQR band, but the IQR bands overlap")
    if beyond:
        return make(Verdict.SAME, f"{percent(change)}, but inside the baseline's IQR band")
    return make(Verdict.SAME, f"{percent(change)}, within {threshold:.0%}")


def parse_percent(text: str) -> float:
    """'20%' and '20' both mean 20% (returned as 0.2): `--fail-over 20` must not mean 2000%."""
    cleaned = text.strip().removesuffix("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"not a percentage: {text!r} (write e.g. 20%)") from None
    if not 0 < value < 10_000:
        raise ValueError(f"a percentage above 0 is needed, got {text!r}")
    return value / 100

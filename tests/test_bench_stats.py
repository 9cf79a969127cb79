"""The bench's torch-free logic: verdicts from synthetic samples, baselines from files, learner figures."""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path

import pytest

from harness import BadInput, Location, Outcome, Status, Timing
from harness.bench.baseline import from_file, from_outcomes, resolve
from harness.bench.figures import Workload, bench_rows, row_to_dict, workload_of
from harness.bench.stats import Verdict, band, compare, parse_percent
from harness.cli.report import run_json
from harness.specs.model import Spec


def timing(samples: list[float], threads: int = 1) -> Timing:
    """A Timing as the child reports it, from raw per-call seconds of each repeat."""
    low, median, high = statistics.quantiles(samples, n=4, method="inclusive")
    return Timing(
        median_s=median,
        iqr_s=high - low,
        mean_s=statistics.fmean(samples),
        repeats=len(samples),
        number_per_repeat=1,
        warmup=1,
        threads=threads,
        samples_s=tuple(samples),
    )


def around(centre: float, width: float, n: int = 41) -> list[float]:
    """n samples evenly over centre * (1 ± width/2): median `centre`, IQR width/2 of it."""
    return [centre * (1 + width * (i / (n - 1) - 0.5)) for i in range(n)]


def outcome(spec_id: str, device: str, timed: Timing | None, status: Status = Status.PASSED) -> Outcome:
    return Outcome(
        spec_id=spec_id,
        device=device,
        status=status,
        expected="",
        actual="",
        message="" if timed else "no CUDA device",
        location=Location("specs/x.toml"),
        spec_path="specs/x.toml",
        timing=timed,
    )


# -- verdicts ------------------------------------------------------------------------------------------------------


def test_a_clear_slowdown_beyond_the_threshold_is_slower() -> None:
    before, after = timing(around(1e-3, 0.05)), timing(around(1.5e-3, 0.05))
    result = compare(before, after, threshold=0.20)
    assert result.verdict == Verdict.SLOWER
    assert result.change == pytest.approx(0.5, abs=0.03)


def test_a_clear_speed_up_is_faster() -> None:
    result = compare(timing(around(1e-3, 0.05)), timing(around(0.5e-3, 0.05)), threshold=0.20)
    assert result.verdict == Verdict.FASTER


def test_a_change_within_the_threshold_is_the_same() -> None:
    result = compare(timing(around(1e-3, 0.02)), timing(around(1.05e-3, 0.02)), threshold=0.20)
    assert result.verdict == Verdict.SAME


def test_a_median_beyond_the_threshold_but_inside_the_baseline_band_is_not_slower() -> None:
    # The baseline's band is 1 ms ± 22% (IQR 44% of its median, under the noise limit); +15% stays inside it.
    before = timing([0.70e-3, 0.78e-3, 0.80e-3, 0.9e-3, 1.0e-3, 1.1e-3, 1.2e-3, 1.22e-3, 1.3e-3])
    after = timing(around(1.15e-3, 0.01))
    assert band(before).low < after.median_s < band(before).high
    result = compare(before, after, threshold=0.10)
    assert result.verdict == Verdict.SAME
    assert "inside the baseline's IQR band" in result.reason


def test_medians_apart_but_bands_overlapping_are_too_noisy_not_slower() -> None:
    # +25%: beyond the 20% threshold and above the baseline's third quartile, yet the new band reaches down into
    # the old one. A busier minute on a shared machine looks like this; it is not called a regression.
    before, after = timing(around(100e-6, 0.6)), timing(around(125e-6, 0.6))
    assert after.median_s > band(before).high and band(after).low < band(before).high
    result = compare(before, after, threshold=0.20)
    assert result.verdict == Verdict.NOISY
    assert "bands overlap" in result.reason


def test_a_wide_iqr_is_too_noisy_to_judge() -> None:
    generator = random.Random(3)
    bimodal = [generator.choice((20e-3, 100e-3)) for _ in range(40)]  # half the calls five times slower
    steady = timing(around(50e-3, 0.05))
    assert compare(timing(bimodal), steady).verdict == Verdict.NOISY
    result = compare(steady, timing(bimodal))
    assert result.verdict == Verdict.NOISY
    assert "new measurement's IQR" in result.reason


def test_noisy_measurements_whose_bands_do_not_overlap_are_still_judged() -> None:
    before = timing(around(1e-3, 1.4))  # IQR 70% of the median: noisy
    after = timing(around(10e-3, 1.4))  # ten times slower: no overlap at all
    assert band(before).spread > 0.5
    result = compare(before, after, threshold=0.20)
    assert result.verdict == Verdict.SLOWER
    assert "apart" in result.reason


def test_without_raw_samples_the_band_is_the_median_plus_minus_half_the_iqr() -> None:
    bare = Timing(median_s=1.0, iqr_s=0.2, mean_s=1.0, repeats=3, number_per_repeat=1, warmup=1, threads=1)
    assert band(bare).low == pytest.approx(0.9) and band(bare).high == pytest.approx(1.1)
    slower = Timing(median_s=1.5, iqr_s=0.1, mean_s=1.5, repeats=3, number_per_repeat=1, warmup=1, threads=1)
    assert compare(bare, slower, threshold=0.2).verdict == Verdict.SLOWER


@pytest.mark.parametrize(("text", "fraction"), [("20%", 0.2), ("20", 0.2), (" 5.5 % ", 0.055)])
def test_percentages(text: str, fraction: float) -> None:
    assert parse_percent(text) == pytest.approx(fraction)


@pytest.mark.parametrize("text", ["fast", "0", "-3%", ""])
def test_bad_percentages_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_percent(text)


# -- figures ---------------------------------------------------------------------------------------------------------


def _spec(expect: list[dict[str, object]]) -> Spec:
    return Spec.model_validate({"example": {"code": "x = 1"}, "expect": expect})


def test_the_workload_is_what_the_spec_claims_about_itself() -> None:
    claimed = _spec(
        [
            {"kind": "value", "expr": "calls_per_run", "equals": 25},
            {"kind": "value", "expr": "images_per_call", "equals": 64},
        ]
    )
    assert workload_of(claimed) == Workload(calls=25, images=64)
    assert workload_of(_spec([{"kind": "value", "expr": "x", "equals": 1}])) == Workload()


def test_rows_give_time_per_call_images_per_second_and_the_cuda_speed_up() -> None:
    cpu, cuda = timing(around(50e-3, 0.02)), timing(around(5e-3, 0.02))
    rows = bench_rows([outcome("cnn", "cpu", cpu), outcome("cnn", "cuda", cuda)], {"cnn": Workload(calls=2, images=64)})
    by_device = {row.outcome.device: row for row in rows}
    assert by_device["cpu"].per_call_s == pytest.approx(cpu.median_s / 2)
    assert by_device["cpu"].images_per_s == pytest.approx(128 / cpu.median_s)
    assert by_device["cuda"].speedup == pytest.approx(cpu.median_s / cuda.median_s)
    assert by_device["cpu"].speedup is None
    assert row_to_dict(by_device["cuda"])["cuda_speedup"] == pytest.approx(cpu.median_s / cuda.median_s)


def test_rows_against_a_baseline_say_slower_and_which_are_missing() -> None:
    old = timing(around(1e-3, 0.05))
    baseline = from_outcomes("test", [outcome("a", "cpu", old)])
    current = [outcome("a", "cpu", timing(around(2e-3, 0.05))), outcome("b", "cpu", old)]
    rows = bench_rows(current, {}, baseline, threshold=0.2)
    assert rows[0].slower and rows[0].comparison is not None
    assert rows[1].comparison is None and rows[1].baseline_note == "not in the baseline"


def test_a_thread_count_that_differs_from_the_baseline_is_said() -> None:
    baseline = from_outcomes("test", [outcome("a", "cpu", timing(around(1e-3, 0.05)))])
    (row,) = bench_rows([outcome("a", "cpu", timing(around(1e-3, 0.05), threads=2))], {}, baseline)
    assert "threads differ" in row.baseline_note


# -- baselines from files ----------------------------------------------------------------------------------------------


def test_a_baseline_file_round_trips_through_the_json_report(tmp_path: Path) -> None:
    timed = timing(around(1e-3, 0.1))
    outcomes = [outcome("a", "cpu", timed), outcome("a", "cuda", None, Status.SKIPPED)]
    report = tmp_path / "bench.json"
    report.write_text(json.dumps(run_json(None, outcomes)))
    baseline = from_file(report)
    assert dict(baseline.timings) == {("a", "cpu"): timed}  # the skipped row is no part of a baseline
    assert resolve(str(report), tmp_path / "no-history.sqlite").timings == baseline.timings


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"rows": []}', "no `results` list"),
        ('{"results": [{"device": "cpu"}]}', "needs `id` and `device`"),
        ('{"results": [{"id": "a", "device": "cpu", "timing": {"median_s": null}}]}', "no timed results"),
        ('{"results": [{"id": "a", "device": "cpu", "timing": {"median_s": 0.1}}]}', "timing has no 'iqr_s'"),
    ],
)
def test_an_unusable_baseline_file_is_bad_input_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "base.json"
    path.write_text(content)
    with pytest.raises(BadInput) as caught:
        from_file(path)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_baseline_file_or_history_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such baseline file"):
        resolve(str(tmp_path / "gone.json"), tmp_path / "h.sqlite")
    with pytest.raises(BadInput, match="no history here, so no baseline 'main'"):
        resolve("main", tmp_path / "h.sqlite")

"""The results history: round trips, run states, and abandoned runs. No torch needed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from harness import CheckResult, GradientRecord, History, Location, Outcome, Status, Timing


def _outcome(spec_id: str = "l1loss-mean", device: str = "cpu", status: Status = Status.PASSED) -> Outcome:
    check = CheckResult("value", status, "result == 0.6667", "tensor(0.666667)", "", 57)
    gradient = GradientRecord(
        name="model.layers.0.weight",
        shape=(32, 3, 5, 5),
        none_before=True,
        none_after=False,
        finite=True,
        norm=0.5,
        mean_abs=0.01,
        max_abs=0.2,
        histogram={"edges": [0.0, 1.0], "counts": [3.0]},
        kernels=[[[0.1] * 5] * 5],
        backward_calls=4,
        accumulated_calls=3,
        fresh_calls=1,
        mismatched_calls=0,
        device="cpu",
    )
    return Outcome.summarise(
        (check,),
        spec_id=spec_id,
        device=device,
        location=Location("note.md", 43),
        spec_path="specs/x.toml",
        timing=Timing(1e-4, 1e-5, 1.1e-4, 10, 100, 1, 1),
        gradients=(gradient,),
        stdout="tensor(0.6667)\n",
        duration_s=0.01,
        code="print(1)\n",
    )


def test_outcomes_round_trip_exactly(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        run_id = history.start_run({"torch": "2.14.1"}, "noteproof run")
        original = _outcome()
        history.record(run_id, original)
        history.finish_run(run_id, "complete")
        assert history.outcomes(run_id) == [original]
        run = history.run(run_id)
    assert run is not None and run.state == "complete" and run.counts == {"passed": 1}
    assert run.environment == {"torch": "2.14.1"} and run.finished_at is not None


def test_latest_outcomes_per_device_come_from_the_newest_run(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        first = history.start_run({}, "a")
        history.record(first, _outcome(status=Status.FAILED))
        history.record(first, _outcome(device="cuda", status=Status.SKIPPED))
        second = history.start_run({}, "b")
        history.record(second, _outcome(status=Status.PASSED))
        latest = {o.device: o.status for o in history.latest_outcomes("l1loss-mean")}
        assert latest == {"cpu": Status.PASSED, "cuda": Status.SKIPPED}
        assert history.spec_ids() == ["l1loss-mean"]
        assert [r.id for r in history.runs()] == [second, first]


def test_one_outcome_per_spec_and_device_per_run(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        run_id = history.start_run({}, "a")
        history.record(run_id, _outcome())
        with pytest.raises(sqlite3.IntegrityError):
            history.record(run_id, _outcome())
        assert len(history.outcomes(run_id)) == 1  # the failed insert left nothing half-written


def test_a_run_whose_process_died_is_marked_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    script = (
        "import os, sys; from pathlib import Path; from harness import History; "
        f"h = History(Path({str(path)!r})); h.start_run({{}}, 'killed'); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    with History(path) as history:
        run = history.latest_run()
    assert run is not None and run.state == "interrupted"


def test_unknown_run_state_is_refused(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        run_id = history.start_run({}, "a")
        with pytest.raises(ValueError, match="unknown run state"):
            history.finish_run(run_id, "done-ish")

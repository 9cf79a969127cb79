"""The results history: round trips, run states, and abandoned runs. No torch needed."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from harness import (
    BadInput,
    CheckResult,
    GradientRecord,
    HarnessError,
    History,
    HistoryError,
    Location,
    Outcome,
    Status,
    Timing,
)
from harness.judge.outcome import outcome_to_dict


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
        with pytest.raises(HarnessError, match="UNIQUE constraint failed"):  # a harness bug (exit 3), not bad input
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


# -- opening: writers create and upgrade; readers never write and refuse what they cannot read -----------------

_SCHEMA_1 = """
CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'interrupted', 'failed')),
    command TEXT NOT NULL, pid INTEGER NOT NULL, environment TEXT NOT NULL);
CREATE TABLE results (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    spec_id TEXT NOT NULL, device TEXT NOT NULL, status TEXT NOT NULL, expected TEXT NOT NULL, actual TEXT NOT NULL,
    message TEXT NOT NULL, location_path TEXT NOT NULL, location_line INTEGER, median_s REAL, payload TEXT NOT NULL,
    UNIQUE (run_id, spec_id, device));
CREATE INDEX results_by_spec ON results (spec_id, device, run_id);
CREATE TABLE gradients (result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, name TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (result_id, position));
"""


def _version_1_file(path: Path, outcome: Outcome) -> None:
    """A history as the first release wrote it: no schema version, no kinds, covers, blocks or baselines."""
    payload = outcome_to_dict(outcome)
    gradients = payload.pop("gradients")
    db = sqlite3.connect(path)
    with db:
        db.executescript(_SCHEMA_1)
        db.execute("INSERT INTO runs VALUES (1, '2026-01-01', '2026-01-01', 'complete', 'noteproof run', 1, '{}')")
        db.execute(
            "INSERT INTO results VALUES (1, 1, ?, 'cpu', 'passed', '', '', '', 'note.md', 43, NULL, ?)",
            (outcome.spec_id, json.dumps(payload)),
        )
        db.executemany(
            "INSERT INTO gradients VALUES (1, ?, ?, ?)",
            [(i, g["name"], json.dumps(g)) for i, g in enumerate(gradients)],
        )
    db.close()


def test_a_writer_upgrades_a_version_1_history_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    original = _outcome()
    _version_1_file(path, original)
    with pytest.raises(HistoryError, match=r"older history \(schema 1 of 2\)"):
        History.open_reader(path)
    with History.open_writer(path) as history:
        assert history.outcomes(1) == [original]
        old_run = history.run(1)
        assert old_run is not None and old_run.kind == "run" and old_run.covers == ()
        new_run = history.start_run({}, "noteproof audit", kind="audit", covers=["note.md"])
        history.save_baseline("before", 1)
    with History.open_reader(path) as reader:
        assert [r.id for r in reader.runs(kind="audit", covering="note.md")] == [new_run]
        assert [b.run_id for b in reader.baselines()] == [1]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_reader_refuses_what_is_not_a_readable_history(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database " * 100)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    newer = tmp_path / "newer.sqlite"
    History.open_writer(newer).close()
    sqlite3.connect(newer).execute("PRAGMA user_version = 99").connection.commit()
    cases = {
        tmp_path / "missing.sqlite": "no results history here",
        tmp_path: "is a folder",
        empty: "empty file",
        junk: r"not a results history \(file is not a database\)",
        other: "not a noteproof results history",
        newer: r"newer noteproof \(history schema 99; this one reads up to 2\)",
    }
    for path, message in cases.items():
        with pytest.raises(HistoryError, match=message) as caught:
            History.open_reader(path)
        assert isinstance(caught.value, BadInput) and str(caught.value).startswith(f"{path}: ")
    assert not (tmp_path / "missing.sqlite").exists()  # looking did not create it
    for path in (junk, other, newer):  # a writer refuses them too, rather than writing over them
        with pytest.raises(HistoryError):
            History.open_writer(path)


def test_a_reader_never_writes_and_refuses_to(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    script = (
        "import os; from pathlib import Path; from harness import History; "
        f"h = History.open_writer(Path({str(path)!r})); h.start_run({{}}, 'killed'); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    before = path.read_bytes()
    with History.open_reader(path) as reader:
        run = reader.latest_run()
        assert run is not None and run.state == "running"  # only a writer marks a dead run
        for write in (
            lambda: reader.start_run({}, "x"),
            lambda: reader.record(run.id, _outcome()),
            lambda: reader.finish_run(run.id, "complete"),
            lambda: reader.save_baseline("b", run.id),
        ):
            with pytest.raises(HistoryError, match="opened read-only"):
                write()
    assert path.read_bytes() == before
    with History.open_writer(path) as writer:
        marked = writer.latest_run()
    assert marked is not None and marked.state == "interrupted"


def test_a_reader_sees_what_a_live_writer_records(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with History.open_writer(path) as writer:
        run_id = writer.start_run({}, "noteproof run")
        with History.open_reader(path) as reader:
            assert reader.outcomes(run_id) == []
            writer.record(run_id, _outcome())
            assert [o.spec_id for o in reader.outcomes(run_id)] == ["l1loss-mean"]


def test_damage_found_while_reading_is_a_history_error(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with History.open_writer(path) as history:
        run_id = history.start_run({}, "a")
        for i in range(200):
            history.record(run_id, _outcome(spec_id=f"example-{i}"))
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page :] = b"\xff" * (len(data) - 2 * page)  # keep the header and the schema page, ruin the rest
    path.write_bytes(bytes(data))
    with History.open_reader(path) as reader, pytest.raises(HistoryError, match=r"cannot be read \(.*malformed"):
        reader.outcomes(run_id)

"""History: every run and its outcomes in an embedded SQLite file; the one source every front end reads.

Each outcome is written in its own transaction as it concludes, so an interrupted run keeps what it
finished and is marked `interrupted`; a run whose process died without saying so is marked on the next open.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.judge.outcome import Outcome, outcome_from_dict, outcome_to_dict

DEFAULT_HISTORY = Path(".noteproof/results.sqlite")
RUN_STATES = ("running", "complete", "interrupted", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'interrupted', 'failed')),
    command TEXT NOT NULL,
    pid INTEGER NOT NULL,
    environment TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    spec_id TEXT NOT NULL,
    device TEXT NOT NULL,
    status TEXT NOT NULL,
    expected TEXT NOT NULL,
    actual TEXT NOT NULL,
    message TEXT NOT NULL,
    location_path TEXT NOT NULL,
    location_line INTEGER,
    median_s REAL,
    payload TEXT NOT NULL,
    UNIQUE (run_id, spec_id, device)
);
CREATE INDEX IF NOT EXISTS results_by_spec ON results (spec_id, device, run_id);
CREATE TABLE IF NOT EXISTS gradients (
    result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (result_id, position)
);
"""


@dataclass(frozen=True)
class RunRecord:
    id: int
    started_at: str
    finished_at: str | None
    state: str
    command: str
    environment: dict[str, Any]
    counts: dict[str, int]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class History:
    def __init__(self, path: Path = DEFAULT_HISTORY) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode = WAL")  # the review page reads while a run writes
        self._db.execute("PRAGMA foreign_keys = ON")
        with self._db:
            self._db.executescript(_SCHEMA)
        self._mark_abandoned_runs()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _mark_abandoned_runs(self) -> None:
        rows = self._db.execute("SELECT id, pid FROM runs WHERE state = 'running'").fetchall()
        with self._db:
            for row in rows:
                if row["pid"] != os.getpid() and not _alive(row["pid"]):
                    self._db.execute("UPDATE runs SET state = 'interrupted' WHERE id = ?", (row["id"],))

    # -- writing ---------------------------------------------------------------------------------

    def start_run(self, environment: dict[str, Any], command: str) -> int:
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO runs (started_at, state, command, pid, environment) VALUES (?, 'running', ?, ?, ?)",
                (_now(), command, os.getpid(), json.dumps(environment)),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def record(self, run_id: int, outcome: Outcome) -> None:
        payload = outcome_to_dict(outcome)
        gradients = payload.pop("gradients")
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO results (run_id, spec_id, device, status, expected, actual, message,"
                " location_path, location_line, median_s, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    outcome.spec_id,
                    outcome.device,
                    outcome.status.value,
                    outcome.expected,
                    outcome.actual,
                    outcome.message,
                    outcome.location.path,
                    outcome.location.line,
                    outcome.timing.median_s if outcome.timing else None,
                    json.dumps(payload),
                ),
            )
            self._db.executemany(
                "INSERT INTO gradients (result_id, position, name, record) VALUES (?, ?, ?, ?)",
                [(cursor.lastrowid, i, g["name"], json.dumps(g)) for i, g in enumerate(gradients)],
            )

    def finish_run(self, run_id: int, state: str) -> None:
        if state not in RUN_STATES:
            raise ValueError(f"unknown run state {state!r}")
        with self._db:
            self._db.execute("UPDATE runs SET state = ?, finished_at = ? WHERE id = ?", (state, _now(), run_id))

    # -- reading ---------------------------------------------------------------------------------

    def runs(self, limit: int = 50) -> list[RunRecord]:
        rows = self._db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [self._run_record(row) for row in rows]

    def run(self, run_id: int) -> RunRecord | None:
        row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return self._run_record(row) if row else None

    def latest_run(self) -> RunRecord | None:
        runs = self.runs(limit=1)
        return runs[0] if runs else None

    def outcomes(self, run_id: int) -> list[Outcome]:
        rows = self._db.execute("SELECT id, payload FROM results WHERE run_id = ? ORDER BY id", (run_id,)).fetchall()
        return [self._outcome(row) for row in rows]

    def latest_outcomes(self, spec_id: str) -> list[Outcome]:
        """The newest outcome of a spec on each device, whichever run produced it."""
        rows = self._db.execute(
            "SELECT r.id, r.payload FROM results r WHERE r.spec_id = ? AND r.run_id = ("
            " SELECT MAX(run_id) FROM results WHERE spec_id = r.spec_id AND device = r.device) ORDER BY r.device",
            (spec_id,),
        ).fetchall()
        return [self._outcome(row) for row in rows]

    def spec_ids(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT DISTINCT spec_id FROM results ORDER BY spec_id")]

    def _outcome(self, row: sqlite3.Row) -> Outcome:
        payload = json.loads(row["payload"])
        payload["gradients"] = [
            json.loads(g["record"])
            for g in self._db.execute(
                "SELECT record FROM gradients WHERE result_id = ? ORDER BY position", (row["id"],)
            )
        ]
        return outcome_from_dict(payload)

    def _run_record(self, row: sqlite3.Row) -> RunRecord:
        counts = {
            status: count
            for status, count in self._db.execute(
                "SELECT status, COUNT(*) FROM results WHERE run_id = ? GROUP BY status", (row["id"],)
            )
        }
        return RunRecord(
            id=row["id"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            state=row["state"],
            command=row["command"],
            environment=json.loads(row["environment"]),
            counts=counts,
        )

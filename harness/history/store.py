"""History: every run and its outcomes in an embedded SQLite file; the one source every front end reads.

Each outcome is written in its own transaction as it concludes, so an interrupted run keeps what it
finished and is marked `interrupted`; a run whose process died without saying so is marked by the next writer.
A reader (`History.open_reader`) never writes: the review page and the language server read while a run writes.

A list of values binds as ONE parameter, a JSON array: `x IN (SELECT value FROM json_each(?))`. No SQL is
built from strings, and SQLite's limit on the number of parameters never applies.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.errors import HarnessError, HistoryError
from harness.history.diff import RunDiff, diff_outcomes
from harness.history.records import (
    RUN_KINDS,
    RUN_STATES,
    BaselineRecord,
    ExampleRun,
    RunKind,
    RunRecord,
)
from harness.history.schema import SCHEMA_VERSION, migrate, schema_version
from harness.judge.outcome import Outcome, Status, block_from_dict, block_to_dict, outcome_from_dict, outcome_to_dict

DEFAULT_HISTORY = Path(".noteproof/results.sqlite")

__all__ = [
    "DEFAULT_HISTORY",
    "RUN_KINDS",
    "RUN_STATES",
    "BaselineRecord",
    "ExampleRun",
    "History",
    "RunDiff",
    "RunRecord",
]


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


def _covers_json(covers: Iterable[str]) -> str:
    return json.dumps(sorted(set(covers)))  # canonical, so "same covers" is equal text


class History:
    """`History(path)` opens a writer, like `History.open_writer(path)`."""

    def __init__(self, path: Path = DEFAULT_HISTORY, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._db = self._connect_reader() if read_only else self._connect_writer()
        self._db.row_factory = sqlite3.Row

    @classmethod
    def open_writer(cls, path: Path = DEFAULT_HISTORY) -> History:
        """Create or upgrade the file; runs whose process died are marked `interrupted`."""
        return cls(path)

    @classmethod
    def open_reader(cls, path: Path = DEFAULT_HISTORY) -> History:
        """Read an existing history without ever writing to it."""
        return cls(path, read_only=True)

    def _connect_writer(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise HistoryError(self.path, "is a folder, not a results history")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA journal_mode = WAL")  # readers read while a run writes
            db.execute("PRAGMA foreign_keys = ON")
        except (OSError, sqlite3.DatabaseError) as exc:
            raise HistoryError(self.path, f"cannot be opened for writing ({exc})") from None
        try:
            migrate(db, self.path)
            self._mark_abandoned_runs(db)
        except HistoryError:
            db.close()
            raise
        except (OSError, sqlite3.DatabaseError) as exc:  # read-only, full, corrupt past its header
            db.close()
            raise HistoryError(self.path, f"cannot be opened for writing ({exc})") from None
        return db

    def _connect_reader(self) -> sqlite3.Connection:
        if not self.path.exists():
            raise HistoryError(self.path, "no results history here (`noteproof run` or `noteproof audit` writes one)")
        if self.path.is_dir():
            raise HistoryError(self.path, "is a folder, not a results history")
        if self.path.stat().st_size == 0:
            raise HistoryError(self.path, "empty file, not a results history")
        try:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        except sqlite3.DatabaseError as exc:
            raise HistoryError(self.path, f"cannot be opened ({exc})") from None
        try:
            version = schema_version(db, self.path)
            if version == 0:
                raise HistoryError(self.path, "an empty database, not a results history")
            if version < SCHEMA_VERSION:
                raise HistoryError(
                    self.path,
                    f"an older history (schema {version} of {SCHEMA_VERSION}): the next `noteproof run` upgrades it",
                )
        except HistoryError:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _mark_abandoned_runs(db: sqlite3.Connection) -> None:
        rows = db.execute("SELECT id, pid FROM runs WHERE state = 'running'").fetchall()
        with db:
            for run_id, pid in rows:
                if pid != os.getpid() and not _alive(pid):
                    db.execute("UPDATE runs SET state = 'interrupted' WHERE id = ?", (run_id,))

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise HistoryError(self.path, f"cannot be read ({exc})") from None

    def _writable(self) -> None:
        if self.read_only:
            raise HistoryError(self.path, "opened read-only (History.open_reader); open a writer to record")

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction: all of it is written or none (a full disk, a read-only file), and the fault is a
        HistoryError (exit 2, one line), never a raw sqlite3 traceback."""
        self._writable()
        try:
            with self._db:
                yield
        except sqlite3.IntegrityError as exc:  # the harness wrote a row twice: its own bug, not the file's fault
            raise HarnessError(f"{self.path}: {exc}; nothing of this change was kept") from exc
        except (OSError, sqlite3.DatabaseError) as exc:
            raise HistoryError(self.path, f"cannot be written ({exc}); nothing of this change was kept") from None

    # -- writing ---------------------------------------------------------------------------------

    def start_run(
        self, environment: dict[str, Any], command: str, *, kind: RunKind = "run", covers: Sequence[str] = ()
    ) -> int:
        """`covers`: what the run was asked about (note paths, spec folders); `previous_run` matches on it."""
        self._writable()
        if kind not in RUN_KINDS:
            raise ValueError(f"unknown run kind {kind!r}")
        with self._writing():
            cursor = self._db.execute(
                "INSERT INTO runs (started_at, state, command, pid, environment, kind, covers)"
                " VALUES (?, 'running', ?, ?, ?, ?, ?)",
                (_now(), command, os.getpid(), json.dumps(environment), kind, _covers_json(covers)),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def record(self, run_id: int, outcome: Outcome) -> None:
        self._writable()
        payload = outcome_to_dict(outcome)
        payload.pop("block", None)  # kept whole in its own column, findable by note and content hash
        gradients = payload.pop("gradients")
        block = outcome.block
        with self._writing():
            cursor = self._db.execute(
                "INSERT INTO results (run_id, spec_id, device, status, expected, actual, message,"
                " location_path, location_line, median_s, payload, note, content_hash, block)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    block.note if block else None,
                    block.content_hash if block else None,
                    json.dumps(block_to_dict(block)) if block else None,
                ),
            )
            self._db.executemany(
                "INSERT INTO gradients (result_id, position, name, record) VALUES (?, ?, ?, ?)",
                [(cursor.lastrowid, i, g["name"], json.dumps(g)) for i, g in enumerate(gradients)],
            )

    def finish_run(self, run_id: int, state: str) -> None:
        self._writable()
        if state not in RUN_STATES:
            raise ValueError(f"unknown run state {state!r}")
        with self._writing():
            self._db.execute("UPDATE runs SET state = ?, finished_at = ? WHERE id = ?", (state, _now(), run_id))

    def save_baseline(self, name: str, run_id: int) -> None:
        """Name a run (saving an existing name again moves it to this run)."""
        self._writable()
        if not name.strip():
            raise HistoryError(self.path, "a baseline needs a name")
        self._require_run(run_id)
        with self._writing():
            self._db.execute(
                "INSERT INTO baselines (name, run_id, saved_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET run_id = excluded.run_id, saved_at = excluded.saved_at",
                (name, run_id, _now()),
            )

    # -- runs ------------------------------------------------------------------------------------

    def runs(self, limit: int = 50, *, kind: RunKind | None = None, covering: str | None = None) -> list[RunRecord]:
        """Newest first. `covering`: only runs whose covers include it."""
        rows = self._rows(
            "SELECT * FROM runs WHERE (?1 IS NULL OR kind = ?1)"
            " AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(runs.covers) WHERE value = ?2))"
            " ORDER BY id DESC LIMIT ?3",
            (kind, covering, limit),
        )
        return self._run_records(rows)

    def run(self, run_id: int) -> RunRecord | None:
        records = self._run_records(self._rows("SELECT * FROM runs WHERE id = ?", (run_id,)))
        return records[0] if records else None

    def latest_run(self, *, kind: RunKind | None = None, covering: str | None = None) -> RunRecord | None:
        runs = self.runs(limit=1, kind=kind, covering=covering)
        return runs[0] if runs else None

    def previous_run(self, run_id: int) -> RunRecord | None:
        """The newest earlier run of the same kind and covers, whatever its state."""
        rows = self._rows(
            "SELECT * FROM runs WHERE id < ?1 AND kind = (SELECT kind FROM runs WHERE id = ?1)"
            " AND covers = (SELECT covers FROM runs WHERE id = ?1) ORDER BY id DESC LIMIT 1",
            (run_id,),
        )
        records = self._run_records(rows)
        return records[0] if records else None

    def _require_run(self, run_id: int) -> None:
        if not self._rows("SELECT 1 FROM runs WHERE id = ?", (run_id,)):
            raise HistoryError(self.path, f"has no run {run_id}")

    def _run_records(self, rows: Sequence[sqlite3.Row]) -> list[RunRecord]:
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for count in self._rows(
            "SELECT run_id, status, COUNT(*) AS n FROM results"
            " WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY run_id, status",
            (json.dumps([row["id"] for row in rows]),),
        ):
            counts[count["run_id"]][count["status"]] = count["n"]
        return [
            RunRecord(
                id=row["id"],
                started_at=row["started_at"],
                finished_at=row["finished_at"],
                state=row["state"],
                command=row["command"],
                environment=json.loads(row["environment"]),
                counts=counts[row["id"]],
                kind=row["kind"],
                covers=tuple(json.loads(row["covers"])),
            )
            for row in rows
        ]

    # -- outcomes --------------------------------------------------------------------------------

    def outcomes(
        self, run_id: int, *, statuses: Iterable[Status] | None = None, devices: Iterable[str] | None = None
    ) -> list[Outcome]:
        """A run's outcomes in the order they concluded; `statuses`/`devices` keep only those."""
        wanted = None if statuses is None else json.dumps([Status(s).value for s in statuses])
        chosen = None if devices is None else json.dumps(list(devices))
        rows = self._rows(
            "SELECT * FROM results WHERE run_id = ?"
            " AND (?2 IS NULL OR status IN (SELECT value FROM json_each(?2)))"
            " AND (?3 IS NULL OR device IN (SELECT value FROM json_each(?3))) ORDER BY id",
            (run_id, wanted, chosen),
        )
        return self._outcomes(rows)

    def outcome(self, run_id: int, spec_id: str, device: str) -> Outcome | None:
        rows = self._rows(
            "SELECT * FROM results WHERE run_id = ? AND spec_id = ? AND device = ?", (run_id, spec_id, device)
        )
        return self._outcomes(rows)[0] if rows else None

    def latest_outcomes(self, spec_id: str) -> list[Outcome]:
        """The newest outcome of a spec on each device, whichever run produced it."""
        rows = self._rows(
            "SELECT r.* FROM results r WHERE r.spec_id = ? AND r.run_id = ("
            " SELECT MAX(run_id) FROM results WHERE spec_id = r.spec_id AND device = r.device) ORDER BY r.device",
            (spec_id,),
        )
        return self._outcomes(rows)

    def spec_ids(self) -> list[str]:
        return [row[0] for row in self._rows("SELECT DISTINCT spec_id FROM results ORDER BY spec_id")]

    def example_history(self, spec_id: str, device: str | None = None, *, limit: int = 100) -> list[ExampleRun]:
        """One example's outcomes across runs, newest first.

        An audited block is followed by its content hash as its note changes around it: when a block is
        added above it, its id moves from `note.md#5` to `#6` and its earlier rows still belong to it.
        """
        newest = self._rows(
            "SELECT run_id, note, content_hash FROM results WHERE spec_id = ? ORDER BY run_id DESC LIMIT 1",
            (spec_id,),
        )
        if not newest:
            return []
        if newest[0]["note"] is None:
            result_ids = [
                row["id"]
                for row in self._rows(
                    "SELECT id FROM results WHERE spec_id = ? AND (?2 IS NULL OR device = ?2)"
                    " ORDER BY run_id DESC, id LIMIT ?3",
                    (spec_id, device, limit),
                )
            ]
        else:
            result_ids = self._block_lineage(spec_id, newest[0], device, limit)
        rows = self._rows(
            "SELECT * FROM results WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(result_ids),)
        )
        by_id = {row["id"]: row for row in rows}
        ordered = [by_id[i] for i in result_ids]
        run_rows = self._rows(
            "SELECT * FROM runs WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([row["run_id"] for row in ordered]),),
        )
        runs = {r.id: r for r in self._run_records(run_rows)}
        return [ExampleRun(runs[row["run_id"]], o) for row, o in zip(ordered, self._outcomes(ordered), strict=True)]

    def _block_lineage(self, spec_id: str, newest: sqlite3.Row, device: str | None, limit: int) -> list[int]:
        """Result ids of an audited block, newest run first, walking back run by run through its note's rows.

        In each earlier run the block is the row with its content hash (moved, perhaps), else the row with its
        id (edited in place) unless that row's content lives on elsewhere in the newer run (another block,
        shifted down by an insertion).
        """
        runs: dict[int, list[sqlite3.Row]] = defaultdict(list)
        for row in self._rows(
            "SELECT id, run_id, spec_id, device, content_hash FROM results WHERE note = ? AND run_id <= ?"
            " ORDER BY run_id DESC, id",
            (newest["note"], newest["run_id"]),
        ):
            runs[row["run_id"]].append(row)
        current_id, current_hash = spec_id, newest["content_hash"]
        newer_hashes: set[str] = set()
        chosen: list[int] = []
        for rows in runs.values():  # newest run first: dicts keep insertion order
            same_content = [r for r in rows if r["content_hash"] == current_hash]
            in_place = [r for r in same_content if r["spec_id"] == current_id]
            match = next(iter(in_place or same_content), None)  # the same content: where it stood, else moved
            if match is None:  # edited in place, unless what stood at its id still stands elsewhere
                same_id = next((r for r in rows if r["spec_id"] == current_id), None)
                if same_id is not None and same_id["content_hash"] not in newer_hashes:
                    match = same_id
            if match is not None:
                current_id, current_hash = match["spec_id"], match["content_hash"]
                chosen += [r["id"] for r in rows if r["spec_id"] == current_id and device in (None, r["device"])]
                if len(chosen) >= limit:
                    return chosen[:limit]
            newer_hashes = {r["content_hash"] for r in rows}
        return chosen

    def _outcomes(self, rows: Sequence[sqlite3.Row]) -> list[Outcome]:
        gradients: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for g in self._rows(
            "SELECT result_id, record FROM gradients"
            " WHERE result_id IN (SELECT value FROM json_each(?)) ORDER BY result_id, position",
            (json.dumps([row["id"] for row in rows]),),
        ):
            gradients[g["result_id"]].append(json.loads(g["record"]))
        outcomes = []
        for row in rows:
            outcome = outcome_from_dict({**json.loads(row["payload"]), "gradients": gradients[row["id"]]})
            if row["block"] is not None:
                outcome = replace(outcome, block=block_from_dict(json.loads(row["block"])))
            outcomes.append(outcome)
        return outcomes

    # -- comparing -------------------------------------------------------------------------------

    def diff(self, old_run_id: int, new_run_id: int) -> RunDiff:
        self._require_run(old_run_id)
        self._require_run(new_run_id)
        return diff_outcomes(self.outcomes(old_run_id), self.outcomes(new_run_id))

    def baseline(self, name: str) -> list[Outcome]:
        rows = self._rows("SELECT run_id FROM baselines WHERE name = ?", (name,))
        if not rows:
            saved = ", ".join(b.name for b in self.baselines()) or "none saved"
            raise HistoryError(self.path, f"no baseline named {name!r} (baselines: {saved})")
        return self.outcomes(rows[0]["run_id"])

    def baselines(self) -> list[BaselineRecord]:
        return [
            BaselineRecord(row["name"], row["run_id"], row["saved_at"])
            for row in self._rows("SELECT name, run_id, saved_at FROM baselines ORDER BY name")
        ]

"""The history file's schema: one migration per version, so a new file and an upgraded one end up the same.

The version lives in SQLite's `PRAGMA user_version`. Files written before versioning (user_version 0 with a
`runs` table) are version 1. A writer upgrades an older file in place; a reader refuses one it cannot read.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from harness.errors import HistoryError

_MIGRATIONS: tuple[str, ...] = (
    # 1: runs, their results, and each result's gradient records
    """
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
    """,
    # 2: what a run was (kind) and what it covered; audited blocks kept whole and findable by content;
    # named baselines
    """
    ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'run' CHECK (kind IN ('run', 'audit', 'bench'));
    ALTER TABLE runs ADD COLUMN covers TEXT NOT NULL DEFAULT '[]';
    CREATE INDEX runs_by_kind ON runs (kind, id);
    ALTER TABLE results ADD COLUMN note TEXT;
    ALTER TABLE results ADD COLUMN content_hash TEXT;
    ALTER TABLE results ADD COLUMN block TEXT;
    CREATE INDEX results_by_note ON results (note, run_id);
    CREATE TABLE baselines (
        name TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        saved_at TEXT NOT NULL
    );
    """,
)

SCHEMA_VERSION = len(_MIGRATIONS)


def schema_version(db: sqlite3.Connection, path: Path) -> int:
    """The file's schema version, 0 for a new empty file. Raises HistoryError for anything not a history."""
    try:
        version: int = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise HistoryError(path, f"not a results history ({exc})") from None
    if version == 0 and "runs" in tables:
        version = 1  # written before the schema carried a version
    if tables and "runs" not in tables:
        raise HistoryError(path, "an SQLite file, but not a noteproof results history")
    if version > SCHEMA_VERSION:
        raise HistoryError(
            path, f"written by a newer noteproof (history schema {version}; this one reads up to {SCHEMA_VERSION})"
        )
    return version


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the file up to SCHEMA_VERSION, each step in its own transaction."""
    version = schema_version(db, path)
    for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
        try:
            db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.DatabaseError as exc:
            db.rollback()
            raise HistoryError(path, f"cannot upgrade the history to schema {number} ({exc})") from None

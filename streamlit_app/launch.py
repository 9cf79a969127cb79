"""Starting a run or an audit from the page: the `noteproof` command in a subprocess, watched through the history.

The page never runs examples itself: it starts the same command a user would type and reads its progress
from the history, which the run writes outcome by outcome.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import History, HistoryError, load_specs


@dataclass(frozen=True)
class Launch:
    argv: tuple[str, ...]
    planned: int | None  # results the run will write, when known ahead (specs x devices); None for an audit
    after_run: int  # the newest run id before it started: the new run is the first one after


def run_argv(history: Path, paths: Sequence[str], device: str, pattern: str, timing: bool) -> list[str]:
    argv = [sys.executable, "-m", "harness", "run", *paths, "--history", str(history), "--device", device]
    if pattern:
        argv += ["-k", pattern]
    if not timing:
        argv.append("--no-timing")
    return argv


def audit_argv(history: Path, note: str, device: str) -> list[str]:
    return [sys.executable, "-m", "harness", "audit", note, "--history", str(history), "--device", device]


def planned_results(paths: Sequence[str], device: str, pattern: str) -> int:
    """How many results a run of these specs writes: each selected spec on each asked device it lists."""
    specs = load_specs([Path(p) for p in paths])
    if pattern:
        specs = [s for s in specs if pattern.lower() in s.id.lower()]
    asked = {"cpu", "cuda"} if device == "all" else {device}
    return sum(len(asked & set(s.spec.devices)) for s in specs)


def newest_run_id(history: Path) -> int:
    try:
        with History.open_reader(history) as reader:
            latest = reader.latest_run()
    except HistoryError:
        return 0  # no history yet: the run creates it
    return latest.id if latest else 0


def start(argv: Sequence[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


@dataclass(frozen=True)
class Progress:
    run_id: int | None  # None until the run has started writing
    done: int
    state: str


def progress(history: Path, after_run: int) -> Progress:
    """The new run's results so far, read from the history while the run writes it (WAL)."""
    try:
        with History.open_reader(history) as reader:
            newer = [r for r in reader.runs(limit=5) if r.id > after_run]
    except HistoryError:
        return Progress(None, 0, "starting")
    if not newer:
        return Progress(None, 0, "starting")
    run = newer[-1]  # the first run after the one that was newest when we started
    return Progress(run.id, sum(run.counts.values()), run.state)

"""The typed records the history hands to front ends, and the stored form of an audited block."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from harness.judge.outcome import Outcome

RunKind = Literal["run", "audit", "bench"]
RUN_KINDS: tuple[RunKind, ...] = ("run", "audit", "bench")
RUN_STATES = ("running", "complete", "interrupted", "failed")


@dataclass(frozen=True)
class RunRecord:
    id: int
    started_at: str
    finished_at: str | None
    state: str  # one of RUN_STATES
    command: str
    environment: dict[str, Any]
    counts: dict[str, int]  # results per status value
    kind: RunKind = "run"
    covers: tuple[str, ...] = ()  # what the run was asked about (notes, spec folders), sorted


@dataclass(frozen=True)
class ExampleRun:
    """One example's outcome in one run: a row of its history."""

    run: RunRecord
    outcome: Outcome


@dataclass(frozen=True)
class BaselineRecord:
    name: str
    run_id: int
    saved_at: str

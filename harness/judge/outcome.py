"""Outcome: what checking one example on one device concluded. Frozen records; display code only reads them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # a claim is false
    ERROR = "error"  # the example raised where nothing was claimed, crashed, hung, or could not run
    DRIFTED = "drifted"  # the claim holds in substance, but its printed form or message changed
    SKIPPED = "skipped"  # not run, with the reason (no CUDA device)
    UNVERIFIABLE = "unverifiable"  # cannot be checked honestly (unseeded random values, the author's files)

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @property
    def is_problem(self) -> bool:
        return self in (Status.FAILED, Status.ERROR)


_SEVERITY = {
    Status.SKIPPED: 0,
    Status.UNVERIFIABLE: 1,
    Status.PASSED: 2,
    Status.DRIFTED: 3,
    Status.FAILED: 4,
    Status.ERROR: 5,
}


# What a claim's status means to someone reading their own note: every front end says it in these words.
CLAIM_WORDS = {
    Status.PASSED: "true",
    Status.FAILED: "false",
    Status.DRIFTED: "drifted",
    Status.UNVERIFIABLE: "unverifiable",
    Status.ERROR: "not run",
    Status.SKIPPED: "skipped",
}


def seconds(value: float | None) -> str:
    """A duration as people read it: 74.7 µs, 6.9 ms, 2.5 s."""
    if value is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=lambda s: s.severity, default=Status.PASSED)


@dataclass(frozen=True)
class Location:
    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class CheckResult:
    """One expectation judged against one observation."""

    kind: str
    status: Status
    expected: str
    actual: str
    message: str = ""
    line: int | None = None  # the claim's line in the note, when the spec says


@dataclass(frozen=True)
class Timing:
    median_s: float
    iqr_s: float
    mean_s: float
    repeats: int
    number_per_repeat: int
    warmup: int
    threads: int
    samples_s: tuple[float, ...] = ()  # seconds per call of each repeat, raw, for significance tests later


@dataclass(frozen=True)
class GradientRecord:
    """A compact picture of one parameter's gradient: enough to draw, small enough to store."""

    name: str
    shape: tuple[int, ...]
    none_before: bool | None  # None when backward() was never called
    none_after: bool
    finite: bool | None
    norm: float | None
    mean_abs: float | None
    max_abs: float | None
    histogram: dict[str, list[float]] | None  # {"edges": [...], "counts": [...]}
    kernels: list[Any] | None  # a few 2-D kernel slices of a conv weight's gradient
    backward_calls: int
    accumulated_calls: int  # calls where .grad == previous .grad + this call's gradient
    fresh_calls: int  # calls where .grad held only this call's gradient
    mismatched_calls: int  # calls where .grad was neither (something else wrote it)
    device: str
    norms_per_call: tuple[float, ...] = ()  # ||.grad|| after each backward() that reached it: growth shows accumulation


@dataclass(frozen=True)
class DataRecord:
    name: str
    source: str  # "real" or "stand-in"
    samples: int
    description: str


@dataclass(frozen=True)
class NoteEdit:
    """One change to a note, in note lines: `removed` (as written, from `line` on) become `added`."""

    line: int  # the first note line replaced; for a pure insertion, the line the new lines go before
    removed: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True)
class FixRecord:
    description: str  # e.g. "`import torch` added"
    reason: str  # why, in note lines
    edits: tuple[NoteEdit, ...]


@dataclass(frozen=True)
class ErrorRecord:
    type: str  # the exception's class name, e.g. "NameError"
    message: str
    line: int | None  # its note line, when known


@dataclass(frozen=True)
class ClaimRecord:
    """One claim of an audited block, judged."""

    line: int  # note line
    kind: str  # printed, exception, gradients, ...
    form: str  # how the author wrote it: trailing-comment, output-block, repl, ...
    claimed: str
    actual: str
    status: Status  # passed = true, failed = false, drifted, unverifiable, error = its block does not run
    reason: str
    under_fixes: tuple[str, ...] = ()  # the fixes this verdict needed


@dataclass(frozen=True)
class BlockRecord:
    """What auditing one block of a note as written concluded: the structure, not a flattened string."""

    note: str  # the note's path, as given to the audit
    index: int  # the block's position among the note's code blocks (1-based)
    line: int  # the note line of its opening fence
    content_hash: str  # sha256 of the block's code as written: history follows a block across edits by it
    runs_as_written: bool
    error_as_written: ErrorRecord | None
    fixes: tuple[FixRecord, ...]
    remaining_error: ErrorRecord | None  # still raised after every fix found
    continues: tuple[int, ...]  # indexes of earlier blocks it ran after (notebook style)
    mode: str  # how it ran: "block" (alone), "chain" (after the blocks it continues), "session" (one namespace)
    claims: tuple[ClaimRecord, ...]

    @property
    def headline(self) -> str:
        """The block's own state in words: 'runs as written', 'fails as written; passes with 2 fixes'."""
        if self.runs_as_written:
            return "runs as written"
        n = len(self.fixes)
        if self.remaining_error is None and n:
            return f"fails as written; passes with {n} fix{'es' if n != 1 else ''}"
        if n:
            return f"fails as written; still fails after {n} fix{'es' if n != 1 else ''}"
        return "fails as written; no fix found"


@dataclass(frozen=True)
class Outcome:
    spec_id: str
    device: str
    status: Status
    expected: str
    actual: str
    message: str
    location: Location
    spec_path: str
    checks: tuple[CheckResult, ...] = ()
    timing: Timing | None = None
    timing_note: str = ""  # why there is no timing, when there is none
    gradients: tuple[GradientRecord, ...] = ()
    data: tuple[DataRecord, ...] = ()
    stdout: str = ""
    duration_s: float | None = None
    fix: str | None = None
    code: str = field(default="", repr=False)
    error_line: int | None = None  # line of the example's code where it raised
    block: BlockRecord | None = None  # for an audited note block: its state as written, fixes and claims
    autograd_graph: str = ""  # DOT text of the graph the first backward() walked (small models only)

    @classmethod
    def summarise(
        cls, checks: tuple[CheckResult, ...], *, status: Status | None = None, message: str = "", **fields: Any
    ) -> Outcome:
        """Build an outcome whose headline is its most severe check."""
        overall = status or worst(c.status for c in checks)
        headline = next((c for c in checks if c.status == overall), None)
        if headline is None and checks:
            headline = checks[0]
        return cls(
            status=overall,
            expected=headline.expected if headline else "",
            actual=headline.actual if headline else "",
            message=message or (headline.message if headline and overall != Status.PASSED else ""),
            checks=checks,
            **fields,
        )


def outcome_to_dict(outcome: Outcome) -> dict[str, Any]:
    """Plain JSON-ready data: the form the history and `--json` store."""
    return {
        "id": outcome.spec_id,
        "device": outcome.device,
        "status": outcome.status.value,
        "expected": outcome.expected,
        "actual": outcome.actual,
        "message": outcome.message,
        "location": {"path": outcome.location.path, "line": outcome.location.line},
        "spec": outcome.spec_path,
        "checks": [{**asdict(c), "status": c.status.value} for c in outcome.checks],
        "timing": {**(asdict(outcome.timing) if outcome.timing else {"median_s": None}), "note": outcome.timing_note},
        "gradients": [asdict(g) for g in outcome.gradients],
        "data": [asdict(d) for d in outcome.data],
        "stdout": outcome.stdout,
        "duration_s": outcome.duration_s,
        "fix": outcome.fix,
        "code": outcome.code,
        "error_line": outcome.error_line,
        "autograd_graph": outcome.autograd_graph,
        "block": block_to_dict(outcome.block) if outcome.block else None,
    }


def outcome_from_dict(data: dict[str, Any]) -> Outcome:
    timing = dict(data.get("timing") or {})
    note = timing.pop("note", "")
    return Outcome(
        spec_id=data["id"],
        device=data["device"],
        status=Status(data["status"]),
        expected=data["expected"],
        actual=data["actual"],
        message=data["message"],
        location=Location(data["location"]["path"], data["location"]["line"]),
        spec_path=data["spec"],
        checks=tuple(CheckResult(**{**c, "status": Status(c["status"])}) for c in data["checks"]),
        timing=Timing(**{**timing, "samples_s": tuple(timing.get("samples_s", ()))})
        if timing.get("median_s") is not None
        else None,
        timing_note=note,
        gradients=tuple(
            GradientRecord(**{**g, "shape": tuple(g["shape"]), "norms_per_call": tuple(g.get("norms_per_call", ()))})
            for g in data["gradients"]
        ),
        data=tuple(DataRecord(**d) for d in data["data"]),
        stdout=data["stdout"],
        duration_s=data["duration_s"],
        fix=data["fix"],
        code=data.get("code", ""),
        error_line=data.get("error_line"),
        autograd_graph=data.get("autograd_graph", ""),
        block=block_from_dict(data["block"]) if data.get("block") else None,
    )


def block_to_dict(block: BlockRecord) -> dict[str, Any]:
    return asdict(block)


def block_from_dict(data: dict[str, Any]) -> BlockRecord:
    def error(value: dict[str, Any] | None) -> ErrorRecord | None:
        return ErrorRecord(**value) if value is not None else None

    return BlockRecord(
        note=data["note"],
        index=data["index"],
        line=data["line"],
        content_hash=data["content_hash"],
        runs_as_written=data["runs_as_written"],
        error_as_written=error(data["error_as_written"]),
        fixes=tuple(
            FixRecord(
                description=f["description"],
                reason=f["reason"],
                edits=tuple(NoteEdit(e["line"], tuple(e["removed"]), tuple(e["added"])) for e in f["edits"]),
            )
            for f in data["fixes"]
        ),
        remaining_error=error(data["remaining_error"]),
        continues=tuple(data["continues"]),
        mode=data["mode"],
        claims=tuple(
            ClaimRecord(**{**c, "status": Status(c["status"]), "under_fixes": tuple(c["under_fixes"])})
            for c in data["claims"]
        ),
    )

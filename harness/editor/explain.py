"""Explain: one spec row or one audited note block on one device, judged, in words an editor shows.

Shared by the pytest plugin (a failure report like doctest's) and the language server (hover text). Knows
nothing of pytest or LSP: it reads Outcome and BlockAudit, the core's records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.audit.fixes import describe_fix
from harness.audit.note_audit import BlockAudit, ClaimVerdict
from harness.judge.outcome import CLAIM_WORDS, Outcome, Status

CONTEXT_LINES = 3  # note lines shown before the claim, as doctest shows the example


@dataclass(frozen=True)
class Verdict:
    """What an editor item concludes: its status, one line why, and the long report of a problem."""

    status: Status  # passed, failed, error, drifted, skipped, unverifiable
    summary: str
    report: str = ""  # numbered source lines, expected vs actual, the suggested fix; "" when nothing is wrong


def excerpt(lines: Sequence[str], line: int, *, before: int = CONTEXT_LINES, after: int = 1) -> str:
    """Numbered lines around `line` (1-based), the line itself marked, as doctest shows a failing example."""
    if not 1 <= line <= len(lines):
        return ""
    first, last = max(1, line - before), min(len(lines), line + after)
    width = len(str(last))
    return "\n".join(
        f"{'>' if n == line else ' '} {n:>{width}} | {lines[n - 1].rstrip()}" for n in range(first, last + 1)
    )


def spec_verdict(
    outcome: Outcome,
    note_lines: Sequence[str] | None,
    spec_lines: Sequence[str] = (),
    expectation_lines: Sequence[int] = (),
) -> Verdict:
    """A spec row. `note_lines`: the file its location points at (the note), when readable; a claim without a
    note line is shown at its `[[expect]]` table in the spec (`spec_lines`, `expectation_lines`)."""
    where = f"{outcome.location.path}:{outcome.location.line}" if outcome.location.line else outcome.location.path
    if outcome.status == Status.PASSED:
        return Verdict(outcome.status, f"{outcome.spec_id} on {outcome.device}: passed")
    if outcome.status in (Status.SKIPPED, Status.UNVERIFIABLE):
        return Verdict(outcome.status, outcome.message or outcome.status.value)
    parts = [f"{where}: {outcome.spec_id} on {outcome.device}: {outcome.status.value}"]
    claims = [c for c in outcome.checks if c.kind not in ("device", "agreement")]  # in [[expect]] order
    shown = [c for c in outcome.checks if c.status != Status.PASSED] or list(outcome.checks)
    for check in shown:
        table = expectation_lines[claims.index(check)] if check in claims[: len(expectation_lines)] else None
        if check.line and note_lines:
            parts.append(excerpt(note_lines, check.line))
        elif table and spec_lines:
            parts.append(excerpt(spec_lines, table, before=0, after=4))
        elif outcome.error_line and outcome.code:
            parts.append(excerpt(outcome.code.splitlines(), outcome.error_line))
        parts.append(f"{check.kind}: {check.status.value}")
        parts.append(f"expected: {check.expected}")
        parts.append(f"actual:   {check.actual}")
        if check.message:
            parts.append(f"why:      {check.message}")
    if not outcome.checks:
        if outcome.error_line and outcome.code:
            parts.append(excerpt(outcome.code.splitlines(), outcome.error_line))
        parts.append(outcome.message)
    if outcome.fix:
        parts.append(f"suggested fix: {outcome.fix}")
    summary = outcome.message or f"expected {outcome.expected}, got {outcome.actual}"
    return Verdict(outcome.status, summary, "\n".join(p for p in parts if p))


def block_claims(block: BlockAudit, device: str) -> list[ClaimVerdict]:
    return [claim for claim in block.claims if claim.device == device]


def block_outcome(block: BlockAudit, device: str) -> Outcome | None:
    return next((outcome for outcome in block.outcomes if outcome.device == device), None)


def block_verdict(block: BlockAudit, device: str, note_path: str, note_lines: Sequence[str]) -> Verdict:
    """An audited block on one device: a bug that stops it as written, or a false claim, is a failure."""
    outcome = block_outcome(block, device)
    if outcome is None:
        return Verdict(Status.SKIPPED, f"block {block.index} was not run on {device}")
    if outcome.status == Status.SKIPPED:
        return Verdict(Status.SKIPPED, outcome.message)
    claims = block_claims(block, device)
    bad = [c for c in claims if c.status in (Status.FAILED, Status.ERROR)]
    # A block that continues earlier ones (notebook style) and needed no fix runs as written, in its chain.
    chained = bool(block.continues) and not block.fixes
    if (block.runs_as_written or chained) and not bad and not block.remaining_error:
        drifted = [c for c in claims if c.status == Status.DRIFTED]
        unverifiable = [c for c in claims if c.status == Status.UNVERIFIABLE]
        words = [f"{len(claims) - len(drifted) - len(unverifiable)} claim(s) true"]
        if drifted:
            words.append(f"{len(drifted)} drifted")
        if unverifiable:
            words.append(f"{len(unverifiable)} unverifiable ({unverifiable[0].reason})")
        return Verdict(Status.DRIFTED if drifted else Status.PASSED, "runs as written; " + ", ".join(words))
    parts = [f"{note_path}:{block.line}: block {block.index} on {device}"]
    if block.error_as_written:
        error = block.error_as_written
        line = block.note_line(error["line"]) if error.get("line") else None
        verb = "does not complete" if error["type"] == "crash" else f"raises {error['type']}"
        parts.append(f"as written it {verb}: {error['message']}")
        if line:
            parts.append(excerpt(note_lines, line))
    for fix in block.fixes:
        parts.append(f"suggested fix: {describe_fix(fix)}  ({fix.reason})")
        if fix.alternative:
            parts.append(f"          or: {fix.alternative}")
    if block.remaining_error:
        parts.append(f"still raises after the fixes: {block.remaining_error}")
    for claim in bad:
        parts.append(excerpt(note_lines, claim.line))
        under = f" (with {'; '.join(claim.under_fixes)})" if claim.under_fixes else ""
        parts.append(f"claim at line {claim.line}: {CLAIM_WORDS[claim.status]}{under}")
        parts.append(f"expected: {claim.claimed}")
        parts.append(f"actual:   {claim.actual or '-'}")
        if claim.reason:
            parts.append(f"why:      {claim.reason}")
    judged = [c for c in claims if c not in bad and c.status != Status.SKIPPED]
    if judged and block.fixes:
        parts.append("claims judged under the fixes:")
        parts.extend(
            f"  line {c.line}: {c.claimed}  ->  {CLAIM_WORDS[c.status]} ({c.actual or c.reason})" for c in judged
        )
    summary = (
        f"fails as written: {block.error_as_written['type']}: {block.error_as_written['message']}"
        if block.error_as_written
        else f"{len(bad)} claim(s) false or not run"
    )
    status = Status.FAILED if bad and all(c.status == Status.FAILED for c in bad) else Status.ERROR
    if block.error_as_written and not bad:
        status = Status.ERROR
    return Verdict(status, summary, "\n".join(p for p in parts if p))

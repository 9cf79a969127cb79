"""Audit report: a note's audit for the terminal (grouped by block) and as JSON. Reads NoteAudit only."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from harness.audit.edits import Edit
from harness.audit.fixes import describe_fix
from harness.audit.note_audit import BlockAudit, ClaimVerdict, NoteAudit
from harness.cli.report import STATUS_STYLE
from harness.judge.outcome import CLAIM_WORDS, Status, seconds


def _claim_text(verdict: ClaimVerdict) -> Text:
    words = CLAIM_WORDS[verdict.status]
    if verdict.under_fixes and verdict.status not in (Status.ERROR, Status.SKIPPED, Status.UNVERIFIABLE):
        fixes = verdict.under_fixes
        words = f"with {'; '.join(fixes) if len(fixes) <= 2 else f'the {len(fixes)} fixes above'}: {words}"
    return Text(words, style=STATUS_STYLE[verdict.status])


def block_view(block: BlockAudit, note: str) -> RenderableType:
    parts: list[RenderableType] = []
    title = Text(f"block {block.index}  {note}:{block.line}", style="bold")
    if block.continues:
        title.append(f"  (continues block {', '.join(str(i) for i in block.continues)})", style="dim")
    parts.append(title)
    if block.error_as_written:
        error = block.error_as_written
        where = f" at line {block.note_line(error['line'])}" if error.get("line") else ""
        parts.append(Text(f"  as written it raises {error['type']}{where}: {error['message']}", style="magenta"))
    for fix in block.fixes:
        parts.append(Text(f"  {fix.cause}\n    fix: {describe_fix(fix)}  ({fix.reason})", style="green"))
        if fix.alternative:
            parts.append(Text(f"    or: {fix.alternative}", style="dim"))
    for edit in block.edits():  # numbered by the note as written
        parts.append(Text(f"    note line {block.note_line(edit.line)}: {_edit_text(edit)}", style="dim"))
    if block.remaining_error:
        parts.append(Text(f"  still raises: {block.remaining_error}", style="bold magenta"))
    shown = [v for v in block.claims if v.status != Status.SKIPPED]
    if shown:
        table = Table("line", "device", "claim", "verdict", "actual", "why", box=None, padding=(0, 1))
        for verdict in shown:
            table.add_row(
                str(verdict.line),
                Text(verdict.device),
                Text(verdict.claimed),  # the note's text: Text, so `[/x]` in it is not read as markup
                _claim_text(verdict),
                Text(verdict.actual),
                Text(verdict.reason),
            )
        parts.append(table)
    for device, reason in sorted({(v.device, v.reason) for v in block.claims if v.status == Status.SKIPPED}):
        parts.append(Text(f"  {device}: skipped, {reason}", style="dim"))
    for outcome in block.outcomes:
        if outcome.timing:
            timing = outcome.timing
            parts.append(
                Text(f"  time on {outcome.device}: {seconds(timing.median_s)} ± {seconds(timing.iqr_s)}", style="dim")
            )
        for data in outcome.data:
            if data.source == "stand-in" and outcome.device == "cpu":
                parts.append(Text(f"  data: {data.description}", style="yellow"))
    if not block.claims and not block.error_as_written:
        parts.append(Text("  runs; claims nothing", style="dim"))
    return Group(*parts)


def _edit_text(edit: Edit) -> str:
    if edit.insert:
        return f"insert `{edit.new}`"
    if not edit.new:
        return f"remove `{edit.old.strip()}`"
    return f"`{edit.old.strip()}` -> `{edit.new.strip()}`"


def audit_view(audit: NoteAudit) -> RenderableType:
    return Group(*(block_view(block, audit.note) for block in audit.blocks), audit_summary(audit))


def audit_summary(audit: NoteAudit) -> Text:
    counts = Counter(CLAIM_WORDS[c.status] for c in audit.claims)
    broken = [b for b in audit.blocks if not b.runs_as_written]
    text = Text(f"{len(audit.blocks)} blocks, {len(broken)} do not run as written; claims: ")
    text.append(", ".join(f"{n} {word}" for word, n in sorted(counts.items())) or "none")
    return text


def audit_json(audit: NoteAudit) -> dict[str, Any]:
    return {
        "note": audit.note,
        "blocks": [
            {
                "index": block.index,
                "line": block.line,
                "runs_as_written": block.runs_as_written,
                "error_as_written": None
                if block.error_as_written is None
                else {
                    "type": block.error_as_written["type"],
                    "message": block.error_as_written["message"],
                    "line": block.note_line(block.error_as_written["line"])
                    if block.error_as_written.get("line")
                    else None,
                },
                "continues": list(block.continues),
                "fixes": [
                    {"cause": fix.cause, "fix": describe_fix(fix), "reason": fix.reason, "alternative": fix.alternative}
                    for fix in block.fixes
                ],
                "edits": [
                    {"line": block.note_line(e.line), "old": e.old, "new": e.new, "insert": e.insert}
                    for e in block.edits()
                ],
                "remaining_error": block.remaining_error,
                "claims": [
                    {
                        "line": c.line,
                        "kind": c.kind,
                        "form": c.form,
                        "device": c.device,
                        "status": CLAIM_WORDS[c.status],
                        "claimed": c.claimed,
                        "actual": c.actual,
                        "reason": c.reason,
                        "fix": "; ".join(c.under_fixes) or None,
                    }
                    for c in block.claims
                ],
            }
            for block in audit.blocks
        ],
    }

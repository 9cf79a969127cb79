"""Spec writer: `noteproof init` turns a note's blocks and claims into spec files for the user to review and keep.

Each file starts with a header holding the hash of what was generated. Running `init` again rewrites a file
only while its body still has that hash: a spec the user edited is kept as it is.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import tomli_w

# The audit's own rule for showing a block's last value, so that the spec runs the block as the audit ran it.
from harness.audit.note_audit import BlockAudit, NoteAudit, expectation_for, shows_last_value
from harness.notes.claims import Claim, CodeBlock
from harness.notes.document import code_hash

_HEADER = re.compile(r"^# noteproof init: .* body sha256 ([0-9a-f]{64})\n")
Action = Literal["written", "updated", "unchanged", "kept (edited by you)"]


@dataclass(frozen=True)
class WrittenSpec:
    path: Path
    action: Action
    block: int
    claims: int


@dataclass(frozen=True)
class SkippedBlock:
    block: int
    line: int
    reason: str
    where: str = ""  # where the user finds it: "line 12", or a notebook's "cell 3"


def write_specs(note: Path, audit: NoteAudit, out: Path) -> tuple[list[WrittenSpec], list[SkippedBlock]]:
    out.mkdir(parents=True, exist_ok=True)
    sources = {block_audit.index: block_audit.source for block_audit in audit.blocks}
    written: list[WrittenSpec] = []
    skipped: list[SkippedBlock] = []
    for block_audit in audit.blocks:
        block = block_audit.source
        claims = [claim for claim in block.claims if not claim.unverifiable]
        if block.inline:  # a spec finds its example by a fence's line or a cell's number; inline code has neither
            skipped.append(
                SkippedBlock(
                    block.index,
                    block.line + 1,
                    f"{_article(block.inline)} {block.inline}: `audit` checks it",
                    _where(block),
                )
            )
            continue
        if not claims:
            reason = "its claims cannot be verified" if block.claims else "it claims nothing"
            skipped.append(SkippedBlock(block.index, block.line, reason, _where(block)))
            continue
        path = out / f"{_slug(note.stem)}-block{block.index:02d}.toml"
        body = tomli_w.dumps(_spec_data(note, out, block_audit, claims, sources))
        written.append(WrittenSpec(path, _write(path, note, block, body), block.index, len(claims)))
    return written, skipped


def _spec_data(
    note: Path, out: Path, audit: BlockAudit, claims: list[Claim], sources: dict[int, CodeBlock]
) -> dict[str, Any]:
    block = audit.source
    example: dict[str, Any] = {
        "note": os.path.relpath(note.resolve(), out.resolve()),
        **_place(block),
        "sha256": code_hash(block.code),
    }
    if shows_last_value(block):  # run as the audit ran it: a cell shows its last expression's value
        example["display_last"] = True
    earlier = [sources[i] for i in audit.continues if not sources[i].inline]  # inline code binds nothing
    if earlier:
        example["continues"] = [{**_place(block), "sha256": code_hash(block.code)} for block in earlier]
    return {
        "id": f"{_slug(note.stem)}-block{block.index:02d}",
        "title": f"{note.name}, block {block.index} ({_where(block)})",
        "example": example,
        "expect": [_expectation(claim) for claim in claims],
    }


def _place(block: CodeBlock) -> dict[str, int]:
    """Where the spec finds the block: a notebook's code cell by its number, a fence by its line."""
    return {"cell": block.cell} if block.cell is not None else {"line": block.line}


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def _where(block: CodeBlock) -> str:
    if block.inline:
        return f"{block.inline}, line {block.line + 1}"
    return f"cell {block.cell}" if block.cell is not None else f"line {block.line}"


def _expectation(claim: Claim) -> dict[str, Any]:
    """The audit's expectation for the claim, as TOML data; statement lines stay the block's own."""
    expectation = expectation_for(claim, claim.statement_line)
    assert expectation is not None  # unverifiable claims were left out
    return {"kind": expectation.kind, **expectation.model_dump(exclude_defaults=True)}


def _write(path: Path, note: Path, block: CodeBlock, body: str) -> Action:
    header = (
        f"# noteproof init: generated from {note.name} block at {_where(block)}; "
        f"body sha256 {hashlib.sha256(body.encode()).hexdigest()}\n"
        "# Review the claims below; once you edit this file, `noteproof init` leaves it alone.\n"
        "#:schema ./noteproof-spec.schema.json\n"
    )
    if path.exists():
        current = path.read_text(encoding="utf-8")
        recorded = _HEADER.match(current)
        current_body = "".join(current.splitlines(keepends=True)[3:])
        if recorded is None or hashlib.sha256(current_body.encode()).hexdigest() != recorded.group(1):
            return "kept (edited by you)"
        if current == header + body:
            return "unchanged"
        path.write_text(header + body, encoding="utf-8")
        return "updated"
    path.write_text(header + body, encoding="utf-8")
    return "written"


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")
    return slug or "note"

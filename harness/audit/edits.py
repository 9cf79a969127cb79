"""Edits: changes to code, line by line, that keep every byte they do not touch (line endings, a missing final newline).

The primitives the fixes and the note patcher share: an `Edit` of one line, `split_lines` that counts lines the
way Python and markdown-it do, `apply_edits`, and the inverse, `edits_between` two versions of a block.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    line: int  # 1-based line in the block's code
    old: str  # exact substring on that line to replace; "" for an insertion
    new: str  # replacement; for an insertion, the whole new line (no newline character)
    insert: bool = False  # True: insert `new` as a new line before `line` (len(lines) + 1 appends)


_LINE = re.compile(r"([^\r\n]*)(\r\n|\n|\r|$)")


def split_lines(text: str) -> list[tuple[str, str]]:
    """(text, ending) per line, the way Python and markdown-it count lines; joining them gives `text` back."""
    parts: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _LINE.match(text, pos)
        assert match is not None  # the pattern matches the empty string, so always
        parts.append((match.group(1), match.group(2)))
        pos = match.end()
    return parts


def apply_edits(code: str, edits: Sequence[Edit]) -> str:
    """Apply edits numbered by the ORIGINAL code's lines; every byte no edit touches stays as it was."""
    lines = split_lines(code)
    replacements: dict[int, list[Edit]] = {}
    insertions: dict[int, list[Edit]] = {}
    for edit in edits:
        last = len(lines) + 1 if edit.insert else len(lines)
        if not 1 <= edit.line <= last:
            raise ValueError(f"line {edit.line} is outside the code (lines 1-{len(lines)})")
        (insertions if edit.insert else replacements).setdefault(edit.line, []).append(edit)
    ending = line_ending(lines)
    out: list[tuple[str, str]] = []
    for number in range(1, len(lines) + 2):
        for edit in insertions.get(number, []):
            out.append((edit.new, ending))
        if number > len(lines):
            break
        text, end = lines[number - 1]
        dropped = False
        for edit in replacements.get(number, []):
            if edit.old not in text:
                raise ValueError(f"line {number}: {edit.old!r} is not on it ({text!r})")
            text = text.replace(edit.old, edit.new, 1)
            # A line emptied by an edit that removes text is a deleted line, not a blank one.
            dropped = dropped or (edit.new == "" and not text.strip())
        if not dropped:
            out.append((text, end))
    return join_lines(out, lines)


def line_ending(lines: Sequence[tuple[str, str]]) -> str:
    """The text's own line ending (its first), for lines an edit adds."""
    return next((end for _, end in lines if end), "\n")


def join_lines(out: list[tuple[str, str]], original: Sequence[tuple[str, str]]) -> str:
    """Join edited lines: only the last may lack a newline, and it does exactly when the original's last did."""
    ending = line_ending(original)
    out = [(text, end or ending) for text, end in out]
    if out and original and not original[-1][1]:
        out[-1] = (out[-1][0], "")
    return "".join(text + end for text, end in out)


def _line_changes(original: str, fixed: str) -> Iterator[tuple[str, int, int, int, int, list[str], list[str]]]:
    old_lines, new_lines = original.splitlines(), fixed.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        yield tag, i1, i2, j1, j2, old_lines, new_lines


def line_map(original: str, fixed: str) -> dict[int, int]:
    """Where each line of `original` is in `fixed` (1-based); a line a fix rewrote maps to its rewrite."""
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2, _, _ in _line_changes(original, fixed):
        if tag in ("equal", "replace"):
            for k in range(min(i2 - i1, j2 - j1)):
                mapping[i1 + k + 1] = j1 + k + 1
    return mapping


def edits_between(original: str, fixed: str) -> list[Edit]:
    """Line edits that turn `original` into `fixed`, numbered by the original's lines."""
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2, old_lines, new_lines in _line_changes(original, fixed):
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            edits.append(Edit(line=i1 + k + 1, old=old_lines[i1 + k], new=new_lines[j1 + k]))
        for k in range(i1 + paired, i2):
            edits.append(Edit(line=k + 1, old=old_lines[k], new=""))
        for k in range(j1 + paired, j2):
            edits.append(Edit(line=i1 + paired + 1, old="", new=new_lines[k], insert=True))
    return edits


def describe_edits(edits: Sequence[Edit]) -> str:
    """Edits in a few words: "`import torch` added", "`Loss` -> `loss`"."""
    parts = []
    for edit in edits:
        if edit.insert:
            parts.append(f"`{edit.new.strip()}` added")
        elif not edit.new.strip():
            parts.append(f"`{edit.old.strip()}` removed")
        else:
            parts.append(f"`{edit.old.strip()}` -> `{edit.new.strip()}`")
    return ", ".join(parts)

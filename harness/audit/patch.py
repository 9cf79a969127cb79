"""Patch: apply code edits to the note itself, the prose untouched byte for byte.

A block's code is what markdown-it hands out after stripping the container around it (list indentation,
"> " of a blockquote, an admonition's indentation); each code line sits on its own note line after that
prefix. An edit changes text after the prefix only, an inserted line borrows the prefix of the block's
code, and every other byte of the note (line endings, a missing final newline) stays as it was. A REPL
transcript's edits keep its prompts (transcript_patch); a notebook's go into its cells (notebook_patch).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harness.audit.edits import Edit, join_lines, line_ending, split_lines
from harness.audit.notebook_patch import patch_notebook
from harness.audit.transcript_patch import transcript_edits
from harness.notes.document import blocks
from harness.notes.notebook import is_notebook
from harness.notes.shell import shell_session
from harness.notes.transcript import is_transcript


@dataclass(frozen=True)
class _Fence:
    line: int  # note line of the opening fence, 1-based
    first: int  # 0-based index of its first code line among the note's lines
    code: list[str]  # the code lines as markdown-it gives them
    transcript: bool  # a REPL transcript: its block code is read without prompts (harness.notes.transcript)
    text: str  # the code as markdown-it gives it
    script: tuple[int, int] | None = None  # a shell session's script: its first and last code lines


def _fences(text: str) -> dict[int, _Fence]:
    """The note's fences, found the one way the project finds them (harness.notes.document)."""
    return {
        block.line: _Fence(
            line=block.line,
            first=block.line,
            code=[line for line, _ in split_lines(block.code)],
            transcript=is_transcript(block.code),
            text=block.code,
            script=_script_lines(block.language, block.code),
        )
        for block in blocks(text)
    }


def _script_lines(language: str, code: str) -> tuple[int, int] | None:
    """Where a shell session's script sits in its fence (harness.notes.shell): a line inserted above it would land
    among the shell's commands, one below it in the run's output."""
    session = shell_session(language, code)
    if session is None:
        return None
    numbers = [n for n, line in enumerate(session[0].split("\n"), 1) if line.strip()]
    return (numbers[0], numbers[-1]) if numbers else None


def patch_note(text: str, edits_by_block: Mapping[int, Sequence[Edit]]) -> str:
    """Apply each block's edits (keyed by the note line of its opening fence, or the synthetic line of a notebook's
    cell) to the note. A notebook's edits go into its cells' sources (harness.audit.notebook_patch)."""
    if is_notebook(text):
        return patch_notebook(text, edits_by_block)
    lines = split_lines(text)
    fences = _fences(text)
    replaced: dict[int, str] = {}  # note line index -> its new text
    dropped: set[int] = set()
    inserted: dict[int, list[str]] = {}  # note line index -> lines to put before it
    for fence_line, block_edits in edits_by_block.items():
        fence = fences.get(fence_line)
        if fence is None:
            raise ValueError(f"note line {fence_line}: no fenced code block opens there")
        edits = block_edits
        if fence.transcript:  # the edits are of the code without prompts: on the transcript, prompts stay
            try:
                edits = transcript_edits(fence.text, block_edits)
            except ValueError as exc:
                raise ValueError(f"note line {fence_line}: {exc}") from None
        for edit in edits:
            if edit.insert:
                if not 1 <= edit.line <= len(fence.code) + 1:
                    raise ValueError(f"note line {fence_line}: the block has no code line {edit.line}")
                at = edit.line if fence.script is None else min(max(edit.line, fence.script[0]), fence.script[1] + 1)
                inserted.setdefault(fence.first + at - 1, []).append(_prefix(fence, lines) + edit.new)
                continue
            if not 1 <= edit.line <= len(fence.code):
                raise ValueError(f"note line {fence_line}: the block has no code line {edit.line}")
            index = fence.first + edit.line - 1
            code = fence.code[edit.line - 1]
            if code.strip() or index in replaced:
                prefix, old, new = _locate(lines[index][0], code, edit)
                body = replaced.get(index, lines[index][0])[len(prefix) :]
            else:  # a blank line's own prefix may be nothing (in a list) or ">": text put there needs the block's
                prefix, old, new, body = _prefix(fence, lines), edit.old, edit.new, code
            if old not in body:
                raise ValueError(f"note line {index + 1}: {edit.old!r} is not on it ({lines[index][0]!r})")
            body = body.replace(old, new, 1)
            replaced[index] = prefix + body
            if edit.new == "" and not body.strip():  # emptied by a removal: the line goes, prefix and all
                dropped.add(index)
    return _assemble(lines, replaced, dropped, inserted)


def _locate(note_line: str, code_line: str, edit: Edit) -> tuple[str, str, str]:
    """The container prefix of a note line (what precedes the code markdown-it read from it), and the edit."""
    if note_line.endswith(code_line):
        return note_line[: len(note_line) - len(code_line)], edit.old, edit.new
    # The container expanded tabs, so the note's leading blanks are not the code's: edit after them, and
    # drop the code's own indentation from an edit that carries it (a whole-line edit).
    text = code_line.lstrip()
    indent = code_line[: len(code_line) - len(text)]
    prefix = note_line[: len(note_line) - len(text)] if text and note_line.endswith(text) else ""
    if indent and edit.old.startswith(indent) and edit.new.startswith(indent):
        return prefix, edit.old[len(indent) :], edit.new[len(indent) :]
    return prefix, edit.old, edit.new


def _prefix(fence: _Fence, lines: list[tuple[str, str]]) -> str:
    """The prefix of the block's first code line with text (a blank line in a list item carries none)."""
    for offset, code in enumerate(fence.code):
        note = lines[fence.first + offset][0]
        if code.strip() and note.endswith(code):
            return note[: len(note) - len(code)]
    opening = lines[fence.line - 1][0]
    marker = min((i for i in (opening.find("```"), opening.find("~~~")) if i >= 0), default=0)
    return opening[:marker]


def _assemble(
    lines: list[tuple[str, str]], replaced: dict[int, str], dropped: set[int], inserted: dict[int, list[str]]
) -> str:
    ending = line_ending(lines)
    out: list[tuple[str, str]] = []
    for index in range(len(lines) + 1):
        out.extend((new, ending) for new in inserted.get(index, []))
        if index == len(lines):
            break
        if index not in dropped:
            text, end = lines[index]
            out.append((replaced.get(index, text), end))
    return join_lines(out, lines)


def unified_diff(old: str, new: str, path: str) -> str:
    """A `git diff`-style unified diff of the note, "" when nothing changed."""
    diff = difflib.unified_diff(
        [text + end for text, end in split_lines(old)],
        [text + end for text, end in split_lines(new)],
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    out = []
    for line in diff:
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:  # the last line of a text without a final newline, as git shows it
            out.append(f"{line}\n\\ No newline at end of file\n")
    return "".join(out)

"""Transcript edits: a fix of a REPL transcript's code, turned into edits of the transcript itself, prompts kept.

A transcript's block code is its text without prompts, output lines blanked, line for line (harness.notes.
transcript), and fixes edit that code. On the transcript, a changed line keeps its prompt (`>>> `, `... `,
`In [3]: `) and only the code after it changes; an inserted line gets the prompt it needs to be read as code:
`... ` inside a statement that goes on, else `>>> ` (`In []: ` in an IPython transcript) at the transcript's
own indentation, and never between an example and its output, which would make the output another's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from harness.audit.edits import Edit
from harness.notes.transcript import read_transcript

LineKind = Literal["first", "more", "output", "blank"]
_IPYTHON = re.compile(r"In \[\d*\]:")


@dataclass(frozen=True)
class _Line:
    kind: LineKind
    prompt: str  # what precedes the code on the line: indentation and prompt ("" on output and blank lines)
    code: str


def _read(text: str) -> list[_Line]:
    """Each line of the transcript with its kind, as read_transcript reads it (its examples' source lines)."""
    raw = text.split("\n")
    code, examples = read_transcript(text)
    codes = code.split("\n")
    kinds: dict[int, LineKind] = {}
    for example in examples:
        kinds[example.line] = "first"
        kinds.update({number: "more" for number in range(example.line + 1, example.end + 1)})
    lines = []
    for number, (line, source) in enumerate(zip(raw, codes, strict=True), 1):
        kind = kinds.get(number) or ("blank" if not line.strip() else "output")
        prompt = line[: len(line) - len(source)] if kind in ("first", "more") else ""
        lines.append(_Line(kind, prompt, source if kind in ("first", "more") else ""))
    return lines


def transcript_edits(text: str, edits: Sequence[Edit]) -> list[Edit]:
    """`edits` of the transcript's code (numbered by its lines), as edits of the transcript `text` itself."""
    lines = _read(text)
    changed: dict[int, str] = {}  # 1-based line -> its new code
    dropped: set[int] = set()
    inserts: list[Edit] = []
    for edit in edits:
        if not 1 <= edit.line <= len(lines) + (1 if edit.insert else 0):
            raise ValueError(f"the transcript has no code line {edit.line}")
        line = lines[edit.line - 1] if edit.line <= len(lines) else None
        if edit.insert or (line is not None and line.kind in ("output", "blank")):
            if edit.old and not edit.insert:
                raise ValueError(f"line {edit.line}: {edit.old!r} is not on it (it holds no code)")
            # A blank code line (an output, a blank line) rewritten is new code there: the line itself stays.
            if edit.new.strip():
                inserts.append(_insertion(lines, edit.line, edit.new))
            continue  # removing a blank code line would remove a claimed output or end an example's output
        assert line is not None
        code = changed.get(edit.line, line.code)
        if edit.old not in code:
            raise ValueError(f"line {edit.line}: {edit.old!r} is not on it ({line.code!r})")
        changed[edit.line] = code = code.replace(edit.old, edit.new, 1)
        if edit.new == "" and not code.strip():  # emptied by a removal: the line goes, prompt and all
            dropped.add(edit.line)
    prompts = {number: lines[number - 1].prompt for number in changed}
    prompts.update(_promoted(lines, dropped))
    out = [*inserts]
    for number in sorted(prompts.keys() | dropped):
        line = lines[number - 1]
        new = "" if number in dropped else prompts[number] + changed.get(number, line.code)
        out.append(Edit(number, line.prompt + line.code, new))
    return out


def _promoted(lines: list[_Line], dropped: set[int]) -> dict[int, str]:
    """An example whose first line went, going on with `...` lines: its first line that stays opens it, `>>>`."""
    prompts = {}
    for number in sorted(dropped):
        if lines[number - 1].kind != "first":
            continue
        after = number + 1
        while after <= len(lines) and after in dropped and lines[after - 1].kind == "more":
            after += 1
        if after <= len(lines) and after not in dropped and lines[after - 1].kind == "more":
            prompts[after] = _first_prompt(lines, after)
    return prompts


def _insertion(lines: list[_Line], at: int, new: str) -> Edit:
    """A new code line before line `at`, with the prompt that makes the transcript read it where it was put."""
    here = lines[at - 1] if at <= len(lines) else None
    before = lines[at - 2] if at >= 2 else None
    indented = new[:1] in (" ", "\t")
    if (here is not None and here.kind == "more") or (
        indented and before is not None and before.kind in ("first", "more")
    ):
        return Edit(at, "", _more_prompt(lines, at) + new, insert=True)
    while at <= len(lines) and lines[at - 1].kind == "output":  # after the output, which stays its example's
        at += 1
    return Edit(at, "", _first_prompt(lines, at) + new, insert=True)


def _first_prompt(lines: list[_Line], at: int) -> str:
    """`>>> ` as the nearest example writes it (its indentation; IPython's `In []:`, unnumbered: it never ran)."""
    prompt = _nearest(lines, at, "first")
    indent = prompt[: len(prompt) - len(prompt.lstrip())]
    return indent + ("In []: " if _IPYTHON.match(prompt.lstrip()) else ">>> ")


def _more_prompt(lines: list[_Line], at: int) -> str:
    """`... ` as the transcript writes its continuations, or as they go with its `>>>`/`In [n]:` prompts."""
    more = _nearest(lines, at, "more")
    if more:
        return more.rstrip() + " "
    first = _nearest(lines, at, "first")
    indent = first[: len(first) - len(first.lstrip())]
    ipython = _IPYTHON.match(first.lstrip())
    return indent + (" " * (ipython.end() - 4) + "...: " if ipython else "... ")


def _nearest(lines: list[_Line], at: int, kind: LineKind) -> str:
    """The prompt of the line of that kind nearest before `at` (else after it); "" when there is none."""
    order = [*range(min(at, len(lines) + 1) - 1, 0, -1), *range(at, len(lines) + 1)]
    return next((lines[n - 1].prompt for n in order if lines[n - 1].kind == kind), "")

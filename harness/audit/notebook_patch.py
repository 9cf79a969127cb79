"""Notebook patch: a notebook's fixes written into its code cells' `source`, every other byte of the file kept.

Not `nbformat.writes`: it rewrites the whole file (key order, indentation, escapes, the final newline, what it
upgrades or drops), and a fix must change only what it fixes. The JSON is scanned for each cell's `source` value
and only the values of the cells that change are written again, laid out as the file lays them out (nbformat's
list of lines, or one string). Edits are numbered by the cell's block code (harness.notes.notebook: the source
line for line, IPython-only lines such as `%time` blank); those lines stay as the author wrote them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence

from harness.audit.edits import Edit, apply_edits
from harness.errors import NoteError
from harness.notes.notebook import cell_code, cell_position

__all__ = ["patch_notebook"]

_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


def patch_notebook(text: str, edits_by_block: Mapping[int, Sequence[Edit]], name: str = "notebook") -> str:
    """Apply each cell's edits (keyed by the cell's synthetic line, `Cell.line`) to the notebook's JSON text."""
    spans = _source_spans(text)
    expected = json.loads(text)  # what the patched file must read as: this, with the new sources only
    pieces: list[tuple[int, int, str]] = []
    for line, edits in sorted(edits_by_block.items()):
        number, offset, output = cell_position(line)
        cell = expected["cells"][number - 1] if not offset and not output and 1 <= number <= len(spans) else None
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            raise ValueError(f"line {line}: no code cell of the notebook starts there")
        span = spans[number - 1]
        if span is None or not isinstance(cell.get("source"), str | list):
            raise NoteError(name, f"cell {number}: it has no `source` to write the fix into")
        start, end = span
        value = cell["source"]
        source = "".join(value) if isinstance(value, list) else value
        new = _encode(_edited(source, edits, number, name), value, text, start, end)
        pieces.append((start, end, new))
        cell["source"] = json.loads(new)
    out, at = [], 0
    for start, end, new in pieces:
        out += [text[at:start], new]
        at = end
    patched = "".join([*out, text[at:]])
    if json.loads(patched) != expected:  # a bug here must not write a notebook that lost something
        raise ValueError("the patched notebook differs from the original beyond the fixed cells' sources")
    return patched


def _edited(source: str, edits: Sequence[Edit], number: int, name: str) -> str:
    """The cell's source with the edits of its block code applied; an IPython-only line stays as written."""
    if "\r" in source:  # Python counts a lone CR as a line end, the block code does not: lines would not agree
        raise NoteError(name, f"cell {number}: its source has carriage returns; save it with plain newlines")
    lines, code = source.split("\n"), cell_code(source).split("\n")
    kept: list[Edit] = []
    for edit in edits:
        magic = not edit.insert and edit.line <= len(lines) and not code[edit.line - 1] and lines[edit.line - 1].strip()
        if not magic:
            kept.append(edit)
        elif edit.old:
            raise ValueError(f"cell {number} line {edit.line}: {edit.old!r} is not on it (an IPython line)")
        elif edit.new.strip():  # code written on a line that is blank to Python: put before it, the magic stays
            kept.append(Edit(edit.line, "", edit.new, insert=True))
    try:
        edited = apply_edits(source, kept)
    except ValueError as exc:
        raise ValueError(f"cell {number}: {exc}") from None
    # Jupyter ends a source without a newline; apply_edits keeps that of a cell with lines, not of an empty one.
    return edited[:-1] if not source.endswith("\n") and edited.endswith("\n") else edited


def _encode(source: str, was: str | list[str], text: str, start: int, end: int) -> str:
    """The new `source` value as JSON, in the layout of the old one (`text[start:end]`)."""
    ascii_only = text.isascii() and re.search(r"\\u[0-9a-fA-F]{4}", text) is not None  # the file escapes: so do we
    if isinstance(was, str):
        return json.dumps(source, ensure_ascii=ascii_only)
    items = [json.dumps(line, ensure_ascii=ascii_only) for line in source.splitlines(keepends=True)]  # as nbformat
    if not items:
        return "[]"
    raw = text[start:end]
    inner = raw[1:-1]
    lead, trail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()) :]
    if not inner.strip():  # an empty list has no layout to copy: nbformat's, at the depth of the `source` key
        indent = re.match(r"[ \t]*", text[text.rfind("\n", 0, start) + 1 :])
        key = indent.group(0) if indent else ""
        unit = key[: len(key) // 3] if key and len(key) % 3 == 0 else " "  # the key is 3 levels deep
        lead, trail = "\n" + key + unit, "\n" + key
    elements = list(_elements(text, start))
    separator = "," + lead if "\n" in lead else ", "
    if len(elements) >= 2:  # the file's own, between its first two lines
        separator = text[elements[0][1] : elements[1][0]]
    return "[" + lead + separator.join(items) + trail + "]"


def _source_spans(text: str) -> list[tuple[int, int] | None]:
    """Where each cell's `source` value lies in the JSON text (the last one, as json and nbformat read it)."""
    cells = None
    for key, start, _ in _members(text, _skip(text, 0)):
        if key == "cells":
            cells = start
    if cells is None or text[cells] != "[":
        raise ValueError("the notebook has no list of cells")
    spans: list[tuple[int, int] | None] = []
    for start, _ in _elements(text, cells):
        source = None
        if text[start] == "{":
            for key, value_start, value_end in _members(text, start):
                if key == "source":
                    source = (value_start, value_end)
        spans.append(source)
    return spans


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _members(text: str, pos: int) -> Iterator[tuple[str, int, int]]:
    """(key, start, end of its value) of each member of the JSON object opening at `pos` (valid JSON)."""
    pos = _skip(text, pos + 1)
    while text[pos] != "}":
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, _skip(text, pos) + 1)  # past the colon
        _, end = _DECODER.raw_decode(text, pos)
        yield key, pos, end
        pos = _skip(text, end)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)


def _elements(text: str, pos: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each element of the JSON array opening at `pos` (valid JSON)."""
    pos = _skip(text, pos + 1)
    while text[pos] != "]":
        _, end = _DECODER.raw_decode(text, pos)
        yield pos, end
        pos = _skip(text, end)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)

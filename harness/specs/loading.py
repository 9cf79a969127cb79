"""Loading: spec files from disk into validated, resolved specs, or errors naming file and line."""

from __future__ import annotations

import difflib
import re
import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from harness.errors import NoteError, SpecError, SpecProblem
from harness.judge.outcome import Location
from harness.notes.document import block_at, code_hash, read_note
from harness.notes.notebook import CELL_LINES, cell_position, is_notebook, read_notebook, without_magics
from harness.notes.shell import shell_session
from harness.notes.transcript import is_transcript, read_transcript
from harness.sandbox.capture import CELL_HOOK
from harness.specs.model import (
    Data,
    Example,
    ExceptionExpectation,
    GradientsExpectation,
    PrintedExpectation,
    Spec,
    TensorExpectation,
    TimingSettings,
    ValueExpectation,
)

_EXPECTATION_MODELS: dict[str, type[BaseModel]] = {
    "value": ValueExpectation,
    "printed": PrintedExpectation,
    "exception": ExceptionExpectation,
    "gradients": GradientsExpectation,
    "tensor": TensorExpectation,
}
EXPECTATION_KINDS = tuple(_EXPECTATION_MODELS)
_SECTION_MODELS: dict[str, type[BaseModel]] = {"example": Example, "data": Data, "timing": TimingSettings}
_SECTIONS = tuple(_SECTION_MODELS)


@dataclass(frozen=True)
class LoadedSpec:
    id: str
    spec: Spec
    path: Path
    code: str
    location: Location  # where the user looks: the note block when known, else the spec's `code`
    expectation_lines: tuple[int, ...]  # line of each [[expect]] table in the spec file
    problem: str | None = None  # a reason the example cannot run (the note changed or is missing)
    id_line: int = 1  # where the id is set (line 1 when it comes from the file name)
    code_offset: int = 0  # lines of earlier blocks that run before the example's own code

    @property
    def wants_gradients(self) -> bool:
        return any(isinstance(e, GradientsExpectation) for e in self.spec.expect)


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[SpecProblem]]:
    """The spec files under `paths`, and what is there but cannot be one: never a hang on a FIFO, never a loop."""
    files: list[Path] = []
    problems: list[SpecProblem] = []
    for path in paths:
        kind, why = _file_kind(path)
        if kind == "dir":
            for found in sorted(path.rglob("*.toml")):
                found_kind, found_why = _file_kind(found)
                if found_kind == "file":
                    files.append(found)
                else:
                    problems.append(SpecProblem(found, 1, found_why or "is a folder, not a spec file"))
        elif kind == "file":
            files.append(path)
        else:
            problems.append(SpecProblem(path, 1, why))
    return files, problems


def _file_kind(path: Path) -> tuple[str, str]:
    """("file" | "dir" | "other", why it cannot be read). A FIFO or device would block a read forever."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "other", "no such file or folder"
    except OSError as exc:  # a symlink loop (ELOOP), a permission problem
        return "other", f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return "dir", ""
    if stat.S_ISREG(mode):
        return "file", ""
    return "other", "is not a regular file (a FIFO, socket or device); spec files are TOML files"


def load_specs(paths: Iterable[Path]) -> list[LoadedSpec]:
    """Load every spec, or raise SpecError listing every problem found (not just the first)."""
    loaded: list[LoadedSpec] = []
    files, problems = discover(paths)
    for file in files:
        try:
            loaded.append(load_spec(file))
        except SpecError as exc:
            problems.extend(exc.problems)
    seen: dict[str, Path] = {}
    for item in loaded:
        if item.id in seen:
            problems.append(
                SpecProblem(
                    item.path, item.id_line, f"id {item.id!r} is also used by {seen[item.id]}; ids must be unique"
                )
            )
        seen.setdefault(item.id, item.path)
    if problems:
        raise SpecError(problems)
    return loaded


def load_spec(path: Path) -> LoadedSpec:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise SpecError([SpecProblem(path, 1, f"cannot be read: {exc.strerror or exc}")]) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        raise SpecError([SpecProblem(path, line, f"TOML syntax error: {exc}")]) from exc
    try:
        spec = Spec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError([_problem(path, text, error) for error in exc.errors()]) from exc
    spec_id = spec.id or path.stem
    code, location, problem, offset = _resolve_code(path, text, spec.example)
    if offset:
        spec = shift_statements(spec, offset)
    return LoadedSpec(
        id=spec_id,
        spec=spec,
        path=path,
        code=code,
        location=location,
        expectation_lines=tuple(_table_lines(text, "expect")),
        problem=problem,
        id_line=_key_line(text, (), "id") if spec.id else 1,
        code_offset=offset,
    )


def _resolve_code(path: Path, text: str, example: Example) -> tuple[str, Location, str | None, int]:
    """The code to run, where it lives, why it cannot run (if so), and how many lines of earlier blocks lead it."""
    note = (path.parent / example.note).resolve() if example.note else None
    place = _place(example.line, example.cell)
    if example.code is not None:
        if note is not None and place is not None:
            return example.code, Location(str(note), place), None, 0
        return example.code, Location(str(path), _key_line(text, ("example",), "code")), None, 0
    assert note is not None and place is not None and example.sha256 is not None  # the model ensures it
    location = Location(str(note), place)
    if not note.is_file():
        return "", location, f"the note {note} does not exist", 0
    note_text = read_note(note)
    try:
        found = _NoteCode(note, note_text)
    except NoteError as exc:  # a .ipynb that nbformat cannot read: this spec cannot run, the others can
        return "", location, str(exc), 0
    codes = []
    refs = [
        *((ref.line, ref.cell, ref.sha256) for ref in example.continues),
        (example.line, example.cell, example.sha256),
    ]
    for line, cell, sha256 in refs:
        code, where = found.code(line, cell)
        if code is None:
            return "", location, where, 0
        if code_hash(code) != sha256:
            problem = (
                f"{where} changed since this spec was written "
                f"(sha256 {code_hash(code)[:12]}..., spec says {sha256[:12]}...);"
                " review the spec and update sha256"
            )
            return "", location, problem, 0
        codes.append(code if code.endswith("\n") else code + "\n")
    # A notebook's earlier cells run as the kernel ran them: one that raises stops only itself (the audit's
    # session). Each takes one line, so the cell's own lines follow at the offset `statement` is shifted by.
    earlier = [f"{CELL_HOOK}({code!r})\n" for code in codes[:-1]] if found.cells is not None else codes[:-1]
    prefix = "".join(earlier)
    return prefix + codes[-1], location, None, prefix.count("\n")


def _place(line: int | None, cell: int | None) -> int | None:
    """The note line a block is reported at: a notebook cell's synthetic line (harness.notes.notebook)."""
    return cell * CELL_LINES if cell is not None else line


class _NoteCode:
    """A note's blocks as the audit reads and runs them: a fence by the line it opens at (a REPL transcript's code
    without its prompts and outputs), a notebook's code cell by its number or by its synthetic line (as `init`
    wrote notebook specs before they had `cell`), IPython magics blanked."""

    def __init__(self, note: Path, text: str) -> None:
        self.note, self.text = note, text
        self.cells = {c.number: c.code for c in read_notebook(text, str(note))} if is_notebook(text) else None

    def code(self, line: int | None, cell: int | None) -> tuple[str | None, str]:
        """(the block's code, or None when there is no such block; the block named for a message, or why not)."""
        if self.cells is None:
            if line is None:
                return None, f"{self.note} is a markdown note, not a notebook: give the block's `line`, not `cell`"
            block = block_at(self.text, line)
            if block is None:
                return None, f"no fenced code block opens at line {line} of {self.note}"
            code = read_transcript(block.code)[0] if is_transcript(block.code) else without_magics(block.code)
            if (session := shell_session(block.language, block.code)) is not None:
                code = session[0]  # a shell session: the script it shows
            return code, f"the block at line {line} of {self.note}"
        if cell is None:
            assert line is not None  # the model ensures one of them
            cell, offset, output = cell_position(line)
            if offset or output:
                return None, f"line {line} is no cell's line in the notebook {self.note}: give the code cell's `cell`"
        if cell not in self.cells:
            return None, f"the notebook {self.note} has no code cell {cell} (every cell counts, markdown too, from 1)"
        return self.cells[cell], f"cell {cell} of {self.note}"


def shift_statements(spec: Spec, offset: int) -> Spec:
    """Statement lines are the block's own; the code that runs has `offset` lines of earlier blocks before it."""
    shifted = [
        e.model_copy(update={"statement": e.statement + offset})
        if isinstance(e, PrintedExpectation) and e.statement
        else e
        for e in spec.expect
    ]
    return spec.model_copy(update={"expect": shifted})


def _problem(path: Path, text: str, error: object) -> SpecProblem:
    assert isinstance(error, dict)
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        hint = _suggest(key, _fields_at(loc[:-1]))
        message = f"unknown key {key!r}{hint}"
    elif kind == "missing":
        message = f"missing required key {loc[-1]!r}"
        if loc == ("expect",):
            message = "no expectations: add at least one [[expect]] table with a kind"
    elif kind == "too_short" and loc == ("expect",):
        message = "no expectations: add at least one [[expect]] table with a kind"
    elif kind == "union_tag_invalid":
        message = f"unknown kind {error['input'].get('kind')!r}; use one of {', '.join(EXPECTATION_KINDS)}"
    elif kind == "union_tag_not_found":
        message = f"this expectation has no kind; add kind = one of {', '.join(EXPECTATION_KINDS)}"
    else:
        where = ".".join(str(part) for part in loc if part not in EXPECTATION_KINDS)
        message = f"{where}: {error['msg']} (got {error['input']!r})" if where else str(error["msg"])
    return SpecProblem(path, _line_of(text, loc), message)


def _fields_at(loc: tuple[object, ...]) -> list[str]:
    model: type[BaseModel] = Spec
    if loc and loc[0] in _SECTIONS:
        model = _SECTION_MODELS[str(loc[0])]
    elif len(loc) >= 3 and loc[0] == "expect":
        model = _EXPECTATION_MODELS.get(str(loc[2]), Spec)
    return list(model.model_fields)


def _suggest(key: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(key, candidates, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; allowed keys: {', '.join(candidates)}"


def _line_of(text: str, loc: tuple[object, ...]) -> int:
    """Map a validation error's location to a line, by scanning the TOML's table headers and keys."""
    if loc and loc[0] == "expect" and len(loc) > 1 and isinstance(loc[1], int):
        table: tuple[object, ...] = ("expect", loc[1])
        keys = [part for part in loc[2:] if part not in EXPECTATION_KINDS]
    elif loc and loc[0] in _SECTIONS:
        table, keys = (loc[0],), list(loc[1:])
    else:
        table, keys = (), list(loc)
    key = str(keys[0]) if keys else None
    return _key_line(text, table, key)


def _key_line(text: str, table: tuple[object, ...], key: str | None) -> int:
    header_line: int | None = None
    for number, current, stripped in _scan(text):
        if current != table:
            continue
        if header_line is None and table:
            header_line = number
        if key is not None and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    if not table and key is not None:
        # A top-level key written as a table (`[example]`) or an array of tables (`[[expect]]`).
        for number, line in enumerate(text.splitlines(), 1):
            if re.match(rf"\s*\[\[?\s*{re.escape(key)}\s*\]", line):
                return number
    return header_line or 1


def _table_lines(text: str, name: str) -> list[int]:
    lines: list[int] = []
    for number, line in enumerate(_logical_lines(text), 1):
        if line is not None and re.match(rf"\[\[\s*{re.escape(name)}\s*\]\]", line):
            lines.append(number)
    return lines


def _scan(text: str) -> Iterable[tuple[int, tuple[object, ...], str]]:
    """Yield (line number, table path, stripped line) for lines outside multi-line strings."""
    table: tuple[object, ...] = ()
    counts: dict[str, int] = {}
    for number, line in enumerate(_logical_lines(text), 1):
        if line is None:
            continue
        # Whole-line headers only: `[1],` inside a multi-line array is a value, not a table.
        array = re.fullmatch(r"\[\[\s*([A-Za-z_][\w.-]*)\s*\]\]\s*(#.*)?", line)
        single = re.fullmatch(r"\[\s*([A-Za-z_][\w.-]*)\s*\]\s*(#.*)?", line)
        if array:
            name = array.group(1)
            counts[name] = counts.get(name, -1) + 1
            table = (name, counts[name])
            yield number, table, line
        elif single:
            table = (single.group(1),)
            yield number, table, line
        else:
            yield number, table, line


def _logical_lines(text: str) -> list[str | None]:
    """Stripped lines, with None for lines inside a multi-line string (code may look like TOML)."""
    result: list[str | None] = []
    open_quote: str | None = None
    for line in text.splitlines():
        if open_quote is None:
            result.append(line.strip())
        else:
            result.append(None)
        for quote in re.findall(r"'''|\"\"\"", line):
            if open_quote is None:
                open_quote = quote
            elif quote == open_quote:
                open_quote = None
    return result

"""Notebooks: a ``.ipynb`` file as a note. Each code cell is a block; its stored outputs are its claims.

A notebook has no note lines, so positions are synthetic and stable: cell ``k`` (1-based, counting every cell
as Jupyter shows them) starts at line ``k * CELL_LINES``; its code line ``n`` is line ``k * CELL_LINES + n``
(so ``block.line + n`` holds as for markdown), and its outputs follow from ``k * CELL_LINES + OUTPUT_OFFSET``,
one line per output line. ``cell_position`` turns such a line back into (cell, line in the cell, is output).

IPython-only lines (``%matplotlib inline``, ``!pip install``) are blanked in the code: the kernel ran them, not
Python, and they claim nothing. Read with ``nbformat``; pure Python, no torch import.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Literal

from harness.errors import NoteError
from harness.notes.words import EXPECTED_OUTPUT

__all__ = [
    "CELL_LINES",
    "OUTPUT_OFFSET",
    "Cell",
    "CellOutput",
    "cell_code",
    "cell_position",
    "is_notebook",
    "read_notebook",
]

CELL_LINES = 10_000
OUTPUT_OFFSET = 5_000


@dataclass(frozen=True)
class CellOutput:
    kind: Literal["stream", "result", "error", "display", "stderr"]  # display: an image the cell drew (a figure)
    line: int  # synthetic note line of its first text line
    text: str  # stdout text, the result's text/plain, or "Type: message" for an error
    exception_type: str | None = None
    exception_message: str | None = None


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based among all the notebook's cells
    line: int  # synthetic line: number * CELL_LINES
    code: str
    outputs: tuple[CellOutput, ...]
    executed: int | None = None  # the execution count the kernel gave it (`In [5]:`); None: never run
    # What a markdown cell right above says the cell outputs ("预期输出：`tensor([1, 6, 11])`"): (line, value).
    expected: tuple[tuple[int, str], ...] = ()
    shell: str = ""  # the first shell command the cell runs (`!nvidia-smi`): what it prints is the author's machine's


def is_notebook(text: str) -> bool:
    """A notebook's JSON: an object with its cells (a markdown note is never one)."""
    if not text.lstrip().startswith("{") or '"cells"' not in text:
        return False
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(document, dict) and "cells" in document


def cell_position(line: int) -> tuple[int, int, bool]:
    """(cell number, line in the cell's code or outputs, whether it is an output line) of a synthetic line."""
    cell, offset = divmod(line, CELL_LINES)
    return (cell, offset - OUTPUT_OFFSET, True) if offset >= OUTPUT_OFFSET else (cell, offset, False)


def _blank_magics(code: str) -> str:
    return "\n".join(_without_magic(line) for line in code.split("\n"))


# A line magic that times the statement after it: the statement runs (`%time y = f(x)` assigns y).
_TIMED = re.compile(r"(\s*)%(?:time|timeit)(?:\s+-\S+(?:\s+\d+)?)*\s+(\S.*)")


def _without_magic(line: str) -> str:
    if timed := _TIMED.fullmatch(line):
        return timed.group(1) + timed.group(2)
    return "" if line.lstrip()[:1] in ("%", "!") else line


def without_magics(code: str) -> str:
    """A markdown fence's code with IPython-only lines blank (`%python`, `%matplotlib inline`, `!pip install`), when
    the fence was copied from a notebook; only in code that does not parse as it is (a `%` line in a string stays)."""
    if not any(line.lstrip()[:1] in ("%", "!") for line in code.split("\n")):
        return code
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return _blank_magics(code)
    return code


def cell_code(source: str) -> str:
    """A code cell's block code: its source, line for line, IPython-only lines blank, ending in a newline."""
    code = _written_file(source) or _blank_magics(source)
    return code if code.endswith("\n") else code + "\n"


# `%%writefile train.py` (`-a` appends): the cell's body is a file's text, written, not run.
_WRITEFILE = re.compile(r"%%writefile(\s+-a)?\s+(\S+)\s*")


def _written_file(source: str) -> str | None:
    """The code that does what IPython does with a `%%writefile` cell, on its first line (the rest left blank):
    it says what it did (`Writing train.py`) and writes the body. None for any other cell."""
    first, _, body = source.partition("\n")
    magic = _WRITEFILE.fullmatch(first)
    if magic is None:
        return None
    name, append = magic.group(2), magic.group(1) is not None
    if append:
        said = f"print({'Appending to ' + name!r})"
    else:
        said = f"print(('Overwriting ' if __import__('os').path.exists({name!r}) else 'Writing ') + {name!r})"
    # The body as hex: its text (a `torch.cuda.is_available()`, an address) is the file's, not this cell's code.
    text = f"bytes.fromhex({body.encode().hex()!r}).decode()"
    write = f"open({name!r}, {'a' if append else 'w'!r}, encoding='utf-8').write({text})"
    return f"{said} or {write} and None" + "\n" * body.count("\n")


def _text(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def read_notebook(text: str, name: str = "notebook") -> list[Cell]:
    import nbformat  # here, not at the top: every audit imports this module, few read a notebook (~0.2 s)

    try:
        notebook = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
    except (json.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:  # NotJSONError too
        raise NoteError(name, f"not a readable notebook ({type(error).__name__}: {str(error)[:120]})") from None
    cells: list[Cell] = []
    expected: tuple[tuple[int, str], ...] = ()
    for number, cell in enumerate(notebook.get("cells", []), 1):
        if cell.get("cell_type") == "markdown":
            expected = _expected_outputs(number * CELL_LINES, _text(cell.get("source", "")))
        if cell.get("cell_type") != "code":
            continue
        start = number * CELL_LINES
        outputs: list[CellOutput] = []
        at = start + OUTPUT_OFFSET
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") == "stdout":
                body = _text(output.get("text", ""))
                if outputs and outputs[-1].kind == "stream":  # the kernel splits one cell's stdout at will
                    outputs[-1] = CellOutput("stream", outputs[-1].line, outputs[-1].text + body)
                else:
                    outputs.append(CellOutput("stream", at, body))
            elif kind == "stream" and output.get("name") == "stderr":  # a warning, a progress bar
                outputs.append(CellOutput("stderr", at, _text(output.get("text", ""))))
            elif kind == "execute_result" and "text/plain" in output.get("data", {}):
                body = _text(output["data"]["text/plain"])
                outputs.append(CellOutput("result", at, body))
            elif kind == "error":
                ename, evalue = str(output.get("ename", "")), str(output.get("evalue", ""))
                body = f"{ename}: {evalue}"
                outputs.append(CellOutput("error", at, body, ename or None, evalue or None))
            elif kind == "display_data" and any(key.startswith("image/") for key in output.get("data", {})):
                body = _text(output["data"].get("text/plain", "<image>"))
                outputs.append(CellOutput("display", at, body))
            elif kind == "display_data" and "text/plain" in output.get("data", {}):  # display(x): shown as printed
                body = _text(output["data"]["text/plain"]).rstrip("\n") + "\n"
                if outputs and outputs[-1].kind == "stream":
                    outputs[-1] = CellOutput("stream", outputs[-1].line, outputs[-1].text + body)
                else:
                    outputs.append(CellOutput("stream", at, body))
            else:  # stderr (warnings), widgets, HTML: nothing a claim can be read from
                continue
            at = outputs[-1].line + outputs[-1].text.rstrip("\n").count("\n") + 1  # the next output's first line
        count = cell.get("execution_count")
        executed = count if isinstance(count, int) and not isinstance(count, bool) else None
        source = _text(cell.get("source", ""))
        shell = next((line.strip() for line in source.split("\n") if line.lstrip().startswith("!")), "")
        cells.append(Cell(number, start, cell_code(source), tuple(outputs), executed, expected, shell))
        expected = ()
    return cells


# A markdown cell's line that says what the code cell below it outputs: a label, then the value as inline code,
# then perhaps a few words about it ("`80` trainable parameters.").
_EXPECTED = re.compile(
    rf"\s*[*_]*(?:预期输出|期望输出|预期结果|输出结果|{EXPECTED_OUTPUT}|(?i:expected\s+output|expected\s+result|expected))"
    r"[*_]*\s*[:：]\s*[*_]*\s*"
    r"`([^`\n]+)`[*_]*(?:\s+[^`\n]{1,60}?)?\s*[。.]?\s*"
)


def _expected_outputs(start: int, source: str) -> tuple[tuple[int, str], ...]:
    lines = source.split("\n")
    inline = [
        (start + number, match.group(1).strip())
        for number, line in enumerate(lines, 1)
        if (match := _EXPECTED.fullmatch(line))
    ]
    return tuple(inline) + tuple(_expected_fences(start, lines))


# The label alone ("Sortie attendue :", "**Expected output:**"), with the output in the fence below it.
_EXPECTED_LABEL = re.compile(
    rf"\s*[*_]*(?:预期输出|期望输出|预期结果|{EXPECTED_OUTPUT}|(?i:expected\s+output|expected\s+result))[*_]*\s*[:：]\s*[*_]*\s*"
)


def _expected_fences(start: int, lines: list[str]) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(lines):
        if not _EXPECTED_LABEL.fullmatch(line):
            continue
        fence = next((n for n in range(number + 1, min(number + 3, len(lines))) if lines[n].strip()), None)
        if fence is None or not lines[fence].lstrip().startswith(("```", "~~~")):
            continue
        marker = lines[fence].strip()[:3]
        end = next((n for n in range(fence + 1, len(lines)) if lines[n].strip().startswith(marker)), len(lines))
        if text := "\n".join(lines[fence + 1 : end]).strip("\n"):
            found.append((start + fence + 2, text))  # its first line, 1-based in the cell
    return found

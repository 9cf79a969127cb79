"""REPL transcripts (``pycon``, or any block whose first line starts with ``>>>``), read as doctest reads them.

The code is what follows the ``>>>`` and ``...`` prompts (IPython's ``In [1]:`` and ``...:`` too); the lines
after an example, up to a blank line or the next prompt, are its claimed output (IPython's ``Out[1]:`` left
out). The code keeps the transcript's line numbering: prompt lines become their code and output lines become
blank lines, so a statement's line in the code is its line in the note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Example", "is_transcript", "read_transcript"]

_PROMPT = re.compile(r"(>>>|\.\.\.)(?: |$)|(In \[\d*\]:)(?: |$)|\s*(\.\.\.+:)(?: |$)")
_OUT = re.compile(r"Out\[\d*\]:\s?")


@dataclass(frozen=True)
class Example:
    line: int  # 1-based line in the block of the example's first source line
    end: int  # its last source line
    want: str  # the claimed output, prompts' indentation removed; "" when none was written
    want_line: int  # 1-based line in the block of the first output line (0 when none)


def is_transcript(code: str) -> bool:
    first = next((line for line in code.split("\n") if line.strip()), "").lstrip()
    return first.startswith(">>>") or re.match(r"In \[\d*\]:", first) is not None


def read_transcript(code: str) -> tuple[str, list[Example]]:
    """(the code with prompts removed and outputs blanked, line for line; the examples with their outputs)."""
    source: list[str] = []
    examples: list[Example] = []
    start = end = 0  # the open example's source lines (0: none open)
    want: list[tuple[int, str]] = []
    indent = 0

    def close() -> None:
        nonlocal start, want
        if start:
            text = "\n".join(line[indent:] if not line[:indent].strip() else line.lstrip() for _, line in want)
            examples.append(Example(start, end, text.rstrip(), want[0][0] if want else 0))
        start, want = 0, []

    for number, line in enumerate(code.split("\n"), 1):
        stripped = line.lstrip()
        prompt = _PROMPT.match(stripped)
        if prompt and (prompt.group(1) == ">>>" or prompt.group(2)):
            close()
            indent = len(line) - len(stripped)
            start = end = number
            source.append(stripped[prompt.end() :])
        elif prompt and start and not want:  # `...` continues the example (in the output it is an ellipsis)
            end = number
            source.append(stripped[prompt.end() :])
        elif not stripped:
            source.append("")
            close()  # doctest: a blank line ends the example's output (or says it has none)
        else:
            if start:
                want.append((number, _OUT.sub("", line, count=1) if not want else line))
            source.append("")
    close()
    return "\n".join(source), examples

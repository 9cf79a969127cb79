"""REPL transcripts (``pycon``, or any block whose first line starts with ``>>>``), read as doctest reads them.

The code is what follows the ``>>>`` and ``...`` prompts (IPython's ``In [1]:`` and ``...:`` too); the lines
after an example, up to a blank line or the next prompt, are its claimed output (IPython's ``Out[1]:`` left
out). The code keeps the transcript's line numbering: prompt lines become their code and output lines become
blank lines, so a statement's line in the code is its line in the note.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

__all__ = ["Example", "is_transcript", "raised_at", "read_transcript"]

_PROMPT = re.compile(r"(>>>|\.\.\.)(?: |$)|(In \[\d*\]:)(?: |$)|\s*(\.\.\.+:)(?: |$)")
_OUT = re.compile(r"Out\[\d*\]:\s?")
_CONTROL_KEY = re.compile(r"\s*\^[A-Z]\s*")  # a key the terminal echoed: ^D, ^C, ^Z
_INTERRUPTED = re.compile(r"^\s*KeyboardInterrupt\s*$", re.M)


@dataclass(frozen=True)
class Example:
    line: int  # 1-based line in the block of the example's first source line
    end: int  # its last source line
    want: str  # the claimed output, prompts' indentation removed; "" when none was written
    want_line: int  # 1-based line in the block of the first output line (0 when none)


def is_transcript(code: str) -> bool:
    """The text is a REPL session: it opens with a prompt, or with what a terminal shows before the first one
    (`$ python3`, the interpreter's banner) and no line of code."""
    lines = [line.lstrip() for line in code.split("\n") if line.strip()]
    first = lines[0] if lines else ""
    if first.startswith(">>>") or re.match(r"In \[\d*\]:", first) is not None:
        return True
    opening = next((n for n, line in enumerate(lines[:_PREAMBLE]) if line.startswith(">>> ")), None)
    return opening is not None and opening > 0 and not any(_parses(line) for line in lines[:opening])


_PREAMBLE = 12  # lines a terminal may show before the interpreter's first prompt


def _parses(line: str) -> bool:
    try:
        compile(line, "<line>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


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
            if _INTERRUPTED.search(text):  # stopped by hand (Ctrl-C): a loop meant to run until then is not run
                source[start - 1 : end] = [""] * (end - start + 1)
        start, want = 0, []

    for number, line in enumerate(code.split("\n"), 1):
        stripped = line.lstrip()
        prompt = _PROMPT.match(stripped)
        if prompt and (prompt.group(1) == ">>>" or prompt.group(2)):
            close()
            indent = len(line) - len(stripped)
            start = end = number
            typed = stripped[prompt.end() :]
            if _CONTROL_KEY.fullmatch(typed):  # `>>> ^D`: the session's end; what follows is the shell's
                source.append("")
                start = end = 0
                continue
            source.append(typed)
        elif prompt and start and not want:  # `...` continues the example (in the output it is an ellipsis)
            end = number
            source.append(stripped[prompt.end() :])
        elif not stripped:
            source.append("")
            close()  # doctest: a blank line ends the example's output (or says it has none)
        else:
            if start:
                echoed = _CONTROL_KEY.sub("", line, count=1) if not want and line.startswith("^") else line  # ^CTrace
                want.append((number, _OUT.sub("", echoed, count=1) if not want else echoed))
            source.append("")
    close()
    return "\n".join(source), examples


def raised_at(code: str) -> list[int]:
    """The 0-based lines where a session goes on after an example that raised (its traceback's next prompt): the
    interpreter reported the error and took the next line, as a kernel runs the next cell."""
    _, examples = read_transcript(code)
    lines = code.split("\n")
    found = []
    for example, after in itertools.pairwise(examples):
        if example.want and _TRACEBACK_END.search(example.want):
            found.append(after.line - 1)
    return [line for line in found if 0 < line < len(lines)]


_TRACEBACK_END = re.compile(r"^Traceback \(most recent call last\):", re.M)

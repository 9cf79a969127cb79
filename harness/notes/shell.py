"""Shell sessions: a ``console`` (or ``shell``, ``bash``, unlabelled) fence that shows a script and its run.

Blog posts paste a terminal: ``$ cat train.py`` then the script, ``$ python train.py`` then what it printed (or
a heredoc, ``$ cat > train.py <<'EOF'`` ... ``EOF``). The script is the block's code and each run's output its
claim. As with REPL transcripts (harness.notes.transcript), the code keeps the fence's line numbering: the
script's lines stay where they are and every other line is blanked, so a statement's line is its note line and a
fix edits the script's own lines.
"""

from __future__ import annotations

import ast
import re

from harness.notes.transcript import Example

__all__ = ["SHELL_LANGUAGES", "read_shell_session", "script_name", "script_run", "shell_session"]

SHELL_LANGUAGES = frozenset({"", "console", "shell", "sh", "bash", "zsh", "shell-session", "terminal"})

_PROMPT = re.compile(r"\s*(?:\(\S+\)\s*)?(?:[\w.@~:/-]*)?[$%]\s")  # `$ `, `% `, `(venv) $ `, `user@host:~$ `
_SHOW = re.compile(r"cat\s+(?P<name>[\w./-]+\.py)\s*$")  # `cat net.py`
_WRITE = re.compile(r"cat\s*>\s*(?P<name>[\w./-]+\.py)\s*<<-?\s*(?P<q>['\"]?)(?P<end>\w+)(?P=q)\s*$")  # heredoc
_RUN = re.compile(r"python[\d.]*\s+(?:-\w+\s+)*(?P<name>[\w./-]+\.py)(?:\s.*)?$")  # `python3 -u net.py --x`
# `python -c "import torch; print(torch.ones(2))"`, its code on the command's line or on the lines below it up to
# the closing quote: the code is the script, run there and then.
_INLINE = re.compile(r"python[\d.]*\s+(?:-[A-Za-bd-z]\w*\s+)*-c\s+(?P<q>['\"])(?P<code>.*)$")


def shell_session(language: str, text: str) -> tuple[str, list[Example]] | None:
    """A fence's script and its runs, when the fence is a shell session (its language a shell's, or none) whose
    script parses as python; None otherwise. The one test the reader, the spec loader and the patcher share."""
    if language not in SHELL_LANGUAGES or "$" not in text:
        return None
    session = read_shell_session(text)
    if session is None:
        return None
    try:
        ast.parse(session[0])
    except (SyntaxError, ValueError):
        return None
    return session


def read_shell_session(text: str) -> tuple[str, list[Example]] | None:
    """(the script with every other line blanked, line for line; each run with its output), or None when the text
    is not a shell session that shows exactly one script and runs it."""
    lines = text.split("\n")
    script: dict[int, str] = {}  # 1-based fence line -> the script's line
    name = ""
    runs: list[tuple[int, list[tuple[int, str]]]] = []  # (line of the run's command, its output lines)
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        prompt = _PROMPT.match(line)
        if prompt is None:
            if runs:
                runs[-1][1].append((number, line))
            elif line.strip():
                return None  # output of a command that is not the script's run: not a session we read
            continue
        command = line[prompt.end() :].strip()
        shown, written, ran = _SHOW.match(command), _WRITE.match(command), _RUN.match(command)
        if inline := _INLINE.match(command):
            if name:
                return None  # a second program
            name, quote, first = "-c", inline.group("q"), inline.group("code")
            at = number  # the command's line, 1-based: the code's first line stays on it
            while not first.endswith(quote) and number < len(lines):
                script[at] = _unquoted(first, quote)
                first, at = lines[number], number + 1
                number += 1
            if not first.endswith(quote):
                return None  # the quote never closes
            script[at] = _unquoted(first[:-1], quote)
            runs.append((number, []))
            continue
        if shown or written:
            if name:
                return None  # a second script: which one each run ran is for the reader of the shell to say
            name = (shown or written).group("name")  # type: ignore[union-attr]
            end = written.group("end") if written else None
            while number < len(lines) and (end is None or lines[number].strip() != end):
                if end is None and _PROMPT.match(lines[number]):
                    break
                script[number + 1] = lines[number]
                number += 1
            number += 1 if end is not None else 0  # past the heredoc's end word
        elif ran and name and ran.group("name").split("/")[-1] == name.split("/")[-1]:
            runs.append((number, []))
        else:
            return None  # another command: its output is not the script's
    if not script or not runs:
        return None
    code = "\n".join(script.get(n, "") for n in range(1, len(lines) + 1))
    first, last = min(script), max(n for n, line in script.items() if line.strip())
    examples = []
    for _, output in runs:
        while output and not output[-1][1].strip():
            output.pop()
        if output:
            examples.append(Example(first, last, "\n".join(line for _, line in output), output[0][0]))
    return code, examples


def _unquoted(text: str, quote: str) -> str:
    """A line of `python -c "..."`'s code as Python sees it: the shell's escapes inside double quotes undone."""
    return text.replace('\\"', '"').replace("\\$", "$").replace("\\`", "`") if quote == '"' else text


# A script named where the note shows it: `**q1.py**: …`, `### train.py`, "`net.py`:" above the code, or a
# first comment line `# q1.py` inside it.
_NAMED = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.py)(?![\w.])")
_NAME_COMMENT = re.compile(r"#\s*(?:(?i:file(?:name)?)\s*[:：]\s*)?((?:[\w-]+/)*[\w-]+\.py)\s*")


def script_name(label: str, code: str) -> str:
    """The file name a python block is shown as: its first line's `# q1.py`, else the one `.py` name in the label
    line above it; "" when it has none (or the label names several)."""
    first = code.lstrip("\n").split("\n", 1)[0].strip()
    if match := _NAME_COMMENT.fullmatch(first):
        return match.group(1).split("/")[-1]
    names = {name.split("/")[-1] for name in _NAMED.findall(label)}
    return names.pop() if len(names) == 1 else ""


def script_run(language: str, text: str) -> tuple[str, int, str] | None:
    """(script name, 0-based fence line where its output starts, the output) of a fence that runs one script shown
    earlier in the note, `$ python q1.py`, with what it printed under the command (empty: the next fence shows it)."""
    if language not in SHELL_LANGUAGES:
        return None
    lines = text.split("\n")
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    prompt = _PROMPT.match(lines[first]) if first is not None else None
    run = _RUN.match(lines[first][prompt.end() :].strip()) if first is not None and prompt is not None else None
    if first is None or run is None or any(_PROMPT.match(line) for line in lines[first + 1 :]):
        return None
    return run.group("name").split("/")[-1], first + 1, "\n".join(lines[first + 1 :])

"""Claims written in comments inside the code: `print(x)  # tensor(1.)`, `#=> 3`, `# 输出: ...`, a comment
on the next line or above the statement, a string right after a print, and what a comment says of `.grad`.

A comment is a printed claim only when it reads as a printed value (``parse_printed``) or carries an explicit
output prefix; other comments are prose. A comment above a print claims its output when it reads as an
annotated value. A ``#`` inside a string is not a comment: blocks with triple-quoted strings go through
``tokenize``, the rest through a quote-aware line scan (exact there, and much faster). Statements come from
``ast``; code that does not parse still has its comments read, with statements guessed from lines.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from harness.notes.annotations import (
    is_value,
    split_header,
    split_label,
    split_name,
    split_prose,
    split_working,
    strong_value,
)
from harness.notes.records import Claim, GradientFact, Role, new_claim, parse_code, read_traceback
from harness.notes.words import OUTPUT_NOUN


@dataclass(frozen=True)
class _Statement:
    line: int  # first line in the block's code
    end: int  # last line
    role: Role
    string: str | None = None  # the value, for a bare string statement


@dataclass(frozen=True)
class _Comment:
    line: int  # line in the block's code
    text: str  # after the leading '#'
    trailing: bool  # code before it on the same line


def statement_role(node: ast.stmt) -> Role:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return "assigned"
    if not isinstance(node, ast.Expr):
        return "other"
    value = node.value
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return "string"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("print", "display"):
        return "print"  # IPython's display() shows its objects as a print does, each on a line
    return "expression"


def read_statements(tree: ast.Module) -> tuple[list[_Statement], list[ast.Call]]:
    """The statements, and the calls (for `random_unseeded`), in one walk: walking is most of the time."""
    found: list[_Statement] = []
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls.append(node)
        if not isinstance(node, ast.stmt):
            continue
        if hasattr(node, "body"):  # a compound statement: only its header line is its own
            found.append(_Statement(node.lineno, node.lineno, "other"))
            continue
        string = node.value.value if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) else None
        end = node.end_lineno or node.lineno
        found.append(_Statement(node.lineno, end, statement_role(node), string if isinstance(string, str) else None))
    return sorted(found, key=lambda s: (s.line, s.end)), calls


_KEYWORD_START = re.compile(
    r"(import|from|def|class|for|while|if|elif|else|try|except|finally|with|return|raise|assert|del|pass|break"
    r"|continue|global|nonlocal|async|await|lambda|yield)\b|@"
)
_ASSIGNMENT = re.compile(r"(?<![=!<>:])=(?!=)")


def bracket_depth(text: str) -> int:
    """Open brackets minus closed ones, ignoring quoted text on the line (roughly)."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "", text)
    return sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")


def guess_statements(code: str) -> list[_Statement]:
    """Statements from lines, for code that does not parse: open brackets join continuation lines."""
    found: list[_Statement] = []
    lines = code.split("\n")
    start, depth = 0, 0

    def close(end: int) -> None:
        first = lines[start - 1].strip()
        role: Role = "other"
        if first.startswith("print("):
            role = "print"
        elif not _KEYWORD_START.match(first) and not _ASSIGNMENT.search(first) and not first.endswith(":"):
            role = "expression"
        found.append(_Statement(start, end, role))

    for number, line in enumerate(lines, 1):
        code_part = line.split("#", 1)[0].rstrip()  # crude, but this code does not parse anyway
        if not code_part.strip():
            continue
        if start and depth > 0:  # a bracket left open by a typo must not swallow the statements below it
            previous = lines[number - 2].split("#", 1)[0].rstrip()
            indent, opening = len(line) - len(line.lstrip()), lines[start - 1]
            fresh = indent <= len(opening) - len(opening.lstrip()) and code_part.lstrip()[:1] not in ")]}"
            if fresh and previous and previous[-1] not in ",([{\\+-*/=|&":
                close(number - 1)
                start, depth = 0, 0
        start = start or number
        depth = max(depth + bracket_depth(code_part), 0)
        if depth == 0 and not code_part.endswith("\\"):
            close(number)
            start = 0
    if start:
        close(len(lines))
    return found


def _comments(code: str) -> list[_Comment]:
    if "#" not in code:
        return []
    lines = code.split("\n")
    if '"""' not in code and "'''" not in code:  # no string spans lines: a scan is exact, and far faster
        return list(_scan_comments(lines))
    found: list[_Comment] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT:
                row, col = token.start
                before = lines[row - 1][:col] if row <= len(lines) else ""
                found.append(_Comment(row, token.string[1:], bool(before.strip())))
    except (tokenize.TokenError, SyntaxError, ValueError):  # unbalanced brackets, bad dedent, ...
        return list(_scan_comments(lines))
    return found


def _scan_comments(lines: Sequence[str]) -> Iterator[_Comment]:
    """The first '#' outside quotes on each line; exact unless a string spans lines."""
    for number, line in enumerate(lines, 1):
        col = line.find("#")
        if col < 0:
            continue
        if "'" in line[:col] or '"' in line[:col]:
            col = _comment_start(line)
            if col < 0:
                continue
        yield _Comment(number, line[col + 1 :], bool(line[:col].strip()))


def _comment_start(line: str) -> int:
    quote, escaped = "", False
    for col, char in enumerate(line):
        if quote:
            escaped, quote = (False, quote) if escaped else (char == "\\", "" if char == quote else quote)
        elif char in "'\"":
            quote = char
        elif char == "#":
            return col
    return -1


# Prefixes that say "this is what was printed"; after one, any text is a claim.
_ARROW = re.compile(r"(?:=+>|-+>|→|≈|~=)\s*(.*)", re.S)  # ≈: the value as the author rounded it
_OUTPUT = re.compile(
    rf"(?:(?:(?i:outputs?|out(?:\[\d*\])?|prints?)|输出结果|运行结果|打印结果|输出|结果|{OUTPUT_NOUN})\s*[:：]"
    # `# 【输出】 tensor(...)`
    rf"|[【\[]\s*(?:(?i:outputs?|out|result)|输出结果|运行结果|输出|结果|{OUTPUT_NOUN})\s*[】\]])\s*(.*)",
    re.S,
)


# An output word or `>` without a colon: a prefix only when a value follows.
# "should be" states what the author expected to see: a claim like any other.
_SPACED_PREFIX = re.compile(
    r"(?:(?i:outputs?|out|prints?|should\s+(?:be|print|give)|expected:?)|输出结果|运行结果|结果为|输出为|输出|结果|应该是|应为|>)"
    r"\s*(\S.*)",
    re.S,
)


def output_prefix(body: str) -> tuple[str, str] | None:
    if match := _ARROW.fullmatch(body):
        return "arrow", match.group(1).strip()
    if match := _OUTPUT.fullmatch(body):
        return "output-prefix", match.group(1).strip()
    return None


EXCEPTION_NAME = r"(?:[A-Za-z_][\w.]*?)?(?:Error|Exception|Warning)"
_EXC_LINE = re.compile(rf"({EXCEPTION_NAME})\s*(?:[:：]\s*(.*))?", re.S)
_ERROR_MARKER = re.compile(r"(?:.{0,12}?(?:会报错|会出错|报错|出错|抛出异常)|(?i:errors?))\s*[:：]\s*(.*)", re.S)
_ERROR_ALONE = re.compile(r"(?:这里|此处|这行|这一行|这句|下面|运行|运行时|这样)?(?:会|将)?(?:报错|出错)[!！。.~]*")
_RAISES = re.compile(
    rf"(?i:\b(?:raises?|raised|throws?|thrown|threw))\s+(?:an?\s+|the\s+)?({EXCEPTION_NAME})\b(?:\s*[:：]\s*(.*))?"
)
_RAISES_ANY = re.compile(r"(?i:\b(?:raises?|throws?|gives?)\s+(?:an?\s+)?(?:error|exception)\b)")
_CN_RAISES = re.compile(rf"(?:抛出|报|引发)\s*({EXCEPTION_NAME})")
NEGATED = re.compile(
    r"不会报错|不报错|没有报错|没报错|不会出错|(?i:(?:\b(?:not|never|no)|n't)\s+(?:raise|throw|error)|without\s+(?:an?\s+)?error)"
)


def _exception(body: str) -> tuple[str | None, str | None, str] | None:
    """(type, message, text) when the comment claims an error."""
    if NEGATED.search(body):
        return None
    prefixed = output_prefix(body)
    rest = prefixed[1] if prefixed else body
    if marker := _ERROR_MARKER.fullmatch(rest):
        rest = marker.group(1).strip()
        if not rest:
            return None, None, body
        if line := _EXC_LINE.fullmatch(rest):
            return _exception_parts(line, rest)
        return None, rest, rest
    if line := _EXC_LINE.fullmatch(rest):
        return _exception_parts(line, rest)
    if _ERROR_ALONE.fullmatch(rest):
        return None, None, body
    if match := _RAISES.search(body) or _CN_RAISES.search(body):
        return _exception_parts(match, body)
    if _RAISES_ANY.search(body):
        return None, None, body
    return None


def _exception_parts(match: re.Match[str], text: str) -> tuple[str | None, str | None, str]:
    message = match.group(2).strip() if match.lastindex and match.lastindex >= 2 and match.group(2) else None
    return match.group(1).rsplit(".", 1)[-1], message or None, text  # torch.cuda.OutOfMemoryError -> its name


_GRAD = re.compile(r"grad|梯度", re.I)
_NO_BACKWARD = re.compile(
    r"(?:\b(?:without|no)\s+|没有|未|不)\s*(?:calling\s+|调用\s*|执行\s*)?(?:the\s+)?[\w.]*(?:backward|反向传播)"
    r"|backward\(?\)?\s+is\s+(?:not|never)\s+called|不调用",
    re.I,
)
_EVERY = re.compile(r"\b(?:every|each)\b|每一次|每次|每一轮|每轮", re.I)
_UPDATED = re.compile(r"updat|accumulat|populat|更新|累加|累积", re.I)
_SET = r"(?:not None|is set|populated|有值|不为None|不是None)"
_AFTER_SET = re.compile(
    rf"(?:after\s+[\w.]*backward|backward.{{0,8}}(?:之后|后)).*{_SET}|{_SET}.*after\s+[\w.]*backward"
)
_INITIALLY = re.compile(r"\b(?:initially|at first|before)\b|一开始|初始|起初|最开始|刚开始|之前", re.I)
_NONE = re.compile(r"(?<![A-Za-z])None(?![A-Za-z])|为空")  # not \b: "为None" has no word boundary
_NOT_NONE = re.compile(r"not\s+None|不为None|不是None|不再是None|非None", re.I)


_GRAD_STATE = re.compile(
    r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.grad\s*(?:is|should\s+be|will\s+be|stays?|remains?|becomes?|为|是|仍然是|仍是|还是)"
    r"\s*(?:now\s+|still\s+|again\s+)?(.{0,40})",
    re.I,
)
_STATE_SET = re.compile(r"^(?:not\s+None|populated|set\b|filled|非None|不为None|不是None|有值)", re.I)
_STATE_NONE = re.compile(r"^(?:None|空)(?![A-Za-z])")
_GRADS_CHANGE = re.compile(r"backward\(|zero_grad\(|\.grad\s*=(?!=)|\.grad\.zero_\(|autograd\.grad\(|\.step\(")


def _grad_state(body: str) -> tuple[GradientFact, str] | None:
    """(fact, tensor) for a comment on one tensor's .grad: `# b.grad is populated now, not None`, `# w.grad 为 None`."""
    match = _GRAD_STATE.match(body)
    if match is None:
        return None
    state = match.group(2).strip()
    if _STATE_SET.match(state):
        return "is_set", match.group(1)
    if _STATE_NONE.match(state):
        return "is_none", match.group(1)
    return None


def _gradient(body: str) -> GradientFact | None:
    """What a comment says about .grad, by small bilingual keyword rules; None for other prose."""
    if not _GRAD.search(body):
        return None
    if _NO_BACKWARD.search(body) and (_UPDATED.search(body) or _NONE.search(body)):
        return "without_backward_none"
    if (_EVERY.search(body) and _UPDATED.search(body)) or _AFTER_SET.search(body):
        return "after_set"
    if _INITIALLY.search(body) and _NONE.search(body) and not _NOT_NONE.search(body):
        return "before_none"
    return None


def _body(comment: _Comment) -> str:
    return comment.text.strip().lstrip("#").strip()  # "## x" and "#=> x" alike


def _continued(comment: _Comment) -> str:
    """A continuation line keeps its alignment under the first: drop '#' and one space only."""
    text = comment.text.rstrip()
    return text[1:] if text.startswith(" ") else text


def _value_group(run: Sequence[_Comment], start: int, first: str) -> tuple[int, str, str] | None:
    """(end, value, annotation) of a value starting at run[start] (text `first`), continued over lines while
    brackets are open; prose after it on its last line is its annotation."""
    parts, depth, end = [first], bracket_depth(first), start + 1
    while depth > 0 and end < len(run) and end - start < 200:
        parts.append(_continued(run[end]))
        depth += bracket_depth(run[end].text)
        end += 1
    text = "\n".join(parts)
    if annotated := split_prose(text) if "#" in text else None:  # ast would read `value  # prose` as the value
        return end, annotated.value, annotated.annotation
    if is_value(text):
        return end, text, ""
    if annotated := split_prose(text):
        return end, annotated.value, annotated.annotation
    return None


@dataclass(frozen=True)
class _Printed:
    end: int  # run index after the claim
    text: str
    form: str
    first: int  # run index of the claim's first text line
    annotation: str = ""


def _lines_below(run: Sequence[_Comment], start: int) -> tuple[int, str] | None:
    """The comment lines right below run[start], up to an empty one: an output written under its label."""
    end = start + 1
    while end < len(run) and run[end].text.strip() and end - start <= 200:
        end += 1
    lines = [_continued(c) for c in run[start + 1 : end]]
    return (end, "\n".join(lines).strip()) if lines else None


# Torch before 0.4 printed a header line, rows of bare numbers and a footer: read to the footer as one value.
_OLD_HEADER = re.compile(r"|(?:Variable|Parameter) containing:|[-+\d.eE\s]+\*?")
_OLD_FOOTER = re.compile(r"\[torch\.(?:cuda\.)?[A-Za-z]+Tensor of size [0-9x]*(?: \(GPU [0-9]+\))?\]")


def _old_print(run: Sequence[_Comment], start: int) -> tuple[int, str, int] | None:
    """(end, text, run index of its first line) of an old print written over comment lines, up to its footer."""
    if not _OLD_HEADER.fullmatch(_body(run[start])):
        return None
    for end in range(start, min(len(run), start + 60)):
        if _OLD_FOOTER.fullmatch(_body(run[end])):
            first = next(i for i in range(start, end + 1) if _body(run[i]))
            text = "\n".join(_continued(c) for c in run[first : end + 1])
            return (end + 1, text, first) if is_value(text) else None
    return None


def trimmed_value(text: str) -> tuple[str, str]:
    """A claimed output without a header line above it or working below it: (value, what was left out)."""
    notes: list[str] = []
    if header := split_header(text):
        text, notes = header.value, [header.annotation]
    if working := split_working(text):
        text, notes = working.value, [*notes, working.annotation]
    return text, "\n".join(notes)


def _printed(run: Sequence[_Comment], start: int, role: Role, *, above: bool = False) -> _Printed | None:
    """The printed claim starting at run[start]; `above`: the comment is above the statement it claims."""
    comment = run[start]
    body = _body(comment)
    prefixed = output_prefix(body)
    name = ""
    if prefixed is not None:
        form, first = prefixed
    else:
        form = "repl" if role == "expression" else "trailing-comment" if comment.trailing else "next-line-comment"
        form = "comment-above" if above else form
        first = body
        if (old := _old_print(run, start)) is not None:
            return _Printed(old[0], old[1], form, old[2])
        if (spaced := _SPACED_PREFIX.fullmatch(body)) and is_value(spaced.group(1)):  # `# 输出 2`, `#> tensor(1.)`
            form, first = "output-prefix", spaced.group(1)
        if not is_value(first) and (named := split_name(first)) is not None:  # `# y.grad: tensor([1.])`
            if not named.value:  # `# y =`, the value on the lines below
                below = _lines_below(run, start)
                if below is None or not is_value(below[1]):
                    return None
                return _Printed(below[0], below[1], form, start + 1, named.annotation)
            first, name = named.value, named.annotation
        elif not is_value(first) and (labelled := split_label(first)) is not None:  # `# 2nd column -> tensor(...)`
            return _Printed(start + 1, labelled.value, form, start, labelled.annotation)
    if prefixed is not None and not first:  # `# 输出：` with the output on the lines below
        below = _lines_below(run, start)
        if below is None:
            return None
        text, left_out = trimmed_value(below[1])
        return _Printed(below[0], text, form, start + 1, left_out)
    group = _value_group(run, start, first)
    if group is None:
        if prefixed is None:
            return None
        annotated = split_prose(first)
        text, left_out = (annotated.value, annotated.annotation) if annotated else (first, "")
        return _Printed(start + 1, text, form, start, left_out)
    end, text, left_out = group
    while not comment.trailing and not left_out and end < len(run):  # a loop's prints, one value a line: one claim
        more = _value_group(run, end, _body(run[end]))
        if more is None or more[2]:
            break
        end, text = more[0], f"{text}\n{more[1]}"
    annotation = "\n".join(part for part in (name, left_out) if part)
    if above and not annotation and not strong_value(text):  # a bare number above a print is a step number
        return None
    return _Printed(end, text, form, start, annotation)


def _runs(comments: Sequence[_Comment]) -> Iterator[tuple[list[_Comment], bool]]:
    """Comments on consecutive lines, each run with whether it comes right after a trailing claim.

    A trailing comment starts a run and standalone ones continue it, unless the trailing comment is a whole
    claim already (`print(x)  # tensor(1.)`): then the lines below are a run of their own, which may claim
    the print below them but not the one above (it has its claim)."""
    run: list[_Comment] = []
    after_claim = False
    for comment in comments:
        if run and (comment.trailing or comment.line != run[-1].line + 1):
            yield run, after_claim
            run, after_claim = [], False
        elif len(run) == 1 and run[0].trailing and _whole_claim(run[0]):
            yield run, False
            run, after_claim = [], True
        run.append(comment)
    if run:
        yield run, after_claim


def _whole_claim(comment: _Comment) -> bool:
    """A trailing comment that is a whole value (no bracket left open, no label waiting for lines below)."""
    body = _body(comment)
    prefixed = output_prefix(body)
    text = prefixed[1] if prefixed is not None else body
    return bool(text) and bracket_depth(text) <= 0 and (is_value(text) or split_prose(text) is not None)


def comment_claims(code: str, statements: Sequence[_Statement]) -> list[Claim]:
    comments = _comments(code)
    if not comments:
        return []
    lines = code.split("\n")
    on_line: dict[int, _Statement] = {}  # the statement a trailing comment on this line belongs to
    ending: dict[int, _Statement] = {}  # the simple statement that ends on this line
    starting: dict[int, _Statement] = {}  # the first statement that starts on this line
    for statement in statements:  # in order: on a shared line (`a = 1; print(a)`) the later statement wins
        on_line[statement.line] = statement
        for number in range(statement.line + 1, statement.end + 1):
            on_line.setdefault(number, statement)
        ending[statement.end] = statement
        starting.setdefault(statement.line, statement)
    standalone = {c.line for c in comments if not c.trailing}
    code_above = [0] * (len(lines) + 1)  # the last line holding code at or above each line (0: none)
    for number, line in enumerate(lines, 1):
        holds_code = bool(line.strip()) and number not in standalone
        code_above[number] = number if holds_code else code_above[number - 1]
    claims: list[Claim] = []
    for run, after_claim in _runs(comments):
        first = run[0]
        above = first.line if first.trailing else code_above[first.line - 1]
        # Under a blank line, a comment that opens with prose starts something new (a heading over commented-out
        # code): it claims no value of the code above the blank. A value there still does.
        apart = (
            not first.trailing
            and any(not lines[n - 1].strip() for n in range(above + 1, first.line))
            and not is_value(_body(first))
            and output_prefix(_body(first)) is None  # `# Output:` under a blank line labels what follows it
        )
        anchor = None if apart else (on_line if first.trailing else ending).get(above)
        below = None if first.trailing else starting.get(run[-1].line + 1)
        shown_above = anchor is not None and anchor.role in _SHOWS and not after_claim
        if not shown_above and below is not None and below.role in _SHOWS:
            # Nothing above shows a value (or it has its claim), and a print follows at once: the comment may
            # claim the print's output.
            claims += _run_claims(run, below, above=True)
        else:
            claims += _run_claims(run, anchor, printed=not after_claim)
    # A gradient's state is checked once the block has run: only where nothing after the comment changes it.
    claims = [c for c in claims if not (c.subject and _GRADS_CHANGE.search("\n".join(lines[c.line :])))]
    return [mark_changing(claim, lines) for claim in claims]


_SHOWS = ("print", "expression")
# Calls whose printed value differs on every run, whatever the code does: an object's address, the clock.
CHANGING = re.compile(
    r"\b(?:id|time\.time|time\.perf_counter|time\.monotonic|datetime\.now|datetime\.datetime\.now)\("
    # A memory address shown alone (`x.data_ptr()`, printed or displayed), not compared with another.
    r"|^\s*(?:>>>\s*)?(?:print\()?[\w.\[\]]+(\.data_ptr\()\)\)?\s*(?:#.*)?$"
    r"|\bprint\(.*,\s*[\w.\[\]]+(\.data_ptr\()\)\s*[,)]"  # or as one of a print's items: `print(same, x.data_ptr())`
    # Memory never initialised: `torch.empty(2, 3)`, and `torch.Tensor(2, 3)` given sizes as old notes wrote it.
    r"|\btorch\.empty(?:_like)?\(|\.new_empty\(|\btorch\.(?:cuda\.)?(?:[A-Z][a-z]*)?Tensor\(\s*\d"
)


def changing_reason(match: re.Match[str]) -> str:
    """Why a claim is unverifiable, from CHANGING's match: the call that shows a value no rerun reproduces."""
    return f"`{match.group(match.lastindex or 0).strip()}...)` prints a value that changes on every run"


# What describes the machine the note ran on: the versions installed, whether it has a GPU, which one.
_MACHINE = re.compile(
    r"__version__|\btorch\.version\.|cuda\.is_available\(|get_device_name\(|device_count\(|\bplatform\.|sys\.version"
)
_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)")


def mark_changing(claim: Claim, lines: Sequence[str]) -> Claim:
    if claim.kind != "printed" or claim.unverifiable:
        return claim
    if not claim.statement_line:  # a block's whole output: the machine's, when every line that prints names it
        prints = _showing_lines(lines)
        machines = [m for line in prints if (m := _MACHINE.search(line))]
        if prints and len(machines) == len(prints):
            said = f"`{machines[0].group(0)}` describes the author's machine (versions, GPU)"
            return replace(claim, unverifiable=said)
        return claim
    line = lines[claim.statement_line - 1] if claim.statement_line <= len(lines) else ""
    if match := CHANGING.search(line):
        return replace(claim, unverifiable=changing_reason(match))
    machine = _MACHINE.search(line)
    if machine is None and (named := _machine_names(lines)):
        machine = re.search(rf"\b(?:{'|'.join(map(re.escape, named))})\b", line)
    if machine is None:
        return claim
    return replace(claim, unverifiable=f"`{machine.group(0)}` describes the author's machine (versions, GPU)")


def _showing_lines(lines: Sequence[str]) -> list[str]:
    """The lines that show something: each print, and a last bare expression (a notebook displays it)."""
    prints = [line for line in lines if re.match(r"\s*print\(", line)]
    tree = parse_code("\n".join(lines))
    last = tree.body[-1] if tree is not None and tree.body else None
    if isinstance(last, ast.Expr) and statement_role(last) == "expression":
        prints.append("\n".join(lines[last.lineno - 1 : last.end_lineno]))
    return prints


def _machine_names(lines: Sequence[str]) -> list[str]:
    """Names assigned from what describes the machine: `device = 'cuda' if torch.cuda.is_available() else 'cpu'`."""
    return [m.group(1) for line in lines if _MACHINE.search(line) and (m := _ASSIGNED.match(line))]


def _run_claims(
    run: Sequence[_Comment], anchor: _Statement | None, *, above: bool = False, printed: bool = True
) -> list[Claim]:
    claims: list[Claim] = []
    printed_taken = not printed  # one printed claim per run: later values in it are not about this statement
    index = 0
    while index < len(run):
        comment = run[index]
        body = _body(comment)
        if error := _exception(body):
            kind, message, text = error
            statement = anchor.line if anchor else None
            claim = new_claim("exception", comment.line, text, "error-comment", statement, exception=(kind, message))
            if index and _body(run[index - 1]).rstrip().endswith((":", "：")):  # "…这样会报错：" above it
                claim = replace(claim, first_line=run[index - 1].line)
            claims.append(claim)
        elif fact := _gradient(body):
            claims.append(new_claim("gradients", comment.line, body, "gradient-comment", None, fact=fact))
        elif state := _grad_state(body):
            claim = new_claim("gradients", comment.line, body, "gradient-state", None, fact=state[0])
            claims.append(replace(claim, subject=state[1]))
        elif not printed_taken and index < 50 and anchor is not None and _may_claim(anchor, comment):
            # (A value is written right below its print; trying every line of a huge comment run is quadratic.)
            found = _printed(run, index, anchor.role, above=above)
            if found is not None and anchor.role == "assigned" and not _claims_assigned(found.text, body):
                found = None
            if found is not None and (seen := read_traceback(found.text)) and ":" in found.text:
                # `# 输出：` then `# RuntimeError: ...`: what the author saw was the error
                kind, message, offset = seen
                line, text = run[found.first].line + offset, found.text.split("\n")[offset].strip()
                claims.append(
                    new_claim("exception", line, text, "error-comment", anchor.line, exception=(kind, message))
                )
                printed_taken, index = True, found.end
                continue
            if found is not None:
                claim = new_claim("printed", run[found.first].line, found.text, found.form, anchor.line)
                claims.append(replace(claim, annotation=found.annotation))
                printed_taken, index = True, found.end
                continue
        index += 1
    return claims


def _may_claim(anchor: _Statement, comment: _Comment) -> bool:
    """A comment may claim what the statement shows; on an assignment's own line, the value assigned."""
    return anchor.role in _SHOWS or (anchor.role == "assigned" and comment.trailing and anchor.line == comment.line)


# An assignment's comment says what the name holds only beyond doubt: a tensor's repr, a size, a constant, a
# nested list; or a value after an arrow or ≈. A bare number or `(4, 3)` there is a shape, a unit, a remark.
_ASSIGNED_VALUE = re.compile(
    r"(?:tensor|torch\.Size|Parameter)\(|(?:True|False|None)$|\[\s*\["
    # a dtype: `dt = a.dtype  # torch.int64`
    r"|torch\.(?:u?int(?:8|16|32|64)|float(?:16|32|64)|bfloat16|bool|complex(?:64|128))$"
)
_EVALUATES = re.compile(r"\s*(?:≈|~=|=>|->|→)")


def _claims_assigned(value: str, comment: str) -> bool:
    return bool(_ASSIGNED_VALUE.match(value.strip()) or _EVALUATES.match(comment)) and is_value(value)


def string_claims(statements: Sequence[_Statement]) -> list[Claim]:
    """A '''...''' string right after a print (or a bare expression) is what it printed."""
    claims: list[Claim] = []
    ending = {s.end: s for s in statements if s.role != "other"}
    for statement in statements:
        before = ending.get(statement.line - 1)
        if statement.string is None or before is None or before.role not in _SHOWS:
            continue
        text, annotation = trimmed_value(statement.string.strip())
        if text:
            line = statement.line + statement.string[: max(statement.string.find(text), 0)].count("\n")
            claim = new_claim("printed", line, text, "docstring", before.line)
            claims.append(replace(claim, annotation=annotation))
    return claims


SENTENCE_END = re.compile(r"(?<=[。！？；])\s*|(?<=[.!?;])\s+")  # `0.3` and `x.grad` end no sentence

"""Claims: what a note's author wrote that their code printed, raised, or did to the gradients.

Authors write outputs as comments (``print(x)  # tensor(1.)``, ``#=> 3``, ``# 输出: ...``, a comment on the next
line), as a string right after the print, after a REPL-style bare expression, as an output fence after the
code, or as prose about an error or about ``.grad``. A comment is a printed claim only when it reads as a
printed value (``parse_printed``) or carries an explicit output prefix; other comments are prose.

A ``#`` inside a string is not a comment: blocks with triple-quoted strings go through ``tokenize``, the rest
through a quote-aware line scan (exact there, and much faster). Statements come from ``ast``; code that does
not parse still has its comments read, with statements guessed from lines. Pure Python: no torch import,
since this runs where torch is never loaded.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from harness.judge.printed import parse_printed
from harness.notes.document import Block, blocks
from harness.notes.names import block_names, random_unseeded

__all__ = ["Claim", "ClaimKind", "CodeBlock", "GradientFact", "read_code_blocks"]

ClaimKind = Literal["printed", "exception", "gradients"]
GradientFact = Literal["before_none", "after_set", "without_backward_none"]
Role = Literal["print", "expression", "string", "other"]


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    line: int  # 1-based line in the note where the claim is written
    text: str  # the claim as written, without comment markers and prefixes
    form: str  # how it was written: "trailing-comment", "next-line-comment", "arrow", "output-prefix", ...
    statement_line: int | None  # 1-based line in the block's code of the statement claimed about; None: block-level
    unverifiable: str | None = None  # why the claim cannot be checked honestly
    exception_type: str | None = None
    exception_message: str | None = None
    gradient_fact: GradientFact | None = None


@dataclass(frozen=True)
class CodeBlock:
    index: int  # 1-based among the note's python code blocks
    line: int  # note line of the opening fence
    code: str
    claims: tuple[Claim, ...]
    defines: frozenset[str]  # top-level names the block binds
    uses: frozenset[str]  # names it loads without binding them first (builtins excluded)
    random_unseeded: bool  # draws random numbers before any seed call in the block


def read_code_blocks(text: str) -> list[CodeBlock]:
    """The note's python blocks with their claims; an output fence after a block is a claim, not a block."""
    fences = blocks(text)
    if not fences:
        return []
    note_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # markdown-it's line numbering
    found: list[CodeBlock] = []
    analysed: dict[str, _Analysis] = {}  # notes repeat blocks (the same model, again and again): read each once
    previous: Block | None = None  # the fence just before, when it was a python code block
    for fence in fences:
        if previous is not None and found and _is_output(previous, fence, note_lines):
            output = fence.code.strip()
            first = next(n for n, line in enumerate(fence.code.split("\n")) if line.strip())
            claim = _claim("printed", fence.line + 1 + first, output, "output-block", None)
            found[-1] = _with_claim(found[-1], claim)
            previous = None
            continue
        previous = fence if fence.is_python else None
        if fence.is_python:
            if fence.code not in analysed:
                analysed[fence.code] = _analyse(fence.code)
            claims, defines, uses, random = analysed[fence.code]
            claims = tuple(replace(claim, line=claim.line + fence.line) for claim in claims)
            found.append(CodeBlock(len(found) + 1, fence.line, fence.code, claims, defines, uses, random))
    return found


def _with_claim(block: CodeBlock, claim: Claim) -> CodeBlock:
    claims = tuple(sorted((*block.claims, claim), key=lambda c: c.line))
    return CodeBlock(block.index, block.line, block.code, claims, block.defines, block.uses, block.random_unseeded)


_Analysis = tuple[tuple[Claim, ...], frozenset[str], frozenset[str], bool]


def _analyse(code: str) -> _Analysis:
    """A block's claims (lines counted from its fence), names and randomness."""
    tree = _parse(code)
    statements, calls = _statements(tree) if tree is not None else (_guess_statements(code), None)
    claims = _comment_claims(code, statements) + _string_claims(statements)  # lines in the code, for now
    defines, uses = block_names(tree) if tree is not None else (frozenset[str](), frozenset[str]())
    claims.sort(key=lambda c: c.line)
    return tuple(claims), defines, uses, random_unseeded(code, calls)


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: null bytes
        return None


# ---- claims ---------------------------------------------------------------------------------------------

_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}")
_AUTHOR_PATH = re.compile(r"(/Users/|/home/)[^/\s'\"]+|(?<![A-Za-z])[A-Za-z]:(\\|/)")


def _unverifiable(text: str) -> str | None:
    if match := _ADDRESS.search(text):
        return f"memory address {match.group(0)} changes on every run"
    if match := _AUTHOR_PATH.search(text):
        return f"path on the author's machine ({match.group(0)}...)"
    return None


def _claim(
    kind: ClaimKind,
    line: int,
    text: str,
    form: str,
    statement: int | None,
    *,
    exception: tuple[str | None, str | None] = (None, None),
    fact: GradientFact | None = None,
) -> Claim:
    return Claim(kind, line, text, form, statement, _unverifiable(text), *exception, gradient_fact=fact)


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


def _role(node: ast.stmt) -> Role:
    if not isinstance(node, ast.Expr):
        return "other"
    value = node.value
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return "string"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print":
        return "print"
    return "expression"


def _statements(tree: ast.Module) -> tuple[list[_Statement], list[ast.Call]]:
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
        found.append(_Statement(node.lineno, end, _role(node), string if isinstance(string, str) else None))
    return sorted(found, key=lambda s: (s.line, s.end)), calls


_KEYWORD_START = re.compile(
    r"(import|from|def|class|for|while|if|elif|else|try|except|finally|with|return|raise|assert|del|pass|break"
    r"|continue|global|nonlocal|async|await|lambda|yield)\b|@"
)
_ASSIGNMENT = re.compile(r"(?<![=!<>:])=(?!=)")


def _depth(text: str) -> int:
    """Open brackets minus closed ones, ignoring quoted text on the line (roughly)."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "", text)
    return sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")


def _guess_statements(code: str) -> list[_Statement]:
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
        depth = max(depth + _depth(code_part), 0)
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
_ARROW = re.compile(r"(?:=+>|-+>|→)\s*(.*)", re.S)
_OUTPUT = re.compile(
    r"(?:(?i:outputs?|out(?:\[\d*\])?|prints?)|输出结果|运行结果|打印结果|输出|结果)\s*[:：]\s*(.*)", re.S
)


def _prefix(body: str) -> tuple[str, str] | None:
    if match := _ARROW.fullmatch(body):
        return "arrow", match.group(1).strip()
    if match := _OUTPUT.fullmatch(body):
        return "output-prefix", match.group(1).strip()
    return None


_EXC = r"(?:[A-Za-z_][\w.]*?)?(?:Error|Exception|Warning)"
_EXC_LINE = re.compile(rf"({_EXC})\s*(?:[:：]\s*(.*))?", re.S)
_ERROR_MARKER = re.compile(r"(?:.{0,12}?(?:会报错|会出错|报错|出错|抛出异常)|(?i:errors?))\s*[:：]\s*(.*)", re.S)
_ERROR_ALONE = re.compile(r"(?:这里|此处|这行|这一行|这句|下面|运行|运行时|这样)?(?:会|将)?(?:报错|出错)[!！。.~]*")
_RAISES = re.compile(
    rf"(?i:\b(?:raises?|raised|throws?|thrown|threw))\s+(?:an?\s+|the\s+)?({_EXC})\b(?:\s*[:：]\s*(.*))?"
)
_RAISES_ANY = re.compile(r"(?i:\b(?:raises?|throws?|gives?)\s+(?:an?\s+)?(?:error|exception)\b)")
_CN_RAISES = re.compile(rf"(?:抛出|报|引发)\s*({_EXC})")
_NEGATED = re.compile(
    r"不会报错|不报错|没有报错|没报错|不会出错|(?i:(?:\b(?:not|never|no)|n't)\s+(?:raise|throw|error)|without\s+(?:an?\s+)?error)"
)


def _exception(body: str) -> tuple[str | None, str | None, str] | None:
    """(type, message, text) when the comment claims an error."""
    if _NEGATED.search(body):
        return None
    prefixed = _prefix(body)
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


# Printed values parse_printed leaves out: None (it returns None for it) and dtypes such as torch.float32.
_BARE_VALUE = re.compile(r"None|torch\.[a-z][a-z0-9_]*")


def _is_value(text: str) -> bool:
    return _BARE_VALUE.fullmatch(text.strip()) is not None or parse_printed(text) is not None


def _continued(comment: _Comment) -> str:
    """A continuation line keeps its alignment under the first: drop '#' and one space only."""
    text = comment.text.rstrip()
    return text[1:] if text.startswith(" ") else text


def _value_group(run: Sequence[_Comment], start: int, first: str) -> tuple[int, str] | None:
    """A value starting at run[start] (text `first`), continued over lines while brackets are open."""
    parts, depth, end = [first], _depth(first), start + 1
    while depth > 0 and end < len(run) and end - start < 200:
        parts.append(_continued(run[end]))
        depth += _depth(run[end].text)
        end += 1
    text = "\n".join(parts)
    return (end, text) if _is_value(text) else None


def _printed(run: Sequence[_Comment], start: int, role: Role) -> tuple[int, str, str, int] | None:
    """(end, text, form, run index of the first text line) of a printed claim starting at run[start]."""
    comment = run[start]
    body = _body(comment)
    prefixed = _prefix(body)
    if prefixed is not None:
        form, first = prefixed
    else:
        form = "repl" if role == "expression" else "trailing-comment" if comment.trailing else "next-line-comment"
        first = body
    if prefixed is not None and not first:  # `# 输出：` with the output on the lines below
        end = start + 1
        while end < len(run) and run[end].text.strip() and end - start <= 200:
            end += 1
        lines = [_continued(c) for c in run[start + 1 : end]]
        return (end, "\n".join(lines).strip(), form, start + 1) if lines else None
    group = _value_group(run, start, first)
    if group is None:
        return (start + 1, first, form, start) if prefixed is not None else None
    end, text = group
    while not comment.trailing and end < len(run):  # a loop's prints, one value a line: one claim
        more = _value_group(run, end, _body(run[end]))
        if more is None:
            break
        end, text = more[0], f"{text}\n{more[1]}"
    return end, text, form, start


def _runs(comments: Sequence[_Comment]) -> Iterator[list[_Comment]]:
    """Comments on consecutive lines; a trailing comment starts a run, standalone ones continue it."""
    run: list[_Comment] = []
    for comment in comments:
        if run and (comment.trailing or comment.line != run[-1].line + 1):
            yield run
            run = []
        run.append(comment)
    if run:
        yield run


def _comment_claims(code: str, statements: Sequence[_Statement]) -> list[Claim]:
    comments = _comments(code)
    if not comments:
        return []
    lines = code.split("\n")
    on_line: dict[int, _Statement] = {}  # the statement a trailing comment on this line belongs to
    ending: dict[int, _Statement] = {}  # the simple statement that ends on this line
    for statement in statements:  # in order: on a shared line (`a = 1; print(a)`) the later statement wins
        on_line[statement.line] = statement
        for number in range(statement.line + 1, statement.end + 1):
            on_line.setdefault(number, statement)
        ending[statement.end] = statement
    standalone = {c.line for c in comments if not c.trailing}
    code_above = [0] * (len(lines) + 1)  # the last line holding code at or above each line (0: none)
    for number, line in enumerate(lines, 1):
        holds_code = bool(line.strip()) and number not in standalone
        code_above[number] = number if holds_code else code_above[number - 1]
    claims: list[Claim] = []
    for run in _runs(comments):
        first = run[0]
        above = first.line if first.trailing else code_above[first.line - 1]
        anchor = (on_line if first.trailing else ending).get(above)
        claims += _run_claims(run, anchor)
    return claims


def _run_claims(run: Sequence[_Comment], anchor: _Statement | None) -> list[Claim]:
    claims: list[Claim] = []
    printed_taken = False  # one printed claim per run: later values in it are not about this statement
    index = 0
    while index < len(run):
        comment = run[index]
        body = _body(comment)
        if error := _exception(body):
            kind, message, text = error
            statement = anchor.line if anchor else None
            claims.append(
                _claim("exception", comment.line, text, "error-comment", statement, exception=(kind, message))
            )
        elif fact := _gradient(body):
            claims.append(_claim("gradients", comment.line, body, "gradient-comment", None, fact=fact))
        elif not printed_taken and index < 50 and anchor is not None and anchor.role in ("print", "expression"):
            # (A value is written right below its print; trying every line of a huge comment run is quadratic.)
            printed = _printed(run, index, anchor.role)
            if printed is not None:
                end, text, form, first = printed
                claims.append(_claim("printed", run[first].line, text, form, anchor.line))
                printed_taken, index = True, end
                continue
        index += 1
    return claims


def _string_claims(statements: Sequence[_Statement]) -> list[Claim]:
    """A '''...''' string right after a print (or a bare expression) is what it printed."""
    claims: list[Claim] = []
    ending = {s.end: s for s in statements if s.role != "other"}
    for statement in statements:
        before = ending.get(statement.line - 1)
        if statement.string is None or before is None or before.role not in ("print", "expression"):
            continue
        text = statement.string.strip()
        if text:
            leading = statement.string[: len(statement.string) - len(statement.string.lstrip())]
            line = statement.line + leading.count("\n")
            claims.append(_claim("printed", line, text, "docstring", before.line))
    return claims


# ---- output fences ----------------------------------------------------------------------------------------

_OUTPUT_LANGUAGES = frozenset({"", "text", "txt", "output", "out", "console", "plain", "plaintext"})
_LABEL = re.compile(r"outputs?|prints?|printed|results?|returns?|gives?|console|输出|结果|打印|运行", re.I)
_LIST_OR_QUOTE = re.compile(r"^(?:\s*(?:>|[-*+]|\d+[.)]))+\s*")


def _is_output(code: Block, fence: Block, note_lines: Sequence[str]) -> bool:
    """Is `fence`, right after python block `code`, the output that code printed?"""
    between = [_LIST_OR_QUOTE.sub("", line).strip() for line in note_lines[code.end : fence.line - 1]]
    prose = [line for line in between if line]
    if len(prose) > 2 or any(len(line) > 60 or line.startswith("#") or not _LABEL.search(line) for line in prose):
        return False
    content = fence.code.strip()
    if not content:
        return False
    if fence.language in _OUTPUT_LANGUAGES:
        return not _is_code(content, strict=False)
    if fence.is_python:
        lines = [line for line in content.split("\n") if line.strip()]
        values = all(_is_value(line) for line in lines) or _is_value(content)
        return values and not _is_code(content, strict=True)
    return False


def _is_code(text: str, *, strict: bool) -> bool:
    """Code rather than output: imports, defs, loops, prints (and, when strict, assignments)."""
    tree = _parse(text)
    if tree is None:
        return False
    kinds: tuple[type[ast.AST], ...] = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef)
    kinds += (ast.ClassDef, ast.For, ast.While, ast.With)
    if strict:
        kinds += (ast.Assign, ast.AugAssign, ast.AnnAssign)
    for node in ast.walk(tree):
        if isinstance(node, kinds):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            return True
    return False

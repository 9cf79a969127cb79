"""Claims: what a note's author wrote that their code printed, raised, or did to the gradients.

Authors write outputs as comments (``print(x)  # tensor(1.)``, ``#=> 3``, ``# 输出: ...``, a comment on the next
line), as a string right after the print, after a REPL-style bare expression, as an output fence after the
code, or as prose about an error or about ``.grad``. A comment is a printed claim only when it reads as a
printed value (``parse_printed``) or carries an explicit output prefix; other comments are prose.

Authors also annotate a value (``# True, since ...``, ``# y.grad: tensor([1.])``, a header or working around
it): the value is the claim and the rest its ``annotation`` (annotations.py). A comment above a print claims
its output when it reads as an annotated value. Output also comes as nbconvert's indented block or a quoted
value after the code, as a traceback (an exception claim), or as prose right after the block ("this raises an
error", "这样写会报错"). Unlabelled fences holding torch code are code; REPL transcripts are read as doctest
reads them (transcript.py); a ``.ipynb`` note is read cell by cell (notebook.py).

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
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from harness.notes.annotations import is_value, split_header, split_name, split_prose, split_working, strong_value
from harness.notes.document import Block, parts
from harness.notes.names import block_names, random_unseeded
from harness.notes.notebook import Cell, is_notebook, read_notebook
from harness.notes.shell import shell_session
from harness.notes.transcript import Example, is_transcript, read_transcript

__all__ = ["Claim", "ClaimKind", "CodeBlock", "GradientFact", "has_address", "read_code_blocks"]

ClaimKind = Literal["printed", "exception", "gradients"]
# before_none, after_set, without_backward_none: what backward does to the block's leaves; is_none, is_set: the
# state of one tensor's .grad where the comment stands (`# b.grad is populated now`), the claim's `subject`.
GradientFact = Literal["before_none", "after_set", "without_backward_none", "is_none", "is_set"]
Role = Literal["print", "expression", "string", "other"]
InlineKind = Literal["", "table row", "prose"]


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
    annotation: str = ""  # what the author wrote around the value and the reader left out: prose, a name, a header
    before_error: bool = False  # printed before the error its output block goes on to show (a script's traceback)
    first_line: int = 0  # where the claim's text starts, when above `line` (a traceback above its error line)
    subject: str | None = None  # the tensor a gradient-state claim is about: `b` in `# b.grad is None here`

    @property
    def lines(self) -> tuple[int, int]:
        """The first and last note lines the claim is written on."""
        return (self.first_line or self.line, self.line + self.text.count("\n"))


@dataclass(frozen=True)
class CodeBlock:
    index: int  # 1-based among the note's python code blocks
    line: int  # note line of the opening fence
    code: str
    claims: tuple[Claim, ...]
    defines: frozenset[str]  # top-level names the block binds
    uses: frozenset[str]  # names it loads without binding them first (builtins excluded)
    random_unseeded: bool  # draws random numbers before any seed call in the block
    cell: int | None = None  # a notebook's cell number (1-based among all cells); None in a markdown note
    executed: int | None = None  # a notebook cell's execution count (the kernel's order); None: never run, or markdown
    transcript: bool = False  # read from a REPL transcript: `code` is the fence's text without prompts and outputs
    # Code written inline, not in a fence: a cheat sheet's table row (`| x.shape | torch.Size([2]) |`), or a
    # variant of the code above written in the prose after it ("`torch.mm(m, m)` raises RuntimeError: ...").
    # `code` is the expression, `line` the line above the one it is written on (so that the code's line 1 is
    # that line), and no fix can be written back into the note.
    inline: InlineKind = ""


def read_code_blocks(text: str, *, source: str = "note") -> list[CodeBlock]:
    """The note's python blocks with their claims; an output after a block is a claim, not a block.

    `text` may be a notebook's JSON (``read_note`` of a ``.ipynb``); `source` names it in errors."""
    if is_notebook(text):
        return _notebook_blocks(read_notebook(text, source))
    found_parts = parts(text)
    if not found_parts:
        return []
    note_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # markdown-it's line numbering
    found: list[CodeBlock] = []
    ends: list[int] = []  # each block's last note line, its output included
    analysed: dict[tuple[str, str], tuple[str, bool, _Analysis]] = {}  # notes repeat blocks: read each once
    previous: Block | None = None  # the part just before, when it was a python code block
    waiting: tuple[Block, str] | None = None  # a paragraph's variant whose error the fence below it shows
    in_variants: set[int] = set()  # the note lines of paragraphs that speak of a variant, not of the block above
    for part in found_parts:
        if waiting is not None and (variant := _shown_error(*waiting, part, len(found) + 1)) is not None:
            found.append(variant)
            ends.append(part.end)
            waiting = None
            continue
        waiting = None
        if previous is not None and found and _is_output(previous, part, note_lines):
            code = found[-1].code
            output = _changing_output(code, _by_statement(code, _output_claims(part, catches=_catches(code))))
            found[-1] = _with_claims(found[-1], output)
            ends[-1] = part.end
            # An outliner's bullets (a quote's paragraphs) under the code: the next may hold the next print's output.
            previous = replace(previous, end=part.end) if part.kind in ("item", "quote") else None
            continue
        if part.kind in ("paragraph", "item", "quote") and found:
            said = _variant(part, found, len(found) + 1)
            if isinstance(said, CodeBlock):
                found.append(said)
                ends.append(part.end)
            elif said is not None:
                waiting = (part, said)
            if said is not None:
                in_variants.update(range(part.line, part.end + 1))
                previous = None  # what follows is not the output of the code above
                continue
        if part.kind in ("paragraph", "item"):  # prose: the label above an output, or text the output check measures
            continue
        previous = None
        if part.kind == "row":
            if (row := _row_block(part, len(found) + 1)) is not None:
                found.append(row)
                ends.append(part.end)
            continue
        if not _is_code_part(part):
            continue
        previous = part
        if (part.language, part.code) not in analysed:
            analysed[part.language, part.code] = _analyse_part(part)
        code, transcript, (claims, defines, uses, random) = analysed[part.language, part.code]
        claims = tuple(
            replace(claim, line=claim.line + part.line, first_line=claim.first_line and claim.first_line + part.line)
            for claim in claims
        )
        block = CodeBlock(len(found) + 1, part.line, code, claims, defines, uses, random, transcript=transcript)
        found.append(block)
        ends.append(part.end)
    return [
        block
        if block.inline == "prose"
        else _with_prose_error(
            _with_prose_output(_bullets_by_statement(block), end, note_lines), end, note_lines, in_variants
        )
        for block, end in zip(found, ends, strict=True)
    ]


def _with_claims(block: CodeBlock, more: Sequence[Claim]) -> CodeBlock:
    return replace(block, claims=tuple(sorted((*block.claims, *more), key=lambda c: c.line)))


_Analysis = tuple[tuple[Claim, ...], frozenset[str], frozenset[str], bool]


def _analyse(code: str) -> _Analysis:
    """A block's claims (lines counted from its fence), names and randomness."""
    tree = _parse(code)
    statements, calls = _statements(tree) if tree is not None else (_guess_statements(code), None)
    claims = _comment_claims(code, statements) + _string_claims(statements)  # lines in the code, for now
    claims = [piece for claim in claims for piece in _split_among_prints(code, claim)]
    defines, uses = block_names(tree) if tree is not None else (frozenset[str](), frozenset[str]())
    claims.sort(key=lambda c: c.line)
    return tuple(claims), defines, uses, random_unseeded(code, calls)


def _split_among_prints(code: str, claim: Claim) -> list[Claim]:
    """`# Output:` over the lines several prints wrote, read as one claim of the last: split among the prints
    when its values pair one to one with them, as an output block's are."""
    if claim.kind != "printed" or claim.form != "output-prefix" or "\n" not in claim.text:
        return [claim]
    split = _by_statement(code, [replace(claim, statement_line=None)], displayed=False)
    return split if len(split) > 1 else [claim]


def _changing_output(code: str, claims: Sequence[Claim]) -> list[Claim]:
    """A block's output claims, unverifiable where the print that wrote one shows a value no rerun reproduces;
    an output not split among its prints, where any line of the block does."""
    lines = code.split("\n")
    anywhere = next((match for line in lines if (match := _CHANGING.search(line))), None)
    found: list[Claim] = []
    for claim in claims:
        if claim.statement_line or anywhere is None or claim.kind != "printed" or claim.unverifiable:
            found.append(_changing(claim, lines))
        else:
            found.append(
                replace(claim, unverifiable=f"{anywhere.group(0)}...) prints a value that changes on every run")
            )
    return found


def _by_statement(code: str, claims: Sequence[Claim], *, displayed: bool = True) -> list[Claim]:
    """An output block split among the statements that printed it, when each printed one value of its own.

    `print(a.shape)`, `print(b.shape)` and an output of two lines: the first line is the first print's, the
    second the second's, and each is judged alone (one wrong shape is not the whole block wrong). A value ends
    where its brackets close at a line's end; when the values do not pair one to one with the block's top-level
    prints (and a last bare expression that Jupyter displays, unless `displayed` is False: a notebook stores that
    value apart from the stream), the output stays one claim."""
    tree = _parse(code) if any(c.kind == "printed" and c.statement_line is None for c in claims) else None
    if tree is None:
        return list(claims)
    body = tree.body
    prints = [n.lineno for n in body if isinstance(n, ast.Expr) and _role(n) == "print"]
    if any(_role(n) == "print" for n in ast.walk(tree) if isinstance(n, ast.stmt) and n not in body):
        return list(claims)  # a print in a loop or a function: how many lines each printed is unknown
    last = body[-1] if body and displayed else None
    shown = [last.lineno] if isinstance(last, ast.Expr) and _role(last) == "expression" else []
    split: list[Claim] = []
    for claim in claims:
        values = _values(claim.text) if claim.kind == "printed" and claim.statement_line is None else []
        statements = next((s for s in (prints + shown, prints) if len(s) == len(values) > 1), None)
        if statements is None:
            split.append(claim)
            continue
        for statement, (offset, value) in zip(statements, values, strict=True):
            piece = replace(claim, line=claim.line + offset, text=value, statement_line=statement)
            split.append(replace(piece, unverifiable=_unverifiable(value)))
    return split


def _values(text: str) -> list[tuple[int, str]]:
    """(line offset, text) of each printed value in an output: a value ends where its brackets close at a line's end."""
    found: list[tuple[int, str]] = []
    start, depth = 0, 0
    lines = text.split("\n")
    for number, line in enumerate(lines):
        depth += _depth(line)
        if depth < 0:
            return []
        if depth == 0:
            if number >= start and "\n".join(lines[start : number + 1]).strip():
                found.append((start, "\n".join(lines[start : number + 1]).strip()))
            start = number + 1
    return found if depth == 0 else []


def _analyse_part(part: Block) -> tuple[str, bool, _Analysis]:
    """(the code to run, whether it came from a REPL transcript, its analysis)."""
    text = part.code
    if (session := _shell_script(part)) is not None:
        return _analyse_shell_session(*session)
    if not is_transcript(text):
        return text, False, _analyse(text)
    code, examples = read_transcript(text)
    claims, defines, uses, random = _analyse(code)
    tree = _parse(code)
    more = [claim for example in examples if (claim := _doctest_claim(example, tree)) is not None]
    return code, True, (tuple(sorted((*claims, *more), key=lambda c: c.line)), defines, uses, random)


def _shell_script(part: Block) -> tuple[str, list[Example]] | None:
    """A shell session's script and its runs, when the fence is one (harness.notes.shell)."""
    return shell_session(part.language, part.code) if part.kind == "fence" else None


def _analyse_shell_session(code: str, runs: Sequence[Example]) -> tuple[str, bool, _Analysis]:
    """A script's claims: its comments', and what each run printed, split among its prints as an output block's
    is (a script displays no last expression)."""
    claims, defines, uses, random = _analyse(code)
    output: list[Claim] = []
    for run in runs:
        shown = Block(run.want_line - 1, "", run.want, kind="fence")  # lines counted from the fence, as the code's
        output += [replace(c, form="shell-output") for c in _output_claims(shown, catches=_catches(code))]
    output = _changing_output(code, _by_statement(code, output, displayed=False))
    return code, False, (tuple(sorted((*claims, *output), key=lambda c: c.line)), defines, uses, random)


def _doctest_claim(example: Example, tree: ast.Module | None) -> Claim | None:
    if not example.want:
        return None
    if error := _traceback(example.want):
        kind, message, line_offset = error
        text = example.want.split("\n")[line_offset].strip()
        claim = _claim("exception", example.want_line + line_offset, text, "doctest", example.line,
                       exception=(kind, message))  # fmt: skip
        return replace(claim, first_line=example.want_line)  # the traceback is written from its first line
    # Tied to its statement when the example is one expression, or a compound statement (a loop) whose every
    # print is on one line; otherwise its output is the block's.
    statement = None
    node = next((n for n in tree.body if n.lineno == example.line), None) if tree is not None else None
    if isinstance(node, ast.Expr) and example.line == example.end:
        statement = example.line
    elif node is not None and example.end > example.line:
        prints = {
            call.lineno
            for call in ast.walk(node)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"
        }
        statement = prints.pop() if len(prints) == 1 else None
    return _claim("printed", example.want_line, example.want, "doctest", statement)


# ---- which parts are code ----------------------------------------------------------------------------------

_TORCH_NAMES = frozenset({"torch", "nn", "F", "optim", "torchvision"})


def _is_code_part(part: Block) -> bool:
    """A python fence, a REPL transcript, or an unlabelled fence whose text is python code that uses torch."""
    if part.kind != "fence":
        return False
    if part.is_python or (part.language in ("", "doctest") and is_transcript(part.code)):
        return True
    if _shell_script(part) is not None:
        return True
    return part.language == "" and _unlabelled_code(part.code)


def _unlabelled_code(text: str) -> bool:
    tree = _parse(text)
    if tree is None or not tree.body or _values_only(text):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in _TORCH_NAMES:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] in ("torch", "torchvision") for m in modules):
                return True
    return False


def _values_only(text: str) -> bool:
    lines = [line for line in text.strip().split("\n") if line.strip()]
    return bool(lines) and (all(is_value(line) for line in lines) or is_value(text))


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: null bytes
        return None


# ---- claims ---------------------------------------------------------------------------------------------

_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}")
# A home folder, a drive letter, or the data roots of hosted notebooks (Kaggle, Colab, SageMaker, cloud volumes).
_AUTHOR_PATH = re.compile(
    r"(/Users/|/home/)[^/\s'\"]+|(?<![A-Za-z])[A-Za-z]:(\\|/)|(?<![\w.])/(?:kaggle|content|mnt|workspace|opt/ml)/"
)


def has_address(text: str) -> bool:
    """The text shows a memory address (`<AddBackward0 object at 0x7f...>`)."""
    return _ADDRESS.search(text) is not None


_DOWNLOAD_LOG = re.compile(r"^(?:Downloading|Extracting|Files already downloaded)\b", re.MULTILINE)


# What `%timeit`, `%time` and `%%time` print: the author's machine's speed.
_TIMING = re.compile(r"\d\s*(?:ns|µs|us|ms|s) ± [\d.]+\s*(?:ns|µs|us|ms|s) per loop|^(?:Wall time|CPU times):", re.M)


def _unverifiable(text: str) -> str | None:
    if _TIMING.search(text):
        return "a timing of the author's run: it depends on their machine"
    if _DOWNLOAD_LOG.search(text):
        return "a download log of the author's run: it depends on the network and the files already there"
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


# An output word or `>` without a colon: a prefix only when a value follows.
# "should be" states what the author expected to see: a claim like any other.
_SPACED_PREFIX = re.compile(
    r"(?:(?i:outputs?|out|prints?|should\s+(?:be|print|give)|expected:?)|输出结果|运行结果|结果为|输出为|输出|结果|应该是|应为|>)"
    r"\s*(\S.*)",
    re.S,
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
    parts, depth, end = [first], _depth(first), start + 1
    while depth > 0 and end < len(run) and end - start < 200:
        parts.append(_continued(run[end]))
        depth += _depth(run[end].text)
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


def _trimmed(text: str) -> tuple[str, str]:
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
    prefixed = _prefix(body)
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
    if prefixed is not None and not first:  # `# 输出：` with the output on the lines below
        below = _lines_below(run, start)
        if below is None:
            return None
        text, left_out = _trimmed(below[1])
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
    prefixed = _prefix(body)
    text = prefixed[1] if prefixed is not None else body
    return bool(text) and _depth(text) <= 0 and (is_value(text) or split_prose(text) is not None)


def _comment_claims(code: str, statements: Sequence[_Statement]) -> list[Claim]:
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
            and _prefix(_body(first)) is None  # `# Output:` under a blank line labels what follows it
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
    return [_changing(claim, lines) for claim in claims]


_SHOWS = ("print", "expression")
# Calls whose printed value differs on every run, whatever the code does: an object's address, the clock.
_CHANGING = re.compile(
    r"\b(?:id|time\.time|time\.perf_counter|time\.monotonic|datetime\.now|datetime\.datetime\.now)\("
    # Memory never initialised: `torch.empty(2, 3)`, and `torch.Tensor(2, 3)` given sizes as old notes wrote it.
    r"|\btorch\.empty(?:_like)?\(|\.new_empty\(|\btorch\.(?:cuda\.)?(?:[A-Z][a-z]*)?Tensor\(\s*\d"
)


# What describes the machine the note ran on: the versions installed, whether it has a GPU, which one.
_MACHINE = re.compile(
    r"__version__|\btorch\.version\.|cuda\.is_available\(|get_device_name\(|device_count\(|\bplatform\.|sys\.version"
)
_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)")


def _changing(claim: Claim, lines: Sequence[str]) -> Claim:
    if claim.kind != "printed" or claim.unverifiable:
        return claim
    if not claim.statement_line:  # a block's whole output: the machine's, when every line that prints names it
        prints = [line for line in lines if re.match(r"\s*print\(", line)]
        machines = [m for line in prints if (m := _MACHINE.search(line))]
        if prints and len(machines) == len(prints):
            said = f"`{machines[0].group(0)}` describes the author's machine (versions, GPU)"
            return replace(claim, unverifiable=said)
        return claim
    line = lines[claim.statement_line - 1] if claim.statement_line <= len(lines) else ""
    if match := _CHANGING.search(line):
        return replace(claim, unverifiable=f"{match.group(0)}...) prints a value that changes on every run")
    machine = _MACHINE.search(line)
    if machine is None and (named := _machine_names(lines)):
        machine = re.search(rf"\b(?:{'|'.join(map(re.escape, named))})\b", line)
    if machine is None:
        return claim
    return replace(claim, unverifiable=f"`{machine.group(0)}` describes the author's machine (versions, GPU)")


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
            claims.append(
                _claim("exception", comment.line, text, "error-comment", statement, exception=(kind, message))
            )
        elif fact := _gradient(body):
            claims.append(_claim("gradients", comment.line, body, "gradient-comment", None, fact=fact))
        elif state := _grad_state(body):
            claim = _claim("gradients", comment.line, body, "gradient-state", None, fact=state[0])
            claims.append(replace(claim, subject=state[1]))
        elif not printed_taken and index < 50 and anchor is not None and anchor.role in _SHOWS:
            # (A value is written right below its print; trying every line of a huge comment run is quadratic.)
            found = _printed(run, index, anchor.role, above=above)
            if found is not None and (seen := _traceback(found.text)) and ":" in found.text:
                # `# 输出：` then `# RuntimeError: ...`: what the author saw was the error
                kind, message, offset = seen
                line, text = run[found.first].line + offset, found.text.split("\n")[offset].strip()
                claims.append(_claim("exception", line, text, "error-comment", anchor.line, exception=(kind, message)))
                printed_taken, index = True, found.end
                continue
            if found is not None:
                claim = _claim("printed", run[found.first].line, found.text, found.form, anchor.line)
                claims.append(replace(claim, annotation=found.annotation))
                printed_taken, index = True, found.end
                continue
        index += 1
    return claims


def _string_claims(statements: Sequence[_Statement]) -> list[Claim]:
    """A '''...''' string right after a print (or a bare expression) is what it printed."""
    claims: list[Claim] = []
    ending = {s.end: s for s in statements if s.role != "other"}
    for statement in statements:
        before = ending.get(statement.line - 1)
        if statement.string is None or before is None or before.role not in _SHOWS:
            continue
        text, annotation = _trimmed(statement.string.strip())
        if text:
            line = statement.line + statement.string[: max(statement.string.find(text), 0)].count("\n")
            claim = _claim("printed", line, text, "docstring", before.line)
            claims.append(replace(claim, annotation=annotation))
    return claims


# ---- outputs after the code ---------------------------------------------------------------------------------

_OUTPUT_LANGUAGES = frozenset({"", "text", "txt", "output", "out", "console", "plain", "plaintext", "log"})
# A shell's fence after the code holds commands as often as output (`pip install torch`): output only when it
# holds what a print shows.
_SHELL_OUTPUT = frozenset({"shell", "sh", "bash", "zsh", "terminal"})
_COMMAND = re.compile(
    r"\s*(?:[$#>%]\s|(?:sudo\s+)?(?:pip3?|python3?|conda|cd|ls|git|export|nvidia-smi|cat|mkdir|wget|curl|apt(?:-get)?"
    r"|source|echo|jupyter|tensorboard|torchrun|rm|cp|mv)\b)"
)
_LABEL = re.compile(
    r"outputs?|prints?|printed|results?|returns?|gives?|console|out\s*\[\s*\d*\s*\]|\bout\s*[:：]|输出|结果|打印|运行"
    r"|\b(?:I|we|you)\s+(?:get|got|see|saw)\b|\bwhat\s+(?:I|we|you)\s+(?:get|got|see)\b"  # "But what I get is:"
    r"|\b(?:running|run)\s+(?:it|this|that|the\s+\w+)\s*[:：]",  # "Running it:", "Run the script:"
    re.I,
)
_ERROR_LABEL = re.compile(r"tracebacks?|errors?|raises?|exceptions?|报错|错误|异常", re.I)  # before a traceback only
_LIST_OR_QUOTE = re.compile(r"^(?:\s*(?:>|[-*+]|\d+[.)]))+\s*")
_MAX_BETWEEN = 12
_OUTPUT_FORMS = {
    "fence": "output-block",
    "indented": "indented-output",
    "quote": "quoted-output",
    "paragraph": "paragraph-output",
    "pre": "html-output",
    "item": "list-output",
}
_PROPERTY = re.compile(r"[\w-]+::\s")  # an outliner's block property: `collapsed:: true`
_HTML_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?>")
_CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def _is_output(code: Block, part: Block, note_lines: Sequence[str]) -> bool:
    """Is `part`, right after python block `code`, the output that code printed (or the error it raised)?"""
    if part.line - code.end > _MAX_BETWEEN:  # two short label lines and the blank lines around them, at most
        return False
    # `<details><summary>Output</summary>` folds an output away on GitHub: the tags are layout, their text a label.
    between = [_HTML_TAG.sub("", _LIST_OR_QUOTE.sub("", line)).strip() for line in note_lines[code.end : part.line - 1]]
    prose = [line for line in between if line and not _PROPERTY.match(line)]
    # "The print looks fine to me. But then I get this error:": a paragraph whose last sentence is the label.
    told = _closing_label(prose)
    if not told and (len(prose) > 2 or any(len(line) > 60 or line.startswith("#") for line in prose)):
        return False
    if part.kind == "paragraph" and not prose:  # a paragraph is output only under a label (asked first: cheap)
        return False
    content = _content(part)
    if not content:
        return False
    traceback = _traceback(_printed_then_traceback(content, catches=_catches(code.code))[1]) is not None
    if part.kind == "fence" and (is_transcript(part.code) or _shell_script(part) is not None):
        return False  # a REPL or shell session is code with its outputs inside
    labels = [told] if told else prose
    if not all(_LABEL.search(line) or (traceback and _ERROR_LABEL.search(line)) for line in labels):
        return False
    if part.kind == "item":  # an outliner's bullet right under the code: a value, perhaps with a remark after it
        return _bullet_value(content) is not None
    if part.kind == "paragraph":  # prose, unless a label introduces it and it reads as printed text
        return bool(prose) and (traceback or _values_only(content) or _reads_printed(content))
    if traceback:
        return part.kind != "fence" or part.language in _OUTPUT_LANGUAGES | _SHELL_OUTPUT or part.is_python
    if part.kind == "quote":  # quotes hold prose too: only a printed value is output
        return _values_only(content)
    if part.kind == "pre":  # a blog's <pre> after the code: what it printed, unless it is more code
        return not _is_code(content, strict=False) and not _unlabelled_code(content)
    if part.kind == "indented":  # nbconvert's outputs: anything but code
        return _values_only(content) or not _is_code(content, strict=True)
    if part.language in _OUTPUT_LANGUAGES:
        if part.language == "" and _unlabelled_code(part.code):
            return False
        return not _is_code(content, strict=False)
    if part.is_python:
        return _values_only(content) and not _is_code(content, strict=True) and not _calls(content)
    if part.language in _SHELL_OUTPUT:
        return not any(_COMMAND.match(line) for line in content.split("\n"))
    return False


def _closing_label(prose: Sequence[str]) -> str:
    """The last sentence of a short paragraph, when it is a short line ending in a colon (a label); else ""."""
    if not prose or len(prose) > 4 or prose[-1].startswith("#"):
        return ""
    last = _SENTENCE_END.split(" ".join(prose).strip())[-1]
    return last if last.endswith((":", "：")) and len(last) <= 60 else ""


_METHOD_CALL = re.compile(r"[A-Za-z_][\w.]*\.[a-z_]\w*\(\s*\)")


def _calls(text: str) -> bool:
    """A method called with no arguments (`y.backward()`): code, though it parses like a printed repr."""
    return _METHOD_CALL.search(text) is not None


def _unprefixed(text: str) -> str:
    """A quoted output without its output prefix (`Output: tensor(...)` -> `tensor(...)`)."""
    prefixed = _prefix(text)
    return prefixed[1] if prefixed is not None and prefixed[0] == "output-prefix" else text


_WHOLE_SPAN = re.compile(r"^([ \t]*(?:→|->|=>)?[ \t]*)`([^`\n]+)`[ \t]*$", re.MULTILINE)


def _content(part: Block) -> str:
    """An output part's text; a quote's without its output prefix, or its lines' inline-code backticks; knitr's
    `## ` (or `#> `) before every line of R Markdown's output left out."""
    if part.kind != "quote":
        return _from_r(_KNITR_PREFIX.sub("", part.code)).strip() if _knitr(part.code) else part.code.strip()
    return _unprefixed(_WHOLE_SPAN.sub(r"\2", part.code.strip()))


_KNITR_PREFIX = re.compile(r"^(?:##|#>) ?", re.MULTILINE)
# reticulate reports a Python error as R's: `Error in py_call_impl(...): ValueError: ...`, then a hint line.
_R_ERROR = re.compile(r"^Error in py_call_impl\(.*?\)\s*:\s*(?=\S)", re.MULTILINE)
_R_HINT = re.compile(r"^Run `reticulate::py_last_error\(\)` for details\.?\s*$", re.MULTILINE)


def _from_r(text: str) -> str:
    """knitr's output of a Python chunk that raised, as Python writes the error: `ValueError: ...`."""
    return _R_HINT.sub("", _R_ERROR.sub("", text)).rstrip() if "py_call_impl" in text else text


def _knitr(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and all(line.startswith(("## ", "#> ")) or line in ("##", "#>") for line in lines)


_TRACEBACK_START = re.compile(r"Traceback \(most recent call last\)|-{20,}\s*$|\w*(?:Error|Exception)\s+Traceback")


def _catches(code: str) -> bool:
    """The code handles errors itself: an error's line in its output may be its own print, not a traceback."""
    return _EXCEPT.search(code) is not None


_EXCEPT = re.compile(r"^\s*except\b", re.MULTILINE)


_LEADING_SPAN = re.compile(r"`([^`\n]+)`\s*(.*)", re.S)


def _bullet_value(text: str) -> tuple[str, str] | None:
    """(value, remark) of a bullet that holds a printed value: `` `8` -> 3*2 weights ``, `49 (= 4*8 + ...)`, `True`."""
    if "\n" in text.strip():
        return None
    if _traceback(text.strip()) and ":" in text:  # `RuntimeError: mat1 and mat2 shapes ...`
        return text.strip(), ""
    if match := _LEADING_SPAN.fullmatch(text.strip()):
        value, remark = match.group(1).strip(), match.group(2).strip()
        return (value, remark) if is_value(value) or _traceback(value) else None
    if _values_only(text):
        return text.strip(), ""
    annotated = split_prose(text.strip())
    return (annotated.value, annotated.annotation) if annotated is not None else None


# Outputs that come in pieces, one part each: an outliner's bullets, a quote's paragraphs (`> a`, `>`, `> b`).
_PIECE_FORMS = frozenset({"list-output", "quoted-output"})


def _bullets_by_statement(block: CodeBlock) -> CodeBlock:
    """An outliner's bullets (or a quote's paragraphs) under the code, one a print: the first the first print's,
    and so on."""
    bullets = [c for c in block.claims if c.form in _PIECE_FORMS and c.statement_line is None]
    if len(bullets) < 2 or (tree := _parse(block.code)) is None:
        return block
    prints = [n.lineno for n in tree.body if isinstance(n, ast.Expr) and _role(n) == "print"]
    if len(prints) != len(bullets):
        return block
    paired = dict(zip(bullets, prints, strict=True))
    return replace(
        block, claims=tuple(replace(c, statement_line=paired[c]) if c in paired else c for c in block.claims)
    )


def _printed_then_traceback(content: str, *, catches: bool) -> tuple[str, str]:
    """(what was printed, the traceback after it): a script's output shows its prints, then the error."""
    lines = content.split("\n")
    start = next((n for n, line in enumerate(lines) if _TRACEBACK_START.match(line)), None)
    if start is None:  # a lone `RuntimeError: ...` line after what was printed: the author cut the traceback
        cut = not catches and ":" in lines[-1] and _ERROR_LAST_LINE.fullmatch(lines[-1].strip()) is not None
        start = len(lines) - 1 if cut else 0
    return "\n".join(lines[:start]).rstrip(), "\n".join(lines[start:])


def _reads_printed(text: str) -> bool:
    """Printed text, not prose: no CJK, not code, and it opens as a repr does (`Net(`, `[`, `<`); values such as
    numbers are `_values_only`'s (a sentence may start with a number: "3 things to note")."""
    if _CJK.search(text) or _is_code(text, strict=True):
        return False
    return re.match(r"(?:[A-Za-z_][\w.]*\(|[\[{(<])", text) is not None


def _output_claims(part: Block, *, catches: bool) -> list[Claim]:
    """The claims an output block makes: what was printed, and, for a traceback, the error raised."""
    start = part.line + (1 if part.kind == "fence" else 0)  # a fence's text starts below its opening line
    lines = part.code.split("\n")
    first = next(n for n, line in enumerate(lines) if line.strip())
    form = _OUTPUT_FORMS[part.kind]
    content = _content(part)
    if part.kind == "item" and (bullet := _bullet_value(content)) is not None:
        value, remark = bullet
        if error := _traceback(value):
            kind, message, _ = error
            return [_claim("exception", start + first, value, form, None, exception=(kind, message))]
        return [replace(_claim("printed", start + first, value, form, None), annotation=remark)]
    printed, traceback = _printed_then_traceback(content, catches=catches)
    if (error := _traceback(traceback)) is None:
        printed, traceback = content, ""
    claims: list[Claim] = []
    if printed:
        text, annotation = _trimmed(printed)
        line = start + first + content[: max(content.find(text), 0)].count("\n")
        claim = _claim("printed", line, text, form, None)
        claims.append(replace(claim, annotation=annotation, before_error=error is not None))
    if error is not None:
        kind, message, offset = error
        text = traceback.split("\n")[offset].strip()
        line = start + first + content[: len(content) - len(traceback)].count("\n") + offset
        claim = _claim("exception", line, text, form, None, exception=(kind, message))
        claims.append(replace(claim, first_line=line - offset))
    return claims


_ERROR_LAST_LINE = re.compile(r"((?:[A-Za-z_][\w.]*?)?(?:Error|Exception))\s*(?:[:：]\s*(.*))?")


def _traceback(text: str) -> tuple[str, str | None, int] | None:
    """(type, message, line index of the error line) when `text` is a traceback or a lone `Error: message` line."""
    lines = text.strip("\n").split("\n")
    last = lines[-1].strip()
    match = _ERROR_LAST_LINE.fullmatch(last)
    if match is None:
        return None
    if len(lines) > 1 and not any("Traceback" in line or line.startswith("---") for line in lines[:3]):
        return None
    return match.group(1).rsplit(".", 1)[-1], (match.group(2) or "").strip() or None, len(lines) - 1


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


# ---- errors claimed in the prose right after a block --------------------------------------------------------

_PROSE_ERROR = re.compile(
    r"报错|出错|抛出异常|引发异常|抛异常|发生错误"
    r"|(?:报|抛出?|引发|触发)\s*(?:一个\s*)?`?[A-Z][\w.]*(?:Error|Exception)"  # "就会报 RuntimeError"
    r"|(?i:\b(?:raises?|throws?|fails?\s+with|errors?\s+out|gives?\s+an?\s+(?:error|exception)"
    r"|results?\s+in\s+an?\s+(?:error|exception)|an?\s+(?:error|exception)\s+is\s+raised)\b)"
)
_CONDITIONAL = re.compile(
    r"如果|若是|假如|要是|否则|不然|除非|的时候|(?i:\b(?:if|unless|otherwise|without|when\s+you)\b)"
)
_PROSE_TYPE = re.compile(r"\b((?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception))\b")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_PROSE_MAX = 300
_ADMONITION = re.compile(r"(?:!!!|\?\?\?\+?)\s*[\w-]+")


def _next_text(note_lines: Sequence[str], index: int) -> int:
    """The index of the first line at or after `index` holding text, looking at most 3 lines ahead."""
    start = index
    while index < len(note_lines) and index - start < 3 and not note_lines[index].strip():
        index += 1
    return index


def _paragraph_after(note_lines: Sequence[str], end: int) -> tuple[int, list[str]]:
    """(index, lines) of the paragraph right after note line `end`; an admonition's body counts as one."""
    index = _next_text(note_lines, end)
    while index < len(note_lines) and _layout_only(note_lines[index]):
        index = _next_text(note_lines, index + 1)  # `<aside>`, `:::danger`: a callout's tags are layout
    admonition = index < len(note_lines) and _ADMONITION.match(note_lines[index]) is not None
    if admonition:  # `!!! danger` then its indented body: the body is the paragraph
        index = _next_text(note_lines, index + 1)
    paragraph: list[str] = []
    for line in note_lines[index : index + 3]:
        text = _LIST_OR_QUOTE.sub("", line).strip()
        if not text or text.startswith(_NOT_PROSE) or (line[:4].isspace() != admonition) or _layout_only(line):
            break
        paragraph.append(text)
    return index, paragraph


_CONTAINER = re.compile(r"\s*:{3,}\s*[\w-]*(?:\s.*)?")  # `:::danger`, `::: tip Title`, `:::` (HackMD, VuePress)


def _layout_only(line: str) -> bool:
    """A line of tags alone (`<aside>`) or a container's fence (`:::info`): layout, no prose."""
    return ("<" in line and not _HTML_TAG.sub("", line).strip()) or _CONTAINER.fullmatch(line) is not None


def _paragraph_before(note_lines: Sequence[str], start: int) -> tuple[int, list[str]]:
    """(index, lines) of the paragraph that ends right above note line `start` (a fence)."""
    index = start - 2
    while index >= 0 and start - 2 - index < 3 and not note_lines[index].strip():
        index -= 1
    paragraph: list[str] = []
    while index >= 0 and len(paragraph) < 3:
        text = _LIST_OR_QUOTE.sub("", note_lines[index]).strip()
        if not text or text.startswith(_NOT_PROSE) or note_lines[index][:4].isspace():
            break
        paragraph.insert(0, text)
        index -= 1
    return index + 1, paragraph


_NOT_PROSE = ("```", "~~~", "#", "|", "!!!", "???")
# "下面这段代码会报错：", "The next cell raises an error:": prose about the block that follows, not the one above.
_FORWARD = re.compile(r"下面|下列|接下来|以下|如下|(?i:\b(?:below|following|next)\b)")


_SENTENCE_END = re.compile(r"(?<=[.。!！?？;；])\s*")


def _prose_error(
    index: int, paragraph: Sequence[str], *, forward: bool
) -> tuple[int, str, str | None, str | None] | None:
    """(line, text, type, message) when the paragraph says a block raises; `forward`: it must speak of the next."""
    sentence = " ".join(paragraph)
    if not sentence or len(sentence) > _PROSE_MAX or not _PROSE_ERROR.search(sentence):
        return None
    # A sentence that ends in a colon introduces what follows it: "下标越界也会报错：" speaks of the next block.
    said = next((part for part in _SENTENCE_END.split(sentence) if _PROSE_ERROR.search(part)), sentence)
    ahead = bool(_FORWARD.search(sentence)) or said.rstrip().endswith((":", "："))
    if _NEGATED.search(sentence) or _CONDITIONAL.search(sentence) or ahead != forward:
        return None
    typed = _PROSE_TYPE.search(sentence)
    kind = typed.group(1).rsplit(".", 1)[-1] if typed else None
    # A message only where the author quoted one as code (`RuntimeError: ...`): after a colon in prose comes
    # an explanation as often as the message.
    quoted = next((m for span in _CODE_SPAN.findall(sentence) if (m := _ERROR_LAST_LINE.fullmatch(span.strip()))), None)
    if quoted is not None:
        kind, message = quoted.group(1).rsplit(".", 1)[-1], (quoted.group(2) or "").strip() or None
    else:
        message = None
    return index + 1, sentence, kind, message


def _with_prose_error(
    block: CodeBlock, end: int, note_lines: Sequence[str], in_variants: Collection[int] = ()
) -> CodeBlock:
    """The error claimed in prose: in the paragraph right after the block, or announced in the one before it;
    not a paragraph that says a variant of the code raises (`in_variants`: those paragraphs' lines)."""
    if any(claim.kind == "exception" for claim in block.claims):
        return block
    if any(claim.form in _OUTPUT_FORMS.values() for claim in block.claims):  # its output, shown, has no error:
        return block  # prose about an error after it speaks of a variant ("写两个会报错"), not of this block
    found = _prose_error(*_paragraph_after(note_lines, end), forward=False)
    if found is None and not block.cell:
        found = _prose_error(*_paragraph_before(note_lines, block.line), forward=True)
    if found is None or found[0] in in_variants:
        return block
    line, text, kind, message = found
    return _with_claims(block, [_claim("exception", line, text, "error-prose", None, exception=(kind, message))])


# "prints `12.0`.", "It returns `tensor(2.)`", "输出 `True`": a paragraph that opens by saying what the block above
# printed, the value in inline code. Only at the paragraph's start: further on, prose about a value is explanation.
_PROSE_OUTPUT = re.compile(
    r"(?:(?i:(?:this|it|which|that|the\s+(?:cell|code|block|snippet|script|last\s+line|print|output))\s+)?"
    r"(?i:prints?|outputs?|gives?|displays?|shows?|returns?)|输出|打印出?|结果|运行结果|得到)"
    r"\s*(?:为|是)?\s*[:：]?\s*`([^`\n]+)`"
)


def _with_prose_output(block: CodeBlock, end: int, note_lines: Sequence[str]) -> CodeBlock:
    """The output claimed in the prose right after a block that shows no printed output of its own ("The print
    gives `...`, but then I get this error:" above the traceback: what was printed before the error)."""
    if any(c.form in _OUTPUT_FORMS.values() and c.kind == "printed" for c in block.claims):
        return block
    index, paragraph = _paragraph_after(note_lines, _code_end(block, end))
    match = _PROSE_OUTPUT.match(paragraph[0]) if paragraph else None
    if match is None or not is_value(match.group(1)):
        return block
    raised = any(c.form in _OUTPUT_FORMS.values() for c in block.claims)  # its output shows the error
    claim = _claim("printed", index + 1, match.group(1).strip(), "prose-output", None)
    return _with_claims(block, [replace(claim, before_error=raised)])


def _code_end(block: CodeBlock, end: int) -> int:
    """Where the block's code ends: the paragraph right after the code may sit above its output."""
    outputs = [c.lines[0] for c in block.claims if c.form in _OUTPUT_FORMS.values()]
    return min(end, block.line + block.code.count("\n") + 1) if outputs else end


# ---- cheat-sheet tables: an expression and its result in one row ---------------------------------------------

_EXPRESSION_HEADER = re.compile(r"expr|code|input|call|snippet|syntax|表达式|代码|输入|写法|操作|用法", re.I)
_RESULT_HEADER = re.compile(r"result|output|returns?|value|gives|prints?|shows?|结果|输出|返回|值", re.I)
_WHOLE_CODE = re.compile(r"`+\s?(.*?)\s?`+")


def _row_block(part: Block, index: int) -> CodeBlock | None:
    """A table row that pairs an expression with its result, as a REPL line: the expression shown, its result
    (or the error it raises) claimed. The table says which columns by its header; without a header word, a row
    whose first cell is code and whose second is a printed value reads so too."""
    columns = _columns(part.header)
    if columns is None:
        if len(part.cells) < 2 or not (part.cells[0].startswith("`") and part.cells[1].startswith("`")):
            return None
        columns = (0, 1)
    if max(columns) >= len(part.cells):
        return None
    expression, result = (_code_cell(part.cells[column]) for column in columns)
    if not expression or not result or (tree := _expression(expression)) is None:
        return None
    if error := _traceback(result):
        kind, message, _ = error
        claim = _claim("exception", part.line, result, "table-row", 1, exception=(kind, message))
    elif is_value(result) or columns != (0, 1) or part.header:
        claim = _claim("printed", part.line, result, "table-row", 1)
    else:
        return None
    code = expression + "\n"
    defines, uses = block_names(tree)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    random = random_unseeded(code, calls)
    return CodeBlock(index, part.line - 1, code, (claim,), defines, uses, random, inline="table row")


def _columns(header: Sequence[str]) -> tuple[int, int] | None:
    """(expression column, result column) by the header's words."""
    expression = next((n for n, cell in enumerate(header) if _EXPRESSION_HEADER.search(cell)), None)
    result = next((n for n, cell in enumerate(header) if n != expression and _RESULT_HEADER.search(cell)), None)
    return (expression, result) if expression is not None and result is not None else None


def _code_cell(cell: str) -> str:
    """A cell's text without the backticks of inline code around all of it."""
    match = _WHOLE_CODE.fullmatch(cell.strip())
    return (match.group(1) if match else cell).strip()


def _expression(code: str) -> ast.Module | None:
    """The code as a module of one expression statement, when it is one."""
    tree = _parse(code)
    return tree if tree is not None and len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) else None


# ---- notebooks ----------------------------------------------------------------------------------------------


def _notebook_blocks(cells: Sequence[Cell]) -> list[CodeBlock]:
    """Each code cell a block; its stored outputs are claims: stdout, the displayed value, the error."""
    found: list[CodeBlock] = []
    for cell in cells:
        claims, defines, uses, random = _analyse(cell.code)
        read = [replace(claim, line=claim.line + cell.line) for claim in claims]
        tree = _parse(cell.code)
        last = tree.body[-1] if tree is not None and tree.body else None
        shown = last.lineno if isinstance(last, ast.Expr) else None  # Jupyter shows the last expression's value
        raised = any(output.kind == "error" for output in cell.outputs)  # what it printed came before the error
        for output in cell.outputs:
            if output.kind == "error":
                exception = (output.exception_type, output.exception_message)
                read.append(_claim("exception", output.line, output.text, "notebook-error", None, exception=exception))
            elif output.kind == "display":  # shown, so claimed; but an image is not compared
                figure = _claim("printed", output.line, output.text.strip(), "notebook-display", None)
                read.append(replace(figure, unverifiable="a figure the cell drew: images are not compared"))
            elif output.kind == "result" and output.text.strip():
                read.append(_claim("printed", output.line, output.text.strip(), "notebook-result", shown))
            elif output.text.strip():  # a stream: split among the cell's prints as an output block is
                stream = [
                    replace(
                        _claim("printed", output.line, output.text.strip(), "notebook-stream", None),
                        before_error=raised,
                    )
                ]
                read += _changing_output(cell.code, _by_statement(cell.code, stream, displayed=False))
        ordered = tuple(sorted(read, key=lambda c: c.line))
        index = len(found) + 1
        found.append(CodeBlock(index, cell.line, cell.code, ordered, defines, uses, random, cell.number, cell.executed))
    return found


# ---- variants: code the prose after a block writes inline, and the error it says that code raises -------------

# A span that does something (a call, an index, arithmetic), not a name or a literal the prose mentions.
_VARIANT_NODES = (ast.Call, ast.Subscript, ast.BinOp, ast.Compare, ast.Assign)
_SAYS_ERROR = re.compile(rf"报错|出错|抛出异常|引发异常|{_EXC}")  # a variant's error, named or in Chinese words


def _variant(part: Block, found: Sequence[CodeBlock], index: int) -> CodeBlock | str | None:
    """A paragraph (or quote, or bullet) after the code that writes a variant of it inline and says it raises:
    "so `bn.train(); bn(torch.ones(1, 2))` fails with `ValueError: ...`", "`torch.dot(a, b)` 运行会报错: RuntimeError:
    ...". The variant is a block of its own (inline "prose"), its claim the error; the code it runs after is
    the code above, as the author meant. A sentence that leaves the error to the fence below it (a colon at its
    end) gives the variant's code alone, to pair with that fence."""
    text = part.code
    if "`" not in text or len(text) > 2 * _PROSE_MAX:
        return None
    known = frozenset().union(*(block.defines for block in found))
    code_above = re.sub(r"\s", "", "\n".join(block.code for block in found[-3:]))
    for span in _CODE_SPAN.finditer(text):
        code = span.group(1).strip()
        tree = _parse(code)
        if tree is None or _ERROR_LAST_LINE.fullmatch(code) or not block_names(tree)[1] <= known:
            continue  # not code, or a name nobody defined (prose about other code)
        if (value := _said_value(tree, text[span.end() :])) is not None:
            offset, shown = value
            line = part.line + text[: span.end() + offset].count("\n")
            claim = replace(_claim("printed", line, shown, "prose-variant", 1), first_line=part.line)
            return _variant_block(index, part.line - 1 + text[: span.start()].count("\n"), code, claim)
        if not any(isinstance(node, _VARIANT_NODES) for node in ast.walk(tree)):
            continue
        if re.sub(r"\s", "", code) in code_above:
            continue  # the code above itself
        sentence = _sentence(text[span.end() :])
        said_at = _PROSE_ERROR.search(sentence)
        if said_at is None or not _SAYS_ERROR.search(sentence) or _NEGATED.search(sentence):
            continue
        if any(not _ERROR_LAST_LINE.fullmatch(c) for c in _CODE_SPAN.findall(sentence[: said_at.start()])):
            continue  # more code before the error word: that code is what raises
        written = part.line + text[: span.start()].count("\n")  # the note line the variant's code is on
        said = _said_error(sentence)
        last = sentence.rstrip() == text[span.end() :].rstrip()
        if said is None and last and sentence.rstrip().endswith((":", "：")):
            return code  # the error is in the fence below
        kind, message, at = said if said is not None else (None, None, 0)
        line = written + text[span.end() :][:at].count("\n")
        claim = _claim("exception", line, " ".join(text.split()), "prose-variant", None, exception=(kind, message))
        claim = replace(claim, first_line=part.line)
        return _variant_block(index, written - 1, code, claim)
    return None


# "`loss.item()` now prints `0.3391`", "`x.grad` is still `None`", "`a @ b` 的结果是 `tensor(5.)`": the value of an
# expression after the code above, said right after it. Plain "is" is left out: prose says what a name is for.
_SAYS_VALUE = re.compile(
    r"\s*(?:(?i:now|then|still|also|again|here|just)\s+)?"
    r"(?:(?i:prints?|returns?|gives?|outputs?|displays?|shows?|evaluates?\s+to|equals?|becomes?|is\s+(?:now|still)"
    r"|stays?|remains?)|的?(?:输出|返回|结果)(?:为|是)?|输出|打印出?|返回|得到|等于|变成了?|仍然是|还是|依然是)"
    r"\s*(?:(?i:as|to)\s+)?[:：]?\s*`([^`\n]+)`"
)


def _said_value(tree: ast.Module, after: str) -> tuple[int, str] | None:
    """(offset in `after`, the value) when the prose right after an expression's span says what it evaluates to."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    said = _SAYS_VALUE.match(after)
    if said is None or not is_value(said.group(1)) or _NEGATED_VALUE.search(after[: said.start(1)]):
        return None
    return said.start(1), said.group(1).strip()


_NEGATED_VALUE = re.compile(r"(?i:\b(?:not|never|no\s+longer)\b|n't)|不|没")

_SENTENCE_STOP = re.compile(r"[。！？；]|[.!?;](?:\s|$)")


def _sentence(text: str) -> str:
    """The text up to its first sentence's end; a stop inside inline code (`torch.Size([1])`) is not one."""
    masked = _CODE_SPAN.sub(lambda span: "`" + "x" * len(span.group(1)) + "`", text)
    stop = _SENTENCE_STOP.search(masked)
    return text[: stop.end()] if stop else text


def _said_error(sentence: str) -> tuple[str, str | None, int] | None:
    """(type, message, offset) of the error a sentence names: quoted (`ValueError: ...`), or written out after a
    colon to the paragraph's end; the type alone when no message follows it."""
    for span in _CODE_SPAN.finditer(sentence):
        if (quoted := _ERROR_LAST_LINE.fullmatch(span.group(1).strip())) is not None:
            return quoted.group(1).rsplit(".", 1)[-1], (quoted.group(2) or "").strip() or None, span.start()
    typed = _PROSE_TYPE.search(sentence)
    if typed is None:
        return None
    rest = sentence[typed.end() :]
    after = re.match(r"\s*[:：]\s*(\S.*)", rest, re.S)
    message = " ".join(after.group(1).split()).rstrip("。") if after else None
    return typed.group(1).rsplit(".", 1)[-1], message or None, typed.start()


def _shown_error(paragraph: Block, code: str, part: Block, index: int) -> CodeBlock | None:
    """The variant a paragraph wrote, its error claimed by the fence right below the paragraph."""
    if part.kind != "fence" or part.line - paragraph.end > 3 or part.is_python:
        return None
    error = _traceback(part.code)
    if error is None:
        return None
    kind, message, offset = error
    text = part.code.strip("\n").split("\n")[offset].strip()
    line = part.line + 1 + len(part.code) - len(part.code.lstrip("\n")) + offset
    claim = replace(
        _claim("exception", line, text, "prose-variant", None, exception=(kind, message)), first_line=paragraph.line
    )
    written = paragraph.line - 1 + paragraph.code[: paragraph.code.find(code)].count("\n")
    return _variant_block(index, written, code, claim)


def _variant_block(index: int, line: int, code: str, claim: Claim) -> CodeBlock:
    tree = _parse(code)
    assert tree is not None  # only code that parses is a variant
    defines, uses = block_names(tree)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    return CodeBlock(index, line, code + "\n", (claim,), defines, uses, random_unseeded(code, calls), inline="prose")

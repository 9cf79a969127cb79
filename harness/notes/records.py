"""Claim records: what a claim says, where it is written, and why it cannot be checked (when it cannot); and
what every reader of claims shares: parsing a block's code, reading a traceback's error line."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

ClaimKind = Literal["printed", "exception", "gradients"]
# before_none, after_set, without_backward_none: what backward does to the block's leaves; is_none, is_set: the
# state of one tensor's .grad where the comment stands (`# b.grad is populated now`), the claim's `subject`.
GradientFact = Literal["before_none", "after_set", "without_backward_none", "is_none", "is_set"]
Role = Literal["print", "expression", "string", "assigned", "other"]  # assigned: `name = value`
# How a block is written when not in a fence of its own (see CodeBlock.inline); cell: one of a fence's `#%%` cells.
InlineKind = Literal["", "table row", "prose", "indented block", "code paragraph", "pre block", "cell"]


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
    # variant of the code above written in the prose after it ("`torch.mm(m, m)` raises RuntimeError: ..."); or
    # code indented by four spaces instead of fenced, pasted as a plain paragraph, held in a `<pre lang="python">`,
    # or one of the `#%%` cells a fence holds. `code` is the expression (the block), `line` the line above
    # the one it is written on (so that the code's line 1 is that line), and no fix is written back into the note.
    inline: InlineKind = ""


_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}")
# A home folder, a drive letter, or the data roots of hosted notebooks (Kaggle, Colab, SageMaker, cloud volumes).
_AUTHOR_PATH = re.compile(
    r"(/Users/|/home/)[^/\s'\"]+|(?<![A-Za-z])[A-Za-z]:(\\|/)|(?<![\w.])/(?:kaggle|content|mnt|workspace|opt/ml)/"
)


def has_address(text: str) -> bool:
    """The text shows a memory address (`<AddBackward0 object at 0x7f...>`)."""
    return _ADDRESS.search(text) is not None


_DOWNLOAD_LOG = re.compile(
    r"^(?:Downloading|Extracting|Files already downloaded)\b"
    r"|\d+%\|[^|\n]*\|\s*[\d.]+[kMG]?/[\d.]+[kMG]?\s*\[\d+:\d+",  # a tqdm bar: `100%|████| 170M/170M [00:05<...`
    re.MULTILINE,
)


# What `%timeit`, `%time` and `%%time` print: the author's machine's speed.
_TIMING = re.compile(r"\d\s*(?:ns|µs|us|ms|s) ± [\d.]+\s*(?:ns|µs|us|ms|s) per loop|^(?:Wall time|CPU times):", re.M)


def unverifiable_reason(text: str) -> str | None:
    if _TIMING.search(text):
        return "a timing of the author's run: it depends on their machine"
    if _DOWNLOAD_LOG.search(text):
        return "a download log of the author's run: it depends on the network and the files already there"
    if match := _ADDRESS.search(text):
        return f"memory address {match.group(0)} changes on every run"
    if match := _AUTHOR_PATH.search(text):
        return f"path on the author's machine ({match.group(0)}...)"
    return None


def new_claim(
    kind: ClaimKind,
    line: int,
    text: str,
    form: str,
    statement: int | None,
    *,
    exception: tuple[str | None, str | None] = (None, None),
    fact: GradientFact | None = None,
) -> Claim:
    return Claim(kind, line, text, form, statement, unverifiable_reason(text), *exception, gradient_fact=fact)


def parse_code(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: null bytes
        return None


ERROR_LAST_LINE = re.compile(r"((?:[A-Za-z_][\w.]*?)?(?:Error|Exception))\s*(?:[:：]\s*(.*))?")


def read_traceback(text: str) -> tuple[str, str | None, int] | None:
    """(type, message, line index of the error line) when `text` is a traceback or a lone `Error: message` line."""
    lines = text.strip("\n").split("\n")
    last = lines[-1].strip()
    match = ERROR_LAST_LINE.fullmatch(last)
    if match is None:
        return None
    if len(lines) > 1 and not any("Traceback" in line or line.startswith("---") for line in lines[:3]):
        return None
    return match.group(1).rsplit(".", 1)[-1], (match.group(2) or "").strip() or None, len(lines) - 1


def with_claims(block: CodeBlock, more: Sequence[Claim]) -> CodeBlock:
    return replace(block, claims=tuple(sorted((*block.claims, *more), key=lambda c: c.line)))

"""Fixes: from a block's code and the exception it raised, the root cause and a concrete edit.

Found by analysis of the code, never from a list of known typos: which names the block binds and where,
how often each spelling appears, what the failing object actually has (the child reports `dir()`), and
where a missing name lives. When the evidence does not single out one edit, there is no fix: a wrong
"fix" would make a note claim something its author never wrote.

Pure Python on purpose (no torch): it runs in the harness, not in the example's process.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.audit.code_index import CodeIndex, Occurrence, char_col, unused_names
from harness.audit.edits import Edit, apply_edits, describe_edits


@dataclass(frozen=True)
class Fix:
    cause: str  # "NameError: name 'Loss' is not defined"
    reason: str  # one sentence: why this edit
    edits: tuple[Edit, ...]
    alternative: str | None = None  # another fix the user may prefer


# Names every PyTorch note imports the same way; a NameError for one of them is a missing import.
_STDLIB_TABLE = ("os", "math", "time", "random", "sys", "json")
WELL_KNOWN: dict[str, str] = {
    "torch": "import torch",
    "torchvision": "import torchvision",
    "nn": "from torch import nn",
    "F": "import torch.nn.functional as F",
    "np": "import numpy as np",
    "plt": "import matplotlib.pyplot as plt",
    "DataLoader": "from torch.utils.data import DataLoader",
    "Dataset": "from torch.utils.data import Dataset",
    "transforms": "from torchvision import transforms",
    "optim": "from torch import optim",
    "SummaryWriter": "from torch.utils.tensorboard import SummaryWriter",
    "Image": "from PIL import Image",
    **{name: f"import {name}" for name in _STDLIB_TABLE},
}
# What a module needs beyond torch itself, said in an alternative that imports from it.
_REQUIRES = {"torch.utils.tensorboard": "needs the tensorboard package"}
# Modules a misspelled import most likely meant; the stdlib joins them under a stricter distance.
_KNOWN_MODULES = frozenset(
    {
        "torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.utils", "torch.utils.data",
        "torch.utils.tensorboard", "torchvision", "torchvision.transforms", "torchvision.datasets",
        "torchvision.models", "torchvision.utils", "numpy", "matplotlib", "matplotlib.pyplot", "PIL", "PIL.Image",
    }
)  # fmt: skip
# torch submodules whose names are also everyday variable names: `homes` finding `data` in torch.utils
# says nothing about a loop's `data`.
_AMBIGUOUS_HOMES = frozenset({"data", "utils"})
_BUILTINS = frozenset(dir(builtins))


# -- near matches --------------------------------------------------------------------------------------------------


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment): a swapped pair of letters is one typo, as people make them."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _comparable(missing: str, name: str) -> bool:
    if name == missing or (name.startswith("__") and name.endswith("__")):
        return False
    return name.startswith("_") == missing.startswith("_")  # private names only stand in for private names


def _case_match(missing: str, pool: Iterable[str]) -> str | None:
    found = {n for n in pool if _comparable(missing, n) and n.lower() == missing.lower()}
    return found.pop() if len(found) == 1 else None  # two spellings differ only in case: ambiguous


def _misspelt_constant(missing: str) -> str | None:
    """`Ture`, `Flase`, `none`: True, False or None in another case or with two letters swapped, no looser (a
    variable `Tree` is not `True`)."""
    for constant in ("True", "False", "None"):
        if missing.lower() == constant.lower() or (
            sorted(missing) == sorted(constant) and _distance(missing, constant) == 1
        ):
            return constant
    return None


def _near_match(missing: str, pool: Iterable[str], max_distance: int = 2) -> str | None:
    scored: list[tuple[int, float, str]] = []
    for name in set(pool):
        if not _comparable(missing, name):
            continue
        ratio = difflib.SequenceMatcher(None, missing, name).ratio()
        distance = _distance(missing, name)
        swapped = distance == 1 and sorted(missing) == sorted(name)  # `SDG` for `SGD`: short, but one slip
        if ratio >= 0.8 or swapped or (len(missing) >= 4 and distance <= max_distance):
            scored.append((distance, -ratio, name))
    scored.sort()
    if not scored or (len(scored) > 1 and scored[0][:2] == scored[1][:2]):
        return None  # none, or two equally near: no guessing
    return scored[0][2]


# -- the rules -----------------------------------------------------------------------------------------------------


def suggest_fix(
    code: str,
    exception: dict[str, Any],
    defined_earlier: Mapping[str, int] | None = None,
    *,
    say_line: Callable[[int], int] | None = None,
) -> Fix | None:
    """The root cause of `exception` in `code`, with edits that remove it; None where the evidence is not enough.

    Edits are numbered by `code`'s lines; `say_line` turns such a line into the one a reason names (the audit
    names note lines, the lines its reader sees)."""
    mro = exception.get("mro") or [exception.get("type", "")]
    message = str(exception.get("message") or "")
    if "SyntaxError" in mro:
        return _close_bracket(code, exception, message, say_line or (lambda line: line))
    try:
        source = CodeIndex(code)
    except SyntaxError:
        return None
    kind, first = exception.get("type") or mro[0], (message.splitlines() or [""])[0]
    cause = f"{kind}: {first}" if first else str(kind)
    context = _Context(source, exception, cause, message, defined_earlier or {}, say_line or (lambda line: line))
    if "NameError" in mro:
        return context.name_error()
    if "AttributeError" in mro:
        return context.attribute_error()
    if "ModuleNotFoundError" in mro:
        return context.module_not_found()
    if "ImportError" in mro:
        return context.import_error()
    return None


_NEVER_CLOSED = re.compile(r"'([(\[{])' was never closed")
_CLOSER = {"(": ")", "[": "]", "{": "}"}


def _close_bracket(code: str, exception: dict[str, Any], message: str, say_line: Callable[[int], int]) -> Fix | None:
    """`print(len(x)  # comment`: a bracket left open on its line, closed at the end of the line's code, when
    that alone makes the block parse."""
    found, line = _NEVER_CLOSED.search(message), exception.get("line")
    lines = code.split("\n")
    if found is None or not line or line > len(lines):
        return None
    text = lines[line - 1]
    comment = _comment_at(text)
    body = text[:comment].rstrip() if comment >= 0 else text.rstrip()
    edit = Edit(line, body, body + _CLOSER[found.group(1)])
    try:
        ast.parse(apply_edits(code, [edit]))
    except (SyntaxError, ValueError):
        return None
    reason = f"`{found.group(1)}` on line {say_line(line)} is never closed; closing it at the end of that line parses"
    return Fix(f"SyntaxError: {message.splitlines()[0]}", reason, (edit,))


def _comment_at(line: str) -> int:
    """The column of the line's comment, outside string literals; -1 for none."""
    quote = ""
    for column, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            return column
    return -1


def _from_message(message: str, pattern: str) -> str | None:
    match = re.search(pattern, message)
    return match.group(1) if match else None


class _Context:
    def __init__(
        self,
        source: CodeIndex,
        exception: dict[str, Any],
        cause: str,
        message: str,
        earlier: Mapping[str, int],
        say_line: Callable[[int], int],
    ) -> None:
        self.source, self.cause, self.message, self.earlier = source, cause, message, earlier
        self.say_line = say_line
        self.line: int | None = exception.get("line")
        self.name: str | None = exception.get("name")
        self.owner: str | None = exception.get("owner")
        self.candidates = set(exception.get("candidates") or ())
        self.homes = [h for h in exception.get("homes") or () if not any(p.startswith("_") for p in h.split("."))]

    def _fix(self, reason: str, edits: Sequence[Edit], alternative: str | None = None) -> Fix | None:
        if not edits:
            return None
        try:  # an edit that leaves code Python cannot parse is no fix
            ast.parse(apply_edits(self.source.code, edits))
        except (SyntaxError, ValueError):
            return None
        return Fix(self.cause, reason, tuple(edits), alternative)

    def _where(self, name: str) -> str:
        bound = self.source.bound(name)
        if bound:
            verb = {"param": "a parameter", "def": "defined", "import": "imported", "alias": "imported"}
            return f"{verb.get(bound[0].kind, 'assigned')} on line {self.say_line(bound[0].line)}"
        if name in self.earlier:
            return f"defined in block {self.earlier[name]}"
        return "a builtin" if name in _BUILTINS else "bound at that point"

    def _on(self) -> str:
        return f" on line {self.say_line(self.line)}" if self.line else ""

    def _lines(self, occurrences: Iterable[Occurrence]) -> str:
        return ", ".join(str(self.say_line(line)) for line in sorted({o.line for o in occurrences}))

    # -- NameError: a misspelled name, or a missing import ---------------------------------------------------------

    def name_error(self) -> Fix | None:
        missing = self.name or _from_message(self.message, r"name '(\w+)' is not defined")
        if not missing:
            return None
        source, line = self.source, self.line
        own = source.names.get(missing, [])
        if any(o.binding and o.kind not in ("import", "alias") for o in own):
            return None  # bound in the block: used before assignment or out of scope, not a typo
        block_bound = {
            name
            for name, occurrences in source.names.items()
            if any(o.binding and (line is None or o.line < line or name in self.candidates) for o in occurrences)
        }
        case = _case_match(missing, block_bound | self.candidates | set(self.earlier))
        if missing in WELL_KNOWN:  # a well-known name wins even over a case match (`Dataset` vs a `dataset`)
            other = f"use `{case}` ({self._where(case)}), which differs only in case" if case else None
            return self._import(missing, WELL_KNOWN[missing], other)
        if missing in self.earlier:
            return None  # a name an earlier block defines: the block continues that one, no edit of it helps
        uses = [o for o in own if not o.binding]
        if case:
            reason = f"`{missing}` is not defined; `{case}`, {self._where(case)}, differs only in case"
            return self._fix(reason, source.rename(uses, case))
        near = _near_match(missing, block_bound)
        if near:
            return self._rename_names(missing, near, uses)
        if constant := _misspelt_constant(missing):
            reason = f"`{missing}` is not defined; it reads as the constant `{constant}`, misspelt"
            return self._fix(reason, source.rename(uses, constant))
        home = next((h for h in self.homes if missing not in _AMBIGUOUS_HOMES), None)
        if home:
            return self._import(missing, f"from {home} import {missing}")
        # Builtins stand in only by case: `inputs` one letter from `input` is another variable, not a typo.
        near = _near_match(missing, (self.candidates | set(self.earlier)) - _BUILTINS)
        if near:
            reason = f"`{missing}` is not defined; `{near}`, {self._where(near)}, is one typo away"
            return self._fix(reason, source.rename(uses, near))
        if missing in sys.stdlib_module_names and any(
            isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == missing
            for n in ast.walk(source.tree)
        ):  # used as `missing.something`: the module of that name
            return self._import(missing, f"import {missing}")
        return None

    def _rename_names(self, missing: str, near: str, uses: list[Occurrence]) -> Fix | None:
        """A variable assigned under one name and used under another: rename the rarer spelling."""
        source = self.source
        theirs = source.names.get(near, [])
        bindings = [o for o in theirs if o.binding]
        lines = self._lines(bindings)
        frequency = _frequency(near, len(theirs), missing, len(uses))
        start = f"`{missing}` is used{self._on()} but never assigned; `{near}`, {self._where(near)}, is one typo away"
        # An import of the module's own name cannot be renamed without importing something else.
        if len(theirs) <= len(uses) and not any(o.kind == "import" for o in bindings):
            reason = f"{start} and {frequency}, so the assignment on line {lines} is the misspelling"
            return self._fix(reason, source.rename(theirs, missing))
        reason = f"{start} and {frequency}, so the use is the misspelling"
        return self._fix(reason, source.rename(uses, near))

    def _import(self, missing: str, statement: str, alternative: str | None = None) -> Fix | None:
        where = ""
        if missing in self.earlier:
            where = f"; block {self.earlier[missing]} imports it, but this block does not"
        reason = f"`{missing}` is used{self._on()} but never imported{where}: `{statement}` brings it in"
        return self._fix(reason, [Edit(self._import_line(), "", statement, insert=True)], alternative)

    def _import_line(self) -> int:
        """The first line after the block's leading imports (and docstring); else after a header comment."""
        body, last = self.source.tree.body, 0
        for index, stmt in enumerate(body):
            docstring = index == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            if not (docstring or isinstance(stmt, (ast.Import, ast.ImportFrom))):
                break
            last = stmt.end_lineno or stmt.lineno
        if last:
            return last + 1
        lines, header = self.source.lines, 0
        while header < len(lines) and lines[header].lstrip().startswith("#"):
            header += 1
        # A comment right above code describes that code; only a comment block set apart is a header.
        return header + 1 if header and header < len(lines) and not lines[header].strip() else 1

    # -- AttributeError: a misspelled attribute ------------------------------------------------------------------------

    def attribute_error(self) -> Fix | None:
        missing = self.name or _from_message(self.message, r"has no attribute '(\w+)'")
        if not missing:
            return None
        owner = self.owner or _from_message(self.message, r"^(module '[\w.]+'|'?\w+'?)") or "the object"
        is_module = owner.startswith("module ") or self.message.startswith("module ")
        source = self.source
        uses = [o for o in source.attributes.get(missing, []) if not o.binding]
        pool = set(self.candidates)
        if not pool and not is_module:  # no dir() reported: the attributes the block itself gives its objects
            pool = {name for name in source.attributes if source.bound(name, source.attributes)}
        near = _case_match(missing, pool) or _near_match(missing, pool)
        if not near or not uses:
            return None
        shown = owner.replace("module '", "module `").replace("'", "`") if is_module else f"`{owner.strip(chr(39))}`"
        theirs = source.attributes.get(near, [])
        bindings = [o for o in theirs if o.binding]
        if is_module or not bindings or len(theirs) > len(uses):
            reason = f"{shown} has no attribute `{missing}`{self._on()}; it has `{near}`, one typo away"
            return self._fix(reason, source.rename(uses, near))
        lines = self._lines(bindings)
        reason = (
            f"`.{missing}` is used{self._on()} but the attribute was assigned as `.{near}` on line {lines}, "
            f"one typo away; {_frequency(near, len(theirs), missing, len(uses))}, so the assignment is the misspelling"
        )
        return self._fix(reason, source.rename(theirs, missing))

    # -- ImportError: a name imported from the wrong module, or a misspelled module --------------------------------

    def import_error(self) -> Fix | None:
        missing = self.name or _from_message(self.message, r"cannot import name '(\w+)'")
        module = self.owner or _from_message(self.message, r"from '([\w.]+)'")
        if not missing or not module:
            return None
        statement = self._statement(
            lambda node: (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and node.module == module
                and any(a.name == missing for a in node.names)
            )
        )
        if not isinstance(statement, ast.ImportFrom):
            return None
        failing = [a for a in statement.names if a.name == missing]
        bound = failing[0].asname or missing
        used = bound not in unused_names(self.source.code)
        home = next(iter(self.homes), None) or _table_home(missing)
        if home and home != module:
            elsewhere = f"`{missing}` is not in `{module}` but in `{home}`"
            requires = f" ({_REQUIRES[home]})" if home in _REQUIRES else ""
            if not used:
                reason = f"{elsewhere}, and the block never uses it: dropping the import runs"
                return self._fix(reason, self._drop(statement, failing), f"import it from {home}{requires}")
            reason = f"{elsewhere}{requires}; the block uses it, so it is imported from there"
            return self._fix(reason, self._move(statement, failing, home))
        near = _case_match(missing, self.candidates) or _near_match(missing, self.candidates)
        if near:
            edits = list(self.source.rename(self._alias_occurrences(failing), near))
            if not failing[0].asname:  # the bound name changes too: so do its uses
                edits = list(self.source.rename(self.source.names.get(missing, []), near))
            drop = f"drop it: `{bound}` is never used" if not used else None
            return self._fix(f"`{module}` has no `{missing}`; it has `{near}`, one typo away", edits, drop)
        if not used:
            reason = f"`{module}` has no `{missing}`, and the block never uses it: dropping the import runs"
            return self._fix(reason, self._drop(statement, failing))
        return None

    def module_not_found(self) -> Fix | None:
        missing = self.name or _from_message(self.message, r"No module named '([\w.]+)'")
        if not missing:
            return None
        pattern = re.compile(rf"(?<![\w.]){re.escape(missing)}(?![\w])")
        statement = self._statement(
            lambda node: (
                isinstance(node, (ast.Import, ast.ImportFrom))
                and any(
                    n == missing or n.startswith(missing + ".")
                    for n in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""])
                )
            )
        )
        if statement is None:
            return None  # the module is imported by a module the block imports: not the block's spelling
        dots = missing.count(".")
        pool = {m for m in _KNOWN_MODULES | self.candidates if m.count(".") == dots and not m.startswith("_")}
        near = _case_match(missing, pool | set(sys.stdlib_module_names)) or _near_match(missing, pool)
        if not near and not dots:
            near = _near_match(missing, sys.stdlib_module_names, max_distance=1)
        if not near:
            return None
        source = self.source
        spans: dict[int, list[tuple[int, int, str]]] = {}
        for line in range(statement.lineno, (statement.end_lineno or statement.lineno) + 1):
            for match in pattern.finditer(source.lines[line - 1]):
                spans.setdefault(line, []).append((match.start(), match.end(), near))
        top, new_top = missing.split(".")[0], near.split(".")[0]
        if isinstance(statement, ast.Import) and top != new_top:
            aliases = [a for a in statement.names if a.name.split(".")[0] == top]
            if any(not a.asname for a in aliases):  # `import torchvison` binds the misspelling: its uses follow
                for o in source.names.get(top, []):
                    if o.kind != "import":
                        spans.setdefault(o.line, []).append((o.start, o.end, new_top))
        edits = [source.line_edit(line, found) for line, found in sorted(spans.items())]
        reason = f"there is no module `{missing}`{self._on()}; `{near}` is one typo away"
        return self._fix(reason, edits)

    # -- import statements -----------------------------------------------------------------------------------------

    def _statement(self, wanted: Callable[[ast.AST], bool]) -> ast.Import | ast.ImportFrom | None:
        found = [n for n in ast.walk(self.source.tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and wanted(n)]
        on_line = [n for n in found if self.line and n.lineno <= self.line <= (n.end_lineno or n.lineno)]
        chosen = on_line or found
        return chosen[0] if chosen else None

    def _alias_occurrences(self, aliases: list[ast.alias]) -> list[Occurrence]:
        found = []
        for alias in aliases:
            text = self.source.lines[alias.lineno - 1]
            start = char_col(text, alias.col_offset)
            found.append(Occurrence(alias.lineno, start, start + len(alias.name), "import"))
        return found

    def _drop(self, statement: ast.ImportFrom, failing: list[ast.alias]) -> list[Edit]:
        """Remove the failing names from the import, or the whole import when nothing else is left in it."""
        source = self.source
        kept = [a for a in statement.names if a not in failing]
        first, last = statement.lineno, statement.end_lineno or statement.lineno
        if kept and first == last:
            text = source.lines[first - 1]
            segments = [text[char_col(text, a.col_offset) : char_col(text, a.end_col_offset or 0)] for a in kept]
            start = char_col(text, statement.names[0].col_offset)
            end = char_col(text, statement.names[-1].end_col_offset or 0)
            return [source.line_edit(first, [(start, end, ", ".join(segments))])]
        if kept:  # a parenthesised import over several lines: only names alone on their line can go
            edits = []
            for alias in failing:
                text = source.lines[alias.lineno - 1]
                if (
                    text.strip().rstrip(",").strip()
                    != text[char_col(text, alias.col_offset) : char_col(text, alias.end_col_offset or 0)]
                ):
                    return []
                edits.append(Edit(alias.lineno, text, ""))
            return edits
        head, tail = source.lines[first - 1], source.lines[last - 1]
        if (
            head[: char_col(head, statement.col_offset)].strip()
            or tail[char_col(tail, statement.end_col_offset or 0) :].strip()
        ):
            return []  # shares a line with other code (`;`): not worth the risk
        if _only_statement(source.tree, statement):  # an emptied suite needs a statement
            indent = head[: len(head) - len(head.lstrip())]
            rest = range(first + 1, last + 1)
            return [Edit(first, head, indent + "pass"), *(Edit(n, source.lines[n - 1], "") for n in rest)]
        return [Edit(n, source.lines[n - 1], "") for n in range(first, last + 1)]

    def _move(self, statement: ast.ImportFrom, failing: list[ast.alias], home: str) -> list[Edit]:
        source = self.source
        names = ", ".join(f"{a.name} as {a.asname}" if a.asname else a.name for a in failing[:1])
        if len(failing) == len(statement.names):  # nothing else in it: the module is what is wrong
            text = source.lines[statement.lineno - 1]
            match = re.compile(rf"\bfrom\s+({re.escape(statement.module or '')})\s").search(text)
            if not match:
                return []
            return [source.line_edit(statement.lineno, [(match.start(1), match.end(1), home)])]
        head = source.lines[statement.lineno - 1]
        indent = head[: len(head) - len(head.lstrip())]
        insert = Edit((statement.end_lineno or statement.lineno) + 1, "", f"{indent}from {home} import {names}", True)
        return [*self._drop(statement, failing), insert]


def _frequency(near: str, near_count: int, missing: str, missing_count: int) -> str:
    def times(count: int) -> str:
        return {1: "once", 2: "twice"}.get(count, f"{count} times")

    if near_count == missing_count:
        return f"each appears {times(near_count)}"
    return f"`{near}` appears {times(near_count)}, `{missing}` {times(missing_count)}"


def _table_home(name: str) -> str | None:
    match = re.fullmatch(rf"from ([\w.]+) import {re.escape(name)}", WELL_KNOWN.get(name, ""))
    return match.group(1) if match else None


def _only_statement(tree: ast.Module, statement: ast.stmt) -> bool:
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and statement in body:
                return len(body) == 1 and not isinstance(node, ast.Module)
    return False


def describe_fix(fix: Fix) -> str:
    """A fix in a few words: "`import torch` added"; its reason where it has no edits to show."""
    return describe_edits(fix.edits) or fix.reason

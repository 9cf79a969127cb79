"""Code index: a block's names and attributes with their exact positions, so a rename touches tokens, never strings.

Also what a block imports and what it binds but never reads. Pure Python (`ast`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from harness.audit.edits import Edit, split_lines


@dataclass(frozen=True)
class Occurrence:
    line: int
    start: int  # character columns on the line (the AST counts bytes)
    end: int
    kind: str  # "load", "store", "param", "def", "import" (the module's own name), "alias" (an `as` name)

    @property
    def binding(self) -> bool:
        return self.kind != "load"


def char_col(text: str, byte_col: int) -> int:
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


class CodeIndex:
    """The block's names and attributes with their exact positions: renames touch tokens, never strings."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.lines = [text for text, _ in split_lines(code)]
        self.tree = ast.parse(code)
        self.names: dict[str, list[Occurrence]] = {}
        self.attributes: dict[str, list[Occurrence]] = {}
        for node in ast.walk(self.tree):
            self._collect(node)

    def _add(self, table: dict[str, list[Occurrence]], name: str, line: int, byte_col: int, kind: str) -> None:
        if not 1 <= line <= len(self.lines):
            return
        text = self.lines[line - 1]
        start = char_col(text, byte_col)
        if text[start : start + len(name)] == name:  # positions inside f-strings can be off: skip, never guess
            table.setdefault(name, []).append(Occurrence(line, start, start + len(name), kind))

    def _add_keyword_named(
        self, table: dict[str, list[Occurrence]], node: ast.stmt | ast.excepthandler, name: str, kind: str
    ) -> None:
        text = self.lines[node.lineno - 1]
        pattern = rf"\b(?:def|class)\s+({re.escape(name)})\b" if kind == "def" else rf"\bas\s+({re.escape(name)})\b"
        match = re.compile(pattern).search(text, char_col(text, node.col_offset))
        if match:
            table.setdefault(name, []).append(Occurrence(node.lineno, match.start(1), match.end(1), kind))

    def _collect(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            kind = "store" if isinstance(node.ctx, ast.Store) else "load"
            self._add(self.names, node.id, node.lineno, node.col_offset, kind)
        elif isinstance(node, ast.arg):
            self._add(self.names, node.arg, node.lineno, node.col_offset, "param")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._add_keyword_named(self.names, node, node.name, "def")
            if isinstance(node, ast.ClassDef):  # methods and class attributes are attributes of its objects
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self._add_keyword_named(self.attributes, item, item.name, "def")
                    elif isinstance(item, (ast.Assign, ast.AnnAssign)):
                        targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                        for target in (t for t in targets if isinstance(t, ast.Name)):
                            self._add(self.attributes, target.id, target.lineno, target.col_offset, "store")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.asname:
                    end_line = alias.end_lineno or alias.lineno
                    col = (alias.end_col_offset or 0) - len(alias.asname.encode("utf-8"))
                    self._add(self.names, alias.asname, end_line, col, "alias")
                elif alias.name != "*":
                    self._add(self.names, alias.name.split(".")[0], alias.lineno, alias.col_offset, "import")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self._add_keyword_named(self.names, node, node.name, "alias")
        elif isinstance(node, ast.Attribute) and node.end_lineno is not None and node.end_col_offset is not None:
            kind = "store" if isinstance(node.ctx, ast.Store) else "load"
            col = node.end_col_offset - len(node.attr.encode("utf-8"))
            self._add(self.attributes, node.attr, node.end_lineno, col, kind)

    def bound(self, name: str, table: dict[str, list[Occurrence]] | None = None) -> list[Occurrence]:
        return [o for o in (self.names if table is None else table).get(name, []) if o.binding]

    def rename(self, occurrences: Iterable[Occurrence], new: str) -> tuple[Edit, ...]:
        by_line: dict[int, list[tuple[int, int, str]]] = {}
        for o in occurrences:
            by_line.setdefault(o.line, []).append((o.start, o.end, new))
        return tuple(self.line_edit(line, spans) for line, spans in sorted(by_line.items()))

    def line_edit(self, line: int, spans: list[tuple[int, int, str]]) -> Edit:
        """One edit for several replacements on a line, its `old` widened until it is the first match there."""
        text = self.lines[line - 1]
        spans = sorted(set(spans))
        new_text, pos = "", 0
        for start, end, replacement in spans:
            new_text += text[pos:start] + replacement
            pos = end
        new_text += text[pos:]
        lo, hi, delta = spans[0][0], spans[-1][1], len(new_text) - len(text)
        # apply_edits replaces the first occurrence: `old` must not also match earlier (inside a string, say).
        while hi == lo or text.find(text[lo:hi]) != lo:
            if hi < len(text):
                hi += 1
            else:
                lo -= 1
        return Edit(line, text[lo:hi], new_text[lo : hi + delta])


def unused_names(code: str) -> set[str]:
    """Names the code imports or assigns (defs and classes included) but never reads."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    bound: set[str] = set()
    loaded: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            loaded.add(node.target.id)  # `x += 1` reads x
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(_import_bindings(node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)):
            if node.name:
                bound.add(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            loaded.add(node.value)  # `__all__ = ["x"]`, getattr(m, "x"): a name in a string may be a use
    return bound - loaded


def _import_bindings(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The names an import statement binds: `import a.b` binds `a`, `import a as b` binds `b`."""
    return ((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")


def imported_names(code: str) -> set[str]:
    """Every name the code's imports bind, anywhere in it; empty for code that does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {
        name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for name in _import_bindings(node)
    }

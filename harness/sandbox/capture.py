"""Capture: what one statement of an example printed (or showed, REPL style), for claims tied to that statement.

The example's syntax tree is rewritten before compiling, so line numbers stay the author's: a claimed
`print(x)` becomes a call that records its text and prints it, and a bare expression `x.shape` followed by
a `# torch.Size([2, 3])` claim records the repr a REPL would have shown. A notebook cell also shows the value of
its last expression statement, after whatever it printed (Jupyter's rule): with `display_last`, that statement
prints its repr, and nothing for None.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterable
from types import CodeType
from typing import IO, Any

PRINT_HOOK = "__noteproof_print__"
SHOW_HOOK = "__noteproof_show__"
MARK_HOOK = "__noteproof_mark__"
DISPLAY_HOOK = "__noteproof_display__"
DISPLAY_CALL_HOOK = "__noteproof_display_call__"  # a claimed `display(...)` call, as IPython shows its objects
CELL_HOOK = "__noteproof_cell__"  # runs an earlier block of a notebook session as a cell (see `run_cell`)
EARLIER_CELL_FILENAME = "<earlier cell>"  # the file name such a block's code is compiled under
_KEPT_PER_STATEMENT = 8
_KEPT_CHARS = 20_000


class _StatementRewriter(ast.NodeTransformer):
    def __init__(self, lines: set[int]) -> None:
        self.lines = lines

    def visit_Assign(self, node: ast.Assign) -> ast.Assign:
        """`x = value  # tensor(...)` claims what `x` holds: the value is recorded as it is assigned."""
        if node.lineno not in self.lines or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            return node
        hooked = ast.Call(
            func=ast.Name(SHOW_HOOK, ast.Load()), args=[ast.Constant(node.lineno), node.value], keywords=[]
        )
        node.value = ast.fix_missing_locations(ast.copy_location(hooked, node.value))
        return node

    def visit_Assert(self, node: ast.Assert) -> ast.Assert:
        """A claimed `assert` records whether its condition held, then asserts it as written."""
        if node.lineno not in self.lines:
            return node
        held = ast.Call(func=ast.Name("bool", ast.Load()), args=[node.test], keywords=[])
        hooked = ast.Call(func=ast.Name(SHOW_HOOK, ast.Load()), args=[ast.Constant(node.lineno), held], keywords=[])
        node.test = ast.fix_missing_locations(ast.copy_location(hooked, node.test))
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.Expr:
        if node.lineno not in self.lines:
            return node
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("print", "display"):
            hooked = ast.Call(
                func=ast.Name(PRINT_HOOK if value.func.id == "print" else DISPLAY_CALL_HOOK, ast.Load()),
                args=[ast.Constant(node.lineno), *value.args],
                keywords=value.keywords,
            )
        elif isinstance(value, ast.Constant) and isinstance(value.value, str):
            return node  # a docstring-like claim string, not a statement to show
        else:
            hooked = ast.Call(
                func=ast.Name(SHOW_HOOK, ast.Load()), args=[ast.Constant(node.lineno), value], keywords=[]
            )
        node.value = ast.fix_missing_locations(ast.copy_location(hooked, value))
        return node


def compile_example(
    code: str,
    filename: str,
    capture_lines: Iterable[int] = (),
    own_code_from: int | None = None,
    *,
    display_last: bool = False,
) -> CodeType:
    """Compile with claimed statements hooked; when earlier blocks lead the code (notebook style), mark where the
    block's own code starts, so that its output can be told from theirs."""
    lines = set(capture_lines)
    if not lines and not own_code_from and not display_last:
        return compile(code, filename, "exec")
    tree = _StatementRewriter(lines).visit(ast.parse(code, filename))
    if display_last:
        _display_last_value(tree)
    if own_code_from:
        first = next((i for i, node in enumerate(tree.body) if node.lineno >= own_code_from), len(tree.body))
        mark = ast.Expr(ast.Call(func=ast.Name(MARK_HOOK, ast.Load()), args=[], keywords=[]))
        line = tree.body[first].lineno if first < len(tree.body) else own_code_from
        for node in ast.walk(mark):  # on the block's first line, so no line number moves
            node.lineno, node.end_lineno, node.col_offset, node.end_col_offset = line, line, 0, 0  # type: ignore[attr-defined]
        tree.body.insert(first, mark)
    return compile(tree, filename, "exec")


def _display_last_value(tree: ast.Module) -> None:
    """Jupyter shows the repr of a cell's last statement when it is an expression. A bare string there is how
    authors write a claimed output (`'''tensor(1.)'''`), not a value they meant to show."""
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr):
        return
    if isinstance(last.value, ast.Constant) and isinstance(last.value.value, str):
        return
    shown = ast.Call(func=ast.Name(DISPLAY_HOOK, ast.Load()), args=[last.value], keywords=[])
    last.value = ast.fix_missing_locations(ast.copy_location(shown, last.value))


class Captures:
    """Per statement line, the first few texts it printed or showed."""

    def __init__(self) -> None:
        self.by_line: dict[int, list[str]] = {}
        self.own_output_from = 0  # where the block's own output starts, past the output of earlier blocks
        self._output: Any = None

    def watch(self, output: Any) -> None:
        """The example's captured stdout (it has `kept`, the characters kept so far)."""
        self._output = output

    def _record(self, line: int, text: str) -> None:
        kept = self.by_line.setdefault(line, [])
        if len(kept) < _KEPT_PER_STATEMENT:
            kept.append(text[:_KEPT_CHARS])

    def install(self, namespace: dict[str, Any]) -> None:
        namespace[PRINT_HOOK] = self._printer()
        namespace[SHOW_HOOK] = self._shower()
        namespace[MARK_HOOK] = self._mark
        namespace[DISPLAY_HOOK] = _display
        namespace[DISPLAY_CALL_HOOK] = self._displayer()
        namespace.setdefault("display", _display_each)  # IPython's builtin in a notebook: cells call it bare
        namespace[CELL_HOOK] = _cell_runner(namespace)

    def _mark(self) -> None:
        self.own_output_from = self._output.kept if self._output is not None else 0

    def _printer(self) -> Callable[..., None]:
        def hooked_print(
            line: int,
            *args: object,
            sep: str | None = " ",
            end: str | None = "\n",
            file: IO[str] | None = None,
            flush: bool = False,
        ) -> None:
            text = (" " if sep is None else sep).join(str(arg) for arg in args)
            self._record(line, text)
            builtins.print(text, end=end, file=file, flush=flush)

        return hooked_print

    def _displayer(self) -> Callable[..., None]:
        def hooked_display(line: int, *objects: object, **_options: object) -> None:
            for shown in objects:
                self._record(line, repr(shown))
            _display_each(*objects)

        return hooked_display

    def _shower(self) -> Callable[[int, object], object]:
        def show(line: int, value: object) -> object:
            # A REPL shows nothing for None, but a claim about the expression (`x.grad  # None`, "y.grad 为 None")
            # is about its value: the capture keeps it, and nothing is printed.
            self._record(line, repr(value))
            return value

        return show

    def as_json(self) -> dict[str, list[str]]:
        return {str(line): texts for line, texts in self.by_line.items()}


def _display_each(*objects: object, **_options: object) -> None:
    """IPython's `display` outside a kernel: each object's text form on a line of its own."""
    for shown in objects:
        builtins.print(repr(shown))


def _display(value: object) -> None:
    if value is not None:  # a notebook shows nothing for None
        builtins.print(repr(value))


def _cell_runner(namespace: dict[str, Any]) -> Callable[[str], None]:
    def run_cell(code: str) -> None:
        """An earlier cell of the session: what it defines stays, what it raises stops only itself (the kernel
        printed its traceback and went on). Its output comes before the block's own, so no claim reads it."""
        try:
            exec(compile(code, EARLIER_CELL_FILENAME, "exec"), namespace)  # noqa: S102 - the note's code, in its child
        except Exception:  # noqa: BLE001 - any error of the cell, exactly as the kernel went on after it
            return

    return run_cell

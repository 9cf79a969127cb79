"""Cheat-sheet tables: an expression and its result in one row, read as a REPL line."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import replace

from harness.notes.annotations import strong_value
from harness.notes.comments import CHANGING, changing_reason
from harness.notes.document import Block
from harness.notes.names import block_names, random_unseeded
from harness.notes.outputs import dotted_call
from harness.notes.records import CodeBlock, new_claim, parse_code, read_traceback

# ---- cheat-sheet tables: an expression and its result in one row ---------------------------------------------

_EXPRESSION_HEADER = re.compile(r"expr|code|input|call|snippet|syntax|表达式|代码|输入|写法|操作|用法", re.I)
_SHAPE_HEADER = re.compile(r"shape|形状|尺寸|维度|サイズ|크기|모양", re.I)
_CODE_HEADER = re.compile(r"code|expr|snippet|代码|表达式|写法|コード|코드", re.I)
_RESULT_HEADER = re.compile(r"result|output|returns?|value|gives|prints?|shows?|结果|输出|返回|值", re.I)
_WHOLE_CODE = re.compile(r"`+\s?(.*?)\s?`+")


def row_block(part: Block, index: int) -> CodeBlock | None:
    """A table row that pairs an expression with its result, as a REPL line: the expression shown, its result
    (or the error it raises) claimed. The table says which columns by its header; without a header word, a row
    whose first cell is code and whose second is a printed value reads so too."""
    columns = _columns(part.header)
    named = columns is not None  # the header names the columns; else the row's cells must read so by themselves
    if columns is None:
        if len(part.cells) < 2 or not (part.cells[0].startswith("`") and part.cells[1].startswith("`")):
            return None
        columns = (0, 1)
    if max(columns) >= len(part.cells):
        return None
    expression, result = (_code_cell(part.cells[column]) for column in columns)
    if not expression or not result or (tree := _expression(expression)) is None:
        return None
    if named and _SHAPE_HEADER.search(part.header[columns[1]]) and not read_traceback(result):
        # "输出形状 | `[1, 2, 3, 4]`": the column holds the result's shape, as a list or as torch.Size
        expression = f"list(({expression}).shape)" if result.lstrip().startswith("[") else f"({expression}).shape"
        tree = _expression(expression)
        assert tree is not None
    if error := read_traceback(result):
        kind, message, _ = error
        claim = new_claim("exception", part.line, result, "table-row", 1, exception=(kind, message))
    elif said := _RAISES.fullmatch(result):  # "raises `RuntimeError`", "报错 IndexError"
        claim = new_claim(
            "exception", part.line, result, "table-row", 1, exception=(said.group(1).rsplit(".", 1)[-1], None)
        )
    elif named or (strong_value(result) and not dotted_call(result)):  # not code beside code (old way, new way)
        claim = new_claim("printed", part.line, result, "table-row", 1)
    else:
        return None
    if (changing := CHANGING.search(expression)) is not None:  # `torch.empty(2)`: memory never initialised
        claim = replace(claim, unverifiable=changing_reason(changing))
    code = expression + "\n"
    defines, uses = block_names(tree)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    random = random_unseeded(code, calls)
    return CodeBlock(index, part.line - 1, code, (claim,), defines, uses, random, inline="table row")


def _columns(header: Sequence[str]) -> tuple[int, int] | None:
    """(expression column, result column) by the header's words; a column named code before one named for the
    operation ("操作 | 代码 | 输出形状": the second holds the code)."""
    named = [n for n, cell in enumerate(header) if _CODE_HEADER.search(cell)]
    expression = named[0] if named else next((n for n, c in enumerate(header) if _EXPRESSION_HEADER.search(c)), None)
    result = next((n for n, cell in enumerate(header) if n != expression and _RESULT_HEADER.search(cell)), None)
    return (expression, result) if expression is not None and result is not None else None


# A result cell that names the error the expression raises: "raises `RuntimeError`", "报错 IndexError".
_RAISES = re.compile(
    r"(?:(?i:raises|throws|error:?)|报错|抛出)\s*`?((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception))`?\.?"
)


def _code_cell(cell: str) -> str:
    """A cell's text without the backticks of inline code around all of it."""
    match = _WHOLE_CODE.fullmatch(cell.strip())
    return (match.group(1) if match else cell).strip()


def _expression(code: str) -> ast.Module | None:
    """The code as a module of one expression statement, when it is one."""
    tree = parse_code(code)
    return tree if tree is not None and len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) else None

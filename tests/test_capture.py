"""Statement capture: claimed prints and REPL expressions are hooked without moving a line. No torch needed."""

from __future__ import annotations

import contextlib
import io
from typing import Any

from harness.sandbox.capture import Captures, compile_example

CODE = '''\
total = 0
for i in range(3):
    total += i
    print("step", i)
total
"""a docstring-like claim string"""
x = [1, 2]
len(x)
raise ValueError("boom")
'''


def _run(code: str, lines: tuple[int, ...], own_from: int | None = None) -> tuple[Captures, str, BaseException | None]:
    captures, out = Captures(), io.StringIO()
    namespace: dict[str, Any] = {}
    captures.install(namespace)
    captures.watch(_Kept(out))
    error = None
    with contextlib.redirect_stdout(out):
        try:
            exec(compile_example(code, "<example>", lines, own_from), namespace)
        except Exception as exc:
            error = exc
    return captures, out.getvalue(), error


class _Kept:
    """Stands in for the child's capped stdout: it knows how many characters it has kept."""

    def __init__(self, out: io.StringIO) -> None:
        self.out = out

    @property
    def kept(self) -> int:
        return len(self.out.getvalue())


def test_claimed_prints_and_expressions_are_recorded_and_still_print() -> None:
    captures, printed, error = _run(CODE, (4, 5, 6, 8))
    assert captures.as_json() == {"4": ["step 0", "step 1", "step 2"], "5": ["3"], "8": ["2"]}
    assert printed == "step 0\nstep 1\nstep 2\n"  # a REPL expression shows nothing on stdout
    assert isinstance(error, ValueError)


def _failing_line(error: BaseException | None) -> int:
    assert error is not None and error.__traceback__ is not None
    tb = error.__traceback__
    while tb.tb_next:
        tb = tb.tb_next
    return tb.tb_lineno


def test_line_numbers_stay_the_authors() -> None:
    _, _, error = _run(CODE, (4, 5, 8))
    assert _failing_line(error) == 9


def test_unclaimed_statements_are_left_alone() -> None:
    captures, printed, _ = _run(CODE, ())
    assert captures.as_json() == {} and printed.count("step") == 3


def test_print_keywords_are_kept() -> None:
    captures, printed, _ = _run("print(1, 2, sep='-', end='!')\n", (1,))
    assert captures.as_json() == {"1": ["1-2"]} and printed == "1-2!"


def test_the_mark_tells_earlier_output_from_the_blocks_own() -> None:
    code = "print('earlier block')\nprint('this block')\n"
    captures, printed, _ = _run(code, (), own_from=2)
    assert printed[captures.own_output_from :] == "this block\n"
    _, _, error = _run("print('a')\nraise KeyError(1)\n", (), own_from=2)
    assert _failing_line(error) == 2


# -- notebook cells: the last expression's value is shown after what the cell printed -------------------------------


def _cell(code: str, *, display_last: bool = True) -> str:
    captures, out = Captures(), io.StringIO()
    namespace: dict[str, Any] = {}
    captures.install(namespace)
    with contextlib.redirect_stdout(out):
        exec(compile_example(code, "<example>", display_last=display_last), namespace)
    return out.getvalue()


def test_a_cell_shows_its_last_expression_after_its_prints() -> None:
    assert _cell("x = [1, 2]\nprint('before')\nx + [3]\n") == "before\n[1, 2, 3]\n"
    assert _cell("'a' * 2\n1 + 1\n") == "2\n"  # only the last statement is shown


def test_a_cell_shows_the_repr_not_the_str() -> None:
    assert _cell("class P:\n    def __repr__(self): return 'P()'\n    def __str__(self): return 'p'\nP()\n") == "P()\n"


def test_what_a_cell_does_not_show() -> None:
    assert _cell("x = 1\nprint(x)\nNone\n") == "1\n"  # None shows nothing
    assert _cell("x = 3\n") == ""  # the last statement is not an expression
    assert _cell("print(2)\n") == "2\n"  # print's own None is not shown again
    assert _cell("x = 2\n'''tensor(2.)'''\n") == ""  # a string after the code is the author's claimed output
    assert _cell("x = 2\nx\n", display_last=False) == ""  # a script shows nothing

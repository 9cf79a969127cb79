"""Forms read from a twelfth batch of other people's notes: a terminal's log of a REPL (its banner, a session
that goes on after a traceback, Ctrl-C and Ctrl-D), a `diff` fence read as the code after the change. (Swedish
and Norwegian words are among every language's in tests/test_more_note_forms.py.)

Each form has its case where the claim is right and one where it is wrong (or where nothing is claimed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_note_forms import FENCE, verdicts

from harness import Runner
from harness.notes.transcript import is_transcript

PAIR = [("tensor([2., 2.])", "true"), ("tensor([4., 4.])", "false")]
BANNER = ("dev@box:~$ python3", "Python 3.8.10 (default, Sep 28 2021, 16:10:42)", "[GCC 9.3.0] on linux")


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_a_terminal_log_of_a_repl_reads_as_its_session(runner: Runner, tmp_path: Path, value: str, truth: str) -> None:
    rows = ("```text", *BANNER, ">>> import torch", ">>> torch.ones(2) * 2", value, ">>> ^D", "dev@box:~$ exit", FENCE)
    assert verdicts(runner, tmp_path, *rows) == {7: truth}


def test_text_before_a_prompt_that_is_code_is_no_terminal_log() -> None:
    assert not is_transcript("x = 1\nprint(x)\n>>> x\n1\n")
    assert is_transcript("\n".join((*BANNER, ">>> 1 + 1", "2")))


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_a_session_goes_on_after_an_example_that_raised(runner: Runner, tmp_path: Path, value: str, truth: str) -> None:
    rows = (
        "```pycon",
        ">>> import torch",
        ">>> torch.ones(2, 3) @ torch.ones(2, 3)",
        "Traceback (most recent call last):",
    )
    rows += ('  File "<stdin>", line 1, in <module>', "RuntimeError: mat1 and mat2 shapes cannot be multiplied")
    rows += (">>> torch.ones(2) * 2", value, FENCE)
    assert verdicts(runner, tmp_path, *rows) == {4: "true", 8: truth}


def test_an_example_stopped_by_hand_is_not_run_and_its_interrupt_is_unverifiable(
    runner: Runner, tmp_path: Path
) -> None:
    rows = ("```pycon", ">>> import torch", ">>> while True:", "...     _ = torch.ones(2) * 2", "... ")
    rows += ("^CTraceback (most recent call last):", '  File "<stdin>", line 2, in <module>', "KeyboardInterrupt")
    rows += (">>> torch.ones(2) * 2", "tensor([2., 2.])", FENCE)
    assert verdicts(runner, tmp_path, *rows) == {6: "unverifiable", 10: "true"}


@pytest.mark.parametrize(
    ("asked", "shown", "truth"), [("id(x)", "140087524961408", "unverifiable"), ("x.sum()", "tensor(2.)", "true")]
)
def test_an_address_a_repl_shows_is_unverifiable(
    runner: Runner, tmp_path: Path, asked: str, shown: str, truth: str
) -> None:
    rows = ("```pycon", ">>> import torch", ">>> x = torch.ones(2)", f">>> {asked}", shown, FENCE)
    assert verdicts(runner, tmp_path, *rows) == {5: truth}


@pytest.mark.parametrize(("value", "truth"), [("tensor([3., 3.])", "true"), ("tensor([2., 2.])", "false")])
def test_a_diff_fence_runs_as_the_code_after_the_change(runner: Runner, tmp_path: Path, value: str, truth: str) -> None:
    rows = (
        "```diff",
        " import torch",
        "-y = torch.ones(2) * 2",
        "+y = torch.ones(2) * 3",
        f" print(y)  # {value}",
        FENCE,
    )
    assert verdicts(runner, tmp_path, *rows) == {5: truth}

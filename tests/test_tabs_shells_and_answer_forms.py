"""Forms read from an eleventh batch of other people's notes (as tests/test_blog_chat_and_cell_forms.py): MkDocs
content tabs, Zenn's file-titled fences, `python -c` in a console, a solution sheet's answers, a slide deck's
`--` and its lone values, an outliner's `→` bullets, an erratum that restates what the code prints. (The words
of Dutch, Indonesian and Arabic notes are among every language's in tests/test_more_note_forms.py.)

Each form has its case where the claim is right and one where it is wrong (or where nothing is claimed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_note_forms import FENCE, verdicts

from harness import Runner
from harness.audit.scoring import corpus_notes

PAIR = [("tensor([2., 2.])", "true"), ("tensor([4., 4.])", "false")]
CODE = ("```python", "import torch", "print(torch.ones(2) * 2)", FENCE)


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_content_tabs_hold_the_code_and_its_output(runner: Runner, tmp_path: Path, value: str, truth: str) -> None:
    rows = ('=== "Code"', "", "    ```python", "    import torch", "    print(torch.ones(2) * 2)", "    ```", "")
    rows += ('=== "Output"', "", "    ```text", f"    {value}", "    ```")
    assert verdicts(runner, tmp_path, *rows) == {11: truth}


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_a_fence_titled_with_its_file_name_is_python(runner: Runner, tmp_path: Path, value: str, truth: str) -> None:
    rows = ("```python:double.py", "import torch", f"print(torch.ones(2) * 2)  # {value}", FENCE)
    assert verdicts(runner, tmp_path, *rows) == {3: truth}


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_python_dash_c_in_a_console_runs_its_code(runner: Runner, tmp_path: Path, value: str, truth: str) -> None:
    rows = ("```console", '$ python -c "import torch; print(torch.ones(2) * 2)"', value, FENCE)
    assert verdicts(runner, tmp_path, *rows) == {3: truth}


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_python_dash_c_over_several_lines_runs_up_to_its_closing_quote(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ("```console", '$ python -c "', "import torch", 'print(torch.ones(2) * 2)"', value, FENCE)
    assert verdicts(runner, tmp_path, *rows) == {5: truth}


@pytest.mark.parametrize(("value", "truth"), PAIR)
@pytest.mark.parametrize("answer", ["**Answer.** Doubling each element:", "**Answer.**", "Solution: each one doubles."])
def test_a_solution_sheets_answer_labels_the_output_below_it(
    runner: Runner, tmp_path: Path, answer: str, value: str, truth: str
) -> None:
    assert verdicts(runner, tmp_path, *CODE, "", answer, "", FENCE, value, FENCE) == {9: truth}


def test_an_answer_header_with_its_votes_is_no_label(runner: Runner, tmp_path: Path) -> None:
    between = ("", "**Answer** — 9", "", "Adding to the accepted answer, here is what I get:", "")
    rows = ("```python", "import torch", "x = torch.ones(2)", FENCE, *between, FENCE, "tensor([2., 2.])", FENCE)
    assert verdicts(runner, tmp_path, *rows) == {}


@pytest.mark.parametrize(("value", "truth"), [("tensor(12.)", "true"), ("tensor(6.)", "false")])
def test_an_answer_that_says_how_the_value_is_printed_claims_it(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    code = ("```python", "import torch", "x = torch.tensor(2.0)", "print(x * 6)", FENCE)
    assert verdicts(runner, tmp_path, *code, "", f"**Answer.** 6x = 12, printed as `{value}`.") == {7: truth}


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_a_slides_output_below_its_vertical_separator_and_title(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    assert verdicts(runner, tmp_path, *CODE, "", "--", "", "## What comes out", "", FENCE, value, FENCE) == {11: truth}


@pytest.mark.parametrize(("value", "truth"), [("<class 'float'>", "true"), ("<class 'int'>", "false")])
def test_a_value_alone_under_the_code_is_what_it_showed(runner: Runner, tmp_path: Path, value: str, truth: str) -> None:
    code = ("```python", "import torch", "type(torch.ones(1).item())", FENCE, "")
    assert verdicts(runner, tmp_path, *code, f'`{value}` <!-- .element: class="fragment" -->') == {6: truth}


@pytest.mark.parametrize(("value", "truth"), PAIR)
@pytest.mark.parametrize("mark", ["→", "out:"])
def test_an_outliners_child_bullet_marked_as_output_is_the_codes(
    runner: Runner, tmp_path: Path, mark: str, value: str, truth: str
) -> None:
    rows = ("- doubling", "\t- ```python", "\t  import torch", "\t  print(torch.ones(2) * 2)", "\t  ```")
    assert verdicts(runner, tmp_path, *rows, f"\t\t- {mark} `{value}`  (each doubled)") == {6: truth}


def test_a_bullet_naming_a_call_is_no_output(runner: Runner, tmp_path: Path) -> None:
    rows = ("- doubling", "\t- ```python", "\t  import torch", "\t  x = torch.ones(2)", "\t  ```")
    assert verdicts(runner, tmp_path, *rows, "- `torch.no_grad()` for eval") == {}


@pytest.mark.parametrize(("value", "truth"), [("tensor([0.5000, 1.0000])", "true"), ("tensor([0, 1])", "false")])
def test_an_erratum_claims_what_it_says_the_code_prints_now_not_what_the_book_said(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ("```python", "import torch", FENCE, "")
    said = f"**p. 18:** the book says `torch.tensor([1, 2]) / 2` prints `tensor([0, 1])`; today it prints `{value}`."
    assert verdicts(runner, tmp_path, *rows, said) == {5: truth}


def test_what_the_prose_says_of_the_authors_gpu_is_unverifiable(runner: Runner, tmp_path: Path) -> None:
    rows = ("```python", "import torch", FENCE, "", "On my box `torch.cuda.is_available()` prints `True`.")
    assert verdicts(runner, tmp_path, *rows) == {5: "unverifiable"}


@pytest.mark.parametrize(
    ("printed", "shown", "truth"),
    [
        ("d.data_ptr() == a.data_ptr(), a.data_ptr()", "True 94612830215872", "unverifiable"),
        ("d.data_ptr() == a.data_ptr()", "True", "true"),
        ("d.data_ptr() == a.data_ptr()", "False", "false"),
    ],
)
def test_an_address_printed_as_one_of_a_prints_items_leaves_the_claim_unverifiable(
    runner: Runner, tmp_path: Path, printed: str, shown: str, truth: str
) -> None:
    code = ("```python", "import torch", "a = torch.ones(2)", "d = a.detach()")
    rows = (*code, f"print({printed})", FENCE, "", "Output:", "", FENCE, shown, FENCE)
    assert verdicts(runner, tmp_path, *rows) == {11: truth}


def test_a_corpus_holds_notes_in_markdowns_dialects(tmp_path: Path) -> None:
    for name in ("a.md", "b.mdx", "c.qmd", "d.txt"):
        (tmp_path / name).write_text("x\n", encoding="utf-8")
        (tmp_path / f"{Path(name).stem}.labels.json").write_text("{}", encoding="utf-8")
    assert [note.name for note in corpus_notes(tmp_path)] == ["a.md", "b.mdx", "c.qmd"]

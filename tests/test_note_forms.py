"""Forms real notes are written in, one small note of our own each, audited: the verdict per claim line.

Every form has its case where the claim is right and one where it is wrong (the check must fail), so that a
reader that stops finding the claim, or finds it and stops judging it, fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import Runner, Status
from harness.audit.note_audit import audit_note

TRUTH = {
    Status.PASSED: "true",
    Status.FAILED: "false",
    Status.DRIFTED: "drifted",
    Status.UNVERIFIABLE: "unverifiable",
    Status.ERROR: "not run",
}


def verdicts(runner: Runner, tmp_path: Path, *rows: str, name: str = "note.md") -> dict[int, str]:
    """Each claim's first note line and its verdict; a row's place among `rows` is its line number."""
    note = tmp_path / name
    note.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return {claim.lines[0]: TRUTH[claim.status] for claim in audit_note(note, runner, timeout=30).claims}


FENCE = "```"


def _databricks(shown: str) -> tuple[str, ...]:
    # A notebook exported to markdown: the cell's language magic first, the displayed value after its prompt.
    return ("```python", "%python", "import torch", "x = torch.ones(2)", "x * 2", FENCE, "", FENCE, shown, FENCE)


@pytest.mark.parametrize(
    ("shown", "truth"), [("Out[2]: tensor([2., 2.])", "true"), ("Out[2]: tensor([3., 3.])", "false")]
)
def test_a_fence_copied_from_a_notebook_runs_without_its_magics_and_its_output_without_the_prompt(
    runner: Runner, tmp_path: Path, shown: str, truth: str
) -> None:
    assert verdicts(runner, tmp_path, *_databricks(shown)) == {9: truth}


def test_what_a_cell_displays_of_the_machine_is_unverifiable(runner: Runner, tmp_path: Path) -> None:
    rows = ("```python", "import torch", "torch.cuda.is_available(), torch.__version__", FENCE, "")
    assert verdicts(runner, tmp_path, *rows, FENCE, "Out[1]: (False, '2.3.1+cpu')", FENCE) == {7: "unverifiable"}


@pytest.mark.parametrize(("value", "truth"), [("tensor([2., 2.])", "true"), ("tensor([4., 4.])", "false")])
@pytest.mark.parametrize(
    "between",
    [
        ("", "---", "", "## Output", ""),  # a slide deck: the output on the next slide, under its heading
        ("", "The doubling is elementwise.", "", "### 运行结果", ""),  # prose, then a heading that labels
        ("{% endcode %}", ""),  # GitBook's tags around the code render to nothing
        ("{{< /details >}}", "<!--kg-card-end: markdown-->", ""),  # a shortcode and an HTML comment
    ],
    ids=["slide", "heading", "gitbook", "comment"],
)
def test_an_output_under_a_label_heading_or_behind_layout_is_the_codes(
    runner: Runner, tmp_path: Path, between: tuple[str, ...], value: str, truth: str
) -> None:
    code = ("```python", "import torch", "print(torch.ones(2) * 2)", FENCE)
    at = len(code) + len(between) + 2
    assert verdicts(runner, tmp_path, *code, *between, FENCE, value, FENCE) == {at: truth}


def test_a_heading_that_names_no_output_is_no_label(runner: Runner, tmp_path: Path) -> None:
    code = ("```python", "import torch", "print(torch.ones(2) * 2)", FENCE)
    assert verdicts(runner, tmp_path, *code, "", "## Broadcasting", "", FENCE, "tensor([2., 2.])", FENCE) == {}


@pytest.mark.parametrize(
    ("claimed", "truth"),
    [("<ThAddmmBackward>", "drifted"), ("<AddmmBackward>", "drifted"), ("<ThMulBackward>", "false")],
)
def test_an_old_torch_backward_node_name_is_drifted_when_it_names_the_same_op(
    runner: Runner, tmp_path: Path, claimed: str, truth: str
) -> None:
    code = (
        "import torch",
        "w = torch.ones(2, 2, requires_grad=True)",
        "print(torch.addmm(torch.zeros(1, 2), torch.ones(1, 2), w))",
    )
    rows = ("```python", *code, FENCE, "", FENCE, f"tensor([[2., 2.]], grad_fn={claimed})", FENCE)
    assert verdicts(runner, tmp_path, *rows) == {8: truth}


@pytest.mark.parametrize(("value", "truth"), [("tensor(6.)", "true"), ("tensor(7.)", "false")])
def test_code_indented_instead_of_fenced_is_code_and_the_indented_block_under_a_label_its_output(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = (
        "My sum looks off:",
        "",
        "    import torch",
        "    print(torch.arange(4.).sum())",
        "",
        "Output:",
        "",
        f"    {value}",
        "",
        "1. And inside a list item, indented deeper:",
        "",
        "        print(torch.arange(4.).sum())  # " + value,
    )
    assert verdicts(runner, tmp_path, *rows) == {8: truth, 12: truth}


@pytest.mark.parametrize(
    ("code", "truth"),
    [
        ("print(torch.ones(2).view(3))  # tensor([1., 1.])", "false"),  # it raises: it printed nothing
        ("print(train_targets[:2])  # tensor([1., 2.])", "unverifiable"),  # the author's own variable, never defined
    ],
)
def test_a_claimed_print_that_raises_is_false_unless_what_it_lacks_is_the_authors(
    runner: Runner, tmp_path: Path, code: str, truth: str
) -> None:
    assert verdicts(runner, tmp_path, "```python", "import torch", code, FENCE) == {3: truth}


_BACKWARD = ("```python", "import torch", "a = torch.ones(2, requires_grad=True)", "b = a * 2", "b.sum().backward()")


@pytest.mark.parametrize(
    ("said", "found"),
    [
        ("可以看到 b.grad 为 None，因为 b 不是叶子节点。", {8: "true"}),
        ("这时 a.grad 仍然是 None。", {8: "false"}),  # backward() set it
        ("So a.grad is True here.", {8: "false"}),
        ("而 a.grad 不再是 None 了。", {}),  # what it is not: no value claimed
        ("The docs call b.grad None for non-leaves; see below.", {}),  # no verb that says a value
    ],
)
def test_a_constant_said_in_prose_of_an_attribute_is_that_expressions_value(
    runner: Runner, tmp_path: Path, said: str, found: dict[int, str]
) -> None:
    assert verdicts(runner, tmp_path, *_BACKWARD, FENCE, "", said) == found


@pytest.mark.parametrize(("name", "truth"), [("b", "true"), ("a", "false")])
def test_a_none_claimed_of_a_bare_expression_is_its_value_though_a_notebook_shows_nothing(
    runner: Runner, tmp_path: Path, name: str, truth: str
) -> None:
    assert verdicts(runner, tmp_path, *_BACKWARD, f"{name}.grad  # None", FENCE) == {6: truth}

"""Forms real notes are written in, one small note of our own each, audited: the verdict per claim line.

Every form has its case where the claim is right and one where it is wrong (the check must fail), so that a
reader that stops finding the claim, or finds it and stops judging it, fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import Runner
from harness.audit.note_audit import audit_note
from harness.audit.scoring import LABEL_WORDS

TRUTH = LABEL_WORDS  # the words the corpora label claims with


def verdicts(runner: Runner, tmp_path: Path, *rows: str) -> dict[int, str]:
    """Each claim's first note line and its verdict; a row's place among `rows` is its line number."""
    return {
        claim.lines[0]: TRUTH[claim.status] for claim in audit_note(_write(tmp_path, rows), runner, timeout=30).claims
    }


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


@pytest.mark.parametrize(
    ("answer", "found"),
    [
        ("答：输出 None，因为 y 不是叶子节点。", {9: "true"}),
        ("答：输出 tensor([3., 3.])，因为 y = 3x。", {9: "false"}),
        ("答：输出 3，因为 y = 3x。", {}),  # a bare value only when it reads as one beyond doubt
        ("A: `None` (a non-leaf keeps no .grad)", {9: "true"}),
        ("A: `tensor([3., 3.])`", {9: "false"}),
        ("**A:** prints `None`.", {9: "true"}),
    ],
)
def test_an_answer_under_the_code_says_what_it_prints(
    runner: Runner, tmp_path: Path, answer: str, found: dict[int, str]
) -> None:
    code = ("```python", "import torch", "x = torch.ones(2, requires_grad=True)", "y = x * 3", "y.sum().backward()")
    assert verdicts(runner, tmp_path, *code, "print(y.grad)", FENCE, "", answer) == found


@pytest.mark.parametrize(("value", "truth"), [("torch.Size([3, 5, 4])", "true"), ("torch.Size([3, 4])", "false")])
def test_what_the_prose_says_the_code_gives_later_in_its_first_line(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    code = ("```python", "import torch", "print((torch.ones(3, 1, 4) + torch.ones(5, 1)).shape)", FENCE, "")
    said = f"`y` is read as `(1, 5, 1)`, so the sum above gives `{value}`."
    assert verdicts(runner, tmp_path, *code, said) == {6: truth}
    negated = f"This does not give `{value}`, whatever you expect."
    assert verdicts(runner, tmp_path, *code, negated) == {}


@pytest.mark.parametrize(("value", "truth"), [("tensor([2., 2.])", "true"), ("tensor([1., 1.])", "false")])
def test_a_variant_said_to_give_the_fence_below_is_judged_on_that_fence(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    code = ("```python", "import torch", "p = torch.ones(2)", "print(p + 1)", FENCE, "")
    assert verdicts(runner, tmp_path, *code, "And `p * 2` gives", "", FENCE, value, FENCE) == {7: truth}


@pytest.mark.parametrize(("value", "truth"), [("tensor(14.)", "true"), ("tensor(12.)", "false")])
def test_a_line_of_inline_code_under_a_label_is_the_output(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    code = ("```python", "import torch", "x = torch.tensor(2.0, requires_grad=True)", "(x ** 3 + 2 * x).backward()")
    assert verdicts(runner, tmp_path, *code, "print(x.grad)", FENCE, "", "运行结果如下：", "", f"`{value}`") == {
        10: truth
    }


def test_an_old_and_a_new_output_of_the_same_code_are_both_judged(runner: Runner, tmp_path: Path) -> None:
    rows = (
        "```python",
        "import torch",
        "print(torch.ones(2) * 3)",
        FENCE,
        "",
        "旧版本输出（0.3）：",  # a decimal point is no sentence's end
        "",
        FENCE,
        " 3",
        " 3",
        "[torch.FloatTensor of size 2]",
        FENCE,
        "",
        "新版本输出：",
        "",
        FENCE,
        "tensor([3., 3.])",
        FENCE,
        "",
        "Nothing else changed.",
        "",
        FENCE,
        "tensor([4., 4.])",  # not labelled as an output: not the code's
        FENCE,
    )
    assert verdicts(runner, tmp_path, *rows) == {9: "drifted", 17: "true"}


def test_a_table_of_old_code_beside_new_code_claims_nothing(runner: Runner, tmp_path: Path) -> None:
    rows = (
        "| 旧写法 | 新写法 |",
        "| --- | --- |",
        "| `loss.data[0]` | `loss.item()` |",
        "| `x.size()` | `torch.Size([2])` |",
    )
    assert verdicts(runner, tmp_path, "```python", "import torch", "x = torch.ones(2)", FENCE, "", *rows) == {9: "true"}


@pytest.mark.parametrize(
    ("typo", "claimed", "truth"), [("Ture", "True", "true"), ("Flase", "False", "true"), ("Ture", "False", "false")]
)
def test_a_misspelt_constant_is_fixed_and_the_claim_judged_under_the_fix(
    runner: Runner, tmp_path: Path, typo: str, claimed: str, truth: str
) -> None:
    code = ("```python", "import torch", f"flag = {typo}", f"print(flag)  # {claimed}", FENCE)
    assert verdicts(runner, tmp_path, *code) == {4: truth}


def test_a_misspelling_two_letters_from_a_constant_is_no_constant() -> None:
    from harness.audit.fixes import _misspelt_constant

    assert [_misspelt_constant(name) for name in ("Tree", "Nome", "Ture", "FALSE")] == [None, None, "True", "False"]


def _notebook(tmp_path: Path, *cells: object) -> Path:
    import nbformat

    note = tmp_path / "note.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=list(cells)), note)  # type: ignore[no-untyped-call]
    return note


@pytest.mark.parametrize(("second", "truth"), [("tensor([1., 1.])", "true"), ("tensor([0., 0.])", "false")])
def test_a_cells_display_calls_are_its_printed_output(runner: Runner, tmp_path: Path, second: str, truth: str) -> None:
    from nbformat import v4

    shown = [
        v4.new_output("display_data", data={"text/plain": "tensor([0., 0.])"}),  # type: ignore[no-untyped-call]
        v4.new_output("display_data", data={"text/plain": second}),  # type: ignore[no-untyped-call]
    ]
    code = v4.new_code_cell("import torch\ndisplay(torch.zeros(2))\ndisplay(torch.ones(2))", outputs=shown)  # type: ignore[no-untyped-call]
    code.execution_count = 1
    claims = audit_note(_notebook(tmp_path, code), runner, timeout=30).claims
    assert [(c.lines[0], TRUTH[c.status]) for c in claims] == [(15000, "true"), (15001, truth)]


@pytest.mark.parametrize(("said", "truth"), [("tensor([1, 6])", "true"), ("tensor([1, 5])", "false")])
def test_what_a_markdown_cell_says_the_unrun_cell_below_outputs_is_its_claim(
    runner: Runner, tmp_path: Path, said: str, truth: str
) -> None:
    from nbformat import v4

    prose = v4.new_markdown_cell(f"## Fancy indexing\n\n预期输出：`{said}`")  # type: ignore[no-untyped-call]
    code = v4.new_code_cell("import torch\nx = torch.arange(12).reshape(3, 4)\nprint(x[[0, 1], [1, 2]])")  # type: ignore[no-untyped-call]
    claims = audit_note(_notebook(tmp_path, prose, code), runner, timeout=30).claims
    assert [(c.lines[0], TRUTH[c.status]) for c in claims] == [(10003, truth)]


@pytest.mark.parametrize(
    ("comment", "found"),
    [
        ("x.sum()  # tensor(15)", {3: "true"}),
        ("x.sum()  # tensor(16)", {3: "false"}),
        ("x.sum() * 2  # ≈ 30", {3: "drifted"}),  # an arrow or ≈ says what the name holds, here written short
        ("x.sum() * 2  # -> 31", {3: "false"}),
        ("x.sum()  # (6,)", {}),  # a shape, a remark: no claim of the value
        ("x.sum()  # 15", {}),
    ],
)
def test_a_value_commented_on_an_assignment_is_what_the_name_holds(
    runner: Runner, tmp_path: Path, comment: str, found: dict[int, str]
) -> None:
    assert (
        verdicts(runner, tmp_path, "```python", "import torch", f"x = torch.arange(6); y = {comment}", FENCE) == found
    )


@pytest.mark.parametrize(("last", "truth"), [("epoch 4 loss 0.0625", "true"), ("epoch 4 loss 0.0626", "false")])
def test_an_output_cut_short_with_an_ellipsis_line_is_its_first_and_last_lines(
    runner: Runner, tmp_path: Path, last: str, truth: str
) -> None:
    code = ("```python", "for epoch in range(5):", "    print(f'epoch {epoch} loss {1 / 2 ** epoch:.4f}')", FENCE, "")
    output = ("Output:", "", FENCE, "epoch 0 loss 1.0000", "...", last, FENCE)
    assert verdicts(runner, tmp_path, *code, *output) == {9: truth}


def test_what_a_shell_command_in_a_cell_printed_is_unverifiable(runner: Runner, tmp_path: Path) -> None:
    from nbformat import v4

    smi = v4.new_output("stream", name="stdout", text="| NVIDIA-SMI 535.104.05  CUDA Version: 12.2 |\n")  # type: ignore[no-untyped-call]
    cell = v4.new_code_cell("#@title Check the GPU\n!nvidia-smi", outputs=[smi])  # type: ignore[no-untyped-call]
    claims = audit_note(_notebook(tmp_path, cell), runner, timeout=30).claims
    assert [(TRUTH[c.status], "shell command" in c.reason) for c in claims] == [("unverifiable", True)]


@pytest.mark.parametrize(("condition", "truth"), [("len(x) == 3", "true"), ("len(x) == 4", "false")])
def test_an_assert_at_the_top_of_a_block_claims_its_condition_holds(
    runner: Runner, tmp_path: Path, condition: str, truth: str
) -> None:
    code = ("```python", "import torch", "x = torch.ones(3)", f"assert {condition}", "print(x.sum())  # tensor(3.)")
    found = verdicts(runner, tmp_path, *code, FENCE)
    assert found == {4: truth, 5: "true" if truth == "true" else "blocked"}  # a failing assert stops the block


@pytest.mark.parametrize(
    ("said", "found"),
    [
        ("`torch.tensor([1, 2]).dtype` is `torch.int64`, not int32.", {1: "true"}),  # no code above: torch by name
        ("`torch.tensor([1, 2]).dtype` is `torch.int32` on every machine.", {1: "false"}),
        ("`torch.ones(2, 3).T.view(6)` blows up with a `RuntimeError`.", {1: "true"}),
        ("`torch.ones(2, 3).view(6)` blows up with a `RuntimeError`.", {1: "false"}),
        ("`loss` is `nn.MSELoss()` here.", {}),  # a name: what it is for, not a value said
    ],
)
def test_a_one_line_note_in_prose_is_judged_without_code_above(
    runner: Runner, tmp_path: Path, said: str, found: dict[int, str]
) -> None:
    assert verdicts(runner, tmp_path, said) == found


def _quiz(answer_two: str) -> tuple[str, ...]:
    return (
        "### 1. Warm-up",  # 1
        "",
        "```python",
        "import torch",
        "print(torch.ones(2) * 2)",
        FENCE,
        "",
        "### 2. In-place on a leaf",  # 8
        "",
        "```python",
        "import torch",
        "w = torch.ones(1, requires_grad=True)",
        "w += 1",
        "print(w)",
        FENCE,
        "",
        "## Answers",  # 17
        "",
        "**1.** `tensor([2., 2.])`: each one doubled.",  # 19
        "",
        f"**2.** {answer_two}",  # 21
    )


@pytest.mark.parametrize(
    ("answer", "found"),
    [
        (
            "It raises: `RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.`",
            "true",
        ),
        # It raises before it prints: the answer's output is not reached (the audit says "blocked", with the error).
        ("`tensor([2.], requires_grad=True)`: the leaf is updated.", "blocked"),
    ],
)
def test_a_quizs_answers_at_the_end_are_the_claims_of_the_snippets_they_number(
    runner: Runner, tmp_path: Path, answer: str, found: str
) -> None:
    assert verdicts(runner, tmp_path, *_quiz(answer)) == {19: "true", 21: found}


@pytest.mark.parametrize(("value", "truth"), [("torch.Size([3, 4])", "true"), ("torch.Size([4, 3])", "false")])
def test_a_bracketed_output_label_in_a_comment(runner: Runner, tmp_path: Path, value: str, truth: str) -> None:
    code = ("```python", "import torch", "print((torch.ones(3, 1) + torch.ones(1, 4)).shape)", f"# 【输出】{value}")
    assert verdicts(runner, tmp_path, *code, FENCE) == {4: truth}


def test_cells_in_one_fence_run_as_a_notebook_runs_them(runner: Runner, tmp_path: Path) -> None:
    rows = (
        "```python",
        "#%% setup",
        "import torch",
        "x = torch.ones(2, 3)",
        "#%% an error stops only its own cell",
        "# 这样会报错：",
        "# RuntimeError: The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1",
        "y = x + torch.ones(3, 2)",
        "#%% the next cell still runs, on the first cell's x",
        "print(x.sum())  # tensor(6.)",
        "print(x.shape)  # torch.Size([3, 2])",
        FENCE,
    )
    assert verdicts(runner, tmp_path, *rows) == {6: "true", 10: "true", 11: "false"}


@pytest.mark.parametrize(("first", "truth"), [("epoch 0 loss 8.0000", "true"), ("epoch 0 loss 7.0000", "false")])
def test_an_output_splits_among_prints_in_a_loop_when_each_print_there_printed_once(
    runner: Runner, tmp_path: Path, first: str, truth: str
) -> None:
    code = (
        "```python",
        "import torch",
        "w = torch.tensor(2.0)",
        "for epoch in range(3):",
        "    if epoch == 0:",
        "        print(f'epoch 0 loss {(w ** 3).item():.4f}')",
        "print('done', w)",
        FENCE,
        "",
    )
    assert verdicts(runner, tmp_path, *code, FENCE, first, "done tensor(2.)", FENCE) == {11: truth, 12: "true"}


@pytest.mark.parametrize(("shown", "truth"), [("Out[2]: tensor(15)", "true"), ("Out[2]: tensor(16)", "false")])
def test_prompts_pasted_as_text_around_indented_code(runner: Runner, tmp_path: Path, shown: str, truth: str) -> None:
    rows = ("In [1]:", "", "    import torch", "    a = torch.arange(6)", "", "In [2]:", "", "    a.sum()", "", shown)
    assert verdicts(runner, tmp_path, *rows) == {10: truth}


_WARNS = "import warnings\nwarnings.warn('Using a target size that is different to the input size.')\nprint(1)"


@pytest.mark.parametrize(
    ("stderr", "truth"),
    [
        ("/home/lena/lib/loss.py:610: UserWarning: Using a target size that is different to the input size.\n", "true"),
        ("/home/lena/lib/loss.py:610: UserWarning: Using a target size that differs from the input size.\n", "drifted"),
        ("/home/lena/lib/loss.py:610: DeprecationWarning: Using a target size that is different.\n", "false"),
        ("100%|██████████| 170M/170M [00:06<00:00, 27.4MB/s]\n", "unverifiable"),  # a progress bar: the author's run
    ],
)
def test_what_a_cell_wrote_to_stderr_is_claimed_warning_by_warning(
    runner: Runner, tmp_path: Path, stderr: str, truth: str
) -> None:
    from nbformat import v4

    outputs = [
        v4.new_output("stream", name="stderr", text=stderr),  # type: ignore[no-untyped-call]
        v4.new_output("stream", name="stdout", text="1\n"),  # type: ignore[no-untyped-call]
    ]
    cell = v4.new_code_cell(_WARNS, outputs=outputs)  # type: ignore[no-untyped-call]
    cell.execution_count = 1
    claims = audit_note(_notebook(tmp_path, cell), runner, timeout=30).claims
    assert [(c.lines[0], TRUTH[c.status]) for c in claims] == [(15000, truth), (15001, "true")]


def test_a_table_row_of_uninitialised_memory_is_unverifiable(runner: Runner, tmp_path: Path) -> None:
    rows = (
        "| 表达式 | 结果 |",
        "| --- | --- |",
        "| `torch.empty(2, dtype=torch.int32)` | `tensor([0, 0], dtype=torch.int32)` |",
    )
    assert verdicts(runner, tmp_path, "```python", "import torch", FENCE, "", *rows) == {7: "unverifiable"}


@pytest.mark.parametrize(("shape", "truth"), [("[3, 32, 32]", "true"), ("[3, 28, 28]", "false")])
def test_a_shape_claimed_on_a_dataset_stand_in_is_judged_for_the_stand_in_has_the_real_form(
    runner: Runner, tmp_path: Path, shape: str, truth: str
) -> None:
    code = (
        "```python",
        "import torchvision",
        "from torchvision.transforms import ToTensor",
        "ds = torchvision.datasets.CIFAR10('./data', download=True, transform=ToTensor())",
        f"print(ds[0][0].shape)  # torch.Size({shape})",
        "print(ds[0][0][0, 0, 0])  # tensor(0.2314)",  # a pixel the stand-in cannot hold
        FENCE,
    )
    assert verdicts(runner, tmp_path, *code) == {5: truth, 6: "unverifiable"}


@pytest.mark.parametrize(("value", "truth"), [("tensor(14.)", "true"), ("tensor(12.)", "false")])
def test_org_babel_results_under_the_code_are_its_output(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    code = ("```python", "import torch", "x = torch.tensor(2.0, requires_grad=True)", "(x ** 3 + 2 * x).backward()")
    assert verdicts(runner, tmp_path, *code, "print(x.grad)", FENCE, "", "#+RESULTS:", f": {value}") == {9: truth}


def test_a_notebook_exports_output_areas_are_the_cells_outputs_a_traceback_split_by_a_blank_line_too(
    runner: Runner, tmp_path: Path
) -> None:
    rows = (
        '<div class="prompt input_prompt">In&nbsp;[1]:</div>',  # 1
        '<div class="input_area">',
        "",
        "``` {.python}",
        "import torch",
        "e = torch.tensor([1, 2, 3]).expand(2, 3)",
        "print(e.stride())",
        "e.add_(1)",
        FENCE,
        "",
        "</div>",  # 11
        '<div class="output_area">',
        "<pre>(0, 1)",  # 13
        "</pre>",
        "</div>",
        '<div class="output_area">',
        '<pre><span class="ansi-red-fg">-------------------------------------------------</span>',  # 17
        '<span class="ansi-red-fg">RuntimeError</span>                Traceback (most recent call last)',
        "",
        '<span class="ansi-red-fg">RuntimeError</span>: unsupported operation: more than one element of the '
        "written-to tensor refers to a single memory location. Please clone() the tensor before performing the "
        "operation.</pre>",  # 20
        "</div>",
    )
    assert verdicts(runner, tmp_path, *rows) == {13: "true", 17: "true"}


@pytest.mark.parametrize(("value", "truth"), [("tensor([2.5000, 3.5000])", "true"), ("tensor([2, 3])", "false")])
def test_code_pasted_as_a_plain_paragraph_and_its_output_below(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ("三、除法", "", "import torch", "print(torch.tensor([5, 7]) / 2)", "", value, "", "先 .float() 再除。")
    assert verdicts(runner, tmp_path, *rows) == {6: truth}


@pytest.mark.parametrize(("value", "truth"), [("torch.Size([8, 10])", "true"), ("torch.Size([8, 12])", "false")])
def test_code_in_a_wikis_pre_lang_python_and_its_output_pre(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ('<pre lang="python">', "import torch", "print(torch.zeros(8, 10).shape)", "</pre>", "", "Output:", "")
    assert verdicts(runner, tmp_path, *rows, "<pre>", value, "</pre>") == {9: truth}


def test_a_module_this_machine_lacks_blocks_only_the_claims_that_use_it(runner: Runner, tmp_path: Path) -> None:
    rows = (
        "```python",
        "import torch",
        "import lightning_not_installed_here as L",
        "print(torch.ones(2).sum())  # tensor(2.)",  # never touches the module: judged
        "print(torch.ones(2).sum())  # tensor(3.)",
        "trainer = L.Trainer(max_epochs=1)",
        "print(trainer.max_epochs)  # 1",  # after the module's first use: the author's installation
        FENCE,
    )
    assert verdicts(runner, tmp_path, *rows) == {4: "true", 5: "false", 7: "unverifiable"}


def test_a_name_an_installed_package_lacks_still_fails_at_its_import(runner: Runner, tmp_path: Path) -> None:
    rows = ("```python", "import torch", "from torchvision import SummaryWriter", "print(1)  # 1", FENCE)
    (block,) = audit_note(_write(tmp_path, rows), runner, timeout=30).blocks
    assert block.error_as_written is not None and block.error_as_written["type"] == "ImportError"


def _write(tmp_path: Path, rows: tuple[str, ...]) -> Path:
    note = tmp_path / "note.md"
    note.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return note

"""Forms read from a tenth batch of other people's notes (as tests/test_more_note_forms.py): WordPress
shortcodes, HTML tables and paragraphs, chat exports, prose that names the code below, a few words before an
arrow, a notebook's expected output beside what the cell stored, and a seed drawn from the OS.

Each form has its case where the claim is right and one where it is wrong (or where nothing is claimed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_note_forms import FENCE, TRUTH, _notebook, verdicts

from harness import Runner
from harness.audit.note_audit import audit_note
from harness.notes.names import random_unseeded
from harness.notes.outputs import chat_header
from harness.notes.records import parse_code

PAIR = [("tensor([2., 2.])", "true"), ("tensor([4., 4.])", "false")]


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_a_wordpress_shortcode_holds_code_and_its_output_escaped(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ('[code language="python"]', "&gt;&gt;&gt; import torch", "&gt;&gt;&gt; torch.ones(2) * 2", value, "[/code]")
    assert verdicts(runner, tmp_path, *rows) == {4: truth}


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_a_plain_shortcode_after_the_code_is_its_output(runner: Runner, tmp_path: Path, value: str, truth: str) -> None:
    rows = ('[sourcecode lang="py"]', "import torch", "print(torch.ones(2) * 2)", "[/sourcecode]", "", "[code]")
    assert verdicts(runner, tmp_path, *rows, value, "[/code]") == {7: truth}


@pytest.mark.parametrize(("kind", "truth"), [("RuntimeError", "true"), ("ValueError", "false")])
def test_a_repl_session_pasted_in_a_pre_is_code_with_its_traceback(
    runner: Runner, tmp_path: Path, kind: str, truth: str
) -> None:
    rows = ("<pre>", "&gt;&gt;&gt; import torch", "&gt;&gt;&gt; torch.ones(2, 3) @ torch.ones(2, 3)")
    rows += ("Traceback (most recent call last):", '  File "&lt;stdin&gt;", line 1, in &lt;module&gt;')
    assert verdicts(runner, tmp_path, *rows, f"{kind}: mat1 and mat2 shapes cannot be multiplied", "</pre>") == {
        4: truth
    }


@pytest.mark.parametrize(("second", "truth"), [("tensor([2., 2.])", "true"), ("tensor([3., 3.])", "false")])
def test_an_html_tables_rows_pair_an_expression_with_its_result(
    runner: Runner, tmp_path: Path, second: str, truth: str
) -> None:
    rows = (
        "```python",
        "import torch",
        FENCE,
        "",
        "<table>",
        "<tr><th>expression</th><th>result</th></tr>",
        "<tr><td><code>torch.ones(2) + 1</code></td><td><code>tensor([2., 2.])</code></td></tr>",
        f"<tr><td><code>torch.ones(2) * 2</code></td><td><code>{second}</code></td></tr>",
        "</table>",
    )
    assert verdicts(runner, tmp_path, *rows) == {7: "true", 8: truth}


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_inline_code_in_an_html_paragraph_is_read_as_inline_code(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ("```python", "import torch", "x = torch.ones(2)", FENCE, "")
    rows += (f"<p>Now <code>x * 2</code> gives <code>{value}</code> on a current version.</p>",)
    assert verdicts(runner, tmp_path, *rows) == {6: truth}


@pytest.mark.parametrize(
    ("line", "header"),
    [
        ("[19-Feb-24 07:42 PM] marcus.dev", True),
        ("**mika** 10:48 AM", True),
        ("Ada Lovelace 10:30", True),
        ("lin.w — Today at 10:51", True),
        ("Epoch 1 took 10:48 min", False),
        ("at 10:30 we meet", False),
        ("12:30", False),
    ],
)
def test_a_chat_header_names_who_wrote_and_when(line: str, header: bool) -> None:
    assert chat_header(line) is header


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_a_chat_reply_under_its_header_says_what_the_code_printed(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ("```python", "import torch", "print(torch.ones(2) * 2)", FENCE, "", "[19-Feb-24 07:42 PM] marcus.dev")
    assert verdicts(runner, tmp_path, *rows, f"not odd at all. it prints `{value}`, as it should") == {7: truth}


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_a_chat_reply_that_labels_an_output_fence_is_its_label(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ("```python", "import torch", "print(torch.ones(2) * 2)", FENCE, "", "**mika** 10:48 AM")
    assert verdicts(runner, tmp_path, *rows, "no, I just ran it. output is", "", FENCE, value, FENCE) == {10: truth}


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_what_i_get_said_later_in_the_sentence_is_the_output(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ("```python", "import torch", "print(torch.ones(2) * 2)", FENCE, "")
    assert verdicts(runner, tmp_path, *rows, f"nope, it doubles, I get `{value}` every time.") == {6: truth}


@pytest.mark.parametrize(("call", "truth"), [("t.add_(t2)", "true"), ("t2.add_(t)", "false")])
def test_a_sentence_that_names_what_the_code_below_does_and_says_it_raises_claims_so(
    runner: Runner, tmp_path: Path, call: str, truth: str
) -> None:
    said = f"In-place ops do not grow their target. So `{call}` with `t` of shape `(3,)` raises a RuntimeError."
    rows = (said, "", "```python", "import torch", "t = torch.zeros(3)", "t2 = torch.ones(3, 3)", call, FENCE)
    assert verdicts(runner, tmp_path, *rows) == {1: truth}


def test_a_method_named_alone_is_no_line_of_the_code_below(runner: Runner, tmp_path: Path) -> None:
    rows = ("An int64 tensor's `mean()` raises an error, so cast first.", "", "```python", "import torch")
    assert verdicts(runner, tmp_path, *rows, "print(torch.arange(3).float().mean())", FENCE) == {}


@pytest.mark.parametrize(("value", "truth"), [("tensor([ 2,  6, 10])", "true"), ("tensor([ 2,  6, 11])", "false")])
@pytest.mark.parametrize("words", ["third column  ->", "lấy cột thứ ba ->", "the column:"])
def test_a_few_words_before_an_arrow_or_a_colon_name_the_value_after_it(
    runner: Runner, tmp_path: Path, words: str, value: str, truth: str
) -> None:
    rows = ("```python", "import torch", "x = torch.arange(12).reshape(3, 4)", f"print(x[:, 2])  # {words} {value}")
    assert verdicts(runner, tmp_path, *rows, FENCE) == {4: truth}


def test_working_before_an_arrow_is_no_label(runner: Runner, tmp_path: Path) -> None:
    rows = ("```python", "import torch", "# matmul broadcasts: (2, 3) @ (3,) -> (2,)")
    assert verdicts(runner, tmp_path, *rows, "y = torch.ones(2, 3) @ torch.ones(3)", FENCE) == {}


@pytest.mark.parametrize(("said", "truth"), [("82", "true"), ("80", "false")])
def test_a_notebooks_expected_output_is_judged_beside_what_the_cell_stored(
    runner: Runner, tmp_path: Path, said: str, truth: str
) -> None:
    from nbformat import v4

    stored = v4.new_output("execute_result", data={"text/plain": "82"}, execution_count=1)  # type: ignore[no-untyped-call]
    code = "import torch\nm = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Linear(16, 2))\n"
    cells = (
        v4.new_markdown_cell(f"## Model\n\n**Expected output:** `{said}` trainable parameters."),  # type: ignore[no-untyped-call]
        v4.new_code_cell(code + "sum(p.numel() for p in m.parameters())", outputs=[stored], execution_count=1),  # type: ignore[no-untyped-call]
    )
    claims = audit_note(_notebook(tmp_path, *cells), runner, timeout=30).claims
    assert {claim.line: TRUTH[claim.status] for claim in claims} == {10003: truth, 25000: "true"}


@pytest.mark.parametrize(
    ("code", "unseeded"),
    [
        ("import torch\ntorch.seed()\nx = torch.randn(2)", True),
        ("import random\nrandom.seed()\nx = random.random()", True),
        ("import torch\ntorch.manual_seed(0)\nx = torch.randn(2)", False),
        ("import random\nrandom.seed(3)\nx = random.random()", False),
    ],
)
def test_a_seed_drawn_from_the_os_leaves_what_follows_unseeded(code: str, unseeded: bool) -> None:
    import ast

    tree = parse_code(code)
    assert tree is not None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    assert random_unseeded(code, calls) is unseeded


@pytest.mark.parametrize(("said", "truth"), [("Writing train.py", "true"), ("Writing model.py", "false")])
def test_a_writefile_cell_writes_its_body_and_says_so_without_running_it(
    runner: Runner, tmp_path: Path, said: str, truth: str
) -> None:
    from nbformat import v4

    stored = v4.new_output("stream", name="stdout", text=said + "\n")  # type: ignore[no-untyped-call]
    body = "%%writefile train.py\nimport torch\nprint(torch.cuda.is_available())\nprint(torch.ones(2))\n"
    check = "print(open('train.py').read().count('print'))"
    shown = v4.new_output("stream", name="stdout", text="2\n")  # type: ignore[no-untyped-call]
    cells = (
        v4.new_code_cell(body, outputs=[stored], execution_count=1),  # type: ignore[no-untyped-call]
        v4.new_code_cell(check, outputs=[shown], execution_count=2),  # type: ignore[no-untyped-call]
    )
    claims = audit_note(_notebook(tmp_path, *cells), runner, timeout=30).claims
    assert {claim.line: TRUTH[claim.status] for claim in claims} == {15000: truth, 25000: "true"}


def test_a_cell_that_needs_the_authors_gpu_is_unverifiable_on_a_machine_without_one(
    runner: Runner, tmp_path: Path
) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device: the cell runs")
    from nbformat import v4

    shown = v4.new_output("execute_result", data={"text/plain": "device(type='cuda', index=0)"}, execution_count=1)  # type: ignore[no-untyped-call]
    cell = v4.new_code_cell(
        "import torch\nx = torch.ones(2, device='cuda')\nx.device", outputs=[shown], execution_count=1
    )  # type: ignore[no-untyped-call]
    (claim,) = audit_note(_notebook(tmp_path, cell), runner, timeout=30).claims
    assert TRUTH[claim.status] == "unverifiable" and "CUDA device" in claim.reason


@pytest.mark.parametrize(("value", "truth"), [("torch.int64", "true"), ("torch.int32", "false")])
def test_an_assignments_comment_that_is_a_dtype_is_the_value_assigned(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ("```python", "import torch", f"dt = torch.tensor([1, 2]).dtype  # {value}", "print(dt)", FENCE)
    assert verdicts(runner, tmp_path, *rows) == {3: truth}


@pytest.mark.parametrize(("value", "truth"), [("torch.Size([4, 3])", "true"), ("torch.Size([3, 4])", "false")])
def test_words_in_quotes_before_a_colon_name_the_value_after_it(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = (
        "```python",
        "import torch",
        "x = torch.arange(12)",
        f'print(x.reshape(-1, 3).shape)  # -1 means "infer": {value}',
    )
    assert verdicts(runner, tmp_path, *rows, FENCE) == {4: truth}


@pytest.mark.parametrize(("kind", "truth"), [("RuntimeError", "true"), ("ValueError", "false")])
@pytest.mark.parametrize("label", ["Thông báo lỗi mình nhận được:", "Die Fehlermeldung:", "Komunikat błędu:"])
def test_an_error_said_in_words_above_its_pasted_traceback_is_judged_with_it(
    runner: Runner, tmp_path: Path, label: str, kind: str, truth: str
) -> None:
    code = ("```python", "import torch", "torch.ones(2, 3) @ torch.ones(2, 3)", FENCE, "")
    said = (
        f"This line raises a `{kind}`.",
        label,
        "",
        FENCE,
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied",
    )
    assert verdicts(runner, tmp_path, *code, *said, FENCE) == {6: truth, 10: "true"}


def test_code_passed_as_an_argument_is_no_variant_that_raises(runner: Runner, tmp_path: Path) -> None:
    rows = ("```python", "import torch", "import torch.nn.functional as F", "print(F.one_hot(torch.tensor([0, 2]), 3))")
    said = "Careful: it takes int64 labels only; passing `torch.tensor([0., 2.])` raises a `RuntimeError`."
    assert verdicts(runner, tmp_path, *rows, FENCE, "", said) == {}


@pytest.mark.parametrize(
    ("first", "truth"),
    [("from featurizer_of_the_author import make_bias", "unverifiable"), ("int('x')", "false")],
)
def test_an_error_claimed_where_the_authors_module_was_missing_first_is_unverifiable(
    runner: Runner, tmp_path: Path, first: str, truth: str
) -> None:
    code = ("```python", "import torch", first, "torch.ones(3).expand(2, 3).add_(1)", FENCE, "", FENCE)
    error = "RuntimeError: unsupported operation: more than one element of the written-to tensor refers to a single"
    assert verdicts(runner, tmp_path, *code, error, FENCE) == {8: truth}

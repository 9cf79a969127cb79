"""More forms real notes are written in (as tests/test_note_forms.py): labels in other languages, a listing's
caption, scripts run further down a README, arrows in a thread, a result said on one line, a memory address.

Each form has its case where the claim is right and one where it is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_note_forms import FENCE, TRUTH, _notebook, verdicts

from harness import Runner
from harness.audit.note_audit import audit_note

CODE = ("```python", "import torch", "print(torch.ones(2) * 2)", FENCE)


@pytest.mark.parametrize(
    "label",
    [
        "출력:",
        "実行結果",
        "Salida:",
        "Sortie :",
        "Saída:",
        "Ausgabe:",
        "Вывод:",
        "Kết quả:",
        "Çıktı:",
        "Wynik:",
        "Uscita:",
        "Risultato:",
        "Uitvoer:",
        "Hasil:",
        "الناتج:",
        "Utdata:",
        "Resultat:",
        "Výstup:",
        "Kimenet:",
        "ผลลัพธ์:",
        "आउटपुट:",
    ],
)
@pytest.mark.parametrize(("value", "truth"), [("tensor([2., 2.])", "true"), ("tensor([4., 4.])", "false")])
def test_an_output_labelled_in_another_language_is_the_codes(
    runner: Runner, tmp_path: Path, label: str, value: str, truth: str
) -> None:
    assert verdicts(runner, tmp_path, *CODE, "", label, "", FENCE, value, FENCE) == {9: truth}


def test_a_label_in_no_language_of_output_is_no_label(runner: Runner, tmp_path: Path) -> None:
    assert verdicts(runner, tmp_path, *CODE, "", "Ejercicio:", "", FENCE, "tensor([2., 2.])", FENCE) == {}


@pytest.mark.parametrize(
    ("said", "statement", "truth"),
    [
        ("Esto da error, porque `out` no es un escalar.", "out.backward()", "true"),
        ("에러가 발생합니다.", "out.backward()", "true"),
        ("Die Zeile wirft einen Fehler.", "out.backward()", "true"),
        ("Здесь получим ошибку.", "out.backward()", "true"),
        ("Isso gera um erro.", "out.backward()", "true"),
        ("Esto da error, porque `out` no es un escalar.", "out.sum().backward()", "false"),
        ("Dòng này sẽ báo lỗi.", "out.backward()", "true"),
        ("Bu satır hata verir.", "out.backward()", "true"),
        ("Ta linia rzuca błąd.", "out.backward()", "true"),
        ("Questo genera un errore.", "out.backward()", "true"),
        ("Questo genera un errore.", "out.sum().backward()", "false"),
        ("Deze regel geeft een fout.", "out.backward()", "true"),
        ("Baris ini akan error.", "out.backward()", "true"),
        ("هذا السطر سيظهر خطأ.", "out.backward()", "true"),
        ("Baris ini akan error.", "out.sum().backward()", "false"),
        ("Den här raden ger ett fel.", "out.backward()", "true"),
        ("Denne linjen gir en feil.", "out.backward()", "true"),
        ("Den här raden ger ett fel.", "out.sum().backward()", "false"),
        ("Tento řádek vyhodí chybu.", "out.backward()", "true"),
        ("Ez a sor hibát dob.", "out.backward()", "true"),
        ("บรรทัดนี้จะเกิด error", "out.backward()", "true"),
        ("Tento řádek vyhodí chybu.", "out.sum().backward()", "false"),
    ],
)
def test_an_error_said_in_another_language_after_the_block_is_its_claim(
    runner: Runner, tmp_path: Path, said: str, statement: str, truth: str
) -> None:
    code = ("```python", "import torch", "v = torch.ones(2, requires_grad=True)", "out = v * 2", statement, FENCE)
    assert verdicts(runner, tmp_path, *code, "", said) == {8: truth}


@pytest.mark.parametrize(("value", "truth"), [("tensor([2., 2.])", "true"), ("tensor([4., 4.])", "false")])
def test_a_listings_caption_between_the_code_and_its_output_is_layout(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    between = ("", "Listing 3.1: Doubling a tensor.", "", "The output is", "")
    assert verdicts(runner, tmp_path, *CODE, *between, FENCE, value, FENCE) == {11: truth}


def _readme(*runs: str) -> tuple[str, ...]:
    # A homework README: each script shown under its file name, the expected runs further down.
    q1 = ("**q1.py**: doubling.", "", "```python", "import torch", "print(torch.ones(2) * 2)", FENCE)
    q2 = ("**q2.py**: a wrong view.", "", "```python", "import torch", "torch.ones(6).view(4, 2)", FENCE)
    return (*q1, "", *q2, "", "## Expected behaviour", "", *runs)


@pytest.mark.parametrize(("value", "truth"), [("tensor([2., 2.])", "true"), ("tensor([3., 3.])", "false")])
def test_a_scripts_run_further_down_the_note_claims_what_that_script_prints(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    separate = (FENCE, "$ python q1.py", FENCE, FENCE, value, FENCE)  # the output in a fence of its own
    assert verdicts(runner, tmp_path, *_readme(*separate)) == {21: truth}
    together = (FENCE, "$ python q2.py", "RuntimeError: shape '[4, 2]' is invalid for input of size 6", FENCE)
    assert verdicts(runner, tmp_path, *_readme(*together)) == {19: "true"}


def test_a_run_of_a_script_the_note_never_shows_claims_nothing(runner: Runner, tmp_path: Path) -> None:
    assert verdicts(runner, tmp_path, *_readme(FENCE, "$ python q3.py", "tensor([2., 2.])", FENCE)) == {}


@pytest.mark.parametrize(
    ("said", "truth"),
    [
        ("`torch.tensor([1, 2]).dtype` → `torch.int64`", "true"),
        ("`torch.tensor([5, -5]) // 2` → `tensor([ 2, -2])`", "false"),
    ],
)
def test_an_expression_and_its_value_after_an_arrow_in_prose(
    runner: Runner, tmp_path: Path, said: str, truth: str
) -> None:
    assert verdicts(runner, tmp_path, "**2/**", f"Python ints become int64: {said}.") == {1: truth}


@pytest.mark.parametrize(("claimed", "truth"), [("65504", "drifted"), ("65505", "false")])
def test_a_float_written_as_an_int_is_written_short(runner: Runner, tmp_path: Path, claimed: str, truth: str) -> None:
    rows = ("```python", "import torch", f"print(torch.finfo(torch.float16).max)  # {claimed}", FENCE)
    assert verdicts(runner, tmp_path, *rows) == {3: truth}


@pytest.mark.parametrize(
    ("shown", "result", "truth"),
    [
        ("x[3]", "结果：IndexError: index 3 is out of bounds for dimension 0 with size 3", "true"),
        ("x[3]", "结果：IndexError: index 9 is out of bounds for dimension 0 with size 3", "drifted"),
        ("x[2]", "Result: tensor(2)", "true"),
        ("x[2]", "Result: tensor(5)", "false"),
    ],
)
def test_a_line_that_only_labels_a_result_claims_it(
    runner: Runner, tmp_path: Path, shown: str, result: str, truth: str
) -> None:
    code = ("```python", ">>> import torch", ">>> x = torch.arange(3)", f">>> {shown}", FENCE)
    assert verdicts(runner, tmp_path, *code, "", result) == {7: truth}


@pytest.mark.parametrize(
    ("shown", "found"), [("x.data_ptr()", {7: "unverifiable"}), ("x.data_ptr() == x[0:].data_ptr()", {7: "true"})]
)
def test_a_memory_address_shown_alone_is_unverifiable_compared_it_is_judged(
    runner: Runner, tmp_path: Path, shown: str, found: dict[int, str]
) -> None:
    said = "94813470625344" if shown == "x.data_ptr()" else "True"
    code = ("```python", ">>> import torch", ">>> x = torch.arange(3)", f">>> {shown}", FENCE)
    assert verdicts(runner, tmp_path, *code, "", f"结果：{said}") == found


@pytest.mark.parametrize(("code", "truth"), [("x.view(3, 3)", "true"), ("x.view(3, 2)", "false")])
def test_a_nested_list_item_that_says_the_fence_below_it_raises(
    runner: Runner, tmp_path: Path, code: str, truth: str
) -> None:
    rows = (
        "```python",
        "import torch",
        "x = torch.arange(6)",
        FENCE,
        "",
        "- view",
        "    - `x.view(-1)` keeps the data",
        "    - 元素个数必须对得上，这样会报错：",
        "      ```python",
        f"      {code}",
        "      ```",
    )
    assert verdicts(runner, tmp_path, *rows)[8] == truth


@pytest.mark.parametrize(("said", "truth"), [("tensor([2., 2.])", "true"), ("tensor([3., 3.])", "false")])
def test_a_markdown_cell_labels_the_expected_output_in_a_fence_below(
    runner: Runner, tmp_path: Path, said: str, truth: str
) -> None:
    from nbformat import v4

    prose = v4.new_markdown_cell(f"## Doubler\n\nSortie attendue :\n\n```\n{said}\n```")  # type: ignore[no-untyped-call]
    code = v4.new_code_cell("import torch\nprint(torch.ones(2) * 2)")  # type: ignore[no-untyped-call]
    claims = audit_note(_notebook(tmp_path, prose, code), runner, timeout=30).claims
    assert [(c.lines[0], TRUTH[c.status]) for c in claims] == [(10006, truth)]


def _listing(*code: str) -> tuple[str, ...]:
    # A listing copied from a book with its line numbers, then the book's output box.
    return ("**Listing 4.1** Doubling", "", FENCE, *(f"{n}  {line}".rstrip() for n, line in enumerate(code, 1)), FENCE)


@pytest.mark.parametrize(("value", "truth"), [("tensor([2., 2.])", "true"), ("tensor([4., 4.])", "false")])
def test_a_listing_with_its_line_numbers_runs_without_them_and_a_labelled_quote_is_its_output(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = _listing("import torch", "", "x = torch.ones(2)", "print(x * 2)")
    assert verdicts(runner, tmp_path, *rows, "", "> **Output**", f"> {value}") == {11: truth}


def test_a_log_whose_lines_start_with_a_number_is_no_listing(runner: Runner, tmp_path: Path) -> None:
    code = ("```python", "import torch", "for step in range(3):", "    print(step, torch.ones(1) * step)", FENCE)
    log = ("0 tensor([0.])", "1 tensor([1.])", "2 tensor([3.])")  # the last is wrong
    assert verdicts(runner, tmp_path, *code, "", "Output:", "", FENCE, *log, FENCE) == {10: "false"}


@pytest.mark.parametrize(("value", "truth"), [("## tensor([2., 2.])", "true"), ("## tensor([4., 4.])", "false")])
@pytest.mark.parametrize("chunk", ["```{python}", "```{python, echo=FALSE}"])
def test_an_r_markdown_python_chunk_is_python_and_knitrs_output_its_claim(
    runner: Runner, tmp_path: Path, chunk: str, value: str, truth: str
) -> None:
    assert verdicts(runner, tmp_path, chunk, *CODE[1:], "", FENCE, value, FENCE) == {7: truth}


@pytest.mark.parametrize(("value", "truth"), [("tensor([2., 2.])", "true"), ("tensor([4., 4.])", "false")])
def test_a_myst_admonition_titled_output_holds_the_output(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    cell = ("```{code-cell} ipython3", *CODE[1:])
    assert verdicts(runner, tmp_path, *cell, "", "```{admonition} Output", value, FENCE) == {7: truth}


@pytest.mark.parametrize(("scale", "truth"), [("v * 2", "true"), ("(v * 2).sum()", "false")])
def test_code_spans_written_one_after_another_run_as_the_variant_that_raises(
    runner: Runner, tmp_path: Path, scale: str, truth: str
) -> None:
    rows = ("```python", "import torch", "print(torch.ones(1))  # tensor([1.])", FENCE, "")
    said = f"Take `v = torch.ones(3, requires_grad=True)`, `out = {scale}`: `out.backward()` raises a RuntimeError."
    assert verdicts(runner, tmp_path, *rows, said) == {3: "true", 6: truth}


@pytest.mark.parametrize(("shape", "truth"), [("torch.Size([4, 2])", "true"), ("torch.Size([2, 4])", "false")])
def test_ipythons_timings_are_left_out_of_a_timed_cells_output(
    runner: Runner, tmp_path: Path, shape: str, truth: str
) -> None:
    from nbformat import v4

    timing = "CPU times: user 201 µs, sys: 12 µs, total: 213 µs\nWall time: 218 µs\n"
    stream = v4.new_output("stream", name="stdout", text=f"{timing}{shape}\n")  # type: ignore[no-untyped-call]
    code = v4.new_code_cell("import torch\n%time y = torch.ones(4, 2)\nprint(y.shape)", outputs=[stream])  # type: ignore[no-untyped-call]
    code.execution_count = 1
    claims = audit_note(_notebook(tmp_path, code), runner, timeout=30).claims
    assert [(c.lines[0], TRUTH[c.status]) for c in claims] == [(15000, truth)]


def test_a_displayed_gpu_name_is_the_authors_machine(runner: Runner, tmp_path: Path) -> None:
    from nbformat import v4

    shown = v4.new_output("execute_result", data={"text/plain": "'NVIDIA GeForce RTX 3060'"}, execution_count=1)  # type: ignore[no-untyped-call]
    code = v4.new_code_cell("import torch\ntorch.cuda.get_device_name(0)", outputs=[shown])  # type: ignore[no-untyped-call]
    code.execution_count = 1
    claims = audit_note(_notebook(tmp_path, code), runner, timeout=30).claims
    assert [(c.lines[0], TRUTH[c.status]) for c in claims] == [(15000, "unverifiable")]


@pytest.mark.parametrize(("said", "truth"), [("tensor(3.)", "true"), ("tensor(2.)", "false")])
def test_a_value_said_of_code_that_prints_nothing_is_its_last_assignments(
    runner: Runner, tmp_path: Path, said: str, truth: str
) -> None:
    code = ("```python", "import torch", "total = torch.ones(3).sum()", FENCE)
    assert verdicts(runner, tmp_path, *code, "", f"可以看到结果是 `{said}`。") == {6: truth}


@pytest.mark.parametrize(
    ("cell", "truth"),
    [("raises `RuntimeError`", "true"), ("raises `IndexError`", "false"), ("`tensor(2.)`", "false")],
)
def test_a_table_cell_that_names_the_error_the_expression_raises(
    runner: Runner, tmp_path: Path, cell: str, truth: str
) -> None:
    rows = ("| Expression | Result |", "|---|---|", f"| `torch.tensor([1, 2, 3]).mean()` | {cell} |")
    assert verdicts(runner, tmp_path, *rows) == {3: truth}


@pytest.mark.parametrize(("shape", "truth"), [("(5, 3)", "true"), ("(5, 4)", "false")])
def test_a_variant_said_to_give_an_error_line(runner: Runner, tmp_path: Path, shape: str, truth: str) -> None:
    code = ("```python", "import torch", "model = torch.nn.Linear(4, 8)", FENCE, "")
    error = "RuntimeError: mat1 and mat2 shapes cannot be multiplied (5x3 and 4x8)"
    said = f"A wrong feature size: `model(torch.zeros{shape})` gives `{error}`"
    assert verdicts(runner, tmp_path, *code, said) == {6: truth}


@pytest.mark.parametrize(("row", "truth"), [(" 2", "drifted"), (" 3", "false")])
def test_an_output_of_two_prints_splits_around_old_reprs_headed_containing(
    runner: Runner, tmp_path: Path, row: str, truth: str
) -> None:
    code = ("```python", "import torch", "print(torch.nn.Parameter(torch.ones(2)))", "print(torch.ones(2) * 2)", FENCE)
    shown = ("Parameter containing:", "tensor([1., 1.], requires_grad=True)", "Variable containing:", " 2", row)
    output = (*shown, "[torch.FloatTensor of size 2]")
    assert verdicts(runner, tmp_path, *code, "", "Output:", "", FENCE, *output, FENCE) == {10: "true", 12: truth}

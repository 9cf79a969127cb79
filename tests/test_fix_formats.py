# mypy: disallow-untyped-calls=False
"""`fix` and `init` beyond markdown python fences: notebooks (.ipynb) and REPL transcripts (`>>>`, `In [1]:`).

A notebook's fixes go into its cells' `source` and nothing else of the file changes; a transcript's fixes keep its
prompts, and a line they add gets the prompt that makes it code; a spec written from either finds its block again
(a cell by number, a transcript without its prompts) and runs it as the audit did.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from harness import Runner, Status, load_specs
from harness.audit.edits import Edit, apply_edits
from harness.audit.note_audit import NoteAudit, audit_note
from harness.audit.notebook_patch import patch_notebook
from harness.audit.patch import patch_note
from harness.audit.specwriter import write_specs
from harness.cli.main import main
from harness.errors import NoteError, SpecError
from harness.judge.outcome import Location, Outcome
from harness.notes.document import blocks, code_hash
from harness.notes.notebook import CELL_LINES, cell_code
from harness.notes.transcript import read_transcript
from harness.sandbox.capture import CELL_HOOK
from harness.specs.loading import load_spec

REAL = Path(__file__).parent / "notes" / "real"


def note(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def fence_code(text: str) -> str:
    (block,) = blocks(text)
    return block.code


def transcript_fixed(text: str, edits: list[Edit]) -> str:
    """The transcript's block, patched, as the project reads it back: its code without prompts."""
    return read_transcript(fence_code(patch_note(text, {blocks(text)[0].line: edits})))[0]


# -- transcripts: the prompts stay, an added line gets one ------------------------------------------------------------

SESSION = note(
    """
    # Sums

    ```pycon
    >>> x = torch.ones(2)
    >>> x.sum()
    tensor(2.)
    ```
    """
)


def test_an_inserted_transcript_line_gets_a_prompt() -> None:
    fixed = patch_note(SESSION, {3: [Edit(1, "", "import torch", insert=True)]})
    assert fixed == SESSION.replace(">>> x = torch", ">>> import torch\n>>> x = torch")
    assert transcript_fixed(SESSION, [Edit(1, "", "import torch", insert=True)]).startswith("import torch\n")


def test_an_inserted_line_keeps_the_transcripts_indentation_and_its_container() -> None:
    text = note(
        """
        1. In the interpreter:

           ```pycon
             >>> x = torch.ones(2)
             >>> x.sum()
             tensor(2.)
           ```
        """
    )
    fixed = patch_note(text, {3: [Edit(1, "", "import torch", insert=True)]})
    assert "\n     >>> import torch\n     >>> x = torch.ones(2)\n" in fixed


def test_an_insertion_before_a_continuation_gets_dots_and_keeps_its_indentation() -> None:
    text = note(
        """
        ```pycon
        >>> for i in range(2):
        ...     y = torch.zeros(i)
        ...     print(y.shape)
        torch.Size([0])
        torch.Size([1])
        ```
        """
    )
    code = read_transcript(fence_code(text))[0]
    edits = [Edit(2, "", "    import torch", insert=True), Edit(3, "print(y.shape)", "print(y.size())")]
    fixed = patch_note(text, {1: edits})
    assert "\n...     import torch\n...     y = torch.zeros(i)\n...     print(y.size())\ntorch.Size([0])\n" in fixed
    assert transcript_fixed(text, edits) == apply_edits(code, edits)  # the code read back is the fixed code


def test_an_insertion_never_comes_between_an_example_and_its_output() -> None:
    fixed = patch_note(SESSION, {3: [Edit(3, "", "y = x * 2", insert=True)]})
    assert ">>> x.sum()\ntensor(2.)\n>>> y = x * 2\n```" in fixed  # the output stays the sum's


def test_a_blank_code_line_that_is_an_output_is_neither_removed_nor_overwritten() -> None:
    fixed = patch_note(SESSION, {3: [Edit(3, "", ""), Edit(3, "", "y = 1")]})
    assert ">>> x.sum()\ntensor(2.)\n>>> y = 1\n" in fixed


def test_ipython_prompts() -> None:
    text = note(
        """
        ```ipython
        In [1]: def f():
           ...:     return torch.ones(2)
           ...:

        In [2]: f()
        Out[2]: tensor([1., 1.])
        ```
        """
    )
    edits = [Edit(1, "", "import torch", insert=True), Edit(2, "", "    import torch", insert=True)]
    fixed = patch_note(text, {1: edits})
    assert "In []: import torch\nIn [1]: def f():\n   ...:     import torch\n   ...:     return" in fixed
    assert transcript_fixed(text, edits) == apply_edits(read_transcript(fence_code(text))[0], edits)


def test_a_replacement_changes_the_code_after_the_prompt_only() -> None:
    text = note(
        """
        ```pycon
        >>> x = (1,
        ...      ...)
        >>> print(x)
        (1, 2)
        ```
        """
    )
    fixed = patch_note(text, {1: [Edit(2, "...", "2")]})  # the `...` of the code, not the prompt's
    assert ">>> x = (1,\n...      2)\n" in fixed


def test_a_removed_first_line_goes_and_its_continuation_opens_the_example() -> None:
    text = note(
        """
        ```pycon
        >>> import torch; from torchvision import (
        ...     SummaryWriter)
        >>> torch.ones(1)
        tensor([1.])
        ```
        """
    )
    edits = [Edit(1, "import torch; from torchvision import (", ""), Edit(2, "    SummaryWriter)", "import torch")]
    fixed = patch_note(text, {1: edits})
    written = ">>> import torch; from torchvision import (\n...     SummaryWriter)"
    assert fixed == text.replace(written, ">>> import torch")


def test_fix_of_a_transcript_runs_clean_when_audited_again(runner: Runner, tmp_path: Path) -> None:
    path = tmp_path / "session.md"
    path.write_text(SESSION)
    audit = audit_note(path, runner)
    assert not audit.clean and audit.blocks[0].fixes
    fixed = audit.fixed_text(SESSION)
    assert ">>> import torch\n>>> x = torch.ones(2)\n>>> x.sum()\ntensor(2.)\n" in fixed
    path.write_text(fixed)
    again = audit_note(path, runner)
    assert again.clean and [c.status for c in again.claims] == [Status.PASSED]


# -- notebooks: the fix goes into the cells' sources, nothing else changes --------------------------------------------


def typo_notebook() -> nbformat.NotebookNode:
    notebook: nbformat.NotebookNode = new_notebook(
        cells=[
            new_markdown_cell("# Sums"),
            new_code_cell("%matplotlib inline\nx = torch.ones(2)", metadata={"tags": ["setup"]}),
            new_code_cell(
                "total = x.sum()\nprint(Total)",
                execution_count=2,
                outputs=[new_output("stream", name="stdout", text="tensor(2.)\n")],
            ),
            new_code_cell("print(x.dettach())"),
        ]
    )
    return notebook


def with_sources(notebook: nbformat.NotebookNode, sources: dict[int, str]) -> nbformat.NotebookNode:
    """The notebook with these cells' sources (by 1-based cell number) and nothing else changed."""
    changed: nbformat.NotebookNode = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for number, source in sources.items():
        changed.cells[number - 1].source = source
    return changed


def test_a_notebook_fix_changes_the_cells_sources_only() -> None:
    notebook = typo_notebook()
    text = nbformat.writes(notebook)
    edits = {
        2 * CELL_LINES: [Edit(1, "", "import torch", insert=True)],
        3 * CELL_LINES: [Edit(2, "Total", "total")],
        4 * CELL_LINES: [Edit(1, "dettach", "detach")],
    }
    fixed = patch_note(text, edits)
    expected = with_sources(
        notebook,
        {
            2: "import torch\n%matplotlib inline\nx = torch.ones(2)",
            3: "total = x.sum()\nprint(total)",
            4: "print(x.detach())",
        },
    )
    assert fixed == nbformat.writes(expected)


def test_a_notebook_another_tool_wrote_keeps_its_layout() -> None:
    """Two-space indentation, escaped non-ASCII, sources as strings, no final newline: all kept."""
    notebook = typo_notebook()
    notebook.cells[0].source = "# Summen, für später"
    text = json.dumps(notebook, indent=2, ensure_ascii=True)
    fixed = patch_notebook(text, {3 * CELL_LINES: [Edit(2, "Total", "total")]})
    expected = with_sources(notebook, {3: "total = x.sum()\nprint(total)"})
    assert fixed == json.dumps(expected, indent=2, ensure_ascii=True)
    assert "f\\u00fcr" in fixed and not fixed.endswith("\n")


def test_an_empty_cell_gets_nbformats_layout() -> None:
    notebook = new_notebook(cells=[new_code_cell(""), new_code_cell("x = torch.ones(2)")])
    text = nbformat.writes(notebook)
    assert '"source": []' in text
    fixed = patch_notebook(text, {CELL_LINES: [Edit(1, "", "import torch", insert=True)]})
    assert fixed == nbformat.writes(with_sources(notebook, {1: "import torch"}))


def test_ipython_lines_stay_as_written() -> None:
    notebook = new_notebook(cells=[new_code_cell("%time\n!pip list\nprint(Total)")])
    text = nbformat.writes(notebook)
    assert cell_code(notebook.cells[0].source) == "\n\nprint(Total)\n"
    edits = [Edit(1, "", "total = 1"), Edit(2, "", ""), Edit(3, "Total", "total")]  # code on a line blank to Python
    fixed = patch_notebook(text, {CELL_LINES: edits})
    assert json.loads(fixed)["cells"][0]["source"] == ["total = 1\n", "%time\n", "!pip list\n", "print(total)"]
    with pytest.raises(ValueError, match="an IPython line"):
        patch_notebook(text, {CELL_LINES: [Edit(1, "%time", "")]})


def test_a_cell_the_fix_cannot_be_written_into_is_a_note_error_naming_the_cell() -> None:
    notebook = new_notebook(cells=[new_markdown_cell("# x"), new_code_cell("x = 1\rprint(X)")])
    text = nbformat.writes(notebook)
    with pytest.raises(NoteError, match="cell 2: its source has carriage returns"):
        patch_notebook(text, {2 * CELL_LINES: [Edit(2, "X", "x")]}, name="n.ipynb")
    with pytest.raises(ValueError, match="no code cell"):
        patch_notebook(text, {CELL_LINES: [Edit(1, "x", "y")]})  # the markdown cell


def test_fix_of_a_notebook_prints_the_diff_and_writes_it_with_a_backup(
    runner: Runner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sums.ipynb"
    nbformat.write(typo_notebook(), path)
    original = path.read_bytes()
    assert main(["fix", str(path)]) == 0
    diff = capsys.readouterr().out
    assert '+    "import torch\\n",\n     "%matplotlib inline\\n",' in diff
    assert '-    "print(Total)"\n+    "print(total)"' in diff and '+    "print(x.detach())"' in diff
    assert path.read_bytes() == original
    assert main(["fix", str(path), "--write"]) == 0
    assert (tmp_path / "sums.ipynb.orig").read_bytes() == original
    fixed, before = json.loads(path.read_text()), json.loads(original)
    for cell in (*fixed["cells"], *before["cells"]):
        cell.pop("source")
    assert fixed == before  # outputs, metadata, ids, the markdown cell: as they were
    again = audit_note(path, runner)
    assert all(block.runs_as_written for block in again.blocks)
    assert [c.status for c in again.claims] == [Status.PASSED]


# -- init and run: a spec finds its cell, or its transcript without prompts, and runs it as the audit did ------------


def judged(audit: NoteAudit) -> set[tuple[int, Status]]:
    return {(c.line, c.status) for c in audit.claims if c.device == "cpu"}


def ran(outcomes: Sequence[Outcome]) -> set[tuple[int, Status]]:
    return {
        (check.line, check.status)
        for outcome in outcomes
        for check in outcome.checks
        if check.kind not in ("device", "agreement") and check.line is not None
    }


@pytest.mark.parametrize("name", ["notebook_optim_basics.ipynb", "repl_indexing_session.md"])
def test_init_writes_specs_that_run_as_the_audit_judged(runner: Runner, tmp_path: Path, name: str) -> None:
    path = tmp_path / "notes" / name
    path.parent.mkdir()
    shutil.copy(REAL / name, path)
    audit = audit_note(path, runner)
    out = tmp_path / "specs"
    written, _ = write_specs(path, audit, out)
    loaded = load_specs([out])
    assert len(loaded) == len(written) > 3 and all(spec.problem is None for spec in loaded)
    outcomes = runner.run(loaded, devices=("cpu",))
    assert ran(outcomes) == judged(audit)
    assert any(o.status == Status.PASSED for o in outcomes)


def cells_notebook() -> nbformat.NotebookNode:
    notebook: nbformat.NotebookNode = new_notebook(
        cells=[
            new_markdown_cell("# Cells"),
            new_code_cell("%time\nimport torch\nx = torch.ones(2)"),
            new_code_cell("torch.optim.SGD([x], lr=-1)", outputs=[new_output("error", ename="ValueError", evalue="x")]),
            new_code_cell(
                "y = x * 2\nprint(y)", outputs=[new_output("stream", name="stdout", text="tensor([2., 2.])\n")]
            ),
        ]
    )
    return notebook


SPEC = """
[example]
note = "nb.ipynb"
{place}
sha256 = "{sha}"
continues = [{continues}]

[[expect]]
kind = "printed"
text = "tensor([2., 2.])"
statement = 2
"""


def notebook_spec(tmp_path: Path, place: str, continues: str, sha: str | None = None) -> Path:
    notebook = cells_notebook()
    nbformat.write(notebook, tmp_path / "nb.ipynb")
    codes = {n: cell_code(c.source) for n, c in enumerate(notebook.cells, 1) if c.cell_type == "code"}
    refs = continues.format(**{f"sha{n}": code_hash(code) for n, code in codes.items()})
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(place=place, sha=sha or code_hash(codes[4]), continues=refs))
    return spec


CONTINUES_BY_CELL = '{{ cell = 2, sha256 = "{sha2}" }}, {{ cell = 3, sha256 = "{sha3}" }}'
CONTINUES_BY_LINE = '{{ line = 20000, sha256 = "{sha2}" }}, {{ line = 30000, sha256 = "{sha3}" }}'


@pytest.mark.parametrize(
    ("place", "continues"), [("cell = 4", CONTINUES_BY_CELL), ("line = 40000", CONTINUES_BY_LINE)], ids=["cell", "line"]
)
def test_a_notebook_spec_finds_its_cell_and_runs_the_earlier_ones_as_cells(
    tmp_path: Path, place: str, continues: str
) -> None:
    """By `cell`, or by the synthetic line `init` wrote before specs had `cell`: the same code."""
    loaded = load_spec(notebook_spec(tmp_path, place, continues))
    assert loaded.problem is None
    first, second = "\nimport torch\nx = torch.ones(2)\n", "torch.optim.SGD([x], lr=-1)\n"  # `%time` blank
    earlier = f"{CELL_HOOK}({first!r})\n{CELL_HOOK}({second!r})\n"
    assert loaded.code == earlier + "y = x * 2\nprint(y)\n"
    assert loaded.code_offset == 2 and loaded.spec.expect[0].statement == 4  # type: ignore[union-attr]
    assert loaded.location == Location(str((tmp_path / "nb.ipynb").resolve()), 40000)


def test_a_notebook_spec_runs_past_an_earlier_cell_that_raises(runner: Runner, tmp_path: Path) -> None:
    (outcome,) = runner.run([load_spec(notebook_spec(tmp_path, "cell = 4", CONTINUES_BY_CELL))], devices=("cpu",))
    assert outcome.status == Status.PASSED, outcome.message


@pytest.mark.parametrize(
    ("place", "continues", "problem"),
    [
        ("cell = 4", CONTINUES_BY_CELL, "cell 4 of"),  # the sha256 is another's
        ("cell = 1", "", "has no code cell 1"),  # the markdown cell
        ("cell = 9", "", "has no code cell 9"),
        ("line = 40001", "", "line 40001 is no cell's line"),
    ],
)
def test_a_notebook_spec_that_finds_no_cell_is_a_problem(
    tmp_path: Path, place: str, continues: str, problem: str
) -> None:
    loaded = load_spec(notebook_spec(tmp_path, place, continues, sha="0" * 64))
    assert loaded.problem is not None and problem in loaded.problem
    if problem == "cell 4 of":
        assert "changed since this spec was written" in loaded.problem


def test_a_cell_in_a_markdown_note_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "nb.md").write_text("```python\nx = 1\n```\n")
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(place="cell = 1", sha="0" * 64, continues="").replace("nb.ipynb", "nb.md"))
    problem = load_spec(spec).problem
    assert problem is not None and "is a markdown note, not a notebook" in problem


@pytest.mark.parametrize(
    ("place", "continues", "message"),
    [
        ("cell = 4\nline = 40000", "", "not both"),
        ("cell = 4", '{ sha256 = "' + "0" * 64 + '" }', "one of them"),
        ("cell = 4", '{ cell = 2, line = 20000, sha256 = "' + "0" * 64 + '" }', "one of them"),
    ],
)
def test_line_and_cell_go_one_at_a_time(tmp_path: Path, place: str, continues: str, message: str) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(place=place, sha="0" * 64, continues=continues))
    with pytest.raises(SpecError, match=message):
        load_spec(spec)


def test_a_transcript_spec_runs_the_code_without_prompts(tmp_path: Path) -> None:
    (tmp_path / "nb.md").write_text(SESSION)
    code = read_transcript(fence_code(SESSION))[0]
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(place="line = 3", sha=code_hash(code), continues="").replace("nb.ipynb", "nb.md"))
    loaded = load_spec(spec)
    assert loaded.problem is None and loaded.code == "x = torch.ones(2)\nx.sum()\n\n"


def test_init_of_a_notebook_names_cells_and_shows_the_last_value(runner: Runner, tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(cells_notebook(), path)
    written, _ = write_specs(path, audit_note(path, runner), tmp_path / "specs")
    assert [w.block for w in written] == [2, 3]  # the cell that raises claims its error; the first claims nothing
    text = written[1].path.read_text()
    assert "block at cell 4;" in text and 'title = "nb.ipynb, block 3 (cell 4)"' in text
    assert "cell = 4\n" in text and "display_last = true" in text and "{ cell = 2, " in text
    assert "line = 40000" not in text


CHEAT_SHEET = """\
```python
import torch
x = torch.arange(6).reshape(2, 3)
y = x.sum()  # tensor(15)
```

| expression | result |
| --- | --- |
| `x.shape` | `torch.Size([2, 3])` |
| `x.T.shpe` | `torch.Size([3, 2])` |

```python
print(y)  # tensor(15)
```
"""


def test_a_table_row_is_audited_but_neither_written_back_nor_kept_as_a_spec(runner: Runner, tmp_path: Path) -> None:
    path = tmp_path / "sheet.md"
    path.write_text(CHEAT_SHEET)
    audit = audit_note(path, runner)
    rows = [block for block in audit.blocks if block.source.inline]
    assert [block.fixes != () for block in rows] == [False, True]  # `shpe` is found and fixed, in the audit
    assert audit.fixed_text(CHEAT_SHEET) == CHEAT_SHEET  # but a cell is not a fence's lines: nothing is written
    written, skipped = write_specs(path, audit, tmp_path / "specs")
    assert [(s.line, s.where) for s in skipped if "table row" in s.reason] == [
        (9, "table row, line 9"),
        (10, "table row, line 10"),
    ]
    last = next(w for w in written if w.block == 4).path.read_text()
    assert "line = 8" not in last and "line = 9" not in last  # the rows are not among what it continues

"""harness.notes.document: fenced blocks found by markdown-it, each with its line in the note, on any input."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from harness.errors import NoteError
from harness.notes.claims import read_code_blocks
from harness.notes.document import PYTHON_LANGUAGES, Block, block_at, blocks, code_hash, parts, read_note
from harness.notes.notebook import CELL_LINES, OUTPUT_OFFSET, cell_position, is_notebook

NOTES = Path(__file__).parent / "notes"
SEED_NOTE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_9f602143f38b0ad7.txt"


def lines(*rows: str) -> str:
    """A note from its lines, so that a row's position in the call is its line number."""
    return "\n".join(rows) + "\n"


def test_python_labels_with_and_without_space_and_attributes() -> None:
    text = lines(
        "```python",  # 1
        "a = 1",
        "```",
        "``` py",  # 4
        "b = 2",
        "```",
        "```python3 title='x'",  # 7
        "c = 3",
        "```",
        "```python{.numberLines}",  # 10
        "d = 4",
        "```",
        "```Python",  # 13
        "e = 5",
        "```",
    )
    found = blocks(text)
    assert [(b.line, b.language, b.code) for b in found] == [
        (1, "python", "a = 1\n"),
        (4, "py", "b = 2\n"),
        (7, "python3", "c = 3\n"),
        (10, "python", "d = 4\n"),
        (13, "python", "e = 5\n"),
    ]
    assert all(b.is_python for b in found)
    assert [b.end for b in found] == [3, 6, 9, 12, 15]


def test_four_backtick_fence_holds_a_three_backtick_line() -> None:
    text = lines(
        "intro",
        "````python",  # 2
        'doc = """',
        "```python",
        "not = a fence",
        "```",
        '"""',
        "````",  # 8
        "```python",  # 9
        "after = 1",
        "```",
    )
    first, second = blocks(text)
    assert (first.line, first.end) == (2, 8)
    assert "```python\nnot = a fence\n```" in first.code
    assert (second.line, second.code) == (9, "after = 1\n")


def test_fences_nested_in_lists_quotes_and_admonitions_keep_their_note_lines() -> None:
    text = lines(
        "1. first step:",  # 1
        "",
        "    ```python",  # 3
        "    x = 1",
        "    print(x)",
        "    ```",
        "",
        "> quoted:",  # 8
        "> ```py",  # 9
        "> y = 2",
        "> ```",
        "",
        '!!! note "Title"',  # 13
        "    text",
        "",
        "    ```python",  # 16
        "    z = 3",
        "        indented = True",
        "    ```",
        "",
        "- item",  # 21
        "  - nested",
        "",
        "      ```python",  # 24
        "      w = 4",
        "      ```",
    )
    found = blocks(text)
    assert [(b.line, b.code) for b in found] == [
        (3, "x = 1\nprint(x)\n"),
        (9, "y = 2\n"),
        (16, "z = 3\n    indented = True\n"),
        (24, "w = 4\n"),
    ]


def test_unclosed_fence_runs_to_the_end() -> None:
    text = lines("# t", "```python", "x = 1", "", "## not a heading any more")
    (block,) = blocks(text)
    assert block.line == 2
    assert block.code == "x = 1\n\n## not a heading any more\n"
    assert block.end == 5  # the note's last line


def test_unlabelled_and_other_languages_are_blocks_but_not_python() -> None:
    text = lines("```", "out", "```", "~~~bash", "ls", "~~~", "```text", "t", "```")
    found = blocks(text)
    assert [(b.language, b.is_python) for b in found] == [("", False), ("bash", False), ("text", False)]
    assert {"python", "py", "python3"} <= PYTHON_LANGUAGES


def test_no_fence_at_all() -> None:
    assert blocks("") == []
    assert blocks("# just prose\n\n    indented = 'code block, not a fence'\n") == []
    assert blocks("inline `print(1)` only") == []


def test_block_at_and_hash() -> None:
    text = lines("```python", "a = 1", "```", "", "```python", "b = 2", "```")
    block = block_at(text, 5)
    assert block == Block(line=5, language="python", code="b = 2\n", end=7)
    assert block_at(text, 2) is None
    assert block.sha256 == code_hash("b = 2\n") == code_hash(block.code)
    assert len(block.sha256) == 64


def test_crlf_note_keeps_line_numbers() -> None:
    text = "title\r\n\r\n```python\r\nx = 1\r\n```\r\n"
    (block,) = blocks(text)
    assert (block.line, block.code) == (3, "x = 1\n")


def test_read_note_replaces_undecodable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(b"\xff\xfe caf\xc3\xa9 \x80\n```python\nx = 1\n```\n")
    text = read_note(path)
    assert "café" in text and "\ufffd" in text
    assert [b.line for b in blocks(text)] == [2]


@pytest.mark.parametrize("name", ["hostile_binary.bin", "hostile_no_python.md", "hostile_unclosed_fence.md"])
def test_hostile_corpus_notes_do_not_crash(name: str) -> None:
    found = blocks(read_note(NOTES / name))
    assert all(isinstance(b, Block) and b.line >= 1 and b.end >= b.line for b in found)


@pytest.mark.parametrize(
    "text",
    [
        "```",
        "````python\n```\n",
        "> " * 500 + "```python\nx\n",
        "".join("  " * i + "- a\n" for i in range(300)),
        "!!! note\n" * 2000,
        "\x00\x01\x02```python\x00\n\x00\n```",
        "\u2028```python\u2029\nx = 1\x85\n```\x0c\n",
        "[" * 10_000 + "```python\n" + "(" * 10_000,
    ],
    ids=[
        "lone-fence",
        "unbalanced",
        "deep-quotes",
        "deep-lists",
        "many-admonitions",
        "nul",
        "odd-newlines",
        "brackets",
    ],
)
def test_pathological_markdown_does_not_crash(text: str) -> None:
    for block in blocks(text):
        assert block.line >= 1


def test_five_megabyte_note_is_fast() -> None:
    unit = "".join(p.read_text() for p in sorted(NOTES.glob("*.md")))
    text = (unit * (5_000_000 // len(unit) + 1))[:5_000_000]
    start = time.perf_counter()
    found = blocks(text)
    assert time.perf_counter() - start < 5
    assert len(found) > 1000


@pytest.mark.skipif(not SEED_NOTE.exists(), reason="the seed note is not in ../shared/seed")
def test_seed_note_blocks() -> None:
    found = blocks(read_note(SEED_NOTE))
    assert [b.line for b in found] == [26, 43, 60, 84, 120, 135, 175, 216]
    assert all(b.language == "python" for b in found)
    block = block_at(read_note(SEED_NOTE), 43)
    assert block is not None and block.code.startswith("import torch\nfrom torch.nn import L1Loss\n")


# ---- parts: where code and its output lie ---------------------------------------------------------------------


def test_parts_are_fences_indented_blocks_quote_and_plain_paragraphs_in_order() -> None:
    text = lines(
        "```python",  # 1
        "x",
        "```",
        "",
        "    tensor([1.])",  # 5: nbconvert's output
        "",
        "> tensor([2.])",  # 7
        "> tensor([3.])",
        "",
        "> second paragraph",  # 10
        "",
        "- a list item",
        "",
        "    indented inside the list is its text, not a code block",
        "",
        "tensor([4.])",  # 16: a plain paragraph (pasted output, or prose: the reader decides)
        "  padding kept",
    )
    assert [(p.kind, p.line, p.end, p.code) for p in parts(text)] == [
        ("fence", 1, 3, "x\n"),
        ("indented", 5, 5, "tensor([1.])\n"),
        ("quote", 7, 8, "tensor([2.])\ntensor([3.])\n"),
        ("quote", 10, 10, "second paragraph\n"),
        ("item", 12, 12, "a list item\n"),  # a list item's text (an outliner puts outputs there)
        ("item", 14, 14, "indented inside the list is its text, not a code block\n"),
        ("paragraph", 16, 17, "tensor([4.])\n  padding kept\n"),
    ]
    assert [b.line for b in blocks(text)] == [1]  # blocks(): fences only, as before
    assert parts("plain prose only") == []


# ---- notebooks ---------------------------------------------------------------------------------------------------


def _notebook(tmp_path: Path) -> Path:
    notebook = new_notebook()
    notebook.cells = [
        new_markdown_cell("# Title\n\n```python\nnot = a cell\n```"),
        new_code_cell(
            "%matplotlib inline\nimport torch\nx = torch.ones(2)\nprint(x)\nx.sum()",
            outputs=[
                new_output("stream", name="stdout", text="tensor([1., "),
                new_output("stream", name="stdout", text="1.])\n"),  # the kernel splits stdout at will
                new_output("stream", name="stderr", text="UserWarning: something\n"),
                new_output("execute_result", data={"text/plain": "tensor(2.)"}, execution_count=1),
            ],
        ),
        new_code_cell(
            "x.long().mean()  # 报错",
            outputs=[new_output("error", ename="RuntimeError", evalue="mean(): no", traceback=[])],
        ),
        new_code_cell("!pip install torch\nx.shape", outputs=[new_output("display_data", data={"image/png": "AAAA"})]),
    ]
    path = tmp_path / "scratch.ipynb"
    nbformat.write(notebook, path)
    return path


def test_a_notebook_is_read_cell_by_cell_with_its_stored_outputs(tmp_path: Path) -> None:
    text = read_note(_notebook(tmp_path))
    assert is_notebook(text)
    first, second, third = read_code_blocks(text)
    assert (first.index, first.cell, first.line) == (1, 2, 2 * CELL_LINES)
    assert first.code == "\nimport torch\nx = torch.ones(2)\nprint(x)\nx.sum()\n"  # the magic is blanked, in place
    assert [(c.kind, c.line, c.text, c.form, c.statement_line) for c in first.claims] == [
        ("printed", 2 * CELL_LINES + OUTPUT_OFFSET, "tensor([1., 1.])", "notebook-stream", None),
        ("printed", 2 * CELL_LINES + OUTPUT_OFFSET + 1, "UserWarning: something", "notebook-stderr", None),  # a warning
        ("printed", 2 * CELL_LINES + OUTPUT_OFFSET + 2, "tensor(2.)", "notebook-result", 5),  # the last expression
    ]
    assert "x" in first.defines and "x" in second.uses  # one kernel: names carry over
    claims = [(c.kind, c.form, c.exception_type, c.exception_message) for c in second.claims]
    assert claims == [
        ("exception", "error-comment", None, None),
        ("exception", "notebook-error", "RuntimeError", "mean(): no"),
    ]
    (figure,) = third.claims  # an image the cell drew: shown, so claimed, but never compared
    assert (third.cell, third.code, figure.form, figure.text) == (4, "\nx.shape\n", "notebook-display", "<image>")
    assert figure.unverifiable is not None and "images are not compared" in figure.unverifiable
    assert cell_position(second.claims[1].line) == (3, 0, True)
    assert cell_position(first.line + 4) == (2, 4, False)


def test_a_broken_notebook_is_bad_input_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text("this is not json")
    with pytest.raises(NoteError, match=r"broken\.ipynb: not a notebook"):
        read_note(path)
    with pytest.raises(NoteError, match=r"x\.ipynb: not a readable notebook"):
        read_code_blocks('{"cells": [1], "nbformat": 4}', source="x.ipynb")


def test_a_markdown_note_about_json_is_no_notebook() -> None:
    text = lines("{", '  "cells": "a note that starts with a brace"', "}", "```python", "x = 1", "```")
    assert not is_notebook(text)
    assert [b.line for b in read_code_blocks(text)] == [4]

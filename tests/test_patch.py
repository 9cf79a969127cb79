"""Patch: code edits land in the note's fenced blocks, wherever they are nested; the prose stays byte for byte."""

from __future__ import annotations

import textwrap

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.admon import admon_plugin

from harness.audit.edits import Edit, apply_edits
from harness.audit.patch import patch_note, unified_diff


def note(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def fences(text: str) -> dict[int, str]:
    """Each block's code by the note line of its opening fence, as the harness reads it."""
    tokens = MarkdownIt("commonmark").use(admon_plugin).parse(text)
    return {t.map[0] + 1: t.content for t in tokens if t.type == "fence" and t.map is not None}


def assert_only_lines_changed(old: str, new: str, changed: set[int]) -> None:
    """Every note line outside `changed` (1-based lines of `old`) is still there, unchanged, in order."""
    kept = [line for number, line in enumerate(old.splitlines(keepends=True), 1) if number not in changed]
    remaining = iter(new.splitlines(keepends=True))
    for line in kept:
        assert line in remaining, f"line {line!r} was changed or lost"


NOTE = note(
    """
    # nn_loss

    Loss functions measure the gap between output and target.
    The result should be `tensor(0.6667)`.

    ```python
    from torch.nn import L1Loss

    loss = L1Loss()
    result = Loss(inputs, targets)
    print(result)  # tensor(0.6667)
    ```

    1. In a list item the block is indented:

       ```python
       x = torch.ones(2)
       print(x)
       ```

    > A quoted example:
    >
    > ```py
    > from torchvision import SummaryWriter
    > y = torch.zeros(1)
    > ```

    !!! note
        ```python
        z = torch.ones(1)
        ```

    ````python
    s = '''
    ```
    '''
    print(Loss)
    ````

    Closing prose, untouched.
    """
)


def test_fences_are_where_the_test_thinks() -> None:
    assert sorted(fences(NOTE)) == [6, 16, 23, 29, 33]


def test_top_level_block_edit_and_insertion() -> None:
    edits = [Edit(4, "Loss", "loss"), Edit(2, "", "import torch", insert=True)]
    patched = patch_note(NOTE, {6: edits})
    assert fences(patched)[6] == apply_edits(fences(NOTE)[6], edits)
    lines = patched.splitlines()
    assert lines[7:9] == ["import torch", ""]
    assert lines[10] == "result = loss(inputs, targets)"
    assert_only_lines_changed(NOTE, patched, {10})


def test_list_item_block_keeps_its_indentation_and_inserted_lines_get_it() -> None:
    edits = [Edit(1, "", "import torch", insert=True), Edit(2, "print(x)", "print(x.sum())")]
    patched = patch_note(NOTE, {16: edits})
    lines = patched.splitlines()
    assert lines[16:19] == ["   import torch", "   x = torch.ones(2)", "   print(x.sum())"]
    assert fences(patched)[16] == apply_edits(fences(NOTE)[16], edits)
    assert_only_lines_changed(NOTE, patched, {18})


def test_blockquote_block_deletion_and_insertion_keep_the_quote() -> None:
    edits = [Edit(1, "from torchvision import SummaryWriter", ""), Edit(1, "", "import torch", insert=True)]
    patched = patch_note(NOTE, {23: edits})
    lines = patched.splitlines()
    assert lines[22:26] == ["> ```py", "> import torch", "> y = torch.zeros(1)", "> ```"]
    assert fences(patched)[23] == "import torch\ny = torch.zeros(1)\n"
    assert_only_lines_changed(NOTE, patched, {24})


def test_admonition_block() -> None:
    edits = [Edit(1, "", "import torch", insert=True)]
    patched = patch_note(NOTE, {29: edits})
    assert patched.splitlines()[28:31] == ["    ```python", "    import torch", "    z = torch.ones(1)"]
    assert fences(patched)[29] == "import torch\nz = torch.ones(1)\n"


def test_four_backtick_fence_with_backticks_inside() -> None:
    code = fences(NOTE)[33]
    assert "```" in code
    edits = [Edit(4, "Loss", "loss"), Edit(5, "", "print('done')", insert=True)]
    patched = patch_note(NOTE, {33: edits})
    assert fences(patched)[33] == apply_edits(code, edits)
    assert patched.endswith("print('done')\n````\n\nClosing prose, untouched.\n")


def test_several_blocks_at_once() -> None:
    edits = {
        6: [Edit(4, "Loss", "loss")],
        16: [Edit(1, "", "import torch", insert=True)],
        33: [Edit(4, "Loss", "loss")],
    }
    patched = patch_note(NOTE, edits)
    assert "result = loss(inputs, targets)" in patched and "print(loss)" in patched
    assert "   import torch\n" in patched
    # The list block moved one line down; the others' fences stay where they were relative to their text.
    assert fences(patched)[6] == apply_edits(fences(NOTE)[6], edits[6])
    assert fences(patched)[34] == apply_edits(fences(NOTE)[33], edits[33])


def test_crlf_note_and_missing_final_newline_are_kept() -> None:
    text = NOTE.replace("\n", "\r\n").rstrip("\r\n")
    patched = patch_note(text, {6: [Edit(4, "Loss", "loss"), Edit(2, "", "import torch", insert=True)]})
    assert "\r\nimport torch\r\n" in patched
    assert patched.count("\n") == patched.count("\r\n") == text.count("\r\n") + 1
    assert patched.endswith("Closing prose, untouched.")
    assert_only_lines_changed(text, patched, {10})


def test_whole_line_edits_as_the_audit_makes_them() -> None:
    # edits_between() numbers whole lines: old = the whole code line, new = the whole new line ("" to delete).
    edits = [Edit(1, "from torch.nn import L1Loss", "import torch"), Edit(2, "", "")]
    patched = patch_note(NOTE, {6: edits})
    assert fences(patched)[6].startswith("import torch\nloss = L1Loss()\n")


def test_tab_indented_line_in_a_list_item() -> None:
    text = "- item\n\n  ```python\n  def f():\n\treturn Loss\n  ```\n"
    code = fences(text)[3]
    assert code == "def f():\n  return Loss\n"  # markdown-it expanded the tab, less the item's indentation
    patched = patch_note(text, {3: [Edit(2, "  return Loss", "  return loss")]})
    assert patched == "- item\n\n  ```python\n  def f():\n\treturn loss\n  ```\n"


def test_errors_name_the_note_line() -> None:
    with pytest.raises(ValueError, match="note line 7: no fenced code block"):
        patch_note(NOTE, {7: [Edit(1, "x", "y")]})
    with pytest.raises(ValueError, match="note line 10: 'Lost' is not on it"):
        patch_note(NOTE, {6: [Edit(4, "Lost", "loss")]})
    with pytest.raises(ValueError, match="note line 6: the block has no code line 9"):
        patch_note(NOTE, {6: [Edit(9, "x", "y")]})


def test_no_edits_no_change() -> None:
    assert patch_note(NOTE, {}) == NOTE
    assert patch_note(NOTE, {6: []}) == NOTE


def test_unified_diff() -> None:
    patched = patch_note(NOTE, {6: [Edit(4, "Loss", "loss")]})
    diff = unified_diff(NOTE, patched, "notes/nn_loss.md")
    assert diff.startswith("--- a/notes/nn_loss.md\n+++ b/notes/nn_loss.md\n@@ -7,7 +7,7 @@\n")
    assert "-result = Loss(inputs, targets)\n+result = loss(inputs, targets)\n" in diff
    assert unified_diff(NOTE, NOTE, "n.md") == ""
    tail = unified_diff("a\nb", "a\nc", "n.md")
    assert tail.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")


def test_text_put_on_a_blank_line_gets_the_block_prefix() -> None:
    text = "1. item\n\n   ```python\n   x = 1\n\n   y = 2\n   ```\n"
    patched = patch_note(text, {3: [Edit(2, "", "import torch")]})
    assert patched == "1. item\n\n   ```python\n   x = 1\n   import torch\n   y = 2\n   ```\n"
    assert fences(patched)[3] == "x = 1\nimport torch\ny = 2\n"
    assert patch_note(text, {3: [Edit(2, "", "")]}) == "1. item\n\n   ```python\n   x = 1\n   y = 2\n   ```\n"


def test_a_line_inserted_into_a_shell_sessions_script_stays_in_the_script() -> None:
    note = "```console\n$ cat net.py\nx = torch.ones(2)\nprint(x)\n$ python net.py\ntensor([1., 1.])\n```\n"
    patched = patch_note(note, {1: [Edit(1, "", "import torch", insert=True)]})  # above the code: line 1 is `$ cat`
    assert patched == note.replace("$ cat net.py\n", "$ cat net.py\nimport torch\n")

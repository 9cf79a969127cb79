"""The editor's core (harness.editor.inline) without LSP: quick fixes applied to the note make its blocks run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.editor.inline import Engine, TextChange

STANDALONE = """\
# Blocks that each import what they use; the last one forgot

```python
import torch
print(torch.ones(1))  # tensor([1.])
```

```python
import torch
print(torch.zeros(1))  # tensor([0.])
```

```python
from torch import nn
x = torch.ones(2)
print(x.sum())  # tensor(2.)
```
"""

WRONG_IMPORT = """\
```python
import torch
from torchvision import SummaryWriter
print(torch.ones(1))  # tensor([1.])
```
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    warm = Engine(devices=("cpu",), timeout=30, data_root=tmp_path_factory.mktemp("data"))
    yield warm
    warm.close()


def _apply(text: str, changes: tuple[TextChange, ...]) -> str:
    """Apply editor changes (1-based lines, 0-based columns) as an editor would, last first."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(line: int, column: int) -> int:
        return offsets[line - 1] + column if line <= len(lines) else len(text)

    for change in sorted(changes, key=lambda c: (c.span.line, c.span.start), reverse=True):
        start, end = at(change.span.line, change.span.start), at(change.span.end_line, change.span.end)
        text = text[:start] + change.new_text + text[end:]
    return text


@pytest.mark.parametrize(
    ("note", "title"),
    [(STANDALONE, "noteproof: `import torch` added"), (WRONG_IMPORT, "noteproof: `from torchvision import Summ")],
)
def test_a_quick_fix_edits_the_note_so_that_its_block_runs_as_written(engine: Engine, note: str, title: str) -> None:
    engine.run_note(Path("note.md"), note)
    (problem,) = [p for p in engine.note_view(note).problems if p.code == "fails-as-written"]
    assert problem.fix is not None and problem.fix.title.startswith(title)

    fixed = _apply(note, problem.fix.changes)
    assert fixed != note and fixed.count("```") == note.count("```")  # only code inside the fences changed
    engine.run_note(Path("note.md"), fixed)
    assert not [p for p in engine.note_view(fixed).problems if p.severity == "error"], fixed


def test_nothing_runs_until_asked_and_a_view_places_cached_results_after_prose_moves(engine: Engine) -> None:
    # A false claim (line 16); each block changed, as the other test already ran (and cached) these blocks.
    note = (
        STANDALONE.replace("tensor(2.)", "tensor(7.)")
        .replace("ones(1))  # tensor([1.]", "ones(3))  # tensor([1., 1., 1.]")
        .replace("zeros(1))  # tensor([0.]", "zeros(2))  # tensor([0., 0.]")
    )
    assert engine.stale(note) == [1, 2, 3]
    assert [lens.title for lens in engine.note_view(note).lenses] == ["▶ run", "▶ run", "▶ run"]
    assert engine.run_note(Path("n.md"), note) == [1, 2, 3]
    assert engine.run_note(Path("n.md"), note) == []  # the cache answers

    moved = "Prose\n\n" + note
    assert engine.stale(moved) == []
    lines = {p.span.line for p in engine.note_view(moved).problems if p.code == "claim-failed"}
    assert lines == {18}  # the false claim: line 16 of the note, two lines of prose above it now


def test_a_block_that_continues_an_earlier_one_is_no_bug(engine: Engine) -> None:
    notebook = "```python\nimport torch\nx = torch.ones(4)\n```\n\n```python\nprint(x.sum())  # tensor(4.)\n```\n"
    engine.run_note(Path("notebook.md"), notebook)
    view = engine.note_view(notebook)
    # Written as one session (the second block uses what the first defined, only the first imports): the blocks
    # run in order in one namespace, as the kernel ran them, so running after block 1 is no bug and no notice.
    assert not view.problems
    assert view.lenses[1].title.startswith("▶ run · CPU ✓")
    # The claim is judged in its chain: make it false and it is an error at its line.
    wrong = notebook.replace("tensor(4.)", "tensor(5.)")
    engine.run_note(Path("notebook.md"), wrong)
    assert [p.span.line for p in engine.note_view(wrong).problems if p.severity == "error"] == [7]


SPEC = """\
title = "sum of two"
devices = ["cpu"]
[example]
code = '''
import torch
result = torch.tensor([1.0, 2.0]).sum()
'''
[[expect]]
kind = "value"
expr = "result"
equals = 4.0
"""


def test_a_spec_shows_its_last_recorded_run_only_while_its_code_is_the_same(engine: Engine, tmp_path: Path) -> None:
    from harness import History, load_specs

    specs = tmp_path / "specs"
    specs.mkdir()
    spec = specs / "sum.toml"
    spec.write_text(SPEC)  # claims 4.0: the sum is 3.0
    history_path = tmp_path / "results.sqlite"
    with History.open_writer(history_path) as history:
        run_id = history.start_run({}, "noteproof run")
        for outcome in engine.warm().run(load_specs([spec]), ("cpu",)):
            history.record(run_id, outcome)
        history.finish_run(run_id, "complete")

    reader = Engine(history=history_path)  # a fresh server: nothing run in this session
    view = reader.spec_view(spec)
    assert [lens.title for lens in view.lenses] == ["▶ run · last run · CPU ✗"]
    (problem,) = view.problems
    assert problem.span.line == 8 and "expected result == 4.0, actual tensor(3.)" in problem.message

    spec.write_text(SPEC.replace("[1.0, 2.0]", "[2.0, 2.0]"))  # the code changed: that run says nothing of it now
    assert [lens.title for lens in reader.spec_view(spec).lenses] == ["▶ run"]
    assert Engine(history=tmp_path / "none.sqlite").spec_view(spec).lenses[0].title == "▶ run"


def test_a_note_run_from_the_editor_is_confined(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "written-by-the-note"
    note = f"```python\nopen({str(target)!r}, 'w').write('x')\nprint(1)  # 1\n```\n"
    engine.run_note(Path("confined.md"), note)
    (problem,) = engine.note_view(note).problems
    assert "PermissionError" in problem.message
    assert not target.exists()

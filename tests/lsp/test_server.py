"""`noteproof lsp` over stdio: lenses, diagnostics, hover, quick fixes; runs only when asked; bad input."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOTE = """\
# A note

```python
import torch
print(torch.tensor([1.0, 2.0]).sum())  # tensor(3.)
```

A wrong claim:

```python
import torch
print(torch.tensor([1.0, 2.0]).mean())  # tensor(9.5000)
```

A typo:

```python
import torch
x = torch.ones(2)
print(X.sum())  # tensor(2.)
```
"""
MEAN_LINE, TYPO_LINE = 12, 20  # 1-based note lines of the false claim and of the typo

SPEC = """\
title = "mean, claimed wrong"
devices = ["cpu"]
[example]
code = '''
import torch
result = torch.tensor([1.0, 2.0]).mean()
'''
[[expect]]
kind = "value"
expr = "result"
equals = 9.5
"""


def _note(tag: str) -> str:
    """The note, its blocks made this test's own: results are cached by block content, across documents."""
    return NOTE.replace("import torch\n", f"import torch  # {tag}\n")


def _open(client: LanguageClient, path: Path, text: str, language: str = "markdown") -> str:
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )
    return uri


def _change(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def _run(client: LanguageClient, uri: str) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="noteproof.run", arguments=[uri])
    )
    assert isinstance(result, dict)
    return result


async def _lenses(client: LanguageClient, uri: str) -> list[tuple[int, str]]:
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return [(lens.range.start.line + 1, lens.command.title if lens.command else "") for lens in lenses or []]


async def _diagnostics(client: LanguageClient, uri: str, *, within: float = 30.0) -> list[types.Diagnostic]:
    """The diagnostics last published for `uri`, waiting for a first publication."""
    deadline = time.monotonic() + within
    while uri not in client.diagnostics and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return list(client.diagnostics.get(uri, []))


def _at(diagnostics: list[types.Diagnostic], line: int) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.range.start.line + 1 == line]


async def test_opening_a_note_shows_run_lenses_and_runs_nothing(client: LanguageClient, workspace: Path) -> None:
    uri = _open(client, workspace / "open.md", _note("opening_a_note_shows"))
    assert await _lenses(client, uri) == [(3, "▶ run"), (10, "▶ run"), (17, "▶ run")]
    assert await _diagnostics(client, uri, within=2) == []
    result = await _run(client, uri)
    assert result["ran"] == [1, 2, 3]  # every block was still to run: opening ran none


async def test_a_run_puts_each_verdict_at_its_line_with_hover_and_quick_fix(
    client: LanguageClient, workspace: Path
) -> None:
    uri = _open(client, workspace / "verdicts.md", _note("a_run_puts_each_verd"))
    result = await _run(client, uri)
    assert result["error"] is None
    diagnostics = await _diagnostics(client, uri)

    (false_claim,) = _at(diagnostics, MEAN_LINE)
    assert false_claim.severity == types.DiagnosticSeverity.Error
    assert "claim false on cpu" in false_claim.message
    assert "claimed tensor(9.5000), actual tensor(1.5000)" in false_claim.message

    (typo,) = _at(diagnostics, TYPO_LINE)
    assert "NameError: name 'X' is not defined" in typo.message and "fix: `X` -> `x`" in typo.message
    assert (typo.range.start.character, typo.range.end.character) == (6, 7)  # the name itself
    assert not _at(diagnostics, 5)  # the true claim has none

    lenses = dict(await _lenses(client, uri))
    assert lenses[3].startswith("▶ run · CPU ✓")
    assert "CPU ✗" in lenses[10] and "fails as written; 1 fix found" in lenses[17]
    assert "CUDA" in lenses[3]  # skipped without a GPU, passed with one: either way it says so

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=MEAN_LINE - 1, character=45),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "| cpu | false | `tensor(9.5000)` | `tensor(1.5000)` |" in hover.contents.value

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=typo.range,
            context=types.CodeActionContext(diagnostics=[typo]),
        )
    )
    assert actions
    (action,) = [a for a in actions if isinstance(a, types.CodeAction)]
    assert action.kind == types.CodeActionKind.QuickFix and action.edit and action.edit.changes
    (edit,) = action.edit.changes[uri]
    assert edit.new_text == "x" and edit.range == typo.range


async def test_an_unchanged_note_is_answered_from_the_cache_and_an_edit_reruns_only_its_block(
    client: LanguageClient, workspace: Path
) -> None:
    uri = _open(client, workspace / "cache.md", _note("an_unchanged_note_is"))
    await _run(client, uri)
    again = await _run(client, uri)
    assert again["cached"] is True and again["ran"] == []

    # Prose above moves the blocks down two lines: results move with them, nothing is re-run.
    moved = _note("an_unchanged_note_is").replace("# A note\n", "# A note\n\nMore prose.\n", 1)
    _change(client, uri, moved, 2)
    assert (await _run(client, uri))["cached"] is True
    lenses = dict(await _lenses(client, uri))
    assert "CPU ✗" in lenses[12]

    fixed = moved.replace("# tensor(9.5000)", "# tensor(1.5000)")
    _change(client, uri, fixed, 3)
    assert dict(await _lenses(client, uri))[12] == "▶ run"  # an edited block has no result until it runs
    rerun = await _run(client, uri)
    assert rerun["ran"] == [2]
    assert not _at(await _diagnostics(client, uri), MEAN_LINE + 2)


async def test_a_spec_with_errors_gets_them_at_their_line_and_a_spec_run_shows_its_result(
    client: LanguageClient, workspace: Path
) -> None:
    (workspace / "specs").mkdir(exist_ok=True)
    bad = _open(client, workspace / "specs" / "bad.toml", SPEC + "atoll = 1e-4\n", "toml")
    diagnostics = await _diagnostics(client, bad)
    (problem,) = diagnostics
    assert problem.range.start.line + 1 == 12 and "unknown key 'atoll'; did you mean 'atol'?" in problem.message
    assert (await _run(client, bad))["error"]  # nothing runs; the diagnostics said why

    good = _open(client, workspace / "specs" / "mean.toml", SPEC, "toml")
    assert await _lenses(client, good) == [(1, "▶ run")]
    await _run(client, good)
    assert (await _lenses(client, good))[0][1].startswith("▶ run · CPU ✗")
    await asyncio.sleep(0.2)
    (false_claim,) = client.diagnostics[good]
    assert false_claim.range.start.line + 1 == 8  # its [[expect]] table
    assert "expected result == 9.5, actual tensor(1.5)" in false_claim.message


async def test_a_note_that_does_not_parse_gets_a_diagnostic_and_the_server_keeps_serving(
    client: LanguageClient, workspace: Path
) -> None:
    broken = "# Broken\n\n```python\nprint((1, 2)  # (1, 2)\n\n```\n\nand an unclosed fence:\n\n```python\nx = \n"
    uri = _open(client, workspace / "broken.md", broken)
    await _run(client, uri)
    diagnostics = await _diagnostics(client, uri)
    assert any("SyntaxError" in d.message and d.range.start.line + 1 == 4 for d in diagnostics), diagnostics
    assert [line for line, _ in await _lenses(client, uri)] == [3, 10]


async def test_a_newer_request_supersedes_an_older_one_and_no_result_is_lost(
    client: LanguageClient, workspace: Path
) -> None:
    uri = _open(client, workspace / "race.md", _note("a_newer_request_supe"))
    older = asyncio.ensure_future(_run(client, uri))
    await asyncio.sleep(0.05)
    fixed = _note("a_newer_request_supe").replace("print(X.sum())", "print(x.sum())")
    _change(client, uri, fixed, 2)
    newer = await _run(client, uri)
    first = await older
    assert first["superseded"] is True  # its results went to the cache, but were not published
    assert newer["ran"] == [3] or newer["ran"] == [1, 2, 3]  # blocks 1 and 2 came from the older run's cache
    diagnostics = await _diagnostics(client, uri)
    assert not _at(diagnostics, TYPO_LINE) and _at(diagnostics, MEAN_LINE)


async def test_progress_is_reported_while_a_note_runs(client: LanguageClient, workspace: Path) -> None:
    uri = _open(client, workspace / "progress.md", _note("progress_is_reported").replace("tensor(3.)", "tensor(3.0)"))
    before = set(client.progress_reports)
    await _run(client, uri)
    (token,) = set(client.progress_reports) - before
    kinds = [type(report).__name__ for report in client.progress_reports[token]]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"


async def test_runs_on_save_only_when_asked_and_two_quick_saves_keep_the_last(
    saving_client: LanguageClient, workspace: Path
) -> None:
    uri = _open(saving_client, workspace / "saved.md", _note("runs_on_save_only_wh"))
    assert await _diagnostics(saving_client, uri, within=1) == []  # opening runs nothing, even with runOnSave
    fixed = _note("runs_on_save_only_wh").replace("print(X.sum())", "print(x.sum())")
    for version, text in ((2, _note("runs_on_save_only_wh")), (3, fixed)):
        _change(saving_client, uri, text, version)
        saving_client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lenses = dict(await _lenses(saving_client, uri))
        if all(title not in {"▶ run", "running…"} for title in lenses.values()):
            break
        await asyncio.sleep(0.1)
    assert "fails as written" not in lenses[17]  # the second save's text
    await asyncio.sleep(0.3)
    diagnostics = saving_client.diagnostics[uri]
    assert _at(diagnostics, MEAN_LINE) and not _at(diagnostics, TYPO_LINE)


async def test_a_hanging_example_times_out_and_a_closed_document_keeps_its_result(
    saving_client: LanguageClient, workspace: Path
) -> None:
    hang = "# Hang\n\n```python\nwhile True:\n    pass\n```\n"
    uri = _open(saving_client, workspace / "hang.md", hang)
    running = asyncio.ensure_future(_run(saving_client, uri))
    await asyncio.sleep(0.3)
    saving_client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    result = await running
    assert result["error"] is None
    await asyncio.sleep(0.2)
    assert list(saving_client.diagnostics[uri]) == []  # closed: cleared, and nothing published after

    saving_client.diagnostics.pop(uri)
    _open(saving_client, workspace / "hang.md", hang)
    diagnostics = await _diagnostics(saving_client, uri)  # from the cache: no second 3 s run
    (diagnostic,) = diagnostics
    assert "does not complete" in diagnostic.message and "time" in diagnostic.message, diagnostic.message


async def test_a_worker_that_dies_is_restarted_and_the_server_keeps_serving(
    saving_client: LanguageClient, workspace: Path
) -> None:
    killer = "# Kill\n\n```python\nimport os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n```\n"
    uri = _open(saving_client, workspace / "kill.md", killer)
    result = await _run(saving_client, uri)
    assert result["error"] and "restarted" in result["error"]
    assert any("worker" in m.message and m.type == types.MessageType.Error for m in saving_client.messages)

    ok = _open(saving_client, workspace / "after.md", _note("a_worker_that_dies_i"))
    after = await _run(saving_client, ok)
    assert after["error"] is None and after["ran"] == [1, 2, 3]
    assert _at(await _diagnostics(saving_client, ok), MEAN_LINE)

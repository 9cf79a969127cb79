"""The language server (`noteproof lsp`): a thin pygls layer over harness.editor.inline.

Nothing of a note runs until the user asks: `workspace/executeCommand` `noteproof.run` with the document's URI
(the lens's command), or a save when the client sent `initializationOptions: {"runOnSave": true}`. Typing only
moves the last results with the text. Runs happen in the Runner's warm worker, a separate process: this
process's stdout is the protocol. Runs go one at a time; a newer request for a document supersedes an older
one still waiting, and one already running finishes into the cache but is not published.

initializationOptions: runOnSave (bool), timeout (seconds per example, default 60), devices (["cpu", "cuda"]),
history (the results file whose runs a spec's lens shows; default .noteproof/results.sqlite in the root),
sandbox (confine each example, as `noteproof audit` does; default true).
Columns are Python string indexes; they equal UTF-16 units except past the Basic Multilingual Plane.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from harness import __version__
from harness.editor.inline import Engine, InlineView, Problem, Span
from harness.errors import HarnessError, NoteproofError
from harness.history.store import DEFAULT_HISTORY
from harness.specs.model import DEVICES

RUN_COMMAND = "noteproof.run"
NOTE_SUFFIXES = frozenset({".md", ".markdown"})
log = logging.getLogger("noteproof.lsp")

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
}


class NoteproofServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("noteproof", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.engine = Engine()
        self.run_on_save = False
        self.requests: dict[str, int] = {}  # uri -> number of its latest run request
        self.running: dict[str, set[int]] = {}  # uri -> blocks being run (a spec: {0})
        self.closed: set[str] = set()
        self.turn = asyncio.Lock()  # one run at a time through the one warm worker
        self.tokens = itertools.count(1)

    # -- documents

    def kind(self, uri: str) -> str | None:
        path = _path(uri)
        if path is None:
            return None
        if path.suffix.lower() in NOTE_SUFFIXES or self.workspace.get_text_document(uri).language_id == "markdown":
            return "note"  # a note named .txt that the editor opened as markdown is a note too
        if path.suffix == ".toml" and ("specs" in path.parent.parts or _declares_spec(self, uri)):
            return "spec"
        return None

    def view(self, uri: str) -> InlineView:
        """What the editor shows now, from the last results; never runs anything. A note that cannot be read
        is one diagnostic, not a crash."""
        kind, path = self.kind(uri), _path(uri)
        if kind is None or path is None:
            return InlineView()
        try:
            if kind == "spec":
                return self.engine.spec_view(path, running=uri in self.running)
            text = self.workspace.get_text_document(uri).source
            return self.engine.note_view(text, running=self.running.get(uri, ()))
        except Exception as exc:  # whatever the note holds, the server keeps serving
            log.exception("reading %s", uri)
            message = f"noteproof could not read this document: {type(exc).__name__}: {exc}"
            return InlineView(problems=(Problem(Span(1, 0, 1, 0), "error", message, "unreadable"),))

    def publish(self, uri: str) -> None:
        if uri in self.closed:
            return
        problems = self.view(uri).problems
        diagnostics = [_diagnostic(problem) for problem in problems]
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    def refresh_lenses(self) -> None:
        capabilities = self.client_capabilities.workspace
        if capabilities and capabilities.code_lens and capabilities.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)

    def tell(self, kind: types.MessageType, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    # -- runs

    async def run(self, uri: str) -> dict[str, Any]:
        """Run what is stale in the document; returns what happened, for the command's caller."""
        kind, path = self.kind(uri), _path(uri)
        if kind is None or path is None:
            return _answer(error=f"not a note or a spec: {uri}")
        request = self.requests[uri] = self.requests.get(uri, 0) + 1
        async with self.turn:
            if self.requests[uri] != request:
                return _answer(superseded=True)  # a newer request for this document came while waiting
            started = time.perf_counter()
            if kind == "note":
                text = self.workspace.get_text_document(uri).source
                try:
                    stale = self.engine.stale(text)
                except Exception as exc:  # noqa: BLE001 - an unreadable note is a diagnostic (see view)
                    self.publish(uri)
                    return _answer(error=str(exc))
                if not stale:
                    self.publish(uri)
                    return _answer(cached=True)
                self.running[uri] = set(stale)
            else:
                stale, text = [0], ""
                self.running[uri] = {0}
            self.refresh_lenses()
            progress = await self.begin_progress(f"noteproof: running {len(stale)} block(s) of {path.name}")
            error: str | None = None
            try:
                if kind == "note":
                    await asyncio.to_thread(self.engine.run_note, path, text)
                else:
                    await asyncio.to_thread(self.engine.run_spec, path)
            except HarnessError as exc:
                error = f"noteproof: the worker process failed and was restarted; {path.name} was not run: {exc}"
                self.tell(types.MessageType.Error, error)
            except NoteproofError as exc:  # bad input (a spec with errors): its diagnostics say where
                error = str(exc)
            finally:
                self.running.pop(uri, None)
                self.end_progress(progress, error or f"done in {time.perf_counter() - started:.2f} s")
            self.refresh_lenses()
            superseded = self.requests[uri] != request
            if not superseded:
                self.publish(uri)
            return _answer(ran=stale, error=error, superseded=superseded, seconds=time.perf_counter() - started)

    async def begin_progress(self, title: str) -> str | None:
        window = self.client_capabilities.window
        if not (window and window.work_done_progress):
            return None
        token = f"noteproof-{next(self.tokens)}"
        try:
            await self.work_done_progress.create_async(token)
        except Exception:  # noqa: BLE001 - a client that refuses progress still gets its results
            return None
        self.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=False))
        return token

    def end_progress(self, token: str | None, message: str) -> None:
        if token is not None:
            self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))


def _answer(
    *,
    ran: Sequence[int] = (),
    cached: bool = False,
    superseded: bool = False,
    error: str | None = None,
    seconds: float = 0.0,
) -> dict[str, Any]:
    """What `noteproof.run` answers: the blocks it ran (a spec: [0]), or why it ran none."""
    return {"ran": list(ran), "cached": cached, "superseded": superseded, "error": error, "seconds": seconds}


def _path(uri: str) -> Path | None:
    path = to_fs_path(uri)
    return Path(path) if path else None


def _declares_spec(server: NoteproofServer, uri: str) -> bool:
    first = server.workspace.get_text_document(uri).source.split("\n", 1)[0]
    return "noteproof-spec" in first


def _range(span: Span) -> types.Range:
    return types.Range(
        start=types.Position(line=span.line - 1, character=span.start),
        end=types.Position(line=span.end_line - 1, character=span.end),
    )


def _diagnostic(problem: Problem) -> types.Diagnostic:
    return types.Diagnostic(
        range=_range(problem.span),
        message=problem.message,
        severity=_SEVERITY[problem.severity],
        source="noteproof",
        code=problem.code,
    )


server = NoteproofServer()


@server.feature(types.INITIALIZE)
def initialize(ls: NoteproofServer, params: types.InitializeParams) -> None:
    options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
    root = _path(params.root_uri) if params.root_uri else None
    history = options.get("history") or (root / DEFAULT_HISTORY if root else None)
    ls.engine.history = Path(history) if history else None
    ls.run_on_save = bool(options.get("runOnSave", False))
    ls.engine.timeout = float(options.get("timeout", ls.engine.timeout))
    ls.engine.sandbox = bool(options.get("sandbox", True))
    devices = options.get("devices")
    if isinstance(devices, list):
        ls.engine.devices = tuple(d for d in DEVICES if d in devices) or ls.engine.devices


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: NoteproofServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.closed.discard(params.text_document.uri)
    ls.publish(params.text_document.uri)  # the last results, if this text has any; nothing runs


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: NoteproofServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)  # results follow their blocks; an edited block loses its own


@server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
async def did_save(ls: NoteproofServer, params: types.DidSaveTextDocumentParams) -> None:
    if ls.run_on_save:
        await ls.run(params.text_document.uri)
    else:
        ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: NoteproofServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.closed.add(uri)
    ls.requests[uri] = ls.requests.get(uri, 0) + 1  # a run still waiting for this document is dropped
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_CODE_LENS)
def code_lens(ls: NoteproofServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    uri = params.text_document.uri
    return [
        types.CodeLens(
            range=types.Range(
                start=types.Position(line=lens.line - 1, character=0),
                end=types.Position(line=lens.line - 1, character=0),
            ),
            command=types.Command(title=lens.title, command=RUN_COMMAND, arguments=[uri]),
        )
        for lens in ls.view(uri).lenses
    ]


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: NoteproofServer, params: types.HoverParams) -> types.Hover | None:
    found = ls.view(params.text_document.uri).hover_at(params.position.line + 1, params.position.character)
    if found is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found.markdown), range=_range(found.span)
    )


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])
)
def code_action(ls: NoteproofServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    view = ls.view(uri)
    actions, seen = [], set()
    for line in range(params.range.start.line + 1, params.range.end.line + 2):
        for problem, fix in view.fixes_at(line):
            if fix.title in seen:
                continue
            seen.add(fix.title)
            edits = [types.TextEdit(range=_range(change.span), new_text=change.new_text) for change in fix.changes]
            actions.append(
                types.CodeAction(
                    title=fix.title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[_diagnostic(problem)],
                    edit=types.WorkspaceEdit(changes={uri: edits}),
                    is_preferred=True,
                )
            )
    return actions


@server.command(RUN_COMMAND)
async def run_command(ls: NoteproofServer, uri: str) -> dict[str, Any]:
    return await ls.run(uri)


@server.feature(types.SHUTDOWN)
def shutdown(ls: NoteproofServer, params: None) -> None:
    ls.engine.close()


def main() -> None:
    logging.basicConfig(level=logging.WARNING)  # to stderr: stdout is the protocol
    try:
        server.start_io()
    finally:
        server.engine.close()

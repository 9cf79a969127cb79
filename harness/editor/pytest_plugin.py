"""pytest plugin: specs and note examples as pytest items, one per example and device.

`pytest specs/` collects `l1loss-mean[cpu]`, `l1loss-mean[cuda]`, ...; `pytest note.md` collects `block-5[cpu]`
per python block of the note, judged as the note is written (the audit). Notes are collected only when named
on the command line or matched by the `noteproof_notes` ini globs, so a project's own `pytest` never collects
its note corpus. Each item's `reportinfo` is the note's path and line, so VS Code's Testing panel jumps there.

One warm Runner per pytest process (per xdist worker), started by the first item that runs: one `import torch`
per session, never per item. The first item of a spec runs all of that spec's selected devices (a cuda row is
judged against its cpu row); the first item of a note audits the whole note (blocks may continue earlier ones).
"""

from __future__ import annotations

import fnmatch
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.audit.note_audit import NoteAudit, audit_note
from harness.editor.explain import Verdict, block_verdict, spec_verdict
from harness.errors import HarnessError, NoteproofError
from harness.judge.outcome import Outcome, Status
from harness.notes.claims import read_code_blocks
from harness.notes.document import read_note
from harness.runs.runner import Runner
from harness.specs.loading import LoadedSpec, load_spec
from harness.specs.model import DEVICES

NOTE_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
NOTES_INI = "noteproof_notes"


class NoteproofDrift(UserWarning):
    """A claim that holds in substance but whose printed form or message changed with the torch version."""


class NoteproofFailure(Exception):
    """Raised by an item whose example is judged failed or error; carries the report pytest shows."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.summary)
        self.verdict = verdict


@dataclass
class _Results:
    """This process's warm runner and what it concluded, so each spec and note runs once per session."""

    runner: Runner | None = None
    specs: dict[tuple[Path, str], dict[str, Outcome]] = field(default_factory=dict)
    notes: dict[Path, NoteAudit] = field(default_factory=dict)

    def warm_runner(self) -> Runner:
        if self.runner is None:
            # Confined (writes, TCP, environment) as `noteproof audit` confines a note: a note may come from anyone.
            self.runner = Runner(timing=False, sandbox=True).__enter__()
        return self.runner

    def forget_runner(self) -> None:
        """After a harness fault: the next item starts a fresh worker rather than reuse a broken one."""
        self.close()

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None


_RESULTS = pytest.StashKey[_Results]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        NOTES_INI,
        "globs (relative to the rootdir) of markdown notes whose python blocks are collected as noteproof items",
        type="args",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RESULTS] = _Results()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _RESULTS in config.stash:
        config.stash[_RESULTS].close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    session = parent.session
    named = session.isinitpath(file_path)
    if file_path.suffix == ".toml" and (named or "specs" in file_path.parent.parts):
        return SpecFile.from_parent(parent, path=file_path)
    if file_path.suffix in NOTE_SUFFIXES and (named or _listed(file_path, parent.config)):
        return NoteFile.from_parent(parent, path=file_path)
    return None


def _listed(path: Path, config: pytest.Config) -> bool:
    globs: list[str] = config.getini(NOTES_INI)
    if not globs:
        return False
    try:
        relative = path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return False
    return any(fnmatch.fnmatch(relative, glob) for glob in globs)


def _selected_devices(item: pytest.Item, parent: pytest.Collector) -> tuple[str, ...]:
    """The devices of this file's items that survived -k and deselection, in the harness's order."""
    wanted = {i.device for i in item.session.items if isinstance(i, _Item) and i.parent is parent}
    return tuple(d for d in DEVICES if d in wanted)


def _shown(path: Path, config: pytest.Config) -> str:
    """A path as pytest shows its own: relative to the rootdir when inside it."""
    try:
        return path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return str(path)


def _lines(path: Path) -> list[str]:
    try:
        return read_note(path).splitlines()
    except OSError:
        return []


class _File(pytest.File):
    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        # Bad input is one line per problem, naming file and line; never a traceback.
        if isinstance(excinfo.value, NoteproofError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class _Item(pytest.Item):
    device: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # pytest-lsp's runtest wrapper returns without yielding on items that lack `funcargs` (pytest then fails
        # the item); an empty mapping keeps our items working where that plugin is loaded.
        self.funcargs: dict[str, object] = {}

    @property
    def results(self) -> _Results:
        return self.config.stash[_RESULTS]

    def judge(self, verdict: Verdict) -> None:
        if verdict.status in (Status.SKIPPED, Status.UNVERIFIABLE):
            # Reported at the item's own location (the note line), not at this line of the plugin.
            raise pytest.skip.Exception(verdict.summary, _use_item_location=True)
        if verdict.status == Status.DRIFTED:
            path, line, _ = self.reportinfo()
            warning = NoteproofDrift(f"{self.name}: {verdict.summary}")
            warnings.warn_explicit(warning, NoteproofDrift, str(path), (line or 0) + 1)
        elif verdict.status != Status.PASSED:
            raise NoteproofFailure(verdict)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, NoteproofFailure):
            return excinfo.value.verdict.report
        if isinstance(excinfo.value, NoteproofError):
            return f"{type(excinfo.value).__name__}: {excinfo.value}"
        return super().repr_failure(excinfo)


class SpecFile(_File):
    def collect(self) -> Iterator[pytest.Item]:
        loaded = load_spec(self.path)  # SpecError: shown by repr_failure as FILE:LINE: problem
        for device in loaded.spec.devices:
            yield SpecItem.from_parent(self, name=f"{loaded.id}[{device}]", loaded=loaded, device=device)


class SpecItem(_Item):
    def __init__(self, *, loaded: LoadedSpec, device: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded, self.device = loaded, device

    def runtest(self) -> None:
        key = (self.loaded.path, self.loaded.id)
        if key not in self.results.specs:
            assert isinstance(self.parent, SpecFile)
            devices = _selected_devices(self, self.parent)
            try:
                outcomes = self.results.warm_runner().run([self.loaded], devices)
            except HarnessError:
                self.results.forget_runner()
                raise
            self.results.specs[key] = {outcome.device: outcome for outcome in outcomes}
        outcome = self.results.specs[key][self.device]
        note_lines = _lines(Path(outcome.location.path))
        self.judge(spec_verdict(outcome, note_lines, _lines(self.loaded.path), self.loaded.expectation_lines))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        location = self.loaded.location
        path = Path(location.path)
        if not path.is_file():  # the note it comes from is not here: point at the spec
            return self.loaded.path, None, self.name
        return path, (location.line - 1) if location.line else None, self.name


class NoteFile(_File):
    def collect(self) -> Iterator[pytest.Item]:
        for block in read_code_blocks(read_note(self.path)):
            for device in DEVICES:
                yield NoteItem.from_parent(
                    self, name=f"block-{block.index}[{device}]", index=block.index, line=block.line, device=device
                )


class NoteItem(_Item):
    def __init__(self, *, index: int, line: int, device: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index, self.line, self.device = index, line, device

    def runtest(self) -> None:
        if self.path not in self.results.notes:
            assert isinstance(self.parent, NoteFile)
            devices = _selected_devices(self, self.parent)
            try:
                self.results.notes[self.path] = audit_note(self.path, self.results.warm_runner(), devices=devices)
            except HarnessError:
                self.results.forget_runner()
                raise
        audit = self.results.notes[self.path]
        block = next((b for b in audit.blocks if b.index == self.index), None)
        if block is None:  # the note changed between collection and the run
            raise NoteproofFailure(Verdict(Status.ERROR, f"block {self.index} is no longer in {self.path}"))
        self.judge(block_verdict(block, self.device, _shown(self.path, self.config), _lines(self.path)))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.line - 1, self.name


__all__ = ["NoteFile", "NoteItem", "NoteproofDrift", "SpecFile", "SpecItem"]

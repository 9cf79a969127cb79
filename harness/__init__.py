"""noteproof: prove or disprove the code examples in PyTorch study notes.

The public API, for front ends (review page, pytest plugin, language server) and scripts:

    specs = load_specs([Path("specs")])
    with Runner() as runner:
        outcomes = runner.run(specs, devices=("cpu", "cuda"))
    with History.open_reader(Path(".noteproof/results.sqlite")) as history:
        run = history.latest_run()
    with Runner() as runner:
        audit = audit_note(Path("note.md"), runner)   # a note as written: claims, bugs, fixes

The flow, one subpackage a stage: notes -> specs -> runs -> sandbox (the only code that imports torch) ->
judge -> audit -> history -> front ends (cli). Names load on first use (PEP 562), so `import harness` costs
almost nothing: a language server starts on it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.audit.note_audit import BlockAudit, ClaimVerdict, NoteAudit, audit_note
    from harness.cli.report import run_json
    from harness.errors import (
        BadInput,
        HarnessError,
        HistoryError,
        NoteError,
        NoteproofError,
        SpecError,
        SpecProblem,
        WorkerDied,
    )
    from harness.history.diff import RowChange, RunDiff
    from harness.history.records import BaselineRecord, ExampleRun
    from harness.history.store import DEFAULT_HISTORY, History, RunRecord
    from harness.judge.outcome import CheckResult, DataRecord, GradientRecord, Location, Outcome, Status, Timing
    from harness.judge.printed import compare_printed
    from harness.notes.claims import Claim, CodeBlock, read_code_blocks
    from harness.runs.runner import Environment, Runner
    from harness.specs.loading import LoadedSpec, load_specs
    from harness.specs.model import Spec, json_schema

__version__ = "0.1.0"

_HOME = {
    "WorkerDied": "harness.errors",
    "NoteproofError": "harness.errors",
    "NoteError": "harness.errors",
    "HistoryError": "harness.errors",
    "BadInput": "harness.errors",
    "BlockAudit": "harness.audit.note_audit",
    "ClaimVerdict": "harness.audit.note_audit",
    "NoteAudit": "harness.audit.note_audit",
    "audit_note": "harness.audit.note_audit",
    "run_json": "harness.cli.report",
    "DEFAULT_HISTORY": "harness.history.store",
    "History": "harness.history.store",
    "RunRecord": "harness.history.store",
    "ExampleRun": "harness.history.records",
    "BaselineRecord": "harness.history.records",
    "RunDiff": "harness.history.diff",
    "RowChange": "harness.history.diff",
    "CheckResult": "harness.judge.outcome",
    "DataRecord": "harness.judge.outcome",
    "GradientRecord": "harness.judge.outcome",
    "Location": "harness.judge.outcome",
    "Outcome": "harness.judge.outcome",
    "Status": "harness.judge.outcome",
    "Timing": "harness.judge.outcome",
    "compare_printed": "harness.judge.printed",
    "Claim": "harness.notes.claims",
    "CodeBlock": "harness.notes.claims",
    "read_code_blocks": "harness.notes.claims",
    "Environment": "harness.runs.runner",
    "HarnessError": "harness.errors",
    "Runner": "harness.runs.runner",
    "LoadedSpec": "harness.specs.loading",
    "SpecError": "harness.errors",
    "SpecProblem": "harness.errors",
    "load_specs": "harness.specs.loading",
    "Spec": "harness.specs.model",
    "json_schema": "harness.specs.model",
}

__all__ = [
    "DEFAULT_HISTORY",
    "BadInput",
    "BaselineRecord",
    "BlockAudit",
    "CheckResult",
    "Claim",
    "ClaimVerdict",
    "CodeBlock",
    "DataRecord",
    "Environment",
    "ExampleRun",
    "GradientRecord",
    "HarnessError",
    "History",
    "HistoryError",
    "LoadedSpec",
    "Location",
    "NoteAudit",
    "NoteError",
    "NoteproofError",
    "Outcome",
    "RowChange",
    "RunDiff",
    "RunRecord",
    "Runner",
    "Spec",
    "SpecError",
    "SpecProblem",
    "Status",
    "Timing",
    "WorkerDied",
    "audit_note",
    "compare_printed",
    "json_schema",
    "load_specs",
    "read_code_blocks",
    "run_json",
]


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]

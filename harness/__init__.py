"""noteproof: prove or disprove the code examples in PyTorch study notes.

The public API, for front ends (review page, pytest plugin, language server) and scripts:

    specs = load_specs([Path("specs")])
    with Runner() as runner:
        outcomes = runner.run(specs, devices=("cpu", "cuda"))
    with History(Path(".noteproof/results.sqlite")) as history:
        run = history.latest_run()
    with Runner() as runner:
        audit = audit_note(Path("note.md"), runner)   # a note as written: claims, bugs, fixes

Everything a front end shows comes from `History`; nothing here imports torch (the worker does).
"""

from harness.audit import BlockAudit, ClaimVerdict, NoteAudit, audit_note
from harness.claims import Claim, CodeBlock, read_code_blocks
from harness.history import DEFAULT_HISTORY, History, RunRecord
from harness.loading import LoadedSpec, SpecError, SpecProblem, load_specs
from harness.outcome import CheckResult, DataRecord, GradientRecord, Location, Outcome, Status, Timing
from harness.printed import compare_printed
from harness.report import run_json
from harness.runner import Environment, HarnessError, Runner
from harness.spec import Spec, json_schema

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_HISTORY",
    "BlockAudit",
    "CheckResult",
    "Claim",
    "ClaimVerdict",
    "CodeBlock",
    "DataRecord",
    "Environment",
    "GradientRecord",
    "HarnessError",
    "History",
    "LoadedSpec",
    "Location",
    "NoteAudit",
    "Outcome",
    "RunRecord",
    "Runner",
    "Spec",
    "SpecError",
    "SpecProblem",
    "Status",
    "Timing",
    "audit_note",
    "compare_printed",
    "json_schema",
    "load_specs",
    "read_code_blocks",
    "run_json",
]

"""Audit: run a note as its author wrote it, find what stops its claims, fix it, and judge every claim.

Pipeline: note -> code blocks with claims (claims.py) -> one in-memory spec per block -> runs on the warm
worker -> for a block that raises where nothing was claimed: does it continue an earlier block (notebook
style)? else a fix (fixes.py), applied, and run again, since one bug can hide the next -> claims judged on
the final code, marked with the fixes they were judged under.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from harness.audit.code_index import imported_names
from harness.audit.edits import Edit, apply_edits, edits_between, line_map
from harness.audit.fixes import Fix, describe_fix, suggest_fix
from harness.audit.patch import patch_note
from harness.judge.check import NOTHING_PRINTED, Observation
from harness.judge.outcome import (
    BlockRecord,
    CheckResult,
    ClaimRecord,
    ErrorRecord,
    FixRecord,
    Location,
    NoteEdit,
    Outcome,
    Status,
    worst,
)
from harness.notes.claims import Claim, CodeBlock, has_address, read_code_blocks
from harness.notes.document import code_hash, read_note
from harness.notes.names import block_names
from harness.runs.protocol import ExceptionInfo
from harness.runs.runner import Execution, Runner
from harness.sandbox.capture import CELL_HOOK
from harness.specs.loading import LoadedSpec
from harness.specs.model import (
    Data,
    Example,
    ExceptionExpectation,
    Expectation,
    GradientsExpectation,
    PrintedExpectation,
    Spec,
    TimingSettings,
    ValueExpectation,
)

# block: each block alone; chain: after the earlier blocks it uses; session: every block after all the earlier ones,
# as one notebook kernel ran them; auto: session for a note written as one session, else alone or chained by need.
Isolation = Literal["block", "chain", "session", "auto"]
_PROMPT = re.compile(r"^[ \t>]*(?:In|Out)\s*\[\s*\d+\s*\]\s*:", re.MULTILINE)
MAX_FIXES_PER_BLOCK = 12
_SHAPE_ONLY = re.compile(r"(?:torch\.Size\(\[[\d,\s]*\]\)\s*)+")
_AUTHOR_FILES = ("FileNotFoundError", "IsADirectoryError", "NotADirectoryError")
# What torch raises when code asks for a GPU this machine does not have (a CUDA build without a driver, a CPU build,
# no visible device): the author's machine had one.
_NO_CUDA = re.compile(
    r"Found no NVIDIA driver|Torch not compiled with CUDA|No CUDA GPUs are available|CUDA driver initialization failed"
    r"|torch\.cuda\.is_available\(\) is False"
)


@dataclass(frozen=True)
class ClaimVerdict:
    block: int
    line: int  # the claim's line in the note
    kind: str
    form: str
    device: str
    status: Status  # passed = true, failed = false, drifted, unverifiable, error = its block does not run
    claimed: str
    actual: str
    reason: str
    under_fixes: tuple[str, ...] = ()  # the fixes this verdict needed, e.g. "`import torch` added"
    lines: tuple[int, int] = (0, 0)  # first and last note lines the claim is written on (a traceback spans several)


@dataclass(frozen=True)
class BlockAudit:
    source: CodeBlock  # the block as read from the note, with its claims
    index: int
    line: int  # the note line of its opening fence
    code: str  # as written
    fixed_code: str
    error_as_written: dict[str, Any] | None
    continues: tuple[int, ...]  # earlier blocks it runs after (notebook style)
    fixes: tuple[Fix, ...]
    remaining_error: str | None
    claims: tuple[ClaimVerdict, ...]
    outcomes: tuple[Outcome, ...]

    @property
    def runs_as_written(self) -> bool:
        return self.error_as_written is None

    def edits(self) -> list[Edit]:
        """The fixes as edits of the code AS WRITTEN (fixes were found one after another on changing code)."""
        return edits_between(self.code, self.fixed_code)

    def note_line(self, code_line: int) -> int:
        return self.line + code_line


@dataclass(frozen=True)
class NoteAudit:
    note: str
    blocks: tuple[BlockAudit, ...]

    @property
    def claims(self) -> list[ClaimVerdict]:
        return [claim for block in self.blocks for claim in block.claims]

    def fixed_text(self, text: str) -> str:
        # Inline code's fix is reported, never written: its code is a table cell or a span of prose, not a fence.
        fixed = [block for block in self.blocks if block.fixes and not block.source.inline]
        return patch_note(text, {block.line: block.edits() for block in fixed})

    @property
    def clean(self) -> bool:
        """Every block runs as written and no claim is false."""
        return all(b.runs_as_written for b in self.blocks) and not any(c.status.is_problem for c in self.claims)


@dataclass
class _State:
    block: CodeBlock
    code: str
    fixes: list[Fix] = field(default_factory=list)
    continues: list[int] = field(default_factory=list)
    error_as_written: dict[str, Any] | None = None
    error_line_as_written: int | None = None  # its line in the block's own code
    snapshots: list[str] = field(default_factory=list)  # the code before each fix, to say each fix in note lines
    ran: bool = False
    chain_failed: bool = False  # ran after earlier blocks, and one of those failed
    done: bool = False
    last: Execution | None = None
    last_code: str = ""  # the code (earlier blocks included) that `last` ran
    last_prefix: str = ""  # the earlier blocks' code that `last` ran after
    last_cells: dict[int, str] = field(default_factory=dict)  # each earlier block's code, by index, as `last` ran it
    last_error: tuple[Any, ...] | None = None
    reseeded: Execution | None = None  # the final code run under another seed, when it may draw random numbers


def audit_note(
    path: Path,
    runner: Runner,
    *,
    isolation: Isolation = "auto",
    devices: Sequence[str] = ("cpu",),
    samples: int = 8,
    timeout: float = 60.0,
    text: str | None = None,
    only: Collection[int] | None = None,
) -> NoteAudit:
    """Audit the note at `path` (or its `text`, as an editor holds it unsaved). With `only`, just those blocks
    (by index) run and are reported, exactly as within the whole note: the others are read (they decide the
    note's style and what the fixes know) and, in a session, still run before them as cells."""
    text = read_note(path) if text is None else text
    blocks = read_code_blocks(text, source=str(path))
    if isolation == "auto" and session_style(blocks, text):
        isolation = "session"
    auditor = _Auditor(path, blocks, runner, isolation, samples, timeout, only=only)
    auditor.analyse()
    return NoteAudit(str(path), auditor.conclude(devices))


class _Auditor:
    def __init__(
        self,
        path: Path,
        blocks: list[CodeBlock],
        runner: Runner,
        isolation: Isolation,
        samples: int,
        timeout: float,
        *,
        only: Collection[int] | None = None,
    ) -> None:
        self.path, self.runner, self.isolation = path, runner, isolation
        self.only = frozenset(only) if only is not None else None
        self.samples, self.timeout = samples, timeout
        self.states = [_State(block, _with_newline(block.code)) for block in blocks]
        self._modules: set[str] | None = None  # names bound by imports anywhere in the note
        self._data: frozenset[str] | None = None  # names bound to a dataset or to what was read from one
        self._kernel = kernel_order(blocks)
        for state in self.states:
            state.done = not self._wanted(state)  # not asked for: read, not run
        if isolation == "chain":
            for state in self.states:
                state.continues = self._needed(state)
        for state in self.states:
            if state.block.inline == "prose" and isolation != "session":
                state.continues = self._needed(state, also=self._code_above(state))

    # -- analysis: run, explain, fix, run again ------------------------------------------------------------------

    def analyse(self) -> None:
        while pending := self._pending():
            specs = [self._spec(state) for state in pending]
            prefixes = [self._prefix(state) for state in pending]  # before any fix of this round changes one
            cells = [self._cells(state) for state in pending]
            executions = self.runner.execute(specs, ("cpu",))
            for state, spec, prefix, execution, ran_after in zip(
                pending, specs, prefixes, executions, cells, strict=True
            ):
                state.last, state.last_code, state.last_prefix = execution, spec.code, prefix
                state.last_cells = ran_after
                self._explain(state, execution.observation, spec.code.count("\n") - state.code.count("\n"))

    def _explain(self, state: _State, observation: Observation | None, offset: int) -> None:
        exception = observation.get("exception") if observation else _crash(state)
        if not state.ran:
            state.ran = True
            if exception and not self._claimed(state, exception):
                line = exception.get("line")
                state.error_line_as_written = line - offset if line and line > offset else None
                # In the block's own lines: earlier blocks it ran after are not part of it.
                state.error_as_written = {**exception, "line": state.error_line_as_written}
        if observation is None or exception is None or self._claimed(state, exception):
            state.done = True
            return
        line = exception.get("line")
        if line is not None and line <= offset:
            if self.isolation in ("chain", "session") or state.block.inline == "prose":
                state.done = True  # an earlier block it continues fails: that block's report says why
            else:
                state.continues, state.chain_failed = [], True  # alone again: the missing name is its own bug
            return
        local = {**exception, "line": line - offset if line else None}
        if exception["type"] == "NameError" and self._continues_earlier(state, exception.get("name")):
            state.continues = self._needed(state)
            if state.continues:
                return  # run again after those blocks
        fix = None
        signature = (exception["type"], exception["message"], local["line"])
        if len(state.fixes) < MAX_FIXES_PER_BLOCK and signature != state.last_error:
            written = _with_newline(state.block.code)
            fix = suggest_fix(
                state.code,
                local,
                self._defined_before(state),
                say_line=lambda line: state.block.line + _written_line(written, state.code, line),
            )
        state.last_error = signature
        if fix is None:  # no evidence for one edit, or the last fix did not change the error: stop here
            state.done = True
            return
        state.snapshots.append(state.code)
        state.code = _with_newline(apply_edits(state.code, fix.edits))
        state.fixes.append(fix)

    def _pending(self) -> list[_State]:
        """The blocks to run next. In a session every block runs at once on what the earlier blocks are now;
        a block whose earlier blocks changed since (a fix) starts over on the new code, exactly as if it had
        waited for them: one fork per block for a note that needs no fix, instead of one block at a time."""
        if self.isolation == "session":
            for state in self.states:
                self._in_session(state)
                if state.ran and self._wanted(state) and state.last_prefix != self._prefix(state):
                    if self._reaches_changed(state):
                        _start_over(state)
                    else:  # what changed cannot reach it: its run stands, as if made after the change
                        state.last_prefix = self._prefix(state)
                        state.last_code = state.last_prefix + state.last_code.split("\n", len(state.last_cells))[-1]
                        state.last_cells = self._cells(state)
        return [s for s in self.states if not s.done]

    def _cells(self, state: _State) -> dict[int, str]:
        return {i: self.states[i - 1].code for i in state.continues}

    def _reaches_changed(self, state: _State) -> bool:
        """Could an earlier block that changed since the block last ran (a fix, a process that died) change what
        the block does? Names link blocks: the block's free names, and every name of each earlier block that
        shares one with them, back to the changed block. Imports link nothing (importing again is the same
        module); global state does (a seed, print options, default dtype): then everything after is reached."""
        cells = self._cells(state)
        changed = {i for i in set(cells) | set(state.last_cells) if cells.get(i) != state.last_cells.get(i)}
        if state.block.random_unseeded or any(_GLOBAL_STATE.search(self.states[i - 1].code) for i in changed):
            return True
        modules = self._imported()
        reach = set(state.block.uses) - modules
        order = {index: at for at, index in enumerate(state.continues)}  # the order the blocks ran in
        for index in sorted(set(cells) | changed, key=lambda i: order.get(i, -1), reverse=True):  # nearest first
            touches = self._names(index) - modules
            if touches & reach:
                if index in changed:
                    return True
                reach |= touches
        return False

    def _data_names(self) -> frozenset[str]:
        """Names that hold a dataset or what was read from one: bound from a dataset or loader built, or from
        an expression over such a name (`img, label = train_ds[0]`, `xb, yb = next(iter(train_dl))`)."""
        if self._data is None:
            names: set[str] = set()
            for state in self.states:
                tree = _parsed(state.code)
                for node in ast.walk(tree) if tree is not None else ():
                    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.For, ast.AugAssign)):
                        source = node.iter if isinstance(node, ast.For) else node.value
                        if source is not None and _reads_data(source, names):
                            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            self._data = frozenset(names)
        return self._data

    def _imported(self) -> set[str]:
        if self._modules is None:
            self._modules = set().union(*(imported_names(s.code) for s in self.states)) if self.states else set()
        return self._modules

    def _names(self, index: int) -> set[str]:
        """Every name block `index` binds or loads, as written and as its code is now (a fix may add one)."""
        state = self.states[index - 1]
        names = set(state.block.defines | state.block.uses)
        if state.code != _with_newline(state.block.code) and (tree := _parsed(state.code)) is not None:
            defines, uses = block_names(tree)
            names |= defines | uses
        return names

    def _in_session(self, state: _State) -> _State:
        """The block runs after every earlier block, fixes applied, each as a cell (see `_prefix`); one whose
        process died is left out (its report says why)."""
        state.continues = [s.block.index for s in self._earlier(state) if not self._died(s)]
        return state

    def _earlier(self, state: _State) -> list[_State]:
        """The blocks before this one that the author ran: a variant written in prose was not run, only said. In a
        notebook run out of order, the cells the kernel ran before it, in the kernel's order (`kernel_order`)."""
        if self._kernel is not None:
            return [self.states[i - 1] for i in self._kernel[state.block.index]]
        return [s for s in self.states[: state.block.index - 1] if s.block.inline != "prose"]

    def _code_above(self, state: _State) -> int | None:
        """The block a variant written in prose varies: the nearest block above it that the author ran."""
        earlier = self._earlier(state)
        return earlier[-1].block.index if earlier else None

    def _died(self, state: _State) -> bool:
        """Its process ended without an observation (a crash, a hang): running it again would do the same."""
        return state.last is not None and state.last.observation is None

    def _wanted(self, state: _State) -> bool:
        return self.only is None or state.block.index in self.only

    def _continues_earlier(self, state: _State, name: str | None) -> bool:
        """Notebook style: the name comes from an earlier block. But in a note whose blocks each import what they
        use (standalone style, like most course notes), an import missing from one block is that block's bug."""
        if self.isolation == "block" or state.continues or state.chain_failed or not name:
            return False
        earlier = self._earlier(state)
        if not any(name in s.block.defines for s in earlier):
            return False
        importers = sum(1 for s in self.states if name in imported_names(s.block.code))
        return importers < 2

    @staticmethod
    def _claimed(state: _State, exception: ExceptionInfo) -> bool:
        return any(
            claim.kind == "exception" and (claim.exception_type is None or claim.exception_type in exception["mro"])
            for claim in state.block.claims
        )

    def _needed(self, state: _State, *, also: int | None = None) -> list[int]:
        """Earlier blocks that define what this one uses without defining, followed back transitively; `also`:
        a block it runs after whatever it uses, and what that block needs."""
        wanted, chosen = set(self._uses(state)), []
        for earlier in reversed(self._earlier(state)):
            if earlier.block.index == also or earlier.block.defines & wanted:
                # The nearest block that binds a name is the one that counts: blocks above it are not needed for it.
                chosen.append(earlier.block.index)
                wanted = (wanted - earlier.block.defines) | earlier.block.uses
        return sorted(chosen)

    def _uses(self, state: _State) -> frozenset[str]:
        """The names the block loads, as its code is now: a block that did not parse as written (a bracket left
        open) has its names only once fixed."""
        if state.code != _with_newline(state.block.code) and (tree := _parsed(state.code)) is not None:
            return block_names(tree)[1]
        return state.block.uses

    def _defined_before(self, state: _State) -> dict[str, int]:
        names: dict[str, int] = {}
        for earlier in self._earlier(state):
            for name in earlier.block.defines:
                names[name] = earlier.block.index
        return names

    def _spec(self, state: _State, *, timing: bool = False) -> LoadedSpec:
        prefix = self._prefix(state)
        offset = prefix.count("\n")
        moved = line_map(_with_newline(state.block.code), state.code)  # fixes may insert or drop lines
        expectations = [
            e
            for claim in state.block.claims
            if (e := expectation_for(_checked(claim), _statement(claim, offset, moved))) is not None
        ]
        # Constructed, not validated: a block that claims nothing still runs (a spec file would need a claim).
        spec = Spec.model_construct(
            title=f"block {state.block.index}",
            example=Example(code=prefix + state.code, display_last=shows_last_value(state.block)),
            expect=expectations,
            timeout=self.timeout,
            data=Data(samples=self.samples),
            timing=TimingSettings(enabled=timing),
        )
        return LoadedSpec(
            id=block_id(self.path, state.block.index),
            spec=spec,
            path=self.path,
            code=prefix + state.code,
            location=Location(str(self.path), state.block.line),
            expectation_lines=(),
            code_offset=offset,
        )

    # -- conclusion: the final code on every device, each claim judged -----------------------------------------------

    def conclude(self, devices: Sequence[str]) -> tuple[BlockAudit, ...]:
        timing = self.runner.timing
        wanted = [state for state in self.states if self._wanted(state)]
        specs = [self._spec(state, timing=timing) for state in wanted]
        gpu_runs = "cuda" in devices and bool(self.runner.environment(probe_cuda=True).cuda)
        # Without timing or a GPU row to compare with, a block whose last analysis run ran exactly this code
        # needs no second run on the CPU; cuda rows then only say why they were skipped.
        reuse = not timing and not gpu_runs
        rerun = [
            spec for spec, state in zip(specs, wanted, strict=True) if not (reuse and state.last_code == spec.code)
        ]
        # Randomness decided by experiment: a block that may draw from an unseeded generator runs once more under
        # another seed; a claim whose output changes with it is unverifiable, one whose output stays is judged.
        # (A block that claims nothing verifiable has no claim for the experiment to decide: it is not run again.)
        reseeded = [
            _reseeded(spec)
            for spec, state in zip(specs, wanted, strict=True)
            if self._random(state) and any(not claim.unverifiable for claim in state.block.claims)
        ]
        rerun_devices = [d for d in devices if d == "cpu" or not reuse]
        together = rerun_devices == ["cpu"]  # one batch keeps both slots busy to the end
        executions = {
            (e.outcome.spec_id, e.outcome.device): e
            for e in self.runner.execute([*rerun, *reseeded] if together else rerun, rerun_devices)
        }
        if reseeded and not together:
            executions |= {(e.outcome.spec_id, e.outcome.device): e for e in self.runner.execute(reseeded, ("cpu",))}
        if reuse and "cuda" in devices:
            executions |= {(e.outcome.spec_id, e.outcome.device): e for e in self.runner.execute(specs, ("cuda",))}
        audits = []
        for spec, state in zip(specs, wanted, strict=True):
            rows = []
            for device in devices:
                row = executions.get((spec.id, device))
                if row is None and device == "cpu":
                    row = state.last  # the last analysis run already ran exactly this code
                if row is not None:
                    rows.append(row)
            state.reseeded = executions.get((_reseeded_id(spec.id), "cpu"))
            audits.append(self._block_audit(state, rows))
        return tuple(audits)

    def _block_audit(self, state: _State, rows: list[Execution]) -> BlockAudit:
        fixes = tuple(describe_fix(fix) for fix in state.fixes)
        claims: list[ClaimVerdict] = []
        outcomes: list[Outcome] = []
        remaining: str | None = None
        for row in rows:
            verdicts = [self._verdict(state, claim, row, fixes) for claim in state.block.claims]
            claims.extend(verdicts)
            exception = row.observation.get("exception") if row.observation else None
            if row.outcome.device == "cpu" and exception and not self._claimed(state, exception):
                remaining = f"{exception['type']}: {exception['message']}"
            elif row.outcome.device == "cpu" and row.observation is None:
                remaining = row.outcome.message
            outcomes.append(_stored(row.outcome, verdicts, state, self._record(state, row, verdicts)))
        return BlockAudit(
            source=state.block,
            index=state.block.index,
            line=state.block.line,
            code=_with_newline(state.block.code),
            fixed_code=state.code,
            error_as_written=state.error_as_written,
            continues=tuple(state.continues),
            fixes=tuple(state.fixes),
            remaining_error=remaining,
            claims=tuple(claims),
            outcomes=tuple(outcomes),
        )

    def _authors_environment(self, exception: ExceptionInfo, device: str) -> str | None:
        """Why the exception says the block needed the author's machine (a name of their session, a GPU, a file, a
        module); None when it is an error of the code itself."""
        missing = exception.get("name") if exception["type"] == "NameError" else None
        if missing and not any(missing in state.block.defines for state in self.states):
            # Nothing in the note binds it and no fix found one: a variable of the author's own session.
            return f"uses `{missing}`, which the note never defines: it was the author's, in their own session"
        if _NO_CUDA.search(exception.get("message") or ""):
            return f"needs a CUDA device, which this run on {device} does not have (the author's had one)"
        if exception["type"] in _AUTHOR_FILES:
            return f"needs {_quoted(exception['message']) or 'a file'}, a file the author had"
        if exception["type"] == "ModuleNotFoundError":
            return (
                f"needs the module {_quoted(exception['message']) or 'it imports'!r}, which the note does not hold "
                "and this machine does not have (the author's own file, or a package not installed here)"
            )
        return None

    def _verdict(self, state: _State, claim: Claim, row: Execution, fixes: tuple[str, ...]) -> ClaimVerdict:
        verdict = ClaimVerdict(
            block=state.block.index,
            line=claim.line,
            kind=claim.kind,
            form=claim.form,
            device=row.outcome.device,
            status=Status.UNVERIFIABLE,
            claimed=claim.text,
            actual="",
            reason=claim.unverifiable or "",
            under_fixes=fixes,
            lines=claim.lines,
        )
        if claim.unverifiable and not (has_address(claim.text) and claim.kind == "printed"):
            return verdict
        if claim.unverifiable:  # an address cannot be checked, but what is printed around it can be wrong
            check = _check_for(claim, state, row)
            if check is not None and check.status == Status.FAILED:
                return replace(verdict, status=check.status, actual=check.actual, reason=check.message)
            return verdict
        check = _check_for(claim, state, row)
        if check is None:  # the row did not run: skipped (no CUDA) or crashed before any observation
            status = Status.SKIPPED if row.outcome.status == Status.SKIPPED else Status.ERROR
            return replace(verdict, status=status, reason=row.outcome.message)
        verdict = replace(verdict, status=check.status, actual=check.actual, reason=check.message)
        exception = row.observation.get("exception") if row.observation else None
        # A block that stopped on what the author had and this machine has not: a claim it never reached, or an
        # error claimed where the author's module, file or GPU was missing first.
        preempted = check.status == Status.ERROR or (
            claim.kind == "exception"
            and check.status == Status.FAILED
            and exception is not None
            and exception["type"] != claim.exception_type
        )
        if preempted and exception and (missing := self._authors_environment(exception, row.outcome.device)):
            return replace(verdict, status=Status.UNVERIFIABLE, reason=missing)
        built = row.observation["datasets"] if row.observation else []
        stand_ins = [d["name"] for d in built if d["source"] == "stand-in"]
        # The block builds or reads the data, not just runs after it.
        on_data = bool((state.block.uses | state.block.defines) & self._data_names())
        # What real data holds a stand-in cannot show; its shapes it can (a stand-in has the real data's form).
        if stand_ins and on_data and check.status == Status.FAILED and not _SHAPE_ONLY.fullmatch(claim.text.strip()):
            return replace(
                verdict,
                status=Status.UNVERIFIABLE,
                reason=f"ran on a generated stand-in for {', '.join(sorted(set(stand_ins)))} (the real data is not "
                f"on this machine): {check.message}",
            )
        if (
            check.status == Status.FAILED
            and check.actual.strip() not in ("", NOTHING_PRINTED)
            and claim.kind == "printed"
            and _prints_caught(state.code)
        ):
            # `except RuntimeError as err: print(err)`: the error is still raised and caught; its wording changed.
            reason = f"the error is still raised and caught; today's message differs from the note's: {check.message}"
            return replace(verdict, status=Status.DRIFTED, reason=reason)
        if check.status == Status.FAILED and _on_gpu(claim, check.actual, row.outcome.device):
            reason = f"the author's run was on a GPU (the output names cuda) and this one had none: {check.message}"
            return replace(verdict, status=Status.UNVERIFIABLE, reason=reason)
        if state.reseeded is not None:
            other = _check_for(claim, state, state.reseeded)
            if other is None or other.actual != check.actual:
                # A match or a mismatch both depend on which seed the author's run happened to use.
                return replace(
                    verdict,
                    status=Status.UNVERIFIABLE,
                    reason="the output changes with the random seed (unseeded randomness): "
                    f"{check.actual!r} under one seed, {other.actual if other else 'no output'!r} under another",
                )
        return verdict

    def _record(self, state: _State, row: Execution, verdicts: list[ClaimVerdict]) -> BlockRecord:
        """The block's audit as the history keeps it, every line a note line."""
        block = state.block
        written = _with_newline(block.code)

        def note_line(code_line: int | None) -> int | None:
            return block.line + code_line if code_line else None

        as_written = None
        if state.error_as_written is not None:
            error = state.error_as_written
            as_written = ErrorRecord(error["type"], error["message"], note_line(state.error_line_as_written))
        remaining = None
        exception = row.observation.get("exception") if row.observation else None
        if exception and not self._claimed(state, exception):
            line = (exception.get("line") or 0) - self._prefix(state).count("\n")  # in the block's fixed code
            back = _written_line(written, state.code, line) if line > 0 else None
            remaining = ErrorRecord(exception["type"], exception["message"], note_line(back))
        elif row.observation is None and row.outcome.status == Status.ERROR:
            remaining = ErrorRecord("error", row.outcome.message, None)
        fixes = []
        afters = [*state.snapshots[1:], state.code] if state.snapshots else []
        for fix, before, after in zip(state.fixes, state.snapshots, afters, strict=True):
            edits = tuple(
                NoteEdit(
                    line=block.line + _written_line(written, before, edit.line, insert=edit.insert),
                    removed=() if edit.insert else (edit.old,),
                    added=(edit.new,) if edit.insert or edit.new else (),
                )
                for edit in edits_between(before, after)
            )
            fixes.append(FixRecord(describe_fix(fix), fix.reason, edits))
        return BlockRecord(
            note=str(self.path),
            index=block.index,
            line=block.line,
            content_hash=code_hash(block.code),
            runs_as_written=state.error_as_written is None,
            error_as_written=as_written,
            fixes=tuple(fixes),
            remaining_error=remaining,
            continues=tuple(state.continues),
            mode="session" if self.isolation == "session" else "chain" if state.continues else "block",
            claims=tuple(
                ClaimRecord(v.line, v.kind, v.form, v.claimed, v.actual, v.status, v.reason, v.under_fixes)
                for v in verdicts
            ),
        )

    def _prefix(self, state: _State) -> str:
        """The code of the earlier blocks a block runs after. In a session each earlier block runs as a cell:
        one that raises stops itself, not the rest, and keeps what it did before raising, as the kernel did.
        Each cell takes one line, so the block's own lines stay where `offset` says."""
        earlier = [self.states[i - 1] for i in state.continues]
        if self.isolation == "session":
            return "".join(f"{CELL_HOOK}({s.code!r})\n" for s in earlier)
        # A block whose author shows it raising stops there, as a cell does, not the blocks run after it.
        return "".join(f"{CELL_HOOK}({s.code!r})\n" if _claims_error(s.block) else s.code for s in earlier)

    def _random(self, state: _State) -> bool:
        return state.block.random_unseeded or any(self.states[i - 1].block.random_unseeded for i in state.continues)


def kernel_order(blocks: Sequence[CodeBlock]) -> dict[int, list[int]] | None:
    """For a notebook whose cells the kernel ran out of their order on the page (`In [5]` above `In [4]`): each
    block's index -> the blocks that ran before it, in the order they ran. A cell never run is judged as if run
    right after the last of the cells above it ran, and runs before no other. None when the page's order is the
    kernel's (or the counts cannot say: a count given twice is two kernels, restarted)."""
    counts = [b.executed for b in blocks if b.executed is not None]
    if len(counts) < 2 or counts == sorted(counts) or len(set(counts)) < len(counts):
        return None
    by_count = sorted((b for b in blocks if b.executed is not None), key=lambda b: b.executed or 0)
    before: dict[int, list[int]] = {}
    reached = 0  # the last count among the cells above, for a cell never run
    for block in blocks:
        at = block.executed if block.executed is not None else reached + 0.5
        reached = max(reached, block.executed or 0)
        before[block.index] = [b.index for b in by_count if (b.executed or 0) < at]
    # A cell run again after the cells that use it keeps only its last count: in that order a name would be used
    # before any cell binds it. Then the counts say less than the page does.
    above: set[str] = set()  # what the cells above on the page bind
    for block in blocks:
        bound = set().union(*(blocks[i - 1].defines for i in before[block.index]))
        if (block.uses - bound) & above:
            return None
        above |= block.defines
    return before


def _quoted(message: str) -> str | None:
    """The name an error message quotes: `No such file or directory: 'w.pt'`, `No module named 'tinynet'`."""
    found = re.search(r"'([^']+)'", message)
    return found.group(1) if found else None


def _prints_caught(code: str) -> bool:
    """Every print of the code prints an error it caught (`except RuntimeError as err: print(err)`)."""
    tree = _parsed(code)
    if tree is None:
        return False
    caught = {h.name for h in ast.walk(tree) if isinstance(h, ast.ExceptHandler) and h.name}
    prints = [
        call
        for call in ast.walk(tree)
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"
    ]

    def of_caught(arg: ast.expr) -> bool:
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id in ("str", "repr"):
            return len(arg.args) == 1 and of_caught(arg.args[0])
        return isinstance(arg, ast.Name) and arg.id in caught

    return bool(prints) and all(len(call.args) == 1 and of_caught(call.args[0]) for call in prints)


def _claims_error(block: CodeBlock) -> bool:
    return any(claim.kind == "exception" for claim in block.claims)


def _on_gpu(claim: Claim, actual: str, device: str) -> bool:
    """The claimed output shows the author's GPU (`device='cuda:0'`, `device(type='cuda', index=0)`), and this
    CPU run's output does not: what the code did there cannot be seen here."""
    return device == "cpu" and claim.kind == "printed" and "cuda" in claim.text and "cuda" not in actual


def _crash(state: _State) -> ExceptionInfo | None:
    """A block whose process died (segfault, os._exit, SIGKILL, timeout, memory) does not run as written: an
    error of that block, at the line faulthandler saw where it did, never "runs as written"."""
    outcome = state.last.outcome if state.last else None
    if outcome is None or outcome.status != Status.ERROR:
        return None  # skipped (no CUDA): not run, not an error
    first = outcome.message.splitlines()[0] if outcome.message else "its process ended without a result"
    return {
        "type": "crash",
        "mro": ["crash"],
        "message": first,
        "line": outcome.error_line,
        "traceback": "",
        "top_line": None,
        "name": None,
        "owner": None,
        "candidates": [],
        "homes": [],
    }


def _checked(claim: Claim) -> Claim:
    """The claim as the run checks it: one unverifiable for its memory address alone is still compared (an
    address matches any address), so that a wrong type around the address is found false."""
    if claim.unverifiable and claim.kind == "printed" and has_address(claim.text):
        return replace(claim, unverifiable=None)
    return claim


def _check_for(claim: Claim, state: _State, row: Execution) -> CheckResult | None:
    """The check of the expectation made from this claim (checks come in the order the expectations were made)."""
    if row.observation is None:
        return None
    judged = [c for c in state.block.claims if not _checked(c).unverifiable]
    index = judged.index(claim)
    checks = [c for c in row.outcome.checks if c.kind not in ("device", "agreement")]
    return checks[index] if index < len(checks) else None


# Claims that are the whole output of a block, as a notebook showed it: prints, then the last expression's value.
_CELL_OUTPUT_FORMS = frozenset(
    {"output-block", "indented-output", "quoted-output", "paragraph-output", "html-output", "prose-output"}
    | {"notebook-stream", "table-row", "list-output"}
)


def shows_last_value(block: CodeBlock) -> bool:
    """Run the block as a notebook cell (its last expression's value shown) when its output was a cell's:
    a notebook's cell, or an output block after the code. A script shows nothing for a bare last expression,
    so a note that shows one in its output was run in a notebook or a REPL."""
    return block.cell is not None or any(claim.form in _CELL_OUTPUT_FORMS for claim in block.claims)


def block_id(note: Path, index: int) -> str:
    """An audited block's id: the note's path as given and the block's index. Two notes named alike in two
    folders stay apart; history follows a block that moved through its content hash (`BlockRecord`)."""
    return f"{note}#{index}"


def expectation_for(claim: Claim, statement: int | None) -> Expectation | None:
    """The spec expectation that checks a claim; `statement` is the line of its print in the code that runs."""
    if claim.unverifiable:
        return None
    common: dict[str, Any] = {"line": claim.line, "claim": claim.text}
    if claim.kind == "printed":
        return PrintedExpectation(
            kind="printed", text=claim.text, statement=statement, before_error=claim.before_error, **common
        )
    if claim.kind == "exception":
        return ExceptionExpectation(
            kind="exception", type=claim.exception_type or "Exception", claimed=claim.exception_message, **common
        )
    if claim.subject and claim.gradient_fact in ("is_none", "is_set"):  # the one tensor's .grad, once the block ran
        claimed = 1 if claim.gradient_fact == "is_none" else 0
        return ValueExpectation(
            kind="value", expr=f"int({claim.subject}.grad is None)", equals=claimed, atol=0, **common
        )
    facts = {
        "before_none": {"before_backward": "none"},
        "after_set": {"after_backward": "finite"},
        "without_backward_none": {"without_backward": "none"},
    }[claim.gradient_fact or "after_set"]
    return GradientsExpectation(kind="gradients", **facts, **common)


def _statement(claim: Claim, offset: int, moved: dict[int, int]) -> int | None:
    line = moved.get(claim.statement_line) if claim.statement_line else None
    return offset + line if line else None


def session_style(blocks: Sequence[CodeBlock], text: str) -> bool:
    """Were the note's blocks one notebook session, state carrying from block to block? A notebook's cells were;
    an export shows `In [3]:` / `Out[3]:` prompts; and blocks that use what earlier blocks defined, while at
    most one block imports anything, were written to run in one kernel, not alone (the seed note's blocks each
    import what they use: standalone)."""
    blocks = [block for block in blocks if block.inline != "prose"]  # said in prose, never run
    if len(blocks) < 2:
        return False
    if any(block.cell is not None for block in blocks) or _PROMPT.search(text):
        return True
    importers = sum(1 for block in blocks if imported_names(block.code))
    defined: set[str] = set()
    carries = False
    for block in blocks:
        carries = carries or bool(block.uses & defined)
        defined |= block.defines
    return carries and importers <= 1


# Code that sets state every later block sees, whatever names it uses.
_GLOBAL_STATE = re.compile(
    r"manual_seed|\bseed\(|set_printoptions|set_default_dtype|set_default_device|torch\.backends"
)


_DATA_BUILDERS = re.compile(r"(?:^|\.)(?:datasets|DataLoader|ImageFolder|MNIST|FashionMNIST|CIFAR10|CIFAR100)\b")


def _reads_data(node: ast.expr, names: set[str]) -> bool:
    """The expression builds a dataset or a loader, or reads one of `names`."""
    for part in ast.walk(node):
        if isinstance(part, ast.Name) and part.id in names:
            return True
        if isinstance(part, ast.Call) and _DATA_BUILDERS.search(ast.unparse(part.func)):
            return True
    return False


def _parsed(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _start_over(state: _State) -> None:
    """Forget a block's runs: they ran after earlier code that has changed since, so what they raised (and the
    fixes found for it) may not be the block's own."""
    state.code = _with_newline(state.block.code)
    state.fixes, state.snapshots = [], []
    state.error_as_written, state.error_line_as_written = None, None
    state.ran = state.done = False
    state.last, state.last_code, state.last_prefix, state.last_error = None, "", "", None


def _reseeded_id(spec_id: str) -> str:
    return f"{spec_id}~reseeded"


def _reseeded(loaded: LoadedSpec) -> LoadedSpec:
    spec = loaded.spec.model_copy(update={"seed": loaded.spec.seed + 1, "timing": TimingSettings(enabled=False)})
    return dataclasses.replace(loaded, id=_reseeded_id(loaded.id), spec=spec)


def _written_line(written: str, code: str, line: int, *, insert: bool = False) -> int:
    """The line of the code as written that `line` of a later version of it stands for.

    A line an earlier fix inserted has no line as written: it stands where the next original line does."""
    back = {new: old for old, new in line_map(written, code).items()}
    last = len(written.splitlines())
    for candidate in range(line, len(code.splitlines()) + 1):
        if candidate in back:
            return back[candidate]
    return last + 1 if insert else max(last, 1)


def _stored(outcome: Outcome, verdicts: list[ClaimVerdict], state: _State, record: BlockRecord) -> Outcome:
    """The outcome as the history keeps it: claims as judged by the audit, and the fixes as the suggested fix."""
    checks = tuple(CheckResult(v.kind, v.status, v.claimed, v.actual, v.reason, v.line) for v in verdicts) + tuple(
        c for c in outcome.checks if c.kind in ("device", "agreement")
    )
    status = (
        outcome.status
        if outcome.status in (Status.SKIPPED, Status.ERROR) or not checks
        else worst(c.status for c in checks)
    )
    fix = "\n".join(f"{describe_fix(f)}: {f.reason}" for f in state.fixes) or None
    return replace(outcome, checks=checks, status=status, fix=fix, block=record)


def _with_newline(code: str) -> str:
    return code if code.endswith("\n") else code + "\n"

"""Inline results: a note's or a spec's last results placed at its lines, for an editor. Knows nothing of LSP.

A note's python blocks are read (no run) on every request; each block's last audit result is kept in a cache
keyed by a hash of its code and claims, with lines counted from its fence, so prose edited above a block moves
its results with it and an unchanged note costs no run. `Engine.run` audits only the blocks whose key is not
cached, in the warm worker (never in this process), and restarts a worker that died.

Positions: lines are 1-based note lines, columns 0-based; the language server converts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from harness.audit.fixes import describe_fix
from harness.audit.note_audit import BlockAudit, audit_note
from harness.errors import HarnessError, HistoryError, SpecError
from harness.history.store import History
from harness.judge.outcome import CLAIM_WORDS, Outcome, Status
from harness.notes.claims import CodeBlock, read_code_blocks
from harness.runs.runner import Runner
from harness.specs.loading import LoadedSpec, load_spec
from harness.specs.model import DEVICES

Severity = Literal["error", "warning", "information"]
_MARK = {Status.PASSED: "✓", Status.FAILED: "✗", Status.ERROR: "✗", Status.DRIFTED: "~", Status.UNVERIFIABLE: "?"}
_SEVERITY: dict[Status, Severity] = {
    Status.FAILED: "error",
    Status.ERROR: "warning",
    Status.DRIFTED: "warning",
    Status.UNVERIFIABLE: "information",
}


# -- what an editor shows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    line: int  # 1-based
    start: int  # 0-based column
    end_line: int
    end: int


@dataclass(frozen=True)
class TextChange:
    span: Span
    new_text: str


@dataclass(frozen=True)
class QuickFix:
    title: str
    changes: tuple[TextChange, ...]


@dataclass(frozen=True)
class Problem:
    span: Span
    severity: Severity
    message: str
    code: str  # what kind of problem: "fails-as-written", "claim-false", "claim-drifted", "spec", ...
    fix: QuickFix | None = None


@dataclass(frozen=True)
class Lens:
    line: int
    title: str


@dataclass(frozen=True)
class HoverText:
    span: Span
    markdown: str


@dataclass(frozen=True)
class InlineView:
    lenses: tuple[Lens, ...] = ()
    problems: tuple[Problem, ...] = ()
    hovers: tuple[HoverText, ...] = ()

    def hover_at(self, line: int, column: int) -> HoverText | None:
        return next((h for h in self.hovers if h.span.line == line and h.span.start <= column <= h.span.end), None)

    def fixes_at(self, line: int) -> list[tuple[Problem, QuickFix]]:
        return [(p, p.fix) for p in self.problems if p.fix and p.span.line <= line <= p.span.end_line]


# -- a block's result, with lines counted from its fence so it survives edits elsewhere ----------------------------


@dataclass(frozen=True)
class ClaimResult:
    offset: int  # note line - fence line
    device: str
    status: Status
    claimed: str
    actual: str
    reason: str
    under_fixes: tuple[str, ...]


@dataclass(frozen=True)
class CodeEdit:
    code_line: int  # 1-based line in the block's code as written
    old: str
    new: str
    insert: bool


@dataclass(frozen=True)
class DeviceResult:
    device: str
    status: Status
    message: str
    median_s: float | None
    duration_s: float | None


@dataclass(frozen=True)
class BlockResult:
    key: str
    continues: tuple[tuple[int, str], ...]  # (index, key) of the earlier blocks it ran after
    error_type: str | None  # as written
    error_message: str
    error_code_line: int | None
    fixes: tuple[str, ...]  # each "description (reason)"
    edits: tuple[CodeEdit, ...]  # all fixes together, numbered by the code as written
    remaining_error: str | None
    claims: tuple[ClaimResult, ...]
    devices: tuple[DeviceResult, ...]

    @property
    def runs_as_written(self) -> bool:
        """Runs as its author wrote it: alone, or after the earlier blocks it continues (notebook style)."""
        return self.error_type is None or (bool(self.continues) and not self.fixes and not self.remaining_error)


def block_key(block: CodeBlock) -> str:
    """Code and claims, claims placed relative to the fence: what decides the block's result."""
    digest = hashlib.sha256(block.code.encode("utf-8", errors="surrogatepass"))
    for claim in block.claims:
        digest.update(f"\0{claim.line - block.line}\0{claim.kind}\0{claim.text}".encode("utf-8", errors="replace"))
    return digest.hexdigest()


def block_result(audit: BlockAudit, keys: dict[int, str]) -> BlockResult:
    error = audit.error_as_written or {}
    return BlockResult(
        key=keys[audit.index],
        continues=tuple((i, keys[i]) for i in audit.continues if i in keys),
        error_type=error.get("type"),
        error_message=str(error.get("message", "")),
        error_code_line=error.get("line"),
        fixes=tuple(f"{describe_fix(fix)} ({fix.reason})" for fix in audit.fixes),
        edits=tuple(CodeEdit(e.line, e.old, e.new, e.insert) for e in audit.edits()),
        remaining_error=audit.remaining_error,
        claims=tuple(
            ClaimResult(c.line - audit.line, c.device, c.status, c.claimed, c.actual, c.reason, c.under_fixes)
            for c in audit.claims
        ),
        devices=tuple(
            DeviceResult(o.device, o.status, o.message, o.timing.median_s if o.timing else None, o.duration_s)
            for o in audit.outcomes
        ),
    )


def audit_blocks(
    path: Path,
    text: str,
    runner: Runner,
    only: Collection[int],
    *,
    devices: Sequence[str],
    timeout: float,
) -> list[BlockAudit]:
    """Audit only the blocks in `only` of the note `text` (as the editor holds it), exactly as within the whole note."""
    audit = audit_note(path, runner, text=text, only=only, devices=devices, timeout=timeout)
    return list(audit.blocks)


# -- the engine: caches, the warm runner, views --------------------------------------------------------------------


@dataclass
class SpecResults:
    text_hash: str
    outcomes: tuple[Outcome, ...]


@dataclass
class Engine:
    """The editor's core: one warm runner (started on the first run), the block cache, the views."""

    devices: tuple[str, ...] = DEVICES
    timeout: float = 60.0
    timing: bool = False
    data_root: Path | None = None
    sandbox: bool = True  # a note may come from anyone: confined as `noteproof audit` confines it
    blocks: dict[str, BlockResult] = field(default_factory=dict)
    specs: dict[Path, SpecResults] = field(default_factory=dict)
    history: Path | None = None  # a results history (`noteproof run` writes one) for specs not run in this session
    runner: Runner | None = None
    restarts: int = 0
    _parsed: dict[str, list[CodeBlock]] = field(default_factory=dict)

    def parse(self, text: str) -> list[CodeBlock]:
        """The note's blocks; the last few texts are remembered, as one request reads a note several times."""
        key = _hash(text.encode("utf-8", errors="surrogatepass"))
        if key not in self._parsed:
            if len(self._parsed) >= 8:
                self._parsed.pop(next(iter(self._parsed)))
            self._parsed[key] = read_code_blocks(text)
        return self._parsed[key]

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None

    def warm(self) -> Runner:
        if self.runner is None:
            self.runner = Runner(timing=self.timing, data_root=self.data_root, sandbox=self.sandbox).__enter__()
        return self.runner

    # -- notes

    def cached(self, blocks: Sequence[CodeBlock]) -> dict[int, BlockResult]:
        """The blocks whose result is known: same code and claims, and the blocks they ran after unchanged."""
        keys = {block.index: block_key(block) for block in blocks}
        known: dict[int, BlockResult] = {}
        for block in blocks:
            result = self.blocks.get(keys[block.index])
            if result is not None and all(keys.get(i) == key for i, key in result.continues):
                known[block.index] = result
        return known

    def stale(self, text: str) -> list[int]:
        blocks = self.parse(text)
        known = self.cached(blocks)
        return [block.index for block in blocks if block.index not in known]

    def run_note(self, path: Path, text: str) -> list[int]:
        """Audit the note's blocks that are not cached (the text as the editor has it); returns their indexes.

        A dead worker is restarted and the error raised (HarnessError): what concluded before it stays cached.
        """
        blocks = self.parse(text)
        keys = {block.index: block_key(block) for block in blocks}
        stale = [index for index in keys if index not in self.cached(blocks)]
        if not stale:
            return []
        try:  # the text as the editor holds it, saved or not
            audits = audit_blocks(path, text, self.warm(), stale, devices=self.devices, timeout=self.timeout)
        except HarnessError:
            self.close()
            self.restarts += 1
            self.warm()  # a fresh worker, so the next request is served
            raise
        for audit in audits:
            self.blocks[keys[audit.index]] = block_result(audit, keys)
        return stale

    def note_view(self, text: str, *, running: Collection[int] = ()) -> InlineView:
        blocks = self.parse(text)
        lines = text.splitlines()
        known = self.cached(blocks)
        lenses, problems, hovers = [], [], []
        for block in blocks:
            result = known.get(block.index)
            if block.index in running:
                lenses.append(Lens(block.line, "running…"))
            else:
                lenses.append(Lens(block.line, _block_lens(result, self.devices)))
            if result is not None:
                problems.extend(_block_problems(block, result, lines))
                hovers.extend(_block_hovers(block, result, lines))
        return InlineView(tuple(lenses), tuple(problems), tuple(hovers))

    # -- specs

    def run_spec(self, path: Path) -> tuple[Outcome, ...]:
        loaded = load_spec(path)  # SpecError: the view shows it
        try:
            outcomes = tuple(self.warm().run([loaded], self.devices))
        except HarnessError:
            self.close()
            self.restarts += 1
            self.warm()
            raise
        self.specs[path] = SpecResults(_hash(path.read_bytes()), outcomes)
        return outcomes

    def spec_view(self, path: Path, *, running: bool = False) -> InlineView:
        """Schema errors at their line; else a lens with the last result of this exact file, and its problems."""
        try:
            loaded = load_spec(path)
        except SpecError as exc:
            problems = tuple(Problem(Span(p.line, 0, p.line, 200), "error", p.message, "spec") for p in exc.problems)
            return InlineView((Lens(1, "spec has errors: nothing runs"),), problems)
        except OSError as exc:
            return InlineView(problems=(Problem(Span(1, 0, 1, 200), "error", f"cannot read {path}: {exc}", "spec"),))
        line = loaded.id_line
        if running:
            return InlineView((Lens(line, "running…"),))
        results = self.specs.get(path)
        if results is not None and results.text_hash == _hash(path.read_bytes()):
            outcomes, title = results.outcomes, _spec_lens(results.outcomes)
        elif recorded := self._recorded(loaded):
            outcomes, title = recorded, _spec_lens(recorded, "last run")
        else:
            return InlineView((Lens(line, "▶ run"),))
        problems, hovers = _spec_problems(loaded, outcomes)
        return InlineView((Lens(line, title),), problems, hovers)

    def _recorded(self, loaded: LoadedSpec) -> tuple[Outcome, ...]:
        """The spec's newest results in the history, if they ran the code the spec has now."""
        if self.history is None or not self.history.is_file():
            return ()
        try:
            with History.open_reader(self.history) as history:
                outcomes = history.latest_outcomes(loaded.id)
        except HistoryError:
            return ()
        return tuple(o for o in outcomes if o.code == loaded.code)


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- placing results -----------------------------------------------------------------------------------------------


def _seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.3g} ms"
    return f"{value * 1e6:.3g} µs"


def _device_word(result: DeviceResult) -> str:
    name = result.device.upper()
    if result.status == Status.SKIPPED:
        return f"{name} skipped"
    mark = _MARK.get(result.status, "?")
    if result.median_s is not None:
        return f"{name} {mark} {_seconds(result.median_s)}"
    return f"{name} {mark}"


def _block_status(result: BlockResult, device: DeviceResult) -> DeviceResult:
    """The lens judges the block as written: a block that needs a fix is not ✓ even if its claims hold after it."""
    if device.status == Status.SKIPPED:
        return device
    claims = [c.status for c in result.claims if c.device == device.device]
    if not result.runs_as_written or result.remaining_error or Status.FAILED in claims:
        status = Status.FAILED if Status.FAILED in claims else Status.ERROR
        return DeviceResult(device.device, status, device.message, device.median_s, device.duration_s)
    status = Status.DRIFTED if Status.DRIFTED in claims else Status.PASSED
    return DeviceResult(device.device, status, device.message, device.median_s, device.duration_s)


def _block_lens(result: BlockResult | None, devices: Iterable[str]) -> str:
    if result is None:
        return "▶ run"
    by_device = {d.device: _block_status(result, d) for d in result.devices}
    words = [_device_word(by_device[d]) for d in devices if d in by_device]
    if not result.runs_as_written:
        n = len(result.fixes)
        words.append(f"fails as written; {n} fix{'es' if n != 1 else ''} found" if n else "fails as written")
    return " · ".join(["▶ run", *words])


def _line_span(lines: Sequence[str], line: int, needle: str | None = None) -> Span:
    text = lines[line - 1] if 1 <= line <= len(lines) else ""
    if needle:
        match = re.search(rf"(?<![\w.]){re.escape(needle)}(?!\w)", text)
        if match:
            return Span(line, match.start(), line, match.end())
    stripped = len(text) - len(text.lstrip())
    return Span(line, stripped, line, len(text))


def _quick_fix(block: CodeBlock, result: BlockResult, lines: Sequence[str]) -> QuickFix | None:
    """All of the block's fixes as one edit of the note: they were found one after another, so they go together."""
    if not result.edits:
        return None
    changes = []
    for edit in result.edits:
        line = block.line + edit.code_line
        text = lines[line - 1] if 1 <= line <= len(lines) else ""
        if edit.insert:
            indent = re.match(r"[ \t>]*", lines[block.line - 1] if block.line <= len(lines) else "")
            prefix = indent.group(0) if indent else ""
            changes.append(TextChange(Span(line, 0, line, 0), f"{prefix}{edit.new}\n"))
        elif not edit.new.strip() and text.strip() == edit.old.strip():
            changes.append(TextChange(Span(line, 0, line + 1, 0), ""))  # the line goes
        else:
            column = text.find(edit.old)
            if column < 0:
                return None  # the note no longer has what the fix replaces: offer nothing rather than a wrong edit
            # Only the characters that differ, so the edit (and what the editor highlights) is `Loss` -> `loss`.
            head = _common_prefix(edit.old, edit.new)
            tail = _common_prefix(edit.old[head:][::-1], edit.new[head:][::-1])
            start, end = column + head, column + len(edit.old) - tail
            changes.append(TextChange(Span(line, start, line, end), edit.new[head : len(edit.new) - tail]))
    title = "noteproof: " + "; ".join(f.split(" (", 1)[0] for f in result.fixes)
    return QuickFix(title, tuple(changes))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _claims_by_line(result: BlockResult) -> dict[int, list[ClaimResult]]:
    by_line: dict[int, list[ClaimResult]] = {}
    for claim in result.claims:
        by_line.setdefault(claim.offset, []).append(claim)
    return by_line


def _block_problems(block: CodeBlock, result: BlockResult, lines: Sequence[str]) -> list[Problem]:
    problems = []
    fix = _quick_fix(block, result, lines)
    if result.error_type:  # as written, alone
        line = block.line + result.error_code_line if result.error_code_line else block.line
        name = re.search(r"name '([^']+)'", result.error_message)
        if result.error_type == "crash":  # the audit's word for a row that hung, was killed or crashed its process
            message = f"as written this block does not complete: {result.error_message}"
        else:
            message = f"as written this raises {result.error_type}: {result.error_message}"
        if result.fixes:
            message += "\nfix: " + "\nfix: ".join(result.fixes)
        span = _line_span(lines, line, name.group(1) if name else None)
        if result.continues and not result.fixes and not result.remaining_error:
            # Notebook style: alone it lacks what an earlier block defines; run after that block, it works.
            after = ", ".join(str(i) for i, _ in result.continues)
            alone = f"{result.error_type}: {result.error_message}"
            words = f"runs after block {after} (notebook style); alone, it raises {alone}"
            problems.append(Problem(span, "information", words, "continues"))
        else:
            problems.append(Problem(span, "error", message, "fails-as-written", fix))
    if result.remaining_error and (result.fixes or not result.error_type):
        # Still raising after its fixes (without fixes, the error as written above says it all).
        words = "still raises after the fixes" if result.error_type else "this block does not complete"
        problems.append(
            Problem(_line_span(lines, block.line), "error", f"{words}: {result.remaining_error}", "still-fails")
        )
    for offset, claims in _claims_by_line(result).items():
        worst_claim = max(claims, key=lambda c: c.status.severity)
        severity = _SEVERITY.get(worst_claim.status)
        if severity is None:
            continue
        if worst_claim.status == Status.ERROR and result.error_type and not worst_claim.under_fixes:
            continue  # the block's own error says why this claim was not reached
        devices = ", ".join(c.device for c in claims if c.status == worst_claim.status)
        under = f" (with {'; '.join(worst_claim.under_fixes)})" if worst_claim.under_fixes else ""
        message = (
            f"claim {CLAIM_WORDS[worst_claim.status]} on {devices}{under}: claimed {worst_claim.claimed}, "
            f"actual {worst_claim.actual or '-'}"
        )
        if worst_claim.reason:
            message += f"\n{worst_claim.reason}"
        line = block.line + offset
        problems.append(
            Problem(_claim_span(lines, line, worst_claim.claimed), severity, message, f"claim-{worst_claim.status}")
        )
    return problems


def _claim_span(lines: Sequence[str], line: int, claimed: str) -> Span:
    text = lines[line - 1] if 1 <= line <= len(lines) else ""
    column = text.find(claimed.splitlines()[0]) if claimed else -1
    if column >= 0:
        return Span(line, column, line, column + len(claimed.splitlines()[0]))
    return _line_span(lines, line)


def _block_hovers(block: CodeBlock, result: BlockResult, lines: Sequence[str]) -> list[HoverText]:
    hovers = []
    for offset, claims in _claims_by_line(result).items():
        line = block.line + offset
        rows = [
            f"| {c.device} | {CLAIM_WORDS[c.status]} | `{c.claimed}` | `{c.actual or '-'}` | {c.reason} |"
            for c in claims
        ]
        under = sorted({f for c in claims for f in c.under_fixes})
        text = "\n".join(
            [
                f"**noteproof** · claim at line {line}",
                "",
                "| device | verdict | expected | actual | why |",
                "| --- | --- | --- | --- | --- |",
                *rows,
            ]
        )
        if under:
            text += "\n\njudged with the fixes: " + "; ".join(under)
        hovers.append(HoverText(_claim_span(lines, line, claims[0].claimed), text))
    return hovers


def _spec_lens(outcomes: Sequence[Outcome], since: str = "") -> str:
    words = [since] if since else []
    words += [
        _device_word(DeviceResult(o.device, o.status, o.message, o.timing.median_s if o.timing else None, None))
        for o in outcomes
    ]
    return " · ".join(["▶ run", *words])


def _spec_problems(
    loaded: LoadedSpec, outcomes: Sequence[Outcome]
) -> tuple[tuple[Problem, ...], tuple[HoverText, ...]]:
    problems: list[Problem] = []
    hovers: list[HoverText] = []
    tables = loaded.expectation_lines
    for outcome in outcomes:
        claims = [c for c in outcome.checks if c.kind not in ("device", "agreement")]
        for index, check in enumerate(claims):
            line = tables[index] if index < len(tables) else loaded.id_line
            span = Span(line, 0, line, 200)
            text = f"{outcome.device}: {check.status.value}: expected {check.expected}, actual {check.actual}"
            hovers.append(HoverText(span, f"**noteproof** · {text}\n\n{check.message}".strip()))
            severity = _SEVERITY.get(check.status)
            if severity is not None:
                problems.append(Problem(span, severity, f"{text}\n{check.message}".strip(), f"claim-{check.status}"))
        if not claims and outcome.status in (Status.ERROR, Status.FAILED):
            span = Span(loaded.id_line, 0, loaded.id_line, 200)
            problems.append(Problem(span, "error", f"{outcome.device}: {outcome.message}", "error"))
    return tuple(problems), tuple(hovers)

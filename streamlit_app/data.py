"""What the review pages show, as plain rows built from the results history. No Streamlit here.

Every function takes an open `harness.History` (or outcomes read from one) and returns frozen rows that a page
draws as they are. The pages wrap these functions in `st.cache_data`, keyed on `stamp(path)`.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from harness import DEFAULT_HISTORY, History, Outcome, RunRecord, Status
from harness.judge.outcome import seconds

HISTORY_VARIABLE = "NOTEPROOF_HISTORY"  # `noteproof review --history FILE` hands the file to the page through it
STATUS_ORDER = (
    Status.FAILED,
    Status.ERROR,
    Status.DRIFTED,
    Status.UNVERIFIABLE,
    Status.PASSED,
    Status.SKIPPED,
)
# Cell colours of each status (background, text), and of an audited block that passes only with fixes: that
# is not a green "passed".
STATUS_COLOURS = {
    "passed": ("#d3f0d8", "#14532d"),
    "failed": ("#fbd5d5", "#7f1d1d"),
    "error": ("#ead5fb", "#4c1d95"),
    "drifted": ("#fdf0c2", "#713f12"),
    "skipped": ("#eeeeee", "#555555"),
    "unverifiable": ("#d5e8fb", "#1e3a8a"),
    "fixed": ("#fde0c2", "#7c2d12"),
}


def history_path() -> Path:
    return Path(os.environ.get(HISTORY_VARIABLE) or DEFAULT_HISTORY)


def stamp(path: Path) -> tuple[float, int, float, int]:
    """A cache key that changes whenever the history does.

    In WAL mode a run's writes land in `FILE-wal` and reach the main file only at a checkpoint, so the
    main file's mtime alone would keep a page showing an old run.
    """
    parts: list[float] = []
    for candidate in (path, path.with_name(path.name + "-wal")):
        try:
            info = candidate.stat()
            parts += [info.st_mtime, info.st_size]
        except OSError:
            parts += [0.0, 0]
    return (parts[0], int(parts[1]), parts[2], int(parts[3]))


def example_link(spec_id: str, device: str, run_id: int | None, page: str = "example") -> str:
    """The page's own URL for one example: every view is linkable."""
    query = {"id": spec_id, "device": device, **({"run": str(run_id)} if run_id is not None else {})}
    return f"/{page}?{urlencode(query)}"


def status_label(outcome: Outcome) -> str:
    """The status as the overview shows it. An audited block that needed fixes says so instead of a green pass."""
    label = outcome.status.value
    block = outcome.block
    if block is not None and not block.runs_as_written:
        return f"{label} · {block.headline}"
    if outcome.status == Status.SKIPPED and outcome.message:
        return f"{label}: {outcome.message}"
    return label


def status_css(label: object) -> str:
    """The CSS of a table cell holding a status label: its colour, orange for a pass that needed fixes."""
    text = str(label)
    status = text.split(":", 1)[0].split(" ", 1)[0]
    if status == "passed" and "fails as written" in text:
        status = "fixed"
    colours = STATUS_COLOURS.get(status)
    return f"background-color: {colours[0]}; color: {colours[1]}" if colours else ""


def note_of(outcome: Outcome) -> str:
    return Path(outcome.block.note if outcome.block else outcome.location.path).name


def group_of(outcome: Outcome) -> str:
    """The spec folder an example comes from; for an audited note block, its note's folder."""
    if outcome.block:
        return str(Path(outcome.block.note).parent)
    return Path(outcome.spec_path).parent.name or "."


def title_of(outcome: Outcome) -> str:
    """How a person names the example: the spec id, or an audited block by its place in its note."""
    block = outcome.block
    return f"{note_of(outcome)} block {block.index} (line {block.line})" if block else outcome.spec_id


# -- overview ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixRow:
    """One example: its status on each device of the run."""

    group: str
    note: str
    spec_id: str
    title: str
    statuses: dict[str, str]  # device -> status label
    worst: Status
    expected: str
    actual: str
    message: str
    link: str  # to the example page, on the row's most telling device


@dataclass(frozen=True)
class ChangeRow:
    kind: str  # "new failure", "fixed", "changed", "slower", "added", "removed"
    spec_id: str
    device: str
    before: str
    after: str
    link: str


@dataclass(frozen=True)
class Overview:
    run: RunRecord | None
    previous: RunRecord | None
    runs: tuple[RunRecord, ...]
    rows: tuple[MatrixRow, ...]
    devices: tuple[str, ...]
    notes: tuple[str, ...]
    counts: dict[str, int]  # status -> outcomes, over the rows shown
    total: int
    changes: tuple[ChangeRow, ...]


def run_label(run: RunRecord) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in sorted(run.counts.items()))
    return f"run {run.id} · {run.kind} · {run.started_at[:19].replace('T', ' ')} · {run.state} · {counts or 'empty'}"


def overview(
    history: History,
    run_id: int | None = None,
    statuses: Iterable[Status] | None = None,
    note: str | None = None,
    devices: Iterable[str] | None = None,
    *,
    run_limit: int = 200,
) -> Overview:
    """The example x device matrix of one run (the newest by default), filtered, with what changed since the
    previous run of the same specs or note."""
    runs = tuple(history.runs(limit=run_limit))
    run = history.run(run_id) if run_id is not None else (runs[0] if runs else None)
    if run is None:
        return Overview(None, None, runs, (), (), (), {}, 0, ())
    everything = history.outcomes(run.id)
    all_devices = tuple(sorted({o.device for o in everything}))
    notes = tuple(sorted({note_of(o) for o in everything}))
    wanted_status = None if statuses is None else set(statuses)
    wanted_devices = None if devices is None else set(devices)
    shown = [
        o
        for o in everything
        if (wanted_status is None or o.status in wanted_status)
        and (wanted_devices is None or o.device in wanted_devices)
        and (not note or note_of(o) == note)
    ]
    previous = history.previous_run(run.id)
    return Overview(
        run=run,
        previous=previous,
        runs=runs,
        rows=tuple(matrix_rows(shown, run.id)),
        devices=tuple(d for d in all_devices if wanted_devices is None or d in wanted_devices),
        notes=notes,
        counts=dict(Counter(o.status.value for o in shown)),
        total=len(shown),
        changes=tuple(changes(history, previous.id, run.id)) if previous else (),
    )


def matrix_rows(outcomes: Sequence[Outcome], run_id: int | None) -> list[MatrixRow]:
    by_example: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_example.setdefault(outcome.spec_id, []).append(outcome)
    rows = []
    for spec_id, found in by_example.items():
        telling = max(found, key=lambda o: (o.status.severity, o.device == "cpu"))
        rows.append(
            MatrixRow(
                group=group_of(telling),
                note=note_of(telling),
                spec_id=spec_id,
                title=title_of(telling),
                statuses={o.device: status_label(o) for o in found},
                worst=telling.status,
                expected=telling.expected,
                actual=telling.actual,
                message=telling.message,
                link=example_link(spec_id, telling.device, run_id),
            )
        )
    rows.sort(key=lambda r: (r.group, r.note, _natural(r.spec_id)))
    return rows


def _natural(text: str) -> tuple[str | int, ...]:
    """Sort key that puts `note.md#2` before `note.md#10`."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def matrix_rows_of_run(history: History, run_id: int) -> list[MatrixRow]:
    return matrix_rows(history.outcomes(run_id), run_id)


def changes(history: History, old_run_id: int, new_run_id: int) -> list[ChangeRow]:
    """What changed between two runs, new failures first."""
    diff = history.diff(old_run_id, new_run_id)
    rows = []
    for kind, entries in (
        ("new failure", diff.new_failures),
        ("fixed", diff.fixed),
        ("changed", diff.changed),
        ("slower", diff.slower),
        ("added", diff.added),
        ("removed", diff.removed),
    ):
        for change in entries:
            rows.append(
                ChangeRow(
                    kind=kind,
                    spec_id=change.spec_id,
                    device=change.device,
                    before=_brief(change.before),
                    after=_brief(change.after),
                    link=example_link(change.spec_id, change.device, new_run_id if change.after else old_run_id),
                )
            )
    return rows


def _brief(outcome: Outcome | None) -> str:
    if outcome is None:
        return "-"
    time = f" · {seconds(outcome.timing.median_s)}" if outcome.timing else ""
    return f"{outcome.status.value}{time}"


# -- one example ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeLine:
    number: int  # in the note when the example is an audited block, else in the example's code
    text: str
    marks: str  # "error", "claim", "error+claim" or ""


@dataclass(frozen=True)
class ClaimRow:
    line: int | None
    kind: str
    status: str
    expected: str
    actual: str
    why: str


@dataclass(frozen=True)
class EarlierRow:
    run_id: int
    started_at: str
    status: str
    median: str
    link: str


@dataclass(frozen=True)
class ExampleView:
    run: RunRecord
    outcome: Outcome
    devices: tuple[str, ...]  # the devices this example has in the run
    code: tuple[CodeLine, ...]
    claims: tuple[ClaimRow, ...]
    error: str  # the error with its line, or ""
    fix_diff: str  # the suggested fix as a unified-style diff, or ""
    environment: tuple[tuple[str, str], ...]
    earlier: tuple[EarlierRow, ...]


def example_view(history: History, spec_id: str, device: str | None, run_id: int | None) -> ExampleView | None:
    run = history.run(run_id) if run_id is not None else history.latest_run()
    if run is None:
        return None
    found = [o for o in history.outcomes(run.id) if o.spec_id == spec_id]
    if not found:
        return None
    preferred = [o for o in found if o.device == device] + [o for o in found if o.device == "cpu"]
    outcome = (preferred or found)[0]
    earlier = [
        EarlierRow(
            run_id=entry.run.id,
            started_at=entry.run.started_at[:19].replace("T", " "),
            status=status_label(entry.outcome),
            median=seconds(entry.outcome.timing.median_s) if entry.outcome.timing else "-",
            link=example_link(entry.outcome.spec_id, entry.outcome.device, entry.run.id),
        )
        for entry in history.example_history(spec_id, outcome.device, limit=50)
    ]
    return ExampleView(
        run=run,
        outcome=outcome,
        devices=tuple(o.device for o in found),
        code=tuple(code_lines(outcome)),
        claims=tuple(claim_rows(outcome)),
        error=error_text(outcome),
        fix_diff=fix_diff(outcome),
        environment=tuple(environment_rows(run, outcome)),
        earlier=tuple(earlier),
    )


def code_lines(outcome: Outcome) -> list[CodeLine]:
    """The example's code, numbered as the reader will look for it, with the claim and error lines marked."""
    block = outcome.block
    first = block.line + 1 if block else 1  # an audited block's code starts the line after its fence
    claim_lines = {c.line for c in block.claims} if block else set()
    error_line = None
    if block and block.error_as_written and block.error_as_written.line:
        error_line = block.error_as_written.line
    elif outcome.error_line:
        error_line = first - 1 + outcome.error_line
    lines = []
    for offset, text in enumerate(outcome.code.rstrip("\n").splitlines()):
        number = first + offset
        marks = "+".join(m for m, on in (("error", number == error_line), ("claim", number in claim_lines)) if on)
        lines.append(CodeLine(number, text, marks))
    return lines


def claim_rows(outcome: Outcome) -> list[ClaimRow]:
    if outcome.block and outcome.block.claims:
        return [
            ClaimRow(
                c.line,
                c.kind,
                c.status.value,
                c.claimed,
                c.actual,
                c.reason + (f" (with {', '.join(c.under_fixes)})" if c.under_fixes else ""),
            )
            for c in outcome.block.claims
        ]
    return [ClaimRow(c.line, c.kind, c.status.value, c.expected, c.actual, c.message) for c in outcome.checks]


def error_text(outcome: Outcome) -> str:
    block = outcome.block
    if block and block.error_as_written:
        error = block.error_as_written
        where = f" at note line {error.line}" if error.line else ""
        return f"as written it raises {error.type}{where}: {error.message}"
    if outcome.status == Status.ERROR and outcome.message:
        return outcome.message
    return ""


def fix_diff(outcome: Outcome) -> str:
    """The suggested fixes as diff hunks in note lines, so the reader sees exactly what to change."""
    if outcome.block and outcome.block.fixes:
        hunks = []
        for fix in outcome.block.fixes:
            hunks.append(f"# {fix.description}: {fix.reason}")
            for edit in fix.edits:
                hunks.append(f"@@ line {edit.line} @@")
                hunks += [f"-{line}" for line in edit.removed] + [f"+{line}" for line in edit.added]
        return "\n".join(hunks)
    return outcome.fix or ""


def environment_rows(run: RunRecord, outcome: Outcome) -> list[tuple[str, str]]:
    env = run.environment
    cuda = env.get("cuda_devices") or []
    rows = [
        ("device", outcome.device),
        ("torch", str(env.get("torch", "?"))),
        ("torchvision", str(env.get("torchvision", "?"))),
        ("python", str(env.get("python", "?"))),
        ("CUDA devices", ", ".join(cuda) if cuda else "none"),
        ("CPU", str(env.get("cpu", "?"))),
        ("run", f"{run.id} ({run.state}, {run.started_at[:19].replace('T', ' ')})"),
        ("command", run.command),
    ]
    return rows


# -- gradients --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradientRow:
    order: int  # model order
    parameter: str
    shape: str
    none_before: str
    none_after: str
    norm: float | None
    mean_abs: float | None
    max_abs: float | None
    calls: str


def gradient_rows(outcome: Outcome) -> list[GradientRow]:
    return [
        GradientRow(
            order=i,
            parameter=g.name,
            shape="×".join(str(n) for n in g.shape),
            none_before="-" if g.none_before is None else str(g.none_before),
            none_after=str(g.none_after),
            norm=g.norm,
            mean_abs=g.mean_abs,
            max_abs=g.max_abs,
            calls=f"{g.backward_calls} ({g.accumulated_calls} accumulated, {g.fresh_calls} fresh)",
        )
        for i, g in enumerate(outcome.gradients)
    ]


def examples_with_gradients(history: History, run_id: int) -> list[tuple[str, str]]:
    """(spec id, device) of the run's outcomes that recorded gradients."""
    return [(o.spec_id, o.device) for o in history.outcomes(run_id) if o.gradients]


def gradient_outcome(history: History, run_id: int, spec_id: str, device: str) -> Outcome | None:
    return history.outcome(run_id, spec_id, device)


def total_norm_per_call(outcome: Outcome) -> list[float]:
    """‖all gradients‖ after each backward() call: the square root of the parameters' squared norms."""
    calls = max((len(g.norms_per_call) for g in outcome.gradients), default=0)
    totals = []
    for call in range(calls):
        squares = [g.norms_per_call[call] ** 2 for g in outcome.gradients if len(g.norms_per_call) > call]
        totals.append(math.sqrt(sum(squares)))
    return totals


# -- timing -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimingRow:
    spec_id: str
    cpu_median_s: float | None
    cpu_iqr_s: float | None
    cuda_median_s: float | None
    cuda_iqr_s: float | None
    speedup: float | None  # cpu median / cuda median: above 1, CUDA is faster
    note: str
    link: str


@dataclass(frozen=True)
class TrendPoint:
    spec_id: str
    device: str
    run_id: int
    started_at: str
    median_s: float


def timing_rows(outcomes: Sequence[Outcome], run_id: int | None) -> list[TimingRow]:
    by_example: dict[str, dict[str, Outcome]] = {}
    for outcome in outcomes:
        by_example.setdefault(outcome.spec_id, {})[outcome.device] = outcome
    rows = []
    for spec_id, devices in sorted(by_example.items()):
        cpu, cuda = devices.get("cpu"), devices.get("cuda")
        cpu_t = cpu.timing if cpu else None
        cuda_t = cuda.timing if cuda else None
        notes = [f"{d}: {o.timing_note or o.message}" for d, o in devices.items() if o.timing is None]
        rows.append(
            TimingRow(
                spec_id=spec_id,
                cpu_median_s=cpu_t.median_s if cpu_t else None,
                cpu_iqr_s=cpu_t.iqr_s if cpu_t else None,
                cuda_median_s=cuda_t.median_s if cuda_t else None,
                cuda_iqr_s=cuda_t.iqr_s if cuda_t else None,
                speedup=cpu_t.median_s / cuda_t.median_s if cpu_t and cuda_t and cuda_t.median_s > 0 else None,
                note="; ".join(n for n in notes if n.split(": ", 1)[1]),
                link=example_link(spec_id, "cpu" if cpu else next(iter(devices)), run_id),
            )
        )
    return rows


def timing_rows_of_run(history: History, run_id: int) -> list[TimingRow]:
    return timing_rows(history.outcomes(run_id), run_id)


def timing_trend(history: History, spec_ids: Iterable[str], *, limit: int = 50) -> list[TrendPoint]:
    """Each example's median over its recent runs, oldest first, on every device it was timed on."""
    points = []
    for spec_id in spec_ids:
        for entry in reversed(history.example_history(spec_id, limit=limit)):
            if entry.outcome.timing:
                points.append(
                    TrendPoint(
                        spec_id,
                        entry.outcome.device,
                        entry.run.id,
                        entry.run.started_at,
                        entry.outcome.timing.median_s,
                    )
                )
    return points

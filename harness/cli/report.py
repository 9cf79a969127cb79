"""Report: terminal tables and JSON, drawn only from outcomes (never from a live run's internals)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from harness.history.store import RunRecord
from harness.judge.outcome import Outcome, Status, outcome_to_dict, seconds

STATUS_STYLE = {
    Status.PASSED: "bold green",
    Status.FAILED: "bold red",
    Status.ERROR: "bold magenta",
    Status.DRIFTED: "bold yellow",
    Status.SKIPPED: "dim",
    Status.UNVERIFIABLE: "cyan",
}
_SUMMARY_ORDER = (Status.PASSED, Status.FAILED, Status.ERROR, Status.DRIFTED, Status.SKIPPED, Status.UNVERIFIABLE)


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def status_text(status: Status) -> Text:
    return Text(status.value, style=STATUS_STYLE[status])


def results_table(outcomes: Sequence[Outcome]) -> Table:
    table = Table(title="noteproof results", show_lines=False, expand=False)
    for column in ("example", "device", "status"):
        table.add_column(column, no_wrap=True)
    for column in ("expected", "actual", "time (median ± IQR)", "note"):
        table.add_column(column, overflow="fold")
    for outcome in outcomes:
        timing = (
            f"{seconds(outcome.timing.median_s)} ± {seconds(outcome.timing.iqr_s)}"
            if outcome.timing
            else _clip(outcome.timing_note, 20) or "-"
        )
        note = outcome.message
        stand_ins = [d.name for d in outcome.data if d.source == "stand-in"]
        if stand_ins:
            note = f"{note}; " if note else ""
            note += f"stand-in data: {', '.join(stand_ins)}"
        table.add_row(  # Text, not str: a spec id or a message holding `[/x]` is text, not rich markup
            Text(outcome.spec_id),
            Text(outcome.device),
            status_text(outcome.status),
            Text(_clip(outcome.expected, 40)),
            Text(_clip(outcome.actual, 40)),
            Text(timing),
            Text(_clip(note, 70)),
        )
    return table


def summary_line(outcomes: Sequence[Outcome]) -> Text:
    counts = Counter(o.status for o in outcomes)
    text = Text()
    for status in _SUMMARY_ORDER:
        if text:
            text.append(", ")
        text.append(f"{counts.get(status, 0)} {status.value}", style=STATUS_STYLE[status] if counts.get(status) else "")
    return text


def numbered_source(code: str, first_line: int = 1, highlight: int | None = None) -> Syntax:
    """The example's code with line numbers, as doctest shows a failing example."""
    return Syntax(
        code.rstrip("\n"),
        "python",
        line_numbers=True,
        start_line=first_line,
        highlight_lines={highlight} if highlight else None,
        word_wrap=True,
        theme="ansi_dark",
    )


def outcome_detail(outcome: Outcome) -> RenderableType:
    header = Text.assemble(
        (f"{outcome.spec_id} on {outcome.device}: ", "bold"),
        status_text(outcome.status),
        f"   {outcome.location}   (spec {outcome.spec_path})",
    )
    parts: list[RenderableType] = [header]
    if outcome.code:
        parts.append(numbered_source(outcome.code, highlight=outcome.error_line))
    if outcome.message:
        parts.append(Text(outcome.message, style=STATUS_STYLE[outcome.status]))
    if outcome.fix:
        parts.append(Text(f"fixed before judging the claims:\n{outcome.fix}", style="green"))
    if outcome.checks:
        checks = Table("claim", "status", "expected", "actual", "why", title="claims", title_justify="left")
        for check in outcome.checks:
            checks.add_row(
                check.kind, status_text(check.status), Text(check.expected), Text(check.actual), Text(check.message)
            )
        parts.append(checks)
    if outcome.timing:
        t = outcome.timing
        parts.append(
            Text(
                f"time: median {seconds(t.median_s)}, IQR {seconds(t.iqr_s)}, mean {seconds(t.mean_s)} over "
                f"{t.repeats} blocks of {t.number_per_repeat} run(s), {t.warmup} warm-up, {t.threads} thread(s)"
            )
        )
    elif outcome.timing_note:
        parts.append(Text(f"time: {outcome.timing_note}"))
    for data in outcome.data:
        parts.append(Text(f"data: {data.description}", style="yellow" if data.source == "stand-in" else ""))
    if outcome.gradients:
        parts.append(gradient_table(outcome))
    if outcome.stdout.strip():
        parts.append(Text("output:", style="bold"))
        parts.append(Text(_tail(outcome.stdout, 40)))
    return Group(*parts)


def gradient_table(outcome: Outcome) -> Table:
    table = Table(
        "parameter",
        "shape",
        "None before",
        "None after",
        "‖grad‖",
        "mean |grad|",
        "max |grad|",
        "calls (acc/fresh)",
        title="gradients",
        title_justify="left",
    )
    for g in outcome.gradients:
        table.add_row(
            Text(g.name),
            "×".join(str(n) for n in g.shape),
            "-" if g.none_before is None else str(g.none_before),
            str(g.none_after),
            _number(g.norm),
            _number(g.mean_abs),
            _number(g.max_abs),
            f"{g.backward_calls} ({g.accumulated_calls}/{g.fresh_calls})",
        )
    return table


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _tail(text: str, lines: int) -> str:
    kept = text.splitlines()
    return "\n".join(kept[-lines:]) if len(kept) > lines else text


def run_json(run: RunRecord | None, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    counts = Counter(o.status.value for o in outcomes)
    return {
        "run": None
        if run is None
        else {
            "id": run.id,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "state": run.state,
            "command": run.command,
            "environment": run.environment,
        },
        "summary": {status.value: counts.get(status.value, 0) for status in _SUMMARY_ORDER},
        "results": [outcome_to_dict(o) for o in outcomes],
    }

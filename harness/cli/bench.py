"""`noteproof bench`: time every example on every device, keep named baselines, and catch regressions.

    noteproof bench [PATH ...] [--device cpu|cuda|all] [--threads N] [--history FILE] [--json FILE]
                    [--save NAME] [--compare NAME|FILE] [--fail-over PCT]

The timing is the Runner's: each example and device in its own forked child, warmed up, then
torch.utils.benchmark's `blocked_autorange` with CUDA synchronised by the clock, one example at a time so
examples do not compete for the cores. Exit 0; 1 when an example failed or errored, or got slower than
`--fail-over` (each named); 2 bad input (a spec, an unknown baseline, an unreadable baseline file);
3 a fault of the harness; 130 interrupted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from harness.audit.note_audit import audit_note
from harness.bench.baseline import Baseline, resolve
from harness.bench.figures import BenchRow, bench_rows, row_to_dict, workload_of
from harness.bench.stats import DEFAULT_THRESHOLD, Verdict, parse_percent, percent
from harness.cli.report import run_json, status_text
from harness.errors import BadInput, HarnessError, SpecError
from harness.history.store import DEFAULT_HISTORY, History
from harness.judge.outcome import Outcome, seconds
from harness.runs.runner import Runner
from harness.specs.loading import LoadedSpec, load_specs

COMMAND = "bench"
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_HARNESS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
_VERDICT_STYLE = {Verdict.FASTER: "green", Verdict.SAME: "", Verdict.SLOWER: "bold red", Verdict.NOISY: "yellow"}
_SPEC_SUFFIXES = (".toml",)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser(
        COMMAND, help="time every example on every device; keep baselines and catch regressions"
    )
    bench.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path("specs")],
        help="spec files or folders, or notes (each block that runs is timed); default specs",
    )
    bench.add_argument("--device", choices=("cpu", "cuda", "all"), default="all")
    bench.add_argument("-k", dest="pattern", help="only specs whose id contains PATTERN (case-insensitive)")
    bench.add_argument(
        "--threads", metavar="N", type=_positive, help="torch threads for every spec (default: each spec's own)"
    )
    bench.add_argument(
        "--history",
        metavar="FILE",
        type=Path,
        default=DEFAULT_HISTORY,
        help=f"results file (default {DEFAULT_HISTORY})",
    )
    bench.add_argument(
        "--json", dest="json_path", metavar="FILE", type=Path, help="also write the figures as JSON to FILE"
    )
    bench.add_argument("--save", metavar="NAME", help="keep this run as the baseline NAME in the history")
    bench.add_argument(
        "--compare", metavar="NAME|FILE", help="compare with a baseline: a name in the history, or a --json file"
    )
    bench.add_argument(
        "--fail-over",
        metavar="PCT",
        help="exit 1 when an example got slower than PCT (e.g. 20%%); also the verdict threshold"
        f" (default {DEFAULT_THRESHOLD * 100:.0f}%%)",
    )
    bench.add_argument(
        "--data-root",
        metavar="DIR",
        type=Path,
        help="where real datasets are (default $NOTEPROOF_DATA, ~/.noteproof/data)",
    )


def handle(args: argparse.Namespace, console: Console, errors: Console) -> int:
    try:
        return _bench(args, console, errors)
    except SpecError:
        raise  # `noteproof` prints every spec problem at its file and line
    except BadInput as exc:  # an unknown baseline, an unreadable baseline file or history, a bad percentage
        errors.print(f"[bold red]bad input[/] {exc}", highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT


def _bench(args: argparse.Namespace, console: Console, errors: Console) -> int:
    started = time.perf_counter()
    try:
        threshold = parse_percent(args.fail_over) if args.fail_over else DEFAULT_THRESHOLD
    except ValueError as exc:
        raise BadInput(f"--fail-over: {exc}") from None
    # Before anything runs: a bad baseline must not cost a whole benchmark first.
    baseline = resolve(args.compare, args.history) if args.compare else None
    if args.fail_over and baseline is None:
        errors.print("--fail-over without --compare: there is no baseline to be slower than")
    devices = ("cpu", "cuda") if args.device == "all" else (args.device,)
    notes = [p for p in args.paths if p.is_file() and p.suffix.lower() not in _SPEC_SUFFIXES]
    spec_paths = [p for p in args.paths if p not in notes]
    if notes and args.threads is not None:
        # The audit builds each block's spec itself, with the default of one thread; the table says so per row.
        errors.print(f"--threads {args.threads} applies to specs; the blocks of a note run with 1 thread")
    # One child at a time: two examples timed at once on a small machine slow each other down.
    with Runner(slots=1, timing=True, data_root=args.data_root) as runner:
        specs = _specs(spec_paths, args.pattern, args.threads)
        if not specs and not notes:
            errors.print(f"no spec matches {args.pattern!r}" if args.pattern else "no specs found")
            return EXIT_BAD_INPUT
        planned = len(runner.plan(specs, devices))
        try:
            environment = runner.environment(probe_cuda="cuda" in devices)
        except HarnessError as exc:
            errors.print(f"[bold red]harness error[/] {exc}")
            return EXIT_HARNESS
        outcomes: list[Outcome] = []
        state = "complete"
        with History.open_writer(args.history) as history:
            command = shlex.join(["noteproof", *getattr(args, "argv", [])])
            covers = [str(p) for p in args.paths]
            run_id = history.start_run(dataclasses.asdict(environment), command, kind="bench", covers=covers)
            try:
                outcomes = _measure(runner, specs, notes, devices, planned, history, run_id, errors)
            except KeyboardInterrupt:
                state = "interrupted"
            except HarnessError as exc:
                state = "failed"
                errors.print(f"[bold red]harness error[/] {exc}")
            finally:
                history.finish_run(run_id, state)
            if args.save and state == "complete":
                history.save_baseline(args.save, run_id)
            record = history.run(run_id)
            if state != "complete":
                outcomes = history.outcomes(run_id)  # what concluded before the stop
    workloads = {loaded.id: workload_of(loaded.spec) for loaded in specs}
    rows = bench_rows(outcomes, workloads, baseline, threshold=threshold)
    console.print(bench_table(rows, baseline))
    console.print(
        f"{len(rows)} row(s) in {time.perf_counter() - started:.1f} s · torch {environment.torch} · cuda: "
        + (", ".join(environment.cuda_devices) or ("none" if environment.cuda is False else "not asked"))
        + f" · history: {args.history} (bench run {run_id})"
        + (f" · saved as baseline {args.save!r}" if args.save and state == "complete" else ""),
        style="dim",
        highlight=False,
    )
    if args.json_path:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        report = {
            **run_json(record, outcomes),
            "bench": [row_to_dict(row) for row in rows],
            "threshold": threshold,
            "baseline": baseline.source if baseline else None,
        }
        args.json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if state == "interrupted":
        errors.print(f"interrupted: {len(outcomes)} result(s) kept in the history (bench run {run_id})")
        return EXIT_INTERRUPTED
    if state == "failed":
        return EXIT_HARNESS
    return _exit_code(rows, args.fail_over is not None, threshold, errors)


def _specs(paths: Sequence[Path], pattern: str | None, threads: int | None) -> list[LoadedSpec]:
    specs = load_specs(paths) if paths else []
    if pattern:
        specs = [s for s in specs if pattern.lower() in s.id.lower()]
    if threads is not None:
        specs = [dataclasses.replace(s, spec=s.spec.model_copy(update={"threads": threads})) for s in specs]
    return specs


def _measure(
    runner: Runner,
    specs: Sequence[LoadedSpec],
    notes: Sequence[Path],
    devices: Sequence[str],
    planned: int,
    history: History,
    run_id: int,
    errors: Console,
) -> list[Outcome]:
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task("timing examples", total=planned + len(notes))

        def on_outcome(outcome: Outcome) -> None:
            history.record(run_id, outcome)  # as each concludes: an interrupted bench keeps what it measured
            progress.update(task, advance=1, description=f"timed {outcome.spec_id} on {outcome.device}")

        ordered = runner.run(specs, devices, on_outcome=on_outcome) if specs else []
        for note in notes:
            progress.update(task, description=f"timing the blocks of {note}")
            audit = audit_note(note, runner, devices=devices)
            for block in audit.blocks:
                for outcome in block.outcomes:
                    history.record(run_id, outcome)
                    ordered.append(outcome)
            progress.update(task, advance=1)
    return ordered


def _exit_code(rows: Sequence[BenchRow], fail_over: bool, threshold: float, errors: Console) -> int:
    code = EXIT_OK
    broken = [row.outcome for row in rows if row.outcome.status.is_problem]
    if broken:
        names = ", ".join(f"{o.spec_id} on {o.device} ({o.status.value})" for o in broken)
        errors.print(f"not benchmarked as claimed: {names}", highlight=False, soft_wrap=True)
        code = EXIT_FAILED
    slower = [row for row in rows if row.slower]
    if fail_over and slower:
        names = ", ".join(
            f"{row.outcome.spec_id} on {row.outcome.device} ({percent(row.comparison.change)})"
            for row in slower
            if row.comparison
        )
        errors.print(f"[bold red]slower than {threshold:.0%}[/]: {names}", highlight=False, soft_wrap=True)
        code = EXIT_FAILED
    return code


def _clip(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _per_second(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def bench_table(rows: Sequence[BenchRow], baseline: Baseline | None) -> Table:
    table = Table(title="noteproof bench", expand=False)
    for column in ("example", "device", "status"):
        table.add_column(column, no_wrap=True)
    table.add_column("median ± IQR", justify="right")
    table.add_column("repeats", justify="right")
    table.add_column("threads", justify="right")
    table.add_column("per call", justify="right")
    table.add_column("images/s", justify="right")
    table.add_column("CUDA speed-up", justify="right")
    if baseline is not None:
        table.add_column("baseline", justify="right")
        table.add_column("change", justify="right")
        table.add_column("verdict")
    table.add_column("note")
    for row in rows:
        outcome, timing = row.outcome, row.timing
        cells: list[str | Text] = [outcome.spec_id, outcome.device, status_text(outcome.status)]
        if timing:
            cells += [
                f"{seconds(timing.median_s)} ± {seconds(timing.iqr_s)}",
                f"{timing.repeats} × {timing.number_per_repeat}",
                str(timing.threads),
                seconds(row.per_call_s) + (f" (÷{row.workload.calls})" if row.workload.calls > 1 else ""),
            ]
        else:
            cells += ["-", "", "", ""]
        cells += [_per_second(row.images_per_s), f"{row.speedup:.2f}×" if row.speedup is not None else ""]
        if baseline is not None:
            comparison = row.comparison
            if comparison is None:
                cells += ["", "", Text(row.baseline_note, style="dim")]
            else:
                verdict = Text(comparison.verdict.value, style=_VERDICT_STYLE[comparison.verdict])
                if comparison.verdict == Verdict.NOISY:
                    verdict.append(f": {comparison.reason}", style="dim")
                if row.baseline_note:
                    verdict.append(f" ({row.baseline_note})", style="dim")
                cells += [seconds(comparison.baseline.median_s), percent(comparison.change), verdict]
        cells.append(Text(_clip("" if timing else outcome.timing_note or outcome.message), style="dim"))
        table.add_row(*cells)
    return table

"""The `noteproof` command: run, list, show, schema; and for notes as written: audit, fix, init.

Exit codes: 0 nothing failed or errored (skips and drift allowed; for audit, the note runs as written and no
claim is false); 1 something failed or errored; 2 bad input (a malformed spec, an unknown id, bad arguments,
no such note, an unusable history: harness.errors.BadInput); 3 a fault of noteproof itself (HarnessError, a
harness fault in an example's process, or any unexpected exception; `--debug` prints its traceback); 130
interrupted.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

# Ctrl-C (or SIGTERM) while the imports below run (the first second of `noteproof run`) must not print a
# traceback: as the command, hold such a signal until main() can turn it into an interrupted, stored run.
_HELD: list[int] = []


def _hold(signum: int, frame: FrameType | None) -> None:
    _HELD.append(signum)


def _is_the_command() -> bool:
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", "") == "harness.__main__" or Path(sys.argv[0]).name == "noteproof"


if _is_the_command():
    signal.signal(signal.SIGINT, _hold)
    signal.signal(signal.SIGTERM, _hold)

import argparse  # noqa: E402 - after the handlers above, on purpose
import dataclasses  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Iterable, Iterator, Sequence  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from typing import Any, Protocol, cast  # noqa: E402

from rich.console import Console  # noqa: E402
from rich.markup import escape  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402
from rich.table import Table  # noqa: E402
from rich.text import Text  # noqa: E402

from harness.audit.fixes import describe_fix  # noqa: E402
from harness.audit.note_audit import BlockAudit, NoteAudit, audit_note, block_id  # noqa: E402
from harness.audit.patch import unified_diff  # noqa: E402
from harness.audit.specwriter import write_specs  # noqa: E402
from harness.cli.audit_report import audit_json, audit_view  # noqa: E402
from harness.cli.report import outcome_detail, results_table, run_json, summary_line  # noqa: E402
from harness.cli.review import page_url  # noqa: E402
from harness.errors import BadInput, HarnessError, NoteError, SpecError  # noqa: E402
from harness.history.records import RunKind  # noqa: E402
from harness.history.store import DEFAULT_HISTORY, History  # noqa: E402
from harness.judge.outcome import Outcome  # noqa: E402
from harness.judge.verdict import is_harness_fault  # noqa: E402
from harness.runs.runner import Environment, Runner, cpu_name  # noqa: E402
from harness.specs.loading import LoadedSpec, load_specs  # noqa: E402
from harness.specs.model import json_schema  # noqa: E402

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_HARNESS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="noteproof", description="Prove or disprove the code examples in PyTorch study notes."
    )
    parser.add_argument("--debug", action="store_true", help="on a fault of noteproof itself, print the traceback")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run specs on cpu and cuda, check their claims, time them, store the results")
    run.add_argument(
        "paths", nargs="*", type=Path, default=[Path("specs")], help="spec files or folders (default specs)"
    )
    run.add_argument("--device", choices=("cpu", "cuda", "all"), default="all")
    run.add_argument("-k", dest="pattern", help="only specs whose id contains PATTERN (case-insensitive)")
    run.add_argument("--json", dest="json_path", type=Path, help="also write the run as JSON to FILE")
    run.add_argument("--no-timing", action="store_true", help="check claims only; skip the timing phase")
    run.add_argument("--history", type=Path, default=DEFAULT_HISTORY, help=f"results file (default {DEFAULT_HISTORY})")
    run.add_argument("--jobs", type=int, default=2, help="examples run at once (default 2)")
    run.add_argument(
        "--sandbox",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="confine each example: writes only to its scratch and data folders, no TCP, a scrubbed environment",
    )
    run.add_argument(
        "--data-root", type=Path, help="where real datasets are (default $NOTEPROOF_DATA, ~/.noteproof/data)"
    )

    listing = commands.add_parser("list", help="list the specs")
    listing.add_argument("paths", nargs="*", type=Path, default=[Path("specs")])
    listing.add_argument("-k", dest="pattern")

    show = commands.add_parser("show", help="show the latest results of one spec, with its code and claims")
    show.add_argument("id")
    show.add_argument("--history", type=Path, default=DEFAULT_HISTORY)

    audit = commands.add_parser("audit", help="run a note as written: judge every claim, find and fix what stops them")
    _note_arguments(audit)
    audit.add_argument("--device", choices=("cpu", "cuda", "all"), default="all")
    audit.add_argument("--json", dest="json_path", type=Path, help="also write the audit as JSON to FILE")
    audit.add_argument("--timing", action="store_true", help="also time each block (with its fixes)")
    audit.add_argument(
        "--history", type=Path, default=DEFAULT_HISTORY, help=f"results file (default {DEFAULT_HISTORY})"
    )

    fix = commands.add_parser("fix", help="apply the audit's fixes: a diff by default, -o for a copy, --write in place")
    _note_arguments(fix)
    where = fix.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", type=Path, help="write the corrected note to OUT")
    where.add_argument("--write", action="store_true", help="change the note in place, keeping NOTE.orig")

    init = commands.add_parser("init", help="write one spec per block of a note, its claims as expectations")
    _note_arguments(init)
    init.add_argument("--out", type=Path, default=Path("specs"), help="folder for the specs (default specs)")

    schema = commands.add_parser("schema", help="print the JSON Schema of spec files")
    schema.add_argument("-o", "--output", type=Path)
    for module in _command_modules():
        module.add_parser(commands)
    for command in commands.choices.values():
        # Also after the command (`noteproof run --debug`); SUPPRESS keeps a flag given before it.
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


# Front ends with a command of their own (review page, language server, benchmarks) live in their own module:
# each has `COMMAND`, `add_parser(commands)` and `handle(args, console, errors) -> int`, and imports what is
# heavy inside `handle`, so `noteproof run` never pays for streamlit or pygls.
_COMMAND_MODULES: tuple[str, ...] = ("harness.cli.bench", "harness.cli.review", "harness.cli.lsp")


def _command_modules() -> list[CommandModule]:
    return [cast(CommandModule, importlib.import_module(name)) for name in _COMMAND_MODULES]


class CommandModule(Protocol):
    COMMAND: str

    def add_parser(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...

    def handle(self, args: argparse.Namespace, console: Console, errors: Console) -> int: ...


def _note_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("note", type=Path, help="a markdown note")
    parser.add_argument(
        "--isolation",
        choices=("block", "chain", "session", "auto"),
        default="auto",
        help="block: each block alone; chain: after the earlier blocks it uses; session: after all earlier blocks,"
        " as one notebook kernel; auto (default): session for a note written as one, else chained only if needed",
    )
    parser.add_argument("--jobs", type=int, default=2, help="blocks run at once (default 2)")
    parser.add_argument(
        "--sandbox",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="confine each block (default: on, a note may come from anyone): writes, TCP, environment",
    )
    parser.add_argument(
        "--data-root", type=Path, help="where real datasets are (default $NOTEPROOF_DATA, ~/.noteproof/data)"
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM (what `timeout` sends) ends a run like Ctrl-C: stored as interrupted


def _interrupted_early() -> None:
    """From here on Ctrl-C and SIGTERM raise KeyboardInterrupt; one held while noteproof was starting (importing,
    starting the worker, opening the history) is raised now, inside the command, which stores it."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
    if _HELD:
        _HELD.clear()
        raise KeyboardInterrupt


@contextmanager
def _interrupts() -> Iterator[None]:
    """Hold interrupts until the command is ready to store one; put the caller's handlers back at the end."""
    if threading.current_thread() is not threading.main_thread():  # signal handlers belong to the main thread
        yield
        return
    saved = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGINT, _hold)
    signal.signal(signal.SIGTERM, _hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, saved[0])
        signal.signal(signal.SIGTERM, saved[1])
        _HELD.clear()


# Commands that store an interrupted run themselves: they take the held interrupt once their run can be stored.
_STORES_INTERRUPTS = frozenset({"run", "audit"})


def main(argv: Sequence[str] | None = None) -> int:
    try:
        with _interrupts():
            return _main(argv)
    except KeyboardInterrupt:  # before a command could take it (parsing the arguments)
        Console(stderr=True).print("interrupted")
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    console = Console()
    errors = Console(stderr=True)
    handler = {
        "run": _run,
        "list": _list,
        "show": _show,
        "schema": _schema,
        "audit": _audit,
        "fix": _fix,
        "init": _init,
        **{module.COMMAND: module.handle for module in _command_modules()},
    }[args.command]
    try:
        if args.command not in _STORES_INTERRUPTS:
            _interrupted_early()
        return handler(args, console, errors)
    except KeyboardInterrupt:
        errors.print("interrupted")
        return EXIT_INTERRUPTED
    except SpecError as exc:
        for problem in exc.problems:
            # soft_wrap: one problem, one line, so editors and grep find `file:line:` whatever the width.
            errors.print(f"[bold red]spec error[/] {escape(str(problem))}", highlight=False, soft_wrap=True)
        errors.print(f"{len(exc.problems)} problem(s); nothing was run.")
        return EXIT_BAD_INPUT
    except BadInput as exc:  # a note, a history: the message names the file (and the line, where known)
        errors.print(f"[bold red]error[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    except HarnessError as exc:
        _fault(errors, "harness error", exc, args.debug)
        return EXIT_HARNESS
    except Exception as exc:  # noqa: BLE001 - a bug in noteproof: one line, not a traceback, and exit 3
        _fault(errors, "internal error", exc, args.debug)
        return EXIT_HARNESS


def _fault(errors: Console, what: str, exc: BaseException, debug: bool) -> None:
    if debug:
        errors.print(escape("".join(traceback.format_exception(exc))), highlight=False, soft_wrap=True, end="")
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    described = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    hint = "" if debug else "; run with --debug for the traceback"
    errors.print(f"noteproof: {what}: {escape(described)}{hint}", style="bold red", highlight=False, soft_wrap=True)


def _harness_faults(errors: Console, outcomes: Iterable[Outcome]) -> bool:
    """Rows where noteproof's own code failed in the example's process: said once each; the exit code is 3."""
    faults = [o for o in outcomes if is_harness_fault(o)]
    for outcome in faults:
        first = outcome.message.splitlines()[0] if outcome.message else "harness fault"
        errors.print(
            f"[bold red]harness fault[/] {escape(outcome.spec_id)} on {outcome.device}: {escape(first)}",
            highlight=False,
            soft_wrap=True,
        )
    return bool(faults)


def _select(paths: Sequence[Path], pattern: str | None) -> list[LoadedSpec]:
    specs = load_specs(paths)
    if pattern:
        specs = [s for s in specs if pattern.lower() in s.id.lower()]
    return specs


def _output_file(path: Path | None, option: str) -> None:
    """A file noteproof writes after running: a folder there is bad input, said before anything runs."""
    if path is not None and path.is_dir():
        raise BadInput(f"{path}: is a folder; {option} takes a file name")


def _write_report(path: Path, payload: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    except OSError as exc:
        raise BadInput(f"{path}: cannot write the JSON report ({exc.strerror or exc})") from None


def _unknown_environment() -> dict[str, Any]:
    """What a run interrupted before the worker answered knows of its environment."""
    unknown = "unknown (interrupted before the worker was ready)"
    return dataclasses.asdict(Environment(unknown, unknown, unknown, None, None, (), cpu_name(), platform.platform()))


class _StoredRun:
    """One run in the history, pessimistic: `running` from its start, `complete` only once everything is done.
    An interrupt before the run could start is still stored (as `interrupted`, with nothing in it)."""

    def __init__(self, history: History, command: str, kind: RunKind, covers: Sequence[str]) -> None:
        self.history, self.command, self.kind, self.covers = history, command, kind, covers
        self.id: int | None = None
        self.state = "failed"

    def start(self, environment: dict[str, Any]) -> int:
        self.id = self.history.start_run(environment, self.command, kind=self.kind, covers=self.covers)
        return self.id

    def finish(self) -> None:
        if self.id is None and self.state == "interrupted":
            self.start(_unknown_environment())
        if self.id is not None:
            self.history.finish_run(self.id, self.state)


def _run(args: argparse.Namespace, console: Console, errors: Console) -> int:
    started = time.perf_counter()
    devices = ("cpu", "cuda") if args.device == "all" else (args.device,)
    _output_file(args.json_path, "--json")
    # Start the worker first: its `import torch` overlaps with loading and validating the specs. An interrupt
    # meanwhile is held (see _interrupts) and taken inside the try below, where the run can be stored.
    runner = Runner(slots=max(1, args.jobs), timing=not args.no_timing, data_root=args.data_root, sandbox=args.sandbox)
    with runner, ExitStack() as stack:
        specs = _select(args.paths, args.pattern)  # bad specs: exit 2, and no history is made
        if not specs:
            errors.print(escape(f"no spec matches {args.pattern!r}" if args.pattern else "no specs found"))
            return EXIT_BAD_INPUT
        history = stack.enter_context(History(args.history))
        stored = _StoredRun(history, shlex.join(["noteproof", *args.argv]), "run", [str(p) for p in args.paths])
        outcomes: list[Outcome] = []
        plan: list[tuple[LoadedSpec, str]] = []
        environment: Environment | None = None
        finished: list[Outcome] = []
        try:
            _interrupted_early()
            plan = runner.plan(specs, devices)
            environment = runner.environment(probe_cuda="cuda" in devices)
            stored.start(dataclasses.asdict(environment))
            with Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=errors,
                transient=True,
            ) as progress:
                task = progress.add_task("running examples", total=len(plan))

                def on_outcome(outcome: Outcome) -> None:
                    assert stored.id is not None
                    history.record(stored.id, outcome)
                    outcomes.append(outcome)
                    progress.update(task, advance=1, description=escape(f"{outcome.spec_id} on {outcome.device}"))

                finished = runner.run(specs, devices, on_outcome=on_outcome)
            stored.state = "complete"
        except KeyboardInterrupt:
            stored.state = "interrupted"
        except HarnessError as exc:
            stored.state = "failed"  # the rows that finished are kept; the run says it did not
            _fault(errors, "harness error", exc, args.debug)
        finally:
            stored.finish()
        record = history.run(stored.id) if stored.id is not None else None
    ordered = finished if stored.state == "complete" else _in_plan_order(plan, outcomes)
    console.print(results_table(ordered))
    console.print(summary_line(ordered), f"in {time.perf_counter() - started:.1f} s", highlight=False)
    if environment is not None:
        console.print(
            escape(
                f"torch {environment.torch} · cuda: "
                + (", ".join(environment.cuda_devices) or ("none" if environment.cuda is False else "not asked"))
                + f" · history: {args.history} (run {stored.id})"
            ),
            style="dim",
            highlight=False,
        )
    if args.json_path:
        try:
            _write_report(args.json_path, run_json(record, ordered))
        except BadInput:
            if stored.id is not None:
                _mark_failed(args.history, stored.id)
            raise
    if stored.state == "interrupted":
        kept = f"{len(ordered)} of {len(plan)} results kept in the history (run {stored.id})"
        errors.print(escape(f"interrupted: {kept}"))
        return EXIT_INTERRUPTED
    if stored.state == "failed" or _harness_faults(errors, ordered):
        return EXIT_HARNESS
    return EXIT_FAILED if any(o.status.is_problem for o in ordered) else EXIT_OK


def _mark_failed(path: Path, run_id: int) -> None:
    """The run finished but its report could not be written: it is not complete."""
    with History(path) as history:
        history.finish_run(run_id, "failed")


def _in_plan_order(plan: Sequence[tuple[LoadedSpec, str]], outcomes: Sequence[Outcome]) -> list[Outcome]:
    """Rows as they concluded, put back in the plan's order (a run cut short has only some of them)."""
    position = {(loaded.id, device): n for n, (loaded, device) in enumerate(plan)}
    return sorted(outcomes, key=lambda o: position.get((o.spec_id, o.device), len(position)))


def _list(args: argparse.Namespace, console: Console, errors: Console) -> int:
    specs = _select(args.paths, args.pattern)
    table = Table("id", "title", "devices", "claims", "location")
    for loaded in specs:
        claims = ", ".join(sorted({e.kind for e in loaded.spec.expect}))
        table.add_row(
            Text(loaded.id),
            Text(loaded.spec.title),
            ", ".join(loaded.spec.devices),
            Text(claims),
            Text(str(loaded.location)),
        )
    console.print(table)
    console.print(f"{len(specs)} spec(s)")
    return EXIT_OK


def _show(args: argparse.Namespace, console: Console, errors: Console) -> int:
    if not args.history.exists():
        errors.print(escape(f"no history at {args.history}: run `noteproof run` first"))
        return EXIT_BAD_INPUT
    with History.open_reader(args.history) as history:  # a reader: `show` never changes the history
        outcomes = history.latest_outcomes(args.id)
        if not outcomes:
            known = ", ".join(history.spec_ids()) or "none yet"
            errors.print(escape(f"no results for {args.id!r}; known ids: {known}"))
            return EXIT_BAD_INPUT
    for outcome in outcomes:
        console.print(outcome_detail(outcome))
        link = page_url(args.history, outcome.spec_id, outcome.device)
        if link:  # a review page is running on this history, or one is configured
            console.print(f"review: {link}", markup=False, highlight=False, soft_wrap=True)
        console.print()
    return EXIT_FAILED if any(o.status.is_problem for o in outcomes) else EXIT_OK


def _schema(args: argparse.Namespace, console: Console, errors: Console) -> int:
    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _require_note(note: Path) -> None:
    if not note.exists() and not note.is_symlink():
        raise NoteError(note, "no such note")
    if note.is_dir():
        raise NoteError(note, "is not a file")  # said before the worker starts; FIFOs and loops: read_note


def _audit_of(
    args: argparse.Namespace, errors: Console, devices: Sequence[str] = ("cpu",)
) -> tuple[NoteAudit, Environment]:
    _require_note(args.note)
    timing = bool(getattr(args, "timing", False))
    runner = Runner(slots=max(1, args.jobs), timing=timing, data_root=args.data_root, sandbox=args.sandbox)
    with runner, errors.status(escape(f"auditing {args.note}")):
        _interrupted_early()
        audit = audit_note(args.note, runner, isolation=args.isolation, devices=devices)
        return audit, runner.environment(probe_cuda="cuda" in devices)


def _audit(args: argparse.Namespace, console: Console, errors: Console) -> int:
    devices = ("cpu", "cuda") if args.device == "all" else (args.device,)
    _output_file(args.json_path, "--json")
    _require_note(args.note)
    with History(args.history) as history:
        stored = _StoredRun(history, shlex.join(["noteproof", *args.argv]), "audit", [str(args.note)])
        try:
            audit, environment = _audit_of(args, errors, devices)
            run_id = stored.start(dataclasses.asdict(environment))
            for block in audit.blocks:
                for outcome in block.outcomes:
                    history.record(run_id, outcome)
            if args.json_path:
                _write_report(args.json_path, audit_json(audit))
            stored.state = "complete"
        except KeyboardInterrupt:
            stored.state = "interrupted"
            errors.print(escape(f"interrupted: the audit of {args.note} stopped before it was judged; nothing kept"))
            return EXIT_INTERRUPTED
        finally:
            stored.finish()
    console.print(audit_view(audit))
    console.print(escape(f"history: {args.history} (run {run_id})"), style="dim", highlight=False)
    for block in audit.blocks:
        link = page_url(args.history, block_id(args.note, block.index), "cpu", run_id)
        if link and not block.runs_as_written:
            console.print(f"review block {block.index}: {link}", markup=False, highlight=False, soft_wrap=True)
    if _harness_faults(errors, _audited_outcomes(audit)):
        return EXIT_HARNESS
    return EXIT_OK if audit.clean else EXIT_FAILED


def _audited_outcomes(audit: NoteAudit) -> list[Outcome]:
    return [outcome for block in audit.blocks for outcome in block.outcomes]


def _fix(args: argparse.Namespace, console: Console, errors: Console) -> int:
    audit, _ = _audit_of(args, errors)
    if _harness_faults(errors, _audited_outcomes(audit)):
        return EXIT_HARNESS  # fixes found on runs that noteproof itself broke are not to be written
    original = args.note.read_bytes().decode("utf-8", errors="surrogateescape")
    try:
        fixed = audit.fixed_text(original)
    except NoteError as exc:  # a notebook cell the fix cannot be written into: said of this note, by name
        raise NoteError(args.note, str(exc).removeprefix(f"{exc.path}: ")) from None
    for block in audit.blocks:
        where = f"block {block.index} ({_place(block)})"
        for fix in block.fixes:
            if fix.alternative:
                errors.print(escape(f"{where}: {describe_fix(fix)}; or {fix.alternative}"))
        if block.remaining_error:
            errors.print(escape(f"{where} still raises {block.remaining_error}"), style="magenta")
    if args.write:
        backup = args.note.with_name(args.note.name + ".orig")
        backup.write_bytes(original.encode("utf-8", errors="surrogateescape"))
        args.note.write_bytes(fixed.encode("utf-8", errors="surrogateescape"))
        errors.print(escape(f"wrote {args.note} (the original is in {backup})"))
    elif args.output:
        args.output.write_bytes(fixed.encode("utf-8", errors="surrogateescape"))
        errors.print(escape(f"wrote {args.output}"))
    else:
        sys.stdout.write(unified_diff(original, fixed, str(args.note)))
    return EXIT_FAILED if any(block.remaining_error for block in audit.blocks) else EXIT_OK


def _place(block: BlockAudit) -> str:
    """Where the user finds a block: a notebook's cell by its number, as Jupyter shows it; else its note line."""
    return f"cell {block.source.cell}" if block.source.cell is not None else f"line {block.line}"


def _init(args: argparse.Namespace, console: Console, errors: Console) -> int:
    audit, _ = _audit_of(args, errors)
    if _harness_faults(errors, _audited_outcomes(audit)):
        return EXIT_HARNESS
    written, skipped = write_specs(args.note, audit, args.out)
    schema = args.out / "noteproof-spec.schema.json"
    if not schema.exists():
        schema.write_text(json.dumps(json_schema(), indent=2) + "\n")
    for item in written:
        console.print(
            escape(f"{item.action:>22}  {item.path}  (block {item.block}, {item.claims} claim(s))"), highlight=False
        )
    for block in skipped:
        console.print(escape(f"{'no spec':>22}  block {block.block} ({block.where}): {block.reason}"), highlight=False)
    return EXIT_OK

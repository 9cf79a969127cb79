"""Fault containment (issue 8): each attack a hostile note or spec can make, and what must hold against it.

Processes an attack leaves behind are found by a marker only that test's examples carry (a unique `sleep`
duration in their command line), so a test fails, rather than hangs, when something escapes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PROJECT, SpecWriter

from harness import Runner, Status
from harness.audit.note_audit import audit_note
from harness.errors import NoteError
from harness.notes.document import read_note

# -- helpers ----------------------------------------------------------------------------------------------------------


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if marker.encode() in cmdline.read().replace(b"\0", b" "):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def _none_left(marker: str, within_s: float = 3.0) -> list[int]:
    """The processes still carrying `marker` after `within_s` (killing takes a moment to show in /proc)."""
    deadline = time.monotonic() + within_s
    while (left := _processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # never leave them to the next test
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def _spec_file(folder: Path, name: str, code: str, expect: str, extra: str = "") -> Path:
    path = folder / f"{name}.toml"
    body = f"{textwrap.dedent(extra).strip()}\n[example]\ncode = '''\n{textwrap.dedent(code).strip()}\n'''\n\n"
    path.write_text(body + textwrap.dedent(expect).strip() + "\n")
    return path


VALUE_X = "[[expect]]\nkind = 'value'\nexpr = 'x'\nequals = 1"


def noteproof(
    *args: str, tmp: Path, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    scratch = tmp / "scratch"
    scratch.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        check=False,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200", "TMPDIR": str(scratch), **(env or {})},
    )


def _scratch_left(tmp: Path) -> list[str]:
    return sorted(p.name for p in (tmp / "scratch").glob("noteproof-*"))


def _runs(history: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(history) as db:
        return db.execute(
            "SELECT state, (SELECT COUNT(*) FROM results WHERE run_id = runs.id) FROM runs ORDER BY id"
        ).fetchall()


@pytest.fixture
def own_runner(tmp_path: Path) -> Iterator[Runner]:
    """A worker of this test's own, for attacks that may break the one the session shares."""
    with Runner(slots=2, timing=False, data_root=tmp_path) as warm:
        yield warm


# -- 1, 2: the worker's channel --------------------------------------------------------------------------------------


def test_a_killed_worker_fails_the_run_with_the_rows_it_finished_and_leaves_nothing(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    _spec_file(specs, "a-quick", "x = 1", VALUE_X)
    _spec_file(
        specs,
        "b-kills-the-worker",
        """
        import os, signal, subprocess
        sleepers = [subprocess.Popen(["sleep", "1231.25"]) for _ in range(5)]
        os.kill(os.getppid(), signal.SIGKILL)  # what the OOM killer does to the worker
        while True:
            pass
        """,
        VALUE_X,
    )
    history = tmp_path / "h.sqlite"
    result = noteproof(
        "run", str(specs), "--device", "cpu", "--no-timing", "--jobs", "1", "--history", str(history), tmp=tmp_path,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 3, result.stdout + result.stderr
    assert "worker" in result.stderr and "Traceback" not in result.stderr
    assert _runs(history) == [("failed", 1)]
    assert _none_left("sleep 1231.25") == []
    assert _scratch_left(tmp_path) == []


def test_an_example_cannot_reach_the_harness_pipe(own_runner: Runner, write_spec: SpecWriter) -> None:
    writer = write_spec(
        "writer",
        """
        import os
        for fd in range(3, 1024):
            try:
                os.write(fd, b"junk\\n")
            except OSError:
                pass
        x = 1
        """,
        VALUE_X,
    )
    after = write_spec("after", "x = 1", VALUE_X)
    outcomes = own_runner.run([writer, after], devices=("cpu",))
    assert [o.status for o in outcomes] == [Status.PASSED, Status.PASSED], outcomes


# -- 3: the run's state ------------------------------------------------------------------------------------------------


def test_a_run_that_fails_while_writing_its_report_is_not_complete(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    _spec_file(specs, "quick", "x = 1", VALUE_X)
    history, report = tmp_path / "h.sqlite", tmp_path / "report.json"
    report.mkdir()  # the JSON report cannot be written
    result = noteproof(
        "run", str(specs), "--device", "cpu", "--no-timing", "--history", str(history), "--json", str(report),
        tmp=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(report) in result.stderr and "Traceback" not in result.stderr
    assert all(state != "complete" for state, _ in (_runs(history) if history.exists() else []))


# -- 4: audit of a crashing block --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "line"),
    [
        ("import ctypes\nctypes.string_at(0)", 2),
        ("import os\nos._exit(3)", None),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", None),
        ("import time\ntime.sleep(30)", None),
    ],
    ids=["segfault", "os-exit", "sigkill", "hang"],
)
def test_audit_calls_a_crashing_block_an_error(runner: Runner, tmp_path: Path, code: str, line: int | None) -> None:
    note = tmp_path / "note.md"
    note.write_text(f"# A note\n\n```python\n{code}\n```\n")
    audit = audit_note(note, runner, timeout=2)
    (block,) = audit.blocks
    assert not block.runs_as_written and not audit.clean
    assert block.error_as_written is not None
    if line is not None:
        assert block.error_as_written["line"] == line, block.error_as_written
    record = block.outcomes[0].block
    assert record is not None and not record.runs_as_written


# -- 5: descendants in new sessions ------------------------------------------------------------------------------------


def test_descendants_in_new_sessions_are_killed_at_the_end(runner: Runner, write_spec: SpecWriter) -> None:
    escaper = write_spec(
        "escaper",
        """
        import os, subprocess
        subprocess.Popen(["sleep", "1233.25"], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "1233.5"])
            os._exit(0)
        x = 1
        """,
        VALUE_X,
    )
    (outcome,) = runner.run([escaper], devices=("cpu",))
    assert outcome.status == Status.PASSED, outcome
    assert _none_left("sleep 1233.") == []


def test_descendants_of_an_example_that_exits_abruptly_are_killed(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec(
        "abrupt",
        """
        import os, subprocess
        subprocess.Popen(["sleep", "1234.25"], start_new_session=True)
        os._exit(0)
        """,
        VALUE_X,
    )
    runner.run([spec], devices=("cpu",))
    assert _none_left("sleep 1234.25") == []


# -- 6: memory of the whole tree ---------------------------------------------------------------------------------------


def test_memory_is_bounded_for_the_example_tree(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec(
        "tree-memory",
        """
        import subprocess, sys
        hog = "b = bytearray(200 * 2**20); import time; time.sleep(1235.25)"
        procs = [subprocess.Popen([sys.executable, "-c", hog]) for _ in range(3)]
        for p in procs:
            p.wait()
        x = 1
        """,
        VALUE_X,
        extra="memory_mb = 300\ntimeout = 30",
    )
    started = time.monotonic()
    (outcome,) = runner.run([spec], devices=("cpu",))
    assert time.monotonic() - started < 20
    assert outcome.status == Status.ERROR, outcome
    assert "300 MiB" in outcome.message and "processes" in outcome.message, outcome.message
    assert _none_left("time.sleep(1235.25)") == []


# -- 7: a hostile regex ------------------------------------------------------------------------------------------------


def test_a_hostile_match_pattern_runs_out_of_time_instead_of_freezing(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name, pattern in (("a-nested", "^(a+)+$"), ("b-alternation", "^(a|aa)+$")):  # exponential for `re`
        _spec_file(
            specs,
            name,
            "raise ValueError('a' * 40 + '!')",
            f"[[expect]]\nkind = 'exception'\ntype = 'ValueError'\nmatch = '{pattern}'",
        )
    history, report = tmp_path / "h.sqlite", tmp_path / "r.json"
    result = noteproof(
        "run", str(specs), "--device", "cpu", "--no-timing", "--history", str(history), "--json", str(report),
        tmp=tmp_path, timeout=90,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    nested, alternation = json.loads(report.read_text())["results"]
    assert "does not match the pattern" in json.dumps(nested), nested  # the regex engine needs no time for this one
    assert "ran out of time" in json.dumps(alternation), alternation
    assert _runs(history) == [("complete", 2)]


# -- 8: bad input, exit 2 in one line ----------------------------------------------------------------------------------


def test_markup_in_user_text_is_printed_as_written(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    _spec_file(specs, "[bold]b", "raise ValueError('[/x]')", "[[expect]]\nkind = 'value'\nexpr = '[/x]'\nequals = 1")
    history = tmp_path / "h.sqlite"
    result = noteproof("run", str(specs), "--device", "cpu", "--no-timing", "--history", str(history), tmp=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[bold]b" in result.stdout and "[/x]" in result.stdout


@pytest.mark.parametrize("option", ["--json", "--history"])
def test_a_folder_as_an_output_file_exits_2_before_running(tmp_path: Path, option: str) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    _spec_file(specs, "quick", "x = 1", VALUE_X)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    args = ["run", str(specs), "--device", "cpu", "--no-timing", option, str(folder)]
    if option == "--json":
        args += ["--history", str(tmp_path / "h.sqlite")]
    result = noteproof(*args, tmp=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(folder) in lines[0], result.stderr


def _read_in_a_thread(path: Path, unblock: Path) -> list[BaseException]:
    raised: list[BaseException] = []

    def read() -> None:
        try:
            read_note(path)
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():  # it hangs on the FIFO: give it a writer, so the test ends (and fails)
        with open(unblock, "w"):
            pass
        thread.join(5)
    return raised


def test_a_fifo_or_a_symlink_loop_as_a_note_is_a_note_error(tmp_path: Path) -> None:
    fifo = tmp_path / "note.md"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.md"
    loop.symlink_to(loop)
    for path in (fifo, loop):
        raised = _read_in_a_thread(path, fifo)
        assert raised and isinstance(raised[0], NoteError), (path, raised)
        assert str(path) in str(raised[0])


# -- 9: faults of the example, not of the harness ----------------------------------------------------------------------


def test_a_result_whose_repr_raises_is_the_examples_fault(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec(
        "bad-repr",
        """
        class Result:
            def __repr__(self):
                raise ValueError("no repr")
        result = Result()
        """,
        "[[expect]]\nkind = 'value'\nexpr = 'result'\nequals = 1",
    )
    (outcome,) = runner.run([spec], devices=("cpu",))
    assert not any(c.kind == "harness" for c in outcome.checks), outcome
    assert outcome.status in (Status.ERROR, Status.FAILED)
    assert "`repr()` of `result` raised ValueError" in outcome.message + " ".join(c.message for c in outcome.checks)


def _small_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)]
    mounted = subprocess.run(command, check=False, capture_output=True)
    return mounted.returncode == 0


@pytest.fixture
def small_scratch(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "small"
    if not _small_tmpfs(where, "24m"):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_scratch_filesystem_is_named_and_spares_other_examples(
    small_scratch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_spec: SpecWriter
) -> None:
    filler = write_spec(
        "filler",
        """
        import time
        time.sleep(0.3)
        with open("big", "wb") as big:
            while True:
                big.write(b"0" * 2**20)
        """,
        VALUE_X,
    )
    innocent = write_spec("innocent", "import time\ntime.sleep(1.5)\nx = 1", VALUE_X)
    monkeypatch.setattr(tempfile, "tempdir", str(small_scratch))  # where the runner puts the worker's scratch
    with Runner(slots=2, timing=False, data_root=tmp_path) as own:
        outcomes = own.run([innocent, filler], devices=("cpu",))
    assert outcomes[0].status == Status.PASSED, outcomes[0]
    assert "no space left in the scratch folder" in outcomes[1].message, outcomes[1]
    assert not any(c.kind == "harness" for c in outcomes[1].checks)


# -- 10: Ctrl-C and SIGTERM --------------------------------------------------------------------------------------------


def _catching_sigterm(pid: int, within_s: float = 30) -> None:
    """Wait until noteproof's own code runs: from its first line it catches SIGTERM (Python alone does not). A
    signal earlier than that lands in the interpreter's own start-up, which no code of ours can handle."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/status") as status:
            caught = next(line for line in status if line.startswith("SigCgt:"))
        if int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.002)
    raise AssertionError("noteproof never started to catch SIGTERM")


@pytest.mark.parametrize(
    ("command", "after_s", "sent"),
    [
        ("run", 0.0, signal.SIGINT),  # during the imports, before main() runs
        ("run", 0.5, signal.SIGTERM),
        ("run", 4.0, signal.SIGINT),
        ("audit", 0.0, signal.SIGINT),
        ("audit", 4.0, signal.SIGINT),
        ("audit", 4.0, signal.SIGTERM),
    ],
    ids=["run-early-sigint", "run-early-sigterm", "run-sigint", "audit-early-sigint", "audit-sigint", "audit-sigterm"],
)
def test_interrupts_exit_130_and_are_stored(tmp_path: Path, command: str, after_s: float, sent: int) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    _spec_file(specs, "slow", "import time\ntime.sleep(60)\nx = 1", VALUE_X)
    note = tmp_path / "note.md"
    note.write_text("# N\n\n```python\nimport time\ntime.sleep(60)\n```\n")
    history = tmp_path / "h.sqlite"
    target = [str(specs), "--no-timing"] if command == "run" else [str(note)]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", command, *target, "--device", "cpu", "--history", str(history)],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200", "TMPDIR": str(scratch)},
    )
    _catching_sigterm(process.pid)
    time.sleep(after_s)
    process.send_signal(sent)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert "Traceback" not in err and "interrupted" in err, err
    assert [state for state, _ in _runs(history)] == ["interrupted"]
    assert _scratch_left(tmp_path) == []


# -- 11: history faults ------------------------------------------------------------------------------------------------


def test_a_corrupt_history_exits_2_in_one_line(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    _spec_file(specs, "quick", "x = 1", VALUE_X)
    history = tmp_path / "h.sqlite"
    history.write_bytes(b"SQLite format 3\0" + os.urandom(4096))
    result = noteproof("run", str(specs), "--device", "cpu", "--no-timing", "--history", str(history), tmp=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and str(history) in result.stderr


def test_a_full_history_filesystem_exits_2_and_half_writes_nothing(tmp_path: Path) -> None:
    where = tmp_path / "tiny"
    if not _small_tmpfs(where, "600k"):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        specs = tmp_path / "specs"
        specs.mkdir()
        big = "x = 1\nprint('y' * 200_000)"  # rows big enough to fill the history's filesystem
        for n in range(8):
            _spec_file(specs, f"big-{n}", big, VALUE_X)
        history = where / "h.sqlite"
        result = noteproof("run", str(specs), "--device", "cpu", "--no-timing", "--history", str(history), tmp=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert str(history) in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        with sqlite3.connect(history) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert all(state != "complete" for state, _ in _runs(history))
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_read_only_history_exits_2_in_one_line(tmp_path: Path) -> None:
    writable, where = tmp_path / "rw", tmp_path / "ro"
    writable.mkdir()
    where.mkdir()
    with sqlite3.connect(writable / "h.sqlite") as db:
        db.execute("CREATE TABLE t (x)")
    bind = subprocess.run(["mount", "--bind", str(writable), str(where)], check=False, capture_output=True)
    if bind.returncode != 0:
        pytest.skip("cannot bind-mount here (needs root)")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(where)], check=True)
        specs = tmp_path / "specs"
        specs.mkdir()
        _spec_file(specs, "quick", "x = 1", VALUE_X)
        history = where / "h.sqlite"
        result = noteproof("run", str(specs), "--device", "cpu", "--no-timing", "--history", str(history), tmp=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and str(history) in result.stderr, result.stderr
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


# -- 12: the session check ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fails"),
    [
        ("def test_clean():\n    assert True\n", False),
        (
            "import subprocess\n\ndef test_leaves_a_process():\n    subprocess.Popen(['sleep', '1237.25'])\n",
            True,
        ),
        (
            "import os, tempfile\n\ndef test_leaves_a_folder():\n"
            "    os.mkdir(os.path.join(tempfile.gettempdir(), 'noteproof-left'))\n",
            True,
        ),
    ],
    ids=["clean", "process", "scratch-folder"],
)
def test_the_session_fails_when_a_test_leaves_something_behind(tmp_path: Path, body: str, fails: bool) -> None:
    (tmp_path / "conftest.py").write_text((PROJECT / "tests" / "conftest.py").read_text())
    (tmp_path / "test_one.py").write_text(body)
    env = {k: v for k, v in os.environ.items() if k not in ("NOTEPROOF_TEST_SESSION", "TMPDIR")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PYTHONPATH": str(PROJECT / "tests")},
    )
    output = result.stdout + result.stderr
    assert ("left processes or scratch folders behind" in output) is fails, output
    assert (result.returncode != 0) is fails, output
    assert _none_left("sleep 1237.25", within_s=0) == []


# -- 13: the sandbox for other people's notes --------------------------------------------------------------------------

BREAKS_OUT = """
import os, socket
try:
    with open({outside!r}, "w") as stray:
        stray.write("a new spec, picked up by the next run")
    wrote = True
except PermissionError:
    wrote = False
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    connected = True
except OSError:
    connected = False
secret = os.environ.get("SECRET_TEST_TOKEN")
home_is_scratch = os.environ["HOME"] == os.getcwd()
with open("inside.txt", "w") as mine:  # its own scratch folder stays writable
    mine.write("fine")
"""


@pytest.fixture
def listening() -> Iterator[int]:
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "not-sandboxed"])
def test_the_sandbox_stops_writes_tcp_and_secrets(
    tmp_path: Path, listening: int, monkeypatch: pytest.MonkeyPatch, write_spec: SpecWriter, sandbox: bool
) -> None:
    outside = tmp_path / "specs" / "planted.toml"
    outside.parent.mkdir()
    expect = (
        "\n".join(
            f"[[expect]]\nkind = 'value'\nexpr = {expr!r}\nequals = {value}"
            for expr, value in (
                ("wrote", not sandbox),
                ("connected", not sandbox),
                ("secret is None", sandbox),
                ("home_is_scratch", sandbox),
            )
        )
        .replace("True", "true")
        .replace("False", "false")
    )
    spec = write_spec("breaks-out", BREAKS_OUT.format(outside=str(outside), port=listening), expect)
    monkeypatch.setenv("SECRET_TEST_TOKEN", "hunter2")  # the worker starts after this: its examples inherit it
    data = tmp_path / "data"  # writable under the sandbox too: not where the planted spec goes
    data.mkdir()
    with Runner(slots=1, timing=False, data_root=data, sandbox=sandbox) as own:
        (outcome,) = own.run([spec], devices=("cpu",))
    assert outcome.status == Status.PASSED, outcome
    assert outside.exists() is not sandbox
    if sandbox:
        assert "sandbox: writes only in the scratch and data folders (Landlock ABI" in outcome.message
        assert "no TCP connections" in outcome.message and "scrubbed environment" in outcome.message
    else:
        assert "sandbox" not in outcome.message


def test_audit_is_sandboxed_by_default_and_run_is_not(tmp_path: Path) -> None:
    outside = tmp_path / "planted.txt"
    note = tmp_path / "note.md"
    note.write_text(f"# N\n\n```python\nopen({str(outside)!r}, 'w').write('x')\n```\n")
    audited = noteproof("audit", str(note), "--device", "cpu", "--history", str(tmp_path / "h.sqlite"), tmp=tmp_path)
    assert audited.returncode == 1 and "PermissionError" in audited.stdout, audited.stdout + audited.stderr
    assert not outside.exists()
    opened = noteproof(
        "audit", str(note), "--no-sandbox", "--device", "cpu", "--history", str(tmp_path / "h.sqlite"), tmp=tmp_path
    )
    assert opened.returncode == 0, opened.stdout + opened.stderr
    assert outside.exists()

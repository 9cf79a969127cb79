"""Shared fixtures: one warm worker for the whole session (importing torch once), and spec writing."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness import LoadedSpec, Runner, load_specs

PROJECT = Path(__file__).resolve().parents[1]
SEED_NOTE = PROJECT.parent / "shared" / "seed" / "000_9f602143f38b0ad7.txt"

SpecWriter = Callable[..., LoadedSpec]


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    # An empty data root: datasets always come from the stand-in, whatever this machine has on disk.
    data_root = tmp_path_factory.mktemp("data")
    with Runner(timing=False, data_root=data_root) as warm:
        yield warm


@pytest.fixture
def write_spec(tmp_path: Path) -> SpecWriter:
    """Write a spec file from code and expectation TOML, and load it."""

    def write(name: str, code: str, expect: str, extra: str = "") -> LoadedSpec:
        code = textwrap.dedent(code).strip("\n")
        top, expectations = textwrap.dedent(extra).strip(), textwrap.dedent(expect).strip()
        body = f"{top}\n[example]\ncode = '''\n{code}\n'''\n\n{expectations}\n"
        path = tmp_path / f"{name}.toml"
        path.write_text(body)
        (loaded,) = load_specs([path])
        return loaded

    return write


# -- nothing left behind -------------------------------------------------------------------------------------------
# Every process a test starts (a CLI, a worker, an example and what it spawns) inherits this mark, and every scratch
# folder a worker makes lands in this session's own TMPDIR: at the end, the session fails if any is still there.
_SESSION_MARK = "NOTEPROOF_TEST_SESSION"
_TOKEN = uuid.uuid4().hex
_SCRATCH = Path(tempfile.mkdtemp(prefix="np-test-session-"))
os.environ[_SESSION_MARK] = _TOKEN
os.environ["TMPDIR"] = str(_SCRATCH)
tempfile.tempdir = str(_SCRATCH)  # pytest may have asked (and cached) the old one already


def _marked_processes() -> list[tuple[int, str]]:
    mark = f"{_SESSION_MARK}={_TOKEN}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as environ:
                if mark not in environ.read().split(b"\0"):
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                found.append((int(entry), cmdline.read().replace(b"\0", b" ").decode(errors="replace")[:120]))
        except OSError:
            continue
    return found


def left_behind(grace_s: float = 5.0) -> tuple[list[tuple[int, str]], list[Path]]:
    """Processes and scratch folders this session's tests left (after a grace period for those still ending)."""
    deadline = time.monotonic() + grace_s
    while True:
        processes, folders = _marked_processes(), sorted(_SCRATCH.glob("noteproof-*"))
        if (not processes and not folders) or time.monotonic() > deadline:
            return processes, folders
        time.sleep(0.1)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    processes, folders = left_behind()
    for pid, _ in processes:  # the next session must not inherit them
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        _SCRATCH.rmdir()  # only when empty: pytest's own tmp_path folders may live here
    if processes or folders:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"process {pid} left running: {command}" for pid, command in processes]
        lines += [f"scratch folder left behind: {folder}" for folder in folders]
        if reporter is not None:
            reporter.write_sep("=", "tests left processes or scratch folders behind", red=True)
            for line in lines:
                reporter.write_line(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

"""Worker: a warm process that has imported torch but run nothing, forking one child per example.

Importing torch costs seconds; forking a process that imported it costs milliseconds. The worker
must never run a torch op itself: a parent that ran a multi-threaded op (or touched CUDA) can hang or
break its forked children. It speaks JSON lines: jobs in on stdin, results out on the original stdout.
"""

from __future__ import annotations

import contextlib
import errno
import faulthandler
import json
import os
import re
import selectors
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast

from harness.runs import processes
from harness.runs.protocol import OBSERVATION_RESERVED, SANDBOX_REPORT, Done, Fault, Job, ProbeJob, Ready, Request

_TICK_S = 0.05
# From this age on, an example's descendants count towards its memory bound (earlier ticks skip the /proc scan).
_TREE_WATCH_AFTER_S = 0.2
_NATIVE_OUTPUT_KEPT = 4000
_FILE_SIZE_LIMIT = 256 * 1024 * 1024
# The child's exit code when noteproof's own code failed in it (sysexits EX_SOFTWARE); the traceback is left in
# _HARNESS_FAULT, so that an example calling os._exit(70) itself is not mistaken for one.
HARNESS_FAULT_EXIT = 70
_HARNESS_FAULT = "harness-fault.txt"
# The child's exit code when the scratch folder's filesystem was full (sysexits EX_CANTCREAT); believed only when
# the filesystem is indeed full, so an example's own os._exit(73) stays its own crash.
NO_SPACE_EXIT = 73
_NO_SPACE_MESSAGE = "no space left in the scratch folder ({where}): the example filled its filesystem"
# Space the child reserves for its observation before the example runs: an example filling the scratch filesystem
# then cannot stop the others from reporting theirs.
OBSERVATION_RESERVE = 256 * 1024  # fallocate of 256 KiB: about 0.1 ms per example
# Left by a child that ended through noteproof's own path with no process below it (forging it is out of scope).
ALONE_AT_EXIT = "alone-at-exit"


@dataclass
class _Running:
    job: Job | ProbeJob
    pid: int
    pidfd: int
    scratch: Path
    started: float
    deadline: float
    rss_limit: int
    timing_phase: bool = False
    fault: Fault | None = None
    fault_message: str = ""


@dataclass
class Worker:
    out: TextIO
    slots: int
    base: Path
    queue: deque[Job | ProbeJob] = field(default_factory=deque)
    running: dict[int, _Running] = field(default_factory=dict)  # by pidfd
    selector: selectors.DefaultSelector = field(default_factory=selectors.DefaultSelector)
    closing: bool = False

    def send(self, message: Ready | Done) -> None:
        try:
            self.out.write(json.dumps(message, default=repr) + "\n")
            self.out.flush()
        except BrokenPipeError:
            self.closing = True  # nobody is listening any more

    def serve(self) -> None:
        os.set_blocking(0, False)
        self.selector.register(0, selectors.EVENT_READ, "stdin")
        pending = b""
        while not (self.closing and not self.running):
            for key, _ in self.selector.select(timeout=_TICK_S):
                if key.data == "stdin":
                    chunk = os.read(0, 1 << 16)
                    if not chunk:
                        self.closing = True  # the harness went away: finish nothing, kill everything
                        self.selector.unregister(0)
                        self.kill_all("the harness stopped")
                        continue
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        if line.strip():
                            self.accept(cast(Request, json.loads(line)))
                else:
                    self.reap(self.running[key.fd])
            self.watch()
            self.start_queued()

    def accept(self, message: Request) -> None:
        if message["op"] == "run":
            self.queue.append(message["job"])
        elif message["op"] == "shutdown":
            self.closing = True
            self.queue.clear()
            self.kill_all("the harness stopped")

    def start_queued(self) -> None:
        while self.queue and len(self.running) < self.slots and not self.closing:
            self.start(self.queue.popleft())

    def start(self, job: Job | ProbeJob) -> None:
        try:
            scratch = Path(tempfile.mkdtemp(prefix=f"{_file_safe(job['id'])[:40]}-", dir=self.base))
        except OSError as exc:  # a full or vanished scratch filesystem: this example cannot start, the rest go on
            self.send(_not_started(job, f"its scratch folder could not be made in {self.base}: {exc.strerror}"))
            return
        baseline = _rss(os.getpid())
        worker = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            _child_main(job, scratch, worker)
        pidfd = os.pidfd_open(pid)
        now = time.monotonic()
        self.running[pidfd] = _Running(
            job=job,
            pid=pid,
            pidfd=pidfd,
            scratch=scratch,
            started=now,
            deadline=now + job["timeout"],
            rss_limit=baseline + job["memory_mb"] * 1024 * 1024,
        )
        self.selector.register(pidfd, selectors.EVENT_READ, "child")

    def watch(self) -> None:
        """Deadlines and memory: kill the example's whole process tree when it oversteps."""
        now = time.monotonic()
        parent_of: dict[int, int] | None = None  # read from /proc once per tick, and only when a tree is watched
        for run in list(self.running.values()):
            if run.fault:
                continue
            if not run.timing_phase and (run.scratch / "observation.json").exists():
                run.timing_phase = True  # correctness is safe on disk; timing gets its own budget
                run.deadline = now + run.job["timeout"]
            if now > run.deadline:
                phase = "timing" if run.timing_phase else "example"
                self.kill(run, "timeout", f"the {phase} ran past its {run.job['timeout']:g} s timeout and was killed")
            elif now - run.started < _TREE_WATCH_AFTER_S:
                self.watch_memory(run, [])  # a short example pays no /proc scan; RLIMIT_AS bounds each process
            else:
                parent_of = processes.parents() if parent_of is None else parent_of
                self.watch_memory(run, processes.descendants(run.pid, parent_of))

    def watch_memory(self, run: _Running, below: list[int]) -> None:
        """Its own resident memory, and its descendants' private memory with it: the bound is per example tree
        (cgroup v1 here, so a watchdog; RLIMIT_AS bounds each process alone)."""
        own = _rss(run.pid)
        others = sum(processes.private(pid) for pid in below)
        if own + others <= run.rss_limit:
            return
        limit_mb = run.job["memory_mb"]
        if not others:
            message = f"the example used more than {limit_mb} MiB of memory and was killed (bound: its process's RSS)"
        else:
            message = (
                f"the example's processes together used more than {limit_mb} MiB of memory and were killed (bound: "
                f"the process tree's memory, summed by the worker's watchdog: {len(below)} subprocess(es) held "
                f"{others / 2**20:.0f} MiB)"
            )
        self.kill(run, "memory", message, below)

    def kill(self, run: _Running, fault: Fault, message: str, below: list[int] | None = None) -> None:
        run.fault, run.fault_message = fault, message
        processes.kill_all(processes.descendants(run.pid, processes.parents()) if below is None else below)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(run.pid, signal.SIGKILL)

    def kill_all(self, reason: str) -> None:
        for run in self.running.values():
            if not run.fault:
                self.kill(run, "cancelled", reason)

    def reap(self, run: _Running) -> None:
        _, status = os.waitpid(run.pid, 0)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(run.pid, signal.SIGKILL)  # strays the example left behind (DataLoader workers, subprocesses)
        self.selector.unregister(run.pidfd)
        os.close(run.pidfd)
        del self.running[run.pidfd]
        if not (run.scratch / ALONE_AT_EXIT).exists():
            self.kill_strays()  # it did not end on its own, or left processes: they are our children now
        code = os.waitstatus_to_exitcode(status)
        result: Done = {
            "op": "done",
            "id": run.job["id"],
            "wall_s": time.monotonic() - run.started,
            "observation": _read_json(run.scratch / "observation.json"),
            "timing": _read_json(run.scratch / "timing.json"),
            "probe": _read_json(run.scratch / "probe.json"),
            "fault": run.fault,
            "fault_message": run.fault_message,
            "fault_line": None,
            "sandbox": _text(run.scratch / SANDBOX_REPORT),
            "native_output": _head(run.scratch / "native.log"),
            "harness_traceback": "",
        }
        harness_trace = _text(run.scratch / _HARNESS_FAULT) if code == HARNESS_FAULT_EXIT else ""
        if run.fault is None and harness_trace:
            # Not the example's doing: noteproof's own code in the child raised. Whatever the example observed,
            # this row cannot be trusted, and the report must blame noteproof, not the note.
            last = harness_trace.strip().splitlines()[-1] if harness_trace.strip() else "unknown error"
            result["fault"] = "harness"
            result["fault_message"] = f"noteproof's own code failed in the example's process: {last}"
            result["harness_traceback"] = harness_trace
        elif run.fault is None and code == NO_SPACE_EXIT and result["observation"] is None and _full(run.scratch):
            result["fault"] = "crash"
            result["fault_message"] = _NO_SPACE_MESSAGE.format(where=self.base)
        elif run.fault is None and code != 0 and result["observation"] is None:
            result["fault"] = "crash"
            result["fault_line"] = _crash_line(result["native_output"])
            result["fault_message"] = (
                f"the process was killed by {signal.Signals(-code).name}"
                if code < 0
                else f"the process exited with code {code}"
            ) + " before the example finished"
        shutil.rmtree(run.scratch, ignore_errors=True)
        if not self.closing or run.fault != "cancelled":
            self.send(result)

    def kill_strays(self) -> None:
        """The worker is a subreaper: what an ended example left (new sessions included) is now our child."""
        me, known = os.getpid(), {run.pid for run in self.running.values()}
        for _ in range(100):  # killing one stray re-parents its own children to us: until none is left
            strays = [pid for pid, parent in processes.parents().items() if parent == me and pid not in known]
            if not strays:
                return
            processes.kill_all(strays)
            for pid in strays:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)


def _not_started(job: Job | ProbeJob, why: str) -> Done:
    return {
        "op": "done",
        "id": job["id"],
        "wall_s": 0.0,
        "observation": None,
        "timing": None,
        "probe": None,
        "fault": "crash",
        "fault_message": f"the example could not start: {why}",
        "fault_line": None,
        "sandbox": "",
        "native_output": "",
        "harness_traceback": "",
    }


def _crash_line(native_output: str) -> int | None:
    """faulthandler's dump (most recent call first): the innermost line of the example's own code."""
    found = re.search(r'File "<example>", line (\d+)', native_output)
    return int(found.group(1)) if found else None


def _full(scratch: Path) -> bool:
    try:
        stats = os.statvfs(scratch)
    except OSError:
        return True  # the folder went with its filesystem
    return stats.f_bavail * stats.f_frsize < OBSERVATION_RESERVE


def _child_main(job: Job | ProbeJob, scratch: Path, worker: int) -> None:  # pragma: no cover - forked child
    code = HARNESS_FAULT_EXIT
    try:
        # None of the worker's descriptors (its protocol pipe to the harness above all) reach the example, and
        # nothing of the example outlives the worker: its process dies with it, its descendants stay below it.
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        processes.die_with_parent(worker)
        processes.become_subreaper()
        os.chdir(scratch)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an output flood to a file fails to write, not kills
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        log = os.open(scratch / "native.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        faulthandler.enable(file=2)  # a segfault's traceback into native.log: the row names the example's line
        _reserve(scratch / OBSERVATION_RESERVED)
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (_FILE_SIZE_LIMIT, _FILE_SIZE_LIMIT))
        from harness.sandbox.child import probe_devices, run_job

        if job["kind"] == "probe":
            (scratch / "probe.json").write_text(json.dumps(probe_devices()))
        else:
            run_job(job, scratch)
        code = 0
        if _childless():
            Path(ALONE_AT_EXIT).touch()  # the worker need not look for strays: a subreaper with no child has none
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            _leave_trace()
        else:
            code = NO_SPACE_EXIT  # the example filled the filesystem: its fault, and there is no room for a trace
    except BaseException:  # noqa: BLE001 - a harness fault in the child: leave the trace for the report
        _leave_trace()
    finally:
        os._exit(code)


def _childless() -> bool:  # pragma: no cover - forked child
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _reserve(path: Path) -> None:  # pragma: no cover - forked child
    """Claim the observation's room now; child.write_json writes into it later, whatever the example filled."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.posix_fallocate(fd, 0, OBSERVATION_RESERVE)
    except OSError:
        pass  # no room even now, or a filesystem without fallocate: write_json tries anyway
    finally:
        os.close(fd)


def _leave_trace() -> None:  # pragma: no cover - forked child
    """A harness fault in the child (cwd is the scratch folder): the trace for the report, and for native.log."""
    trace = traceback.format_exc()
    with contextlib.suppress(OSError):
        Path(_HARNESS_FAULT).write_text(trace)
    with contextlib.suppress(OSError):
        os.write(2, trace.encode("utf-8", errors="replace"))


def _file_safe(text: str) -> str:
    """A job id as part of a folder name: an audited block's id holds its note's path, slashes and all."""
    return re.sub(r"[^\w.@:-]", "_", text)


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _head(path: Path) -> str:
    try:
        with open(path, "rb") as file:
            return file.read(_NATIVE_OUTPUT_KEPT).decode("utf-8", errors="replace")
    except OSError:
        return ""


def main(argv: list[str]) -> int:
    slots = int(argv[0]) if argv else 2
    # The harness names the scratch base, so it can remove it even if this process is killed.
    base = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="noteproof-"))
    os.environ[processes.WORKER_MARK] = str(os.getpid())  # inherited by every process an example starts
    processes.become_subreaper()
    # The protocol owns the real stdout; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the harness decides; on Ctrl-C it closes our stdin
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    started = time.perf_counter()
    import platform

    import torch
    import torchvision

    import harness.sandbox.child  # noqa: F401 - import (not run) everything a child needs, once

    worker = Worker(out=out, slots=slots, base=base)
    ready: Ready = {
        "op": "ready",
        "pid": os.getpid(),
        "import_s": time.perf_counter() - started,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "python": platform.python_version(),
        "cuda_build": torch.version.cuda,
    }
    worker.send(ready)
    try:
        worker.serve()
    finally:
        worker.kill_all("the worker stopped")
        for run in list(worker.running.values()):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(run.pid, 0)
        worker.running.clear()
        worker.kill_strays()
        shutil.rmtree(base, ignore_errors=True)
        out.flush()
        # Skip the interpreter's teardown: unloading torch takes about a second and nobody waits for it.
        os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Worker: a warm process that has imported torch but run nothing, forking one child per example.

Importing torch costs seconds; forking a process that imported it costs milliseconds. The worker
must never run a torch op itself: a parent that ran a multi-threaded op (or touched CUDA) can hang or
break its forked children. It speaks JSON lines: jobs in on stdin, results out on the original stdout.
"""

from __future__ import annotations

import contextlib
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

from harness.runs.protocol import Done, Fault, Job, ProbeJob, Ready, Request

_TICK_S = 0.05
_NATIVE_OUTPUT_KEPT = 4000
_FILE_SIZE_LIMIT = 256 * 1024 * 1024
# The child's exit code when noteproof's own code failed in it (sysexits EX_SOFTWARE); the traceback is left in
# _HARNESS_FAULT, so that an example calling os._exit(70) itself is not mistaken for one.
HARNESS_FAULT_EXIT = 70
_HARNESS_FAULT = "harness-fault.txt"


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
        scratch = Path(tempfile.mkdtemp(prefix=f"{_file_safe(job['id'])[:40]}-", dir=self.base))
        baseline = _rss(os.getpid())
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            _child_main(job, scratch)
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
        """Deadlines and memory: kill the example's whole process group when it oversteps."""
        now = time.monotonic()
        for run in list(self.running.values()):
            if run.fault:
                continue
            if not run.timing_phase and (run.scratch / "observation.json").exists():
                run.timing_phase = True  # correctness is safe on disk; timing gets its own budget
                run.deadline = now + run.job["timeout"]
            if now > run.deadline:
                phase = "timing" if run.timing_phase else "example"
                self.kill(run, "timeout", f"the {phase} ran past its {run.job['timeout']:g} s timeout and was killed")
            elif _rss(run.pid) > run.rss_limit:
                limit_mb = run.job["memory_mb"]
                self.kill(run, "memory", f"the example used more than {limit_mb} MiB of memory and was killed")

    def kill(self, run: _Running, fault: Fault, message: str) -> None:
        run.fault, run.fault_message = fault, message
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)

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
        elif run.fault is None and code != 0 and result["observation"] is None:
            result["fault"] = "crash"
            result["fault_message"] = (
                f"the process was killed by {signal.Signals(-code).name}"
                if code < 0
                else f"the process exited with code {code}"
            ) + " before the example finished"
        shutil.rmtree(run.scratch, ignore_errors=True)
        if not self.closing or run.fault != "cancelled":
            self.send(result)


def _child_main(job: Job | ProbeJob, scratch: Path) -> None:  # pragma: no cover - forked child
    code = HARNESS_FAULT_EXIT
    try:
        os.chdir(scratch)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an output flood to a file fails to write, not kills
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        log = os.open(scratch / "native.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (_FILE_SIZE_LIMIT, _FILE_SIZE_LIMIT))
        from harness.sandbox.child import probe_devices, run_job

        if job["kind"] == "probe":
            (scratch / "probe.json").write_text(json.dumps(probe_devices()))
        else:
            run_job(job, scratch)
        code = 0
    except BaseException:  # noqa: BLE001 - a harness fault in the child: leave the trace for the report
        trace = traceback.format_exc()
        with contextlib.suppress(OSError):
            (scratch / _HARNESS_FAULT).write_text(trace)
        with contextlib.suppress(OSError):
            os.write(2, trace.encode("utf-8", errors="replace"))
    finally:
        os._exit(code)


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

    base = Path(tempfile.mkdtemp(prefix="noteproof-"))
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
        shutil.rmtree(base, ignore_errors=True)
        out.flush()
        # Skip the interpreter's teardown: unloading torch takes about a second and nobody waits for it.
        os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

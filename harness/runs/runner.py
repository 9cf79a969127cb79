"""Runner: plans (spec x device) runs, feeds them to a warm worker process, and concludes each one."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from harness.errors import HarnessError, WorkerDied
from harness.judge.outcome import Outcome
from harness.judge.verdict import conclude, not_runnable, skipped
from harness.runs import processes
from harness.runs.protocol import Done, Job, Observation, ProbeReport, Ready, Reply, RunRequest
from harness.specs.loading import LoadedSpec
from harness.specs.model import DEVICES, GradientsExpectation, PrintedExpectation, TensorExpectation, ValueExpectation

DEFAULT_DATA_ROOT = Path("~/.noteproof/data")


@dataclass(frozen=True)
class Execution:
    outcome: Outcome
    observation: Observation | None  # None when the example never produced one (skipped, crashed, timed out)


@dataclass(frozen=True)
class Environment:
    torch: str
    torchvision: str
    python: str
    cuda_build: str | None
    cuda: bool | None  # None: not asked (no CUDA row was planned)
    cuda_devices: tuple[str, ...]
    cpu: str
    platform: str


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} cores)"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()} ({os.cpu_count()} cores)"


class WorkerProcess:
    """The warm worker, started at once so its `import torch` overlaps with our own start-up."""

    def __init__(self, slots: int = 2) -> None:
        # Lives as long as the worker; read only to explain why it died.
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        # Ours, not the worker's: removed at close even when the worker was killed before it could.
        self.scratch = Path(tempfile.mkdtemp(prefix="noteproof-"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harness.sandbox.worker", str(slots), str(self.scratch)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            bufsize=1,
            start_new_session=True,  # Ctrl-C reaches us, and we stop the worker in order
        )
        self._hello: Ready | None = None

    def hello(self) -> Ready:
        if self._hello is None:
            first = self.receive()
            if first["op"] != "ready":
                raise HarnessError(f"the worker spoke before it was ready: {first['op']!r}")
            self._hello = first
        return self._hello

    def send(self, message: RunRequest) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError as exc:
            self.bury()
            raise WorkerDied(f"the worker process stopped: {self._why()}") from exc

    def receive(self) -> Reply:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.bury()
            raise WorkerDied(f"the worker process stopped (exit {self.process.returncode}): {self._why()}")
        try:
            return cast(Reply, json.loads(line))
        except ValueError:
            self.bury()
            raise HarnessError(f"the worker sent a line that is not the protocol: {line[:80]!r}") from None

    def bury(self) -> None:
        """The worker is gone (or must go): kill it and everything its examples left, remove the scratch."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        # Its examples' processes die with it (PR_SET_PDEATHSIG); what they started carries the worker's mark.
        for _ in range(20):
            left = processes.marked_by(self.process.pid)
            if not left:
                break
            processes.kill_all(left)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _why(self) -> str:
        code = self.process.returncode
        if code is not None and code < 0:
            killed = f"killed by {signal.Signals(-code).name}"
            return f"{killed} (the OOM killer, or someone else); {self._stderr_tail()}".strip("; ")
        return self._stderr_tail() or "no message"

    def _stderr_tail(self) -> str:
        self._log.seek(0)
        return self._log.read()[-2000:].decode("utf-8", errors="replace").strip()

    def close(self) -> None:
        """Closing stdin tells the worker to kill every running example and exit; a worker still importing torch
        (interrupted in the first seconds) has nothing to finish and is killed at once."""
        if self.process.poll() is None and self._hello is not None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.bury()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self._log.close()


def data_root_for(loaded: LoadedSpec, override: Path | None) -> Path:
    if loaded.spec.data.root:
        return (loaded.path.parent / loaded.spec.data.root).resolve()
    if override is not None:
        return override.expanduser().resolve()
    return Path(os.environ.get("NOTEPROOF_DATA", DEFAULT_DATA_ROOT)).expanduser()


def job_for(loaded: LoadedSpec, device: str, *, timing: bool, data_root: Path | None, sandbox: bool = False) -> Job:
    spec = loaded.spec
    gradient_claims = [e for e in spec.expect if isinstance(e, GradientsExpectation)]
    return {
        "id": f"{loaded.id}@{device}",
        "kind": "example",
        "device": device,
        "code": loaded.code,
        "seed": spec.seed,
        "threads": spec.threads,
        "timeout": spec.timeout,
        "memory_mb": spec.memory_mb,
        "max_output": spec.max_output,
        "data_root": str(data_root_for(loaded, data_root)),
        "samples": spec.data.samples,
        "values": sorted({e.expr for e in spec.expect if isinstance(e, (ValueExpectation, TensorExpectation))}),
        "gradients": {
            "modules": sorted({e.module or "" for e in gradient_claims}),
            "without_backward": any(e.without_backward for e in gradient_claims),
        }
        if gradient_claims
        else None,
        "timing": {
            "enabled": spec.timing.enabled,
            "warmup": spec.timing.warmup,
            "min_run_time": spec.timing.min_run_time,
        }
        if timing and spec.timing.enabled
        else None,
        "expects_exception": any(e.kind == "exception" for e in spec.expect),
        "own_code_from": loaded.code_offset + 1 if loaded.code_offset else None,
        "captures": sorted({e.statement for e in spec.expect if isinstance(e, PrintedExpectation) and e.statement}),
        "display_last": spec.example.display_last,
        "sandbox": sandbox,
    }


class Runner:
    """Owns one warm worker; runs any number of spec batches through it.

    >>> with Runner() as runner:                         # doctest: +SKIP
    ...     outcomes = runner.run(load_specs([Path("specs")]), devices=("cpu", "cuda"))
    """

    def __init__(
        self, *, slots: int = 2, timing: bool = True, data_root: Path | None = None, sandbox: bool = False
    ) -> None:
        """`sandbox`: confine every example (writes, TCP, environment; harness.runs.confinement)."""
        self.slots, self.timing, self.data_root, self.sandbox = slots, timing, data_root, sandbox
        self._worker: WorkerProcess | None = None
        self._cuda: ProbeReport | None = None
        self._submitted = 0

    def __enter__(self) -> Runner:
        self._worker = WorkerProcess(self.slots)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    @property
    def worker(self) -> WorkerProcess:
        if self._worker is None:
            raise HarnessError("the runner is not started: use `with Runner() as runner:`")
        return self._worker

    def environment(self, *, probe_cuda: bool = True) -> Environment:
        """The worker's versions, and CUDA's presence once asked for (asking costs a fork)."""
        hello = self.worker.hello()
        if probe_cuda and self._cuda is None:
            self._cuda = self._probe()
        return Environment(
            torch=hello["torch"],
            torchvision=hello["torchvision"],
            python=hello["python"],
            cuda_build=hello["cuda_build"],
            cuda=self._cuda["cuda"] if self._cuda else None,
            cuda_devices=tuple(self._cuda["cuda_devices"]) if self._cuda else (),
            cpu=cpu_name(),
            platform=platform.platform(),
        )

    def _probe(self) -> ProbeReport:
        probe: RunRequest = {
            "op": "run",
            "job": {"id": "probe", "kind": "probe", "device": "cpu", "timeout": 60, "memory_mb": 4096},
        }
        self.worker.send(probe)
        result = self.worker.receive()
        report = result["probe"] if result["op"] == "done" else None
        return report or {"cuda": False, "cuda_devices": [], "cuda_version": None}

    def plan(self, specs: Sequence[LoadedSpec], devices: Iterable[str]) -> list[tuple[LoadedSpec, str]]:
        wanted = [d for d in DEVICES if d in set(devices)]
        return [(loaded, device) for loaded in specs for device in wanted if device in loaded.spec.devices]

    def run(
        self,
        specs: Sequence[LoadedSpec],
        devices: Iterable[str] = DEVICES,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> list[Outcome]:
        """Run every (spec, device); outcomes come back in plan order, and to `on_outcome` as they conclude."""
        return [execution.outcome for execution in self.execute(specs, devices, on_outcome)]

    def execute(
        self,
        specs: Sequence[LoadedSpec],
        devices: Iterable[str] = DEVICES,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> list[Execution]:
        """Like `run`, keeping each row's raw observation for callers that analyse it (the note audit)."""
        plan = self.plan(specs, devices)
        environment = self.environment(probe_cuda=any(device == "cuda" for _, device in plan))
        concluded: dict[int, Execution] = {}
        by_job: dict[str, int] = {}  # job id -> position in the plan

        def finish(position: int, outcome: Outcome, observation: Observation | None = None) -> None:
            concluded[position] = Execution(outcome, observation)
            if on_outcome:
                on_outcome(outcome)

        for position, (loaded, device) in enumerate(plan):
            if device == "cuda" and not environment.cuda:
                finish(position, skipped(loaded, device, "no CUDA device (torch.cuda.is_available() is False)"))
            elif loaded.problem:
                finish(position, not_runnable(loaded, device, loaded.problem))
            else:
                job = job_for(loaded, device, timing=self.timing, data_root=self.data_root, sandbox=self.sandbox)
                self._submitted += 1
                job["id"] = f"{self._submitted}:{job['id']}"  # unique, even when a spec is planned twice
                by_job[job["id"]] = position
                self.worker.send({"op": "run", "job": job})
        self._collect(plan, by_job, finish)
        return [concluded[position] for position in range(len(plan))]

    def _collect(
        self,
        plan: list[tuple[LoadedSpec, str]],
        by_job: dict[str, int],
        finish: Callable[[int, Outcome, Observation | None], None],
    ) -> None:
        # A non-CPU row is compared with its CPU row (planned just before it), so it waits when it finishes first.
        cpu_rows = {position for position in by_job.values() if plan[position][1] == "cpu"}
        cpu_observations: dict[int, Observation | None] = {}
        waiting: dict[int, list[tuple[int, Done]]] = {}
        remaining = len(by_job)
        while remaining:
            result = self.worker.receive()
            if result["op"] != "done" or result["id"] not in by_job:
                continue
            remaining -= 1
            position = by_job[result["id"]]
            loaded, device = plan[position]
            observation = result["observation"]
            partner = position - 1 if position - 1 in cpu_rows and plan[position - 1][0] is loaded else None
            if device == "cpu":
                cpu_observations[position] = observation
                finish(position, conclude(loaded, device, result, None), observation)
                for other, other_result in waiting.pop(position, []):
                    outcome = conclude(loaded, plan[other][1], other_result, observation)
                    finish(other, outcome, other_result["observation"])
            elif partner is not None and partner not in cpu_observations:
                waiting.setdefault(partner, []).append((position, result))
            else:
                reference = cpu_observations.get(partner) if partner is not None else None
                finish(position, conclude(loaded, device, result, reference), observation)

"""Child: runs one example inside a freshly forked process and writes what it observed.

Everything here happens after fork() in a process that will exit right after, so it may change
global torch state freely: nothing it does reaches another example or the harness.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import random
import re
import resource
import sys
import time
import timeit
import traceback
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import numpy
import torch
from torch.utils.data import dataloader

from harness.runs.confinement import confine
from harness.runs.protocol import (
    OBSERVATION_RESERVED,
    SANDBOX_REPORT,
    DatasetInfo,
    Evaluation,
    ExceptionHints,
    ExceptionInfo,
    GradientReport,
    Job,
    Observation,
    ParamGradient,
    ProbeReport,
    TimingFile,
    TimingPayload,
    ValueSummary,
    WithoutBackward,
)
from harness.sandbox.absent import install_absent_modules
from harness.sandbox.capture import (
    DISPLAY_CALL_HOOK,
    EARLIER_CELL_FILENAME,
    MARK_HOOK,
    PRINT_HOOK,
    SHOW_HOOK,
    Captures,
    compile_example,
)
from harness.sandbox.datasets import DatasetUse, install_dataset_standins
from harness.sandbox.gradients import GradientProbe, count_suppressed_backward

EXAMPLE_FILENAME = "<example>"
_MAX_VALUES = 4096


class CappedText(io.TextIOBase):
    """A stdout that keeps the first `limit` characters and only counts the rest: a flood cannot fill memory."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def getvalue(self) -> str:
        return "".join(self.parts)


def run_job(job: Job, scratch: Path) -> None:
    """Correctness run, then (optionally) timing; each phase writes its own file so a later hang loses nothing."""
    _confine(job, scratch)
    observation = observe(job)
    _write_json(scratch / "observation.json", observation)
    # Time what the correctness run judged: a clean run, or one that raised as the spec claims.
    if job["timing"] and (observation["exception"] is None or job["expects_exception"]):
        try:
            timing: TimingFile = {"timing": time_example(job), "error": None}
        except BaseException as exc:  # noqa: BLE001 - report any failure of timing, never crash
            timing = {"timing": None, "error": f"{type(exc).__name__}: {exc}"}
        _write_json(scratch / "timing.json", timing)


def _confine(job: Job, scratch: Path) -> None:
    os.setsid()  # own process group: a timeout kills the example and anything it started
    # First, while this process has one thread: Landlock binds the calling thread and those it starts later.
    if job["sandbox"]:
        (scratch / SANDBOX_REPORT).write_text(confine(scratch, [Path(job["data_root"])]).describe())
    if job["device"] == "cpu":
        # An address-space limit turns a memory bomb into MemoryError instead of the OOM killer.
        # CUDA reserves huge virtual ranges, so there the worker watches resident memory instead.
        limit = _vm_size() + job["memory_mb"] * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    torch.set_num_threads(job["threads"])


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _seed(seed: int) -> None:
    random.seed(seed)
    numpy.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


@contextmanager
def _captured(limit: int) -> Iterator[CappedText]:
    out = CappedText(limit)
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    try:
        yield out
    finally:
        sys.stdout, sys.stderr = saved


@contextmanager
def on_device(device: str) -> Iterator[None]:
    """Run unedited example code on `device`: factories default to it, and DataLoader batches move to it."""
    if device == "cpu":
        yield
        return
    original_next = dataloader._BaseDataLoaderIter.__next__

    def next_on_device(self: Any) -> Any:
        with torch.device("cpu"):  # sampling and collation stay on the CPU, as they would in the note
            batch = original_next(self)
        return _to_device(batch, device)

    torch.set_default_device(device)
    dataloader._BaseDataLoaderIter.__next__ = next_on_device  # type: ignore[method-assign]
    try:
        yield
    finally:
        dataloader._BaseDataLoaderIter.__next__ = original_next  # type: ignore[method-assign]
        torch.set_default_device("cpu")


def _to_device(value: Any, device: str) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, (list, tuple)):
        return type(value)(_to_device(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _to_device(v, device) for k, v in value.items()}
    return value


def _execute(job: Job, namespace: dict[str, Any], uses: list[DatasetUse]) -> BaseException | None:
    try:
        code = compile_example(
            job["code"], EXAMPLE_FILENAME, job["captures"], job["own_code_from"], display_last=job["display_last"]
        )
    except SyntaxError as exc:
        return exc
    _seed(job["seed"])
    restore = install_dataset_standins(Path(job["data_root"]), job["samples"], uses)
    restore_modules = install_absent_modules(EXAMPLE_FILENAME, EARLIER_CELL_FILENAME)
    try:
        with on_device(job["device"]):
            exec(code, namespace)  # noqa: S102 - running the example is the point; it is confined to this process
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt in an example are results too
        return exc
    finally:
        restore_modules()
        restore()
    return None


def observe(job: Job) -> Observation:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    uses: list[DatasetUse] = []
    probe = GradientProbe(namespace) if job["gradients"] else None
    captures = Captures()
    captures.install(namespace)
    started = time.perf_counter()
    with _captured(job["max_output"]) as out:
        captures.watch(out)
        if probe:
            probe.install()
        try:
            exc = _execute(job, namespace, uses)
        finally:
            if probe:
                probe.uninstall()
        duration = time.perf_counter() - started
        values = {expr: _evaluate(expr, namespace) for expr in job["values"]}
        gradients = _gradient_report(job, probe) if probe else None
    return {
        "stdout": out.getvalue(),
        "stdout_dropped": out.dropped,
        "exception": _describe_exception(exc, namespace) if exc else None,
        "values": values,
        "captures": captures.as_json(),
        "own_output_from": captures.own_output_from,
        "gradients": gradients,
        "devices_seen": sorted(_devices_in(namespace)),
        "datasets": [_dataset_info(use) for use in uses],
        "duration_s": duration,
    }


def _dataset_info(use: DatasetUse) -> DatasetInfo:
    return {
        "name": use.name,
        "source": use.source,
        "root": use.root,
        "train": use.train,
        "samples": use.samples,
        "description": use.description,
    }


def _gradient_report(job: Job, probe: GradientProbe) -> GradientReport:
    assert job["gradients"] is not None  # only asked for when the spec claims gradients
    report: GradientReport = {
        "backward_calls": probe.backward_calls,
        "modules": {},
        "without_backward": None,
        "autograd_graph": probe.autograd_graph,  # for the review page's graph view
    }
    for module_expr in job["gradients"]["modules"]:
        key = module_expr or ""
        try:
            report["modules"][key] = {"params": _param_gradients(probe.records(module_expr or None))}
        except Exception as exc:  # noqa: BLE001 - a bad module expression is the spec's problem, reported as such
            report["modules"][key] = {"error": f"{type(exc).__name__}: {exc}"}
    if job["gradients"]["without_backward"]:
        report["without_backward"] = _run_without_backward(job)
    return report


def _param_gradients(records: list[dict[str, Any]]) -> list[ParamGradient]:
    # GradientProbe builds each record with exactly ParamGradient's keys (tests/test_protocol.py holds it to that).
    return cast(list[ParamGradient], records)


def _run_without_backward(job: Job) -> WithoutBackward:
    """Run the example again with backward() made a no-op: does any .grad get set anyway?"""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    Captures().install(namespace)  # the same rewritten code runs again: its hooks must exist
    probe = GradientProbe(namespace)
    probe.install()
    calls, undo = count_suppressed_backward()
    try:
        exc = _execute(job, namespace, [])
    finally:
        undo()
        probe.uninstall()
    with_grad = [record["name"] for record in probe.records(None) if not record["none_after"]]
    return {
        "suppressed_calls": calls(),
        "parameters": sum(1 for _ in probe.records(None)),
        "with_grad": with_grad,
        "exception": _describe_exception(exc, namespace) if exc else None,
    }


def _describe_exception(exc: BaseException, namespace: dict[str, Any]) -> ExceptionInfo:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == EXAMPLE_FILENAME]
    line = frames[-1].lineno if frames else None
    top_line = frames[0].lineno if frames else None
    if isinstance(exc, SyntaxError) and exc.filename == EXAMPLE_FILENAME:
        line, top_line = exc.lineno, None
    hints = exception_hints(exc, namespace)
    return {
        "type": type(exc).__name__,
        "mro": [cls.__name__ for cls in type(exc).__mro__],
        "message": _safe_str(exc),
        "line": line,
        "traceback": "".join(traceback.format_exception(exc)[-20:]),
        "top_line": top_line,
        "name": hints["name"],
        "owner": hints["owner"],
        "candidates": hints["candidates"],
        "homes": hints["homes"],
    }


def exception_hints(exc: BaseException, namespace: dict[str, Any]) -> ExceptionHints:
    """What a fix needs to know: the missing name, the names that were there instead, where the name lives."""
    name: str | None = None
    owner: str | None = None
    candidates: list[str] = []
    if isinstance(exc, NameError):
        name = exc.name
        candidates = sorted({*namespace, *dir(builtins)} - {PRINT_HOOK, SHOW_HOOK, MARK_HOOK, DISPLAY_CALL_HOOK})
    elif isinstance(exc, AttributeError):
        name, target = exc.name, getattr(exc, "obj", None)
        if target is not None:
            owner = f"module '{target.__name__}'" if isinstance(target, types.ModuleType) else type(target).__name__
            candidates = sorted(dir(target))
    elif isinstance(exc, ModuleNotFoundError):
        name = exc.name
        candidates = sorted({module.split(".")[0] for module in sys.modules if not module.startswith("_")})
    elif isinstance(exc, ImportError):
        missing = re.search(r"cannot import name '([^']+)'", str(exc))
        name, owner = (missing.group(1) if missing else None), exc.name
        module = sys.modules.get(owner or "")
        candidates = sorted(dir(module)) if module else []
    return {
        "name": name,
        "owner": owner,
        "candidates": [c for c in candidates if not c.startswith("__")][:5000],
        "homes": _homes(name) if name else [],
    }


def _homes(name: str) -> list[str]:
    """Public torch/torchvision modules, among those already imported, that define `name`."""
    homes = [
        module_name
        for module_name, module in list(sys.modules.items())
        if module_name.split(".")[0] in ("torch", "torchvision")
        and not any(part.startswith("_") for part in module_name.split("."))
        and name in getattr(module, "__dict__", {})
    ]
    return sorted(homes, key=lambda m: (m.count("."), len(m)))[:5]


def _evaluate(expr: str, namespace: dict[str, Any]) -> Evaluation:
    try:
        # The expression is the spec's, evaluated in the example's own namespace inside its own process.
        value = eval(expr, namespace)  # noqa: S307
    except Exception as exc:  # noqa: BLE001 - a missing name is an observation, not a crash
        return {"ok": False, "error": f"{type(exc).__name__}: {_safe_str(exc)}"}
    try:
        return {"ok": True, "summary": summarise_value(value, f"`{expr}`")}
    except ReprFailed as exc:
        return {"ok": False, "error": str(exc)}


def summarise_value(value: Any, what: str = "the value") -> ValueSummary:
    """Enough of a value to check claims about it, without pickling torch objects across processes."""
    if isinstance(value, (bool, int, float)):
        return {"type": "number", "value": value, "python_type": type(value).__name__}
    if isinstance(value, (numpy.ndarray, numpy.generic, list, tuple)):
        try:
            value = torch.as_tensor(value)
        except Exception:  # noqa: BLE001 - not numeric: fall through to repr
            return {"type": "object", "repr": _safe_repr(value, what), "python_type": type(value).__name__}
    if isinstance(value, torch.Tensor):
        flat = value.detach().to("cpu").flatten()
        numeric = flat.double() if not flat.is_complex() else flat.abs().double()
        small = flat.numel() <= _MAX_VALUES
        return {
            "type": "tensor",
            "shape": list(value.shape),
            "dtype": str(value.dtype),
            "device": str(value.device),
            "values": flat.tolist() if small else None,
            "finite": bool(torch.isfinite(numeric).all()) if flat.numel() else True,
            "min": float(numeric.min()) if flat.numel() else None,
            "max": float(numeric.max()) if flat.numel() else None,
            "requires_grad": value.requires_grad,
            "repr": _safe_repr(value, what, 2000),
        }
    return {"type": "object", "repr": _safe_repr(value, what), "python_type": type(value).__name__}


def _devices_in(namespace: dict[str, Any]) -> set[str]:
    """Where the example's tensors and models live: the proof that a CUDA row really ran on CUDA."""
    devices: set[str] = set()
    for value in namespace.values():
        if isinstance(value, torch.Tensor):
            devices.add(value.device.type)
        elif isinstance(value, torch.nn.Module):
            devices.update(p.device.type for p in value.parameters())
    return devices


def time_example(job: Job) -> TimingPayload:
    """Warm up, then let torch.utils.benchmark measure blocks of runs (it synchronizes CUDA through our timer)."""
    from torch.utils.benchmark import Timer

    settings = job["timing"]
    assert settings is not None  # run_job times only when the job asks
    code = compile(job["code"], EXAMPLE_FILENAME, "exec")
    sink = CappedText(0)
    restore = install_dataset_standins(Path(job["data_root"]), job["samples"], [])

    def run_once() -> None:
        namespace: dict[str, Any] = {"__name__": "__main__"}
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = sink
        try:
            exec(code, namespace)  # noqa: S102
        except Exception:  # noqa: BLE001, S110 - the correctness run already judged it; time what runs
            pass
        finally:
            sys.stdout, sys.stderr = saved

    clock: Callable[[], float] = timeit.default_timer
    if job["device"] != "cpu":

        def clock() -> float:
            torch.cuda.synchronize()
            return timeit.default_timer()

    try:
        with on_device(job["device"]):
            _seed(job["seed"])
            for _ in range(settings["warmup"]):
                run_once()
            timer = Timer(stmt="run_once()", globals={"run_once": run_once}, timer=clock, num_threads=job["threads"])
            measurement = timer.blocked_autorange(min_run_time=settings["min_run_time"])
    finally:
        restore()
    return {
        "median_s": measurement.median,
        "iqr_s": measurement.iqr,
        "mean_s": measurement.mean,
        "repeats": len(measurement.times),
        "number_per_repeat": measurement.number_per_run,
        "warmup": settings["warmup"],
        "threads": job["threads"],
        "samples_s": list(measurement.times),
    }


def probe_devices() -> ProbeReport:
    """Asked in a child so the worker itself never initialises CUDA (that would break every later fork)."""
    available = torch.cuda.is_available()
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if available else []
    return {"cuda": available, "cuda_devices": names, "cuda_version": torch.version.cuda}


def _write_json(path: Path, payload: Observation | TimingFile | ProbeReport) -> None:
    text = json.dumps(payload, default=_unrepresentable, allow_nan=True).encode()
    reserved = path.parent / OBSERVATION_RESERVED
    if path.name == "observation.json" and reserved.exists():
        with open(reserved, "r+b") as file:  # the room claimed before the example ran: a full disk cannot stop this
            file.write(text)
            file.truncate(len(text))
        reserved.rename(path)
        return
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(text)
    temporary.rename(path)  # the worker sees the whole file or none


def _unrepresentable(value: object) -> str:
    return _safe_repr(value, "a value")


class ReprFailed(Exception):
    """The example's own object could not be shown: its `__repr__` raised. A fault of the example, named."""


def _safe_repr(value: object, what: str, limit: int = 500) -> str:
    try:
        return repr(value)[:limit]
    except Exception as exc:  # noqa: BLE001 - any exception of the example's __repr__
        raise ReprFailed(f"`repr()` of {what} raised {type(exc).__name__}: {_safe_str(exc)}") from None


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception as inner:  # noqa: BLE001 - an exception whose __str__ raises is still reported
        return f"<str() of the {type(exc).__name__} raised {type(inner).__name__}>"

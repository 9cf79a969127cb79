"""Verdict: one worker result (observation, timing, faults) for one spec and device, turned into an Outcome."""

from __future__ import annotations

from typing import Any

from harness.judge.check import Observation, check, check_agreement, check_device
from harness.judge.outcome import DataRecord, GradientRecord, Outcome, Status, Timing
from harness.specs.loading import LoadedSpec


def skipped(loaded: LoadedSpec, device: str, reason: str) -> Outcome:
    return _not_run(loaded, device, Status.SKIPPED, reason)


def not_runnable(loaded: LoadedSpec, device: str, reason: str) -> Outcome:
    return _not_run(loaded, device, Status.ERROR, reason)


def _not_run(loaded: LoadedSpec, device: str, status: Status, reason: str) -> Outcome:
    return Outcome(
        spec_id=loaded.id,
        device=device,
        status=status,
        expected="",
        actual="",
        message=reason,
        location=loaded.location,
        spec_path=str(loaded.path),
        code=loaded.code,
    )


def conclude(loaded: LoadedSpec, device: str, result: dict[str, Any], reference: Observation | None) -> Outcome:
    """Judge every expectation; a fault (timeout, crash, memory) before the observation is an error."""
    observation: Observation | None = result.get("observation")
    common: dict[str, Any] = {
        "spec_id": loaded.id,
        "device": device,
        "location": loaded.location,
        "spec_path": str(loaded.path),
        "code": loaded.code,
    }
    if observation is None:
        message = result.get("fault_message") or "the example's process ended without a result"
        native = (result.get("native_output") or "").strip()
        if native:
            message += f"\n{native[-1500:]}"
        return Outcome(status=Status.ERROR, expected="", actual="", message=message, **common)
    checks = [check(expectation, observation) for expectation in loaded.spec.expect]
    proof = check_device(device, observation)
    if proof:
        checks.append(proof)
    if reference is not None:
        agreement = check_agreement(loaded.spec.expect, reference, observation, device)
        if agreement:
            checks.append(agreement)
    exception = observation.get("exception")
    claimed_exception = any(e.kind == "exception" for e in loaded.spec.expect)
    status, message = None, ""
    if exception and not claimed_exception:
        status = Status.ERROR
        line = f" at line {exception['line']} of the example" if exception.get("line") else ""
        message = f"raised {exception['type']}{line}: {exception['message']}"
    return Outcome.summarise(
        tuple(checks),
        status=status,
        message=message,
        timing=_timing(result.get("timing")),
        timing_note=_timing_note(result),
        gradients=_gradients(observation),
        data=tuple(DataRecord(d["name"], d["source"], d["samples"], d["description"]) for d in observation["datasets"]),
        stdout=observation["stdout"] + _dropped(observation),
        duration_s=observation["duration_s"],
        error_line=exception.get("line") if exception else None,
        **common,
    )


def _dropped(observation: Observation) -> str:
    dropped = observation.get("stdout_dropped", 0)
    return f"\n... [{dropped} more characters of output not kept]" if dropped else ""


def _timing(payload: dict[str, Any] | None) -> Timing | None:
    if not payload or not payload.get("timing"):
        return None
    return Timing(**payload["timing"])


def _timing_note(result: dict[str, Any]) -> str:
    timing = result.get("timing")
    if timing and timing.get("error"):
        return f"timing failed: {timing['error']}"
    if result.get("fault") and result.get("observation") is not None:
        return str(result.get("fault_message", ""))
    return ""


def _gradients(observation: Observation) -> tuple[GradientRecord, ...]:
    report = observation.get("gradients")
    if not report:
        return ()
    records: dict[str, GradientRecord] = {}
    for module in report["modules"].values():
        for param in module.get("params", []):
            fields = {key: value for key, value in param.items() if key != "grad_shape"}
            fields["shape"] = tuple(fields["shape"])
            records.setdefault(param["name"], GradientRecord(**fields))
    return tuple(records.values())

"""Verdict: one worker result (observation, timing, faults) for one spec and device, turned into an Outcome."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from harness.judge.check import check, check_agreement, check_device
from harness.judge.outcome import CheckResult, DataRecord, GradientRecord, Outcome, Status, Timing
from harness.runs.protocol import Done, Histogram, Observation, TimingFile
from harness.specs.loading import LoadedSpec

# The kind of the one check a harness-fault row carries: how a front end (and the CLI's exit code 3) tells
# "noteproof broke while running this example" from "the example raised".
HARNESS_FAULT = "harness"


def is_harness_fault(outcome: Outcome) -> bool:
    return any(c.kind == HARNESS_FAULT for c in outcome.checks)


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


def conclude(loaded: LoadedSpec, device: str, result: Done, reference: Observation | None) -> Outcome:
    """Judge every expectation; a fault (timeout, crash, memory) before the observation is an error, and a
    fault of noteproof's own code in the example's process is a harness fault, whatever was observed."""
    observation = result["observation"]
    common: dict[str, Any] = {
        "spec_id": loaded.id,
        "device": device,
        "location": loaded.location,
        "spec_path": str(loaded.path),
        "code": loaded.code,
    }
    if result["fault"] == "harness":
        return _harness_fault(result, common)
    if observation is None:
        message = result["fault_message"] or "the example's process ended without a result"
        fault_line = result.get("fault_line")
        if fault_line:
            message = f"{message} (at line {fault_line} of the example)"
        native = result["native_output"].strip()
        if native:
            message += f"\n{native[-1500:]}"
        return Outcome(status=Status.ERROR, expected="", actual="", message=message, error_line=fault_line, **common)
    checks = [check(expectation, observation) for expectation in loaded.spec.expect]
    proof = check_device(device, observation)
    if proof:
        checks.append(proof)
    if reference is not None:
        agreement = check_agreement(loaded.spec.expect, reference, observation, device)
        if agreement:
            checks.append(agreement)
    exception = observation["exception"]
    claimed_exception = any(e.kind == "exception" for e in loaded.spec.expect)
    status, message = None, ""
    if exception and not claimed_exception:
        status = Status.ERROR
        line = f" at line {exception['line']} of the example" if exception["line"] else ""
        message = f"raised {exception['type']}{line}: {exception['message']}"
        if "No space left on device" in exception["message"]:
            message += " (no space left in the scratch folder: the example filled its filesystem)"
    outcome = Outcome.summarise(
        tuple(checks),
        status=status,
        message=message,
        timing=_timing(result["timing"]),
        timing_note=_timing_note(result),
        gradients=_gradients(observation),
        autograd_graph=observation["gradients"]["autograd_graph"] if observation["gradients"] else "",
        data=tuple(DataRecord(d["name"], d["source"], d["samples"], d["description"]) for d in observation["datasets"]),
        stdout=observation["stdout"] + _dropped(observation),
        duration_s=observation["duration_s"],
        error_line=exception["line"] if exception else None,
        **common,
    )
    sandbox = result["sandbox"]
    if sandbox:  # the row says which protections were in force (or that none could be)
        outcome = replace(outcome, message=f"{outcome.message}\n{sandbox}" if outcome.message else sandbox)
    return outcome


def _harness_fault(result: Done, common: dict[str, Any]) -> Outcome:
    message = f"{result['fault_message']} (a bug in noteproof, not in the example)"
    trace = result["harness_traceback"].strip()
    fault = CheckResult(HARNESS_FAULT, Status.ERROR, "noteproof runs the example", "noteproof's code raised", message)
    return Outcome(
        status=Status.ERROR,
        expected=fault.expected,
        actual=fault.actual,
        message=f"{message}\n{trace[-1500:]}" if trace else message,
        checks=(fault,),
        **common,
    )


def _dropped(observation: Observation) -> str:
    dropped = observation["stdout_dropped"]
    return f"\n... [{dropped} more characters of output not kept]" if dropped else ""


def _timing(payload: TimingFile | None) -> Timing | None:
    measured = payload["timing"] if payload else None
    if measured is None:
        return None
    return Timing(
        median_s=measured["median_s"],
        iqr_s=measured["iqr_s"],
        mean_s=measured["mean_s"],
        repeats=measured["repeats"],
        number_per_repeat=measured["number_per_repeat"],
        warmup=measured["warmup"],
        threads=measured["threads"],
        samples_s=tuple(measured["samples_s"]),
    )


def _timing_note(result: Done) -> str:
    timing = result["timing"]
    if timing and timing["error"]:
        return f"timing failed: {timing['error']}"
    if result["fault"] and result["observation"] is not None:
        return result["fault_message"]
    return ""


def _gradients(observation: Observation) -> tuple[GradientRecord, ...]:
    report = observation["gradients"]
    if not report:
        return ()
    records: dict[str, GradientRecord] = {}
    for module in report["modules"].values():
        for param in module.get("params", []):
            if param["name"] in records:  # the same parameter, reached through two module expressions
                continue
            records[param["name"]] = GradientRecord(
                name=param["name"],
                shape=tuple(param["shape"]),
                none_before=param["none_before"],
                none_after=param["none_after"],
                finite=param["finite"],
                norm=param["norm"],
                mean_abs=param["mean_abs"],
                max_abs=param["max_abs"],
                histogram=_histogram(param["histogram"]),
                kernels=param["kernels"],
                backward_calls=param["backward_calls"],
                accumulated_calls=param["accumulated_calls"],
                fresh_calls=param["fresh_calls"],
                mismatched_calls=param["mismatched_calls"],
                device=param["device"],
                norms_per_call=tuple(param["norms_per_call"]),
            )
    return tuple(records.values())


def _histogram(histogram: Histogram | None) -> dict[str, list[float]] | None:
    return {"edges": histogram["edges"], "counts": histogram["counts"]} if histogram else None

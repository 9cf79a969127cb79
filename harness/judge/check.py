"""Check: an expectation judged against an observation. A false claim is a returned result, never an exception."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

from harness.judge.outcome import CheckResult, Status, worst
from harness.judge.printed import compare_printed, numbers_close
from harness.runs.protocol import (
    ExceptionInfo,
    NumberSummary,
    Observation,
    ParamGradient,
    TensorSummary,
    ValueSummary,
    WithoutBackward,
)
from harness.specs.model import (
    ExceptionExpectation,
    Expectation,
    GradientsExpectation,
    PrintedExpectation,
    TensorExpectation,
    ValueExpectation,
)

# What `actual` says when a claim of printed output meets an example that printed nothing.
NOTHING_PRINTED = "(nothing printed)"

__all__ = ["Observation", "check", "check_agreement", "check_device"]  # Observation: harness.runs.protocol's


def check(expectation: Expectation, observation: Observation) -> CheckResult:
    exception = observation["exception"]
    reached = isinstance(expectation, PrintedExpectation) and _ran_before_raise(expectation, observation)
    if exception and not reached and _raised_itself(expectation, exception):
        return _result(
            expectation,
            Status.FAILED,
            _expected_text(expectation),
            f"{exception['type']}: {exception['message']}",
            f"the statement claimed to print raised {exception['type']}{_at(exception)}",
        )
    if exception and not isinstance(expectation, ExceptionExpectation) and not reached:
        return _result(
            expectation,
            Status.ERROR,
            _expected_text(expectation),
            f"{exception['type']}: {exception['message']}",
            f"not reached: the example raised {exception['type']}{_at(exception)}",
        )
    checker: Callable[[Any, Observation], CheckResult] = _CHECKERS[type(expectation)]
    return checker(expectation, observation)


# What a statement raises when the machine lacks what the author's had (a name from their session, a file, a
# module): the claim could not be tried here, which is not the claim being wrong.
_MISSING_HERE = frozenset(
    {"NameError", "ModuleNotFoundError", "ImportError", "FileNotFoundError", "IsADirectoryError", "NotADirectoryError"}
)


def _raised_itself(expectation: Expectation, exception: ExceptionInfo) -> bool:
    """The statement a printed claim is about raised (and not for want of the author's files or names): the claim
    that it printed is wrong, not unreached."""
    return (
        isinstance(expectation, PrintedExpectation)
        and bool(expectation.statement)
        and expectation.statement == exception.get("top_line")
        and exception["type"] not in _MISSING_HERE
    )


def _ran_before_raise(expectation: PrintedExpectation, observation: Observation) -> bool:
    """The claimed statement printed, or it ran to its end before the statement that raised began (a loop that
    printed before the next top-level statement raised: its output is all there)."""
    if expectation.before_error or str(expectation.statement) in observation["captures"]:
        return True
    exception = observation["exception"]
    top_line = exception.get("top_line") if exception else None
    return bool(expectation.statement and top_line and expectation.statement < top_line)


def _result(expectation: Expectation, status: Status, expected: str, actual: str, message: str = "") -> CheckResult:
    return CheckResult(
        kind=expectation.kind, status=status, expected=expected, actual=actual, message=message, line=expectation.line
    )


def _at(exception: ExceptionInfo) -> str:
    return f" at line {exception['line']} of the example" if exception["line"] else ""


def _expected_text(expectation: Expectation) -> str:
    if expectation.claim:
        return expectation.claim
    if isinstance(expectation, ValueExpectation):
        return f"{expectation.expr} == {expectation.equals}"
    if isinstance(expectation, PrintedExpectation):
        return expectation.text
    if isinstance(expectation, ExceptionExpectation):
        return f"raises {expectation.type}" + (f": {expectation.claimed}" if expectation.claimed else "")
    if isinstance(expectation, GradientsExpectation):
        return _gradient_claims(expectation)
    return f"{expectation.expr}: {_tensor_claims(expectation)}"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:.6g}"
        return text if any(c in text for c in ".ein") else f"{text}."  # 2.0 reads `2.`, as torch prints it
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def _plain(value: float | None) -> str:
    """Extremes of any dtype arrive as floats: print 10.0 as 10, not as a float literal."""
    return "-" if value is None else f"{value:.6g}"


# -- value ---------------------------------------------------------------------------------------


def _shape_of(value: Any) -> tuple[int, ...]:
    if isinstance(value, list):
        return (len(value), *(_shape_of(value[0]) if value else ()))
    return ()


def _flatten(value: Any) -> list[float]:
    if isinstance(value, list):
        return [x for item in value for x in _flatten(item)]
    return [float(value)]


def _summary(expr: str, observation: Observation) -> tuple[ValueSummary | None, str]:
    entry = observation["values"].get(expr)
    if entry is None:
        return None, f"`{expr}` was not evaluated"
    if not entry["ok"]:
        return None, f"could not evaluate `{expr}`: {entry['error']}"
    return entry["summary"], ""


def _value_text(summary: ValueSummary) -> str:
    """Read like torch prints: tensor(0.666667), with dtype and device only when they are not the defaults."""
    if summary["type"] == "number":
        return _fmt(summary["value"])
    if summary["type"] == "tensor":
        values = summary["values"]
        shown = _fmt(values[0]) if summary["shape"] == [] and values else _fmt(values) if values is not None else "..."
        extras = "" if summary["shape"] in ([], [len(values or [])]) else f", shape={tuple(summary['shape'])}"
        extras += "" if summary["dtype"] in ("torch.float32", "torch.int64") else f", dtype={summary['dtype']}"
        extras += "" if summary["device"] == "cpu" else f", device='{summary['device']}'"
        return f"tensor({shown}{extras})"
    return summary["repr"]


def _check_value(expectation: ValueExpectation, observation: Observation) -> CheckResult:
    expected = _expected_text(expectation)
    summary, problem = _summary(expectation.expr, observation)
    if summary is None:
        return _result(expectation, Status.ERROR, expected, "-", problem)
    actual = _value_text(summary)
    want_shape, want = _shape_of(expectation.equals), _flatten(expectation.equals)
    got_shape: tuple[int, ...]
    if summary["type"] == "number":
        got_shape, got = (), [float(summary["value"])]
    elif summary["type"] == "tensor" and summary["values"] is not None:
        got_shape, got = tuple(summary["shape"]), [float(v) for v in summary["values"]]
    else:
        return _result(expectation, Status.FAILED, expected, actual, f"`{expectation.expr}` is not numeric")
    if got_shape != want_shape:
        return _result(
            expectation, Status.FAILED, expected, actual, f"shape {got_shape} where {want_shape} was claimed"
        )
    if len(want) != len(got):  # a ragged claim such as [[1, 2], [3]] has no single shape
        return _result(expectation, Status.FAILED, expected, actual, f"{len(want)} values claimed, {len(got)} found")
    for index, (w, g) in enumerate(zip(want, got, strict=True)):
        if not numbers_close(w, g, atol=expectation.atol, rtol=expectation.rtol):
            where = f" at flat index {index}" if len(want) > 1 else ""
            return _result(
                expectation,
                Status.FAILED,
                expected,
                actual,
                f"{_fmt(g)} differs from the claimed {_fmt(w)}{where}"
                f" (atol {expectation.atol:g}, rtol {expectation.rtol:g})",
            )
    return _result(expectation, Status.PASSED, expected, actual)


# -- printed -------------------------------------------------------------------------------------


def _check_printed(expectation: PrintedExpectation, observation: Observation) -> CheckResult:
    expected = expectation.text
    if expectation.statement is not None:
        return _check_statement_output(expectation, observation)
    # Notebook style: earlier blocks ran first; the claim is about this block's own output.
    lines = observation["stdout"][observation["own_output_from"] :].splitlines()
    if not lines:
        return _result(expectation, Status.FAILED, expected, NOTHING_PRINTED, "the example printed nothing")
    width = max(1, len(expected.strip().splitlines()))
    if expectation.output_line is not None:
        start = expectation.output_line - 1 if expectation.output_line > 0 else len(lines) + expectation.output_line
        if not 0 <= start < len(lines):
            return _result(
                expectation,
                Status.FAILED,
                expected,
                f"({len(lines)} lines printed)",
                f"no output line {expectation.output_line}",
            )
        starts: Sequence[int] = [start]
    else:
        starts = range(max(1, len(lines) - width + 1))
    verdicts = []
    windows = ["\n".join(lines[start : start + width]) for start in starts]
    if (elided := _elided(expected, lines)) is not None and expectation.output_line is None:
        windows.insert(0, elided)
    for window in windows:
        verdicts.append((window, compare_printed(expected, window, atol=expectation.atol, rtol=expectation.rtol)))
    for wanted, status in (("equal", Status.PASSED), ("drifted", Status.DRIFTED)):
        for window, comparison in verdicts:
            if comparison.verdict == wanted:
                return _result(expectation, status, expected, window, comparison.reason)
    # Nothing matched: show the candidate that failed for the most specific reason (a value, then a shape, then text).
    window, comparison = min(verdicts, key=lambda candidate: _vagueness(candidate[1].reason))
    return _result(expectation, Status.FAILED, expected, window, comparison.reason)


_ELISION = frozenset({"...", "…", "⋮", "[...]", "(...)"})


def _elided(expected: str, lines: Sequence[str]) -> str | None:
    """The output as the author shortened it: a line of `...` in the claim stands for the lines it left out
    (doctest's ELLIPSIS, a training log cut short), so the lines around it are the output's first and last."""
    claimed = expected.strip("\n").split("\n")
    cut = next((n for n, line in enumerate(claimed) if line.strip() in _ELISION), None)
    if cut is None:
        return None
    head, tail = claimed[:cut], claimed[cut + 1 :]
    if len(lines) < len(head) + len(tail):
        return None
    return "\n".join([*lines[: len(head)], claimed[cut], *(lines[len(lines) - len(tail) :] if tail else [])])


def _vagueness(reason: str) -> int:
    """How little a failed comparison says: a differing value pins the claim down, differing text hardly."""
    return 2 if reason.startswith("printed text") else 1 if reason.startswith("shape") else 0


def _check_statement_output(expectation: PrintedExpectation, observation: Observation) -> CheckResult:
    """The claim belongs to one print (or REPL expression): compare with what that statement produced."""
    outputs: list[str] = observation["captures"].get(str(expectation.statement), [])
    # A print in a loop, claimed over several lines, is compared with as many consecutive outputs.
    width = len(expectation.text.strip().splitlines())
    texts = outputs + (
        ["\n".join(outputs[i : i + width]) for i in range(len(outputs) - width + 1)] if width > 1 else []
    )
    if not texts:
        return _result(
            expectation,
            Status.FAILED,
            expectation.text,
            "(no output)",
            f"the statement on line {expectation.statement} of the example produced no output",
        )
    judged = [
        (text, compare_printed(expectation.text, text, atol=expectation.atol, rtol=expectation.rtol)) for text in texts
    ]
    for wanted, status in (("equal", Status.PASSED), ("drifted", Status.DRIFTED)):
        for text, comparison in judged:
            if comparison.verdict == wanted:
                return _result(expectation, status, expectation.text, text, comparison.reason)
    # Show the first candidate of the claim's own width: one output, or the first run of consecutive outputs.
    text, comparison = judged[len(outputs)] if width > 1 and len(judged) > len(outputs) else judged[0]
    return _result(expectation, Status.FAILED, expectation.text, text, comparison.reason)


# -- exception -----------------------------------------------------------------------------------


def _normalise(message: str) -> str:
    return " ".join(message.split()).rstrip(".")


def _check_exception(expectation: ExceptionExpectation, observation: Observation) -> CheckResult:
    expected = _expected_text(expectation)
    exception = observation["exception"]
    if exception is None:
        return _result(expectation, Status.FAILED, expected, "nothing raised", f"no {expectation.type} was raised")
    actual = f"{exception['type']}: {exception['message']}"
    if expectation.type not in exception["mro"]:
        return _result(
            expectation,
            Status.FAILED,
            expected,
            actual,
            f"raised {exception['type']}{_at(exception)}, not {expectation.type}",
        )
    found = _search(expectation.match, exception["message"]) if expectation.match else True
    if found is None:
        return _result(
            expectation,
            Status.ERROR,
            expected,
            actual,
            f"the pattern {expectation.match!r} ran out of time ({MATCH_TIMEOUT_S:g} s) on the message: it backtracks"
            " without end on text like this; simplify it (no nested repetition such as `(a+)+`)",
        )
    if not found:
        return _result(
            expectation,
            Status.FAILED,
            expected,
            actual,
            f"the message does not match the pattern {expectation.match!r}",
        )
    if expectation.claimed and _normalise(expectation.claimed) not in _normalise(exception["message"]):
        return _result(
            expectation,
            Status.DRIFTED,
            expected,
            actual,
            f"{exception['type']} is raised as claimed, but today's message differs from the note's",
        )
    return _result(expectation, Status.PASSED, expected, actual)


MATCH_TIMEOUT_S = 1.0


def _search(pattern: str, text: str) -> bool | None:
    """Does the spec's pattern match? None when it ran out of time: `re` cannot be interrupted, and a hostile
    pattern (`^(a+)+$`) would freeze the whole run outside every timeout, so the `regex` engine bounds it."""
    import regex  # only specs with a `match` pay for its import

    try:
        return regex.search(pattern, text, timeout=MATCH_TIMEOUT_S) is not None
    except TimeoutError:
        return None


# -- gradients -----------------------------------------------------------------------------------


def _gradient_claims(expectation: GradientsExpectation) -> str:
    parts = []
    if expectation.before_backward:
        parts.append(".grad None before backward()")
    if expectation.after_backward:
        parts.append(
            ".grad a finite tensor of the parameter's shape after"
            if expectation.after_backward == "finite"
            else ".grad None after"
        )
    if expectation.accumulates is not None:
        parts.append("accumulates across backward() calls" if expectation.accumulates else "fresh on every backward()")
    if expectation.without_backward:
        parts.append(".grad stays None without backward()")
    return "; ".join(parts)


def _names(records: list[ParamGradient], limit: int = 3) -> str:
    return _listed([r["name"] for r in records], limit)


def _listed(names: list[str], limit: int = 3) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _check_gradients(expectation: GradientsExpectation, observation: Observation) -> CheckResult:
    expected = _expected_text(expectation)
    report = observation["gradients"]
    if report is None:
        return _result(expectation, Status.ERROR, expected, "-", "no gradient report was recorded")
    module = report["modules"].get(expectation.module or "", {})
    if "error" in module:
        return _result(expectation, Status.ERROR, expected, "-", f"module `{expectation.module}`: {module['error']}")
    records: list[ParamGradient] = module.get("params", [])
    if not records:
        return _result(
            expectation, Status.FAILED, expected, "no parameters", "the example built no module with parameters"
        )
    total, calls = len(records), report["backward_calls"]
    facts: list[tuple[Status, str]] = []
    if expectation.before_backward == "none":
        bad = [r for r in records if r["none_before"] is not True]
        if calls == 0:
            facts.append((Status.FAILED, "backward() was never called"))
        else:
            facts.append(
                _fact(bad, f"{total - len(bad)}/{total} None before backward()", "held a .grad before backward()")
            )
    if expectation.after_backward == "finite":
        bad = [r for r in records if r["none_after"] or not r["finite"] or r["grad_shape"] != r["shape"]]
        facts.append(
            _fact(bad, f"{total - len(bad)}/{total} finite, right shape after", "None, non-finite or misshapen after")
        )
    elif expectation.after_backward == "none":
        bad = [r for r in records if not r["none_after"]]
        facts.append(_fact(bad, f"{total - len(bad)}/{total} None after", "have a .grad after"))
    if expectation.accumulates is not None:
        facts.append(_accumulation(records, calls, expectation.accumulates))
    if expectation.without_backward == "none":
        facts.append(_without_backward(report["without_backward"]))
    status = worst(s for s, _ in facts)
    actual = f"{calls} backward() call(s); " + "; ".join(text for _, text in facts)
    message = "; ".join(text for s, text in facts if s != Status.PASSED)
    return _result(expectation, status, expected, actual, message)


def _fact(bad: list[ParamGradient], good_text: str, bad_text: str) -> tuple[Status, str]:
    return (Status.FAILED, f"{_names(bad)} {bad_text}") if bad else (Status.PASSED, good_text)


def _accumulation(records: list[ParamGradient], calls: int, claimed: bool) -> tuple[Status, str]:
    if calls < 2:
        return Status.FAILED, f"accumulation needs two backward() calls; saw {calls}"
    accumulating = [
        r for r in records if r["accumulated_calls"] >= 1 and r["fresh_calls"] <= 1 and not r["mismatched_calls"]
    ]
    resetting = [r for r in records if r["accumulated_calls"] == 0]
    if claimed:
        bad = [r for r in records if r not in accumulating]
        return _fact(
            bad, f"{len(accumulating)}/{len(records)} accumulated", "did not accumulate (reset between calls?)"
        )
    bad = [r for r in records if r not in resetting]
    return _fact(bad, f"{len(resetting)}/{len(records)} fresh each call", "accumulated across calls")


def _without_backward(report: WithoutBackward | None) -> tuple[Status, str]:
    if report is None:
        return Status.ERROR, "the run without backward() did not happen"
    if report["exception"]:
        return Status.ERROR, f"the run without backward() raised {report['exception']['type']}"
    if report["with_grad"]:
        names = _listed(report["with_grad"])
        return Status.FAILED, f"without backward(), {names} got a .grad"
    return (
        Status.PASSED,
        f"without backward() ({report['suppressed_calls']} call(s) suppressed): {report['parameters']} .grad None",
    )


# -- tensor --------------------------------------------------------------------------------------


def _tensor_claims(expectation: TensorExpectation) -> str:
    parts = []
    if expectation.shape is not None:
        parts.append(f"shape {list(expectation.shape)}")
    if expectation.dtype:
        parts.append(_dtype(expectation.dtype))
    for name, symbol in (("min", ">="), ("gt", ">"), ("max", "<="), ("lt", "<")):
        bound = getattr(expectation, name)
        if bound is not None:
            parts.append(f"{symbol} {bound:g}")
    if expectation.finite is not None:
        parts.append("finite" if expectation.finite else "not all finite")
    return ", ".join(parts)


# torch's aliases print under their canonical names: torch.long prints as torch.int64.
_DTYPE_ALIASES = {
    "long": "int64",
    "int": "int32",
    "short": "int16",
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "cfloat": "complex64",
    "cdouble": "complex128",
}


def _dtype(name: str) -> str:
    bare = name.removeprefix("torch.")
    return f"torch.{_DTYPE_ALIASES.get(bare, bare)}"


def _check_tensor(expectation: TensorExpectation, observation: Observation) -> CheckResult:
    expected = _expected_text(expectation)
    summary, problem = _summary(expectation.expr, observation)
    if summary is None:
        return _result(expectation, Status.ERROR, expected, "-", problem)
    if summary["type"] == "number":
        summary = _number_as_tensor(summary)
    elif summary["type"] != "tensor":
        return _result(expectation, Status.FAILED, expected, summary["repr"], f"`{expectation.expr}` is not a tensor")
    actual = f"shape {summary['shape']}, {summary['dtype']}, min {_plain(summary['min'])}, max {_plain(summary['max'])}"
    problems = []
    if expectation.shape is not None and list(expectation.shape) != summary["shape"]:
        problems.append(f"shape {summary['shape']}, not {list(expectation.shape)}")
    if expectation.dtype and _dtype(expectation.dtype) != summary["dtype"]:
        problems.append(f"dtype {summary['dtype']}, not {_dtype(expectation.dtype)}")
    if expectation.finite is not None and summary["finite"] != expectation.finite:
        problems.append("has non-finite values" if expectation.finite else "is all finite")
    low, high = summary["min"], summary["max"]
    bounds = (
        ("min", expectation.min, low, operator.ge, "smallest"),
        ("gt", expectation.gt, low, operator.gt, "smallest"),
        ("max", expectation.max, high, operator.le, "largest"),
        ("lt", expectation.lt, high, operator.lt, "largest"),
    )
    for name, bound, extreme, holds, which in bounds:
        if bound is not None and extreme is not None and not holds(extreme, bound):
            problems.append(f"{which} element {_plain(extreme)} breaks {name} = {bound:g}")
    status = Status.FAILED if problems else Status.PASSED
    return _result(expectation, status, expected, actual, "; ".join(problems))


def _number_as_tensor(number: NumberSummary) -> TensorSummary:
    """A Python number judged by tensor claims: a 0-d value whose dtype says it is a Python one."""
    value = float(number["value"])
    return {
        "type": "tensor",
        "shape": [],
        "dtype": f"python {number['python_type']}",
        "device": "-",
        "values": [value],
        "finite": math.isfinite(value),
        "min": value,
        "max": value,
        "requires_grad": False,
        "repr": repr(number["value"]),
    }


_CHECKERS: dict[type, Callable[[Any, Observation], CheckResult]] = {
    ValueExpectation: _check_value,
    PrintedExpectation: _check_printed,
    ExceptionExpectation: _check_exception,
    GradientsExpectation: _check_gradients,
    TensorExpectation: _check_tensor,
}


# -- device proof and CPU/CUDA agreement ---------------------------------------------------------


def check_device(device: str, observation: Observation) -> CheckResult | None:
    """A non-CPU row counts only if the example's tensors really lived on that device."""
    if device == "cpu" or observation["exception"]:
        return None
    seen = observation["devices_seen"]
    off = [
        expr
        for expr, entry in observation["values"].items()
        if entry["ok"] and entry["summary"]["type"] == "tensor" and not entry["summary"]["device"].startswith(device)
    ]
    if device not in seen or off:
        detail = f"{', '.join(off)} not on {device}" if off else f"no tensor or model of the example is on {device}"
        return CheckResult("device", Status.FAILED, f"tensors on {device}", ", ".join(seen) or "none", detail)
    return CheckResult("device", Status.PASSED, f"tensors on {device}", ", ".join(seen))


def check_agreement(
    expectations: Sequence[Expectation], reference: Observation, other: Observation, device: str
) -> CheckResult | None:
    """The same example must compute the same values on every device (within the claim's tolerance)."""
    disagreements, compared = [], 0
    for expectation in expectations:
        if not isinstance(expectation, (ValueExpectation, TensorExpectation)):
            continue
        ref, _ = _summary(expectation.expr, reference)
        got, _ = _summary(expectation.expr, other)
        if ref is None or got is None:
            continue
        atol = expectation.atol if isinstance(expectation, ValueExpectation) else 1e-4
        rtol = expectation.rtol if isinstance(expectation, ValueExpectation) else 1e-4
        ref_values, got_values = _numbers(ref), _numbers(got)
        if ref_values is None or got_values is None:
            continue
        compared += 1
        if len(ref_values) != len(got_values) or not all(
            numbers_close(r, g, atol=atol, rtol=rtol) for r, g in zip(ref_values, got_values, strict=True)
        ):
            disagreements.append(expectation.expr)
    if not compared:
        return None
    if disagreements:
        return CheckResult(
            "agreement",
            Status.FAILED,
            "same values as cpu",
            f"{', '.join(disagreements)} differ",
            f"{device} and cpu disagree",
        )
    return CheckResult("agreement", Status.PASSED, "same values as cpu", f"{compared} value(s) agree")


def _numbers(summary: ValueSummary) -> list[float] | None:
    if summary["type"] == "number":
        return [float(summary["value"])]
    if summary["type"] == "tensor" and summary["values"] is not None:
        return [float(v) for v in summary["values"]]
    return None

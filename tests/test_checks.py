"""Tests for harness.judge.check: every claim kind judged against fake observations, no torch needed.

The project's rule: every check kind has a case where the claim is right and it passes, and one where
the claim is wrong and the check MUST fail (plus drift where drift exists). Observations are built in
the shape `harness.sandbox.child.observe` writes them (the records of harness.runs.protocol); gradient records in
the shape `GradientProbe._record` writes.
"""

from __future__ import annotations

import math
from typing import Any, cast

import pytest

from harness.judge.check import check, check_agreement, check_device
from harness.judge.outcome import CheckResult, Location, Outcome, Status, worst
from harness.runs.protocol import (
    Evaluation,
    ExceptionInfo,
    GradientReport,
    NumberSummary,
    ObjectSummary,
    Observation,
    ParamGradient,
    TensorSummary,
    ValueSummary,
    WithoutBackward,
)
from harness.specs.model import (
    ExceptionExpectation,
    GradientsExpectation,
    PrintedExpectation,
    TensorExpectation,
    ValueExpectation,
)

# -- fake observations ---------------------------------------------------------------------------
# Typed with harness.runs.protocol, the records a real child writes: a fake missing a field, or with one the
# child does not write, is a type error here (and tests/test_protocol.py holds the child to the same types).


def _flat(values: Any) -> list[Any]:
    if isinstance(values, list):
        return [x for item in values for x in _flat(item)]
    return [values]


def _shape(values: Any) -> list[int]:
    if isinstance(values, list):
        return [len(values), *(_shape(values[0]) if values else [])]
    return []


def tensor(
    values: Any, *, shape: list[int] | None = None, dtype: str = "torch.float32", device: str = "cpu"
) -> TensorSummary:
    """A summary as `harness.sandbox.child.summarise_value` writes it for a torch.Tensor."""
    flat = _flat(values)
    numeric = [float(v) for v in flat]
    return {
        "type": "tensor",
        "shape": _shape(values) if shape is None else shape,
        "dtype": dtype,
        "device": device,
        "values": flat,
        "finite": all(math.isfinite(v) for v in numeric),
        "min": min(numeric) if numeric else None,
        "max": max(numeric) if numeric else None,
        "requires_grad": False,
        "repr": f"tensor({values})",
    }


def number(value: float | int | bool) -> NumberSummary:
    return {"type": "number", "value": value, "python_type": type(value).__name__}


def obj(text: str, python_type: str = "str") -> ObjectSummary:
    return {"type": "object", "repr": text, "python_type": python_type}


def raised(
    type_: str, message: str, mro: tuple[str, ...] = ("Exception", "BaseException", "object"), line: int | None = 9
) -> ExceptionInfo:
    return {
        "type": type_,
        "mro": [type_, *mro],
        "message": message,
        "line": line,
        "traceback": f'Traceback (most recent call last):\n  File "<example>", line {line}\n{type_}: {message}\n',
        "top_line": line,
        "name": None,
        "owner": None,
        "candidates": [],
        "homes": [],
    }


def observation(
    *,
    stdout: str = "",
    exception: ExceptionInfo | None = None,
    values: dict[str, ValueSummary] | None = None,
    errors: dict[str, str] | None = None,
    gradients: GradientReport | None = None,
    devices_seen: list[str] | None = None,
) -> Observation:
    """An observation as `sandbox.child.observe` returns it: `values` are summaries, `errors` failed evaluations."""
    evaluated: dict[str, Evaluation] = {expr: {"ok": True, "summary": s} for expr, s in (values or {}).items()}
    evaluated |= {expr: {"ok": False, "error": error} for expr, error in (errors or {}).items()}
    return {
        "stdout": stdout,
        "stdout_dropped": 0,
        "exception": exception,
        "values": evaluated,
        "captures": {},
        "own_output_from": 0,
        "gradients": gradients,
        "devices_seen": ["cpu"] if devices_seen is None else devices_seen,
        "datasets": [],
        "duration_s": 0.01,
    }


def param(name: str, shape: list[int], **overrides: Any) -> ParamGradient:
    """A gradient record for a parameter that was None before, then got a finite gradient on 2 backward() calls,
    the second one accumulating (no zero_grad)."""
    record: ParamGradient = {
        "name": name,
        "shape": shape,
        "none_before": True,
        "none_after": False,
        "backward_calls": 2,
        "accumulated_calls": 1,
        "fresh_calls": 1,
        "mismatched_calls": 0,
        "norms_per_call": [0.25, 0.5],
        "device": "cpu",
        "finite": True,
        "norm": 0.5,
        "mean_abs": 0.01,
        "max_abs": 0.2,
        "histogram": {"edges": [-0.2, 0.0, 0.2], "counts": [3.0, 5.0]},
        "kernels": None,
        "grad_shape": list(shape),
    }
    unknown = set(overrides) - set(ParamGradient.__annotations__)
    assert not unknown, f"not fields of a gradient record: {unknown}"
    return cast(ParamGradient, {**record, **overrides})


def model_params(**overrides: Any) -> list[ParamGradient]:
    return [
        param("model.layers.0.weight", [32, 3, 5, 5], **overrides),
        param("model.layers.0.bias", [32], **overrides),
        param("model.layers.8.weight", [10, 64], **overrides),
    ]


def grad_report(
    params: list[ParamGradient] | None = None,
    *,
    backward_calls: int = 2,
    module: str = "model",
    without_backward: WithoutBackward | None = None,
) -> GradientReport:
    return {
        "backward_calls": backward_calls,
        "modules": {module: {"params": model_params() if params is None else params}},
        "without_backward": without_backward,
        "autograd_graph": "",
    }


def counterfactual(with_grad: list[str] | None = None, exception: ExceptionInfo | None = None) -> WithoutBackward:
    return {"suppressed_calls": 2, "parameters": 3, "with_grad": with_grad or [], "exception": exception}


def value(expr: str = "result", equals: Any = 0.6667, **fields: Any) -> ValueExpectation:
    return ValueExpectation(kind="value", expr=expr, equals=equals, **fields)


def printed(text: str, **fields: Any) -> PrintedExpectation:
    return PrintedExpectation(kind="printed", text=text, **fields)


def raises(type_: str = "RuntimeError", **fields: Any) -> ExceptionExpectation:
    return ExceptionExpectation(kind="exception", type=type_, **fields)


def grads(module: str | None = "model", **facts: Any) -> GradientsExpectation:
    return GradientsExpectation(kind="gradients", module=module, **facts)


def shaped(expr: str = "result", **claims: Any) -> TensorExpectation:
    return TensorExpectation(kind="tensor", expr=expr, **claims)


THIRDS = tensor(0.6666666865348816, shape=[])  # torch.tensor(2 / 3): what L1Loss prints as tensor(0.6667)


# -- value ---------------------------------------------------------------------------------------


def test_value_right_claim_passes() -> None:
    result = check(value(equals=0.6667, line=40), observation(values={"result": THIRDS}))
    assert result.status == Status.PASSED
    assert result.kind == "value"
    assert result.line == 40
    assert result.expected == "result == 0.6667"
    assert "0.666667" in result.actual


def test_value_wrong_claim_fails_naming_both_numbers() -> None:
    result = check(value(equals=0.9999), observation(values={"result": THIRDS}))
    assert result.status == Status.FAILED
    assert "0.9999" in result.message
    assert "0.666667" in result.message


def test_value_claim_text_is_shown_as_expected() -> None:
    result = check(value(equals=0.9999, claim="the loss is 0.9999"), observation(values={"result": THIRDS}))
    assert result.expected == "the loss is 0.9999"


def test_value_scalar_claim_against_one_element_vector_fails_on_shape() -> None:
    result = check(value(equals=0.6667), observation(values={"result": tensor([0.6667])}))
    assert result.status == Status.FAILED
    assert "shape" in result.message
    assert "(1,)" in result.message


def test_value_vector_claim_against_scalar_fails_on_shape() -> None:
    result = check(value(equals=[0.6667]), observation(values={"result": THIRDS}))
    assert result.status == Status.FAILED
    assert "shape" in result.message


@pytest.mark.parametrize(
    ("equals", "status"),
    [
        ([[1.0, 2.0], [3.0, 4.0]], Status.PASSED),
        ([[1, 2], [3, 4]], Status.PASSED),
        ([[1.0, 2.0], [3.0, 4.5]], Status.FAILED),
        ([[1.0, 2.0, 3.0, 4.0]], Status.FAILED),  # same numbers, shape (1, 4)
        ([1.0, 2.0, 3.0, 4.0], Status.FAILED),  # same numbers, shape (4,)
        ([[1.0, 3.0], [2.0, 4.0]], Status.FAILED),  # transposed
    ],
)
def test_value_nested_list_against_2x2_tensor(equals: Any, status: Status) -> None:
    result = check(value(equals=equals), observation(values={"result": tensor([[1.0, 2.0], [3.0, 4.0]])}))
    assert result.status == status, result.message


def test_value_wrong_element_is_named_by_flat_index() -> None:
    result = check(value(equals=[[1.0, 2.0], [3.0, 4.5]]), observation(values={"result": tensor([[1, 2], [3, 4.0]])}))
    assert "flat index 3" in result.message
    assert "4.5" in result.message


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, Status.FAILED),  # default atol 1e-4: 0.667 is 3.3e-4 away
        ({"atol": 1e-3}, Status.PASSED),
        ({"rtol": 1e-3}, Status.PASSED),  # 1e-3 * 0.667 = 6.7e-4
        ({"rtol": 1e-4}, Status.FAILED),
        ({"atol": 0.0}, Status.FAILED),
    ],
)
def test_value_atol_and_rtol_widen_the_tolerance(fields: dict[str, float], status: Status) -> None:
    result = check(value(equals=0.667, **fields), observation(values={"result": THIRDS}))
    assert result.status == status, result.message


def test_value_exact_match_with_zero_tolerance_passes() -> None:
    result = check(value(equals=3, atol=0.0), observation(values={"result": tensor(3, shape=[], dtype="torch.int64")}))
    assert result.status == Status.PASSED


@pytest.mark.parametrize(
    ("number_value", "equals", "status"),
    [
        (2 / 3, 0.6667, Status.PASSED),
        (2 / 3, 0.9999, Status.FAILED),
        (6, 6, Status.PASSED),
        (6, 7, Status.FAILED),
        (True, 1, Status.PASSED),
        (6, [6], Status.FAILED),  # a Python number has no shape (1,)
    ],
)
def test_value_python_numbers(number_value: float, equals: Any, status: Status) -> None:
    result = check(value(equals=equals), observation(values={"result": number(number_value)}))
    assert result.status == status, result.message


def test_value_that_could_not_be_evaluated_is_an_error() -> None:
    obs = observation(errors={"result": "NameError: name 'result' is not defined"})
    result = check(value(), obs)
    assert result.status == Status.ERROR
    assert "could not evaluate `result`" in result.message
    assert "NameError" in result.message


def test_value_missing_from_the_observation_is_an_error() -> None:
    result = check(value(expr="loss"), observation(values={"result": THIRDS}))
    assert result.status == Status.ERROR
    assert "`loss` was not evaluated" in result.message


def test_value_of_a_non_numeric_object_fails() -> None:
    result = check(value(expr="criterion"), observation(values={"criterion": obj("L1Loss()", "L1Loss")}))
    assert result.status == Status.FAILED
    assert "not numeric" in result.message
    assert result.actual == "L1Loss()"


def test_value_of_a_tensor_too_large_to_keep_values_fails_as_not_numeric() -> None:
    big = tensor([0.0, 1.0]) | {"shape": [100, 100], "values": None}
    result = check(value(equals=0.0), observation(values={"result": big}))
    assert result.status == Status.FAILED


@pytest.mark.parametrize("equals", [[[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.0, 4.0, 5.0]]])
def test_value_ragged_claim_fails_instead_of_raising(equals: Any) -> None:
    result = check(value(equals=equals), observation(values={"result": tensor([[1.0, 2.0], [3.0, 4.0]])}))
    assert result.status == Status.FAILED


# -- printed -------------------------------------------------------------------------------------

L1_STDOUT = "prediction tensor([1., 2., 3.])\ntarget tensor([1., 2., 5.])\ntensor(0.6667)\ndone\n"


def test_printed_found_among_several_lines_passes() -> None:
    result = check(printed("tensor(0.6667)"), observation(stdout=L1_STDOUT))
    assert result.status == Status.PASSED
    assert result.actual == "tensor(0.6667)"


def test_printed_wrong_value_fails() -> None:
    result = check(printed("tensor(0.9999)"), observation(stdout=L1_STDOUT))
    assert result.status == Status.FAILED
    assert "0.9999" in result.message
    assert "0.6667" in result.message
    assert result.actual == "tensor(0.6667)"  # the candidate that failed on a value, not on text


def test_printed_short_form_of_a_longer_print_is_drifted() -> None:
    result = check(printed("tensor(2.)"), observation(stdout="tensor(2.0000)\n"))
    assert result.status == Status.DRIFTED


def test_printed_vector_claim_against_scalar_print_fails() -> None:
    result = check(printed("tensor([0.9729])"), observation(stdout="tensor(0.9729)\n"))
    assert result.status == Status.FAILED
    assert "shape" in result.message


def test_printed_changed_grad_fn_name_is_drift() -> None:
    stdout = "tensor(0.6667, grad_fn=<MeanBackward0>)\n"
    result = check(printed("tensor(0.6667, grad_fn=<MeanBackward>)"), observation(stdout=stdout))
    assert result.status == Status.DRIFTED
    assert "MeanBackward0" in result.message


def test_printed_drift_never_hides_a_wrong_value() -> None:
    stdout = "tensor(0.5000, grad_fn=<MeanBackward0>)\n"
    result = check(printed("tensor(0.6667, grad_fn=<MeanBackward>)"), observation(stdout=stdout))
    assert result.status == Status.FAILED


def test_printed_exact_line_wins_over_drifted_line() -> None:
    stdout = "tensor(0.6667, grad_fn=<MeanBackward0>)\ntensor(0.6667, grad_fn=<MeanBackward>)\n"
    result = check(printed("tensor(0.6667, grad_fn=<MeanBackward>)"), observation(stdout=stdout))
    assert result.status == Status.PASSED


@pytest.mark.parametrize(
    ("output_line", "text", "status"),
    [
        (3, "tensor(0.6667)", Status.PASSED),
        (-2, "tensor(0.6667)", Status.PASSED),
        (1, "prediction tensor([1., 2., 3.])", Status.PASSED),
        (1, "tensor(0.6667)", Status.FAILED),  # printed, but not on line 1
        (-1, "tensor(0.6667)", Status.FAILED),  # the last line is `done`
        (2, "target tensor([1., 2., 5.])", Status.PASSED),
        (2, "target tensor([1., 2., 3.])", Status.FAILED),
    ],
)
def test_printed_output_line_selects_one_line(output_line: int, text: str, status: Status) -> None:
    result = check(printed(text, output_line=output_line), observation(stdout=L1_STDOUT))
    assert result.status == status, result.message


@pytest.mark.parametrize("output_line", [5, 99, -5, 0])
def test_printed_output_line_out_of_range_fails(output_line: int) -> None:
    result = check(printed("tensor(0.6667)", output_line=output_line), observation(stdout=L1_STDOUT))
    assert result.status == Status.FAILED
    assert f"no output line {output_line}" in result.message
    assert "4 lines printed" in result.actual


def test_printed_nothing_printed_fails() -> None:
    result = check(printed("tensor(0.6667)"), observation(stdout=""))
    assert result.status == Status.FAILED
    assert "printed nothing" in result.message


TWO_D_PRINT = "loss computed\ntensor([[1., 2., 3.],\n        [4., 5., 6.]])\nbye\n"


def test_printed_multi_line_2d_tensor_matches() -> None:
    claim = "tensor([[1., 2., 3.],\n        [4., 5., 6.]])"
    result = check(printed(claim), observation(stdout=TWO_D_PRINT))
    assert result.status == Status.PASSED
    assert result.actual.splitlines()[0].startswith("tensor([[1., 2.")


def test_printed_multi_line_2d_tensor_with_wrong_element_fails() -> None:
    claim = "tensor([[1., 2., 3.],\n        [4., 5., 7.]])"
    result = check(printed(claim), observation(stdout=TWO_D_PRINT))
    assert result.status == Status.FAILED
    assert "element 5" in result.message


def test_printed_multi_line_claim_at_output_line() -> None:
    claim = "tensor([[1., 2., 3.],\n        [4., 5., 6.]])"
    assert check(printed(claim, output_line=2), observation(stdout=TWO_D_PRINT)).status == Status.PASSED
    assert check(printed(claim, output_line=1), observation(stdout=TWO_D_PRINT)).status == Status.FAILED


def test_printed_atol_widens_the_tolerance() -> None:
    obs = observation(stdout="tensor(0.6600)\n")
    assert check(printed("tensor(0.6667)"), obs).status == Status.FAILED
    assert check(printed("tensor(0.6667)", atol=0.01), obs).status == Status.PASSED


def test_printed_plain_text_must_match() -> None:
    obs = observation(stdout="epoch 1 done\n")
    assert check(printed("epoch 1 done"), obs).status == Status.PASSED
    assert check(printed("epoch 2 done"), obs).status == Status.FAILED


# -- exception -----------------------------------------------------------------------------------

TORCH_MEAN_MESSAGE = (
    "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long"
)
NOTE_MEAN_MESSAGE = "Can only calculate the mean of floating types. Got Long instead."


def test_exception_right_type_and_message_passes() -> None:
    obs = observation(exception=raised("RuntimeError", TORCH_MEAN_MESSAGE))
    result = check(raises(claimed=TORCH_MEAN_MESSAGE, match="Long"), obs)
    assert result.status == Status.PASSED
    assert result.actual == f"RuntimeError: {TORCH_MEAN_MESSAGE}"


def test_exception_claimed_message_ignores_whitespace_and_final_period() -> None:
    obs = observation(exception=raised("RuntimeError", TORCH_MEAN_MESSAGE))
    result = check(raises(claimed="mean():  could not infer\noutput dtype."), obs)
    assert result.status == Status.PASSED


def test_exception_right_type_changed_message_is_drift() -> None:
    obs = observation(exception=raised("RuntimeError", TORCH_MEAN_MESSAGE))
    result = check(raises(claimed=NOTE_MEAN_MESSAGE, match="Long", line=40), obs)
    assert result.status == Status.DRIFTED
    assert result.expected == f"raises RuntimeError: {NOTE_MEAN_MESSAGE}"
    assert TORCH_MEAN_MESSAGE in result.actual
    assert "message differs" in result.message
    assert result.line == 40


def test_exception_wrong_type_fails() -> None:
    obs = observation(exception=raised("TypeError", "unsupported operand type(s)", line=7))
    result = check(raises("RuntimeError"), obs)
    assert result.status == Status.FAILED
    assert "raised TypeError at line 7 of the example, not RuntimeError" in result.message


def test_exception_subclass_matches_through_mro() -> None:
    oom = raised("OutOfMemoryError", "CUDA out of memory", mro=("RuntimeError", "Exception", "BaseException", "object"))
    assert check(raises("RuntimeError"), observation(exception=oom)).status == Status.PASSED
    assert check(raises("Exception"), observation(exception=oom)).status == Status.PASSED
    assert check(raises("ValueError"), observation(exception=oom)).status == Status.FAILED


def test_exception_not_raised_fails() -> None:
    result = check(raises("RuntimeError"), observation(values={"result": THIRDS}))
    assert result.status == Status.FAILED
    assert result.actual == "nothing raised"
    assert "no RuntimeError was raised" in result.message


def test_exception_match_pattern_not_matching_fails() -> None:
    obs = observation(exception=raised("RuntimeError", TORCH_MEAN_MESSAGE))
    result = check(raises(match=r"Got Float\b"), obs)
    assert result.status == Status.FAILED
    assert "does not match the pattern" in result.message


def test_exception_failing_pattern_outranks_drift() -> None:
    # The pattern is a hard requirement; the claimed message only decides drift once it holds.
    obs = observation(exception=raised("RuntimeError", TORCH_MEAN_MESSAGE))
    result = check(raises(match="floating types", claimed=NOTE_MEAN_MESSAGE), obs)
    assert result.status == Status.FAILED


# -- an unexpected exception ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "expectation",
    [
        value(),
        printed("tensor(0.6667)"),
        grads(after_backward="finite"),
        shaped(shape=[]),
    ],
    ids=lambda e: e.kind,
)
def test_unexpected_exception_makes_other_kinds_error_not_reached(expectation: Any) -> None:
    obs = observation(
        stdout="tensor(0.6667)\n",
        exception=raised("RuntimeError", TORCH_MEAN_MESSAGE, line=9),
        values={"result": THIRDS},
        gradients=grad_report(),
    )
    result = check(expectation, obs)
    assert result.status == Status.ERROR
    assert result.kind == expectation.kind
    assert "not reached" in result.message
    assert "RuntimeError at line 9" in result.message
    assert result.actual == f"RuntimeError: {TORCH_MEAN_MESSAGE}"


@pytest.mark.parametrize(
    ("error", "top_line", "status"),
    [
        ("IndexError", 5, Status.FAILED),
        ("IndexError", 3, Status.FAILED),
        ("NameError", 3, Status.ERROR),
        ("FileNotFoundError", 3, Status.ERROR),
        ("IndexError", None, Status.ERROR),
    ],
    ids=["raised-after-it", "raised-at-it", "a-name-missing-at-it", "a-file-missing-at-it", "syntax-error"],
)
def test_a_claimed_statement_before_the_raising_one_is_judged(error: str, top_line: int | None, status: Status) -> None:
    # Statement 3 printed nothing before statement 5 raised: its claim is false, not "not reached". When the
    # claimed statement raises itself, it did not print what the claim says (false), unless what it lacked is
    # the author's (a name, a file): then, and when nothing ran at all, the claim was not reached.
    exception = raised(error, "index 2 is out of bounds", line=top_line)
    result = check(printed("tensor(3)", statement=3), observation(exception=exception))
    assert result.status == status, result


# -- gradients -----------------------------------------------------------------------------------


def gradient_check(expectation: GradientsExpectation, report: GradientReport) -> CheckResult:
    return check(expectation, observation(gradients=report))


def test_gradients_before_backward_none_passes() -> None:
    result = gradient_check(grads(before_backward="none"), grad_report())
    assert result.status == Status.PASSED
    assert "3/3 None before backward()" in result.actual


def test_gradients_before_backward_fails_when_a_grad_was_already_set() -> None:
    params = [*model_params(), param("model.layers.8.bias", [10], none_before=False)]
    result = gradient_check(grads(before_backward="none"), grad_report(params))
    assert result.status == Status.FAILED
    assert "model.layers.8.bias held a .grad before backward()" in result.message


def test_gradients_before_backward_fails_when_backward_never_called() -> None:
    params = model_params(none_before=None, none_after=True, backward_calls=0, accumulated_calls=0, fresh_calls=0)
    result = gradient_check(grads(before_backward="none"), grad_report(params, backward_calls=0))
    assert result.status == Status.FAILED
    assert "never called" in result.message


def test_gradients_after_backward_finite_passes() -> None:
    result = gradient_check(grads(after_backward="finite"), grad_report())
    assert result.status == Status.PASSED
    assert "3/3 finite" in result.actual


@pytest.mark.parametrize(
    "broken",
    [
        {"none_after": True, "finite": None, "grad_shape": None, "norm": None},
        {"finite": False},
        {"grad_shape": [64, 10]},
    ],
    ids=["none_after", "not_finite", "misshapen"],
)
def test_gradients_after_backward_finite_fails(broken: dict[str, Any]) -> None:
    params = [*model_params(), param("model.layers.8.bias", [10], **broken)]
    result = gradient_check(grads(after_backward="finite"), grad_report(params))
    assert result.status == Status.FAILED
    assert "model.layers.8.bias" in result.message
    assert "3/4" not in result.message


def test_gradients_after_backward_none_claim_fails_when_grads_exist() -> None:
    result = gradient_check(grads(after_backward="none"), grad_report())
    assert result.status == Status.FAILED
    assert "have a .grad after" in result.message


def test_gradients_after_backward_none_claim_passes_when_no_grads() -> None:
    params = model_params(none_after=True, finite=None, grad_shape=None)
    result = gradient_check(grads(after_backward="none"), grad_report(params))
    assert result.status == Status.PASSED


def test_gradients_many_bad_parameters_are_summarised() -> None:
    params = [param(f"model.p{i}", [2], finite=False) for i in range(5)]
    result = gradient_check(grads(after_backward="finite"), grad_report(params))
    assert "model.p0, model.p1, model.p2 and 2 more" in result.message


def test_gradients_accumulates_true_passes_without_zero_grad() -> None:
    params = model_params(backward_calls=4, accumulated_calls=3, fresh_calls=1)
    result = gradient_check(grads(accumulates=True), grad_report(params, backward_calls=4))
    assert result.status == Status.PASSED
    assert "3/3 accumulated" in result.actual


def test_gradients_accumulates_true_fails_when_fresh_each_time() -> None:
    # optimizer.zero_grad() before every backward(): .grad holds only the latest call's gradient.
    params = model_params(backward_calls=4, accumulated_calls=0, fresh_calls=4)
    result = gradient_check(grads(accumulates=True), grad_report(params, backward_calls=4))
    assert result.status == Status.FAILED
    assert "did not accumulate" in result.message


def test_gradients_accumulates_true_fails_when_something_else_wrote_grad() -> None:
    params = model_params(backward_calls=3, accumulated_calls=1, fresh_calls=1, mismatched_calls=1)
    result = gradient_check(grads(accumulates=True), grad_report(params, backward_calls=3))
    assert result.status == Status.FAILED


@pytest.mark.parametrize("claimed", [True, False])
def test_gradients_accumulation_needs_two_backward_calls(claimed: bool) -> None:
    params = model_params(backward_calls=1, accumulated_calls=0, fresh_calls=1)
    result = gradient_check(grads(accumulates=claimed), grad_report(params, backward_calls=1))
    assert result.status == Status.FAILED
    assert "needs two backward() calls; saw 1" in result.message


def test_gradients_accumulates_false_passes_when_fresh_each_time() -> None:
    params = model_params(backward_calls=4, accumulated_calls=0, fresh_calls=4)
    result = gradient_check(grads(accumulates=False), grad_report(params, backward_calls=4))
    assert result.status == Status.PASSED
    assert "3/3 fresh each call" in result.actual


def test_gradients_accumulates_false_fails_when_grads_accumulate() -> None:
    result = gradient_check(grads(accumulates=False), grad_report())
    assert result.status == Status.FAILED
    assert "accumulated across calls" in result.message


def test_gradients_without_backward_none_passes_when_no_grad_appears() -> None:
    report = grad_report(without_backward=counterfactual())
    result = gradient_check(grads(without_backward="none"), report)
    assert result.status == Status.PASSED
    assert "2 call(s) suppressed" in result.actual


def test_gradients_without_backward_fails_when_a_grad_appears() -> None:
    report = grad_report(without_backward=counterfactual(with_grad=["model.layers.0.weight"]))
    result = gradient_check(grads(without_backward="none"), report)
    assert result.status == Status.FAILED
    assert "model.layers.0.weight got a .grad" in result.message


def test_gradients_without_backward_is_an_error_when_the_second_run_is_missing() -> None:
    result = gradient_check(grads(without_backward="none"), grad_report(without_backward=None))
    assert result.status == Status.ERROR
    assert "did not happen" in result.message


def test_gradients_without_backward_is_an_error_when_the_second_run_raised() -> None:
    report = grad_report(without_backward=counterfactual(exception=raised("ValueError", "boom")))
    result = gradient_check(grads(without_backward="none"), report)
    assert result.status == Status.ERROR
    assert "raised ValueError" in result.message


def test_gradients_all_facts_together_pass_for_the_cnn_example() -> None:
    expectation = grads(before_backward="none", after_backward="finite", accumulates=True, without_backward="none")
    result = gradient_check(expectation, grad_report(without_backward=counterfactual()))
    assert result.status == Status.PASSED, result.message
    assert result.message == ""


def test_gradients_worst_fact_decides() -> None:
    expectation = grads(before_backward="none", after_backward="finite", without_backward="none")
    report = grad_report(model_params(finite=False), without_backward=None)
    result = gradient_check(expectation, report)
    assert result.status == Status.ERROR  # missing counterfactual outranks the failed finiteness
    assert "non-finite" in result.message
    assert "did not happen" in result.message


def test_gradients_module_expression_error_is_an_error() -> None:
    report = grad_report(module="modle")
    report["modules"]["modle"] = {"error": "NameError: name 'modle' is not defined"}
    result = gradient_check(grads(module="modle", after_backward="finite"), report)
    assert result.status == Status.ERROR
    assert "module `modle`" in result.message
    assert "NameError" in result.message


def test_gradients_without_parameters_fail() -> None:
    result = gradient_check(grads(after_backward="finite"), grad_report([]))
    assert result.status == Status.FAILED
    assert "no module with parameters" in result.message


def test_gradients_every_module_when_module_unset() -> None:
    report = grad_report(module="")
    assert gradient_check(grads(module=None, after_backward="finite"), report).status == Status.PASSED


def test_gradients_without_report_is_an_error() -> None:
    result = gradient_check(grads(after_backward="finite"), None)  # type: ignore[arg-type]
    assert result.status == Status.ERROR
    assert "no gradient report" in result.message


# -- tensor --------------------------------------------------------------------------------------

OUTPUTS = tensor([[0.1, -0.3, 0.2, 0.0, 0.5, -0.1, 0.4, 0.3, -0.2, 0.05]])
TARGETS = tensor([3, 8, 8, 0, 6, 6, 1, 10], dtype="torch.int64")


@pytest.mark.parametrize(
    ("claims", "status"),
    [
        ({"shape": [1, 10]}, Status.PASSED),
        ({"shape": [10]}, Status.FAILED),
        ({"shape": [10, 1]}, Status.FAILED),
        ({"dtype": "float32"}, Status.PASSED),
        ({"dtype": "torch.float32"}, Status.PASSED),
        ({"dtype": "float64"}, Status.FAILED),
        ({"dtype": "torch.int64"}, Status.FAILED),
        ({"min": -0.3}, Status.PASSED),
        ({"min": -0.2}, Status.FAILED),
        ({"max": 0.5}, Status.PASSED),
        ({"max": 0.4}, Status.FAILED),
        ({"gt": -0.31}, Status.PASSED),
        ({"gt": -0.3}, Status.FAILED),
        ({"lt": 0.51}, Status.PASSED),
        ({"lt": 0.5}, Status.FAILED),
        ({"finite": True}, Status.PASSED),
        ({"finite": False}, Status.FAILED),
        ({"shape": [1, 10], "dtype": "float32", "min": -1, "max": 1, "finite": True}, Status.PASSED),
    ],
)
def test_tensor_claims_on_model_outputs(claims: dict[str, Any], status: Status) -> None:
    result = check(shaped("outputs", **claims), observation(values={"outputs": OUTPUTS}))
    assert result.status == status, result.message


def test_tensor_targets_above_claimed_max_fail() -> None:
    result = check(shaped("targets", min=0, max=9), observation(values={"targets": TARGETS}))
    assert result.status == Status.FAILED
    assert "largest element 10 breaks max = 9" in result.message


def test_tensor_zero_loss_breaks_gt_zero() -> None:
    result = check(shaped("loss", shape=[], gt=0), observation(values={"loss": tensor(0.0, shape=[])}))
    assert result.status == Status.FAILED
    assert "smallest element 0 breaks gt = 0" in result.message


def test_tensor_positive_loss_passes_gt_zero() -> None:
    loss = tensor(2.3026, shape=[])
    assert check(shaped("loss", shape=[], gt=0, finite=True), observation(values={"loss": loss})).status == (
        Status.PASSED
    )


def test_tensor_non_finite_values() -> None:
    blown_up = tensor([1.0, math.nan, math.inf])
    obs = observation(values={"x": blown_up})
    result = check(shaped("x", finite=True), obs)
    assert result.status == Status.FAILED
    assert "non-finite" in result.message
    assert check(shaped("x", finite=False), obs).status == Status.PASSED


def test_tensor_reports_every_broken_claim() -> None:
    result = check(shaped("targets", shape=[4], dtype="float32", max=9), observation(values={"targets": TARGETS}))
    assert result.status == Status.FAILED
    assert "shape [8], not [4]" in result.message
    assert "dtype torch.int64, not torch.float32" in result.message
    assert "breaks max = 9" in result.message


@pytest.mark.parametrize(
    ("python_value", "claims", "status"),
    [
        (0.5, {"shape": [], "gt": 0, "lt": 1, "finite": True}, Status.PASSED),
        (0.5, {"shape": [1]}, Status.FAILED),
        (0.0, {"gt": 0}, Status.FAILED),
        (12, {"max": 9}, Status.FAILED),
        (math.nan, {"finite": True}, Status.FAILED),
        (0.5, {"dtype": "float32"}, Status.FAILED),  # a Python float is not a torch.float32 tensor
    ],
)
def test_tensor_claims_on_python_numbers(python_value: float, claims: dict[str, Any], status: Status) -> None:
    result = check(shaped("x", **claims), observation(values={"x": number(python_value)}))
    assert result.status == status, result.message


def test_tensor_claim_on_a_non_tensor_fails() -> None:
    result = check(shaped("criterion", shape=[]), observation(values={"criterion": obj("L1Loss()", "L1Loss")}))
    assert result.status == Status.FAILED
    assert "not a tensor" in result.message


def test_tensor_that_could_not_be_evaluated_is_an_error() -> None:
    result = check(shaped("outputs", shape=[1, 10]), observation(errors={"outputs": "NameError: outputs"}))
    assert result.status == Status.ERROR


def test_tensor_expected_text_lists_the_claims() -> None:
    result = check(shaped("targets", shape=[8], dtype="int64", min=0, max=9), observation(values={"targets": TARGETS}))
    assert result.expected == "targets: shape [8], torch.int64, >= 0, <= 9"


@pytest.mark.parametrize(
    ("alias", "actual"),
    [("torch.long", "torch.int64"), ("float", "torch.float32"), ("double", "torch.float64")],
)
def test_tensor_dtype_aliases_name_the_same_dtype(alias: str, actual: str) -> None:
    result = check(shaped("x", dtype=alias), observation(values={"x": tensor([1, 2], dtype=actual)}))
    assert result.status == Status.PASSED


# -- device proof --------------------------------------------------------------------------------


def test_device_cpu_needs_no_proof() -> None:
    assert check_device("cpu", observation(values={"result": THIRDS}, devices_seen=["cpu"])) is None


def test_device_cuda_with_tensors_on_cuda_passes() -> None:
    obs = observation(
        values={"result": tensor(0.6667, shape=[], device="cuda:0"), "n": number(3)}, devices_seen=["cuda"]
    )
    result = check_device("cuda", obs)
    assert result is not None
    assert result.status == Status.PASSED
    assert result.kind == "device"


def test_device_cuda_run_whose_tensors_stayed_on_cpu_fails() -> None:
    result = check_device("cuda", observation(values={"result": THIRDS}, devices_seen=["cpu"]))
    assert result is not None
    assert result.status == Status.FAILED
    assert result.actual == "cpu"


def test_device_cuda_run_that_saw_nothing_fails() -> None:
    result = check_device("cuda", observation(devices_seen=[]))
    assert result is not None
    assert result.status == Status.FAILED
    assert "no tensor or model" in result.message


def test_device_value_left_on_cpu_during_a_cuda_run_fails() -> None:
    obs = observation(
        values={"outputs": tensor([0.1], device="cuda:0"), "targets": tensor([3], dtype="torch.int64")},
        devices_seen=["cpu", "cuda"],
    )
    result = check_device("cuda", obs)
    assert result is not None
    assert result.status == Status.FAILED
    assert "targets not on cuda" in result.message


def test_device_proof_is_skipped_when_the_example_raised() -> None:
    obs = observation(exception=raised("RuntimeError", "boom"), devices_seen=[])
    assert check_device("cuda", obs) is None


# -- agreement between devices -------------------------------------------------------------------


def test_agreement_equal_values_pass() -> None:
    cpu = observation(values={"result": THIRDS, "outputs": OUTPUTS})
    cuda = observation(values={"result": tensor(0.66666668, shape=[], device="cuda:0"), "outputs": OUTPUTS})
    result = check_agreement([value(), shaped("outputs", shape=[1, 10])], cpu, cuda, "cuda")
    assert result is not None
    assert result.status == Status.PASSED
    assert "2 value(s) agree" in result.actual


def test_agreement_values_beyond_tolerance_fail() -> None:
    cpu = observation(values={"result": THIRDS})
    cuda = observation(values={"result": tensor(0.6700, shape=[], device="cuda:0")})
    result = check_agreement([value()], cpu, cuda, "cuda")
    assert result is not None
    assert result.status == Status.FAILED
    assert "result differ" in result.actual
    assert "cuda and cpu disagree" in result.message


def test_agreement_uses_the_claims_tolerance() -> None:
    cpu = observation(values={"result": THIRDS})
    cuda = observation(values={"result": tensor(0.6700, shape=[], device="cuda:0")})
    result = check_agreement([value(atol=0.01)], cpu, cuda, "cuda")
    assert result is not None
    assert result.status == Status.PASSED


def test_agreement_different_lengths_fail() -> None:
    cpu = observation(values={"outputs": tensor([1.0, 2.0])})
    cuda = observation(values={"outputs": tensor([1.0, 2.0, 3.0], device="cuda:0")})
    result = check_agreement([shaped("outputs", finite=True)], cpu, cuda, "cuda")
    assert result is not None
    assert result.status == Status.FAILED


@pytest.mark.parametrize(
    ("expectations", "cpu_values", "cuda_values"),
    [
        ([printed("tensor(0.6667)"), raises()], {"result": THIRDS}, {"result": THIRDS}),  # kinds never compared
        ([value()], {}, {"result": THIRDS}),  # missing on one side
        ([value(expr="criterion")], {"criterion": obj("L1Loss()")}, {"criterion": obj("L1Loss()")}),
        ([], {"result": THIRDS}, {"result": THIRDS}),
    ],
    ids=["other-kinds", "missing", "not-numeric", "no-expectations"],
)
def test_agreement_without_comparable_values_is_none(
    expectations: list[Any], cpu_values: dict[str, ValueSummary], cuda_values: dict[str, ValueSummary]
) -> None:
    assert (
        check_agreement(expectations, observation(values=cpu_values), observation(values=cuda_values), "cuda") is None
    )


# -- one outcome from many checks: the worst one decides -------------------------------------------


def _outcome_of(*checks: CheckResult) -> Outcome:
    return Outcome.summarise(checks, spec_id="s", device="cpu", location=Location("s.toml"), spec_path="s.toml")


def test_one_false_claim_among_true_ones_fails_the_example() -> None:
    right = check(value(equals=0.6667), observation(values={"result": THIRDS}))
    wrong = check(printed("tensor(0.9999)"), observation(stdout="tensor(0.6667)\n"))
    assert (right.status, wrong.status) == (Status.PASSED, Status.FAILED)
    for checks in ((right, wrong), (wrong, right)):
        outcome = _outcome_of(*checks)
        assert outcome.status == Status.FAILED and outcome.status.is_problem
        assert (outcome.expected, outcome.actual) == (wrong.expected, wrong.actual)  # the headline is the false claim
        assert outcome.message == wrong.message


@pytest.mark.parametrize(
    ("milder", "worse"),
    [
        (Status.PASSED, Status.DRIFTED),
        (Status.PASSED, Status.FAILED),
        (Status.DRIFTED, Status.FAILED),
        (Status.FAILED, Status.ERROR),
        (Status.PASSED, Status.ERROR),
        (Status.SKIPPED, Status.PASSED),
    ],
)
def test_an_outcome_is_as_bad_as_its_worst_check(milder: Status, worse: Status) -> None:
    mild, bad = (CheckResult("value", status, f"claim {status}", "x") for status in (milder, worse))
    for checks in ((mild, bad), (bad, mild)):
        assert _outcome_of(*checks).status == worse
    assert worst([milder, worse]) == worst([worse, milder]) == worse

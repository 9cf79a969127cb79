"""Tests for harness.judge.printed: claimed printouts against actual ones, with printing-aware tolerance."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from harness.judge.printed import (
    CallLiteral,
    PrintedComparison,
    PrintedSequence,
    TensorLiteral,
    compare_printed,
    numbers_close,
    parse_printed,
)

TWO_D = "tensor([[1.0000, 2.0000, 3.0000],\n        [4.0000, 5.0000, 6.0000]])"
SUMMARIZED = "tensor([0.1000, 0.2000, 0.3000,  ..., 0.7000, 0.8000, 0.9000])"
OLD_2X2 = " 1  2\n 3  4\n[torch.FloatTensor of size 2x2]"


# -- claims that hold ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "actual"),
    [
        ("tensor(0.6667)", "tensor(0.6667)"),
        ("tensor([ 1.0000, -2.5000])", "tensor([1.0000, -2.5000])"),
        ("tensor([1.,2.])", "tensor([1., 2.])"),
        ("   tensor(0.5)  ", "tensor(0.5)"),
        ("tensor([[1, 2],\n        [3, 4]])", "tensor([[1, 2], [3, 4]])"),
        ("tensor([nan, inf, -inf])", "tensor([nan,  inf, -inf])"),
        ("nan", "nan"),
        ("-inf", "-inf"),
        ("torch.Size([1, 10])", "torch.Size([1, 10])"),
        ("torch.Size([])", "torch.Size([])"),
        ("tensor([1., 2.])", "tensor([1., 2.], device='cuda:0')"),
        ("tensor([1, 2], dtype=torch.int32)", "tensor([1, 2], dtype=torch.int32)"),
        ("tensor([True, False])", "tensor([ True, False])"),
        ("tensor([])", "tensor([])"),
        ("tensor([], size=(0, 3))", "tensor([], size=(0, 3))"),
        ("ok", "ok"),
        ("hello world", "  hello   world "),
        ("Epoch 1 done", "Epoch 1 done"),
        ("", "   "),
        ("True", "True"),
        ("'text'", "'text'"),
    ],
)
def test_equal(claim: str, actual: str) -> None:
    assert compare_printed(claim, actual) == PrintedComparison("equal", "")


# The value holds at the precision written, but the digits differ from today's print: the form changed. A reader
# who runs the example sees other text (`tensor(2.0000)` for the note's `tensor(2.)`, `0.6666666666666666` for
# `0.6667`), so the claim is drifted, never true.
@pytest.mark.parametrize(
    ("claim", "actual"),
    [
        ("tensor(2.)", "tensor(2.0000)"),
        ("tensor(2.0000)", "tensor(2.)"),
        ("tensor(0.6667)", "tensor(0.66666668)"),
        (TWO_D, "tensor([[1., 2., 3.], [4., 5., 6.]])"),
        (TWO_D, "tensor([[1.0, 2.0, 3.0],\n\n    [4.0, 5.0, 6.0]])"),
        ("0.6667", "0.6666666666666666"),
        ("tensor(1.2346e-05)", "tensor(1.23456e-05)"),
        ("(1, 2.5)", "(1, 2.5000)"),
        ("[0.5, (1, 2)]", "[0.50, (1, 2)]"),
        ("{'a': 1.5}", "{'a': 1.50}"),
        ("tensor(1.) tensor(2.)", "tensor(1.0000) tensor(2.0000)"),
        ("0.5 tensor([1, 2])", "0.5000 tensor([1, 2])"),
        ("tensor(1.1019, grad_fn=<NllLossBackward0>)", "tensor(1.10190, grad_fn=<NllLossBackward0>)"),
        (
            "torch.return_types.max(\nvalues=tensor([3., 4.]),\nindices=tensor([1, 1]))",
            "torch.return_types.max(values=tensor([3.0000, 4.0000]), indices=tensor([1, 1]))",
        ),
        ("tensor([1., 1.])", "tensor([1.0000, 1.0000])"),
        ("tensor(9.54)", "tensor(9.5394)"),
        (SUMMARIZED, "tensor([0.1, 0.2, 0.3, ..., 0.7, 0.8, 0.9])"),
    ],
)
def test_same_value_to_other_digits_is_drifted(claim: str, actual: str) -> None:
    result = compare_printed(claim, actual)
    assert result.verdict == "drifted"
    assert "other digits" in result.reason


# -- claims that are wrong ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "actual", "reason"),
    [
        ("tensor(0.9999)", "tensor(0.6667)", "value 0.9999 differs from 0.6667 (tolerance 5e-05)"),
        ("tensor(0.6667)", "tensor(0.6669)", "value 0.6667 differs from 0.6669"),
        ("tensor(2.)", "tensor(2.0001)", "value 2. differs from 2.0001"),
        ("tensor([0.9729])", "tensor(0.9729)", "shape (1,) differs from ()"),
        ("tensor(0.9729)", "tensor([0.9729])", "shape () differs from (1,)"),
        ("tensor([1, 2, 3])", "tensor([1., 2., 3.])", "dtype torch.int64 differs from torch.float32"),
        ("tensor([1., 2.], dtype=torch.float64)", "tensor([1., 2.])", "dtype torch.float64 differs from torch.float32"),
        ("tensor([True, False])", "tensor([1, 0])", "dtype torch.bool differs from torch.int64"),
        ("tensor([True, False])", "tensor([True, True])", "element 1: value False differs from True"),
        (TWO_D, TWO_D.replace("4.0000", "4.5000"), "element 3: value 4.0000 differs from 4.5000"),
        (TWO_D, "tensor([1., 2., 3., 4., 5., 6.])", "shape (2, 3) differs from (6,)"),
        (
            "tensor(3., grad_fn=<MeanBackward0>)",
            "tensor(3., grad_fn=<SumBackward0>)",
            "grad_fn MeanBackward0 differs from SumBackward0",
        ),
        ("tensor(nan)", "tensor(1.)", "value nan differs from 1."),
        ("tensor(1.)", "tensor(nan)", "value 1. differs from nan"),
        ("tensor([inf])", "tensor([-inf])", "value inf differs from -inf"),
        ("inf", "nan", "value inf differs from nan"),
        (SUMMARIZED, SUMMARIZED.replace("0.8000", "0.5000"), "element 4: value 0.8000 differs from 0.5000"),
        (SUMMARIZED, "tensor([0.1000, 0.2000, 0.3000, 0.7000, 0.8000, 0.9000])", "claimed output is summarized"),
        ("tensor([1, 2, 3, 4, 5, 6])", "tensor([1, 2, ..., 5, 6])", "actual output is summarized"),
        (SUMMARIZED, "tensor([0.1000, 0.2000, ..., 0.8000, 0.9000])", "6 printed values differ from 4"),
        (
            "torch.Size([1, 10])",
            "torch.Size([1, 12])",
            "torch.Size: item 0: item 1: value 10 differs from 12 (tolerance 0)",
        ),
        ("torch.Size([1, 10])", "torch.Size([1, 10, 1])", "length 2 differs from 3"),
        ("torch.Size([2])", "Other([2])", "torch.Size(...) differs from Other(...)"),
        ("(1, 2)", "(1, 3)", "item 1: value 2 differs from 3 (tolerance 0)"),
        ("(1.0, 2.0)", "(1.0, 3.0)", "item 1: value 2.0 differs from 3.0"),
        ("(1, 2)", "1 2", "tuple differs from 2 printed values"),
        ("(1, 2)", "[1, 2]", "tuple differs from list"),
        ("tensor(1.) tensor(2.)", "tensor(1.) tensor(3.)", "item 1: value 2. differs from 3."),
        ("0.5 tensor([1, 2])", "0.5 tensor([1, 3])", "item 1: element 1: value 2 differs from 3"),
        ("1 2", "1 2 3", "2 printed values differs from 3 printed values"),
        ("[1, 2]", "[1, 2, 3]", "length 2 differs from 3"),
        ("{'a': 1}", "{'b': 1}", "keys ['a'] differ from ['b']"),
        ("{'a': 1}", "{'a': 2}", "key 'a': value 1 differs from 2"),
        ("0.6667", "0.5", "value 0.6667 differs from 0.5"),
        ("3", "2.0", "value 3 differs from 2.0"),  # an int written for a float: only when the value holds
        ("2.0", "2", "float differs from int"),
        ("True", "False", "value True differs from False"),
        ("'a'", "'b'", "value 'a' differs from 'b'"),
        ("tensor(1.)", "1.0", "tensor differs from float"),
        ("ok", "not ok", "printed text differs"),
        ("Epoch 1 done", "Epoch 2 done", "printed text differs"),
        ("hello world", "tensor(1.)", "printed text differs"),
        ("tensor(1.)", "", "printed text differs"),
        (OLD_2X2, "tensor([[1., 2.],\n        [3., 5.]])", "element 3: value 4 differs from 5."),
        (OLD_2X2, "tensor([1., 2., 3., 4.])", "shape (2, 2) differs from (4,)"),
        (" 1\n 2\n[torch.LongTensor of size 2]", "tensor([1., 2.])", "dtype torch.int64 differs from torch.float32"),
        ("tensor([1., 2.], layout=torch.sparse_coo)", "tensor([1., 2.])", "layout=torch.sparse_coo differs from"),
        ("tensor(1., requires_grad=True)", "tensor(2.)", "value 1. differs from 2."),
    ],
)
def test_different(claim: str, actual: str, reason: str) -> None:
    result = compare_printed(claim, actual)
    assert result.verdict == "different"
    assert reason in result.reason


# -- claims whose substance holds but whose printed form changed --------------------------------


@pytest.mark.parametrize(
    ("claim", "actual", "reason"),
    [
        ("tensor(1.1019, grad_fn=<NllLossBackward0>)", "tensor(1.1019)", "grad_fn=<NllLossBackward0> missing"),
        ("65504", "65504.0", "the float 65504.0 written as 65504"),
        ("tensor(1.1019)", "tensor(1.1019, grad_fn=<NllLossBackward0>)", "grad_fn=<NllLossBackward0> added"),
        (
            "tensor([1., 2.], requires_grad=True)",
            "tensor([1., 2.])",
            "printed form changed: requires_grad=True missing",
        ),
        ("tensor([1., 2.])", "tensor([1., 2.], requires_grad=True)", "requires_grad=True added"),
        (
            "tensor(3., grad_fn=<AddBackward>)",
            "tensor(3., grad_fn=<AddBackward0>)",
            "grad_fn AddBackward became AddBackward0",
        ),
        (OLD_2X2, "tensor([[1., 2.],\n        [3., 4.]])", "'[torch.FloatTensor of size 2x2]' became 'tensor(...)'"),
        ("Variable containing:\n 1.1019\n[torch.FloatTensor of size 1]", "tensor(1.1019)", "Variable containing:"),
        ("\n 1\n 2\n 3\n[torch.LongTensor of size 3]\n", "tensor([1, 2, 3])", "LongTensor"),
        (
            " 0.5000\n[torch.cuda.DoubleTensor of size 1 (GPU 0)]",
            "tensor([0.5000], dtype=torch.float64)",
            "DoubleTensor",
        ),
        (
            "1.00000e-02 *\n  1.2345  2.3456\n[torch.FloatTensor of size 1x2]",
            "tensor([[0.0123, 0.0235]])",
            "FloatTensor",
        ),
        (
            "Parameter containing:\ntensor([1., 1.], requires_grad=True)",
            "tensor([1., 1.], requires_grad=True)",
            "Parameter",
        ),
        ("(tensor(1., requires_grad=True), 2)", "(tensor(1.), 2)", "item 0: printed form changed: requires_grad=True"),
    ],
)
def test_drifted(claim: str, actual: str, reason: str) -> None:
    result = compare_printed(claim, actual)
    assert result.verdict == "drifted"
    assert reason in result.reason


def test_a_difference_outranks_a_drift() -> None:
    claim = "(tensor(1., requires_grad=True), 2)"
    assert compare_printed(claim, "(tensor(1.), 3)") == PrintedComparison(
        "different", "item 1: value 2 differs from 3 (tolerance 0)"
    )


# -- parsing ------------------------------------------------------------------------------------


def test_parse_scalar_and_vector_shapes() -> None:
    assert parse_printed("tensor(0.6667)") == TensorLiteral((0.6667,), (), "torch.float32", {}, False)
    assert parse_printed("tensor([0.9729])") == TensorLiteral((0.9729,), (1,), "torch.float32", {}, False)


@pytest.mark.parametrize(
    ("text", "dtype"),
    [
        ("tensor([1, 2, 3])", "torch.int64"),
        ("tensor([1., 2.])", "torch.float32"),
        ("tensor([True, False])", "torch.bool"),
        ("tensor([nan, 1.])", "torch.float32"),
        ("tensor([])", "torch.float32"),
        ("tensor([1, 2], dtype=torch.int32)", "torch.int32"),
        ("tensor([1., 2.], dtype=torch.float64)", "torch.float64"),
        (" 1.5  2.5\n[torch.DoubleTensor of size 2]", "torch.float64"),
        (" 1  2\n[torch.ByteTensor of size 2]", "torch.uint8"),
        (" 1  2\n[torch.IntTensor of size 2]", "torch.int32"),
    ],
)
def test_parse_dtype(text: str, dtype: str) -> None:
    parsed = parse_printed(text)
    assert isinstance(parsed, TensorLiteral)
    assert parsed.dtype == dtype


def test_parse_attributes_and_multiline() -> None:
    parsed = parse_printed(
        "tensor([[1., 2., 3.],\n        [4., 5., 6.]], device='cuda:0',\n       grad_fn=<MeanBackward0>)"
    )
    assert isinstance(parsed, TensorLiteral)
    assert parsed.values == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    assert parsed.shape == (2, 3)
    assert parsed.attributes == {"device": "'cuda:0'", "grad_fn": "<MeanBackward0>"}
    assert not parsed.summarized
    parsed = parse_printed("tensor([1., 2.], requires_grad=True)")
    assert isinstance(parsed, TensorLiteral)
    assert parsed.attributes == {"requires_grad": "True"}


def test_parse_nan_inf_and_summarized() -> None:
    parsed = parse_printed("tensor([nan, inf, -inf])")
    assert isinstance(parsed, TensorLiteral)
    assert math.isnan(parsed.values[0])
    assert parsed.values[1:] == (math.inf, -math.inf)
    parsed = parse_printed(SUMMARIZED)
    assert isinstance(parsed, TensorLiteral)
    assert parsed.summarized
    assert parsed.shape == (-1,)
    assert len(parsed.values) == 6


def test_parse_old_form() -> None:
    parsed = parse_printed("Variable containing:\n 1  2\n 3  4\n[torch.FloatTensor of size 2x2]")
    assert isinstance(parsed, TensorLiteral)
    assert (parsed.values, parsed.shape, parsed.dtype) == ((1.0, 2.0, 3.0, 4.0), (2, 2), "torch.float32")
    assert "FloatTensor" in parsed.form
    assert parse_printed(" 1  2  3\n[torch.FloatTensor of size 2x2]") is None  # count does not match the footer


def test_parse_other_structures() -> None:
    assert parse_printed("torch.Size([1, 10])") == CallLiteral("torch.Size", ([1, 10],), {})
    assert parse_printed("(1, 2)") == (1, 2)
    assert parse_printed("1 2") == PrintedSequence((1, 2))
    assert parse_printed("{'a': [1, None]}") == {"a": [1, None]}
    sequence = parse_printed("tensor(1.) tensor(2.)")
    assert isinstance(sequence, PrintedSequence)
    assert [item.values for item in sequence.items if isinstance(item, TensorLiteral)] == [(1.0,), (2.0,)]
    empty = parse_printed("tensor([], size=(0, 3))")
    assert isinstance(empty, TensorLiteral)
    assert empty.shape == (0, 3)


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "hello world",
        "Epoch 1 done",
        "",
        "loss: 0.5",
        "tensor(",
        "Sequential(\n  (0): Linear()\n)",
        "a = 1",
        "...",
    ],
)
def test_parse_non_values(text: str) -> None:
    assert parse_printed(text) is None


# -- tolerance ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "actual", "atol", "rtol", "verdict"),
    [
        ("tensor(1.00)", "tensor(1.10)", 0.0, 0.0, "different"),
        ("tensor(1.00)", "tensor(1.10)", 0.2, 0.0, "equal"),
        ("tensor(1.00)", "tensor(1.10)", 0.0, 0.2, "equal"),
        ("tensor(1.00)", "tensor(1.10)", 0.01, 0.01, "different"),
        ("100", "101", 0.0, 0.0, "different"),
        ("100", "101", 0.0, 0.01, "equal"),
        ("[1.0, 2.0]", "[1.3, 2.3]", 0.5, 0.0, "equal"),
        ("tensor([nan])", "tensor([nan])", 0.0, 0.0, "equal"),
        ("tensor([nan])", "tensor([1.])", 1e9, 1e9, "different"),
    ],
)
def test_atol_rtol_widen_tolerance(claim: str, actual: str, atol: float, rtol: float, verdict: str) -> None:
    assert compare_printed(claim, actual, atol=atol, rtol=rtol).verdict == verdict


def test_reason_reports_total_tolerance() -> None:
    # atol 0.05 plus the printing resolution of 1.00 (0.005).
    assert compare_printed("tensor(1.00)", "tensor(1.10)", atol=0.05).reason == (
        "value 1.00 differs from 1.10 (tolerance 0.055)"
    )


@pytest.mark.parametrize(
    ("expected", "actual", "atol", "rtol", "close"),
    [
        (1.0, 1.0, 0.0, 0.0, True),
        (1.0, 1.1, 0.0, 0.0, False),
        (1.0, 1.1, 0.11, 0.0, True),
        (10.0, 11.0, 0.0, 0.1, True),
        (10.0, 11.0, 0.0, 0.09, False),
        (math.nan, math.nan, 0.0, 0.0, True),
        (math.nan, 1.0, 1e9, 1e9, False),
        (1.0, math.nan, 1e9, 1e9, False),
        (math.inf, math.inf, 0.0, 0.0, True),
        (-math.inf, -math.inf, 0.0, 0.0, True),
        (math.inf, -math.inf, 1e9, 1e9, False),
        (math.inf, 1e308, 1e9, 1e9, False),
        (10**400, 10**400, 0.0, 0.0, True),
        (10**400, 10**400 + 1, 0.0, 0.0, False),
    ],
)
def test_numbers_close(expected: float, actual: float, atol: float, rtol: float, close: bool) -> None:
    assert numbers_close(expected, actual, atol=atol, rtol=rtol) is close


# -- robustness ---------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\n\n",
    "(((",
    ")))",
    "[1, 2",
    "tensor([1, 2)",
    "tensor([1., 2.]) ]",
    "<<<",
    ">>>",
    "<<<>>>",
    "tensor(1., grad_fn=<<MeanBackward0>>)",
    "x" * 10_000,
    "tensor([" + "0.5, " * 2_000 + "0.5])",
    "(" * 10_000,
    "[" * 500 + "]" * 500,
    "-" * 10_000 + "1",
    "1e99999",
    "1." + "0" * 5_000 + "1e-999999999999",
    "1" * 5_000,
    "tensor(1.5e99999999999999999999)",
    "\x00\x01\x02\x7f",
    bytes(range(256)).decode("latin-1"),
    "\ufffd\u2028\u2029",
    "tensor([1, [2]])",
    "tensor([[1, 2], [3]])",
    "tensor(*x)",
    "f(**k)",
    "{**a}",
    "{[1]: 2}",
    "lambda: 0",
    "__import__('os').system('echo hi')",
    "'unterminated",
    "tensor(1.) 'x",
    "[torch.FloatTensor of size 2x2]",
    "[torch.FooTensor of size 2]",
    " 1 x\n[torch.FloatTensor of size 2]",
    "Variable containing:",
    "Parameter containing:\nok",
    "tensor(1+2j)",
    "tensor(b'x')",
    "tensor(..., ...)",
    "tensor(...)",
    "tensor([...])",
    "...",
    "é ü 中文 tensor(0.5)",
    "tensor(0.5, name='中文')",
    "tensor([0.5, 1.5], names=('é', None))",
]


@pytest.mark.parametrize("text", NASTY)
def test_garbage_never_raises(text: str) -> None:
    parse_printed(text)
    for claim, actual in ((text, text), (text, "tensor(1.)"), ("tensor(1.)", text), (text, text[::-1])):
        result = compare_printed(claim, actual)
        assert result.verdict in ("equal", "drifted", "different")
        assert isinstance(result.reason, str)
    assert compare_printed(text, text).verdict == "equal"


def test_module_does_not_import_torch() -> None:
    root = Path(__file__).resolve().parents[1]
    code = "import sys, harness.judge.printed; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)


# -- real torch output --------------------------------------------------------------------------


def test_real_torch_output() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    weights = torch.ones(2, requires_grad=True)
    tensors = [
        torch.tensor(2 / 3),
        torch.tensor([0.9729]),
        torch.arange(6).reshape(2, 3),
        torch.rand(3, 4),
        torch.tensor([True, False]),
        torch.tensor([1.0, float("nan"), float("inf"), -float("inf")]),
        torch.tensor([1e-5, 1.23456e-5]),
        torch.tensor([[1e10, 1.0]]),
        torch.zeros(2, 3, dtype=torch.float64),
        torch.tensor(1.5, dtype=torch.float16),
        torch.tensor([1, 2], dtype=torch.int32),
        torch.tensor(3),
        torch.arange(2000.0),
        torch.randn(50, 50),
        weights,
        (weights * 2).sum(),
        torch.nn.Parameter(torch.ones(2)),
    ]
    for tensor in tensors:
        text = str(tensor)
        assert parse_printed(text) is not None, text
        assert compare_printed(text, text) == PrintedComparison("equal", ""), text
        changed = tensor.detach().clone()
        flat = changed.view(-1)
        if changed.dtype == torch.bool:
            flat[0] = ~flat[0]
        else:
            flat[0] = flat[0] * 2 + 1
        result = compare_printed(text, str(changed))
        assert result.verdict == "different", (text, str(changed), result)

    empty = str(torch.empty(0, 3))
    assert compare_printed(empty, empty).verdict == "equal"
    assert compare_printed(empty, str(torch.empty(0, 4))).verdict == "different"
    assert compare_printed(str(torch.Size([1, 10])), "torch.Size([1, 10])").verdict == "equal"
    assert compare_printed(str(torch.Size([1, 10])), str(torch.Size([1, 11]))).verdict == "different"
    pair = f"{torch.tensor(1.0)} {torch.tensor([1, 2])}"  # as print(a, b) writes it
    assert compare_printed(pair, pair).verdict == "equal"
    assert compare_printed(str(weights), str(weights.detach())).verdict == "drifted"

    # Only the printing precision differs: still the same claim.
    value = torch.tensor([2 / 3, 1 / 7, 100.0])
    default = str(value)
    torch.set_printoptions(precision=8)
    try:
        precise = str(value)
    finally:
        torch.set_printoptions(profile="default")
    assert precise != default
    assert compare_printed(default, precise).verdict == "drifted"  # the same values, to other digits
    assert compare_printed(precise, default).verdict == "drifted"


# -- what authors mean: short values, old padding, labels, one value of several ------------------------------


@pytest.mark.parametrize(
    ("claim", "actual", "verdict", "reason"),
    [
        ("2", "tensor(2.)", "drifted", "2 is tensor 2. written short"),
        ("1.333", "tensor(1.3333)", "drifted", "written short"),
        ("0.666", "tensor(0.6667)", "drifted", "written short"),  # truncated, not rounded: still the value
        ("-0.33", "tensor(-0.3333)", "drifted", "written short"),
        ("True", "tensor(True)", "drifted", "written short"),
        ("2.0", "np.float64(2.0)", "drifted", "written short"),
        ("[1, 2]", "tensor([1, 2])", "drifted", "a list written for a tensor"),
        ("[64, 3, 32, 32]", "torch.Size([64, 3, 32, 32])", "drifted", "torch.Size(...) written as a list"),
        ("(2, 3)", "torch.Size([2, 3])", "drifted", "written as a tuple"),
        ("(2, 4)", "torch.Size([2, 3])", "different", "item 1: value 4 differs from 3"),
        ("1.34", "tensor(1.3333)", "different", "value 1.34 differs from 1.3333 at the precision written"),
        ("0.668", "tensor(0.6667)", "different", "at the precision written"),
        ("3", "tensor(2.)", "different", "value 3 differs from 2."),
        ("False", "tensor(True)", "different", "value False differs from True"),
        ("[1, 3]", "tensor([1, 2])", "different", "element 1: value 3 differs from 2"),
        ("2", "tensor([2., 2.])", "different", "int differs from tensor"),  # not one value: not an abbreviation
    ],
)
def test_values_written_short(claim: str, actual: str, verdict: str, reason: str) -> None:
    result = compare_printed(claim, actual)
    assert (result.verdict, reason in result.reason) == (verdict, True), result.reason


@pytest.mark.parametrize(
    ("claim", "actual", "verdict"),
    [
        ("tensor([ 1.,  1.])", "tensor([1., 1.])", "drifted"),  # torch 0.4 padded every value
        ("tensor([ 4,  5])", "tensor([4, 5])", "drifted"),
        ("torch.Size([ 12])", "torch.Size([12])", "drifted"),
        ("array([ 0.25 ,  0.5 ])", "array([0.25, 0.5 ])", "drifted"),  # old numpy
        ("array([ 0.25,  0.5 ], dtype=float32)", "array([0.25, 0.5 ], dtype=float32)", "drifted"),
        ("array([ 0.25 ,  0.5 ])", "[0.25 0.5 ]", "drifted"),  # the repr written for print()'s str
        ("tensor([ 1.,  2.])", "tensor([1., 3.])", "different"),
        ("array([ 1.,  3.], dtype=float32)", "array([1., 2.], dtype=float32)", "different"),
        ("array([0.25, 0.75])", "[0.25 0.5 ]", "different"),
        # today's torch pads too, to align with a minus sign, and around `...`: that is no drift
        ("tensor([ 1., -1.])", "tensor([ 1., -1.])", "equal"),
        ("tensor([ 1.0000, -2.5000])", "tensor([1.0000, -2.5000])", "equal"),
        (SUMMARIZED, "tensor([0.1, 0.2, 0.3, ..., 0.7, 0.8, 0.9])", "drifted"),  # other digits
        ("tensor([ True, False,  True])", "tensor([ True, False,  True])", "equal"),
    ],
)
def test_old_padded_forms(claim: str, actual: str, verdict: str) -> None:
    assert compare_printed(claim, actual).verdict == verdict


def test_numpy_str_parses_as_a_list() -> None:
    assert parse_printed("[0.25 0.5 ]") == [0.25, 0.5]
    assert parse_printed("[[1. 2.]\n [3. 4.]]") == [[1.0, 2.0], [3.0, 4.0]]
    assert parse_printed("[N C]") is None


@pytest.mark.parametrize(
    ("claim", "actual", "verdict"),
    [
        ("tensor([1.])", "y.grad: tensor([1.])", "equal"),  # print("y.grad:", y.grad): the claim names no label
        ("y.grad: tensor([1.])", "tensor([1.])", "equal"),  # the claim names what was printed
        ("loss: 0.5", "loss: 0.5", "equal"),
        ("loss: 0.5", "loss: 0.5000", "drifted"),  # written short
        ("0.5", "loss 0.5", "equal"),
        ("均值：2.0", "均值： 2.0", "equal"),
        ("loss: 0.5", "acc: 0.5", "different"),  # two labels that differ
        ("tensor([1.])", "y.grad: tensor([2.])", "different"),
        ("'abc'", "abc", "drifted"),  # a string claimed with quotes, printed without
        ("'abc'", "abd", "different"),
    ],
)
def test_labels_before_values(claim: str, actual: str, verdict: str) -> None:
    assert compare_printed(claim, actual).verdict == verdict


@pytest.mark.parametrize(
    ("claim", "actual", "verdict"),
    [
        ("True", "torch.Size([2, 3]) True", "equal"),  # print(y.shape, y.is_contiguous())  # True
        ("tensor(2)", "tensor([1., 2., 3.]) tensor(2)", "equal"),
        ("False", "torch.Size([2, 3]) True", "different"),
        ("tensor(3)", "tensor([1., 2., 3.]) tensor(2)", "different"),
        ("0.5", "tensor([1.]) True", "different"),  # no printed value of its kind
    ],
)
def test_one_value_claimed_of_several_printed(claim: str, actual: str, verdict: str) -> None:
    assert compare_printed(claim, actual).verdict == verdict


# -- module reprs: arguments a newer torch prints too ------------------------------------------------------------

MODULE_TODAY = """Net(
  (net): Sequential(
    (0): Linear(in_features=6, out_features=32, bias=True)
    (1): BatchNorm1d(32, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    (2): ReLU()
    (3): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  )
)"""


@pytest.mark.parametrize(
    ("claim", "verdict", "reason"),
    [
        (MODULE_TODAY.replace(" bias=True, track", " track"), "drifted", "adds BatchNorm1d bias=True"),
        (MODULE_TODAY.replace("out_features=32", "out_features=16"), "different", "out_features=16 differs"),
        (MODULE_TODAY.replace("ReLU()", "Tanh()"), "different", "(2) Tanh differs from (2) ReLU"),
        (MODULE_TODAY.replace("Conv2d(1, 8,", "Conv2d(1, 4,"), "different", "arguments 1, 4 differ"),
        ("\n".join(MODULE_TODAY.split("\n")[:4] + MODULE_TODAY.split("\n")[5:]), "different", "lines"),
    ],
)
def test_module_reprs_compare_layer_by_layer(claim: str, verdict: str, reason: str) -> None:
    result = compare_printed(claim, MODULE_TODAY)
    assert result.verdict == verdict
    assert reason in result.reason


OLD_TODAY = "Net(\n  (fc): Linear(in_features=4, out_features=8, bias=True)\n  (act): ReLU()\n)"


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("Net (\n  (fc): Linear (4 -> 8)\n  (act): ReLU ()\n)", "drifted"),  # as torch 0.3 printed it
        ("Net (\n  (fc): Linear (4 -> 9)\n  (act): ReLU ()\n)", "different"),
        ("Net (\n  (fc): Linear (4 -> 8)\n  (act): Tanh ()\n)", "different"),
    ],
)
def test_a_module_repr_as_old_torch_wrote_it(claim: str, verdict: str) -> None:
    assert compare_printed(claim, OLD_TODAY).verdict == verdict


def test_old_padding_that_differs_only_in_spaces_is_drifted() -> None:
    assert compare_printed("tensor([  8.,  26.])", "tensor([ 8., 26.])").verdict == "drifted"
    assert compare_printed("tensor([ 8., 26.])", "tensor([ 8., 26.])").verdict == "equal"
    assert compare_printed("tensor([[0, 1], [2, 3]])", "tensor([[0, 1],\n        [2, 3]])").verdict == "equal"


def test_a_printed_dtype_among_other_values_is_compared_by_name() -> None:
    assert compare_printed("torch.float32 torch.Size([2, 1])", "torch.float32 torch.Size([2, 1])").verdict == "equal"
    result = compare_printed("torch.float32 torch.Size([2, 1])", "torch.int64 torch.Size([2, 1])")
    assert result == PrintedComparison("different", "item 0: value torch.float32 differs from torch.int64")


def test_a_memory_address_matches_any_address_but_what_surrounds_it_is_compared() -> None:
    assert compare_printed("<AddBackward0 object at 0x7f3a1c2b5d90>", "<AddBackward0 object at 0x7e00aa11bb22>") == (
        PrintedComparison("equal", "")
    )
    assert compare_printed(
        "<AddBackward0 object at 0x7f3a1c2b5d90>", "<MulBackward0 object at 0x7e00aa11bb22>"
    ).verdict == ("different")


def test_jupyters_display_of_an_object_without_a_repr_is_prints_form() -> None:
    # IPython leaves out the " object" of a default repr; the type around the address is still compared.
    assert compare_printed(
        "<torch._C.Generator at 0x7f3a1c2b5d90>", "<torch._C.Generator object at 0x7e00aa11bb22>"
    ) == (PrintedComparison("equal", ""))
    assert compare_printed(
        "<torch._C.Graph at 0x7f3a1c2b5d90>", "<torch._C.Generator object at 0x7e00aa11bb22>"
    ).verdict == ("different")


def test_a_comparison_written_as_older_torchs_uint8_is_drifted_when_its_truths_hold() -> None:
    today = "tensor([False,  True,  True])"
    assert compare_printed("tensor([0, 1, 1], dtype=torch.uint8)", today).verdict == "drifted"
    assert compare_printed("tensor([1, 1, 1], dtype=torch.uint8)", today).verdict == "different"
    assert compare_printed("tensor([0, 1, 1], dtype=torch.uint8)", "tensor([0, 1, 1])").verdict == "different"


def test_a_named_tuple_written_as_older_torchs_plain_tuple_is_drifted_when_its_fields_hold() -> None:
    today = "torch.return_types.max(\nvalues=tensor([3.5000]),\nindices=tensor([4]))"
    assert compare_printed("(tensor([3.5000]), tensor([4]))", today).verdict == "drifted"
    assert compare_printed("(tensor([3.5000]), tensor([2]))", today).verdict == "different"
    assert compare_printed("(tensor([3.5000]),)", today).verdict == "different"

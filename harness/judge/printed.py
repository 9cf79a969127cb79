"""Compare what a study note claims was printed (``# tensor(0.6667)``) with what is printed today.

Torch's printing drifts across versions (precision, grad_fn names, the pre-0.4 footer), so plain string
equality raises false alarms. Text is parsed with ``ast`` (never evaluated) and numbers are compared with a
tolerance that follows the digits actually printed. No torch import: this runs in processes that never load it.
Reasons read "<claimed> differs from <actual>".

What an author means is judged, not how they wrote it: a value written short (``# 1.333`` for
``tensor(1.3333)``, ``# 2`` for ``tensor(2.)``) is drifted when it holds at the written precision; old padded
reprs (``tensor([ 1.,  1.])``, ``array([ 0.25 ,  0.5 ])``) are drifted when the values agree; a name or label
before a value (``y.grad: tensor(...)``, ``loss: 0.5``) is compared only when both sides print one; one claimed
value against ``print(a, b)``'s several is compared with the last of its kind (the one the comment stands by).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Literal

__all__ = [
    "CallLiteral",
    "Likeness",
    "NameLiteral",
    "PrintedComparison",
    "PrintedSequence",
    "TensorLiteral",
    "compare_printed",
    "numbers_close",
    "parse_printed",
]

Likeness = Literal["equal", "drifted", "different"]  # how a claimed printed form relates to today's


@dataclass(frozen=True)
class PrintedComparison:
    verdict: Likeness
    reason: str  # one human sentence; "" when equal


@dataclass(frozen=True)
class TensorLiteral:
    """A parsed ``tensor(...)``, or the pre-0.4 ``[torch.FloatTensor of size 2x2]`` form."""

    values: tuple[float | int | bool, ...]  # flattened, row-major
    shape: tuple[int, ...]  # -1 marks a dimension elided with `...`
    dtype: str
    attributes: dict[str, str]  # other kwargs as text, e.g. {"grad_fn": "<MeanBackward0>"}
    summarized: bool
    # The wrapper the print used, if not plain tensor(...): "Parameter containing:" or the old footer.
    # A change here is drift, not a wrong claim.
    form: str = field(default="")


@dataclass(frozen=True)
class CallLiteral:
    """Any other printed call, e.g. ``torch.Size([1, 10])``."""

    name: str
    args: tuple[object, ...]
    kwargs: dict[str, object]


@dataclass(frozen=True)
class NameLiteral:
    """A printed module-level name, e.g. ``torch.float32`` (a dtype), ``torch.strided`` (a layout)."""

    name: str


@dataclass(frozen=True)
class PrintedSequence:
    """Several values on one line as ``print(a, b)`` writes them; unlike a printed tuple, no brackets."""

    items: tuple[object, ...]


class _Written(float):
    """A float that remembers its printed text, so the tolerance can follow the printed digits."""

    text: str
    resolution: float


def _written(value: float, text: str, resolution: float) -> _Written:
    number = _Written(value)
    number.text, number.resolution = text, resolution
    return number


class _NotAValue(Exception):
    """Raised while parsing when the text is not a printed value."""


_DECIMAL = re.compile(r"[0-9]*\.([0-9]*)(?:[eE]([+-]?[0-9]+))?")
_ANGLE = re.compile(r"<[^<>]*>")
_FOOTER = re.compile(r"\[torch\.(?:cuda\.)?([A-Za-z]+)Tensor of size ([0-9x]*)(?: \(GPU [0-9]+\))?\]")
_HEADERS = ("Variable containing:", "Parameter containing:")
_OLD_DTYPES = {"Float": "float32", "Double": "float64", "Half": "float16", "Long": "int64", "Int": "int32"}
_OLD_DTYPES |= {"Short": "int16", "Char": "int8", "Byte": "uint8"}


def _resolution(text: str) -> float:
    """Half a unit in the last printed digit: `0.6667` -> 5e-05, `1.2346e-05` -> 5e-10, `2.` -> 0."""
    match = _DECIMAL.fullmatch(text.lstrip("+-"))
    if match is None or not match.group(1):
        return 0.0
    try:
        return 0.5 * 10.0 ** (int(match.group(2) or 0) - len(match.group(1)))
    except OverflowError:
        return math.inf


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise _NotAValue


class _Reader:
    """Turns the ast of printed text into plain values; nothing is ever evaluated."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.raw = source.encode()  # ast offsets count UTF-8 bytes, not characters

    def value(self, node: ast.expr) -> object:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, float):  # keep the written digits: they set the tolerance
                text = self.raw[node.col_offset : node.end_col_offset].decode()
                return _written(node.value, text, _resolution(text))
            if node.value is None or isinstance(node.value, (bool, int, str)):
                return node.value
            raise _NotAValue  # Ellipsis outside tensor data, bytes, complex
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):  # -0.5, -inf
            inner = self.value(node.operand)
            if isinstance(inner, _Written):
                return _written(-inner, "-" + inner.text, inner.resolution)
            if type(inner) is int:
                return -inner
            raise _NotAValue
        if isinstance(node, ast.Name) and node.id in ("nan", "inf"):
            return _written(float(node.id), node.id, 0.0)
        if isinstance(node, ast.List):
            return [self.value(item) for item in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self.value(item) for item in node.elts)
        if isinstance(node, ast.Dict):
            keys = [key for key in node.keys if key is not None]  # None marks `**mapping`: code, not output
            if len(keys) != len(node.keys):
                raise _NotAValue
            return {self.value(key): self.value(item) for key, item in zip(keys, node.values, strict=True)}
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute) and (name := _dotted(node)).startswith("torch."):
            return NameLiteral(name)  # what print(x.dtype) shows, beside other values
        raise _NotAValue

    def call(self, node: ast.Call) -> object:
        name = _dotted(node.func)
        if any(isinstance(arg, ast.Starred) for arg in node.args) or any(kw.arg is None for kw in node.keywords):
            raise _NotAValue  # `*args` / `**kwargs` are code, not printed output
        if name == "tensor":
            return self.tensor(node)
        kwargs = {str(kw.arg): self.keyword(kw.value) for kw in node.keywords}
        return CallLiteral(name, tuple(self.value(arg) for arg in node.args), kwargs)

    def keyword(self, node: ast.expr) -> object:
        """A keyword's value; a name there is part of the repr (numpy's `dtype=float32`), kept as its text."""
        if isinstance(node, (ast.Name, ast.Attribute)) and not (
            isinstance(node, ast.Name) and node.id in ("nan", "inf")
        ):
            return _dotted(node)
        return self.value(node)

    def tensor(self, node: ast.Call) -> TensorLiteral:
        if len(node.args) != 1:
            raise _NotAValue
        values, shape, summarized = self.data(node.args[0])
        dtype = ""
        attributes: dict[str, str] = {}
        for keyword in node.keywords:
            key, value = str(keyword.arg), keyword.value
            if key == "dtype":
                dtype = _dotted(value)
                continue
            if key == "size":  # empty tensors print their shape: tensor([], size=(0, 3))
                size = self.value(value)
                if isinstance(size, tuple) and all(type(n) is int for n in size):
                    shape = size
                    continue
            if isinstance(value, ast.Constant) and str(value.value).startswith("<"):  # quoted by _parse
                attributes[key] = str(value.value)
            else:
                attributes[key] = ast.get_source_segment(self.source, value) or ""
        if not dtype:  # torch omits dtype when it is the default for the printed literals
            floats = not values or any(isinstance(v, float) for v in values)
            bools = values and all(isinstance(v, bool) for v in values)
            dtype = "torch.bool" if bools else "torch.float32" if floats else "torch.int64"
        return TensorLiteral(tuple(values), shape, dtype, attributes, summarized)

    def data(self, node: ast.expr) -> tuple[list[float | int | bool], tuple[int, ...], bool]:
        """Flatten nested tensor data; a level holding `...` gets size -1 (unknown)."""
        if not isinstance(node, ast.List):
            scalar = self.value(node)
            if not isinstance(scalar, (int, float)):  # bool is an int
                raise _NotAValue
            return [scalar], (), False
        elided = [isinstance(item, ast.Constant) and item.value is Ellipsis for item in node.elts]
        parts = [self.data(item) for item, skip in zip(node.elts, elided, strict=True) if not skip]
        inner_shapes = {part[1] for part in parts}
        if len(inner_shapes) > 1:  # ragged nesting is not a tensor print
            raise _NotAValue
        inner = inner_shapes.pop() if parts else ()
        values = [v for part in parts for v in part[0]]
        size = -1 if any(elided) else len(parts)
        return values, (size, *inner), any(elided) or any(part[2] for part in parts)


def _parse_old(body: list[str], footer: re.Match[str], header: str) -> TensorLiteral:
    """Pre-0.4 print: whitespace-separated numbers, then `[torch.FloatTensor of size 2x2]`."""
    dtype = "torch." + _OLD_DTYPES[footer.group(1)]
    shape = tuple(int(n) for n in footer.group(2).split("x") if n)
    scale = 1.0
    if body and body[0].endswith("*"):  # old torch factored a common scale out: `1.00000e-02 *`
        scale, body = float(body[0][:-1]), body[1:]
    tokens = " ".join(body).split()
    values: list[float | int | bool] = [
        int(t) if "int" in dtype else _written(float(t) * scale, t, _resolution(t) * scale)
        for t in tokens
        if t != "..."
    ]
    summarized = "..." in tokens
    if not summarized and len(values) != math.prod(shape):
        raise _NotAValue
    form = " ".join(part for part in (header, footer.group(0)) if part)
    return TensorLiteral(tuple(values), shape, dtype, {}, summarized, form)


def _split(source: str) -> list[str]:
    """Split at top-level whitespace between bracket-balanced chunks, as print(a, b) joins them."""
    chunks: list[str] = []
    depth, start, quote, escaped = 0, 0, "", False
    for index, char in enumerate(source):
        if quote:  # brackets and spaces inside string literals do not count
            escaped, quote = (False, quote) if escaped else (char == "\\", "" if char == quote else quote)
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return []
        elif char.isspace() and depth == 0:
            chunks.append(source[start:index])
            start = index + 1
    chunks.append(source[start:])
    return [] if quote or depth else [chunk for chunk in chunks if chunk]


def _read(source: str) -> object:
    return _Reader(source).value(ast.parse(source, mode="eval").body)


# numpy's str() of an array: `[0.25 0.5 ]`, `[[1. 2.]\n [3. 4.]]`: numbers and brackets, no commas.
_NUMPY_STR = re.compile(r"\[[\s\d.eE+\-\[\]naif]*\]")
_NUMPY_GAP = re.compile(r"(?<=[\d.\]fn])\s+(?=[-+\d.\[ni])")


def _numpy_str(source: str) -> object:
    if "," in source or not _NUMPY_STR.fullmatch(source):
        raise _NotAValue
    return _read(_NUMPY_GAP.sub(", ", source))


def _parse(text: str) -> object | None:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    header = lines[0] if lines and lines[0] in _HEADERS else ""
    lines = lines[1:] if header else lines
    footer = _FOOTER.fullmatch(lines[-1]) if lines else None
    if footer is not None:
        return _parse_old(lines[:-1], footer, header)
    # A 2-D tensor spans lines; joined, all ast column offsets refer to one line. `<MeanBackward0>` and
    # `<function f at 0x..>` are not Python, so they become string literals.
    source = _ANGLE.sub(lambda match: repr(match.group(0)), " ".join(lines))
    try:
        value = _read(source)
    except (_NotAValue, SyntaxError):
        if _NUMPY_STR.fullmatch(source) and "," not in source:
            return _numpy_str(source)
        chunks = _split(source)
        if len(chunks) < 2:
            raise _NotAValue from None
        value = PrintedSequence(tuple(_read(chunk) for chunk in chunks))
    if header:
        if not isinstance(value, TensorLiteral):
            raise _NotAValue
        value = replace(value, form=header)
    return value


def parse_printed(text: str) -> object | None:
    """Parse printed output into comparable values; None when the text is not a value."""
    try:
        return _parse(text)
    except Exception:  # noqa: BLE001 - arbitrary text (deep nesting, huge exponents, ...): any failure means "not a value"
        return None


def numbers_close(expected: float, actual: float, *, atol: float, rtol: float) -> bool:
    """|actual - expected| <= atol + rtol*|expected|; nan matches nan, inf matches same-sign inf."""
    if expected == actual:  # also exact for ints too large for a float
        return True
    try:
        e, a = float(expected), float(actual)
    except OverflowError:
        return False
    if math.isnan(e) or math.isnan(a):
        return math.isnan(e) and math.isnan(a)
    if math.isinf(e) or math.isinf(a):
        return False
    return abs(a - e) <= atol + rtol * abs(e)


_EQUAL = PrintedComparison("equal", "")
_different = partial(PrintedComparison, "different")


def _at(prefix: str, result: PrintedComparison) -> PrintedComparison:
    return replace(result, reason=f"{prefix}: {result.reason}") if prefix and result.reason else result


def _first(results: Iterable[PrintedComparison]) -> PrintedComparison:
    """The first 'different' wins at once; otherwise the first drift; otherwise equal."""
    found = _EQUAL
    for result in results:
        if result.verdict == "different":
            return result
        if result.verdict == "drifted" and found is _EQUAL:
            found = result
    return found


def _kind(value: object) -> str:
    if isinstance(value, TensorLiteral):
        return "tensor"
    if isinstance(value, CallLiteral):
        return f"{value.name}(...)"
    if isinstance(value, PrintedSequence):
        return f"{len(value.items)} printed values"
    return "float" if isinstance(value, float) else type(value).__name__  # hide the _Written subclass


def _show(number: float) -> str:
    return number.text if isinstance(number, _Written) else repr(number)


def _compare_numbers(e: float, a: float, atol: float, rtol: float) -> PrintedComparison:
    # The coarser printing resolution absorbs format-only changes: 0.6667 vs 0.66666668, 2. vs 2.0000.
    claimed, actual = getattr(e, "resolution", None), getattr(a, "resolution", None)
    res = max(claimed or 0.0, actual or 0.0)
    if numbers_close(e, a, atol=atol + res, rtol=rtol):
        if claimed is not None and actual is not None and claimed != actual:
            # The same value to other digits: written short (`9.54` for 9.5394), or an older printer's digits.
            return PrintedComparison("drifted", f"printed form changed: {_show(e)} is {_show(a)} to other digits")
        return _EQUAL
    try:
        tolerance = atol + (rtol * abs(float(e)) if rtol else 0.0) + res
    except OverflowError:
        tolerance = math.inf
    return _different(f"value {_show(e)} differs from {_show(a)} (tolerance {tolerance:.3g})")


def _backward_name(grad_fn: str) -> str:
    """A backward node's name across versions: 0.4 named the TH-backed ones `ThAddmmBackward`, 1.x dropped the
    prefix, and newer torch appends an index (`AddmmBackward0`)."""
    return re.sub(r"^Th(?=[A-Z])", "", grad_fn).rstrip("0123456789")


def _compare_attributes(e: TensorLiteral, a: TensorLiteral) -> PrintedComparison:
    drifts: list[str] = []
    for key in sorted((set(e.attributes) | set(a.attributes)) - {"device"}):  # device follows the machine
        claimed, actual = e.attributes.get(key), a.attributes.get(key)
        if claimed == actual:
            continue
        if key == "grad_fn" and claimed and actual:
            claimed, actual = claimed.strip("<>"), actual.strip("<>")
            if _backward_name(claimed) != _backward_name(actual):
                return _different(f"grad_fn {claimed} differs from {actual}")
            drifts.append(f"grad_fn {claimed} became {actual}")  # newer torch appends an index: AddBackward0
        elif key in ("grad_fn", "requires_grad") and (claimed is None or actual is None):
            drifts.append(f"{key}={claimed or actual} {'missing' if actual is None else 'added'}")
        else:
            return _different(f"{key}={claimed or '(absent)'} differs from {key}={actual or '(absent)'}")
    if e.form != a.form:
        drifts.append(f"'{e.form or 'tensor(...)'}' became '{a.form or 'tensor(...)'}'")
    return PrintedComparison("drifted", "printed form changed: " + "; ".join(drifts)) if drifts else _EQUAL


def _compare_tensors(e: TensorLiteral, a: TensorLiteral, atol: float, rtol: float) -> PrintedComparison:
    if e.summarized != a.summarized:  # the elided positions are unknown, so values cannot be paired
        return _different(f"{'claimed' if e.summarized else 'actual'} output is summarized with ..., the other is not")
    # Old torch printed 0-dim results as size-1 vectors; that alone is part of the form change.
    old_scalar = "of size" in e.form + a.form and math.prod(e.shape) == math.prod(a.shape) == 1
    if e.shape != a.shape and not old_scalar:
        return _different(f"shape {e.shape} differs from {a.shape}")
    if (e.dtype, a.dtype) == ("torch.uint8", "torch.bool") and e.values == tuple(int(v) for v in a.values):
        # Before torch 1.2 a comparison returned a uint8 tensor of 0s and 1s: the same truth, an older form.
        return PrintedComparison("drifted", "printed form changed: older torch returned comparisons as uint8")
    if e.dtype != a.dtype:
        return _different(f"dtype {e.dtype} differs from {a.dtype}")
    if len(e.values) != len(a.values):
        return _different(f"{len(e.values)} printed values differ from {len(a.values)}")
    pairs = enumerate(zip(e.values, a.values, strict=True))
    many = len(e.values) > 1  # name the element only where there is more than one
    values = _first(_at(f"element {i}" if many else "", _compare(x, y, atol, rtol)) for i, (x, y) in pairs)
    return values if values.verdict == "different" else _first([_compare_attributes(e, a), values])


def _number(value: object) -> float | None:
    """A claimed bare number (an int or a written float, not a bool)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _scalar(value: object) -> float | bool | None:
    """The one value of a printed one-element tensor, or of a numpy scalar such as np.float32(2.0)."""
    if isinstance(value, TensorLiteral) and len(value.values) == 1 and not value.summarized:
        return value.values[0]
    if isinstance(value, CallLiteral) and len(value.args) == 1 and not value.kwargs and "float" in value.name + "int":
        inner = value.args[0]
        return inner if isinstance(inner, (int, float)) else None
    return None


def _abbreviated(e: object, a: object, atol: float, rtol: float) -> PrintedComparison | None:
    """A value written short for a one-element tensor (`2`, `1.333`, `True` for tensor(2.), tensor(1.3333),
    tensor(True)), or a list for a tensor: drifted when it holds at the written precision (a whole unit of its
    last digit, since authors truncate as often as they round), different when not; None: not this form."""
    actual, written = _scalar(a), _number(e)
    if actual is not None and (isinstance(e, bool) or written is not None):
        if written is None or isinstance(actual, bool):
            same, shown = type(e) is type(actual) and e == actual, repr(e)
            reason = f"value {e!r} differs from {actual!r}"
        else:
            same, shown = _holds_short(written, actual, atol + getattr(actual, "resolution", 0.0), rtol), _show(written)
            reason = f"value {shown} differs from {_show(actual)} at the precision written"
        if not same:
            return _different(reason)
        return PrintedComparison(
            "drifted", f"printed form changed: {shown} is {_kind(a)} {_show(actual)} written short"
        )
    if type(e) is int and isinstance(a, float):  # `65504` for a Python float's 65504.0
        if not numbers_close(e, a, atol=atol, rtol=rtol):
            return _different(f"value {e} differs from {_show(a)}")
        return PrintedComparison("drifted", f"printed form changed: the float {_show(a)} written as {e}")
    if isinstance(e, (list, tuple)) and isinstance(a, CallLiteral) and a.name.endswith("Size") and len(a.args) == 1:
        inner = _compare(list(e), a.args[0], atol, rtol)  # `[64, 3, 32, 32]` or `(2, 3)` for a torch.Size
        if inner.verdict == "different":
            return inner
        return PrintedComparison("drifted", f"printed form changed: {a.name}(...) written as a {_kind(e)}")
    numpy = [v for v in (e, a) if isinstance(v, CallLiteral) and v.name.rsplit(".", 1)[-1] == "array" and v.args]
    if numpy and isinstance(e if numpy[0] is a else a, list):  # `array([...])` written for print()'s `[...]`
        inner = _compare(numpy[0].args[0], e if numpy[0] is a else a, atol, rtol)
        if inner.verdict == "different":
            return inner
        return PrintedComparison("drifted", "printed form changed: an array's repr for its str(), or the reverse")
    if isinstance(e, list) and isinstance(a, TensorLiteral) and not a.summarized:
        flat = _flatten(e)
        if flat is None or len(flat) != len(a.values):
            return None
        values = TensorLiteral(tuple(flat), a.shape, a.dtype, {}, False)
        result = _compare_tensors(values, replace(a, attributes={}, form=""), atol, rtol)
        if result.verdict == "different":
            return result
        return PrintedComparison("drifted", "printed form changed: a list written for a tensor")
    return None


def _holds_short(written: float, actual: float, atol: float, rtol: float) -> bool:
    """Rounded (within half a unit of the last written digit) or truncated (actual lies within one unit beyond)."""
    half = getattr(written, "resolution", 0.0)
    if numbers_close(written, actual, atol=atol + half, rtol=rtol):
        return True
    toward_zero = (written >= 0) == (actual >= 0) and 0 <= abs(actual) - abs(written) < 2 * half + atol
    return half > 0 and toward_zero


def _flatten(value: object) -> list[float | int | bool] | None:
    if isinstance(value, list):
        flat: list[float | int | bool] = []
        for item in value:
            inner = _flatten(item)
            if inner is None:
                return None
            flat += inner
        return flat
    return [value] if isinstance(value, (int, float)) else None


def _partial(e: object, a: PrintedSequence, atol: float, rtol: float) -> PrintedComparison:
    """One value claimed of `print(a, b)`: the last printed value of its kind (the comment stands beside it)."""
    same_kind = [item for item in a.items if _kind(item) == _kind(e)]
    if not same_kind:
        return _different(f"{_kind(e)} differs from {_kind(a)}")
    return _compare(e, same_kind[-1], atol, rtol)


def _named_tuple(e: tuple[object, ...], a: CallLiteral, atol: float, rtol: float) -> PrintedComparison | None:
    """A plain tuple claimed where today's torch prints a named one (`torch.return_types.max(values=...,
    indices=...)`; older torch printed `(tensor(...), tensor(...))`): drifted when the fields hold."""
    if not a.name.startswith("torch.return_types.") or a.args or len(a.kwargs) != len(e):
        return None
    fields = _compare(e, tuple(a.kwargs.values()), atol, rtol)
    if fields.verdict == "different":
        return fields
    return PrintedComparison("drifted", f"printed form changed: today's torch prints {a.name}(...), not a tuple")


def _compare(e: object, a: object, atol: float, rtol: float) -> PrintedComparison:
    if _kind(e) != _kind(a):
        if (short := _abbreviated(e, a, atol, rtol)) is not None:
            return short
        if isinstance(a, PrintedSequence) and not isinstance(e, (PrintedSequence, tuple, list)):
            return _partial(e, a, atol, rtol)
        if isinstance(e, tuple) and isinstance(a, CallLiteral) and (named := _named_tuple(e, a, atol, rtol)):
            return named
        return _different(f"{_kind(e)} differs from {_kind(a)}")
    if isinstance(e, TensorLiteral) and isinstance(a, TensorLiteral):
        return _compare_tensors(e, a, atol, rtol)
    if isinstance(e, (int, float)) and isinstance(a, (int, float)) and not isinstance(e, bool):
        return _compare_numbers(e, a, atol, rtol)
    if isinstance(e, PrintedSequence) and isinstance(a, PrintedSequence):
        e, a = e.items, a.items
    if isinstance(e, (list, tuple)) and isinstance(a, (list, tuple)):
        if len(e) != len(a):
            return _different(f"length {len(e)} differs from {len(a)}")
        return _first(_at(f"item {i}", _compare(x, y, atol, rtol)) for i, (x, y) in enumerate(zip(e, a, strict=True)))
    if isinstance(e, dict) and isinstance(a, dict):
        if list(e) != list(a):
            return _different(f"keys {list(e)} differ from {list(a)}")
        return _first(_at(f"key {k!r}", _compare(e[k], a[k], atol, rtol)) for k in e)
    if isinstance(e, CallLiteral) and isinstance(a, CallLiteral):  # same name: _kind includes it
        both = [_compare(e.args, a.args, atol, rtol), _compare(e.kwargs, a.kwargs, atol, rtol)]
        return _at(e.name, _first(both))
    if e == a:
        return _EQUAL
    shown = [v.name if isinstance(v, NameLiteral) else repr(v) for v in (e, a)]
    return _different(f"value {shown[0]} differs from {shown[1]}")


# A label before a printed value: `loss: 0.5`, `y.grad = tensor(...)`, `均值：2.0`, or words (`print("loss", x)`).
_LABEL = re.compile(r"\s*([^\s:=：()\[\]{}'\"][^:=：()\[\]{}\n]{0,40}?)\s*(?:[:：]|=(?!=))\s*(\S.*)", re.S)
_WORDS = re.compile(r"\s*((?:[^\W\d][\w.]*\s+){1,4})(\S.*)", re.S)


def _labelled(text: str) -> tuple[str, object] | None:
    """(label, value) of a value printed after a label that is not itself a value."""
    for pattern in (_LABEL, _WORDS):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        label, rest = " ".join(match.group(1).split()), match.group(2)
        if parse_printed(label) is None and label not in ("None", "True", "False"):
            value = parse_printed(rest)
            if value is not None:
                return label, value
    return None


def _read_labelled(text: str) -> tuple[str, object | None]:
    value = parse_printed(text)
    if value is not None:
        return "", value
    labelled = _labelled(text)
    return labelled if labelled is not None else ("", None)


# Padding old printers wrote and today's do not: `tensor([ 1.,  1.])`, numpy's `array([ 0.25 ,  0.5 ])`. Today's
# torch pads too, but only to align with a minus sign, and writes `,  ...,` where it summarizes.
_PADDING = re.compile(r"[\[(] +(?=\.?\d)|, {2,}(?=\.?\d)| +,")
_NEGATIVE = re.compile(r"-\s*[\d.]")


def _padding(text: str) -> int:
    return 0 if _NEGATIVE.search(text) else len(_PADDING.findall(text))


_ANY_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}")
_DEFAULT_REPR = re.compile(r" object at 0x\?")


# A warning as Python shows it, where it was raised first (that is the machine's: a path, a line number).
_WARNING = re.compile(r"(?:.*?:\d+:\s*)?(\w*Warning):\s*(.*)")


def _compare_warnings(expected: str, actual: str) -> PrintedComparison | None:
    """A claimed warning against a line of today's output: the same category and words are equal; the same
    category in other words drifted (torch rewords its warnings); anything else differs. None: not a warning."""
    claimed, shown = _WARNING.fullmatch(expected.strip()), _WARNING.fullmatch(actual.strip())
    if claimed is None:
        return None
    if shown is None:
        return _different("printed text differs")
    if claimed.group(1) != shown.group(1):
        return _different(f"warning {claimed.group(1)} differs from {shown.group(1)}")
    if " ".join(claimed.group(2).split()) == " ".join(shown.group(2).split()):
        return _EQUAL
    return PrintedComparison("drifted", f"the {shown.group(1)} is still shown, in other words today")


def compare_printed(expected: str, actual: str, *, atol: float = 0.0, rtol: float = 0.0) -> PrintedComparison:
    """Compare a note's claimed printout with today's; reasons read '<claimed> differs from <actual>'. Memory
    addresses match any address: no run prints the author's, and what surrounds one can still be wrong."""
    expected, actual = _ANY_ADDRESS.sub("0x?", expected), _ANY_ADDRESS.sub("0x?", actual)
    # IPython displays an object without a repr of its own as `<torch._C.Generator at 0x...>`: print's
    # `object at` and Jupyter's `at` are one form.
    expected, actual = _DEFAULT_REPR.sub(" at 0x?", expected), _DEFAULT_REPR.sub(" at 0x?", actual)
    if (warned := _compare_warnings(expected, actual)) is not None:
        return warned
    if " ".join(expected.split()) == " ".join(actual.split()):  # whitespace alone: line breaks, or old padding
        if _padding(expected) > _padding(actual):
            return PrintedComparison("drifted", "printed form changed: values padded as older versions printed them")
        return _EQUAL
    (claimed_label, claimed), (printed_label, printed) = _read_labelled(expected), _read_labelled(actual)
    if isinstance(claimed, str) and not claimed_label and claimed == actual.strip():  # `# 'abc'` for print's abc
        return PrintedComparison("drifted", "printed form changed: print() shows a string without its quotes")
    if claimed is None or printed is None:
        return _compare_modules(expected, actual) or _different("printed text differs")
    if claimed_label and printed_label and claimed_label != printed_label:
        return _different(f"label '{claimed_label}' differs from '{printed_label}'")
    result = _compare(claimed, printed, atol, rtol)
    if result.verdict == "equal" and _padding(expected) > _padding(actual):
        return PrintedComparison("drifted", "printed form changed: values padded as older versions printed them")
    return result


# A module's repr, line by line: `  (0): Linear(in_features=6, out_features=32, bias=True)`, `Net(`, `)`.
# Torch before 0.4 wrote `Linear (4 -> 8)` and `ReLU ()`: a space before the bracket, a Linear's sizes as an arrow.
_MODULE_LINE = re.compile(r"(\s*)(?:\(([\w.-]+)\):\s*)?([A-Za-z_][\w.]*)( ?)\((.*?)(\)?)\s*|(\s*)\)\s*")
_OLD_LINEAR = re.compile(r"\s*(\d+)\s*->\s*(\d+)\s*")


def _module_lines(text: str) -> tuple[list[tuple[str, str, dict[str, str], list[str]]], bool] | None:
    """(child name, type, keyword args, positional args) per line of a module's repr, and whether it is written as
    torch before 0.4 wrote it; None when it is not a module's repr."""
    rows: list[tuple[str, str, dict[str, str], list[str]]] = []
    old = False
    for line in text.strip().split("\n"):
        match = _MODULE_LINE.fullmatch(line)
        if match is None:
            return None
        if match.group(3) is None:  # a closing parenthesis
            rows.append(("", ")", {}, []))
            continue
        keywords: dict[str, str] = {}
        positional: list[str] = []
        written, old = match.group(5), old or bool(match.group(4))
        if sizes := _OLD_LINEAR.fullmatch(written):
            written, old = f"in_features={sizes.group(1)}, out_features={sizes.group(2)}", True
        for arg in _arguments(written):
            key, equals, value = arg.partition("=")
            if equals:
                keywords[key.strip()] = value.strip()
            else:
                positional.append(arg.strip())
        rows.append((match.group(2) or "", match.group(3), keywords, positional))
    return (rows, old) if len(rows) > 1 and rows[-1][1] == ")" else None


def _arguments(text: str) -> list[str]:
    """A call's arguments as written, split at its top-level commas."""
    found: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0:
            found.append(text[start:index])
            start = index + 1
    found.append(text[start:])
    return [arg for arg in found if arg.strip()]


def _compare_modules(expected: str, actual: str) -> PrintedComparison | None:
    """Two module reprs: the same layers whose every written argument holds, with arguments a newer torch prints
    as well (BatchNorm's `bias=True`), are drifted; None when they are not module reprs."""
    claimed_lines, printed_lines = _module_lines(expected), _module_lines(actual)
    if claimed_lines is None or printed_lines is None:
        return None
    (claimed, old), (printed, _) = claimed_lines, printed_lines
    if len(claimed) != len(printed):
        return _different(f"{len(claimed)} lines of the module's repr differ from {len(printed)}")
    added: list[str] = []
    for (name, kind, keywords, positional), (name2, kind2, keywords2, positional2) in zip(
        claimed, printed, strict=True
    ):
        layer = f"({name}) {kind}" if name else kind
        if (name, kind) != (name2, kind2):
            return _different(f"{layer} differs from ({name2}) {kind2}" if name2 else f"{layer} differs from {kind2}")
        if positional != positional2:
            return _different(f"{layer}: arguments {', '.join(positional)} differ from {', '.join(positional2)}")
        for key, value in keywords.items():
            if keywords2.get(key) != value:
                return _different(f"{layer}: {key}={value} differs from {key}={keywords2.get(key, '(absent)')}")
        added += [f"{kind} {key}={value}" for key, value in keywords2.items() if key not in keywords]
    if old:
        return PrintedComparison("drifted", "printed form changed: the module's repr as torch before 0.4 wrote it")
    if not added:
        return _EQUAL
    return PrintedComparison("drifted", "printed form changed: today's repr adds " + ", ".join(added))

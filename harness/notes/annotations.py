"""Annotations: the prose, names, headers and working an author writes around a claimed value.

``# True, since requires_grad defaults to False``, ``# tensor([1.])  # matches x``, ``# y.grad: tensor([1.])``,
``'''[output]:`` above the value, ``(1+0+2)/3 = 1.0000`` below it: the claim is the value; the rest is kept
beside it (``Claim.annotation``) and never judged. Every rule reads a form (a separator, a name, a header line),
never a note's words; a comment that is prose from its first character stays prose.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from harness.judge.printed import CallLiteral, PrintedSequence, TensorLiteral, parse_printed
from harness.notes.words import OUTPUT_NOUN

__all__ = [
    "Annotated",
    "is_value",
    "split_header",
    "split_label",
    "split_name",
    "split_prose",
    "split_working",
    "strong_value",
]

# Printed values parse_printed leaves out: None (it returns None for it) and dtypes such as torch.float32.
_BARE_VALUE = re.compile(r"None|torch\.[a-z][a-z0-9_]*")


def is_value(text: str) -> bool:
    return _BARE_VALUE.fullmatch(text.strip()) is not None or parse_printed(text) is not None


def strong_value(text: str) -> bool:
    """A value no prose starts with by chance: a tensor, a call such as torch.Size, a bool, None, a container."""
    if _BARE_VALUE.fullmatch(text.strip()):
        return True
    value = parse_printed(text)
    return isinstance(value, (TensorLiteral, CallLiteral, PrintedSequence, bool, list, tuple, dict))


@dataclass(frozen=True)
class Annotated:
    value: str  # the claimed value, as written
    annotation: str  # what was written around it, left out of the claim


# Where prose may start after a value. A bare number takes only separators no sentence starts with by chance
# ("# 1. 导入库", "# 1 is the batch size" are prose); a strong value (a tensor, a bool) also takes a CJK word.
_SEPARATOR = re.compile(
    r"\s*#"  # a second comment: `# tensor([1.])  # matches x`
    r"|\s{2,}(?=\S)"  # two spaces: `# torch.Size([2, 3])  -- > [N, C]`
    r"|\s*(?:--+\s*>?|—+|->|=>|→|<-+|←|\|)"  # a dash or an arrow pointing at the explanation
    r"|\s*[,，;；]\s*(?=[^\W\d_])"  # a comma then a word, not a number: `# True, since ...`
    r"|\s+[(（]|（"  # a parenthesis: `# 2 (the sum)`
    r"|\s+(?i:since|because|as|which|so|i\.e\.|e\.g\.|means?|meaning)\b"
)
_COMMENTED = re.compile(r"\s#")
_CJK_AFTER = re.compile(r"\s*(?=[\u3400-\u9fff])")
# A lower-case word after a space, not a call or a dotted name (`tensor(2.)`, `torch.float32` are values):
# `# tensor(7.) again, ...`. Only after a strong value, which ends where its brackets close.
_WORD_AFTER = re.compile(r"\s+(?=[a-z]+(?:[\s,;:!?]|$))")
_MAX_TRIES = 12


def split_prose(text: str) -> Annotated | None:
    """The longest value at the start of `text` that prose follows at a separator; None when there is none."""
    if len(text) > 4000:
        return None
    if _COMMENTED.search(text):  # `value  # prose`: parsing would drop the comment, so cut there first
        cut = next(m.start() for m in _COMMENTED.finditer(text))
        value, rest = text[:cut].rstrip(), text[cut:].strip().lstrip("#").strip()
        if value and rest and is_value(value):
            return Annotated(value, rest)
    cuts = [m.start() for m in _SEPARATOR.finditer(text) if m.start() > 0]
    cuts += [m.start() for m in _CJK_AFTER.finditer(text) if m.start() > 0]
    cuts += [m.start() for m in _WORD_AFTER.finditer(text) if m.start() > 0]
    for cut in sorted(set(cuts), reverse=True)[:_MAX_TRIES]:
        value, rest = text[:cut].rstrip(), text[cut:].strip()
        if not rest or not value or value.endswith((",", "，", ";", "；")) or not is_value(value):
            continue  # (`False,` would parse as a tuple)
        if _CJK_AFTER.match(text, cut) and not _SEPARATOR.match(text, cut) and not strong_value(value):
            continue
        if _WORD_AFTER.match(text, cut) and not _SEPARATOR.match(text, cut) and not _bracketed(value):
            continue  # `# True positives are counted below` is a sentence
        return Annotated(value, rest.lstrip("#,，;；|").strip())
    return None


def _bracketed(value: str) -> bool:
    """A strong value that ends where its brackets close (`tensor(7.)`, `[1, 2]`): nothing after it continues it."""
    return value.rstrip().endswith((")", "]", "}")) and strong_value(value)


# `y.grad: tensor([1.])`, `y = tensor(...)`, `m @ v: tensor(...)`, `loss：0.5`: code that names the value (an
# expression, not itself a value), then a colon or an equals sign. Output words (`Output:`) are prefixes, read
# before this.
_NAME_END = re.compile(r"\s*(?:[:：]|(?<![=!<>])=(?!=))\s*")
_WORD_NAME = re.compile(r"[^\W\d][\w.]*")


def split_name(text: str) -> Annotated | None:
    """`name: value` or `name = value` (the value may be empty: it follows on the next lines)."""
    text = text.strip()
    for match in _NAME_END.finditer(text, 0, 80):
        name, value = text[: match.start()].strip(), text[match.end() :].strip()
        if name and _names_a_value(name):
            return Annotated(value, name)
    return None


def _names_a_value(name: str) -> bool:
    if _WORD_NAME.fullmatch(name):  # `y`, `x.grad`, `均值`
        return name not in ("None", "True", "False")
    try:
        ast.parse(name, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return parse_printed(name) is None


# `# third column -> tensor([ 2,  6, 10])`, `# lấy cột: tensor(...)`: a few words of prose, then an arrow or a
# colon, then a value no prose ends with by chance. The words say what the value is; the value is the claim.
_LABEL_END = re.compile(r"\s*(?:[:：]|=+>|-+>|→)\s*")
_LABEL_MAX = 60


def split_label(text: str) -> Annotated | None:
    """`words -> value` or `words: value` with a strong value (prose may follow it); None otherwise."""
    text = text.strip()
    for match in _LABEL_END.finditer(text, 0, _LABEL_MAX):
        label, rest = text[: match.start()].strip(), text[match.end() :].strip()
        if not label or not rest or not label.rstrip("\"'”’»").strip()[-1:].isalpha():
            continue  # `(2, 3) @ (3,) -> (2,)` is working, not words about a value
        if strong_value(rest):
            return Annotated(rest, label)
        if (annotated := split_prose(rest)) is not None and strong_value(annotated.value):
            return Annotated(annotated.value, f"{label}; {annotated.annotation}")
    return None


# A header line above a claimed output inside a string: `[output]:`, `Output:`, `Out[3]:`, `输出结果：`.
_HEADER = re.compile(
    rf"[\[(【]?\s*(?:(?i:outputs?|out(?:\[\d*\])?|results?|prints?|printed)|输出结果|运行结果|打印结果|输出|结果|{OUTPUT_NOUN})"
    r"\s*[\])】]?\s*[:：]?\s*"
)


def split_header(text: str) -> Annotated | None:
    """A claimed output whose first line is a header only; None when the first line is not one."""
    first, _, rest = text.strip().partition("\n")
    if _HEADER.fullmatch(first.strip()) and rest.strip():
        return Annotated(rest.strip("\n"), first.strip())
    return None


# Working under a value: `(1+0+2)/3 = 1.0000`, `= 0.6667`, `# sum of the three`.
_WORKING = re.compile(r"\s*(?:[\d\s.+\-*/()×÷^%|]+)?=\s*[-+]?[\d.]+(?:e[-+]?\d+)?\s*|\s*(?:#|//|<-|←).*", re.I)


def split_working(text: str) -> Annotated | None:
    """A value followed by lines of working (arithmetic ending in `= number`, or comments); None otherwise."""
    lines = text.rstrip().split("\n")
    if len(lines) < 2:
        return None
    end = len(lines)
    while end > 1 and _WORKING.fullmatch(lines[end - 1]):
        end -= 1
    if end == len(lines):
        return None
    value = "\n".join(lines[:end])
    return Annotated(value, "\n".join(lines[end:]).strip()) if is_value(value) else None

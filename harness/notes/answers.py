"""Answers written apart from the code they answer: a quiz whose numbered snippets ("### 3. Calling backward in
a loop") are answered in an "Answers" section at the end ("**3.** `tensor(12.)`: gradients accumulate.").

Each answer is the claim of the snippet its number names: the value it opens with, in inline code, or the error it
says the snippet raises. Snippets are numbered by the headings (or bold labels) above them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from harness.notes.annotations import is_value
from harness.notes.comments import NEGATED
from harness.notes.records import ERROR_LAST_LINE, Claim, CodeBlock, new_claim, with_claims

_ANSWERS_HEADING = re.compile(r"#{1,6}\s*(?:(?i:answers?|solutions?|answer\s+key)|参考答案|答案|解答)\b.*")
# "### 3. Calling backward", "**Q3.**", "## 第3题", "Question 3:": a snippet's number, written above it.
_NUMBERED = re.compile(
    r"(?:#{1,6}\s*|\*\*)\s*(?:(?i:q|question|exercise|problem)\s*|第\s*)?(\d{1,3})\s*(?:[.)、:：]|题|\*\*)"
)
# "**3.** `tensor(12.)`: ...", "3. It raises: `RuntimeError: ...`", "- Q3: `None`": an answer, by its number.
_ANSWER = re.compile(r"\s*(?:[-*+]\s+)?\**\s*(?:(?i:q|a)\s*)?(\d{1,3})\s*[.)、:：]\s*\**\s*(.*)")
_OPENING_VALUE = re.compile(r"`([^`\n]+)`")
_SAYS_RAISES = re.compile(r"(?i:\b(?:it\s+)?(?:raises|throws|fails|errors)\b)|报错|抛出")


def with_answers(blocks: Sequence[CodeBlock], note_lines: Sequence[str]) -> list[CodeBlock]:
    """The blocks, each numbered snippet with the claim its answer in the answers section makes."""
    start = next((n for n, line in enumerate(note_lines) if _ANSWERS_HEADING.fullmatch(line.strip())), None)
    if start is None or not blocks:
        return list(blocks)
    numbered = _numbered_blocks(blocks, note_lines, start)
    found = list(blocks)
    for offset, line in enumerate(note_lines[start + 1 :], start + 2):  # note lines are 1-based
        answer = _ANSWER.fullmatch(line)
        if answer is None or (index := numbered.get(int(answer.group(1)))) is None:
            continue
        claim = _answer_claim(offset, answer.group(2))
        if claim is not None and not any(c.kind == claim.kind for c in found[index].claims):
            found[index] = with_claims(found[index], [claim])
    return found


def _numbered_blocks(blocks: Sequence[CodeBlock], note_lines: Sequence[str], end: int) -> dict[int, int]:
    """Snippet number -> index in `blocks` of the first block under the label that numbers it."""
    numbered: dict[int, int] = {}
    label: int | None = None
    lines_of = {block.line: index for index, block in enumerate(blocks) if not block.inline and block.cell is None}
    for number, line in enumerate(note_lines[:end], 1):
        if (match := _NUMBERED.match(line.strip())) is not None:
            label = int(match.group(1))
        elif label is not None and number in lines_of:
            numbered.setdefault(label, lines_of[number])
            label = None
    return numbered


def _answer_claim(line: int, text: str) -> Claim | None:
    opening = _OPENING_VALUE.match(text)
    if opening is not None and ERROR_LAST_LINE.fullmatch(opening.group(1).strip()) is None:
        value = opening.group(1).strip()
        return new_claim("printed", line, value, "answer", None) if is_value(value) else None
    raises = _SAYS_RAISES.search(text)
    if raises is None or NEGATED.search(text[: raises.end() + 20]) or raises.start() > 20:
        return None
    quoted = next((m for m in map(ERROR_LAST_LINE.fullmatch, _OPENING_VALUE.findall(text)) if m), None)
    kind = quoted.group(1).rsplit(".", 1)[-1] if quoted else None
    message = (quoted.group(2) or "").strip().rstrip(".") or None if quoted else None
    claim = new_claim("exception", line, text.strip(), "answer", None, exception=(kind, message))
    return replace(claim, first_line=line)

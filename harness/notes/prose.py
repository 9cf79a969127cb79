"""Claims made in prose: an error said right after a block ("this raises an error", "这样写会报错"), and variants
of the code above written inline with what they print or raise ("`torch.mm(m, m)` raises RuntimeError: ...")."""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Sequence
from dataclasses import replace

from harness.notes.annotations import is_value, strong_value
from harness.notes.comments import CHANGING, EXCEPTION_NAME, NEGATED, SENTENCE_END, changing_reason, mark_changing
from harness.notes.document import Block
from harness.notes.names import block_names, random_unseeded
from harness.notes.outputs import CJK, LIST_OR_QUOTE, OUTPUT_FORMS, chat_header, layout_free
from harness.notes.records import ERROR_LAST_LINE, Claim, CodeBlock, new_claim, parse_code, read_traceback, with_claims
from harness.notes.words import ERROR_SAID, OUTPUT_NOUN

# ---- errors claimed in the prose right after a block --------------------------------------------------------

_PROSE_ERROR = re.compile(
    r"报错|出错|抛出异常|引发异常|抛异常|发生错误"
    r"|(?:报|抛出?|引发|触发)\s*(?:一个\s*)?`?[A-Z][\w.]*(?:Error|Exception)"  # "就会报 RuntimeError"
    r"|(?i:\b(?:raises?|throws?|fails?\s+with|errors?\s+out|blows?\s+up|crash(?:es)?\s+with|gives?\s+an?\s+(?:error|exception)"
    r"|results?\s+in\s+an?\s+(?:error|exception)|an?\s+(?:error|exception)\s+is\s+raised)\b)"
    rf"|{ERROR_SAID}"
)
_CONDITIONAL = re.compile(
    r"如果|若是|假如|要是|否则|不然|除非|的时候|(?i:\b(?:if|unless|otherwise|without|when\s+you)\b)"
)
_PROSE_TYPE = re.compile(r"\b((?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception))\b")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_PROSE_MAX = 300
_ADMONITION = re.compile(r"(?:!!!|\?\?\?\+?)\s*[\w-]+")


def _next_text(note_lines: Sequence[str], index: int) -> int:
    """The index of the first line at or after `index` holding text, looking at most 3 lines ahead."""
    start = index
    while index < len(note_lines) and index - start < 3 and not _QUOTE_MARKS.sub("", note_lines[index]).strip():
        index += 1  # a blank line, or a blank line of a quote (`>`)
    return index


_QUOTE_MARKS = re.compile(r"^\s*(?:>\s*)+")


def _paragraph_after(note_lines: Sequence[str], end: int) -> tuple[int, list[str]]:
    """(index, lines) of the paragraph right after note line `end`; an admonition's body counts as one."""
    index = _next_text(note_lines, end)
    while index < len(note_lines) and _layout_only(note_lines[index]):
        index = _next_text(note_lines, index + 1)  # `<aside>`, `:::danger`: a callout's tags are layout
    admonition = index < len(note_lines) and _ADMONITION.match(note_lines[index]) is not None
    if admonition:  # `!!! danger` then its indented body: the body is the paragraph
        index = _next_text(note_lines, index + 1)
    if index < len(note_lines) - 1 and chat_header(note_lines[index]):
        index += 1  # a chat message's header (who, when): the message is below it
    paragraph: list[str] = []
    for line in note_lines[index : index + 3]:
        text = LIST_OR_QUOTE.sub("", line).strip()
        if not text or text.startswith(_NOT_PROSE) or (line[:4].isspace() != admonition) or _layout_only(line):
            break
        paragraph.append(text)
    return index, paragraph


_CONTAINER = re.compile(r"\s*:{3,}\s*[\w-]*(?:\s.*)?")  # `:::danger`, `::: tip Title`, `:::` (HackMD, VuePress)


def _layout_only(line: str) -> bool:
    """A line of tags alone (`<aside>`) or a container's fence (`:::info`): layout, no prose."""
    return (("<" in line or "{" in line) and not layout_free(line).strip()) or _CONTAINER.fullmatch(line) is not None


def _paragraph_before(note_lines: Sequence[str], start: int) -> tuple[int, list[str]]:
    """(index, lines) of the paragraph that ends right above note line `start` (a fence)."""
    index = start - 2
    while index >= 0 and start - 2 - index < 3 and not note_lines[index].strip():
        index -= 1
    paragraph: list[str] = []
    while index >= 0 and len(paragraph) < 3:
        text = LIST_OR_QUOTE.sub("", note_lines[index]).strip()
        indented = note_lines[index][:4].isspace() and not _NESTED_ITEM.match(note_lines[index].lstrip())
        if not text or text.startswith(_NOT_PROSE) or indented:  # indented: code, unless a nested list's item
            break
        paragraph.insert(0, text)
        index -= 1
        if _NESTED_ITEM.match(note_lines[index + 1].lstrip()):
            break  # a list item starts its own paragraph
    return index + 1, paragraph


_NESTED_ITEM = re.compile(r"(?:[-*+]|\d+[.)])\s")


_NOT_PROSE = ("```", "~~~", "#", "|", "!!!", "???")
# "下面这段代码会报错：", "The next cell raises an error:": prose about the block that follows, not the one above.
_FORWARD = re.compile(r"下面|下列|接下来|以下|如下|(?i:\b(?:below|following|next)\b)")


_ENGLISH_MESSAGE = re.compile(
    r"\b((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception))\s*[:：]\s*([\x20-\x7e]{8,}?)\s*(?=[。；！，]|$)"
)


def _names_code_of(sentence: str, code: str) -> bool:
    """The sentence quotes, as inline code, something the code does (a call, an index, arithmetic) on names the
    code binds: "`mean()`" alone names a method, not a line of it."""
    written = re.sub(r"\s", "", code)
    quoted = [span for span in _CODE_SPAN.findall(sentence) if re.sub(r"\s", "", span) in written]
    if not quoted or (program := parse_code(code)) is None:  # the cheap test first: most prose quotes no code
        return False
    bound = block_names(program)[0] | _IMPORTED_BY_CONVENTION
    for span in quoted:
        tree = parse_code(span.strip())
        if tree is None or not any(isinstance(node, _VARIANT_NODES) for node in ast.walk(tree)):
            continue
        if block_names(tree)[1] <= bound:
            return True
    return False


def _prose_error(
    index: int, paragraph: Sequence[str], *, forward: bool, below: str = ""
) -> tuple[int, str, str | None, str | None] | None:
    """(line, text, type, message) when the paragraph says a block raises; `forward`: it must speak of the next,
    whose code is `below` (a sentence that quotes what that code does, "So `t.add_(t2)` raises a RuntimeError",
    speaks of it)."""
    sentence = " ".join(paragraph)
    if not sentence or len(sentence) > 2 * _PROSE_MAX or not _PROSE_ERROR.search(sentence):
        return None
    # A sentence that ends in a colon introduces what follows it: "下标越界也会报错：" speaks of the next block.
    said = next((part for part in SENTENCE_END.split(sentence) if _PROSE_ERROR.search(part)), sentence)
    if len(said) > _PROSE_MAX:
        return None
    ahead = bool(_FORWARD.search(sentence)) or said.rstrip().endswith((":", "：")) or _names_code_of(said, below)
    if NEGATED.search(said) or _CONDITIONAL.search(said) or ahead != forward:  # the sentence that says it
        return None
    if any(_ARGUMENT_BEFORE.search(said[: span.start()]) for span in _CODE_SPAN.finditer(said)):
        return None  # "passing `torch.tensor([0., 2.])` raises": a call given other input, not the block as written
    typed = _PROSE_TYPE.search(sentence)
    kind = typed.group(1).rsplit(".", 1)[-1] if typed else None
    # A message only where the author quoted one as code (`RuntimeError: ...`): after a colon in prose comes
    # an explanation as often as the message.
    quoted = next((m for span in _CODE_SPAN.findall(sentence) if (m := ERROR_LAST_LINE.fullmatch(span.strip()))), None)
    if quoted is None:  # in Chinese prose, the English after `RuntimeError:` up to the stop is the message
        quoted = _ENGLISH_MESSAGE.search(sentence) if CJK.search(sentence) else None
    if quoted is not None:
        kind, message = quoted.group(1).rsplit(".", 1)[-1], (quoted.group(2) or "").strip() or None
    else:
        message = None
    return index + 1, sentence, kind, message


def with_prose_error(
    block: CodeBlock, end: int, note_lines: Sequence[str], in_variants: Collection[int] = (), below: str = ""
) -> CodeBlock:
    """The error claimed in prose: in the paragraph right after the block, or announced in the one before it;
    not a paragraph that says a variant of the code raises (`in_variants`: those paragraphs' lines). `below`: the
    next block's code (a paragraph between the two that quotes what it does speaks of it)."""
    shown = [claim.lines[0] for claim in block.claims if claim.kind == "exception"]
    if shown:  # the error said in words between the code and the traceback pasted under it is a claim too
        found = _prose_error(*_paragraph_after(note_lines, _code_end(block, end)), forward=False)
        found = found if found is not None and found[0] < min(shown) else None
    elif any(claim.form in OUTPUT_FORMS.values() for claim in block.claims):  # its output, shown, has no error:
        return block  # prose about an error after it speaks of a variant ("写两个会报错"), not of this block
    else:
        after = _paragraph_after(note_lines, end)
        said = " ".join(after[1])
        about_below = _names_code_of(said, below) and not _names_code_of(said, block.code)
        found = None if about_below else _prose_error(*after, forward=False)
        if found is None and not block.cell:
            found = _prose_error(*_paragraph_before(note_lines, block.line), forward=True, below=block.code)
    if found is None or found[0] in in_variants:
        return block
    line, text, kind, message = found
    return with_claims(block, [new_claim("exception", line, text, "error-prose", None, exception=(kind, message))])


# "prints `12.0`.", "It returns `tensor(2.)`", "输出 `True`": a paragraph that opens by saying what the block above
# printed, the value in inline code. Only at the paragraph's start: further on, prose about a value is explanation.
_PROSE_OUTPUT = re.compile(
    # An answer to the question the code above asks ("A: `448`", "答：输出 None"), or what it prints, said.
    r"(?:\**(?:答案?|解答|回答|(?i:a|answer|ans))\s*[:：]\s*\**\s*(?=`)|(?:\**(?:答案?|解答|回答|(?i:a|answer|ans))"
    r"\s*[:：]\s*\**\s*)?"
    r"(?:(?i:(?:this|it|which|that|the\s+(?:cell|code|block|snippet|script|last\s+line|print|output))\s+)?"
    r"(?i:prints?|outputs?|gives?|displays?|shows?|returns?)|输出|打印出?|结果|运行结果|得到))"
    r"\s*(?:为|是)?\s*[:：]?\s*(?:`([^`\n]+)`|([\w.]+\((?:[^()\n]|\([^()\n]*\))*\)|\[[^\]\n]*\]|[^`\s，。；,;]+)(?=[，。；]|[,;.]\s|\s*$))"
)


def with_prose_output(block: CodeBlock, end: int, note_lines: Sequence[str]) -> CodeBlock:
    """The output claimed in the prose right after a block that shows no printed output of its own ("The print
    gives `...`, but then I get this error:" above the traceback: what was printed before the error)."""
    if any(c.form in OUTPUT_FORMS.values() and c.kind == "printed" for c in block.claims):
        return block
    index, paragraph = _paragraph_after(note_lines, _code_end(block, end))
    if len(paragraph) == 1 and (result := _result_line(index + 1, paragraph[0])) is not None:
        return with_claims(block, [replace(result, unverifiable=_changing(block.code))])
    first = paragraph[0] if paragraph else ""
    spans = _CODE_SPAN.findall(first)
    if (
        len(paragraph) == 1
        and len(spans) == 1
        and not layout_free(_CODE_SPAN.sub("", first)).strip()
        and _shown(spans[0])
    ):
        # A slide's or a chat's value alone under the code (`<class 'float'>` as a fragment): what it showed.
        claim = new_claim("printed", index + 1, spans[0].strip(), "prose-output", _silent_result(block.code))
        return with_claims(block, [replace(claim, unverifiable=_changing(block.code))])
    match = next((m for at in _sentence_starts(first) if (m := _PROSE_OUTPUT.match(first, at))), None)
    # A value written bare ("答：输出 None，因为 ...") only when it reads as one beyond doubt.
    value = (match.group(1) or match.group(2)) if match else None
    if value is None or not (is_value(value) if match and match.group(1) else strong_value(value)):
        value = _output_said_later(paragraph[0]) if paragraph else None
    if value is None:
        return block
    raised = any(c.form in OUTPUT_FORMS.values() for c in block.claims)  # its output shows the error
    claim = new_claim("printed", index + 1, value.strip(), "prose-output", _silent_result(block.code))
    return with_claims(block, [replace(claim, before_error=raised, unverifiable=_changing(block.code))])


def _changing(code: str) -> str | None:
    """Why what the code shows differs on every run (an address, the clock), from its first line that does."""
    match = next((found for line in code.split("\n") if (found := CHANGING.search(line))), None)
    return changing_reason(match) if match else None


_TYPE_REPR = re.compile(r"<class '[\w.]+'>")


def _shown(text: str) -> bool:
    """A value as a REPL shows it, beyond doubt: a tensor, a size, a bool, a container, a type's repr."""
    return strong_value(text) or _TYPE_REPR.fullmatch(text.strip()) is not None


def _sentence_starts(line: str) -> list[int]:
    """Where the line's first sentences start: a reply opens with a word to the asker ("not dumb. it prints ...")
    as often as with what the code printed."""
    if not line:
        return []
    return [0] + [m.end() for m in SENTENCE_END.finditer(line) if 0 < m.end() < min(len(line), 40)]


def _silent_result(code: str) -> int | None:
    """The line of the last statement of code that prints nothing, when the prose can only mean its value: an
    assignment to a name (`lse = torch.logsumexp(v, dim=0)`, "the result is `tensor(1000.6932)`")."""
    tree = parse_code(code)
    if tree is None or not tree.body:
        return None
    if any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("print", "display")
        for n in ast.walk(tree)
    ):
        return None
    last = tree.body[-1]
    named = isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name)
    return last.lineno if named else None


# A line that is a label and what was printed or raised, nothing more: "结果：tensor(6)", "Result: IndexError: ...".
_RESULT_LINE = re.compile(
    rf"\**(?:输出结果|运行结果|结果|输出|(?i:output|result|out)|{OUTPUT_NOUN})\**\s*[:：]\s*\**\s*`?(?P<said>[^`]+?)`?\**\s*"
)


def _result_line(line: int, text: str) -> Claim | None:
    """The claim of a paragraph that only labels a result: an error raised (its line as Python writes it), or a
    value printed."""
    result = _RESULT_LINE.fullmatch(text)
    said = result.group("said").strip() if result is not None else ""
    if error := ERROR_LAST_LINE.fullmatch(said):
        kind, message = error.group(1).rsplit(".", 1)[-1], (error.group(2) or "").strip() or None
        return new_claim("exception", line, said, "prose-output", None, exception=(kind, message))
    return new_claim("printed", line, said, "prose-output", None) if said and is_value(said) else None


# "..., so the sum above gives `torch.Size([3, 5, 4])`.": what the code prints, said later in the first line.
_GIVES = re.compile(
    r"(?<![A-Za-z0-9_`])(?:(?i:gives|prints|returns|outputs|shows|displays|evaluates\s+to|(?:I|we)\s+(?:get|got|see)"
    r"|(?:printed|shown|displayed)\s+as)"
    r"|输出(?:为|是)?|打印出?|得到|结果(?:为|是))"
    r"\s*[:：]?\s*`([^`\n]+)`"
)


def _output_said_later(line: str) -> str | None:
    said = _GIVES.search(line)
    if said is None or not strong_value(said.group(1)) or _NEGATED_VALUE.search(_clause_before(line, said.start())):
        return None
    return said.group(1).strip()


def _clause_before(text: str, at: int) -> str:
    """The text of the clause that `at` is in, up to `at` ("it is no leaf, so it prints": "so it prints")."""
    return _CLAUSE_STOP.split(text[:at])[-1]


_CLAUSE_STOP = re.compile(r"[。！？；，]|[.!?;,](?:\s|$)")


def _code_end(block: CodeBlock, end: int) -> int:
    """Where the block's code ends: the paragraph right after the code may sit above its output."""
    outputs = [c.lines[0] for c in block.claims if c.form in OUTPUT_FORMS.values()]
    return min(end, block.line + block.code.count("\n") + 1) if outputs else end


# ---- variants: code the prose after a block writes inline, and the error it says that code raises -------------

# A span that does something (a call, an index, arithmetic), not a name or a literal the prose mentions.
_VARIANT_NODES = (ast.Call, ast.Subscript, ast.BinOp, ast.Compare, ast.Assign)
_SAYS_ERROR = re.compile(
    rf"报错|出错|抛出异常|引发异常|{EXCEPTION_NAME}|{ERROR_SAID}"
)  # a variant's error, named or in Chinese words


# Words that make the span after them an argument given to some call, not a statement of its own.
_ARGUMENT_BEFORE = re.compile(r"(?i:\b(?:passing|pass|feeding|feed|giving|give\s+it|hand(?:ing)?\s+it)\s+(?:it\s+)?)$")


# Names prose uses without any code above importing them ("`torch.tensor([1, 2]).dtype` is `torch.int64`").
_IMPORTED_BY_CONVENTION = frozenset({"torch"})


def read_variant(part: Block, found: Sequence[CodeBlock], index: int) -> CodeBlock | str | None:
    """A paragraph (or quote, or bullet) after the code that writes a variant of it inline and says it raises:
    "so `bn.train(); bn(torch.ones(1, 2))` fails with `ValueError: ...`", "`torch.dot(a, b)` 运行会报错: RuntimeError:
    ...". The variant is a block of its own (inline "prose"), its claim the error; the code it runs after is
    the code above, as the author meant. A sentence that leaves the error to the fence below it (a colon at its
    end) gives the variant's code alone, to pair with that fence."""
    text = part.code
    if len(text) > 2 * _PROSE_MAX:
        return None
    known = frozenset().union(*(block.defines for block in found)) | _IMPORTED_BY_CONVENTION
    if "`" not in text:
        return _said_constant(part, known, index)
    code_above = re.sub(r"\s", "", "\n".join(block.code for block in found[-3:]))
    for span in _CODE_SPAN.finditer(text):
        code = span.group(1).strip()
        tree = parse_code(code)
        if tree is None or ERROR_LAST_LINE.fullmatch(code) or not block_names(tree)[1] <= known:
            continue  # not code, or a name nobody defined (prose about other code)
        if (value := _said_value(tree, text[span.end() :])) is not None:
            offset, shown = _restated(text[span.end() :], value)
            line = part.line + text[: span.end() + offset].count("\n")
            claim = replace(new_claim("printed", line, shown, "prose-variant", 1), first_line=part.line)
            return _variant_block(index, part.line - 1 + text[: span.start()].count("\n"), code, claim)
        if not any(isinstance(node, _VARIANT_NODES) for node in ast.walk(tree)):
            continue
        if _ARGUMENT_BEFORE.search(text[: span.start()]):
            continue  # "passing `torch.tensor([0., 2.])` raises": what is passed to the code, not code that raises
        if (gives := _SAYS_VALUE.match(text[span.end() :])) and (error := ERROR_LAST_LINE.fullmatch(gives.group(1))):
            line = part.line + text[: span.end() + gives.start(1)].count("\n")  # "`f(x)` gives `RuntimeError: ...`"
            kind, message = error.group(1).rsplit(".", 1)[-1], (error.group(2) or "").strip() or None
            claim = new_claim("exception", line, gives.group(1), "prose-variant", None, exception=(kind, message))
            claim = replace(claim, first_line=part.line)
            return _variant_block(index, part.line - 1 + text[: span.start()].count("\n"), code, claim)
        if re.sub(r"\s", "", code) in code_above:
            continue  # the code above itself
        if _GIVES_BELOW.fullmatch(text[span.end() :]):
            return code  # "... `p / p.sum(dim=1)` gives" and the fence below shows what
        sentence = _sentence(text[span.end() :])
        said_at = _PROSE_ERROR.search(sentence)
        if said_at is None or not _SAYS_ERROR.search(sentence) or NEGATED.search(sentence):
            continue
        more = [c.strip() for c in _CODE_SPAN.findall(sentence[: said_at.start()]) if not ERROR_LAST_LINE.fullmatch(c)]
        if more:  # more code before the error word: the spans together are what raises ("take `v = ...` and
            code = _program(code, more, known)  # `out = v * 2`, then `out.backward()` raises"), or that code is
            if code is None:
                continue
        written = part.line + text[: span.start()].count("\n")  # the note line the variant's code is on
        said = _said_error(sentence)
        last = sentence.rstrip() == text[span.end() :].rstrip()
        if said is None and last and sentence.rstrip().endswith((":", "：")):
            return code  # the error is in the fence below
        kind, message, at = said if said is not None else (None, None, 0)
        line = written + text[span.end() :][:at].count("\n")
        claim = new_claim("exception", line, " ".join(text.split()), "prose-variant", None, exception=(kind, message))
        claim = replace(claim, first_line=part.line)
        return _variant_block(index, written - 1, code, claim)
    return _said_constant(part, known, index)


def _program(code: str, more: Sequence[str], known: frozenset[str]) -> str | None:
    """The code of spans written one after another in a sentence, when they run as one program on what the
    code above defined (each span python that defines a name a later span uses, every name defined above or by a
    span before it)."""
    spans = [parse_code(span) for span in (code, *more)]
    program = "\n".join([code, *more])
    tree = parse_code(program)
    if tree is None or any(span is None for span in spans):
        return None
    names = [block_names(span) for span in spans if span is not None]
    for at, (defined, _) in enumerate(names[:-1]):  # each span sets up what a later one uses: one program
        if not defined & frozenset().union(*(uses for _, uses in names[at + 1 :])):
            return None
    defines, uses = block_names(tree)
    return program if uses <= known | defines else None


# "可以看到 y.grad 为 None", "k.grad 仍然是 None", "so x.is_leaf is True": an attribute of a name the code above
# defined, written bare in the prose, and the constant it holds. Only None, True and False: a bare "is" before
# anything else says what the thing is for, not what it evaluates to.
_BARE_ATTRIBUTE = re.compile(r"(?<![\w.`])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?![\w.(`])")
_SAYS_CONSTANT = re.compile(
    r"\s*(?:(?i:is(?:\s+(?:still|now|again))?|stays|remains|equals)\s+|(?:仍然|依然|仍|还|也)?(?:为|是|等于)\s*)"
    r"`?(None|True|False)`?(?![\w])"
)


def _said_constant(part: Block, known: frozenset[str], index: int) -> CodeBlock | None:
    masked = _CODE_SPAN.sub(lambda span: "`" + " " * len(span.group(1)) + "`", part.code)  # code spans said
    for bare in _BARE_ATTRIBUTE.finditer(masked):
        said = _SAYS_CONSTANT.match(masked, bare.end())
        if said is None or bare.group(1).split(".")[0] not in known:
            continue
        if _NEGATED_VALUE.search(masked[max(0, bare.start() - 4) : said.start(1)]):
            continue  # "q.grad 不再是 None": what it is not
        line = part.line + masked[: said.start(1)].count("\n")
        claim = replace(new_claim("printed", line, said.group(1), "prose-variant", 1), first_line=part.line)
        return _variant_block(index, part.line - 1 + masked[: bare.start()].count("\n"), bare.group(1), claim)
    return None


# "`loss.item()` now prints `0.3391`", "`x.grad` is still `None`", "`a @ b` 的结果是 `tensor(5.)`": the value of an
# expression after the code above, said right after it. Plain "is" is left out: prose says what a name is for.
_SAYS_VALUE = re.compile(
    r"\s*(?:(?i:now|then|still|also|again|here|just)\s+)?"
    r"(?:(?i:prints?|returns?|gives?|outputs?|displays?|shows?|evaluates?\s+to|equals?|becomes?|is\s+(?:now|still)"
    r"|stays?|remains?)|的?(?:输出|返回|结果)(?:为|是)?|输出|打印出?|返回|得到|等于|变成了?|仍然是|还是|依然是"
    r"|→|⇒|-+>|=+>)"  # "`torch.tensor([1, 2]).dtype` → `torch.int64`": a thread's or a cheat sheet's arrow
    r"\s*(?:(?i:as|to)\s+)?[:：]?\s*`([^`\n]+)`"
)


# "the book says `x / 2` prints `tensor([0, 1])`; on current PyTorch it prints `tensor([0.5000, 1.0000])`": what
# someone else said it prints, then what it prints, said again in the same sentence. The last is the claim.
_RESTATED = re.compile(
    r"[;；,，]?\s*(?:(?i:but|however|whereas|while|actually|instead)\s*,?\s*)?[^`.。]{0,80}?"
    r"(?i:\b(?:it|this|that)\s+(?:now\s+|actually\s+|really\s+)?(?:prints?|returns?|gives?|shows?|outputs?)"
    r"|\bnow\s+(?:prints?|returns?|gives?|shows?))\s*[:：]?\s*`([^`\n]+)`"
)


def _restated(after: str, said: tuple[int, str]) -> tuple[int, str]:
    offset, value = said
    end = after.find("`", offset + len(value)) + 1  # past the first value's closing backtick
    again = _RESTATED.match(after, end) if end > 0 else None
    if again is None or not is_value(again.group(1)):
        return said
    return again.start(1), again.group(1).strip()


def _said_value(tree: ast.Module, after: str) -> tuple[int, str] | None:
    """(offset in `after`, the value) when the prose right after an expression's span says what it evaluates to."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    said = _SAYS_VALUE.match(after)
    if said is None and not isinstance(tree.body[0].value, ast.Name):  # "`x.dtype` is `torch.int64`"
        said = _IS_VALUE.match(after)
        said = said if said is not None and strong_value(said.group(1)) else None
    if said is None or not is_value(said.group(1)) or _NEGATED_VALUE.search(after[: said.start(1)]):
        return None
    return said.start(1), said.group(1).strip()


# Plain "is" says a value only of an expression that computes something (a call, an attribute), and only a value
# that reads as one beyond doubt: "`loss` is `nn.MSELoss()`" names what a variable is for.
_IS_VALUE = re.compile(r"\s*(?i:is|are|equals|==)\s+`([^`\n]+)`")


_NEGATED_VALUE = re.compile(r"(?i:\b(?:not|never|no\s+longer)\b|n't)|不|没")

_SENTENCE_STOP = re.compile(r"[。！？；]|[.!?;](?:\s|$)")


def _sentence(text: str) -> str:
    """The text up to its first sentence's end; a stop inside inline code (`torch.Size([1])`) is not one."""
    masked = _CODE_SPAN.sub(lambda span: "`" + "x" * len(span.group(1)) + "`", text)
    stop = _SENTENCE_STOP.search(masked)
    return text[: stop.end()] if stop else text


def _said_error(sentence: str) -> tuple[str, str | None, int] | None:
    """(type, message, offset) of the error a sentence names: quoted (`ValueError: ...`), or written out after a
    colon to the paragraph's end; the type alone when no message follows it."""
    for span in _CODE_SPAN.finditer(sentence):
        if (quoted := ERROR_LAST_LINE.fullmatch(span.group(1).strip())) is not None:
            return quoted.group(1).rsplit(".", 1)[-1], (quoted.group(2) or "").strip() or None, span.start()
    typed = _PROSE_TYPE.search(sentence)
    if typed is None:
        return None
    rest = sentence[typed.end() :]
    after = re.match(r"\s*[:：]\s*(\S.*)", rest, re.S)
    message = " ".join(after.group(1).split()).rstrip("。") if after else None
    return typed.group(1).rsplit(".", 1)[-1], message or None, typed.start()


_GIVES_BELOW = re.compile(r"\s*(?:(?i:gives|prints|returns|outputs|shows|yields)|输出|得到|结果(?:为|是)?)\s*[:：]?\s*")


def shown_result(paragraph: Block, code: str, part: Block, index: int) -> CodeBlock | None:
    """The variant a paragraph wrote, its error (or the value it shows) claimed by the fence right below."""
    if part.kind not in ("fence", "indented") or part.line - paragraph.end > 3 or part.is_python:
        return None
    first = part.line + (part.kind == "fence") + len(part.code) - len(part.code.lstrip("\n"))  # its first text line
    written = paragraph.line - 1 + paragraph.code[: paragraph.code.find(code)].count("\n")
    error = read_traceback(part.code)
    if error is None:
        shown = part.code.strip()
        if not strong_value(shown) or (part.kind == "fence" and part.language not in ("", "text", "output")):
            return None
        claim = new_claim("printed", first, shown, "prose-variant", 1)
    else:
        kind, message, offset = error
        text = part.code.strip("\n").split("\n")[offset].strip()
        claim = new_claim("exception", first + offset, text, "prose-variant", None, exception=(kind, message))
    return _variant_block(index, written, code, replace(claim, first_line=paragraph.line))


def _variant_block(index: int, line: int, code: str, claim: Claim) -> CodeBlock:
    if claim.kind == "printed":  # `torch.cuda.is_available()` said to print `True`: the author's machine
        claim = mark_changing(claim, code.split("\n"))
    tree = parse_code(code)
    assert tree is not None  # only code that parses is a variant
    defines, uses = block_names(tree)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    return CodeBlock(index, line, code + "\n", (claim,), defines, uses, random_unseeded(code, calls), inline="prose")

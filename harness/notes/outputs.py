"""Outputs after the code: an output fence, nbconvert's indented block, a quote, a pasted paragraph, a
traceback; which parts after a block are its output, and the claims they make."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import replace

from harness.notes.annotations import is_value, split_prose
from harness.notes.comments import SENTENCE_END, output_prefix, statement_role, trimmed_value
from harness.notes.document import Block
from harness.notes.records import ERROR_LAST_LINE, Claim, CodeBlock, new_claim, parse_code, read_traceback
from harness.notes.shell import shell_session
from harness.notes.transcript import Example, is_transcript
from harness.notes.words import ERROR_NOUN, OUTPUT_NOUN

# ---- outputs after the code ---------------------------------------------------------------------------------

_OUTPUT_LANGUAGES = frozenset({"", "text", "txt", "output", "out", "console", "plain", "plaintext", "log"})
# A shell's fence after the code holds commands as often as output (`pip install torch`): output only when it
# holds what a print shows.
_SHELL_OUTPUT = frozenset({"shell", "sh", "bash", "zsh", "terminal"})
_COMMAND = re.compile(
    r"\s*(?:[$#>%]\s|(?:sudo\s+)?(?:pip3?|python3?|conda|cd|ls|git|export|nvidia-smi|cat|mkdir|wget|curl|apt(?:-get)?"
    r"|source|echo|jupyter|tensorboard|torchrun|rm|cp|mv)\b)"
)
_LABEL = re.compile(
    r"outputs?|prints?|printed|results?|returns?|gives?|console|out\s*\[\s*\d*\s*\]|\bout\s*[:：]|输出|结果|打印|运行"
    r"|\b(?:I|we|you)\s+(?:get|got|see|saw)\b|\bwhat\s+(?:I|we|you)\s+(?:get|got|see)\b"  # "But what I get is:"
    r"|\b(?:what\s+)?comes\s+out\b"  # a slide titled "What comes out"
    r"|\b(?:running|run)\s+(?:it|this|that|the\s+\w+)\s*[:：]"  # "Running it:", "Run the script:"
    r"|^\**(?:A|Ans|Answer|答案?|解答)\**\s*[:：]\s*\**$"  # a flashcard's or a quiz's answer to the code above
    rf"|{OUTPUT_NOUN}",
    re.I,
)
_ANSWER = re.compile(
    r"\**(?:(?i:answer|solution|ans)|答案?|解答|回答|(?i:l[öo]sung|r[ée]ponse|respuesta|resposta|antwoord|odpowied[źz]))"
    r"\s*\d*\s*(?:[.:：]\**|\**[.:：])(?:\s|$|(?<=：))"  # "**Answer.**", "Answer:", "**答**：": a mark after the word
)
_ERROR_LABEL = re.compile(
    rf"tracebacks?|errors?|raises?|exceptions?|报错|错误|异常|{ERROR_NOUN}", re.I
)  # before a traceback
LIST_OR_QUOTE = re.compile(r"^(?:\s*(?:>|[-*+]|\d+[.)]))+\s*")
_MAX_BETWEEN = 12
OUTPUT_FORMS = {
    "fence": "output-block",
    "indented": "indented-output",
    "quote": "quoted-output",
    "paragraph": "paragraph-output",
    "pre": "html-output",
    "item": "list-output",
}
_PROPERTY = re.compile(r"[\w-]+::\s")  # an outliner's block property: `collapsed:: true`
# A listing's caption under its code (`Listing 3.2: Cross-entropy two ways.`, `代码 3-1 …`): it names the code
# above, and says nothing of what follows.
_CAPTION = re.compile(
    r"\**(?:(?i:listing|code|snippet)|代码|程序|清单|リスト)\s*\d+(?:[.\-]\d+)*\**\s*[:：.]?"
    r"(?:\s.*)?"
)
HTML_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?>")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def is_output(code: Block, part: Block, note_lines: Sequence[str], *, again: bool = False) -> bool:
    """Is `part`, right after python block `code`, the output that code printed (or the error it raised)? `again`:
    `code` ends with an output already, and only one labelled as output too follows it."""
    if part.line - code.end > _MAX_BETWEEN:  # two short label lines and the blank lines around them, at most
        return False
    # `<details><summary>Output</summary>` folds an output away on GitHub: the tags are layout, their text a label.
    between = [layout_free(LIST_OR_QUOTE.sub("", line)).strip() for line in note_lines[code.end : part.line - 1]]
    prose = [line for line in between if line and not _PROPERTY.match(line) and not _RULE.fullmatch(line)]
    prose = [line for line in prose if not _CAPTION.fullmatch(line) and not chat_header(line)]
    # "The print looks fine to me. But then I get this error:": a paragraph whose last sentence is the label; or
    # a heading that names what follows ("## Output" on a slide of its own).
    told = _closing_label(prose) or _label_heading(prose)
    # "**Answer.** `z` is no leaf, so ...": a solution sheet's answer to the code above, its output in the fence.
    answered = bool(prose) and len(prose) <= 3 and _ANSWER.match(prose[0]) is not None
    # The label alone, right under the output before; or a notebook export's next output area, tags alone between.
    if again and (len(prose) > 1 or not (told or (part.kind == "pre" and not prose))):
        return False
    if not (told or answered) and (len(prose) > 2 or any(len(line) > 60 or line.startswith("#") for line in prose)):
        return False
    if part.kind == "paragraph" and not prose:  # a paragraph is output only under a label (asked first: cheap)
        prompted = _OUT_PROMPT.match(part.code)  # or after its own prompt: `Out[3]: torch.Size([4, 3, 2])`
        if code.kind == "paragraph":  # or under code pasted as a paragraph, as it was pasted too
            text = part.code.strip()
            return _values_only(text) or read_traceback(text) is not None
        return prompted is not None and _values_only(part.code[prompted.end() :])
    content = _content(part)
    if not content:
        return False
    traceback = read_traceback(_printed_then_traceback(content, catches=catches_errors(code.code))[1]) is not None
    if part.kind == "fence" and (is_transcript(part.code) or shell_script(part) is not None):
        return False  # a REPL or shell session is code with its outputs inside
    labels = [told] if told else prose
    if not answered and not all(_LABEL.search(line) or (traceback and _ERROR_LABEL.search(line)) for line in labels):
        return False
    if part.kind == "item":  # an outliner's bullet right under the code: a value, perhaps with a remark after it
        return _bullet_value(content) is not None
    if part.kind == "paragraph":  # prose, unless a label introduces it and it reads as printed text
        return bool(prose) and (traceback or _values_only(content) or _reads_printed(content))
    if traceback:
        return part.kind != "fence" or part.language in _OUTPUT_LANGUAGES | _SHELL_OUTPUT or part.is_python
    if part.kind == "quote":  # quotes hold prose too: only a printed value is output, or what a label says is
        return _values_only(content) or (_labelled_quote(part) and not _is_code(content, strict=False))
    if part.kind == "pre":  # a blog's <pre> after the code: what it printed, unless it is more code
        return not _is_code(content, strict=False) and not _unlabelled_code(content)
    if part.kind == "indented":  # nbconvert's outputs: anything but code
        return _values_only(content) or not _is_code(content, strict=True)
    if part.language in _OUTPUT_LANGUAGES:
        if part.language == "" and _unlabelled_code(part.code):
            return False
        return not _is_code(content, strict=False)
    if part.is_python:
        return _values_only(content) and not _is_code(content, strict=True) and not _calls(content)
    if part.language in _SHELL_OUTPUT:
        return not any(_COMMAND.match(line) for line in content.split("\n"))
    return False


def _label_heading(prose: Sequence[str]) -> str:
    """The last line, when it is a heading of a few words that labels an output (`## Output`, `### 运行结果`)."""
    heading = _HEADING.fullmatch(prose[-1]) if prose and len(prose) <= 4 else None
    return heading.group(1) if heading is not None and _LABEL.search(heading.group(1)) else ""


_HEADING = re.compile(r"#{1,6}\s+(\S+(?:\s+\S+){0,3}?)\s*#*")
# A thematic break, or a slide deck's slide separator (reveal.js splits a slide downwards at `--`).
_RULE = re.compile(r"(?:-{2,}|\*{3,}|_{3,})")
# Template engines' tags, which render to nothing the reader sees: GitBook's `{% code title="a.py" %}`, Jinja's,
# Hugo's `{{< details >}}` shortcodes; and HTML comments (`<!-- _class: lead -->`, `<!--kg-card-begin: markdown-->`).
_TEMPLATE_TAG = re.compile(r"\{%-?.*?-?%\}|\{\{[<%].*?[>%]\}\}|<!--.*?-->")


# A chat export's message header: who wrote it and when (`[19-Feb-24 07:42 PM] marcus.dev`, `**mika** 10:48 AM`,
# `lin.w — Today at 10:51`). It names the speaker; the message is the lines under it.
_CHAT_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?(?![\w:])")
_CHAT_REST = re.compile(r"[\[\]()*—–\-|,@]|\b\d[\d/.\-]*\b|\b[A-Z][a-z]{2}\b|(?i:\b(?:today|yesterday|at)\b)")


def chat_header(line: str) -> bool:
    text = line.strip()
    if len(text) > 60 or "`" in text or (time := _CHAT_TIME.search(text)) is None:
        return False
    rest = _CHAT_REST.sub(" ", text[: time.start()] + " " + text[time.end() :]).split()
    if any(word.endswith((".", ":", "?", "!")) for word in rest):
        return False
    return len(rest) == 1 or (len(rest) == 2 and all(word[:1].isupper() for word in rest))  # a handle, or a name


def layout_free(line: str) -> str:
    """A line without its HTML tags, template tags and comments: the text a reader of the rendered page sees."""
    return HTML_TAG.sub("", _TEMPLATE_TAG.sub("", line))


def _closing_label(prose: Sequence[str]) -> str:
    """The last sentence of a short paragraph, when it is a short line ending in a colon (a label); else ""."""
    if not prose or len(prose) > 4 or prose[-1].startswith("#"):
        return ""
    last = SENTENCE_END.split(" ".join(prose).strip())[-1]
    return last if last.endswith((":", "：")) and len(last) <= 60 else ""


_METHOD_CALL = re.compile(r"[A-Za-z_][\w.]*\.[a-z_]\w*\(\s*\)")


def _calls(text: str) -> bool:
    """A method called with no arguments (`y.backward()`): code, though it parses like a printed repr."""
    return _METHOD_CALL.search(text) is not None


def _unprefixed(text: str) -> str:
    """A quoted output without its output prefix (`Output: tensor(...)` -> `tensor(...)`)."""
    prefixed = output_prefix(text)
    return prefixed[1] if prefixed is not None and prefixed[0] == "output-prefix" else text


_WHOLE_SPAN = re.compile(r"^([ \t]*(?:→|->|=>)?[ \t]*)`([^`\n]+)`[ \t]*$", re.MULTILINE)


def _content(part: Block) -> str:
    """An output part's text; a quote's without its output prefix, or its lines' inline-code backticks; knitr's
    `## ` (or `#> `) before every line of R Markdown's output left out."""
    if part.kind == "paragraph":  # a pasted line of inline code: "`tensor(14.)`"; a prompt left out
        return _OUT_PROMPT.sub("", _WHOLE_SPAN.sub(r"\2", part.code.strip()))
    if part.kind != "quote":
        if _knitr(part.code):
            return _from_r(_KNITR_PREFIX.sub("", part.code)).strip()
        return _OUT_PROMPT.sub("", part.code).strip()
    if _labelled_quote(part):  # `> **Output**` on top: what follows is the output
        return _unprefixed(_WHOLE_SPAN.sub(r"\2", part.code.strip().partition("\n")[2].strip()))
    return _unprefixed(_WHOLE_SPAN.sub(r"\2", part.code.strip()))


# A quote's first line that only labels it: a textbook's output box (`> **Output**`), `> 输出：`.
_QUOTE_LABEL = re.compile(r"[*_]*\s*\w+(?:\s+\w+)?\s*[*_]*\s*[:：]?\s*[*_]*")


def _labelled_quote(part: Block) -> bool:
    first, _, rest = part.code.strip().partition("\n")
    return (
        part.kind == "quote"
        and bool(rest.strip())
        and bool(_QUOTE_LABEL.fullmatch(first.strip()))
        and bool(_LABEL.search(first))
    )


# IPython's (and Databricks') prompt before a displayed value, pasted with it: `Out[2]: tensor([2., 4.])`.
_OUT_PROMPT = re.compile(r"^Out\s*\[\s*\d*\s*\]\s*:[ \t]?", re.MULTILINE)
_KNITR_PREFIX = re.compile(r"^(?:##|#>) ?", re.MULTILINE)
# reticulate reports a Python error as R's: `Error in py_call_impl(...): ValueError: ...`, then a hint line.
_R_ERROR = re.compile(r"^Error in py_call_impl\(.*?\)\s*:\s*(?=\S)", re.MULTILINE)
_R_HINT = re.compile(r"^Run `reticulate::py_last_error\(\)` for details\.?\s*$", re.MULTILINE)


def _from_r(text: str) -> str:
    """knitr's output of a Python chunk that raised, as Python writes the error: `ValueError: ...`."""
    return _R_HINT.sub("", _R_ERROR.sub("", text)).rstrip() if "py_call_impl" in text else text


def _knitr(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and all(line.startswith(("## ", "#> ")) or line in ("##", "#>") for line in lines)


_TRACEBACK_START = re.compile(r"Traceback \(most recent call last\)|-{20,}\s*$|\w*(?:Error|Exception)\s+Traceback")


def catches_errors(code: str) -> bool:
    """The code handles errors itself: an error's line in its output may be its own print, not a traceback."""
    return _EXCEPT.search(code) is not None


_EXCEPT = re.compile(r"^\s*except\b", re.MULTILINE)


_LEADING_SPAN = re.compile(r"`([^`\n]+)`\s*(.*)", re.S)


_BULLET_MARK = re.compile(
    rf"\s*(?:→|⇒|=+>|-+>|(?:(?i:out(?:put)?|results?|prints?)|输出|结果|{OUTPUT_NOUN})\s*[:：])\s*"
)


def _bullet_value(text: str) -> tuple[str, str] | None:
    """(value, remark) of a bullet that holds a printed value: `` `8` -> 3*2 weights ``, `49 (= 4*8 + ...)`, `True`."""
    if "\n" in text.strip():
        return None
    text = _BULLET_MARK.sub("", text, count=1)  # `→ tensor(12.)`, `out: tensor(12.)`: the bullet says it is output
    if read_traceback(text.strip()) and ":" in text:  # `RuntimeError: mat1 and mat2 shapes ...`
        return text.strip(), ""
    if match := _LEADING_SPAN.fullmatch(text.strip()):
        value, remark = match.group(1).strip(), match.group(2).strip()
        if dotted_call(value):  # "`torch.no_grad()` for eval": a bullet naming code, not a value printed
            return None
        return (value, remark) if is_value(value) or read_traceback(value) else None
    if _values_only(text):
        return text.strip(), ""
    annotated = split_prose(text.strip())
    return (annotated.value, annotated.annotation) if annotated is not None else None


# Outputs that come in pieces, one part each: an outliner's bullets, a quote's paragraphs (`> a`, `>`, `> b`).
_PIECE_FORMS = frozenset({"list-output", "quoted-output"})


def bullets_by_statement(block: CodeBlock) -> CodeBlock:
    """An outliner's bullets (or a quote's paragraphs) under the code, one a print: the first the first print's,
    and so on."""
    bullets = [c for c in block.claims if c.form in _PIECE_FORMS and c.statement_line is None]
    if len(bullets) < 2 or (tree := parse_code(block.code)) is None:
        return block
    prints = [n.lineno for n in tree.body if isinstance(n, ast.Expr) and statement_role(n) == "print"]
    if len(prints) != len(bullets):
        return block
    paired = dict(zip(bullets, prints, strict=True))
    return replace(
        block, claims=tuple(replace(c, statement_line=paired[c]) if c in paired else c for c in block.claims)
    )


def _printed_then_traceback(content: str, *, catches: bool) -> tuple[str, str]:
    """(what was printed, the traceback after it): a script's output shows its prints, then the error."""
    lines = content.split("\n")
    start = next((n for n, line in enumerate(lines) if _TRACEBACK_START.match(line)), None)
    if start is None:  # a lone `RuntimeError: ...` line after what was printed: the author cut the traceback
        cut = not catches and ":" in lines[-1] and ERROR_LAST_LINE.fullmatch(lines[-1].strip()) is not None
        start = len(lines) - 1 if cut else 0
    return "\n".join(lines[:start]).rstrip(), "\n".join(lines[start:])


def _reads_printed(text: str) -> bool:
    """Printed text, not prose: no CJK, not code, and it opens as a repr does (`Net(`, `[`, `<`); values such as
    numbers are `_values_only`'s (a sentence may start with a number: "3 things to note")."""
    if CJK.search(text) or _is_code(text, strict=True):
        return False
    return re.match(r"(?:[A-Za-z_][\w.]*\(|[\[{(<])", text) is not None


def output_claims(part: Block, *, catches: bool) -> list[Claim]:
    """The claims an output block makes: what was printed, and, for a traceback, the error raised."""
    start = part.line + (1 if part.kind == "fence" else 0)  # a fence's text starts below its opening line
    lines = part.code.split("\n")
    first = next(n for n, line in enumerate(lines) if line.strip())
    if _labelled_quote(part):  # its output starts under the label line
        first = next(n for n, line in enumerate(lines) if n > first and line.strip())
    form = OUTPUT_FORMS[part.kind]
    content = _content(part)
    if part.kind == "item" and (bullet := _bullet_value(content)) is not None:
        value, remark = bullet
        if error := read_traceback(value):
            kind, message, _ = error
            return [new_claim("exception", start + first, value, form, None, exception=(kind, message))]
        return [replace(new_claim("printed", start + first, value, form, None), annotation=remark)]
    printed, traceback = _printed_then_traceback(content, catches=catches)
    if (error := read_traceback(traceback)) is None:
        printed, traceback = content, ""
    claims: list[Claim] = []
    if printed:
        text, annotation = trimmed_value(printed)
        line = start + first + content[: max(content.find(text), 0)].count("\n")
        claim = new_claim("printed", line, text, form, None)
        claims.append(replace(claim, annotation=annotation, before_error=error is not None))
    if error is not None:
        kind, message, offset = error
        text = traceback.split("\n")[offset].strip()
        line = start + first + content[: len(content) - len(traceback)].count("\n") + offset
        claim = new_claim("exception", line, text, form, None, exception=(kind, message))
        claims.append(replace(claim, first_line=line - offset))
    return claims


def _is_code(text: str, *, strict: bool) -> bool:
    """Code rather than output: imports, defs, loops, prints (and, when strict, assignments)."""
    tree = parse_code(text)
    if tree is None:
        return False
    kinds: tuple[type[ast.AST], ...] = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef)
    kinds += (ast.ClassDef, ast.For, ast.While, ast.With)
    if strict:
        kinds += (ast.Assign, ast.AugAssign, ast.AnnAssign)
    for node in ast.walk(tree):
        if isinstance(node, kinds):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            return True
    return False


_TORCH_NAMES = frozenset({"torch", "nn", "F", "optim", "torchvision"})


def is_code_part(part: Block, *, prompted: bool = False) -> bool:
    """A python fence, a REPL transcript, or an unlabelled fence whose text is python code that uses torch; an
    indented code block (old Stack Overflow posts, pages converted from PDF) is read as an unlabelled fence.
    `prompted`: an `In [3]:` prompt stands above it, so python that does not name torch is code too."""
    if part.kind == "pre":  # a wiki's `<pre lang="python">`
        return part.is_python
    if part.kind == "paragraph":  # pasted without a fence: python that calls print or names torch, nothing less
        tree = parse_code(part.code)
        if tree is None or not tree.body or _values_only(part.code):
            return False
        prints = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print" for n in ast.walk(tree)
        )
        return prints or _unlabelled_code(part.code)
    if part.kind == "indented" or (part.kind == "fence" and part.language == "" and prompted):
        if prompted and (tree := parse_code(part.code)) is not None and tree.body:
            return not _values_only(part.code) or dotted_call(part.code)
        return is_transcript(part.code) or _unlabelled_code(part.code)
    if part.kind != "fence":
        return False
    # A terminal's log (`text`, `console`) of a python REPL reads as the session it shows.
    if part.is_python or (part.language in ("", "doctest", "text", "console", "txt") and is_transcript(part.code)):
        return True
    if shell_script(part) is not None:
        return True
    return part.language == "" and _unlabelled_code(part.code)


# Printed values that read as dotted calls; any other (`loss.item()`, `torch.empty(2, 3)`) is code.
_PRINTED_CALLS = re.compile(r"torch\.(?:Size|device|return_types\.\w+)")


def dotted_call(text: str) -> bool:
    """One expression that calls a dotted name no printed value starts with: code, though it parses like a repr."""
    tree = parse_code(text)
    body = tree.body if tree is not None else []
    node = body[0].value if len(body) == 1 and isinstance(body[0], ast.Expr) else None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    return _PRINTED_CALLS.fullmatch(ast.unparse(node.func)) is None


IN_PROMPT = re.compile(r"\s*In\s*(?:&nbsp;)?\[\s*\d*\s*\]\s*:?\s*")  # a notebook's input prompt, pasted as text


def _unlabelled_code(text: str) -> bool:
    tree = parse_code(text)
    if tree is None or not tree.body or (_values_only(text) and not dotted_call(text)):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in _TORCH_NAMES:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] in ("torch", "torchvision") for m in modules):
                return True
    return False


def _values_only(text: str) -> bool:
    lines = [line for line in text.strip().split("\n") if line.strip()]
    return bool(lines) and (all(is_value(line) for line in lines) or is_value(text))


def shell_script(part: Block) -> tuple[str, list[Example]] | None:
    """A shell session's script and its runs, when the fence is one (harness.notes.shell)."""
    return shell_session(part.language, part.code) if part.kind == "fence" else None

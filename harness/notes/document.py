"""Note: a markdown document and its fenced code blocks, each with its line in the note.

Fences are found by markdown-it (with the admonition plugin), never by matching lines: a fence may sit in a
list item, a blockquote or a `!!! note` admonition, use four backticks, or be left unclosed at the end.
"""

from __future__ import annotations

import ast
import hashlib
import html
import os
import re
import stat
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin

from harness.errors import NoteError
from harness.notes.notebook import is_notebook

__all__ = ["PYTHON_LANGUAGES", "Block", "BlockKind", "block_at", "blocks", "code_hash", "parts", "read_note"]

PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "pycon", "ipython", "ipython3"})

# Only block structure matters here; inline parsing (links, emphasis) is most of the work on a long note.
_MARKDOWN = MarkdownIt("commonmark").use(admon_plugin).enable("table").disable("inline")
# "python{.numberLines}", "python title=x" and Zenn's or Qiita's "python:broadcast.py" (a file's name) are python.
_LANGUAGE = re.compile(r"[^\s{}`:]*")
# MyST (Jupyter Book) fences name a directive: "{code-cell} ipython3", "{code-block} text", "{jupyter-execute}".
_DIRECTIVE = re.compile(r"\{([\w-]+)\}\s*(\S*)")
_PANDOC_CLASS = re.compile(r"\{\s*\.([\w+-]+)")
_CODE_DIRECTIVES = frozenset({"code-cell", "code-block", "code", "sourcecode"})  # their argument is the language
_PYTHON_DIRECTIVES = frozenset({"jupyter-execute", "ipython", "testcode"})
_OUTPUT_TITLE = re.compile(r"outputs?|out|results?|输出|结果|输出结果|运行结果", re.I)
_KNITR_CHUNK = re.compile(r"\{\s*(python|r|bash|sh)\b(?:\s*[,\s]\s*[^}]*)?\}", re.I)
# A directive's options open its body: `:caption: output`, `:tags: [raises-exception]`; so does a `---` block.
_OPTION = re.compile(r"[ \t]*:[\w-]+:.*")
# Obsidian callouts open a quote with `[!note] Output`: the marker line is the quote's title, not its text.
_CALLOUT = re.compile(r"\[![\w-]+\][+-]?(?:[ \t].*)?")


# Where a block's text comes from: a fence; an indented code block (nbconvert writes outputs so); a paragraph
# of a block quote (some authors quote what was printed).
# A plain paragraph (some authors paste what was printed as prose after a label such as "运行结果：").
# An HTML `<pre>` block (blogs put what was printed in `<pre class="output">`).
# A row of a table (cheat sheets put an expression and its result side by side): its cells, under its header's.
# A list item's text (outliners such as Logseq put what was printed in the bullet under the code).
BlockKind = Literal["fence", "indented", "quote", "paragraph", "pre", "row", "item"]


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence (of the first text line for indented and quoted blocks)
    language: str  # first word of the info string, lower-cased ("" when unlabelled)
    code: str
    end: int = 0  # 1-based last line of the block: its closing fence, or the note's last line when unclosed
    kind: BlockKind = "fence"
    cells: tuple[str, ...] = ()  # a table row's cells as written
    header: tuple[str, ...] = ()  # its table's header cells

    @property
    def is_python(self) -> bool:
        return self.language in PYTHON_LANGUAGES

    @property
    def sha256(self) -> str:
        return code_hash(self.code)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def read_note(path: Path) -> str:
    """The note's text; NoteError (bad input, exit 2) when there is no file to read."""
    try:
        # O_NONBLOCK: opening a FIFO named like a note must not wait for a writer that never comes.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise NoteError(path, "no such note") from None
    except IsADirectoryError:
        raise NoteError(path, "is a folder, not a note") from None
    except OSError as exc:  # a symlink loop (ELOOP), no permission
        raise NoteError(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        kind = os.fstat(fd).st_mode
        if stat.S_ISDIR(kind):
            raise NoteError(path, "is a folder, not a note")
        if not stat.S_ISREG(kind):
            raise NoteError(path, "is not a regular file (a FIFO, a socket or a device): give the note's file")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise NoteError(path, f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    # Notes come from anywhere: undecodable bytes must not stop us from reading the rest.
    text = data.decode("utf-8", errors="replace")
    if path.suffix.lower() == ".ipynb" and not is_notebook(text):  # its JSON is read by read_code_blocks
        raise NoteError(path, "not a notebook: a .ipynb file holds a JSON object with the notebook's cells")
    return text


# Blog engines' code tags, each alone on its line: Jekyll `{% highlight python %}`, Hexo `{% codeblock lang:py %}`,
# Hugo `{{< highlight python >}}`. Read as the fences they render to, line for line.
_OPEN_TAG = re.compile(
    r"[ \t]*(?:\{%-?\s*(?:highlight\s+(\w+)|codeblock\b(?:[^%]*?\blang:(\w+))?)[^%]*-?%\}"
    r"|\{\{<\s*highlight\s+(\w+)[^>]*>\}\})[ \t]*$",
    re.MULTILINE,
)
_CLOSE_TAG = re.compile(
    r"[ \t]*(?:\{%-?\s*(?:endhighlight|endcodeblock)\s*-?%\}|\{\{<\s*/\s*highlight\s*>\}\})[ \t]*$", re.MULTILINE
)
_PRE = re.compile(r"\s*<pre\b([^>]*)>", re.I)
# `<pre lang="python">`, `<pre class="python">`, `<pre><code class="language-python">`: code, not an output.
_PRE_PYTHON = re.compile(
    r"""^(?:[^>]*\b(?:lang|class|data-lang)\s*=\s*["']?(?:language-|lang-)?(?:python3?|py)\b)""", re.I
)


# WordPress shortcodes: `[code language="python"]` ... `[/code]`, `[sourcecode lang="py"]`, `[python]`. Their text
# is stored HTML-escaped (`&gt;&gt;&gt; x`), as the editor saved it.
_SHORTCODE = re.compile(
    r"^[ \t]*\[(code|sourcecode|python)\b([^\]\n]*)\][ \t]*\n(.*?)^[ \t]*\[/\1\][ \t]*$", re.MULTILINE | re.S
)
_SHORTCODE_LANGUAGE = re.compile(r"""\b(?:language|lang)\s*=\s*["']?(\w+)""")


def _shortcode_fence(match: re.Match[str]) -> str:
    tag, options, body = match.groups()
    language = "python" if tag == "python" else (m.group(1) if (m := _SHORTCODE_LANGUAGE.search(options)) else "")
    return f"```{language}\n{html.unescape(body)}```"


# MkDocs Material's content tabs: `=== "Output"`, the tab's content indented under it.
_TAB = re.compile(r"([ \t]*)===[!+]?[ \t]+\"([^\"\n]+)\"[ \t]*")


def _content_tabs(text: str) -> str:
    """Each tab's content moved out by its indentation, its title left as a label line (`Output`): the fences in
    a tab read as fences, and the tab's title names what follows as a label would. Line for line."""
    lines = text.split("\n")
    out: list[str] = []
    inside: str | None = None  # the indentation of the tab's content, while in one
    for line in lines:
        tab = _TAB.fullmatch(line)
        if tab is not None:
            out.append(tab.group(1) + tab.group(2))
            inside = tab.group(1) + "    "
        elif inside is not None and (not line.strip() or line.startswith(inside)):
            out.append(line[len(inside) :] if line.strip() else line)
        else:
            inside = None
            out.append(line)
    return "\n".join(out)


def _as_fences(text: str) -> str:
    """The note with blog engines' code tags written as the fences they stand for (the same lines)."""
    if "[/" in text:
        text = _SHORTCODE.sub(_shortcode_fence, text)
    if "===" in text:
        text = _content_tabs(text)
    if "{%" not in text and "{{<" not in text:
        return text
    opened = _OPEN_TAG.sub(lambda m: "```" + (m.group(1) or m.group(2) or m.group(3) or ""), text)
    return _CLOSE_TAG.sub("```", opened)


# What may stand before the <pre> in its HTML block, besides tags: a notebook's output prompt.
_BEFORE_PRE = re.compile(r"(?:Out\s*(?:&nbsp;)?\[\s*\d*\s*\]\s*:)?")


# Tags inside a <pre> that only style its text (nbconvert colours a traceback with ANSI spans); an unescaped `<`
# of a printed repr (`<AddBackward0 object at 0x...>`) is text.
_INLINE_TAG = re.compile(r"</?(?:code|span|b|i|em|strong|font|a|kbd|samp)\b[^<>]*>", re.I)


def _unclosed_pre(content: str) -> bool:
    lowered = content.lower()
    return lowered.count("<pre") > lowered.count("</pre>")


def _pre_across_blank_lines(token: Token, lines: Sequence[str]) -> tuple[Token | None, int]:
    """The HTML block read on to the line that closes its last <pre> (a blank line ends an HTML block in
    markdown, not a <pre>: a traceback nbconvert exported has one), and the line after that."""
    assert token.map is not None
    start = token.map[0]
    end = next((n for n in range(token.map[1], min(len(lines), start + 400)) if "</pre>" in lines[n].lower()), None)
    if end is None:
        return None, 0
    whole = Token("html_block", "", 0, map=[start, end + 1], content="\n".join(lines[start : end + 1]) + "\n")
    return whole, end + 1


def _pres(token: Token) -> list[Block]:
    """An HTML block's `<pre>` texts, their tags and entities undone, each at its `<pre>` tag's line: one at the
    block's start, or several in a notebook export's `<div class="output_area">`s with only tags (and an output
    prompt) around them."""
    assert token.map is not None
    content, lowered = token.content, token.content.lower()
    start, stop = token.map
    found: list[Block] = []
    at = 0
    while (match := _PRE.search(content, at)) is not None:
        end = lowered.find("</pre>", match.end())
        if end < 0 or not _BEFORE_PRE.fullmatch(_TAG.sub("", content[at : match.start()]).strip()):
            break
        code_tag = re.match(r"\s*<code\b([^>]*)>", content[match.end() : end], re.I)
        python = _PRE_PYTHON.match(match.group(1)) or (code_tag is not None and _PRE_PYTHON.match(code_tag.group(1)))
        inner = html.unescape(_INLINE_TAG.sub("", content[match.end() : end]))
        tag = lowered.find("<pre", match.start())  # the pattern's leading space may take a line break
        first = start + 1 + content[:tag].count("\n")
        last = start + content[:end].count("\n") + 1
        session = inner.lstrip("\n").startswith(">>> ")  # a REPL session pasted in a <pre>
        if python or session:  # a block's line is the one above its code: the <pre> line when the code starts below it
            below = inner.startswith("\n")
            found.append(Block(first if below else first - 1, "python", inner[below:] + "\n", last, "pre"))
        else:
            found.append(Block(first, "", inner + "\n", last, "pre"))
        at = end + len("</pre>")
    if found:
        found[-1] = replace(found[-1], end=stop)
    return found


_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?>")

# An HTML `<table>` (Joplin, Evernote, a wiki's editor), read as a markdown table is: its rows, `<th>` cells
# the header, a `<code>` cell inline code.
_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr\s*>", re.I | re.S)
_HTML_CELL = re.compile(r"<(t[hd])\b[^>]*>(.*?)</t[hd]\s*>", re.I | re.S)
_HTML_CODE = re.compile(r"<code\b[^>]*>(.*?)</code\s*>", re.I | re.S)


def _as_inline_code(text: str) -> str:
    """HTML's `<code>x</code>` written as markdown's `` `x` ``."""
    return _HTML_CODE.sub(lambda code: f"`{code.group(1)}`", text)


def _html_rows(token: Token) -> list[Block]:
    assert token.map is not None
    content = token.content
    if "<table" not in content.lower():
        return []
    header: tuple[str, ...] = ()
    found: list[Block] = []
    for row in _HTML_ROW.finditer(content):
        cells = _HTML_CELL.findall(row.group(1))
        text = tuple(html.unescape(_TAG.sub("", _as_inline_code(cell))).strip() for _, cell in cells)
        if cells and all(kind.lower() == "th" for kind, _ in cells):
            header = text
        elif text:
            line = token.map[0] + 1 + content[: row.start()].count("\n")
            found.append(Block(line, "", "", line, "row", cells=text, header=header))
    return found


def _callout(token: Token) -> Block | None:
    """The text inside an HTML block, as a paragraph: Notion's `<aside>` holds a callout's text with no blank line
    after the tag, so markdown reads it as HTML. Lines that are only tags are blanked; the rest keep their line."""
    assert token.map is not None
    lines = [_TAG.sub("", line) if not _TAG.sub("", line).strip() else line for line in token.content.split("\n")]
    # A blog's HTML paragraphs (`<p>... <code>tensor(0.3185)</code></p>`): inline code as markdown writes it.
    lines = [html.unescape(_as_inline_code(line)) for line in lines]
    text = [n for n, line in enumerate(lines) if line.strip()]
    if not text:
        return None
    first, last = text[0], text[-1]
    start = token.map[0]
    return Block(start + first + 1, "", "\n".join(lines[first : last + 1]) + "\n", start + last + 1, "paragraph")


def _language(info: str) -> str:
    info = info.strip()
    if pandoc := _PANDOC_CLASS.match(info):  # pandoc's attributes: ``` {.python .cell-code}
        return pandoc.group(1).lower()
    if chunk := _KNITR_CHUNK.fullmatch(info):  # R Markdown's ```{python, echo=FALSE}: the chunk's engine
        return chunk.group(1).lower()
    if directive := _DIRECTIVE.match(info):
        name, argument = directive.group(1).lower(), directive.group(2).lower()
        if name in _CODE_DIRECTIVES:
            return argument or ("python" if name == "code-cell" else "")
        if _OUTPUT_TITLE.fullmatch(argument):  # ```{admonition} Output: a box titled as the output
            return "output"
        return "python" if name in _PYTHON_DIRECTIVES else "{" + name + "}"
    match = _LANGUAGE.match(info)
    # HackMD's ```python= (line numbers, from 101 with `=101`) and ```python! (wrapped lines) are python.
    return re.sub(r"(?:=\d*|!)$", "", match.group(0).lower()) if match else ""


def _fence(token: Token) -> Block:
    assert token.map is not None
    start, stop = token.map
    code = token.content
    if token.info.lstrip().startswith("{"):
        code = _without_options(code)
    language, listing = _language(token.info), _without_line_numbers(code)
    if listing is not code and language == "":  # numbered lines of python: a listing, whatever its fence says
        language = "python"
    if language in ("diff", "patch") and (changed := _new_side(code)) is not None:
        language, listing = "python", changed
    return Block(line=start + 1, language=language, code=listing, end=stop)


def _new_side(diff: str) -> str | None:
    """A `diff` fence of python as the code reads after the change: its context and `+` lines, each on its own
    line, the `-` lines and the hunk headers blank. None when that is not python."""
    lines = diff.split("\n")
    if not any(line.startswith("+") for line in lines):
        return None
    kept = [
        "" if line.startswith(("-", "@@", "+++", "---", "diff ", "index ")) else line[1:] if line[:1] in "+ " else line
        for line in lines
    ]
    code = "\n".join(kept)
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    return code


_NUMBERED = re.compile(r"(\d+)( +|$)")


def _without_line_numbers(code: str) -> str:
    """A listing copied from a book or a PDF with its line numbers (`1  import torch`, `2  x = ...`, `3` on a
    blank line): the code without them, line for line. Numbered means every line starts with the next number,
    the code after them starts in one column, and what is left is python with statements (not a log whose
    lines start with an epoch's number)."""
    lines = code.rstrip("\n").split("\n")
    numbered = [m for line in lines if (m := _NUMBERED.match(line)) is not None]
    if len(lines) < 3 or len(numbered) < len(lines):
        return code
    first = int(numbered[0].group(1))
    if [int(m.group(1)) for m in numbered] != list(range(first, first + len(lines))):
        return code
    column = min((m.end() for m in numbered if m.group(2)), default=0)
    margins = [(line[:column].strip(), m.group(1)) for line, m in zip(lines, numbered, strict=True)]
    if column == 0 or any(margin not in ("", number) for margin, number in margins):
        return code
    stripped = "\n".join(line[column:] for line in lines) + "\n"
    try:
        tree = ast.parse(stripped)
    except (SyntaxError, ValueError):
        return code
    return stripped if any(isinstance(node, _STATEMENTS) or _is_print(node) for node in ast.walk(tree)) else code


# What a listing holds and a printed log never does (`0 tensor([...])` per epoch reads as bare expressions).
_STATEMENTS = (
    ast.Import,
    ast.ImportFrom,
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.FunctionDef,
    ast.ClassDef,
    ast.For,
    ast.While,
    ast.With,
    ast.If,
)


def _is_print(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"


def _without_options(code: str) -> str:
    """A directive's body with its leading option lines blanked: the code's lines keep their note lines."""
    lines = code.split("\n")
    count = 0
    if lines and lines[0].strip() == "---":  # a YAML options block, up to the next `---`
        count = next((n + 1 for n, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
    while count < len(lines) and _OPTION.fullmatch(lines[count]):
        count += 1
    return "\n" * count + "\n".join(lines[count:])


def blocks(text: str) -> list[Block]:
    """Every fenced block, in order; markdown-it finds fences inside lists, quotes and admonitions too."""
    text = _as_fences(text)
    if "```" not in text and "~~~" not in text:  # no fence can open: skip parsing a long prose note
        return []
    found: list[Block] = []
    for token in _MARKDOWN.parse(text):
        if token.type == "fence" and token.map is not None:
            found.append(_fence(token))
    return found


def parts(text: str) -> list[Block]:
    """Fences, indented code blocks, block-quote and plain paragraphs, in note order: where code and its output lie.

    A paragraph's text is its lines as written (markdown drops their indentation: a printed repr's padding)."""
    text = _as_fences(text)
    if not any(mark in text for mark in ("`", "~~~", "    ", ">", "|", "print(", "import ")):  # nothing to read
        return []
    lines: list[str] | None = None
    header: tuple[str, ...] = ()
    row: list[str] | None = None  # the cells of the table row being read
    row_line = 0  # the note's lines, split when a plain paragraph needs them
    found: list[Block] = []
    quote_depth = list_depth = 0
    skip_until = 0  # the line a <pre> read across blank lines ends on
    tokens = _MARKDOWN.parse(text)
    for index, token in enumerate(tokens):
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type == "tr_open":
            row, row_line = [], (token.map or [0])[0] + 1
        elif token.type == "tr_close" and row is not None:
            if tokens[index - 1].type == "th_close":
                header = tuple(row)
            else:
                found.append(Block(row_line, "", "", row_line, "row", cells=tuple(row), header=header))
            row = None
        elif token.type == "inline" and row is not None:
            row.append(token.content.replace("\\|", "|").strip())
        elif token.map is None:
            continue
        elif token.type == "fence":
            found.append(_fence(token))
        elif token.type == "code_block":
            start, stop = token.map
            # Inside a list item the block keeps what its indentation exceeds the item's by (` onehot = ...`).
            found.append(Block(start + 1, "", textwrap.dedent(token.content), stop, "indented"))
        elif token.map[0] < skip_until:
            continue  # inside a <pre> that a blank line split into several HTML blocks
        elif token.type == "html_block" and (rows := _html_rows(token)):
            found += rows
        elif token.type == "html_block" and _unclosed_pre(token.content):
            lines = lines if lines is not None else text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            whole, skip_until = _pre_across_blank_lines(token, lines)
            found += _pres(whole) if whole is not None else []
        elif token.type == "html_block" and (pres := _pres(token)):
            found += pres
        elif token.type == "html_block" and (html_part := _callout(token)) is not None:
            found.append(html_part)
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open":
            start, stop = token.map
            if quote_depth:
                found.append(_quote(start, stop, token.content))
            elif list_depth:
                found.append(Block(start + 1, "", token.content + "\n", stop, "item"))
            else:
                lines = lines if lines is not None else text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                paragraph = lines[start:stop]
                if (results := _org_results(start, stop, paragraph)) is not None:
                    found.append(results)
                    continue
                found.append(Block(start + 1, "", textwrap.dedent("\n".join(paragraph)) + "\n", stop, "paragraph"))
    return found


_ORG_RESULTS = re.compile(r"\s*#\+RESULTS(?:\[[^\]]*\])?:.*", re.I)
_ORG_RESULT_LINE = re.compile(r"\s*:(?: |$)")


def _org_results(start: int, stop: int, lines: Sequence[str]) -> Block | None:
    """org-babel's `#+RESULTS:` and its `: ` lines, exported as they are: an output fence under its label line."""
    if len(lines) < 2 or not _ORG_RESULTS.fullmatch(lines[0]):
        return None
    body = lines[1:]
    if not all(_ORG_RESULT_LINE.match(line) or line.lstrip().startswith("|") for line in body):
        return None
    text = "\n".join(_ORG_RESULT_LINE.sub("", line, count=1) for line in body)
    return Block(start + 1, "", text + "\n", stop, "fence")


def _quote(start: int, stop: int, content: str) -> Block:
    """A block-quote paragraph; an Obsidian callout's `[!note] Output` line is left out, as a label above it."""
    first, _, rest = content.partition("\n")
    if _CALLOUT.fullmatch(first.strip()) and rest.strip():
        return Block(start + 2, "", rest + "\n", stop, "quote")
    return Block(start + 1, "", content + "\n", stop, "quote")


def block_at(text: str, line: int) -> Block | None:
    return next((block for block in blocks(text) if block.line == line), None)

"""Note: a markdown document and its fenced code blocks, each with its line in the note.

Fences are found by markdown-it (with the admonition plugin), never by matching lines: a fence may sit in a
list item, a blockquote or a `!!! note` admonition, use four backticks, or be left unclosed at the end.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from markdown_it import MarkdownIt
from mdit_py_plugins.admon import admon_plugin

from harness.errors import NoteError
from harness.notes.notebook import is_notebook

__all__ = ["PYTHON_LANGUAGES", "Block", "BlockKind", "block_at", "blocks", "code_hash", "parts", "read_note"]

PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "pycon", "ipython"})

# Only block structure matters here; inline parsing (links, emphasis) is most of the work on a long note.
_MARKDOWN = MarkdownIt("commonmark").use(admon_plugin).disable("inline")
_LANGUAGE = re.compile(r"[^\s{}`]*")  # "python{.numberLines}" and "python title=x" are python


# Where a block's text comes from: a fence; an indented code block (nbconvert writes outputs so); a paragraph
# of a block quote (some authors quote what was printed).
BlockKind = Literal["fence", "indented", "quote"]


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence (of the first text line for indented and quoted blocks)
    language: str  # first word of the info string, lower-cased ("" when unlabelled)
    code: str
    end: int = 0  # 1-based last line of the block: its closing fence, or the note's last line when unclosed
    kind: BlockKind = "fence"

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


def _language(info: str) -> str:
    match = _LANGUAGE.match(info.strip())
    return match.group(0).lower() if match else ""


def blocks(text: str) -> list[Block]:
    """Every fenced block, in order; markdown-it finds fences inside lists, quotes and admonitions too."""
    if "```" not in text and "~~~" not in text:  # no fence can open: skip parsing a long prose note
        return []
    found: list[Block] = []
    for token in _MARKDOWN.parse(text):
        if token.type == "fence" and token.map is not None:
            start, stop = token.map
            found.append(Block(line=start + 1, language=_language(token.info), code=token.content, end=stop))
    return found


def parts(text: str) -> list[Block]:
    """Fences, indented code blocks and block-quote paragraphs, in note order: where code and its output lie."""
    if "```" not in text and "~~~" not in text and "    " not in text and ">" not in text:
        return []
    found: list[Block] = []
    quote_depth = 0
    tokens = _MARKDOWN.parse(text)
    for index, token in enumerate(tokens):
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.map is None:
            continue
        elif token.type == "fence":
            start, stop = token.map
            found.append(Block(line=start + 1, language=_language(token.info), code=token.content, end=stop))
        elif token.type == "code_block":
            start, stop = token.map
            found.append(Block(start + 1, "", token.content, stop, "indented"))
        elif token.type == "inline" and quote_depth and tokens[index - 1].type == "paragraph_open":
            start, stop = token.map
            found.append(Block(start + 1, "", token.content + "\n", stop, "quote"))
    return found


def block_at(text: str, line: int) -> Block | None:
    return next((block for block in blocks(text) if block.line == line), None)

"""Note: a markdown document and its fenced code blocks, each with its line in the note."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "pycon", "ipython"})


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence
    language: str  # first word of the info string, lower-cased ("" when unlabelled)
    code: str

    @property
    def is_python(self) -> bool:
        return self.language in PYTHON_LANGUAGES

    @property
    def sha256(self) -> str:
        return code_hash(self.code)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def read_note(path: Path) -> str:
    # Notes come from anywhere: undecodable bytes must not stop us from reading the rest.
    return path.read_bytes().decode("utf-8", errors="replace")


def blocks(text: str) -> list[Block]:
    """Every fenced block, in order; markdown-it finds fences inside lists and quotes too."""
    found: list[Block] = []
    for token in MarkdownIt("commonmark").parse(text):
        if token.type == "fence" and token.map is not None:
            language = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
            found.append(Block(line=token.map[0] + 1, language=language, code=token.content))
    return found


def block_at(text: str, line: int) -> Block | None:
    return next((block for block in blocks(text) if block.line == line), None)

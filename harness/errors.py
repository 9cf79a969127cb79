"""Errors: the one hierarchy of faults. A false claim or a crashing example is a returned Outcome, never one of these.

NoteproofError
├── BadInput                  exit 2: the user's input cannot be used; nothing of it ran
│   ├── SpecError             a malformed spec file (every problem, each at FILE:LINE)
│   ├── NoteError             a note that cannot be read (missing, not text, not a notebook)
│   └── HistoryError          a results history that cannot be opened (missing, corrupt, newer schema, read-only)
└── HarnessError              exit 3: a fault of noteproof itself (the worker died, a bug in the harness)
    └── WorkerDied            the warm worker process stopped
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class NoteproofError(Exception):
    """Base of every error noteproof raises on purpose."""


class BadInput(NoteproofError):
    """The user's input cannot be used (exit 2). The message names the file and, where known, the line."""


@dataclass(frozen=True)
class SpecProblem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class SpecError(BadInput):
    """One or more spec files cannot be used. Nothing should run."""

    def __init__(self, problems: Sequence[SpecProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class NoteError(BadInput):
    """A note that cannot be read or parsed as a note."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path, self.line = Path(path), line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


class HistoryError(BadInput):
    """A results history that cannot be opened or written: missing, corrupt, of a newer schema, read-only."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{path}: {message}")


class HarnessError(NoteproofError):
    """A fault of the harness itself (exit 3), as opposed to a failed example."""


class WorkerDied(HarnessError):
    """The warm worker process stopped while the harness still needed it."""

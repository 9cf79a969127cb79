"""Scoring: the audit's verdicts against a corpus of notes whose claims were labelled by hand.

A corpus is a folder of notes (``.md``, ``.ipynb``), each beside its ``NAME.labels.json``, which maps a claim's
note line to ``{"kind", "label", "reason"}`` (see tests/notes/real/README.md). The label words are the audit's
verdicts as a reader says them: true, false, drifted, unverifiable, blocked.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.audit.note_audit import ClaimVerdict, audit_note
from harness.judge.outcome import Status
from harness.runs.runner import Runner

__all__ = [
    "LABEL_WORDS",
    "NOTE_SUFFIXES",
    "CorpusScore",
    "Miss",
    "corpus_notes",
    "labels_of",
    "score_corpus",
    "score_note",
]

# What a note's file may be called: markdown and its dialects (MDX, Quarto, R Markdown), or a notebook.
NOTE_SUFFIXES = frozenset({".md", ".markdown", ".mdx", ".qmd", ".rmd", ".ipynb"})

LABEL_WORDS = {
    Status.PASSED: "true",
    Status.FAILED: "false",
    Status.DRIFTED: "drifted",
    Status.UNVERIFIABLE: "unverifiable",
    Status.ERROR: "blocked",
    Status.SKIPPED: "skipped",
}


@dataclass(frozen=True)
class Miss:
    note: str
    line: int
    label: str  # "" for a claim the audit found where none is labelled
    verdict: str  # the audit's word, or "not found"
    said: str  # the audit's reason, or the label's

    def __str__(self) -> str:
        if not self.label:
            return f"{self.note}:{self.line}: a claim found where none is labelled"
        return f"{self.note}:{self.line}: labelled {self.label}, audit {self.verdict} [{self.said[:90]}]"


@dataclass(frozen=True)
class CorpusScore:
    table: Counter[tuple[str, str]] = field(default_factory=Counter)  # (label, verdict) -> claims
    misses: tuple[Miss, ...] = ()

    @property
    def right(self) -> int:
        return sum(n for (label, verdict), n in self.table.items() if label == verdict)

    @property
    def total(self) -> int:
        return sum(self.table.values())

    @property
    def share(self) -> float:
        return self.right / max(self.total, 1)

    def report(self) -> str:
        """The score, the confusion table, then every miss."""
        rows = [f"{self.right}/{self.total} judged right ({self.share:.1%})"]
        rows += [
            f"  labelled {label:13s} audit {verdict:13s} {n:4d}" for (label, verdict), n in sorted(self.table.items())
        ]
        return "\n".join(rows + [str(miss) for miss in self.misses])


def corpus_notes(folder: Path) -> list[Path]:
    """The labelled notes of a corpus folder, in name order."""
    notes = (p for p in folder.iterdir() if p.suffix.lower() in NOTE_SUFFIXES and p.name != "README.md")
    return sorted(p for p in notes if (folder / f"{p.stem}.labels.json").exists())


def labels_of(note: Path) -> dict[int, dict[str, str]]:
    rows = json.loads((note.parent / f"{note.stem}.labels.json").read_text(encoding="utf-8"))
    return {int(line): row for line, row in rows.items()}


def score_note(note: Path, claims: Sequence[ClaimVerdict]) -> CorpusScore:
    """One note's verdicts against its labels. A label on any line of a claim's text is that claim's: labellers
    mark a traceback at its first line as often as at its error line."""
    labels = labels_of(note)
    at = {claim.line: claim for claim in claims}
    table: Counter[tuple[str, str]] = Counter()
    misses: list[Miss] = []
    for line, row in sorted(labels.items()):
        claim = at.get(line) or next((c for c in claims if c.lines[0] <= line <= c.lines[1]), None)
        verdict = LABEL_WORDS[claim.status] if claim else "not found"
        table[(row["label"], verdict)] += 1
        if verdict != row["label"]:
            misses.append(Miss(note.name, line, row["label"], verdict, claim.reason if claim else row["reason"]))
    for claim in claims:
        if claim.line not in labels and not any(claim.lines[0] <= line <= claim.lines[1] for line in labels):
            misses.append(Miss(note.name, claim.line, "", LABEL_WORDS[claim.status], claim.reason))
    return CorpusScore(table, tuple(misses))


def score_corpus(folder: Path, runner: Runner) -> CorpusScore:
    """Every labelled note of the folder audited (CPU) and scored."""
    table: Counter[tuple[str, str]] = Counter()
    misses: list[Miss] = []
    for note in corpus_notes(folder):
        score = score_note(note, audit_note(note, runner, devices=("cpu",)).claims)
        table.update(score.table)
        misses += score.misses
    return CorpusScore(table, tuple(misses))

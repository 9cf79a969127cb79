"""The real-notes corpus (tests/notes/real): notes in the styles people really write, every claim labelled by hand.

Reader level: every labelled claim must be found at its line with its kind, and nothing else may be found (a claim
read from prose is noise a user learns to ignore). The verdict each label gives is scored by the audit's tests.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harness import Runner
from harness.audit.scoring import labels_of, score_corpus
from harness.notes.claims import Claim, read_code_blocks
from harness.notes.document import read_note

REAL = Path(__file__).parent / "notes" / "real"
NOTES = sorted(p for p in REAL.iterdir() if p.suffix in (".md", ".ipynb") and p.name != "README.md")
LABELS = frozenset({"true", "false", "drifted", "unverifiable", "blocked"})


def claims_of(note: Path) -> list[Claim]:
    return [claim for block in read_code_blocks(read_note(note), source=str(note)) for claim in block.claims]


def style(note: Path) -> str:
    return note.name.split("_", 1)[0]  # typora_..., nbconvert_..., mkdocs_..., one word per style


@pytest.mark.parametrize("note", NOTES, ids=[p.name for p in NOTES])
def test_every_labelled_claim_is_found_with_its_kind_and_nothing_else(note: Path) -> None:
    labels = labels_of(note)
    found = {claim.line: claim for claim in claims_of(note)}
    missing = sorted(set(labels) - set(found))
    extra = sorted(set(found) - set(labels))
    wrong_kind = [(line, labels[line]["kind"], found[line].kind) for line in labels if line in found
                  and found[line].kind != labels[line]["kind"]]  # fmt: skip
    assert not missing, f"labelled claims not found at lines {missing}"
    assert not extra, f"claims found where none is labelled: {[(n, found[n].text) for n in extra]}"
    assert not wrong_kind, f"(line, labelled, found) kinds differ: {wrong_kind}"


def test_the_corpus_is_big_enough_and_its_labels_are_well_formed(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(NOTES) >= 10
    assert len({style(note) for note in NOTES}) >= 6
    assert any(note.suffix == ".ipynb" for note in NOTES)
    counts: Counter[str] = Counter()
    found = labelled = 0
    for note in NOTES:
        labels = labels_of(note)
        claims = {claim.line: claim for claim in claims_of(note)}
        for line, row in labels.items():
            assert row["label"] in LABELS, f"{note.name}:{line}: label {row['label']!r}"
            assert row["kind"] in ("printed", "exception", "gradients"), f"{note.name}:{line}"
            assert row["reason"].strip(), f"{note.name}:{line}: a label needs its reason"
            counts[row["label"]] += 1
            labelled += 1
            found += line in claims and claims[line].kind == row["kind"]
    with capsys.disabled():
        print(f"\nreal notes: {len(NOTES)} notes in {len({style(n) for n in NOTES})} styles; "
              f"{found}/{labelled} labelled claims found; labels: {dict(sorted(counts.items()))}")  # fmt: skip
    assert labelled >= 150
    assert set(counts) == LABELS  # every label occurs


# -- the audit against the labels: the bar is 95% judged the way a careful reader would ---------------------------


def test_the_audit_judges_at_least_95_percent_of_labelled_claims_right(
    runner: Runner, capsys: pytest.CaptureFixture[str]
) -> None:
    score = score_corpus(REAL, runner)
    with capsys.disabled():
        print("\naudit vs labels: " + score.report())
    assert score.total >= 150
    assert score.share >= 0.95, "\n".join(map(str, score.misses))

"""The blind corpus (tests/notes/unseen): notes written and labelled by people who never read the reader.

It stands for the public notes the audit meets in use: the reader's forms were built on tests/notes/real, and
this corpus judges whether they carry over to notes nobody on the reader's side wrote. Same bar as the real one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import Runner
from harness.audit.scoring import CorpusScore, corpus_notes, score_corpus

UNSEEN = Path(__file__).parent / "notes" / "unseen"


def test_the_blind_corpus_spans_styles_and_claims() -> None:
    notes = corpus_notes(UNSEEN)
    assert len(notes) >= 6
    assert any(note.suffix == ".ipynb" for note in notes)


@pytest.fixture(scope="module")
def score(runner: Runner) -> CorpusScore:
    return score_corpus(UNSEEN, runner)


def test_the_blind_corpus_does_not_slip_below_what_it_is_judged_today(
    score: CorpusScore, capsys: pytest.CaptureFixture[str]
) -> None:
    """A floor, not issue 7's bar. The bar is 95% on a batch scored before anyone reads it: each batch's blind
    first score is in the README, and the fifth to thirteenth (1398 claims) scored 40% to 61% blind. The
    whole corpus, every batch read, is judged 1607/1905 (84.4%); this holds it there (a little noise allowed: a
    few claims draw from the OS's entropy)."""
    with capsys.disabled():
        print("\nblind corpus: " + score.report())
    assert score.total >= 1900
    assert score.share >= 0.835, "\n".join(map(str, score.misses))

"""Score the audit against a labelled corpus: each note beside its NAME.labels.json (see tests/notes/real/README.md).

    python benchmarks/score_corpus.py tests/notes/unseen

Prints judged-right / labelled, the confusion table and every miss (a claim found where none is labelled too).
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness import Runner
from harness.audit.scoring import score_corpus


def main(folder: Path) -> None:
    with Runner(slots=2, timing=False) as runner:
        print(score_corpus(folder, runner).report())


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/notes/unseen"))

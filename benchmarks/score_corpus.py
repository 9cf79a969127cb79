"""Score the audit against a labelled corpus: each note beside its NAME.labels.json (see tests/notes/real/README.md).

    python benchmarks/score_corpus.py tests/notes/unseen

Prints judged-right / labelled, the confusion table and every miss (a claim found where none is labelled too).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from harness import Runner, Status
from harness.audit.note_audit import audit_note

WORD = {
    Status.PASSED: "true",
    Status.FAILED: "false",
    Status.DRIFTED: "drifted",
    Status.UNVERIFIABLE: "unverifiable",
    Status.ERROR: "blocked",
    Status.SKIPPED: "skipped",
}


def main(folder: Path) -> None:
    table: Counter[tuple[str, str]] = Counter()
    misses: list[str] = []
    notes = sorted(p for p in folder.iterdir() if p.suffix in (".md", ".ipynb") and p.name != "README.md")
    with Runner(slots=2, timing=False) as runner:
        for note in notes:
            labels_file = folder / f"{note.stem}.labels.json"
            if not labels_file.exists():
                continue
            claims = audit_note(note, runner).claims
            verdicts = {claim.line: claim for claim in claims}
            labels = {int(line): row for line, row in json.loads(labels_file.read_text(encoding="utf-8")).items()}
            for line, row in labels.items():
                # A label on any line of a claim's text is that claim's: labellers mark a traceback at its first
                # line, or each printed line of one output block.
                claim = verdicts.get(line) or next((c for c in claims if c.lines[0] <= line <= c.lines[1]), None)
                verdict = WORD[claim.status] if claim else "not found"
                table[(row["label"], verdict)] += 1
                if verdict != row["label"]:
                    said = f" [{claim.reason[:80]}]" if claim else ""
                    misses.append(f"{note.name}:{line}: labelled {row['label']}, audit {verdict}{said}")
            extra = sorted(c.line for c in claims if not any(c.lines[0] <= line <= c.lines[1] for line in labels))
            misses += [f"{note.name}:{line}: a claim found where none is labelled" for line in extra]
    right = sum(n for (label, verdict), n in table.items() if label == verdict)
    total = sum(table.values())
    print(f"{right}/{total} judged right ({right / max(total, 1):.1%})")
    for (label, verdict), n in sorted(table.items()):
        print(f"  labelled {label:13s} audit {verdict:13s} {n:4d}")
    print("\n".join(sorted(misses)))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/notes/unseen"))

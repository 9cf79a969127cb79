"""How fast the reader reads a 5 MB note (goal: 5 s or less), two ways: the test corpus repeated, and 6,000
distinct blocks. Run: `python benchmarks/read_notes.py`."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from harness.notes.claims import read_code_blocks

NOTES = Path(__file__).resolve().parents[1] / "tests" / "notes"
SIZE = 5_000_000


def _repeated_corpus() -> str:
    unit = "\n\n".join(p.read_text() for p in sorted(NOTES.glob("*.md")) if "unclosed" not in p.name) + "\n\n"
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


def _distinct_blocks() -> str:
    prose = "这一段解释上面的代码在做什么，以及为什么 loss 会变小。" * 12
    text = "".join(
        f"## 第{i}节\n\n{prose}\n\n```python\nimport torch\n"
        f"x{i} = torch.ones({i % 5 + 1})\nprint(x{i}.sum())  # tensor({i % 5 + 1}.)\n```\n\n"
        for i in range(6000)
    )
    return (text * (SIZE // len(text) + 1))[:SIZE]


def main() -> None:
    for name, text in (("corpus x N", _repeated_corpus()), ("6000 distinct blocks", _distinct_blocks())):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            read_code_blocks(text)
            times.append(time.perf_counter() - start)
        print(f"{name:22s} median {statistics.median(times):.2f} s (goal 5 s)  samples {[round(t, 2) for t in times]}")


if __name__ == "__main__":
    main()

"""What changed between two runs, row by row (a row is one example on one device). Pure: outcomes in, a diff out.

Rows pair up by (spec id, device). An audited block that moved within its note (a block added above it changes
its id `note.md#5` to `note.md#6`) still pairs with its earlier self by its content hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.judge.outcome import Outcome, Status

# A row is slower only when its new median is this much above the old one AND the two interquartile ranges
# do not overlap: timing noise of a few percent, or a single noisy repeat, is not a regression.
SLOWER_RATIO = 1.10
_HOLDS = (Status.PASSED, Status.DRIFTED)  # the claim holds (drifted: in substance, with a changed printed form)


@dataclass(frozen=True)
class RowChange:
    spec_id: str  # the newer row's id, when there is one
    device: str
    before: Outcome | None
    after: Outcome | None


@dataclass(frozen=True)
class RunDiff:
    new_failures: tuple[RowChange, ...]  # failed or error now; was not before
    fixed: tuple[RowChange, ...]  # holds now (passed or drifted); was failed or error before
    changed: tuple[RowChange, ...]  # any other change of status (passed -> drifted, error -> skipped, ...)
    slower: tuple[RowChange, ...]  # timed both times, and clearly slower now (see SLOWER_RATIO)
    added: tuple[RowChange, ...]  # only in the newer run
    removed: tuple[RowChange, ...]  # only in the older run


def is_slower(before: Outcome, after: Outcome) -> bool:
    if before.timing is None or after.timing is None:
        return False
    old, new = before.timing, after.timing
    clearly_above = new.median_s - new.iqr_s / 2 > old.median_s + old.iqr_s / 2
    return new.median_s > old.median_s * SLOWER_RATIO and clearly_above


def _content_key(outcome: Outcome) -> tuple[str, str, str] | None:
    block = outcome.block
    return (block.note, block.content_hash, outcome.device) if block is not None else None


def _pairs(before: Sequence[Outcome], after: Sequence[Outcome]) -> tuple[list[RowChange], list[RowChange]]:
    """Paired rows (both sides present) and unpaired ones (one side None).

    Audited blocks pair by content first: the old `#1` that moved to `#2` is `#2`'s earlier self, and the block
    inserted at `#1` is new, not a change of the old `#1`. Everything else pairs by (spec id, device).
    """
    old = {(o.spec_id, o.device): o for o in before}
    by_content: dict[tuple[str, str, str], tuple[str, str]] = {}
    for old_key, outcome in old.items():
        content = _content_key(outcome)
        if content is not None:
            by_content.setdefault(content, old_key)
    paired: dict[int, RowChange] = {}  # by position in `after`
    for position, outcome in enumerate(after):
        content = _content_key(outcome)
        if content is None:
            continue
        same = (outcome.spec_id, outcome.device)
        key: tuple[str, str] | None = same
        if same not in old or _content_key(old[same]) != content:
            key = by_content.get(content)
        if key is not None and key in old:  # not taken already by a block of the same content
            paired[position] = RowChange(outcome.spec_id, outcome.device, old.pop(key), outcome)
    unpaired: list[RowChange] = []
    for position, outcome in enumerate(after):
        if position in paired:
            continue
        previous = old.pop((outcome.spec_id, outcome.device), None)
        row = RowChange(outcome.spec_id, outcome.device, previous, outcome)
        if previous is None:
            unpaired.append(row)
        else:
            paired[position] = row
    unpaired += [RowChange(o.spec_id, o.device, o, None) for o in old.values()]
    return list(paired.values()), unpaired


def _sorted(rows: Iterable[RowChange]) -> tuple[RowChange, ...]:
    return tuple(sorted(rows, key=lambda r: (r.spec_id, r.device)))


def diff_outcomes(before: Sequence[Outcome], after: Sequence[Outcome]) -> RunDiff:
    paired, unpaired = _pairs(before, after)
    new_failures, fixed, changed = [], [], []
    for row in paired:
        assert row.before is not None and row.after is not None
        old, new = row.before.status, row.after.status
        if new.is_problem and not old.is_problem:
            new_failures.append(row)
        elif old.is_problem and new in _HOLDS:
            fixed.append(row)
        elif old != new:
            changed.append(row)
    return RunDiff(
        new_failures=_sorted(new_failures),
        fixed=_sorted(fixed),
        changed=_sorted(changed),
        slower=_sorted(r for r in paired if r.before and r.after and is_slower(r.before, r.after)),
        added=_sorted(r for r in unpaired if r.before is None),
        removed=_sorted(r for r in unpaired if r.after is None),
    )

"""What front ends ask the history: runs by kind and covers, filtered outcomes, one example across runs
(an audited block followed by its content hash), the diff of two runs, and named baselines. No torch needed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from harness import CheckResult, History, HistoryError, Location, Outcome, Status, Timing
from harness.history.diff import diff_outcomes, is_slower
from harness.judge.outcome import BlockRecord, ClaimRecord, ErrorRecord, FixRecord, NoteEdit

NOTE = "notes/loss.md"


def _row(spec_id: str, device: str = "cpu", status: Status = Status.PASSED, **fields: object) -> Outcome:
    check = CheckResult("value", status, "result == 0.6667", "tensor(0.666667)", "", 12)
    outcome = Outcome.summarise((check,), spec_id=spec_id, device=device, location=Location(NOTE, 12), spec_path="")
    return replace(outcome, **fields)  # type: ignore[arg-type]


def _block(index: int, code_hash: str, *, runs: bool = True) -> BlockRecord:
    error = None if runs else ErrorRecord("NameError", "name 'Loss' is not defined", 14)
    fixes = () if runs else (FixRecord("`Loss` -> `loss`", "line 14 calls `Loss`", (NoteEdit(14, ("a",), ("b",)),)),)
    claim = ClaimRecord(15, "printed", "trailing-comment", "tensor(0.6667)", "tensor(0.6667)", Status.PASSED, "", ())
    return BlockRecord(NOTE, index, 10 * index, code_hash, runs, error, fixes, None, (), "block", (claim,))


def _audited(index: int, code_hash: str, device: str = "cpu", status: Status = Status.PASSED) -> Outcome:
    return _row(f"{NOTE}#{index}", device, status, block=_block(index, code_hash, runs=status == Status.PASSED))


def _run(history: History, rows: list[Outcome], kind: str = "run", covers: tuple[str, ...] = ()) -> int:
    run_id = history.start_run({}, "noteproof test", kind=kind, covers=covers)  # type: ignore[arg-type]
    for row in rows:
        history.record(run_id, row)
    history.finish_run(run_id, "complete")
    return run_id


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History.open_writer(tmp_path / "h.sqlite")


def test_runs_by_kind_and_covers_and_the_previous_run_of_the_same_kind_and_covers(history: History) -> None:
    first = _run(history, [], "audit", (NOTE,))
    other_note = _run(history, [], "audit", ("notes/cnn.md",))
    plain = _run(history, [], "run", ())
    second = _run(history, [], "audit", (NOTE, NOTE))  # duplicates fold: the same covers as `first`
    assert [r.id for r in history.runs()] == [second, plain, other_note, first]
    assert [r.id for r in history.runs(kind="audit", covering=NOTE)] == [second, first]
    assert [r.id for r in history.runs(kind="run")] == [plain]
    assert history.runs(covering="notes/none.md") == []
    latest = history.latest_run(kind="audit")
    assert latest is not None and latest.id == second and latest.kind == "audit" and latest.covers == (NOTE,)
    previous = history.previous_run(second)
    assert previous is not None and previous.id == first
    assert history.previous_run(first) is None
    assert history.previous_run(plain) is None  # no earlier plain run: an audit is not its predecessor
    with pytest.raises(ValueError, match="unknown run kind"):
        history.start_run({}, "x", kind="lint")  # type: ignore[arg-type]


def test_outcomes_filter_by_status_and_device_and_one_row_is_found_by_key(history: History) -> None:
    rows = [_row("a"), _row("a", "cuda", Status.SKIPPED), _row("b", status=Status.FAILED), _row("c", "cuda")]
    run_id = _run(history, rows)
    assert history.outcomes(run_id) == rows
    assert history.outcomes(run_id, statuses=[Status.FAILED, Status.SKIPPED]) == [rows[1], rows[2]]
    assert history.outcomes(run_id, devices=["cuda"]) == [rows[1], rows[3]]
    assert history.outcomes(run_id, statuses=[Status.PASSED], devices=["cuda"]) == [rows[3]]
    assert history.outcomes(run_id, statuses=[]) == []
    assert history.outcome(run_id, "b", "cpu") == rows[2]
    assert history.outcome(run_id, "b", "cuda") is None
    run = history.run(run_id)
    assert run is not None and run.counts == {"passed": 2, "skipped": 1, "failed": 1}


def test_an_audited_block_round_trips_whole(history: History) -> None:
    row = _audited(3, "h-broken", status=Status.ERROR)
    run_id = _run(history, [row])
    (stored,) = history.outcomes(run_id)
    assert stored == row and stored.block is not None
    assert stored.block.headline == "fails as written; passes with 1 fix"
    assert stored.block.fixes[0].edits == (NoteEdit(14, ("a",), ("b",)),)


def test_example_history_newest_first_by_device_and_limit(history: History) -> None:
    runs = [_run(history, [_row("a", status=s), _row("a", "cuda", Status.SKIPPED), _row("b")]) for s in Status]
    entries = history.example_history("a", "cpu")
    assert [e.run.id for e in entries] == runs[::-1]
    assert [e.outcome.status for e in entries] == list(Status)[::-1]
    assert {e.outcome.spec_id for e in entries} == {"a"}
    assert len(history.example_history("a")) == 2 * len(runs)
    assert [e.run.id for e in history.example_history("a", "cpu", limit=2)] == runs[:-3:-1]
    assert history.example_history("missing") == []


def test_example_history_follows_a_block_that_moved_and_one_edited_in_place(history: History) -> None:
    # run 1: blocks #1 (h1) and #2 (h2); run 2: #2 edited in place (h2b); run 3: a block inserted at #1,
    # so h1 is #2 now and h2b is #3.
    one = _run(history, [_audited(1, "h1"), _audited(2, "h2", status=Status.ERROR)], "audit", (NOTE,))
    two = _run(history, [_audited(1, "h1"), _audited(2, "h2b")], "audit", (NOTE,))
    three = _run(history, [_audited(1, "new"), _audited(2, "h1"), _audited(3, "h2b")], "audit", (NOTE,))

    moved = history.example_history(f"{NOTE}#2")  # h1, which was #1 before the insertion
    assert [(e.run.id, e.outcome.spec_id) for e in moved] == [
        (three, f"{NOTE}#2"),
        (two, f"{NOTE}#1"),
        (one, f"{NOTE}#1"),
    ]

    edited = history.example_history(f"{NOTE}#3")  # h2b, before that h2 at #2
    assert [(e.run.id, e.outcome.spec_id) for e in edited] == [
        (three, f"{NOTE}#3"),
        (two, f"{NOTE}#2"),
        (one, f"{NOTE}#2"),
    ]
    assert edited[-1].outcome.status == Status.ERROR

    # The inserted block is new: the earlier rows at its index belong to the block that moved down.
    assert [e.run.id for e in history.example_history(f"{NOTE}#1")] == [three]


def _timed(median_s: float, iqr_s: float) -> Timing:
    return Timing(median_s, iqr_s, median_s, 10, 100, 1, 1)


def test_slower_only_when_clearly_slower() -> None:
    old = _row("a", timing=_timed(1.0e-3, 0.05e-3))
    assert is_slower(old, _row("a", timing=_timed(1.5e-3, 0.05e-3)))
    assert not is_slower(old, _row("a", timing=_timed(1.05e-3, 0.01e-3)))  # under 10%: noise
    assert not is_slower(old, _row("a", timing=_timed(1.3e-3, 0.6e-3)))  # the spreads overlap
    assert not is_slower(old, _row("a", timing=None))
    assert not is_slower(_row("a", timing=_timed(1.5e-3, 0.05e-3)), old)  # faster is not slower


def test_diff_sorts_rows_into_what_changed(history: History) -> None:
    before = [
        _row("breaks"),
        _row("mended", status=Status.FAILED),
        _row("drifts"),
        _row("steady", timing=_timed(1e-3, 1e-5)),
        _row("gone"),
        _audited(1, "moves", status=Status.ERROR),
    ]
    after = [
        _row("breaks", status=Status.ERROR),
        _row("mended", status=Status.DRIFTED),
        _row("drifts", status=Status.DRIFTED),
        _row("steady", timing=_timed(2e-3, 1e-5)),
        _row("new"),
        _audited(1, "inserted"),
        _audited(2, "moves", status=Status.ERROR),
    ]
    old, new = _run(history, before), _run(history, after)
    diff = history.diff(old, new)

    def keys(rows: tuple[object, ...]) -> list[str]:
        return [r.spec_id for r in rows]  # type: ignore[attr-defined]

    assert keys(diff.new_failures) == ["breaks"]
    assert diff.new_failures[0].before == before[0] and diff.new_failures[0].after == after[0]
    assert keys(diff.fixed) == ["mended"]
    assert keys(diff.changed) == ["drifts"]
    assert keys(diff.slower) == ["steady"]
    # the block that moved from #1 to #2 pairs with itself (unchanged); the inserted #1 is added
    assert keys(diff.added) == ["new", f"{NOTE}#1"]
    assert keys(diff.removed) == ["gone"]
    assert all(r.after is None for r in diff.removed) and all(r.before is None for r in diff.added)
    assert diff_outcomes(before, before) == diff_outcomes([], [])  # nothing changed: every list empty
    with pytest.raises(HistoryError, match="has no run 99"):
        history.diff(old, 99)


def test_baselines_are_named_runs(history: History) -> None:
    first = _run(history, [_row("a", status=Status.FAILED)])
    second = _run(history, [_row("a")])
    history.save_baseline("torch-2.14", first)
    history.save_baseline("release", second)
    assert [o.status for o in history.baseline("torch-2.14")] == [Status.FAILED]
    history.save_baseline("torch-2.14", second)  # saved again: moves to the newer run
    assert [o.status for o in history.baseline("torch-2.14")] == [Status.PASSED]
    assert [(b.name, b.run_id) for b in history.baselines()] == [("release", second), ("torch-2.14", second)]
    with pytest.raises(HistoryError, match=r"no baseline named 'nightly' \(baselines: release, torch-2.14\)"):
        history.baseline("nightly")
    with pytest.raises(HistoryError, match="has no run 42"):
        history.save_baseline("x", 42)
    with pytest.raises(HistoryError, match="needs a name"):
        history.save_baseline("  ", first)

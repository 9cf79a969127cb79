"""One error tree, honest exit codes: 0 all claims hold, 1 a claim is false, 2 bad input, 3 noteproof's own
fault, 130 interrupted. And a fault of noteproof's code inside an example's process is a harness fault, never
the example's crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest
from conftest import SpecWriter

import harness.cli.main as cli
import harness.runs.runner as runner_module
from harness import Runner, Status
from harness.errors import HistoryError, WorkerDied
from harness.history.store import History
from harness.judge.verdict import is_harness_fault
from harness.runs.protocol import Job

L1LOSS = (
    "devices = ['cpu']\n[example]\ncode = '''\nimport torch\n"
    "result = torch.nn.L1Loss()(torch.tensor([1., 2., 3.]), torch.tensor([1., 2., 5.]))\n'''\n"
    '[[expect]]\nkind = "value"\nexpr = "result"\nequals = {claim}\n'
)


def _spec(folder: Path, claim: str) -> Path:
    path = folder / "l1.toml"
    path.write_text(L1LOSS.format(claim=claim))
    return path


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _raiser(exc: BaseException) -> Callable[..., NoReturn]:
    def handler(*args: Any, **kwargs: Any) -> NoReturn:
        raise exc

    return handler


def _without_max_output(job_for: Callable[..., Job]) -> Callable[..., Job]:
    """Jobs that make noteproof's own code in the child raise: `observe` reads job["max_output"]."""

    def broken(*args: Any, **kwargs: Any) -> Job:
        job = job_for(*args, **kwargs)
        del job["max_output"]  # type: ignore[misc]  # the point: a job the child's own code cannot use
        return job

    return broken


# -- 0 and 1: the claims decide -----------------------------------------------------------------


def test_exit_0_when_every_claim_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path, "0.6667")
    assert cli.main(["run", str(spec), "--no-timing", "--history", str(tmp_path / "h.sqlite")]) == cli.EXIT_OK
    assert "1 passed, 0 failed" in capsys.readouterr().out


def test_exit_1_when_a_claim_is_false(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path, "0.9999")
    assert cli.main(["run", str(spec), "--no-timing", "--history", str(tmp_path / "h.sqlite")]) == cli.EXIT_FAILED
    assert "0 passed, 1 failed" in capsys.readouterr().out


# -- 2: bad input, one line naming the file -----------------------------------------------------


@pytest.mark.parametrize("command", ["audit", "fix", "init"])
def test_a_missing_note_exits_2_with_one_line(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note = tmp_path / "nope.md"
    assert cli.main([command, str(note)]) == cli.EXIT_BAD_INPUT
    (line,) = _lines(capsys.readouterr().err)
    assert line == f"error {note}: no such note"


def test_a_folder_given_as_a_note_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["audit", str(tmp_path)]) == cli.EXIT_BAD_INPUT
    (line,) = _lines(capsys.readouterr().err)
    assert line == f"error {tmp_path}: is not a file"


def test_read_note_raises_note_error_for_what_cannot_be_read(tmp_path: Path) -> None:
    from harness.errors import BadInput, NoteError
    from harness.notes.document import read_note

    with pytest.raises(NoteError, match="no such note") as missing:
        read_note(tmp_path / "gone.md")
    assert isinstance(missing.value, BadInput) and missing.value.path == tmp_path / "gone.md"
    with pytest.raises(NoteError, match="is a folder"):
        read_note(tmp_path)


def test_a_malformed_spec_exits_2_one_line_per_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[example]\ncode = 'x = 1'\n\n[[expect]]\nkind = 'value'\nexpr = 'x'\nequals = 1\natoll = 2\nrtoll = 3\n"
    )
    assert cli.main(["list", str(bad)]) == cli.EXIT_BAD_INPUT
    lines = _lines(capsys.readouterr().err)
    assert [line.split(" ", 2)[:2] for line in lines[:2]] == [["spec", "error"], ["spec", "error"]]
    assert f"{bad}:8:" in lines[0] and f"{bad}:9:" in lines[1]
    assert lines[2] == "2 problem(s); nothing was run."


def test_an_unusable_history_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    history = tmp_path / "results.sqlite"
    monkeypatch.setattr(cli, "_show", _raiser(HistoryError(history, "not a noteproof history")))
    assert cli.main(["show", "x", "--history", str(history)]) == cli.EXIT_BAD_INPUT
    (line,) = _lines(capsys.readouterr().err)
    assert line == f"error {history}: not a noteproof history"


# -- 3: noteproof's own fault -------------------------------------------------------------------


@pytest.mark.parametrize("command", ["audit", "fix", "init"])
def test_a_bug_in_audit_fix_or_init_exits_3_with_one_line(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "note.md"
    note.write_text("```python\nprint(1)\n```\n")
    monkeypatch.setattr(cli, "_audit_of", _raiser(RuntimeError("boom\nsecond line")))
    assert cli.main([command, str(note)]) == cli.EXIT_HARNESS
    err = capsys.readouterr().err
    assert _lines(err) == ["noteproof: internal error: RuntimeError: boom; run with --debug for the traceback"]
    assert "Traceback" not in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_prints_the_traceback(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "note.md"
    note.write_text("```python\nprint(1)\n```\n")
    monkeypatch.setattr(cli, "_audit_of", _raiser(RuntimeError("boom")))
    argv = ["--debug", "audit", str(note)] if where == "before" else ["audit", str(note), "--debug"]
    assert cli.main(argv) == cli.EXIT_HARNESS
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "raise exc" in err
    assert _lines(err)[-1] == "noteproof: internal error: RuntimeError: boom"


def test_a_harness_error_exits_3(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_list", _raiser(WorkerDied("the worker process stopped (exit 1): MemoryError")))
    assert cli.main(["list"]) == cli.EXIT_HARNESS
    (line,) = _lines(capsys.readouterr().err)
    assert line.startswith("noteproof: harness error: WorkerDied: the worker process stopped (exit 1)")


def test_a_harness_fault_in_the_child_is_not_the_examples_crash(
    runner: Runner, write_spec: SpecWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write_spec("fine", "print(6 * 7)", '[[expect]]\nkind = "printed"\ntext = "42"')
    monkeypatch.setattr(runner_module, "job_for", _without_max_output(runner_module.job_for))
    (faulty,) = runner.run([spec], devices=("cpu",))
    assert faulty.status == Status.ERROR and is_harness_fault(faulty)
    first, *trace = faulty.message.splitlines()
    assert first == (
        "noteproof's own code failed in the example's process: KeyError: 'max_output'"
        " (a bug in noteproof, not in the example)"
    )
    assert "in observe" in "\n".join(trace)  # the harness's own traceback, for the bug report
    assert "raised" not in faulty.message and "exited with code" not in faulty.message
    monkeypatch.undo()
    (fine,) = runner.run([spec], devices=("cpu",))  # the worker survived it
    assert fine.status == Status.PASSED and not is_harness_fault(fine)


def test_an_example_exiting_with_code_70_is_its_own_crash(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec("exit70", "import os\nos._exit(70)", '[[expect]]\nkind = "printed"\ntext = "x"')
    (outcome,) = runner.run([spec], devices=("cpu",))
    assert outcome.status == Status.ERROR and not is_harness_fault(outcome)
    assert "exited with code 70" in outcome.message


def test_a_harness_fault_row_makes_run_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, history = _spec(tmp_path, "0.6667"), tmp_path / "h.sqlite"
    monkeypatch.setattr(runner_module, "job_for", _without_max_output(runner_module.job_for))
    assert cli.main(["run", str(spec), "--no-timing", "--history", str(history)]) == cli.EXIT_HARNESS
    faults = [line for line in _lines(capsys.readouterr().err) if line.startswith("harness fault")]
    assert faults == [
        "harness fault l1 on cpu: noteproof's own code failed in the example's process: KeyError: 'max_output'"
        " (a bug in noteproof, not in the example)"
    ]
    with History.open_reader(history) as results:  # the row is kept, and still says whose fault it was
        run = results.latest_run()
        assert run is not None
        (stored,) = results.outcomes(run.id)
    assert is_harness_fault(stored)


def test_a_bug_while_running_exits_3_and_the_run_is_not_stored_as_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, history = _spec(tmp_path, "0.6667"), tmp_path / "h.sqlite"
    monkeypatch.setattr(runner_module, "conclude", _raiser(KeyError("observation")))
    assert cli.main(["run", str(spec), "--no-timing", "--history", str(history)]) == cli.EXIT_HARNESS
    assert _lines(capsys.readouterr().err)[-1] == (
        "noteproof: internal error: KeyError: 'observation'; run with --debug for the traceback"
    )
    with History.open_reader(history) as results:
        run = results.latest_run()
        assert run is not None and run.state == "failed"


# -- 130: interrupted ---------------------------------------------------------------------------


def test_ctrl_c_outside_a_run_exits_130(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_list", _raiser(KeyboardInterrupt()))
    assert cli.main(["list"]) == cli.EXIT_INTERRUPTED
    assert _lines(capsys.readouterr().err) == ["interrupted"]

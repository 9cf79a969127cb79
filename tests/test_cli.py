"""The `noteproof` command as a user runs it: exit codes, the table, JSON, history, show, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PROJECT

from harness import History, Status, load_specs
from harness.cli.main import main

pytestmark = pytest.mark.slow


def noteproof(*args: str, cwd: Path = PROJECT, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture(scope="module")
def shipped_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    folder = tmp_path_factory.mktemp("cli")
    history, report = folder / "results.sqlite", folder / "run.json"
    result = noteproof(
        "run", "specs", "--device", "all", "--no-timing", "--json", str(report), "--history", str(history)
    )
    return result, history, report


def test_shipped_specs_exit_0_with_a_table(shipped_run: tuple[subprocess.CompletedProcess[str], Path, Path]) -> None:
    result, _, _ = shipped_run
    assert result.returncode == 0, result.stdout + result.stderr
    assert "l1loss-mean" in result.stdout and "drifted" in result.stdout
    assert "7 passed, 0 failed, 0 error, 1 drifted" in result.stdout


def test_json_has_the_documented_fields(shipped_run: tuple[subprocess.CompletedProcess[str], Path, Path]) -> None:
    _, _, report = shipped_run
    data = json.loads(report.read_text())
    assert data["run"]["state"] == "complete"
    assert data["run"]["environment"]["torch"].startswith("2.")
    rows = {(r["id"], r["device"]): r for r in data["results"]}
    for row in data["results"]:
        assert {"id", "device", "status", "expected", "actual", "message", "location", "timing", "gradients"} <= set(
            row
        )
        assert "median_s" in row["timing"]
    mean = rows[("l1loss-mean", "cpu")]
    assert mean["status"] == "passed" and mean["location"]["line"] == 43
    assert mean["location"]["path"].endswith("000_9f602143f38b0ad7.txt")
    grads = rows[("cnn-backward", "cpu")]["gradients"]
    assert len(grads) == 10 and all(g["none_before"] and not g["none_after"] for g in grads)


def test_history_holds_the_run(shipped_run: tuple[subprocess.CompletedProcess[str], Path, Path]) -> None:
    _, history_path, _ = shipped_run
    with History(history_path) as history:
        run = history.latest_run()
        assert run is not None and run.state == "complete"
        assert run.counts == {"passed": 7, "drifted": 1, "skipped": 8}
        outcomes = history.outcomes(run.id)
    assert len(outcomes) == 16
    backward = next(o for o in outcomes if o.spec_id == "cnn-backward" and o.device == "cpu")
    assert backward.status == Status.PASSED and len(backward.gradients) == 10


def test_show_prints_numbered_source_and_claims(
    shipped_run: tuple[subprocess.CompletedProcess[str], Path, Path],
) -> None:
    _, history, _ = shipped_run
    result = noteproof("show", "l1loss-mean", "--history", str(history))
    assert result.returncode == 0, result.stderr
    assert "L1Loss()" in result.stdout and "tensor(0.6667)" in result.stdout
    # The example's code, every line under its number, in order (as doctest shows a failing example).
    (spec,) = (s for s in load_specs([PROJECT / "specs"]) if s.id == "l1loss-mean")
    wanted = [rf"\s*{number} {re.escape(text)}".rstrip() for number, text in enumerate(spec.code.splitlines(), 1)]
    printed = [line.rstrip() for line in result.stdout.splitlines()]
    start = next((i for i, line in enumerate(printed) if re.fullmatch(wanted[0], line)), None)
    assert start is not None and len(wanted) == 9, result.stdout
    shown = printed[start : start + len(wanted)]
    assert len(shown) == len(wanted) and all(re.fullmatch(w, line) for w, line in zip(wanted, shown, strict=True))
    missing = noteproof("show", "no-such-spec", "--history", str(history))
    assert missing.returncode == 2 and "known ids" in missing.stderr


def test_a_false_claim_exits_1_and_k_selects(tmp_path: Path) -> None:
    spec = tmp_path / "specs"
    spec.mkdir()
    for name, claim in (("right", "0.6667"), ("wrong", "0.9999")):
        (spec / f"{name}.toml").write_text(
            "devices = ['cpu']\n[example]\ncode = '''\nimport torch\n"
            "result = torch.nn.L1Loss()(torch.tensor([1., 2., 3.]), torch.tensor([1., 2., 5.]))\n'''\n"
            f'[[expect]]\nkind = "value"\nexpr = "result"\nequals = {claim}\n'
        )
    history = str(tmp_path / "h.sqlite")
    wrong = noteproof("run", str(spec), "--no-timing", "--history", history)
    assert wrong.returncode == 1
    assert "failed" in wrong.stdout and "0.9999" in wrong.stdout
    right = noteproof("run", str(spec), "-k", "RIGHT", "--no-timing", "--history", history)
    assert right.returncode == 0 and "wrong" not in right.stdout


def test_malformed_spec_exits_2_naming_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[example]\ncode = 'print(1)'\n\n[[expect]]\nkind = 'value'\nexpr = 'x'\nequals = 1\natoll = 2\n")
    assert main(["run", str(bad), "--history", str(tmp_path / "h.sqlite")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:8" in err and "did you mean 'atol'" in err and "nothing was run" in err
    assert not (tmp_path / "h.sqlite").exists()


def test_ctrl_c_keeps_a_consistent_history_and_kills_the_examples(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    (tmp_path / "slow.toml").write_text(
        "devices = ['cpu']\ntimeout = 300\n[example]\ncode = '''\nimport os, time\n"
        f"open({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(300)\n'''\n"
        '[[expect]]\nkind = "printed"\ntext = "never"\n'
    )
    (tmp_path / "quick.toml").write_text(
        "devices = ['cpu']\n[example]\ncode = 'print(1)'\n[[expect]]\nkind = 'printed'\ntext = '1'\n"
    )
    history = tmp_path / "h.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", str(tmp_path), "--no-timing", "--history", str(history)],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.1)
    time.sleep(0.5)  # let the quick example conclude and be recorded
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    example_pid = int(marker.read_text())
    time.sleep(0.2)
    assert not Path(f"/proc/{example_pid}").exists() or "Z" in Path(f"/proc/{example_pid}/stat").read_text().split()[2]
    with History(history) as results:
        run = results.latest_run()
        assert run is not None and run.state == "interrupted"
        assert [o.spec_id for o in results.outcomes(run.id)] == ["quick"]


def test_python_dash_m_and_schema() -> None:
    result = noteproof("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    committed = json.loads((PROJECT / "specs" / "noteproof-spec.schema.json").read_text())
    assert schema == committed


def test_show_links_the_review_page_when_one_is_configured(
    shipped_run: tuple[subprocess.CompletedProcess[str], Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, history, _ = shipped_run
    monkeypatch.delenv("NOTEPROOF_REVIEW_URL", raising=False)
    assert "review: " not in noteproof("show", "l1loss-mean", "--history", str(history)).stdout  # none: no link
    monkeypatch.setenv("NOTEPROOF_REVIEW_URL", "http://reviews.example:8501/")
    result = noteproof("show", "l1loss-mean", "--history", str(history))
    assert "review: http://reviews.example:8501/example?id=l1loss-mean&device=cpu" in result.stdout

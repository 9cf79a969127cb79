"""`noteproof bench` as a user runs it: timing records, baselines saved and compared, a regression caught."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT

from harness import History

pytestmark = pytest.mark.slow

# Sleep-bound examples: their time hardly depends on how busy the shared cores are, so "unchanged" stays the
# same run after run, and `time.sleep(0.02)` added is +200% whatever the load.
STEADY = """
import time
import torch
total = torch.ones(3).sum()
time.sleep(0.01)
"""
NOISY = """
import time
# 10, 40 or 100 ms, by the clock's microsecond (the seeded `random` would repeat one pattern): a wide IQR on purpose
time.sleep((0.01, 0.04, 0.1)[time.perf_counter_ns() // 1000 % 3])
total = 3
"""
SPEC = """\
devices = ["cpu"]
[example]
code = '''{code}'''
[timing]
min_run_time = {min_run_time}
[[expect]]
kind = "value"
expr = "total"
equals = 3
"""


def write_spec(folder: Path, name: str, code: str, min_run_time: float = 0.2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(SPEC.format(code=textwrap.dedent(code), min_run_time=min_run_time))
    return path


def bench(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "bench", *map(str, args)],
        check=False,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "250"},
    )


def rows(report: Path) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in json.loads(report.read_text())["bench"]}


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("bench")
    specs = folder / "specs"
    write_spec(specs, "steady", STEADY)
    write_spec(specs, "work", STEADY)
    write_spec(specs, "noisy", NOISY, min_run_time=0.6)
    history, report = folder / "results.sqlite", folder / "base.json"
    result = bench(specs, "--device", "cpu", "--history", history, "--json", report, "--save", "main")
    return folder, history, result


def test_a_bench_run_records_repeats_and_threads(
    baseline_run: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, history, result = baseline_run
    assert result.returncode == 0, result.stdout + result.stderr
    figures = rows(folder / "base.json")
    steady = figures["steady"]
    assert steady["threads"] == 1  # the spec default, stated
    assert steady["repeats"] >= 5 and steady["number_per_repeat"] >= 1
    assert 0.01 <= steady["median_s"] < 0.05  # the example sleeps 10 ms
    assert "steady" in result.stdout and "median ± IQR" in result.stdout
    with History.open_reader(history) as store:
        run = store.latest_run(kind="bench")
        assert run is not None and run.state == "complete"
        assert [b.name for b in store.baselines()] == ["main"]
        (saved,) = [o for o in store.baseline("main") if o.spec_id == "steady"]
    assert saved.timing is not None and len(saved.timing.samples_s) == steady["repeats"]


def test_a_spec_made_slower_fails_over_20_percent_and_an_unchanged_one_does_not(
    baseline_run: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, history, _ = baseline_run
    write_spec(folder / "specs", "work", STEADY + "time.sleep(0.02)\n")  # made slower on purpose
    report = folder / "slower.json"
    result = bench(
        folder / "specs",
        "--device",
        "cpu",
        "--history",
        history,
        "--compare",
        "main",
        "--fail-over",
        "20%",
        "--json",
        report,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    figures = rows(report)
    assert figures["work"]["verdict"] == "slower" and figures["work"]["change"] > 1.0
    assert figures["steady"]["verdict"] == "same", figures["steady"]["reason"]
    assert "slower than 20%: work on cpu" in " ".join(result.stderr.split())
    assert "steady" not in result.stderr
    assert figures["noisy"]["verdict"] == "too noisy", figures["noisy"]


def test_the_same_comparison_from_the_json_file(
    baseline_run: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, history, _ = baseline_run
    write_spec(folder / "specs", "work", STEADY)  # back as it was
    report = folder / "again.json"
    result = bench(
        folder / "specs",
        "-k",
        "steady",
        "--device",
        "cpu",
        "--history",
        history,
        "--compare",
        folder / "base.json",
        "--fail-over",
        "20",
        "--json",
        report,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert rows(report)["steady"]["verdict"] == "same"
    assert json.loads(report.read_text())["baseline"] == str(folder / "base.json")


def test_threads_come_from_the_option(tmp_path: Path) -> None:
    code = "import torch\nthreads_seen = torch.get_num_threads()\ntotal = 3\n"
    spec = write_spec(tmp_path, "threads", code)
    spec.write_text(spec.read_text() + '[[expect]]\nkind = "value"\nexpr = "threads_seen"\nequals = 2\n')
    report = tmp_path / "threads.json"
    result = bench(spec, "--device", "cpu", "--threads", "2", "--history", tmp_path / "h.sqlite", "--json", report)
    assert result.returncode == 0, result.stdout + result.stderr  # the example itself saw two threads
    assert rows(report)["threads"]["threads"] == 2


def test_an_unknown_baseline_name_is_exit_2_naming_the_saved_ones(
    baseline_run: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, history, _ = baseline_run
    result = bench(folder / "specs", "--history", history, "--compare", "nightly")
    assert result.returncode == 2
    assert "no baseline named 'nightly'" in result.stderr and "main" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("content", "message"), [(None, "no such baseline file"), ("{oops", "not JSON")])
def test_a_bad_baseline_file_is_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "base.json"
    if content is not None:
        path.write_text(content)
    result = bench("specs", "--history", tmp_path / "h.sqlite", "--compare", path)
    assert result.returncode == 2
    assert str(path) in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "h.sqlite").exists()  # refused before anything ran


def test_a_note_is_benchmarked_block_by_block(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text(
        "# Loss\n\n```python\nimport torch\nprint(torch.ones(2).sum())  # tensor(2.)\n```\n\n"
        "Prose.\n\n```python\nimport torch\nx = torch.zeros(3)\n```\n"
    )
    report = tmp_path / "note.json"
    result = bench(note, "--device", "cpu", "--history", tmp_path / "h.sqlite", "--json", report)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(report.read_text())["bench"]
    assert len(figures) == 2  # one row per block, each timed
    assert all(row["median_s"] and row["repeats"] >= 1 and row["threads"] == 1 for row in figures)
    assert all(row["id"].endswith(("#1", "#2")) for row in figures)

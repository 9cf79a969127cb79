"""A real results history for the review-page tests, made once per session by the harness itself.

Nothing in it is written by hand: the shipped specs run through `noteproof run` twice (the first time with
one claim made false, so the overview has a failure, a fix and a diff to show), and the seed note is
audited as written (blocks that pass only with fixes). The tests then read it as the page does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SEED_NOTE = PROJECT.parent / "shared" / "seed" / "000_9f602143f38b0ad7.txt"
APP = PROJECT / "streamlit_app" / "app.py"

if str(PROJECT) not in sys.path:  # `streamlit_app` is a folder of the project, not an installed package
    sys.path.insert(0, str(PROJECT))


@dataclass(frozen=True)
class RealHistory:
    path: Path
    wrong_run: int  # the shipped specs with l1loss-mean claiming 0.9999: one failure
    specs_run: int  # the shipped specs as they are
    audit_run: int  # the seed note audited as written
    specs: Path  # the spec folder both runs ran


_BUILT: dict[Path, RealHistory] = {}


def noteproof(*args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NOTEPROOF_DATA": str(cwd / "no-data")}  # stand-in datasets, whatever is on disk
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def real_history(base: Path) -> RealHistory:
    """Build (once per session) a history with three runs; later calls return the same one."""
    if base in _BUILT:
        return _BUILT[base]
    base.mkdir(parents=True, exist_ok=True)
    history = base / "results.sqlite"
    specs = base / "specs"
    shutil.copytree(PROJECT / "specs", specs)
    # The copies point at the seed note where the shipped specs do: `note` is relative to the spec file.
    for spec in specs.glob("*.toml"):
        spec.write_text(spec.read_text().replace("../../shared/seed/", f"{SEED_NOTE.parent}/"))
    mean = specs / "l1loss-mean.toml"
    right = mean.read_text()
    assert "equals = 0.6667" in right
    mean.write_text(right.replace("equals = 0.6667", "equals = 0.9999"))
    first = noteproof("run", str(specs), "--history", str(history), "--device", "all")
    assert first.returncode == 1, first.stdout + first.stderr  # the false claim fails
    mean.write_text(right)
    second = noteproof("run", str(specs), "--history", str(history), "--device", "all")
    assert second.returncode == 0, second.stdout + second.stderr
    audit = noteproof("audit", str(SEED_NOTE), "--history", str(history), "--device", "cpu")
    assert audit.returncode in (0, 1), audit.stdout + audit.stderr
    built = RealHistory(history, wrong_run=1, specs_run=2, audit_run=3, specs=specs)
    _BUILT[base] = built
    return built


@pytest.fixture(scope="session")
def review_history(tmp_path_factory: pytest.TempPathFactory) -> RealHistory:
    return real_history(tmp_path_factory.getbasetemp() / "review-history")


def test_the_history_holds_the_three_runs(review_history: RealHistory) -> None:
    from harness import History

    with History.open_reader(review_history.path) as history:
        runs = {run.id: run for run in history.runs()}
    assert runs[review_history.wrong_run].counts.get("failed") == 1
    assert "failed" not in runs[review_history.specs_run].counts
    assert runs[review_history.audit_run].kind == "audit"

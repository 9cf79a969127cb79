"""Baselines: the timings a bench run is compared with, from a named baseline in the history or a JSON file.

A JSON file is what `noteproof bench --json` (or `noteproof run --json`) wrote: its `results[]` rows carry
`id`, `device` and `timing`. Rows without a timing (skipped, failed to run) are not part of a baseline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import BadInput, HistoryError
from harness.history.store import History
from harness.judge.outcome import Outcome, Timing

Key = tuple[str, str]  # (spec id, device)


@dataclass(frozen=True)
class Baseline:
    source: str  # in words, for the output: "baseline 'main' in .noteproof/results.sqlite" or the file's path
    timings: Mapping[Key, Timing]

    def get(self, spec_id: str, device: str) -> Timing | None:
        return self.timings.get((spec_id, device))


def from_outcomes(source: str, outcomes: Iterable[Outcome]) -> Baseline:
    return Baseline(source, {(o.spec_id, o.device): o.timing for o in outcomes if o.timing is not None})


def from_history(history_path: Path, name: str) -> Baseline:
    """The named baseline; HistoryError (exit 2) when the history or the name does not exist."""
    if not history_path.exists():
        raise HistoryError(history_path, f"no history here, so no baseline {name!r}: save one with `--save {name}`")
    with History.open_reader(history_path) as history:
        outcomes = history.baseline(name)  # HistoryError naming the saved baselines when there is no such name
    return from_outcomes(f"baseline {name!r} in {history_path}", outcomes)


def from_file(path: Path) -> Baseline:
    """A baseline from a JSON file written by `--json`; BadInput naming the file for anything unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{path}: no such baseline file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read the baseline file: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise BadInput(f"{path}: not a noteproof JSON report (no `results` list); write one with `bench --json`")
    timings: dict[Key, Timing] = {}
    for position, row in enumerate(results, start=1):
        timing = _timing(row, path, position)
        if timing is not None:
            timings[(str(row["id"]), str(row["device"]))] = timing
    if not timings:
        raise BadInput(f"{path}: no timed results in this file, so nothing to compare with")
    return Baseline(str(path), timings)


def _timing(row: Any, path: Path, position: int) -> Timing | None:
    where = f"{path}: results[{position}]"
    if not isinstance(row, dict) or "id" not in row or "device" not in row:
        raise BadInput(f"{where}: a result needs `id` and `device`")
    timing = row.get("timing")
    if not isinstance(timing, dict) or timing.get("median_s") is None:
        return None
    try:
        return Timing(
            median_s=float(timing["median_s"]),
            iqr_s=float(timing["iqr_s"]),
            mean_s=float(timing["mean_s"]),
            repeats=int(timing["repeats"]),
            number_per_repeat=int(timing["number_per_repeat"]),
            warmup=int(timing["warmup"]),
            threads=int(timing["threads"]),
            samples_s=tuple(float(s) for s in timing.get("samples_s") or ()),  # older reports have none
        )
    except KeyError as exc:
        raise BadInput(f"{where} ({row['id']} on {row['device']}): timing has no {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise BadInput(f"{where} ({row['id']} on {row['device']}): bad timing: {exc}") from None


def resolve(reference: str, history_path: Path) -> Baseline:
    """`--compare REF`: a JSON file when REF names one (or ends in .json), else a baseline name in the history."""
    path = Path(reference)
    if path.suffix.lower() == ".json" or path.is_file():
        return from_file(path)
    return from_history(history_path, reference)

"""pytest-benchmark items for the note examples: `pytest benchmarks/ --benchmark-only`.

The project's own `pytest` never collects this folder (testpaths = ["tests"]). Here the examples run in
this process, as pytest-benchmark users expect, not in noteproof's isolated children: `noteproof bench` is
the isolated measurement, this is the one that compares with other pytest-benchmark runs
(`--benchmark-autosave`, `--benchmark-compare`).
"""

from __future__ import annotations

import io
import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy
import pytest
import torch

from harness import LoadedSpec, load_specs
from harness.sandbox.child import on_device  # the same device setup as the isolated child's
from harness.sandbox.datasets import install_dataset_standins
from harness.specs.model import ExceptionExpectation

PROJECT = Path(__file__).resolve().parents[1]
SPEC_FOLDERS = (PROJECT / "specs", PROJECT / "benchmarks" / "specs")
CUDA = torch.cuda.is_available()
NO_CUDA = "no CUDA device (torch.cuda.is_available() is False)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CUDA:
        return
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=NO_CUDA))


def example_specs() -> list[LoadedSpec]:
    return [spec for spec in load_specs(SPEC_FOLDERS) if spec.problem is None]


@contextmanager
def example_conditions(loaded: LoadedSpec, device: str, data_root: Path) -> Iterator[Callable[[], None]]:
    """Seeded, with the spec's thread count, stand-in datasets and the device; yields one run of the example."""
    spec = loaded.spec
    code = compile(loaded.code, f"<{loaded.id}>", "exec")
    claimed = {e.type for e in spec.expect if isinstance(e, ExceptionExpectation)}
    threads = torch.get_num_threads()
    sink = io.StringIO()

    def run_once() -> None:
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = sink  # the examples print; noteproof's child discards it the same way
        try:
            exec(code, {"__name__": "__main__"})
        except Exception as exc:
            if not claimed & {cls.__name__ for cls in type(exc).__mro__}:
                raise  # only a claimed exception is part of the example; anything else fails the item
        finally:
            sys.stdout, sys.stderr = saved
            sink.seek(0)
            sink.truncate()

    random.seed(spec.seed)
    numpy.random.seed(spec.seed)
    torch.manual_seed(spec.seed)
    torch.set_num_threads(spec.threads)
    restore = install_dataset_standins(data_root, spec.data.samples, [])
    try:
        with on_device(device):
            yield run_once
    finally:
        restore()
        torch.set_num_threads(threads)

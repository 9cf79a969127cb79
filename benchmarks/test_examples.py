"""The note examples as pytest-benchmark items, per device; and why the CUDA items synchronise.

    pytest benchmarks/ --benchmark-only [--benchmark-autosave] [--benchmark-compare]

pytest-benchmark reads a host clock and never waits for the GPU: a CUDA kernel launch returns at once, so
an unsynchronised CUDA benchmark times the launches, not the work. Every CUDA item here ends each timed
call with `torch.cuda.synchronize()`, and `test_without_synchronize_cuda_reads_too_fast` shows the error
it prevents (on a GPU; skipped with the reason elsewhere).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from conftest import example_conditions, example_specs

from harness import LoadedSpec
from harness.bench.figures import workload_of

SPECS = example_specs()


def items() -> list[object]:
    params: list[object] = []
    for loaded in SPECS:
        for device in loaded.spec.devices:
            marks = [pytest.mark.cuda] if device == "cuda" else []
            params.append(pytest.param(loaded, device, id=f"{loaded.id}-{device}", marks=marks))
    return params


def synchronised(run: Callable[[], None]) -> Callable[[], None]:
    def run_and_wait() -> None:
        run()
        torch.cuda.synchronize()  # the timed call ends when the GPU's work does

    return run_and_wait


@pytest.mark.parametrize(("loaded", "device"), items())
def test_example(benchmark: object, loaded: LoadedSpec, device: str, tmp_path: Path) -> None:
    workload = workload_of(loaded.spec)
    with example_conditions(loaded, device, tmp_path) as run_once:
        timed = synchronised(run_once) if device == "cuda" else run_once
        for _ in range(max(1, loaded.spec.timing.warmup)):  # the first call also proves the example runs here
            timed()
        benchmark.group = loaded.id  # type: ignore[attr-defined]  # cpu and cuda side by side
        benchmark.extra_info.update(  # type: ignore[attr-defined]
            device=device, threads=loaded.spec.threads, calls_per_run=workload.calls, images_per_call=workload.images
        )
        benchmark(timed)  # type: ignore[operator]


@pytest.mark.cuda
def test_without_synchronize_cuda_reads_too_fast(benchmark: object) -> None:
    a = torch.randn(4096, 4096, device="cuda")
    b = torch.randn(4096, 4096, device="cuda")

    def matmul() -> None:
        a @ b  # launched, not waited for

    matmul()
    torch.cuda.synchronize()
    # The truth, from CUDA events on the GPU's own clock: what one multiply takes.
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(20):
        matmul()
    end.record()
    torch.cuda.synchronize()
    true_s = start.elapsed_time(end) / 1000 / 20
    # What pytest-benchmark reads without a synchronise: a few µs of launch, however long the multiply runs.
    benchmark.pedantic(matmul, rounds=50, iterations=1, warmup_rounds=2)  # type: ignore[attr-defined]
    torch.cuda.synchronize()
    unsynchronised_s = benchmark.stats.stats.median  # type: ignore[attr-defined]
    benchmark.extra_info.update(true_s=true_s, unsynchronised_s=unsynchronised_s)  # type: ignore[attr-defined]
    assert unsynchronised_s < true_s / 5, (unsynchronised_s, true_s)
    # And with the synchronise the CUDA items use, the host clock agrees with the GPU's.
    timed = synchronised(matmul)
    started = time.perf_counter()
    for _ in range(20):
        timed()
    synchronised_s = (time.perf_counter() - started) / 20
    assert synchronised_s == pytest.approx(true_s, rel=0.3)

"""How fast each review page is interactive on a long history: 1,000 runs of 20 examples (on cpu and cuda).

    python benchmarks/review_pages.py [--runs 1000] [--examples 20] [--keep FILE]

The history is generated here (the benchmark is about reading, not running examples): each run records every
example on cpu (passed, now and then failed, with a timing that drifts) and on cuda (skipped), and two of the
examples carry gradient records the size the CNN example writes. Then each page is timed twice:

- script: the page's script under Streamlit's AppTest, with an empty cache (every read from the file);
- browser: `noteproof review` on a free port, each page opened in headless Chromium until its script finished
  and its charts drew (skipped where /usr/bin/chromium is missing).

Goal: every page interactive within 2 s. Exit 1 when a page misses it.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from harness import GradientRecord, History, Location, Outcome, Status, Timing  # noqa: E402
from harness.judge.outcome import CheckResult  # noqa: E402

GOAL_S = 2.0
CNN_SHAPES = [(32, 3, 5, 5), (32,), (32, 32, 5, 5), (32,), (64, 32, 5, 5), (64,), (64, 1024), (64,), (10, 64), (10,)]


def gradients(rng: random.Random) -> tuple[GradientRecord, ...]:
    records = []
    for i, shape in enumerate(CNN_SHAPES):
        scale = 10 ** rng.uniform(-3, -1)
        norms = tuple(scale * math.sqrt(math.prod(shape)) * (1 + 0.3 * call) for call in range(4))
        edges = [scale * (k - 8) / 4 for k in range(17)]
        kernels = (
            [[[rng.gauss(0, scale) for _ in range(5)] for _ in range(5)] for _ in range(4)] if len(shape) == 4 else None
        )
        records.append(
            GradientRecord(
                name=f"model.layers.{i}.{'weight' if len(shape) > 1 else 'bias'}",
                shape=shape,
                none_before=True,
                none_after=False,
                finite=True,
                norm=norms[-1],
                mean_abs=scale,
                max_abs=scale * 6,
                histogram={"edges": edges, "counts": [float(rng.randint(0, 400)) for _ in range(16)]},
                kernels=kernels,
                backward_calls=4,
                accumulated_calls=3,
                fresh_calls=1,
                mismatched_calls=0,
                device="cpu",
                norms_per_call=norms,
            )
        )
    return tuple(records)


def generate(path: Path, runs: int, examples: int) -> None:
    rng = random.Random(0)
    ids = [f"example-{k:02d}" for k in range(examples)]
    base = {spec_id: 10 ** rng.uniform(-4.5, -1.5) for spec_id in ids}
    with_gradients = set(ids[:2])
    environment = {"torch": "2.14.1", "torchvision": "0.29.1", "python": "3.11", "cuda_devices": [], "cpu": "x"}
    with History.open_writer(path) as history:
        for run in range(runs):
            run_id = history.start_run(environment, "noteproof run specs", covers=("specs",))
            for spec_id in ids:
                failed = rng.random() < 0.03
                median = base[spec_id] * (1 + 0.2 * math.sin(run / 50) + rng.uniform(-0.05, 0.05))
                check = CheckResult("value", Status.FAILED if failed else Status.PASSED, "result == 1.0", "1.0")
                common = {
                    "spec_id": spec_id,
                    "expected": check.expected,
                    "actual": check.actual,
                    "location": Location("notes/generated.md", 10 + ids.index(spec_id) * 20),
                    "spec_path": f"specs/{spec_id}.toml",
                    "code": "import torch\nresult = torch.tensor(1.0)\nprint(result)\n",
                }
                history.record(
                    run_id,
                    Outcome(
                        device="cpu",
                        status=check.status,
                        message="the claim is false" if failed else "",
                        checks=(check,),
                        timing=Timing(median, median * 0.05, median, 50, 10, 1, 1),
                        gradients=gradients(rng) if spec_id in with_gradients else (),
                        stdout="tensor(1.)\n",
                        duration_s=median,
                        **common,
                    ),
                )
                history.record(
                    run_id,
                    Outcome(device="cuda", status=Status.SKIPPED, message="no CUDA device", **common),
                )
            history.finish_run(run_id, "complete")


PAGES = [
    ("overview", None, "/", {}),
    ("example", "example", "/example?id=example-00&device=cpu", {"id": "example-00", "device": "cpu"}),
    ("gradients", "gradients", "/gradients?id=example-00&device=cpu", {"id": "example-00", "device": "cpu"}),
    ("timing", "timing", "/timing", {}),
    ("run", "run", "/run", {}),
]


def script_times(path: Path) -> dict[str, float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["NOTEPROOF_HISTORY"] = str(path)
    times = {}
    for name, page, _, query in PAGES:
        at = AppTest.from_file(str(PROJECT / "streamlit_app" / "app.py"), default_timeout=120)
        at.run()
        if page:
            at.switch_page(f"app_pages/{page}.py")
        at.query_params = dict(query)
        st.cache_data.clear()  # a cold cache: every read comes from the file
        started = time.perf_counter()
        at.run()
        times[name] = time.perf_counter() - started
        if at.exception:
            raise SystemExit(f"{name}: {at.exception[0].value}")
    return times


def browser_times(path: Path) -> dict[str, tuple[float, float]] | None:
    """Per page: (first visit, revisit). A revisit finds the page's JavaScript in the browser's cache and its
    reads in the server's."""
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not chromium.exists():
        return None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "harness", "review", "--history", str(path), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        times: dict[str, list[float]] = {}
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=str(chromium), args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
            )
            # One browser profile, as a user has: its HTTP cache keeps the page's JavaScript between pages.
            context = browser.new_context(viewport={"width": 1400, "height": 2400})
            warm = context.new_page()
            warm.goto(base + "/run")  # the first load of a server also fetches its JavaScript: not a page's cost
            warm.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)
            warm.close()
            for _ in ("first visit", "revisit"):
                for name, _, url, _ in PAGES:
                    page = context.new_page()
                    started = time.perf_counter()
                    page.goto(base + url)
                    page.wait_for_function(DRAWN, timeout=60_000)
                    times.setdefault(name, []).append(time.perf_counter() - started)
                    page.close()
            browser.close()
        return {name: (first, again) for name, (first, again) in times.items()}
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


# Interactive: the script run finished, and its title, tables and charts are drawn.
DRAWN = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main || !main.querySelector('h1') || document.querySelector('[data-testid="stStatusWidget"]')) return false;
    const all = (testid, drawn) => [...document.querySelectorAll(`[data-testid="${testid}"]`)].every(drawn);
    return all('stDataFrame', t => t.querySelector('canvas'))
        && all('stVegaLiteChart', c => c.querySelector('svg.marks g.mark-group'))
        && all('stPlotlyChart', c => c.querySelector('.heatmaplayer image, .plot .trace'));
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="write the generated history here (and reuse it if it exists)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="noteproof-review-bench-"))
    path = args.keep or folder / "results.sqlite"
    if not path.exists():
        started = time.perf_counter()
        generate(path, args.runs, args.examples)
        took = time.perf_counter() - started
        print(f"generated {args.runs} runs x {args.examples} examples x 2 devices in {took:.1f} s")
    print(f"history: {path} ({path.stat().st_size / 2**20:.1f} MiB)")
    script = script_times(path)
    browser = browser_times(path)
    print(f"{'page':<10} {'script, cold cache':>19} {'browser, first visit':>21} {'browser, revisit':>17}")
    slow = []
    for name, *_ in PAGES:
        first, again = (f"{browser[name][0]:.2f} s", f"{browser[name][1]:.2f} s") if browser else ("-", "-")
        print(f"{name:<10} {script[name]:>17.2f} s {first:>21} {again:>17}")
        worst = max(script[name], browser[name][0] if browser else 0.0)
        if worst > GOAL_S:
            slow.append(name)
    if browser is None:
        print("browser: skipped (needs playwright and /usr/bin/chromium)")
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores (other work on the machine slows every figure)")
    print(f"goal: every page within {GOAL_S:.0f} s: " + ("met" if not slow else f"missed by {', '.join(slow)}"))
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())

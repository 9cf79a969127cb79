"""The review page in a real browser: `noteproof review` on a free port, every page in headless Chromium.

Fails on console errors, Vega warnings, page errors and HTTP errors (other than Streamlit's `_stcore` probes,
which its client sends relative to each page's path), and when a chart did not draw. Screenshots are kept
under the session's temporary folder (the path is printed) so a person can look at them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from test_review_support import RealHistory, review_history

from harness.cli.review import page_url

__all__ = ["review_history"]

CHROMIUM = Path("/usr/bin/chromium")
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"),
]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Streamlit draws an Altair chart once before its data arrives, and Vega warns about that empty first pass
# with an extent of [Infinity, -Infinity] (streamlit/streamlit#16614). A real problem, such as a zero in a
# log domain, names real numbers: every other Vega warning fails the test.
EMPTY_FIRST_PASS = re.compile(r"\[Infinity, ?-Infinity\]")
BAR_BLUE, BAR_ORANGE = "#4c78a8", "#f58518"  # the mean and max |grad| colours of streamlit_app.charts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def noteproof_command() -> list[str]:
    """The README's command: the `noteproof` script of this environment."""
    script = Path(sys.executable).with_name("noteproof")
    return [str(script)] if script.exists() else [sys.executable, "-m", "harness"]


@pytest.fixture(scope="module")
def server(review_history: RealHistory) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [*noteproof_command(), "review", "--history", str(review_history.path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"noteproof review did not start: {process.stdout.read() if process.stdout else ''}")
        time.sleep(0.3)
    yield base
    # While it runs, other commands (`noteproof show`) can link to it; once stopped, they cannot.
    assert page_url(review_history.path, "l1loss-mean", "cpu", 2) == (
        f"http://localhost:{port}/example?id=l1loss-mean&device=cpu&run=2"
    )
    os.kill(process.pid, signal.SIGTERM)  # stop it by its PID, as a user's `kill` would
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("noteproof review did not stop on SIGTERM")
    assert f"http://localhost:{port}" in output  # it printed its address
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))  # nothing listens any more: Streamlit did not outlive it
    assert page_url(review_history.path, "l1loss-mean", "cpu") is None


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("review-screenshots")
    print(f"review page screenshots: {folder}")
    return folder


class Problems:
    """Everything the browser reported that a user would count as broken."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def console(self, message: Any) -> None:
        text, url = message.text, (message.location or {}).get("url", "")
        if message.type == "error" and not ("Failed to load resource" in text and "/_stcore/" in url):
            self.found.append(f"console error: {text} ({url})")
        elif "WARN" in text and not EMPTY_FIRST_PASS.search(text):
            self.found.append(f"Vega warning: {text}")

    def response(self, response: Any) -> None:
        if response.status >= 400 and "/_stcore/" not in response.url:
            self.found.append(f"HTTP {response.status} {response.url}")

    def page_error(self, error: Any) -> None:
        self.found.append(f"page error: {error}")


_CELLS = "[...document.querySelectorAll('[data-testid^=\"glide-cell\"]')].map(c => c.textContent).join('\\n')"


def settle(page: Any, charts: int = 0, texts: Sequence[str] = ()) -> None:
    """Wait until the script run finished, `charts` Altair charts and every other chart drew, and `texts` show.

    Table cells are drawn on a canvas; their text is read from the copy kept for screen readers.
    """
    page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    page.wait_for_function(
        """([charts, texts]) => {
            if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
            const main = document.querySelector('[data-testid="stMain"]');
            if (!main || !main.innerText) return false;
            const vega = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
            const plotly = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
            const graphs = [...document.querySelectorAll('[data-testid="stGraphVizChart"]')];
            const shown = main.innerText + '\\n' + CELLS;
            return vega.length >= charts
                && vega.every(c => c.querySelector('svg.marks g.mark-group'))
                && plotly.every(c => c.querySelector('.heatmaplayer image, .plot .trace'))
                && graphs.every(c => c.querySelector('svg g.node'))
                && texts.every(t => shown.includes(t));
        }""".replace("CELLS", _CELLS),
        arg=[charts, list(texts)],
        timeout=60_000,
    )
    page.wait_for_timeout(800)  # the last animation frame


def shown_text(page: Any) -> str:
    """The page's text, with the cells of its tables (drawn on a canvas, mirrored for screen readers)."""
    cells = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid^=\"glide-cell\"]')].map(c => c.textContent).join('\\n')"
    )
    return f"{page.inner_text('[data-testid=stMain]')}\n{cells}"


def bars_drawn(page: Any, index: int) -> list[tuple[str, float, float]]:
    """(fill, width, height) of every bar the index-th Altair chart drew (Vega renders them as SVG paths)."""
    return [
        (fill, width, height)
        for fill, width, height in page.evaluate(
            """(index) => {
                const chart = document.querySelectorAll('[data-testid="stVegaLiteChart"]')[index];
                return [...chart.querySelectorAll('g.mark-rect path')].map(p => {
                    const box = p.getBBox();
                    return [p.getAttribute('fill'), box.width, box.height];
                });
            }""",
            index,
        )
    ]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize(
    ("name", "path", "must_show", "charts"),
    [
        ("overview", "/?run={specs}", ["l1loss-mean", "What changed", "fixed"], 0),
        ("overview-audit", "/?run={audit}", ["fails as written; passes with"], 0),
        ("example", "/example?id=l1loss-mean&device=cpu&run={specs}", ["result == 0.6667", "tensor(0.6667)"], 0),
        ("example-audit", "/example?id={block}&device=cpu&run={audit}", ["as written it raises", "Suggested fix"], 0),
        ("gradients", "/gradients?id=cnn-backward&device=cpu&run={specs}", ["model.layers.0.weight", "Autograd"], 3),
        ("timing", "/timing?run={specs}", ["cnn-backward", "Trend over the history"], 2),
        ("run", "/run", ["Run the specs", "Audit a note"], 0),
    ],
)
def test_every_page_draws_in_chromium(
    server: str,
    browser: Any,
    screenshots: Path,
    review_history: RealHistory,
    name: str,
    path: str,
    must_show: list[str],
    charts: int,
) -> None:
    from harness import History

    with History.open_reader(review_history.path) as history:
        block = next(o.spec_id for o in history.outcomes(review_history.audit_run) if o.block and o.block.fixes)
    url = server + path.format(
        specs=review_history.specs_run, audit=review_history.audit_run, block=quote(block, safe="")
    )
    problems = Problems()
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    page.on("console", problems.console)
    page.on("response", problems.response)
    page.on("pageerror", problems.page_error)
    page.goto(url)
    try:
        settle(page, charts, must_show)
    finally:
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    text = shown_text(page)
    exceptions = page.locator("[data-testid='stException']").count()
    page.close()
    assert not problems.found, problems.found
    assert exceptions == 0
    for wanted in must_show:
        assert wanted in text, f"{wanted!r} not on {url}"


def test_gradient_bars_draw_on_their_log_scale(server: str, browser: Any, review_history: RealHistory) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    page.goto(f"{server}/gradients?id=cnn-backward&device=cpu&run={review_history.specs_run}")
    settle(page, charts=3)
    bars = bars_drawn(page, 0)  # mean and max |grad| per parameter: 10 parameters, 2 bars each
    assert len(bars) == 20
    assert {fill for fill, _, _ in bars} == {BAR_BLUE, BAR_ORANGE}
    assert all(width > 1 and height > 1 for _, width, height in bars), bars
    page.close()


def test_a_missing_history_says_so_in_the_browser(tmp_path: Path, browser: Any) -> None:
    port = free_port()
    missing = tmp_path / "nothing-here.sqlite"
    process = subprocess.Popen(
        [*noteproof_command(), "review", "--history", str(missing), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        settle(page, texts=["Cannot read the results history"])
        text = shown_text(page)
        assert "Cannot read the results history" in text and str(missing) in text
        assert page.locator("[data-testid='stException']").count() == 0
        page.close()
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


def test_the_run_button_runs_the_specs_and_links_to_the_new_run(
    tmp_path: Path, browser: Any, screenshots: Path
) -> None:
    from test_review_support import PROJECT

    from harness import History

    history = tmp_path / "fresh.sqlite"
    port = free_port()
    process = subprocess.Popen(
        [*noteproof_command(), "review", "--history", str(history), "--port", str(port)],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    problems = Problems()
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.on("console", problems.console)
        page.on("response", problems.response)
        page.on("pageerror", problems.page_error)
        page.goto(f"{base}/")
        # No history yet: the page says so, and offers to make one.
        settle(page, texts=["no results history here", "Run the specs from this page"])
        page.get_by_text("Run the specs from this page").click()
        settle(page, texts=["Only ids containing (-k)"])
        page.get_by_label("Only ids containing (-k)").fill("l1loss-sum")
        page.get_by_text("cpu", exact=True).first.click()
        page.get_by_text("Time each example").click()
        page.get_by_role("button", name="Run the specs").click()
        page.wait_for_selector("text=Run 1 finished: exit 0", timeout=180_000)
        page.screenshot(path=str(screenshots / "run-finished.png"), full_page=True)
        page.get_by_text("Show run 1").click()
        settle(page, texts=["Examples x devices, run 1", "l1loss-sum"])
        page.screenshot(path=str(screenshots / "run-shown.png"), full_page=True)
        assert "run=1" in page.url
        page.close()
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    assert not problems.found, problems.found
    with History.open_reader(history) as reader:
        (run,) = reader.runs()
        assert [(o.spec_id, o.device, o.status.value) for o in reader.outcomes(run.id)] == [
            ("l1loss-sum", "cpu", "passed")
        ]

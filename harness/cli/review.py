"""`noteproof review`: start the Streamlit review page on the results history.

Streamlit is imported only by the process this command starts (`python -m streamlit run`), so no other
command pays for it. The page binds 127.0.0.1 unless --host says otherwise, and Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

from rich.console import Console

from harness.history.store import DEFAULT_HISTORY

COMMAND = "review"
APP = Path(__file__).resolve().parents[2] / "streamlit_app" / "app.py"
HISTORY_VARIABLE = "NOTEPROOF_HISTORY"  # how the page learns which history to read (streamlit_app.data)
URL_VARIABLE = "NOTEPROOF_REVIEW_URL"  # a page configured elsewhere (another host, a proxy): links point there


def state_file(history: Path) -> Path:
    """Where a running page says where it is, beside the history it reads, so other commands can link to it."""
    return history.with_name(history.name + ".review.json")


def page_url(history: Path, spec_id: str, device: str, run_id: int | None = None) -> str | None:
    """The review page's link to one example, when a page is configured ($NOTEPROOF_REVIEW_URL) or running on
    this history; None otherwise. For `noteproof show` and the audit's terminal output."""
    base = os.environ.get(URL_VARIABLE)
    if not base:
        try:
            state = json.loads(state_file(history).read_text())
            os.kill(int(state["pid"]), 0)
            base = str(state["url"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
    query = {"id": spec_id, "device": device, **({"run": str(run_id)} if run_id is not None else {})}
    return f"{base.rstrip('/')}/example?{urlencode(query)}"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    review = commands.add_parser("review", help="start the review page (Streamlit) on the results history")
    review.add_argument(
        "--history", type=Path, default=DEFAULT_HISTORY, help=f"results file (default {DEFAULT_HISTORY})"
    )
    review.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    review.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")


def streamlit_argv(app: Path, host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",  # no "Deploy" button: this page is for reading results
    ]


def _stopped(process: subprocess.Popen[bytes], within_s: float) -> bool:
    try:
        process.wait(timeout=within_s)
    except subprocess.TimeoutExpired:
        return False
    return True


def handle(args: argparse.Namespace, console: Console, errors: Console) -> int:
    if not APP.is_file():
        errors.print(f"the review page is not installed: {APP} is missing")
        return 2
    environment = {**os.environ, HISTORY_VARIABLE: str(args.history.resolve())}
    shown_host = "localhost" if args.host == "127.0.0.1" else args.host
    url = f"http://{shown_host}:{args.port}"
    console.print(f"noteproof review: {url}  (history {args.history}; Ctrl-C stops it)", highlight=False)
    process = subprocess.Popen(streamlit_argv(APP, args.host, args.port), env=environment)
    state = state_file(args.history)
    with contextlib.suppress(OSError):  # no folder for the history yet: other commands just print no link
        state.write_text(json.dumps({"url": url, "pid": os.getpid()}))

    terminated: list[int] = []

    def stop(signum: int, frame: object) -> None:
        terminated.append(signum)
        raise KeyboardInterrupt  # `kill PID` stops the page as Ctrl-C does, never leaving Streamlit behind

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return process.wait()
    except KeyboardInterrupt:
        # Ctrl-C in a terminal reached Streamlit too: give it a moment to stop by itself. A SIGTERM reached only us.
        if terminated or not _stopped(process, 3):
            process.send_signal(signal.SIGINT)
        if not _stopped(process, 5):
            process.kill()
            process.wait()
        console.print("noteproof review stopped")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        state.unlink(missing_ok=True)

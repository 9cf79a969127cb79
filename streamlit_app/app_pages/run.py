"""Run: run the specs, or audit a note as written, through the `noteproof` command in a subprocess, with a
progress bar; then show the new run."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import streamlit as st

from harness import BadInput
from streamlit_app import data, launch
from streamlit_app.view import page

st.title("Run")
history_file = data.history_path()
st.caption(f"Results go to `{history_file}`; the page reads them as they arrive.")

specs_tab, audit_tab = st.tabs(["Run the specs", "Audit a note"])
with specs_tab, st.form("run-specs"):
    paths = st.text_input("Spec files or folders (space-separated)", "specs")
    pattern = st.text_input("Only ids containing (-k)", "")
    device = st.radio("Device", ["all", "cpu", "cuda"], horizontal=True, key="run-device")
    timing = st.checkbox("Time each example", value=True)
    run_clicked = st.form_submit_button("Run the specs", type="primary")
with audit_tab, st.form("audit-note"):
    note = st.text_input("Note (markdown)", "")
    audit_device = st.radio("Device", ["cpu", "all", "cuda"], horizontal=True, key="audit-device")
    audit_clicked = st.form_submit_button("Audit the note", type="primary")


def watch(argv: list[str], planned: int | None) -> None:
    """Start the command and follow its run in the history until it ends."""
    after = launch.newest_run_id(history_file)
    log = Path(tempfile.mkstemp(prefix="noteproof-run-", suffix=".log")[1])
    process = launch.start(argv, log)
    bar = st.progress(0.0, text="starting (the worker imports torch)")
    status = launch.Progress(None, 0, "starting")
    while process.poll() is None:
        status = launch.progress(history_file, after)
        fraction = min(status.done / planned, 1.0) if planned else 0.0
        counted = f"{status.done} of {planned}" if planned else f"{status.done}"
        bar.progress(fraction, text=f"run {status.run_id or '…'}: {counted} result(s)")
        time.sleep(0.25)
    status = launch.progress(history_file, after)
    bar.progress(1.0, text=f"run {status.run_id}: {status.done} result(s), {status.state}")
    output = log.read_text(errors="replace")
    log.unlink(missing_ok=True)
    if status.run_id is None:
        st.error(f"The command stopped (exit {process.returncode}) before writing a run.")
        st.code(output[-4000:] or "(no output)", language="text")
        return
    st.session_state["last_run"] = status.run_id
    (st.success if process.returncode == 0 else st.warning)(
        f"Run {status.run_id} finished: exit {process.returncode} ({status.state})."
    )
    st.page_link(
        page("overview"),
        label=f"Show run {status.run_id}",
        icon=":material/grid_view:",
        query_params={"run": str(status.run_id)},
    )
    with st.expander("Command output"):
        st.code(output[-8000:] or "(no output)", language="text")


if run_clicked:
    chosen = paths.split() or ["specs"]
    try:
        planned = launch.planned_results(chosen, device, pattern.strip())
    except BadInput as exc:
        st.error(str(exc))
    else:
        if planned == 0:
            st.error("No spec matches: nothing to run.")
        else:
            watch(launch.run_argv(history_file, chosen, device, pattern.strip(), timing), planned)
elif audit_clicked:
    if not note.strip() or not Path(note.strip()).is_file():
        st.error(f"No note at {note.strip()!r}: give the path of a markdown note.")
    else:
        watch(launch.audit_argv(history_file, note.strip(), audit_device), None)
elif "last_run" in st.session_state:
    st.page_link(
        page("overview"),
        label=f"Show run {st.session_state['last_run']}",
        icon=":material/grid_view:",
        query_params={"run": str(st.session_state["last_run"])},
    )

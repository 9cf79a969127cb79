"""Example: one example on one device in one run: its code, each claim expected vs actual, the error, the fix,
the data it used, what it printed, the environment, and its status over earlier runs."""

from __future__ import annotations

import streamlit as st

from harness.judge.outcome import seconds
from streamlit_app import data
from streamlit_app.view import badge, int_param, page, param, read, run, runs, set_params, table, url_key

all_runs = read(runs, 200)
if not all_runs:
    st.info("The history has no runs yet.")
    st.page_link(page("run"), label="Run the specs", icon=":material/play_arrow:")
    st.stop()
chosen = read(run, int_param("run")) or all_runs[0]
outcomes = read(data.matrix_rows_of_run, chosen.id)
ids = [row.spec_id for row in outcomes]
if not ids:
    st.info(f"Run {chosen.id} has no results.")
    st.stop()

wanted = param("id")
example_box, device_box = st.columns([3, 1])
with example_box:
    spec_id = st.selectbox(
        "Example", ids, index=ids.index(wanted) if wanted in ids else 0, key=url_key("example-id", "id", "run")
    )
view = read(data.example_view, spec_id, param("device"), chosen.id)
if view is None:
    st.error(f"Run {chosen.id} has no result for {spec_id!r}.")
    st.stop()
devices = sorted(view.devices, key=lambda d: (d != "cpu", d))
with device_box:
    device = st.radio(
        "Device",
        devices,
        index=devices.index(view.outcome.device),
        horizontal=True,
        key=url_key("example-device", "id", "device", "run"),
    )
if device != view.outcome.device:
    view = read(data.example_view, spec_id, device, chosen.id)
    assert view is not None
set_params(id=spec_id, device=device, run=chosen.id)
outcome = view.outcome

st.title(f"{data.title_of(outcome)} on {outcome.device}")
st.markdown(
    f"{badge(data.status_label(outcome))} · run {chosen.id} · `{outcome.location}` · spec `{outcome.spec_path}`"
)
if outcome.message and outcome.status.value != "passed":
    st.info(outcome.message)
if outcome.gradients:
    st.page_link(
        page("gradients"), label="Gradient views", icon=":material/show_chart:", query_params=dict(st.query_params)
    )

code_column, claims_column = st.columns([1, 1])
with code_column:
    st.subheader("Code")
    width = len(str(view.code[-1].number)) if view.code else 1
    marker = {"error": "✗", "claim": "◆", "error+claim": "✗"}
    st.code(
        "\n".join(f"{line.number:>{width}} {marker.get(line.marks, ' ')} {line.text}" for line in view.code),
        language="python",
        wrap_lines=True,
    )
    st.caption("✗ the line that raised · ◆ a line with a claim")
with claims_column:
    st.subheader("Claims: expected vs actual")
    if view.claims:
        st.dataframe(
            table(
                [
                    {
                        "line": c.line,
                        "claim": c.kind,
                        "verdict": c.status,
                        "expected": c.expected,
                        "actual": c.actual,
                        "why": c.why,
                    }
                    for c in view.claims
                ],
                ("verdict",),
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No claims were checked.")
    if view.error:
        st.subheader("Error")
        st.error(view.error)
    if view.fix_diff:
        st.subheader("Suggested fix")
        st.code(view.fix_diff, language="diff", wrap_lines=True)

st.subheader("Data")
if outcome.data:
    for used in outcome.data:
        text = f"**{used.name}**: {used.source}, {used.samples} samples. {used.description}"
        (st.warning if used.source == "stand-in" else st.success)(text)
else:
    st.caption("No dataset was used.")

st.subheader("Output")
st.code(outcome.stdout or "(nothing printed)", language="text")

st.subheader("Time")
if outcome.timing:
    t = outcome.timing
    st.markdown(
        f"median **{seconds(t.median_s)}**, IQR {seconds(t.iqr_s)}, mean {seconds(t.mean_s)} over "
        f"{t.repeats} blocks of {t.number_per_repeat} run(s), {t.warmup} warm-up, {t.threads} thread(s)"
    )
else:
    st.caption(outcome.timing_note or "Not timed.")

environment, earlier = st.columns([1, 1])
with environment:
    st.subheader("Environment")
    st.dataframe([{"": k, "value": v} for k, v in view.environment], hide_index=True, width="stretch")
with earlier:
    st.subheader("Earlier runs")
    st.dataframe(
        table(
            [{"run": e.link, "started": e.started_at, "status": e.status, "median": e.median} for e in view.earlier],
            ("status",),
        ),
        column_config={"run": st.column_config.LinkColumn("run", display_text=r"run=(\d+)")},
        hide_index=True,
        width="stretch",
    )

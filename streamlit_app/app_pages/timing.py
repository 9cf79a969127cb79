"""Timing: CPU vs CUDA median and spread per example in one run, the CUDA speed-up, and each example's trend
over the history."""

from __future__ import annotations

import streamlit as st

from harness.judge.outcome import seconds
from streamlit_app import charts, data
from streamlit_app.view import page, pick_run, read, runs

st.title("Timing")
all_runs = read(runs, 200)
if not all_runs:
    st.info("The history has no runs yet.")
    st.page_link(page("run"), label="Run the specs", icon=":material/play_arrow:")
    st.stop()
chosen = pick_run(all_runs, prefer_kind="run")
rows = read(data.timing_rows_of_run, chosen.id)
timed = [r for r in rows if r.cpu_median_s is not None or r.cuda_median_s is not None]
if not timed:
    st.info(f"Run {chosen.id} timed nothing (it ran with --no-timing, or every example failed).")
    st.stop()

st.dataframe(
    [
        {
            "example": r.link,
            "cpu median": seconds(r.cpu_median_s),
            "cpu IQR": seconds(r.cpu_iqr_s),
            "cuda median": seconds(r.cuda_median_s),
            "cuda IQR": seconds(r.cuda_iqr_s),
            "CUDA speed-up": f"{r.speedup:.2f}x" if r.speedup else "-",
            "why not timed": r.note,
        }
        for r in rows
    ],
    column_config={"example": st.column_config.LinkColumn("example", display_text=r"id=([^&]+)")},
    hide_index=True,
    width="stretch",
)
if all(r.cuda_median_s is None for r in rows):
    st.caption("No CUDA timings in this run, so no speed-up: it ran without a CUDA device.")
st.vega_lite_chart(read(charts.timing_bars_spec, chosen.id), width="stretch")

st.subheader("Trend over the history")
examples = tuple(r.spec_id for r in timed)
if len({p.run_id for p in read(data.timing_trend, examples)}) < 2:
    st.caption("One timed run so far: the trend appears from the second.")
st.vega_lite_chart(read(charts.timing_trend_spec, examples), width="stretch")

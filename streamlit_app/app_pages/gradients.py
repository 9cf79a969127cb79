"""Gradients: what backward() did to each parameter of one example: None before and after, norms, per-layer
|grad| bars, one parameter's histogram, the first conv layer's kernel gradients, norm growth over the calls,
and the autograd graph."""

from __future__ import annotations

import streamlit as st

from streamlit_app import charts, data
from streamlit_app.view import badge, int_param, page, param, read, run, runs, set_params, url_key

all_runs = read(runs, 200)
chosen = (read(run, int_param("run"), "run") or all_runs[0]) if all_runs else None
if chosen is None:
    st.info("The history has no runs yet.")
    st.page_link(page("run"), label="Run the specs", icon=":material/play_arrow:")
    st.stop()
candidates = read(data.examples_with_gradients, chosen.id)
if not candidates:
    st.info(f"No example of run {chosen.id} called backward() on a model.")
    st.stop()
labels = [f"{spec_id} on {device}" for spec_id, device in candidates]
wanted = f"{param('id')} on {param('device') or 'cpu'}"
index = labels.index(wanted) if wanted in labels else 0
choice = st.selectbox(
    "Example",
    range(len(labels)),
    index=index,
    format_func=labels.__getitem__,
    key=url_key("gradients-example", "id", "device", "run"),
)
spec_id, device = candidates[choice]
set_params(id=spec_id, device=device, run=chosen.id)
outcome = read(data.gradient_outcome, chosen.id, spec_id, device)
assert outcome is not None

st.title(f"Gradients of {spec_id} on {device}")
st.markdown(f"{badge(data.status_label(outcome))} · run {chosen.id}")
st.page_link(page("example"), label="The example", icon=":material/search:", query_params=dict(st.query_params))

st.subheader("Per parameter: .grad before and after backward()")
st.dataframe(
    [
        {
            "parameter": r.parameter,
            "shape": r.shape,
            ".grad is None before": r.none_before,
            ".grad is None after": r.none_after,
            "‖grad‖": r.norm,
            "mean |grad|": r.mean_abs,
            "max |grad|": r.max_abs,
            "backward() calls": r.calls,
        }
        for r in data.gradient_rows(outcome)
    ],
    column_config={
        name: st.column_config.NumberColumn(format="%.4g") for name in ("‖grad‖", "mean |grad|", "max |grad|")
    },
    hide_index=True,
    width="stretch",
)

st.subheader("Per layer: mean and max |grad|")
bars = read(charts.layer_bars_spec, chosen.id, spec_id, device)
if bars:
    st.vega_lite_chart(bars, width="stretch")
else:
    st.caption("No parameter has a gradient: nothing to draw.")

st.subheader("One parameter's gradient values")
with_histogram = [g for g in outcome.gradients if g.histogram]
if with_histogram:
    names = [g.name for g in with_histogram]
    wanted_parameter = param("parameter")
    name = st.selectbox(
        "Parameter",
        names,
        index=names.index(wanted_parameter) if wanted_parameter in names else 0,
        key=url_key("gradients-parameter", "parameter", "id", "device", "run"),
    )
    set_params(parameter=name)
    st.vega_lite_chart(read(charts.histogram_spec, chosen.id, spec_id, device, name), width="stretch")
else:
    st.caption("No parameter has a gradient: nothing to draw.")

st.subheader("Growth over backward() calls")
growth = read(charts.norm_growth_spec, chosen.id, spec_id, device)
if growth:
    st.vega_lite_chart(growth, width="stretch")
    totals = data.total_norm_per_call(outcome)
    st.caption(
        f"{len(totals)} backward() call(s) without zero_grad(): ‖all gradients‖ went "
        + " → ".join(f"{t:.3g}" for t in totals)
    )
else:
    st.caption("This record has no per-call norms (recorded by newer noteproof runs).")

heatmaps = read(charts.kernel_heatmaps_spec, chosen.id, spec_id, device)
if heatmaps:
    st.subheader("The first conv layer's kernel gradients")
    st.plotly_chart(heatmaps, width="stretch")
    st.caption("Blue: negative gradient, red: positive, white: zero. One colour scale for every kernel.")

st.subheader("Autograd graph")
if outcome.autograd_graph:
    st.caption("From the loss (red) back to the parameters (blue), as the first backward() walked it.")
    st.graphviz_chart(outcome.autograd_graph)
else:
    st.caption("No graph recorded (the model is too big to draw, or this record predates graphs).")

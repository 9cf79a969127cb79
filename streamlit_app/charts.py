"""Chart objects for the review pages: Altair for bars, lines and histograms, Plotly for heatmaps.

Each function returns a chart built from records, never drawn here, so tests assert on its spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from harness import GradientRecord, History, Outcome
from streamlit_app.data import TimingRow, TrendPoint, timing_rows, total_norm_per_call
from streamlit_app.data import timing_trend as history_trend

# Diverging, centred on zero: blue for negative gradients, red for positive, white for none.
DIVERGING = "RdBu_r"
_BAND = 30  # pixels per row of a grouped bar chart: two bars of 13 px and a gap
_STAT_COLOURS = alt.Scale(domain=["mean |grad|", "max |grad|"], range=["#4c78a8", "#f58518"])


Chart = alt.Chart | alt.LayerChart
# Fill the page's width but keep the chart's own height: Streamlit's default ("fit") squeezes a tall chart, such
# as one bar row per parameter, into a fixed box, and clips its legend.
FIT_WIDTH = {"type": "fit-x", "contains": "padding"}
Rows = list[dict[str, Any]]


def _inline(values: Rows) -> alt.Data:
    """Rows as Vega-Lite inline data (Altair's constructors are untyped)."""
    return alt.Data(values=values)  # type: ignore[no-untyped-call]


def log_floor(values: Sequence[float | None]) -> float:
    """Where log-scale bars start: a decade below the smallest positive value.

    A log axis has no zero; a bar that starts at 0, or a value of 0, sends Vega's domain to -infinity and
    the whole chart draws blank. Zeros are drawn at this floor instead, and labelled as zero.
    """
    positive = [v for v in values if v is not None and v > 0]
    return min(positive) / 10 if positive else 1e-12


def layer_bars(gradients: Sequence[GradientRecord]) -> Chart:
    """Per-parameter mean and max |grad|, one row of bars per parameter in model order, on a log scale."""
    values = [v for g in gradients for v in (g.mean_abs, g.max_abs)]
    floor = log_floor(values)
    top = max((v for v in values if v is not None), default=1.0) or 1.0
    rows = []
    for order, g in enumerate(gradients):
        for stat, value in (("mean |grad|", g.mean_abs), ("max |grad|", g.max_abs)):
            if value is None:
                continue  # .grad is None: the table says so; there is nothing to draw
            rows.append(
                {
                    "order": order,
                    "parameter": g.name,
                    "stat": stat,
                    "value": value,
                    "drawn": max(value, floor),
                    "floor": floor,
                    "label": "0 (drawn at the floor)" if value <= 0 else f"{value:.3g}",
                }
            )
    names = [g.name for g in gradients]
    chart: alt.Chart = (
        alt.Chart(_inline(rows), title="mean and max |grad| per parameter (log scale, model order)")
        .mark_bar()
        .encode(
            y=alt.Y("parameter:N", sort=names, title=None, axis=alt.Axis(labelLimit=260)),
            yOffset=alt.YOffset("stat:N", sort=["mean |grad|", "max |grad|"]),
            x=alt.X(
                "drawn:Q",
                title="|grad|",
                scale=alt.Scale(type="log", domain=[floor, top * 2], nice=False),
            ),
            x2=alt.X2("floor:Q"),
            color=alt.Color("stat:N", scale=_STAT_COLOURS, title=None, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("parameter:N"),
                alt.Tooltip("stat:N"),
                alt.Tooltip("label:N", title="value"),
            ],
        )
        .properties(width="container", autosize=FIT_WIDTH, height=_BAND * len(names))
    )
    return chart


def histogram(gradient: GradientRecord) -> Chart:
    """The distribution of one parameter's gradient values, from the bins the child recorded."""
    assert gradient.histogram is not None
    edges, counts = gradient.histogram["edges"], gradient.histogram["counts"]
    rows = [
        {"start": edges[i], "end": edges[i + 1], "count": counts[i]} for i in range(min(len(counts), len(edges) - 1))
    ]
    chart: alt.Chart = (
        alt.Chart(_inline(rows), title=f"gradient values of {gradient.name}")
        .mark_bar(color="#4c78a8")
        .encode(
            x=alt.X("start:Q", title="grad value", bin="binned"),
            x2="end:Q",
            y=alt.Y("count:Q", title="elements"),
            tooltip=[alt.Tooltip("start:Q", format=".3g"), alt.Tooltip("end:Q", format=".3g"), "count:Q"],
        )
        .properties(width="container", autosize=FIT_WIDTH, height=260)
    )
    return chart


def first_conv(gradients: Sequence[GradientRecord]) -> GradientRecord | None:
    """The first parameter in model order with 2-D kernel slices recorded: the first conv layer's weight."""
    return next((g for g in gradients if g.kernels), None)


def kernel_heatmaps(gradient: GradientRecord) -> go.Figure:
    """One heatmap per recorded kernel (output channel k, input channel 0), on one scale centred on zero."""
    kernels = gradient.kernels or []
    extent = max((abs(v) for kernel in kernels for row in kernel for v in row), default=0.0) or 1.0
    figure = make_subplots(
        rows=1, cols=max(1, len(kernels)), subplot_titles=[f"out {k}, in 0" for k in range(len(kernels))]
    )
    for k, kernel in enumerate(kernels):
        figure.add_trace(
            go.Heatmap(
                z=kernel,
                colorscale=DIVERGING,
                zmid=0,
                zmin=-extent,
                zmax=extent,
                showscale=k == len(kernels) - 1,
                colorbar={"title": {"text": "grad"}},
                hovertemplate="row %{y}, col %{x}: %{z:.3g}<extra></extra>",
            ),
            row=1,
            col=k + 1,
        )
        figure.update_yaxes(autorange="reversed", scaleanchor=f"x{k + 1 if k else ''}", row=1, col=k + 1)
    shape = "×".join(str(n) for n in gradient.shape)
    figure.update_layout(
        title={"text": f"{gradient.name} ({shape}): kernel gradients"}, height=300, margin={"t": 70, "b": 20}
    )
    return figure


def norm_growth(outcome: Outcome) -> Chart:
    """‖grad‖ after each backward() call: without zero_grad() it is a running sum, and this shows it."""
    rows = [
        {"call": call + 1, "parameter": g.name, "norm": norm}
        for g in outcome.gradients
        for call, norm in enumerate(g.norms_per_call)
    ]
    total = [{"call": call + 1, "norm": n} for call, n in enumerate(total_norm_per_call(outcome))]
    x = alt.X("call:O", title="backward() call", axis=alt.Axis(labelAngle=0))
    y = alt.Y("norm:Q", title="‖grad‖")
    per_parameter = (
        alt.Chart(_inline(rows))
        .mark_line(point=True, strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "parameter:N",
                sort=[g.name for g in outcome.gradients],
                title=None,
                legend=alt.Legend(labelLimit=220, symbolLimit=0, rowPadding=2),
            ),
            tooltip=["parameter:N", "call:O", alt.Tooltip("norm:Q", format=".4g")],
        )
    )
    overall = (
        alt.Chart(_inline(total))
        .mark_line(point=True, color="black", strokeWidth=3)
        .encode(x=x, y=y, tooltip=["call:O", alt.Tooltip("norm:Q", format=".4g", title="‖all gradients‖")])
    )
    return alt.LayerChart(
        layer=[per_parameter, overall], title="‖grad‖ after each backward() call (black: all parameters)"
    ).properties(width="container", autosize=FIT_WIDTH, height=max(240, 26 * (len(outcome.gradients) + 1)))


def timing_bars(rows: Sequence[TimingRow]) -> Chart:
    """CPU vs CUDA median per example, with its IQR as an error bar."""
    data: Rows = []
    for row in rows:
        for device, median, iqr in (
            ("cpu", row.cpu_median_s, row.cpu_iqr_s),
            ("cuda", row.cuda_median_s, row.cuda_iqr_s),
        ):
            if median is not None:
                spread = (iqr or 0.0) / 2
                data.append(
                    {
                        "example": row.spec_id,
                        "device": device,
                        "median_ms": median * 1e3,
                        "low_ms": max(median - spread, 0.0) * 1e3,
                        "high_ms": (median + spread) * 1e3,
                    }
                )
    # Medians span microseconds to seconds: a log axis, bars from a floor below the smallest (never from 0).
    floor = log_floor([d["low_ms"] for d in data] + [d["median_ms"] for d in data])
    for d in data:
        d["floor_ms"] = floor
        d["low_ms"] = max(d["low_ms"], floor)
    top = max((d["high_ms"] for d in data), default=1.0)
    base = alt.Chart(_inline(data))
    examples = [row.spec_id for row in rows]
    y = alt.Y("example:N", title=None, sort=examples, axis=alt.Axis(labelLimit=220))
    offset = alt.YOffset("device:N", sort=["cpu", "cuda"])
    x_scale = alt.Scale(type="log", domain=[floor, top * 2], nice=False)
    colours = alt.Scale(domain=["cpu", "cuda"], range=["#4c78a8", "#54a24b"])
    bars = base.mark_bar().encode(
        y=y,
        yOffset=offset,
        x=alt.X("median_ms:Q", title="median (ms, log scale)", scale=x_scale),
        x2=alt.X2("floor_ms:Q"),
        color=alt.Color("device:N", scale=colours, legend=alt.Legend(orient="top")),
        tooltip=["example:N", "device:N", alt.Tooltip("median_ms:Q", format=".4g", title="median (ms)")],
    )
    spread = base.mark_rule(color="black").encode(
        y=y, yOffset=offset, x=alt.X("low_ms:Q", scale=x_scale), x2="high_ms:Q"
    )
    return alt.LayerChart(
        layer=[bars, spread], title="median time per call, CPU vs CUDA (bar: median, line: IQR)"
    ).properties(width="container", autosize=FIT_WIDTH, height=_BAND * len(examples))


def timing_trend(points: Sequence[TrendPoint]) -> Chart:
    """Each example's median over the history's runs, one line per example and device, on a log axis."""
    data = [
        {"run": p.run_id, "series": f"{p.spec_id} ({p.device})", "median_ms": p.median_s * 1e3}
        for p in points
        if p.median_s > 0
    ]
    chart: alt.Chart = (
        alt.Chart(_inline(data), title="median per run")
        .mark_line(point=True)
        .encode(
            x=alt.X("run:Q", title="run", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("median_ms:Q", title="median (ms, log scale)", scale=alt.Scale(type="log")),
            color=alt.Color("series:N", title=None),
            tooltip=["series:N", "run:Q", alt.Tooltip("median_ms:Q", format=".4g")],
        )
        .properties(width="container", autosize=FIT_WIDTH, height=320)
    )
    return chart


# -- chart specs straight from the history, for the pages' cache ------------------------------------------
# Building an Altair or Plotly chart validates it against its schema, which takes tens of milliseconds each.
# The pages keep the finished specs in st.cache_data (keyed on the history's stamp), so a rerun after a click
# redraws without rebuilding them.

Spec = dict[str, Any]


def _gradients_of(history: History, run_id: int, spec_id: str, device: str) -> Outcome | None:
    outcome = history.outcome(run_id, spec_id, device)
    return outcome if outcome is not None and outcome.gradients else None


def layer_bars_spec(history: History, run_id: int, spec_id: str, device: str) -> Spec | None:
    outcome = _gradients_of(history, run_id, spec_id, device)
    if outcome is None or all(g.mean_abs is None for g in outcome.gradients):
        return None
    return dict(layer_bars(outcome.gradients).to_dict())


def histogram_spec(history: History, run_id: int, spec_id: str, device: str, parameter: str) -> Spec | None:
    outcome = _gradients_of(history, run_id, spec_id, device)
    chosen = next((g for g in outcome.gradients if g.name == parameter), None) if outcome else None
    return dict(histogram(chosen).to_dict()) if chosen is not None and chosen.histogram else None


def norm_growth_spec(history: History, run_id: int, spec_id: str, device: str) -> Spec | None:
    outcome = _gradients_of(history, run_id, spec_id, device)
    if outcome is None or not any(g.norms_per_call for g in outcome.gradients):
        return None
    return dict(norm_growth(outcome).to_dict())


def kernel_heatmaps_spec(history: History, run_id: int, spec_id: str, device: str) -> Spec | None:
    outcome = _gradients_of(history, run_id, spec_id, device)
    conv = first_conv(outcome.gradients) if outcome else None
    return dict(kernel_heatmaps(conv).to_plotly_json()) if conv is not None else None


def timing_bars_spec(history: History, run_id: int) -> Spec:
    rows = [r for r in timing_rows(history.outcomes(run_id), run_id) if r.cpu_median_s or r.cuda_median_s]
    return dict(timing_bars(rows).to_dict())


def timing_trend_spec(history: History, spec_ids: tuple[str, ...]) -> Spec:
    return dict(timing_trend(history_trend(history, spec_ids)).to_dict())

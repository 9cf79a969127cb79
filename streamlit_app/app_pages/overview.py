"""Overview: which examples of which notes pass on which device, in one run of the history."""

from __future__ import annotations

import streamlit as st

from harness import Status
from streamlit_app import data
from streamlit_app.view import list_param, page, param, pick_run, read, runs, set_params, table, url_key

st.title("noteproof review")
history_file = data.history_path()
all_runs = read(runs, 200)
if not all_runs:
    st.info(f"The history at `{history_file}` has no runs yet: run the specs or audit a note to fill it.")
    st.page_link(page("run"), label="Run the specs", icon=":material/play_arrow:")
    st.stop()

# The run picker and the filters; their state lives in the URL (?run=&status=&note=&device=).
picker, statuses_box, note_box, devices_box = st.columns([3, 2, 2, 1])
with picker:
    chosen_run = pick_run(all_runs)
everything = read(data.overview, chosen_run.id)
with statuses_box:
    known = [s.value for s in data.STATUS_ORDER]
    wanted_statuses = st.multiselect(
        "Status",
        known,
        default=[s for s in list_param("status") if s in known],
        placeholder="every status",
        key=url_key("overview-status", "status"),
    )
with note_box:
    notes: list[str] = ["", *everything.notes]
    wanted_note = param("note") or ""
    wanted_note = wanted_note if wanted_note in notes else ""
    wanted_note = st.selectbox(
        "Note",
        notes,
        index=notes.index(wanted_note),
        format_func=lambda n: n or "every note",
        key=url_key("overview-note", "note"),
    )
with devices_box:
    wanted_devices = st.multiselect(
        "Device",
        list(everything.devices),
        default=[d for d in list_param("device") if d in everything.devices],
        placeholder="all",
        key=url_key("overview-device", "device"),
    )
set_params(status=wanted_statuses, note=wanted_note, device=wanted_devices)

shown = read(
    data.overview,
    chosen_run.id,
    tuple(Status(s) for s in wanted_statuses) or None,
    wanted_note or None,
    tuple(wanted_devices) or None,
)

# Counts, worst first.
columns = st.columns(len(data.STATUS_ORDER) + 1)
columns[0].metric("results", shown.total)
for column, status in zip(columns[1:], data.STATUS_ORDER, strict=True):
    column.metric(status.value, shown.counts.get(status.value, 0))

st.subheader(f"Examples x devices, run {chosen_run.id}")
st.caption(f"{chosen_run.command} · {chosen_run.state} · history `{history_file}`")
if not shown.rows:
    st.info("No result matches these filters.")
else:
    st.dataframe(
        table(
            [
                {
                    "group": row.group,
                    "note": row.note,
                    "example": row.title,
                    **{device: row.statuses.get(device, "") for device in shown.devices},
                    "expected": row.expected,
                    "actual": row.actual,
                    "why": row.message,
                    "details": row.link,
                }
                for row in shown.rows
            ],
            shown.devices,
        ),
        column_config={
            "details": st.column_config.LinkColumn("details", display_text="open", width="small"),
            **{device: st.column_config.TextColumn(width="medium") for device in shown.devices},
            "expected": st.column_config.TextColumn(width="medium"),
            "actual": st.column_config.TextColumn(width="medium"),
        },
        hide_index=True,
        width="stretch",
    )

st.subheader("What changed")
if everything.previous is None:
    st.caption("This is the first run of these specs: nothing to compare with.")
elif not everything.changes:
    st.caption(f"Nothing changed since run {everything.previous.id}.")
else:
    st.caption(f"Since run {everything.previous.id}, new failures first.")
    st.dataframe(
        table(
            [
                {
                    "change": c.kind,
                    "example": c.spec_id,
                    "device": c.device,
                    "before": c.before,
                    "after": c.after,
                    "details": c.link,
                }
                for c in everything.changes
            ],
            ("before", "after"),
        ),
        column_config={"details": st.column_config.LinkColumn("details", display_text="open", width="small")},
        hide_index=True,
        width="stretch",
    )

"""What every page shares: the history file, cached reads keyed on its modification, and URL state.

Reads go through `History.open_reader` and the plain functions of `streamlit_app.data`; `st.cache_data`
keys on the history's stamp, so a page reruns from the cache until a run writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar, cast

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from harness import History, HistoryError, Outcome, RunRecord
from streamlit_app import data

T = TypeVar("T")

# One per page, so a link can name a page by its URL path; app.py registers them with st.navigation.
PAGES = {
    "overview": ("app_pages/overview.py", "Overview", "", ":material/grid_view:"),
    "example": ("app_pages/example.py", "Example", "example", ":material/search:"),
    "gradients": ("app_pages/gradients.py", "Gradients", "gradients", ":material/show_chart:"),
    "timing": ("app_pages/timing.py", "Timing", "timing", ":material/timer:"),
    "run": ("app_pages/run.py", "Run", "run", ":material/play_arrow:"),
}


def page(name: str) -> str:
    return PAGES[name][0]


def read(function: Callable[..., T], *args: object) -> T:
    """Call a data function on the open history, from the cache while the file has not changed.

    A history that cannot be read (missing, empty, corrupt, of a newer schema) ends the page with its message.
    """
    path = data.history_path()
    try:
        return cast(T, _cached(function.__module__, function.__name__, str(path), data.stamp(path), args))
    except HistoryError as exc:
        st.error(f"Cannot read the results history. {exc}")
        st.markdown(
            f"Run `noteproof run --history {path}` to make one, or start the page on another file with "
            "`noteproof review --history FILE`."
        )
        st.page_link(page("run"), label="Run the specs from this page", icon=":material/play_arrow:")
        st.stop()
        raise  # st.stop() does not return; this tells type checkers so


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(
    module: str, name: str, path: str, stamp: tuple[float, int, float, int], args: tuple[object, ...]
) -> object:
    function = getattr(__import__(module, fromlist=[name]), name)
    with History.open_reader(Path(path)) as history:
        return function(history, *args)


# -- reads the pages need that are not in data.py ---------------------------------------------------------


def runs(history: History, limit: int) -> list[RunRecord]:
    return history.runs(limit=limit)


def run(history: History, run_id: int | None, prefer_kind: str | None = None) -> RunRecord | None:
    """The run asked for; else the newest of `prefer_kind`, else the newest."""
    if run_id is not None:
        return history.run(run_id)
    return (history.latest_run(kind=prefer_kind) if prefer_kind else None) or history.latest_run()  # type: ignore[arg-type]


def outcomes(history: History, run_id: int) -> list[Outcome]:
    return history.outcomes(run_id)


# -- URL state --------------------------------------------------------------------------------------------


def param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value or None


def int_param(name: str) -> int | None:
    value = param(name)
    return int(value) if value and value.isdigit() else None


def list_param(name: str) -> list[str]:
    value = param(name)
    return [v for v in value.split(",") if v] if value else []


_WRITTEN = "noteproof:url-written"  # the query parameters as this session last wrote them
_BEFORE = "noteproof:url-before"  # the same, as they were when this rerun started


def begin_rerun() -> None:
    """Called by app.py before each page runs: what the previous rerun wrote is what widgets compare with."""
    st.session_state[_BEFORE] = st.session_state.get(_WRITTEN)


def url_key(widget: str, *names: str) -> str:
    """The key of a widget that shows URL parameters `names`, reset when the URL changed under it.

    A widget keeps its value across reruns. When a link (st.page_link with query parameters, or an edited
    address) brings parameters this session did not write, the widget starts afresh from the URL instead.
    """
    written = st.session_state.get(_BEFORE)
    changed = written is not None and any(st.query_params.get(n) != written.get(n) for n in names)
    if changed and widget in st.session_state:
        del st.session_state[widget]
    return widget


def set_params(**values: str | int | list[str] | None) -> None:
    """Write the view's state into the URL, so what is on screen can be linked to."""
    for key, value in values.items():
        if value is None or (isinstance(value, list | str) and not value):
            if key in st.query_params:
                del st.query_params[key]
        else:
            text = ",".join(value) if isinstance(value, list) else str(value)
            if st.query_params.get(key) != text:
                st.query_params[key] = text
    st.session_state[_WRITTEN] = st.query_params.to_dict()


def pick_run(runs: list[RunRecord], *, key: str = "run", prefer_kind: str | None = None) -> RunRecord:
    """A run picker over the history, its choice kept in `?run=N`.

    Without `?run=`, the newest run; or the newest of `prefer_kind` (the timing page wants a `noteproof run`, not
    an audit that timed nothing).
    """
    wanted = int_param("run")
    ids = [r.id for r in runs]
    preferred = next((r.id for r in runs if r.kind == prefer_kind), ids[0])
    index = ids.index(wanted) if wanted in ids else ids.index(preferred)
    labels = {r.id: data.run_label(r) for r in runs}
    chosen = st.selectbox("Run", ids, index=index, format_func=labels.__getitem__, key=url_key(key, "run"))
    set_params(run=chosen)
    return runs[ids.index(chosen)]


_BADGE = {
    "passed": "green",
    "failed": "red",
    "error": "violet",
    "drifted": "orange",
    "skipped": "gray",
    "unverifiable": "blue",
    "fixed": "orange",
}


def badge(label: str) -> str:
    """A status label as a coloured Markdown badge."""
    status = label.split(":", 1)[0].split(" ", 1)[0]
    if status == "passed" and "fails as written" in label:
        status = "fixed"
    return f":{_BADGE.get(status, 'gray')}-badge[{label}]"


def table(rows: Sequence[dict[str, object]], status_columns: Sequence[str] = ()) -> Styler | pd.DataFrame:
    """Rows as a data frame, its status cells coloured (a pass that needed fixes is orange, not green)."""
    frame = pd.DataFrame(list(rows))
    present = [c for c in status_columns if c in frame.columns]
    if frame.empty or not present:
        return frame
    return frame.style.map(data.status_css, subset=present)

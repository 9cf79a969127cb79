"""Every review page under Streamlit's AppTest, over the real history the harness wrote (test_review_support)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from test_review_support import APP, PROJECT, RealHistory, review_history

from harness import History
from streamlit_app import data

__all__ = ["review_history"]


def page(history: Path, name: str | None = None, **query: str) -> AppTest:
    """Open the app on `history` (as `noteproof review --history` does), on one page, with a URL query."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()  # registers the pages: switch_page needs it
    if name:
        at.switch_page(f"app_pages/{name}.py")
    at.query_params = dict(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(autouse=True)
def history_file(monkeypatch: pytest.MonkeyPatch, review_history: RealHistory) -> Path:
    monkeypatch.setenv(data.HISTORY_VARIABLE, str(review_history.path))
    return review_history.path


def elements(at: AppTest, kind: str) -> list[Any]:
    return list(at.get(kind))


def frame_rows(at: AppTest, index: int = 0) -> list[dict[str, Any]]:
    return list(at.dataframe[index].value.to_dict("records"))


def test_overview_shows_every_status_and_count(review_history: RealHistory) -> None:
    at = page(review_history.path, run=str(review_history.specs_run))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "results": "16",
        "failed": "0",
        "error": "0",
        "drifted": "1",
        "unverifiable": "0",
        "passed": "7",
        "skipped": "8",
    }
    rows = {r["example"]: r for r in frame_rows(at)}
    assert len(rows) == 8
    assert rows["l1loss-mean"]["details"] == f"/example?id=l1loss-mean&device=cpu&run={review_history.specs_run}"
    assert rows["l1loss-int-error"]["cpu"] == "drifted"
    assert rows["cnn-backward"]["cpu"] == "passed"
    assert all(r["cuda"].startswith("skipped: no CUDA device") for r in rows.values())
    for spec_id, value in (
        ("l1loss-mean", "0.6667"),
        ("l1loss-sum", "2."),
        ("mseloss", "1.3333"),
        ("crossentropy", "1.1019"),
    ):
        assert value in rows[spec_id]["expected"]
    assert at.query_params["run"] == str(review_history.specs_run)
    # The run picker offers every run in the history.
    assert [o for o in at.selectbox[0].options][:3] == [
        data.run_label(r) for r in History.open_reader(review_history.path).runs()[:3]
    ]


def test_overview_lists_what_changed_new_failures_first(review_history: RealHistory) -> None:
    at = page(review_history.path, run=str(review_history.specs_run))
    changes = frame_rows(at, 1)
    assert changes[0]["change"] == "fixed" and "l1loss-mean" in changes[0]["example"]
    assert changes[0]["before"].startswith("failed") and changes[0]["after"].startswith("passed")
    assert any("Since run 1" in c.value for c in at.caption)


def test_overview_filters_live_in_the_url(review_history: RealHistory) -> None:
    at = page(review_history.path, run=str(review_history.wrong_run), status="failed")
    rows = frame_rows(at)
    assert len(rows) == 1 and "l1loss-mean" in rows[0]["example"] and rows[0]["cpu"] == "failed"
    assert {m.label: m.value for m in at.metric}["results"] == "1"
    at.multiselect[0].set_value(["failed", "drifted"]).run()
    assert at.query_params["status"] == "failed,drifted"
    assert len(frame_rows(at)) == 2


def test_overview_of_an_audit_says_which_blocks_need_fixes(review_history: RealHistory) -> None:
    at = page(review_history.path, run=str(review_history.audit_run))
    rows = frame_rows(at)
    assert [r["example"] for r in rows][:2] == [
        "000_9f602143f38b0ad7.txt block 1 (line 26)",
        "000_9f602143f38b0ad7.txt block 2 (line 43)",
    ]
    cells = [r["cpu"] for r in rows]
    assert any(c.startswith("passed · fails as written; passes with") for c in cells), cells
    assert "passed" not in cells or any(c == "passed" for c in cells)  # a block that runs as written stays plain
    styled = at.dataframe[0].proto.arrow_data.styler.styles
    assert data.STATUS_COLOURS["fixed"][0] in styled  # drawn orange, not green


def test_example_page_shows_the_claims_expected_vs_actual(review_history: RealHistory) -> None:
    for spec_id, expected, printed in (
        ("l1loss-mean", "0.6667", "tensor(0.6667)"),
        ("l1loss-sum", "2.", "tensor(2.)"),
        ("mseloss", "1.3333", "tensor(1.3333)"),
        ("crossentropy", "1.1019", "tensor(1.1019)"),
    ):
        at = page(review_history.path, "example", id=spec_id, device="cpu", run=str(review_history.specs_run))
        assert at.title[0].value == f"{spec_id} on cpu"
        claims = frame_rows(at, 0)
        assert any(expected in c["expected"] and c["verdict"] == "passed" for c in claims), claims
        codes = [c.value for c in at.code]
        assert any(printed in c for c in codes)  # what it printed
        assert any(re.search(r"^ *1 {3}import torch$", c, re.MULTILINE) for c in codes)  # the code, numbered
        environment = {r[""]: r["value"] for r in frame_rows(at, 1)}
        assert environment["torch"].startswith("2.") and environment["device"] == "cpu"
        earlier = frame_rows(at, 2)
        assert [e["status"] for e in earlier][:2] == (
            ["passed", "failed"] if spec_id == "l1loss-mean" else ["passed", "passed"]
        )
        assert at.query_params == {"id": spec_id, "device": "cpu", "run": str(review_history.specs_run)}


def test_example_page_of_an_audited_block_shows_error_and_fix(review_history: RealHistory) -> None:
    with History.open_reader(review_history.path) as history:
        outcome = next(o for o in history.outcomes(review_history.audit_run) if o.block and o.block.fixes)
    at = page(review_history.path, "example", id=outcome.spec_id, device="cpu", run=str(review_history.audit_run))
    assert any(e.value.startswith("as written it raises") for e in at.error)
    assert any(c.language == "diff" for c in at.code)


def test_gradients_page_table_and_charts(review_history: RealHistory) -> None:
    at = page(review_history.path, "gradients", id="cnn-backward", device="cpu", run=str(review_history.specs_run))
    table = frame_rows(at)
    assert len(table) == 10
    assert table[0]["parameter"] == "model.layers.0.weight" and table[0]["shape"] == "32×3×5×5"
    assert all(r[".grad is None before"] == "True" and r[".grad is None after"] == "False" for r in table)
    assert all(r["‖grad‖"] > 0 for r in table)
    vega = [json.loads(e.proto.spec) for e in elements(at, "vega_lite_chart")]
    bars = next(s for s in vega if "mean and max" in json.dumps(s.get("title", "")))
    assert bars["encoding"]["x"]["scale"]["type"] == "log" and bars["encoding"]["x"]["scale"]["domain"][0] > 0
    assert any("gradient values of model.layers.0.weight" in json.dumps(s.get("title", "")) for s in vega)
    assert any("after each backward() call" in json.dumps(s.get("title", "")) for s in vega)
    (plotly,) = elements(at, "plotly_chart")
    figure = json.loads(plotly.proto.spec)
    heatmaps = [t for t in figure["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 4 and all(t["zmid"] == 0 for t in heatmaps)
    (graph,) = elements(at, "graphviz_chart")
    assert graph.proto.spec.startswith("digraph autograd") and "model.layers.0.weight" in graph.proto.spec
    assert any("without zero_grad()" in c.value for c in at.caption)


def test_gradients_page_histogram_follows_the_chosen_parameter(review_history: RealHistory) -> None:
    at = page(review_history.path, "gradients", id="cnn-backward", device="cpu", run=str(review_history.specs_run))
    chooser = next(s for s in at.selectbox if s.label == "Parameter")
    chooser.set_value("model.layers.8.bias").run()
    assert at.query_params["parameter"] == "model.layers.8.bias"
    titles = [json.dumps(json.loads(e.proto.spec).get("title", "")) for e in elements(at, "vega_lite_chart")]
    assert any("gradient values of model.layers.8.bias" in t for t in titles)


def test_timing_page(review_history: RealHistory) -> None:
    at = page(review_history.path, "timing", run=str(review_history.specs_run))
    rows = frame_rows(at)
    assert len(rows) == 8
    assert all(r["cpu median"] != "-" and r["cuda median"] == "-" for r in rows)
    assert any("no cuda timings" in c.value.lower() for c in at.caption)
    vega = [json.loads(e.proto.spec) for e in elements(at, "vega_lite_chart")]
    assert len(vega) == 2
    assert vega[0]["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"
    assert vega[1]["encoding"]["y"]["scale"]["type"] == "log"


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("missing", lambda p: None, "no results history here"),
        ("empty", lambda p: p.write_bytes(b""), "empty file"),
        ("corrupt", lambda p: p.write_bytes(b"this is not a database" * 100), "not a results history"),
        ("newer", None, "newer"),
    ],
)
def test_bad_history_gives_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, review_history: RealHistory, name: str, make: Any, says: str
) -> None:
    path = tmp_path / f"{name}.sqlite"
    if make is None:
        path.write_bytes(review_history.path.read_bytes())
        with sqlite3.connect(path) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            db.execute(f"PRAGMA user_version = {version + 1}")
    else:
        make(path)
    monkeypatch.setenv(data.HISTORY_VARIABLE, str(path))
    for name_of_page in (None, "example", "gradients", "timing"):
        at = page(path, name_of_page)
        (error,) = at.error
        assert error.value.startswith("Cannot read the results history.") and str(path) in error.value
        assert says.lower() in error.value.lower()


def test_empty_history_offers_the_run_button_and_a_run_fills_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fresh.sqlite"
    History.open_writer(path).close()
    monkeypatch.setenv(data.HISTORY_VARIABLE, str(path))
    at = page(path)
    assert any("has no runs yet" in i.value for i in at.info)
    assert any(link.proto.page.endswith("run") or "Run" in link.proto.label for link in elements(at, "page_link"))

    at = page(path, "run")
    at.text_input[0].set_value(str(PROJECT / "specs"))
    at.text_input[1].set_value("l1loss-sum")  # -k
    at.radio[0].set_value("cpu")
    at.checkbox[0].uncheck()
    at.button[0].click().run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("Run 1 finished: exit 0") for s in at.success), [e.value for e in at.error]
    with History.open_reader(path) as history:
        (run,) = history.runs()
        (outcome,) = history.outcomes(run.id)
    assert (outcome.spec_id, outcome.device, outcome.status.value) == ("l1loss-sum", "cpu", "passed")
    at = page(path, run="1")
    assert {m.label: m.value for m in at.metric}["passed"] == "1"


def test_run_page_refuses_a_missing_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(data.HISTORY_VARIABLE, str(tmp_path / "h.sqlite"))
    at = page(tmp_path / "h.sqlite", "run")
    at.text_input[2].set_value(str(tmp_path / "nope.md"))
    at.button[1].click().run()
    assert any("No note at" in e.value for e in at.error)
    assert not (tmp_path / "h.sqlite").exists()


def test_timing_and_gradients_default_to_the_newest_run_not_the_audit(review_history: RealHistory) -> None:
    # The newest run is the audit, which timed nothing and recorded no gradients.
    timing = page(review_history.path, "timing")
    assert timing.query_params["run"] == str(review_history.specs_run)
    assert len(frame_rows(timing)) == 8
    gradients = page(review_history.path, "gradients")
    assert gradients.query_params["run"] == str(review_history.specs_run)
    assert gradients.title[0].value == "Gradients of cnn-backward on cpu"


def test_example_page_says_which_data_ran_and_links_to_gradients(review_history: RealHistory) -> None:
    at = page(review_history.path, "example", id="cnn-backward", device="cpu", run=str(review_history.specs_run))
    (stand_in,) = at.warning
    assert stand_in.value.startswith("**CIFAR10**: stand-in, ")
    links = [link.proto for link in elements(at, "page_link")]
    assert any(link.label == "Gradient views" and "id=cnn-backward" in link.query_string for link in links), links

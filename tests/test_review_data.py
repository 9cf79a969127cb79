"""The review page's plain modules (data rows, charts, launching a run), without Streamlit, over a real history."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from test_review_support import PROJECT, SEED_NOTE, RealHistory, review_history

from harness import History, Status
from harness.cli.review import URL_VARIABLE, page_url, state_file, streamlit_argv
from streamlit_app import charts, data, launch

__all__ = ["review_history"]  # the session fixture, shared with the other review tests


@pytest.fixture
def history(review_history: RealHistory) -> Iterator[History]:
    with History.open_reader(review_history.path) as reader:
        yield reader


def rows_of(spec: dict[str, Any], part: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The data rows a chart spec (or one of its layers) draws, inline or consolidated into `datasets`."""
    data_ref = (part or spec)["data"]
    return list(data_ref["values"]) if "values" in data_ref else list(spec["datasets"][data_ref["name"]])


def test_overview_matrix_has_every_example_on_both_devices(history: History, review_history: RealHistory) -> None:
    view = data.overview(history, review_history.specs_run)
    assert [r.spec_id for r in view.rows] == sorted(p.stem for p in review_history.specs.glob("*.toml"))
    assert view.devices == ("cpu", "cuda")
    assert view.counts == {"passed": 7, "drifted": 1, "skipped": 8}
    assert view.total == 16
    rows = {r.spec_id: r for r in view.rows}
    assert rows["l1loss-mean"].statuses["cpu"] == "passed"
    assert rows["l1loss-int-error"].statuses["cpu"] == "drifted"
    assert rows["mseloss"].statuses["cuda"].startswith("skipped: no CUDA device")
    assert rows["l1loss-mean"].link == f"/example?id=l1loss-mean&device=cpu&run={review_history.specs_run}"
    for spec_id, value in (
        ("l1loss-mean", "0.6667"),
        ("l1loss-sum", "2."),
        ("mseloss", "1.3333"),
        ("crossentropy", "1.1019"),
    ):
        assert value in rows[spec_id].expected, rows[spec_id]


def test_overview_filters_by_status_note_and_device(history: History, review_history: RealHistory) -> None:
    failed = data.overview(history, review_history.wrong_run, (Status.FAILED,))
    assert [r.spec_id for r in failed.rows] == ["l1loss-mean"]
    assert failed.counts == {"failed": 1}
    cpu = data.overview(history, review_history.specs_run, None, None, ("cpu",))
    assert cpu.devices == ("cpu",) and cpu.total == 8
    assert data.overview(history, review_history.specs_run, None, "no-such-note.md").rows == ()


def test_changes_since_the_previous_run_put_new_failures_first(history: History, review_history: RealHistory) -> None:
    view = data.overview(history, review_history.specs_run)
    assert view.previous is not None and view.previous.id == review_history.wrong_run
    fixed = [c for c in view.changes if c.kind == "fixed"]
    assert [(c.spec_id, c.device, c.before.split()[0], c.after.split()[0]) for c in fixed] == [
        ("l1loss-mean", "cpu", "failed", "passed")
    ]
    # Going back from the fixed run to the broken one is a new failure, listed first.
    backwards = data.changes(history, review_history.specs_run, review_history.wrong_run)
    assert backwards[0].kind == "new failure" and backwards[0].spec_id == "l1loss-mean"


def test_an_audited_block_that_needs_fixes_is_not_a_green_pass(history: History, review_history: RealHistory) -> None:
    view = data.overview(history, review_history.audit_run)
    labels = [label for row in view.rows for label in row.statuses.values()]
    needing_fixes = [label for label in labels if "fails as written" in label]
    assert needing_fixes, labels
    assert any(label.startswith("passed · fails as written; passes with") for label in needing_fixes)
    assert "runs as written" not in " ".join(needing_fixes)
    orange, green = data.STATUS_COLOURS["fixed"][0], data.STATUS_COLOURS["passed"][0]
    for label in needing_fixes:
        assert green not in data.status_css(label)
    assert orange in data.status_css(next(label for label in needing_fixes if label.startswith("passed")))
    assert green in data.status_css("passed")
    assert {(row.group, row.note) for row in view.rows} == {(str(SEED_NOTE.parent), SEED_NOTE.name)}
    assert [row.title for row in view.rows][:2] == [
        f"{SEED_NOTE.name} block 1 (line 26)",
        f"{SEED_NOTE.name} block 2 (line 43)",
    ]


def test_example_view_shows_claims_expected_vs_actual(history: History, review_history: RealHistory) -> None:
    for spec_id, expected, printed in (
        ("l1loss-mean", "0.6667", "tensor(0.6667)"),
        ("l1loss-sum", "2.", "tensor(2.)"),
        ("mseloss", "1.3333", "tensor(1.3333)"),
        ("crossentropy", "1.1019", "tensor(1.1019)"),
    ):
        view = data.example_view(history, spec_id, "cpu", review_history.specs_run)
        assert view is not None
        assert view.outcome.status == Status.PASSED
        assert any(expected in c.expected and c.status == "passed" for c in view.claims), view.claims
        assert printed in view.outcome.stdout
        assert [line.number for line in view.code] == list(range(1, len(view.code) + 1))
        environment = dict(view.environment)
        assert environment["torch"].startswith("2.") and environment["device"] == "cpu"
        assert [e.run_id for e in view.earlier] == [review_history.specs_run, review_history.wrong_run]
    wrong = data.example_view(history, "l1loss-mean", "cpu", review_history.wrong_run)
    assert wrong is not None and wrong.outcome.status == Status.FAILED
    assert any(c.status == "failed" and "0.9999" in c.expected for c in wrong.claims)


def test_example_view_of_an_audited_block_numbers_note_lines_and_marks_claims(
    history: History, review_history: RealHistory
) -> None:
    outcomes = [o for o in history.outcomes(review_history.audit_run) if o.block and o.block.fixes]
    outcome = next(o for o in outcomes if o.block is not None and o.block.claims)
    view = data.example_view(history, outcome.spec_id, "cpu", review_history.audit_run)
    assert view is not None and outcome.block is not None
    assert view.code[0].number == outcome.block.line + 1
    claim_lines = {c.line for c in outcome.block.claims}
    marked = {line.number for line in view.code if "claim" in line.marks}
    assert marked and marked <= claim_lines
    assert view.error.startswith("as written it raises ")
    assert view.fix_diff.startswith("# ") and "\n+" in view.fix_diff


def test_gradient_rows_and_norms_per_call(history: History, review_history: RealHistory) -> None:
    outcome = history.outcome(review_history.specs_run, "cnn-backward", "cpu")
    assert outcome is not None
    rows = data.gradient_rows(outcome)
    assert [r.parameter for r in rows][:2] == ["model.layers.0.weight", "model.layers.0.bias"]
    assert len(rows) == 10
    assert all(r.none_before == "True" and r.none_after == "False" for r in rows)
    assert rows[0].shape == "32×3×5×5"
    assert all(r.norm is not None and r.norm > 0 for r in rows)
    # Four batches, four backward() calls, no zero_grad(): each parameter has four norms, the last its final one.
    for g in outcome.gradients:
        assert len(g.norms_per_call) == 4
        assert g.norm is not None and math.isclose(g.norms_per_call[-1], g.norm, rel_tol=1e-4)
    totals = data.total_norm_per_call(outcome)
    assert len(totals) == 4 and totals[-1] > totals[0]
    assert outcome.autograd_graph.startswith("digraph autograd {")
    assert "model.layers.0.weight" in outcome.autograd_graph and "ConvolutionBackward0" in outcome.autograd_graph


def test_layer_bars_are_on_a_log_scale_that_draws_zeros(history: History, review_history: RealHistory) -> None:
    outcome = history.outcome(review_history.specs_run, "cnn-backward", "cpu")
    assert outcome is not None
    # One real gradient made zero, as a layer that received nothing would be: a log axis cannot show 0.
    zeroed = replace(outcome.gradients[1], mean_abs=0.0, max_abs=0.0)
    gradients = (outcome.gradients[0], zeroed, *outcome.gradients[2:])
    spec = charts.layer_bars(gradients).to_dict()
    scale = spec["encoding"]["x"]["scale"]
    assert scale["type"] == "log"
    low, high = scale["domain"]
    assert 0 < low < high
    values = rows_of(spec)
    assert len(values) == 20
    assert all(row["drawn"] >= low and row["floor"] == low for row in values)
    zero_rows = [row for row in values if row["parameter"] == zeroed.name]
    assert {row["value"] for row in zero_rows} == {0.0} and all(row["drawn"] == low for row in zero_rows)
    assert spec["encoding"]["y"]["sort"] == [g.name for g in gradients]  # model order, not alphabetical
    assert spec["encoding"]["x2"]["field"] == "floor"  # bars start at the floor, never at 0


def test_log_floor_without_any_positive_value_is_still_positive() -> None:
    assert charts.log_floor([0.0, None, 0.0]) > 0
    assert charts.log_floor([0.5, 0.001]) == pytest.approx(0.0001)


def test_histogram_and_kernel_heatmaps(history: History, review_history: RealHistory) -> None:
    outcome = history.outcome(review_history.specs_run, "cnn-backward", "cpu")
    assert outcome is not None
    first = outcome.gradients[0]
    histogram = charts.histogram(first).to_dict()
    bins = rows_of(histogram)
    assert first.histogram is not None and sum(b["count"] for b in bins) == sum(first.histogram["counts"])
    conv = charts.first_conv(outcome.gradients)
    assert conv is not None and conv.name == "model.layers.0.weight"
    figure = charts.kernel_heatmaps(conv)
    heatmaps = [trace for trace in figure.data if trace.type == "heatmap"]
    assert len(heatmaps) == 4
    for trace in heatmaps:
        assert trace.zmid == 0 and trace.zmin == -trace.zmax
        assert len(trace.z) == 5 and len(trace.z[0]) == 5
    assert charts.DIVERGING == "RdBu_r"
    assert heatmaps[0].colorscale[0][1] != heatmaps[0].colorscale[-1][1]


def test_norm_growth_chart_has_every_call(history: History, review_history: RealHistory) -> None:
    outcome = history.outcome(review_history.specs_run, "cnn-backward", "cpu")
    assert outcome is not None
    spec = charts.norm_growth(outcome).to_dict()
    per_parameter, overall = (rows_of(spec, layer) for layer in spec["layer"])
    assert len(per_parameter) == 4 * len(outcome.gradients)
    assert [row["call"] for row in overall] == [1, 2, 3, 4]


def test_timing_rows_and_charts(history: History, review_history: RealHistory) -> None:
    rows = data.timing_rows(history.outcomes(review_history.specs_run), review_history.specs_run)
    assert len(rows) == 8
    assert all(r.cpu_median_s is not None and r.cpu_median_s > 0 for r in rows)
    assert all(r.cuda_median_s is None and r.speedup is None and "no CUDA device" in r.note for r in rows)
    bars = charts.timing_bars(rows).to_dict()
    assert bars["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"
    assert bars["layer"][0]["encoding"]["x"]["scale"]["domain"][0] > 0
    points = data.timing_trend(history, [r.spec_id for r in rows])
    assert {p.run_id for p in points} == {review_history.wrong_run, review_history.specs_run}
    trend = charts.timing_trend(points).to_dict()
    assert trend["encoding"]["y"]["scale"]["type"] == "log"
    assert all(row["median_ms"] > 0 for row in rows_of(trend))


def test_speedup_is_cpu_over_cuda(history: History, review_history: RealHistory) -> None:
    cpu = history.outcome(review_history.specs_run, "l1loss-mean", "cpu")
    assert cpu is not None and cpu.timing is not None
    # The same real record, moved to a device that took a quarter of the time.
    cuda = replace(cpu, device="cuda", timing=replace(cpu.timing, median_s=cpu.timing.median_s / 4))
    (row,) = data.timing_rows([cpu, cuda], 1)
    assert row.speedup == pytest.approx(4.0)


def test_stamp_changes_when_a_run_writes(tmp_path: Path, review_history: RealHistory) -> None:
    copy = tmp_path / "h.sqlite"
    copy.write_bytes(review_history.path.read_bytes())
    before = data.stamp(copy)
    with History.open_writer(copy) as writer:
        writer.finish_run(writer.start_run({}, "noteproof run"), "complete")
    assert data.stamp(copy) != before
    assert data.stamp(tmp_path / "missing.sqlite") == (0.0, 0, 0.0, 0)


def test_history_path_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(data.HISTORY_VARIABLE, "/somewhere/h.sqlite")
    assert data.history_path() == Path("/somewhere/h.sqlite")
    monkeypatch.delenv(data.HISTORY_VARIABLE)
    assert data.history_path() == Path(".noteproof/results.sqlite")


def test_launch_commands_and_planned_results(review_history: RealHistory) -> None:
    argv = launch.run_argv(Path("h.sqlite"), ["specs"], "cpu", "l1loss", timing=False)
    assert argv[:4] == [sys.executable, "-m", "harness", "run"]
    assert argv[4:] == ["specs", "--history", "h.sqlite", "--device", "cpu", "-k", "l1loss", "--no-timing"]
    assert launch.planned_results([str(review_history.specs)], "all", "") == 16
    assert launch.planned_results([str(review_history.specs)], "cpu", "l1loss") == 3
    assert launch.audit_argv(Path("h"), "n.md", "cpu")[3:] == ["audit", "n.md", "--history", "h", "--device", "cpu"]
    assert launch.newest_run_id(review_history.path) == review_history.audit_run
    assert launch.newest_run_id(Path("/nonexistent/h.sqlite")) == 0
    progress = launch.progress(review_history.path, review_history.wrong_run)
    assert progress.run_id == review_history.specs_run and progress.done == 16 and progress.state == "complete"


def test_review_binds_localhost_unless_told(review_history: RealHistory) -> None:
    argv = streamlit_argv(PROJECT / "streamlit_app" / "app.py", "127.0.0.1", 8600)
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    assert argv[argv.index("--server.port") + 1] == "8600"
    assert os.path.isfile(argv[4])


def test_page_links_for_show_and_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history = tmp_path / "results.sqlite"
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    assert page_url(history, "notes/loss.md#5", "cpu", 3) is None  # no page running, none configured
    state_file(history).write_text(json.dumps({"url": "http://localhost:8501", "pid": 2**22 + 12345}))
    assert page_url(history, "l1loss-mean", "cpu") is None  # the page that wrote it is gone
    state_file(history).write_text(json.dumps({"url": "http://localhost:8501", "pid": os.getpid()}))
    assert page_url(history, "notes/loss.md#5", "cpu", 3) == (
        "http://localhost:8501/example?id=notes%2Floss.md%235&device=cpu&run=3"
    )
    monkeypatch.setenv(URL_VARIABLE, "https://review.example/")
    assert (
        page_url(tmp_path / "other.sqlite", "mseloss", "cuda")
        == "https://review.example/example?id=mseloss&device=cuda"
    )


def test_the_page_reads_while_a_run_writes(tmp_path: Path, review_history: RealHistory) -> None:
    copy = tmp_path / "h.sqlite"
    copy.write_bytes(review_history.path.read_bytes())
    with History.open_reader(review_history.path) as source:
        outcomes = source.outcomes(review_history.specs_run)
    with History.open_writer(copy) as writer:
        run_id = writer.start_run({}, "noteproof run specs")
        for done, outcome in enumerate(outcomes, start=1):
            writer.record(run_id, outcome)  # committed; the run is still `running`
            with History.open_reader(copy) as reader:
                view = data.overview(reader, run_id)
                assert view.run is not None and view.run.state == "running"
                assert view.total == done
            assert launch.progress(copy, review_history.audit_run) == launch.Progress(run_id, done, "running")
        writer.finish_run(run_id, "complete")

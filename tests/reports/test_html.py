"""report.html, opened in a real headless Chromium: it renders, and shows the report's numbers (summary.html: tests/batch/test_summary.py)."""

from __future__ import annotations

from pathlib import Path

from grader.reports import charts
from grader.reports import html as html_report
from grader.reports.report import Report

from chromium import by_id, dump_dom, elements, having, not_blank, screenshot, title
from classroom import stored


def page(tmp_path: Path, name: str, report: dict, assignment, student: str) -> Path:
    path = tmp_path / f"{name}.html"
    path.write_text(html_report.render(Report.from_json(report), assignment, student))
    return path


def series(dom: str) -> dict[tuple[str, str], list[float]]:
    """(chart, series) → the values drawn, for each series of each chart in order."""
    found = {}
    charts_in_order = [element.attrs["aria-label"] for element in having(dom, "aria-label")]
    drawn = having(dom, "data-series")
    per_chart = len(drawn) // max(len(charts_in_order), 1)
    for index, element in enumerate(drawn):
        values = [float(value) for value in element.attrs["data-values"].split(",") if value]
        found[(charts_in_order[index // per_chart], element.attrs["data-series"])] = values
    return found


def test_a_report_shows_the_training_curve_the_threshold_the_stop_and_the_reference(tmp_path, assignment):
    report = stored("passes_as_module")
    path = page(tmp_path, "pia", report, assignment, "pia")
    dom = dump_dom(path)
    assert title(dom) == "pia · fashion_mnist_callback: 100/100"
    assert by_id(dom, "score").attrs["data-score"] == "100.0" and by_id(dom, "status").attrs["data-status"] == "graded"
    checks = {row.attrs["data-check"]: row.attrs["data-passed"] for row in having(dom, "data-check")}
    assert checks == {"model": "true", "callback": "true", "stopped_by_callback": "true", "accuracy": "true", "reference": "true"}
    drawn = series(dom)
    rounded = lambda values: [round(value, 4) for value in values]  # noqa: E731
    assert drawn[("Training accuracy per epoch", "yours")] == rounded(report["metrics"]["history"]["accuracy"])
    assert drawn[("Training accuracy per epoch", "reference")] == rounded(report["reference"]["history"]["accuracy"])
    assert drawn[("Training loss per epoch", "yours")] == rounded(report["metrics"]["history"]["loss"])
    assert [marker.attrs["data-value"] for marker in having(dom, "data-value") if marker.tag == "g"] == ["0.88"]
    assert [marker.attrs["data-epoch"] for marker in having(dom, "data-epoch")] == ["3", "3"]
    assert by_id(dom, "stop-summary").text == "The graded callback stopped training in epoch 3 of 10."
    assert not_blank(screenshot(path, tmp_path / "pia.png"))


def test_a_run_the_epoch_limit_ended_has_no_stop_line(tmp_path, assignment):
    dom = dump_dom(page(tmp_path, "sam", stored("stops_at_epoch_limit"), assignment, "sam"))
    assert having(dom, "data-epoch") == []
    assert by_id(dom, "stop-summary").text == "Training ran 10 of 10 epochs; no callback stopped it."
    assert [row.attrs["data-passed"] for row in having(dom, "data-check")] == ["true", "false", "false", "true", "true"]
    assert len(series(dom)[("Training accuracy per epoch", "yours")]) == 10


def test_a_run_that_stopped_early_shows_why_and_no_curve(tmp_path, assignment):
    dom = dump_dom(page(tmp_path, "ben", stored("raises_in_cell"), assignment, "ben"))
    assert "your code raised NameError: name 'undefined_helper' is not defined" in by_id(dom, "problem").text
    assert by_id(dom, "no-training").text.startswith("No training was observed")
    assert by_id(dom, "status").attrs["data-status"] == "error"


def test_hostile_text_is_shown_as_text_never_run(tmp_path, assignment):
    report = {
        **stored("raises_in_cell"),
        "message": "x <img src=x onerror=\"document.title='pwned'\">",
        "output": "<script>document.title = 'pwned'</script><b>bold</b>",
    }
    path = page(tmp_path, "hal", report, assignment, "<hal>")
    dom = dump_dom(path)
    assert title(dom) == "<hal> · fashion_mnist_callback: 0/100"
    assert "<script>document.title = 'pwned'</script><b>bold</b>" == by_id(dom, "output").text
    assert [element.tag for element in elements(dom) if element.tag in ("script", "img", "b")] == []


def test_line_charts_break_at_missing_values_and_escape_labels():
    svg = charts.line_chart(charts.LineChart("a <b>", (charts.Series("x&y", (0.5, None, 0.7, 0.8)),)))
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 3
    assert 'data-series="x&amp;y" data-values="0.5000,,0.7000,0.8000"' in svg and "<title>a &lt;b&gt;</title>" in svg
    assert charts.nice_ticks(0.81, 0.92) == [0.8, 0.85, 0.9, 0.95]
    assert charts.nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]

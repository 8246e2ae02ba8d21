"""The training charts' geometry: every label inside the chart, read back from the SVG the chart returns, and measured in Chromium."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from grader.reports import charts
from grader.reports import html as html_report
from grader.reports.charts import LineChart, Marker, Series
from grader.reports.report import Report

from chromium import by_id, dump_dom, having, not_blank, screenshot
from classroom import stored

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def view_box(root: ElementTree.Element) -> tuple[float, float, float, float]:
    left, top, width, height = (float(value) for value in root.attrib["viewBox"].split())
    return left, top, left + width, top + height


def text_box(element: ElementTree.Element) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a label as drawn: its anchor, an estimated width, the font's height above the baseline."""
    x, y, width = float(element.attrib["x"]), float(element.attrib["y"]), charts.text_width(element.text or "")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[element.attrib.get("text-anchor", "start")]
    return left, y - charts.FONT_SIZE, left + width, y + 3


def labels(svg: str) -> list[tuple[str, tuple[float, float, float, float]]]:
    return [(element.text or "", text_box(element)) for element in parsed(svg).iter(f"{SVG}text")]


def outside(svg: str) -> list[str]:
    """The labels whose box leaves the viewBox."""
    left, top, right, bottom = view_box(parsed(svg))
    return [text for text, (x0, y0, x1, y1) in labels(svg) if x0 < left or y0 < top or x1 > right or y1 > bottom]


def chart(epochs: int, stop: int | None, due: int | None, threshold: float | None = 0.88) -> LineChart:
    accuracy = tuple(0.80 + 0.1 * epoch / max(epochs, 1) for epoch in range(1, epochs + 1))
    return LineChart(
        "Training accuracy per epoch",
        (Series("yours", accuracy), Series("reference", accuracy[:3], "reference")),
        Marker(threshold, f"threshold {threshold:g}") if threshold is not None else None,
        Marker(stop, f"callback stopped: epoch {stop}") if stop else None,
        (0.0, 1.0),
        Marker(due, f"should have stopped: epoch {due}") if due else None,
    )


CASES = [
    (epochs, stop, due, threshold)
    for epochs in (1, 2, 3, 7, 10, 12)
    for stop in (None, 1, epochs)
    for due in (None, 1, epochs)
    for threshold in (None, 0.0, 0.88, 0.9, 1.0)
]


@pytest.mark.parametrize("epochs, stop, due, threshold", CASES)
def test_every_label_stays_inside_the_chart(epochs, stop, due, threshold):
    svg = charts.line_chart(chart(epochs, stop, due, threshold))
    assert len(labels(svg)) >= 4
    assert outside(svg) == []


def test_a_stop_on_the_last_epoch_is_labelled_left_of_its_line_and_the_first_right_of_it():
    root = parsed(charts.line_chart(chart(3, stop=3, due=1)))
    stop, due = root.find(f"{SVG}g[@class='stop']"), root.find(f"{SVG}g[@class='due']")
    assert (stop.attrib["data-epoch"], due.attrib["data-due-epoch"]) == ("3", "1")
    for group, side in ((stop, "end"), (due, "start")):
        line, text = group.find(f"{SVG}line"), group.find(f"{SVG}text")
        assert text.attrib["text-anchor"] == side
        assert (float(text.attrib["x"]) < float(line.attrib["x1"])) == (side == "end")
    assert text_box(stop.find(f"{SVG}text"))[1] < text_box(due.find(f"{SVG}text"))[1]  # two rows: the labels never overlap
    assert stop.find(f"{SVG}text").text == "callback stopped: epoch 3"


def test_a_threshold_at_the_top_is_labelled_below_its_line_and_elsewhere_above():
    for threshold, below in ((1.0, True), (0.85, False)):
        root = parsed(charts.line_chart(chart(5, None, None, threshold)))
        group = root.find(f"{SVG}g[@class='threshold']")
        line_y, text_y = float(group.find(f"{SVG}line").attrib["y1"]), float(group.find(f"{SVG}text").attrib["y"])
        assert (text_y > line_y) == below, threshold


MEASURE = """<script>
for (const text of document.querySelectorAll("svg text")) {
  const box = text.getBBox();
  text.setAttribute("data-box", [box.x, box.y, box.x + box.width, box.y + box.height].join(","));
}
document.body.setAttribute("id", "measured");
</script>"""


def test_chromium_draws_every_label_inside_the_chart_and_no_wider_than_estimated(tmp_path):
    """The estimate the placement relies on, held against the widths Chromium lays out with the report's own style."""
    style = html_report.PAGES.get_template("_style.css.j2").render()
    shown = [
        charts.line_chart(chart(epochs, stop, due, threshold))
        for epochs, stop, due, threshold in ((3, 3, 3, 0.88), (10, 10, 4, 1.0), (1, 1, 1, 0.0), (12, 1, 12, 0.9))
    ]
    page = tmp_path / "charts.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{style}</style></head><body>"
        + "".join(f"<div class='charts'><figure>{svg}</figure></div>" for svg in shown)
        + MEASURE
        + "</body></html>"
    )
    dom = dump_dom(page)
    assert by_id(dom, "measured")
    measured = [tuple(float(v) for v in element.attrs["data-box"].split(",")) for element in having(dom, "data-box")]
    estimated = [box for svg in shown for _, box in labels(svg)]
    assert len(measured) == len(estimated) > 20
    for (x0, y0, x1, y1), (e0, _, e1, _) in zip(measured, estimated):
        assert 0 <= x0 and x1 <= charts.WIDTH and 0 <= y0 and y1 <= charts.HEIGHT
        assert x1 - x0 <= e1 - e0 + 0.5
    assert not_blank(screenshot(page, tmp_path / "charts.png", "900,1400"))


def test_the_report_marks_where_training_should_have_stopped(tmp_path, assignment):
    for name, due, stop in (("stops_at_epoch_limit", ["4", "4"], []), ("passes_as_module", ["3", "3"], ["3", "3"])):
        path = tmp_path / f"{name}.html"
        path.write_text(html_report.render(Report.from_json(stored(name)), assignment, "pia"))
        dom = dump_dom(path)
        assert [element.attrs["data-due-epoch"] for element in having(dom, "data-due-epoch")] == due
        assert [element.attrs["data-epoch"] for element in having(dom, "data-epoch")] == stop
        assert not_blank(screenshot(path, tmp_path / f"{name}.png"))

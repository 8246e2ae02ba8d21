"""Writing one report: report.json, report.md, report.html and (when the report has the notebook as it ran) feedback.html, into a folder opened safely."""

from __future__ import annotations

import json

from grader.files import Folder
from grader.reports import feedback, html, reuse
from grader.reports.render import markdown
from grader.reports.report import Report
from grader.spec import AssignmentSpec


def write(report: Report, folder: Folder, spec: AssignmentSpec, student: str = "") -> None:
    """The files, each written to a fresh temporary file and renamed into place (``grader.files``)."""
    if report.notebook is not None:
        folder.write_text(html.FEEDBACK, reuse.kept_page(report, spec, student, lambda: feedback.render(report, spec, student)))
    folder.write_text("report.json", json.dumps(report.to_json(), indent=2) + "\n")
    folder.write_text("report.md", markdown(report))
    folder.write_text("report.html", html.render(report, spec, student))

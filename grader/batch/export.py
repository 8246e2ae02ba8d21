"""The gradebook in other systems' formats: gradebook.csv, Gradescope results.json, JUnit XML.

    gradebook.csv                 one row per student: status, score, percent, points per check, versions
    gradescope/<student>/results.json   Gradescope's autograder results, one per submission
    junit.xml                     one test suite per student, one test case per check, for CI dashboards

Everything is read from the gradebook alone; students not graded yet appear in
the CSV as "pending" and nowhere else.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.batch.gradebook import Gradebook, Row

CSV, GRADESCOPE, JUNIT = "gradebook.csv", "gradescope", "junit.xml"
FIXED = ["student", "file", "status", "score", "max_score", "percent"]
TRAILING = ["message", "duration_seconds", "graded_at", "attempts", "content_hash", "assignment_version", "grader_version"]


NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Exported:
    folder: Path
    results: tuple[Path, ...]  # the Gradescope results.json files

    def paths(self) -> list[Path]:
        return [self.folder / CSV, self.folder / GRADESCOPE, self.folder / JUNIT]


def _xml(text: str) -> str:
    """Text XML 1.0 can hold: control characters (ANSI colours, say) become U+FFFD."""
    return NOT_XML.sub("\ufffd", text)


def _first(text: str, default: str) -> str:
    return _xml(text.strip().splitlines()[0]) if text.strip() else default


def check_ids(rows: tuple[Row, ...]) -> list[str]:
    """Every check id in the gradebook, in the order the assignment lists them."""
    found: list[str] = []
    for row in rows:
        found += [check.id for check in row.checks if check.id not in found]
    return found


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def gradebook_csv(rows: tuple[Row, ...]) -> str:
    checks = check_ids(rows)
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([*FIXED, *checks, *TRAILING])
    for row in rows:
        points = {check.id: check.score for check in row.checks}
        percent = round(100 * row.score / row.max_score, 2) if row.score is not None and row.max_score else None
        writer.writerow([
            row.student, row.file_name, row.status, _number(row.score), _number(row.max_score), _number(percent),
            *(_number(points.get(check)) for check in checks),
            row.message.strip().splitlines()[0] if row.message.strip() else "", _number(row.duration_seconds), row.finished_at,
            row.attempts, row.content_hash, row.assignment_version, row.grader_version,
        ])
    return stream.getvalue()


def gradescope(row: Row) -> dict[str, Any]:
    """Gradescope's results.json for one graded submission."""
    tests = [
        {"name": check.title, "number": str(number), "score": check.score, "max_score": check.max_score,
         "status": "passed" if check.passed else "failed", "output": check.message, "tags": [check.id], "visibility": "visible"}
        for number, check in enumerate(row.checks, start=1)
    ]
    return {
        "score": row.score, "execution_time": round(row.duration_seconds or 0.0, 2),
        "output": row.message or f"Graded: {row.score:g}/{row.max_score:g}.", "output_format": "text",
        "visibility": "visible", "stdout_visibility": "hidden", "tests": tests,
        "extra_data": {"student": row.student, "status": row.status, "content_hash": row.content_hash,
                       "assignment_version": row.assignment_version, "grader_version": row.grader_version},
    }


def _case(suite: ElementTree.Element, assignment: str, row: Row, check: Any) -> None:
    case = ElementTree.SubElement(suite, "testcase", classname=f"{assignment}.{row.student}", name=check.id, time="0")
    if row.status != "graded":
        ElementTree.SubElement(case, "error", type=row.status, message=_first(row.message, row.status)).text = _xml(row.message)
    elif not check.passed:
        ElementTree.SubElement(case, "failure", type="failed", message=_first(check.message, "failed")).text = _xml(check.message)


def junit(rows: tuple[Row, ...], assignment: str) -> str:
    """JUnit XML: a suite per student, a case per check; a run that stopped early makes every case an error."""
    finished = [row for row in rows if row.status != "pending"]
    root = ElementTree.Element("testsuites", name=assignment)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for row in finished:
        failures = 0 if row.status != "graded" else sum(not check.passed for check in row.checks)
        errors = len(row.checks) if row.status != "graded" else 0
        suite = ElementTree.SubElement(root, "testsuite", name=row.student, tests=str(len(row.checks)), failures=str(failures),
                                       errors=str(errors), skipped="0", time=f"{row.duration_seconds or 0:.2f}", timestamp=row.finished_at)
        properties = ElementTree.SubElement(suite, "properties")
        for key, value in (("status", row.status), ("score", _number(row.score)), ("max_score", _number(row.max_score)), ("file", row.file_name)):
            ElementTree.SubElement(properties, "property", name=key, value=_xml(value))
        for check in row.checks:
            _case(suite, assignment, row, check)
        totals = {"tests": totals["tests"] + len(row.checks), "failures": totals["failures"] + failures, "errors": totals["errors"] + errors}
    root.attrib.update({key: str(value) for key, value in totals.items()})
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def export(folder: Path, to: Path | None = None) -> Exported:
    """Write the three exports of the batch in ``folder`` into ``to`` (default ``folder/export``)."""
    to = to or folder / "export"
    with Gradebook.existing(folder) as book:
        rows, assignment = book.rows(), book.meta("assignment") or ""
    to.mkdir(parents=True, exist_ok=True)
    (to / CSV).write_text(gradebook_csv(rows), encoding="utf-8")
    written = []
    for row in rows:
        if row.status != "pending":
            path = to / GRADESCOPE / row.student / "results.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(gradescope(row), indent=2) + "\n", encoding="utf-8")
            written.append(path)
    (to / JUNIT).write_text(junit(rows, assignment), encoding="utf-8")
    return Exported(to, tuple(written))

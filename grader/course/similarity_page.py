"""similarity.html: the pairs above the threshold, most alike first, side by side with the matching lines marked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from grader.reports.html import PAGES


def render(assignment: str, shown: Sequence[object], compared: int, threshold: float, left_out: Sequence[str]) -> str:
    return PAGES.get_template("similarity.html.j2").render(
        assignment=assignment,
        shown=shown,
        compared=compared,
        threshold=threshold,
        left_out=left_out,
        written=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )

"""A course week for tests: course.toml, an LMS roster of 12, hand-ins that grade in seconds (no training).

student  hand-in                            expected
ana      sequential_list.py, on time        graded 40; a TA adds 10 on `accuracy` → 50
bo       near_copy.py, on time              graded 40; a near copy of cy's
cy       original.py, on time               graded 40
dan, eli nothing                            missing
fay      model_add.py, 26 h late            graded 40, 2 started days × 10 % → 32
gil      reshaped_conv.py, 5 days late      graded 40, refused → 0
hal      empty.ipynb                        invalid 0
ida      syntax_error.ipynb                 error 0
jo, kim  the untouched starter              graded 0; alike only in starter code
lee      functional_api.py, on time         graded 40
zed      missing_graded_name.ipynb          not on the roster: flagged, error 0
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from conftest import ROOT, SUBMISSIONS

ASSIGNMENT = "fashion_mnist_callback"
DUE = datetime(2026, 11, 9, 23, 59, tzinfo=timezone.utc)
MODULES = Path(__file__).resolve().parent / "course" / "submissions"
STARTER = ROOT / "assignments" / ASSIGNMENT / "starter.ipynb"
COURSE_TOML = f"""
[course]
title = "Deep learning, autumn 2026"

[late]
policy = "penalty"
percent_per_day = 10
max_days = 3

[export]
missing = "empty"

[[assignments]]
name = "{ASSIGNMENT}"
opens = 2026-11-02T09:00:00Z
due = 2026-11-09T23:59:00Z
canvas_id = 48213
"""
ROSTER = [  # as Canvas's people export names the columns
    ("Student", "SIS User ID", "Email", "Section"),
    *(
        (name.title(), name, f"{name}@example.org", "A" if index < 6 else "B")
        for index, name in enumerate(["ana", "bo", "cy", "dan", "eli", "fay", "gil", "hal", "ida", "jo", "kim", "lee"])
    ),
]
HANDINS = {  # student → (file, where it comes from, handed in how long after the due time)
    "ana": ("sequential_list.py", MODULES, timedelta(hours=-30)),
    "bo": ("near_copy.py", MODULES, timedelta(hours=-2)),
    "cy": ("original.py", MODULES, timedelta(days=-3)),
    "fay": ("model_add.py", MODULES, timedelta(hours=26)),
    "gil": ("reshaped_conv.py", MODULES, timedelta(days=5)),
    "hal": ("empty.ipynb", SUBMISSIONS, timedelta(hours=-1)),
    "ida": ("syntax_error.ipynb", SUBMISSIONS, timedelta(hours=-1)),
    "jo": ("starter.ipynb", STARTER.parent, timedelta(hours=-5)),
    "kim": ("starter.ipynb", STARTER.parent, timedelta(hours=-6)),
    "lee": ("functional_api.py", MODULES, timedelta(minutes=-1)),
    "zed": ("missing_graded_name.ipynb", SUBMISSIONS, timedelta(hours=-1)),
}
LATE_BY_MANIFEST = ("fay", "gil")  # their times come from the LMS's manifest; the others' from the files' mtimes
FINAL = {"ana": 50, "bo": 40, "cy": 40, "dan": None, "eli": None, "fay": 32, "gil": 0, "hal": 0, "ida": 0, "jo": 0, "kim": 0, "lee": 40}


def write_course(folder: Path) -> Path:
    """The course folder with its hand-ins; the roster is left for ``grader roster import`` (from ``lms_roster.csv``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.toml").write_text(COURSE_TOML)
    (folder / "lms_roster.csv").write_text("\n".join(",".join(row) for row in ROSTER) + "\n")
    handins = folder / "handins" / ASSIGNMENT
    manifest = ["student,submitted_at"]
    for student, (name, source, offset) in HANDINS.items():
        (handins / student).mkdir(parents=True)
        shutil.copy(source / name, handins / student / name)
        moment = (DUE + offset).timestamp()
        if student in LATE_BY_MANIFEST:
            manifest.append(f"{student},{(DUE + offset).isoformat().replace('+00:00', 'Z')}")
            moment = (DUE - timedelta(days=1)).timestamp()  # the mtime says on time; the manifest wins
        os.utime(handins / student, (moment, moment))
    (folder / "handins" / f"{ASSIGNMENT}.submitted_at.csv").write_text("\n".join(manifest) + "\n")
    return folder

"""A course: its assignments with open and due dates, a late policy, a roster, where hand-ins land.

``course.toml`` in the course folder is the contract (see ``config``); ``roster.csv`` beside it
lists the students (see ``roster``). ``grader batch --course``, ``grader export --course`` and
``grader serve`` read it.
"""

from grader.course.config import Course, CourseAssignment, CourseError, Lateness, LatePolicy, load
from grader.course.roster import Student, import_roster, read_roster

__all__ = ["Course", "CourseAssignment", "CourseError", "LatePolicy", "Lateness", "Student", "import_roster", "load", "read_roster"]

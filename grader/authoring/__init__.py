"""Authoring: the starter made from the reference (``assign``), the check that the two agree
(``agreement``, run by `grader validate`), and the bundle students may hold (``bundle``)."""

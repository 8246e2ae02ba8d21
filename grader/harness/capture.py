"""What each cell printed, kept apart while it runs, for the student's feedback page; and which cell defined each graded name.

A tee on ``sys.stdout`` and ``sys.stderr`` writes everything through to the stream it replaces,
so the run's combined output (which the sandbox collapses and counts against the output limit)
is unchanged, and keeps a small copy for the cell now running: a line redrawn with carriage
returns (a progress bar) keeps only its last drawing, and each stream of a cell keeps at most
``PART_LIMIT`` characters, its first and its last lines. Sent as the ``cells.json`` frame: shown
to the student, a claim that decides no point. Imports nothing of the trusted grader.
"""

from __future__ import annotations

import time
from collections import deque
from contextlib import contextmanager
from typing import Any

PART_LIMIT = 20_000  # characters kept per cell and stream
TOTAL_LIMIT = 100_000  # characters sent in all
SEND_EVERY = 2.0  # seconds between two frames while the run goes on


def last_drawing(line: str) -> str:
    """The line from its last carriage return that more text follows: what a redrawn line finally shows."""
    cut = line.rstrip("\r").rfind("\r")
    return line[cut + 1 :] if cut >= 0 else line


class Kept:
    """One stream of one cell: its first lines, its last lines, and how many characters fell between."""

    def __init__(self, limit: int = PART_LIMIT):
        self.half = limit // 2
        self.head: list[str] = []
        self.head_size = 0
        self.tail: deque[str] = deque()
        self.tail_size = 0
        self.line = ""  # the line being written, redrawings cut
        self.omitted = 0

    def write(self, text: str) -> None:
        *finished, rest = text.split("\n")
        for piece in finished:
            self._keep(last_drawing(self.line + piece) + "\n")
            self.line = ""
        self.line = last_drawing(self.line + rest)
        if len(self.line) > self.half:
            self.omitted += len(self.line) - self.half
            self.line = self.line[: self.half]

    def _keep(self, line: str) -> None:
        if len(line) > self.half:
            self.omitted += len(line) - self.half
            line = line[: self.half - 1] + "\n"
        if not self.tail and self.head_size + len(line) <= self.half:
            self.head.append(line)
            self.head_size += len(line)
            return
        self.tail.append(line)
        self.tail_size += len(line)
        while self.tail_size > self.half:
            dropped = self.tail.popleft()
            self.tail_size -= len(dropped)
            self.omitted += len(dropped)

    @property
    def size(self) -> int:
        return self.head_size + self.tail_size + len(self.line)

    def as_json(self) -> dict[str, Any]:
        return {"head": "".join(self.head), "tail": "".join(self.tail) + self.line, "omitted": self.omitted}


class Tee:
    """Stands in for ``sys.stdout`` or ``sys.stderr``: writes through, and keeps a copy for the cell now running."""

    def __init__(self, stream, name: str, capture: Capture):
        self._stream, self._name, self._capture = stream, name, capture

    def write(self, text):
        written = self._stream.write(text)
        if type(text) is str:
            self._capture.add(self._name, text)
        return written

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


class Capture:
    """Every cell's printed output, by the cell's index among those run, and what the grader's own call of the training function printed."""

    def __init__(self, watched: list[str], clock=time.monotonic):
        self.watched, self.clock = list(watched), clock
        self.parts: dict[int | str, dict[str, Kept]] = {}
        self.current: dict[str, Kept] | None = None
        self.defined: dict[str, int] = {}  # graded name → index of the last cell that bound it
        self.sent_at = -SEND_EVERY

    def install(self, sys_module) -> None:
        sys_module.stdout = Tee(sys_module.stdout, "stdout", self)
        sys_module.stderr = Tee(sys_module.stderr, "stderr", self)

    def add(self, name: str, text: str) -> None:
        if self.current is not None:
            self.current[name].write(text)

    @contextmanager
    def cell(self, key: int | str, namespace: dict | None = None):
        """Keep what runs inside under ``key`` (a cell's index, or "training"); note the graded names a cell binds."""
        before = {name: namespace.get(name) for name in self.watched} if namespace is not None else {}
        self.current = self.parts.setdefault(key, {"stdout": Kept(), "stderr": Kept()})
        try:
            yield
        finally:
            self.current = None
            if namespace is not None and isinstance(key, int):
                self.defined.update({name: key for name, value in before.items() if name in namespace and namespace[name] is not value})

    def as_json(self) -> dict[str, Any]:
        """The frame: each cell's streams in the order they ran, whole while the total allows, then only counted."""
        cells, training, budget = [], None, TOTAL_LIMIT
        for key, streams in self.parts.items():
            shown: dict[str, dict[str, Any]] = {}
            for name, kept in streams.items():
                fits = kept.size <= budget
                shown[name] = kept.as_json() if fits else {"head": "", "tail": "", "omitted": kept.size + kept.omitted}
                budget -= kept.size if fits else 0
            if key == "training":
                training = shown
            else:
                cells.append({"index": key, **shown})
        return {"cells": cells, "training": training, "defined": dict(self.defined)}

    def send(self, send_json, now: bool = True) -> None:
        """Send ``cells.json``; unless ``now``, only if the last was sent ``SEND_EVERY`` seconds ago."""
        if now or self.clock() - self.sent_at >= SEND_EVERY:
            self.sent_at = self.clock()
            send_json("cells.json", self.as_json())

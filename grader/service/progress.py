"""What each grading is doing now, for the live pages: its stage, its epochs, its checks.

The grading engine reports events from the worker's side (``run_job(..., on_event=...)``):
``{"kind": "stage", "stage": ...}``, ``{"kind": "epoch", "epoch", "of", "accuracy", "loss"}`` and
``{"kind": "check", "id", "passed"}``. The board keeps them per hand-in while it grades, and a
version number that changes with anything a live page shows, so a page's event stream sends an
update only when there is one.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Any

STAGES = ("queued", "loading", "running", "evaluating", "scoring", "done")
MAX_EPOCHS = 1000  # shown per grading; the training's own numbers come from the sandbox, so they are only shown, never trusted
Key = tuple[str, int]  # (assignment, hand-in id)


def _number(value: Any) -> float | int | None:
    """A finite number, or None: what the page shows of an event's value."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


class Board:
    def __init__(self) -> None:
        self._lock, self._version = threading.Lock(), 0
        self._live: dict[Key, dict[str, Any]] = {}
        self.problem = ""  # a fault of the machine that holds the queue, for the instructors' page

    @property
    def version(self) -> int:
        return self._version

    def bump(self) -> None:
        with self._lock:
            self._version += 1

    def started(self, key: Key, stage: str = "loading") -> None:
        with self._lock:
            self._live[key] = {"stage": stage, "epochs": [], "checks": []}
            self._version += 1

    def event(self, key: Key, event: dict[str, Any]) -> None:
        """One event of the grading engine; anything unexpected in it is ignored, never raised."""
        with self._lock:
            live = self._live.get(key)
            if live is None or not isinstance(event, dict):
                return
            if event.get("kind") == "stage" and event.get("stage") in STAGES:
                live["stage"] = event["stage"]
            elif event.get("kind") == "epoch" and isinstance(event.get("epoch"), int) and len(live["epochs"]) < MAX_EPOCHS:
                live["epochs"].append({name: _number(event.get(name)) for name in ("epoch", "of", "accuracy", "loss")})
            elif event.get("kind") == "check" and isinstance(event.get("id"), str):
                live["checks"].append({"id": event["id"], "passed": bool(event.get("passed"))})
            else:
                return
            self._version += 1

    def finished(self, key: Key) -> None:
        with self._lock:
            self._live.pop(key, None)
            self._version += 1

    def live(self, key: Key) -> dict[str, Any] | None:
        with self._lock:
            found = self._live.get(key)
            return None if found is None else {"stage": found["stage"], "epochs": list(found["epochs"]), "checks": list(found["checks"])}

    async def changed(self, seen: int, seconds: float = 15.0) -> int:
        """Wait until the version is no longer ``seen`` (or ``seconds`` pass); returns the version."""
        deadline = time.monotonic() + seconds
        while self._version == seen and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        return self._version

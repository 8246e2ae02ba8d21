"""The JSON API from the student's side: `grader submit` and the in-notebook ``submit()``. Standard library only.

``hand_in`` sends the file (multipart, as the browser's form does) with the student's access
token; ``follow`` asks for the hand-in's state once a second and calls back on every change,
until it is done. A refusal or an unreachable service is a ``SubmitError`` whose message says why.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.errors import GraderError
from grader.text import service as text

WAIT_SECONDS = 3600


class SubmitError(GraderError):
    """The service refused the hand-in, or could not be reached; the message says which and what to do."""


def credentials(server: str | None, token: str | None) -> tuple[str, str]:
    server = (server or os.environ.get("GRADER_SERVER", "")).rstrip("/")
    token = token or os.environ.get("GRADER_TOKEN", "")
    if not token:
        raise SubmitError(text.submit_no_token())
    if not server:
        raise SubmitError(text.submit_unreachable("(no address)", "pass --server or set GRADER_SERVER"))
    return server, token


def multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = f"grader-{secrets.token_hex(12)}"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
    safe_name = file_name.replace('"', "_").replace("\r", "_").replace("\n", "_")
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _call(server: str, token: str, path: str, body: bytes | None = None, content_type: str = "") -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", **({"Content-Type": content_type} if content_type else {})}
    request = urllib.request.Request(server + path, data=body, headers=headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            message = json.loads(error.read()).get("error", error.reason)
        except ValueError:
            message = str(error.reason)
        raise SubmitError(text.submit_refused(error.code, message)) from None
    except (urllib.error.URLError, OSError) as error:
        raise SubmitError(text.submit_unreachable(server, getattr(error, "reason", error))) from None


def hand_in(path: Path, assignment: str, server: str | None = None, token: str | None = None) -> dict[str, Any]:
    """Hand ``path`` in; returns the hand-in as the API shows it (its state, its page's address)."""
    server, token = credentials(server, token)
    if not Path(path).is_file():
        raise SubmitError(text.submit_no_file(Path(path)))
    body, content_type = multipart({"assignment": assignment}, Path(path).name, Path(path).read_bytes())
    return _call(server, token, "/api/handins", body, content_type)


def status(handin: dict[str, Any], server: str | None = None, token: str | None = None) -> dict[str, Any]:
    server, token = credentials(server, token)
    return _call(server, token, f"/api/a/{handin['assignment']}/handins/{handin['id']}")


def describe(handin: dict[str, Any]) -> str:
    """One line for the terminal: where the hand-in stands."""
    if handin["state"] == "queued":
        return f"queued (number {handin['position']})" if handin.get("position") else "queued"
    live = handin.get("live") or {}
    epochs = live.get("epochs") or []
    accuracy = epochs[-1].get("accuracy") if epochs else None
    last = f", epoch {epochs[-1]['epoch']}: accuracy {accuracy:.3f}" if isinstance(accuracy, (int, float)) else ""
    return f"{handin['state']}{': ' + live['stage'] if live.get('stage') else ''}{last}"


def follow(
    handin: dict[str, Any], on_change: Callable[[dict[str, Any]], None], server: str | None = None, token: str | None = None, seconds: float = WAIT_SECONDS
) -> dict[str, Any]:
    """Ask once a second until the hand-in is done (or ``seconds`` pass); returns its last state."""
    deadline, shown = time.monotonic() + seconds, ""
    while True:
        line = describe(handin)
        if line != shown:
            on_change(handin)
            shown = line
        if handin["state"] == "done" or time.monotonic() > deadline:
            return handin
        time.sleep(1)
        handin = status(handin, server, token)

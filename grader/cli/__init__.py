"""`grader`: a thin shell over the library API. ``main(argv) -> int``.

Each command group lives in a module of its own (``grading``, ``batch``, ``authoring``,
``machine``, ...) that adds its subcommands with ``register(commands)`` and points each at a
function taking the parsed arguments and returning the exit code. Exit codes: 0 done (for
``check``: full marks), 1 graded below full marks (``check`` only) or a case that does not grade
as stated (``validate``), 2 bad usage or setup (the message says what to do), 3 an internal error
of the grader.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from grader.cli import authoring, batch, course, grading, machine, service
from grader.cli.common import EXIT_BELOW_FULL, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, report_folders
from grader.errors import GraderError
from grader.text import messages

__all__ = ["EXIT_BELOW_FULL", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "main", "parser", "report_folders"]

GROUPS = (grading, batch, course, authoring, machine, service)


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog="grader", description="Grade machine-learning notebook exercises: sandboxed runs, the grader's own evaluation, score reports."
    )
    commands = found.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(commands)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        return arguments.run(arguments)
    except GraderError as problem:
        print(f"grader: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(messages.INTERRUPTED, file=sys.stderr)
        return 130

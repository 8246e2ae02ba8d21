"""What several commands share: exit codes, the limit and --set options, and turning them into values."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from grader import api
from grader import spec as specs
from grader.errors import GraderError
from grader.options import Options
from grader.sandbox.run import Limits
from grader.text import messages

EXIT_OK, EXIT_BELOW_FULL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
LIMIT_FLAGS = {"timeout": "wall_seconds", "cpu_time": "cpu_seconds", "memory": "memory_mb",
               "processes": "processes", "scratch": "scratch_mb", "output_limit": "output_bytes"}


def add_grading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto", help="isolation for student code (default: bwrap when it works here; 'none' runs code unprotected)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="wall-clock limit per run (default: the assignment's)")
    parser.add_argument("--memory", type=int, metavar="MB", help="memory limit per run (default: the assignment's)")
    parser.add_argument("--cpu-time", type=float, metavar="SECONDS", help="CPU-time limit per run, all cores together (default: the assignment's)")
    parser.add_argument("--processes", type=int, metavar="N", help="processes and threads per run (default: the assignment's)")
    parser.add_argument("--scratch", type=int, metavar="MB", help="size of each scratch folder per run: working folder, /tmp, /dev/shm (default: the assignment's)")
    parser.add_argument("--output-limit", type=int, metavar="BYTES", help="printed output kept per run; more ends the run (default: the assignment's)")
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow threads per run (default: TensorFlow's choice)")
    parser.add_argument("--rerun-reference", action="store_true", help="grade the reference solution again instead of using its cached result")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                        help="override a threshold of the assignment for this run, e.g. --set threshold=0.99 (repeatable)")


def limits_of(arguments: argparse.Namespace, limits: Limits) -> Limits:
    """The assignment's limits with those given on the command line replaced."""
    given = {field: getattr(arguments, flag) for flag, field in LIMIT_FLAGS.items() if getattr(arguments, flag, None) is not None}
    for field, value in given.items():
        if value <= 0:
            raise GraderError(messages.bad_limit(field, value))
    return replace(limits, **given)


def options_of(arguments: argparse.Namespace, spec: specs.AssignmentSpec) -> Options:
    isolation = api.choose_isolation(arguments.sandbox)
    return Options(isolation=isolation, limits=limits_of(arguments, spec.limits), threads=arguments.threads,
                   use_reference_cache=not arguments.rerun_reference, regrade=getattr(arguments, "regrade", None) is True)


def spec_of(arguments: argparse.Namespace, name: str, by_name_only: bool = False) -> specs.AssignmentSpec:
    """The assignment, with the --set overrides applied."""
    settings = {}
    for setting in arguments.settings:
        key, equals, value = setting.partition("=")
        if not equals or not key.strip():
            raise GraderError(messages.bad_setting(setting))
        settings[key.strip()] = value.strip()
    return specs.with_overrides(specs.load(name, by_name_only=by_name_only), settings)


def report_folders(paths: Sequence[Path]) -> dict[Path, str]:
    """A distinct folder name per submission: its file name, or its folder's when names repeat."""
    stems = [path.stem for path in paths]
    return {path: path.stem if stems.count(path.stem) == 1 else f"{path.parent.name}-{path.stem}" for path in paths}

"""The harness's only way out of the sandbox: named files, framed, on the results pipe.

Each frame is ``name\\n<length>\\n<bytes>``; a later frame with the same name
replaces an earlier one, so observations can be re-sent after every phase and
a run that dies midway still leaves its last complete frame. Nothing written
to disk inside the sandbox reaches the grader. Imports nothing of the trusted
grader.

Before any student code runs, the pipe is moved to a random, non-inheritable
descriptor and its number is removed from the environment. That stops only
naive forgery (writing to the descriptor the environment named): code in
this process can still find the pipe in /proc/self/fd or patch this class, so
the grader scores accuracy only from its own evaluation (see docs/security.md).
"""

from __future__ import annotations

import os
import random
import resource


def _hidden(descriptor: int) -> int:
    ceiling = min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 4096)
    for _ in range(100):
        target = random.SystemRandom().randrange(64, ceiling) if ceiling > 65 else descriptor
        try:
            os.fstat(target)
        except OSError:
            os.dup2(descriptor, target, inheritable=False)
            os.close(descriptor)
            return target
    return descriptor


def _writer(descriptor: int, write=os.write):
    """A function that writes whole frames to the descriptor, holding its own reference to ``os.write``."""

    def send(name: str, data: bytes) -> None:
        frame = memoryview(f"{name}\n{len(data)}\n".encode() + data)
        while frame:
            frame = frame[write(descriptor, frame) :]

    return send


class Results:
    """The results pipe. What crosses it is a claim like any other: the trusted side checks it."""

    def __init__(self) -> None:
        self.send = _writer(_hidden(int(os.environ.pop("GRADER_RESULTS_FD"))))

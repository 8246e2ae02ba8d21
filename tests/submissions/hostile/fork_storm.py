"""Starts long-lived processes in a loop until the process limit refuses one; the refusal ends it with an error.

Each child execs a shell whose command line carries a marker, so a test can prove none outlives grading.
"""

import os

started = 0
while True:
    pid = os.fork()  # raises BlockingIOError once the sandbox's process limit is reached
    if pid == 0:
        os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 3600; : hostile-fork-storm-8d2e4b"])
    started += 1
    if started % 10 == 0:
        print(f"{started} processes started", flush=True)

"""Tries to kill its parent, pid 1 of its namespace and every process it can see, the grader included.

Inside the sandbox it can only see its own processes, so the last step kills its own Python process.
"""

import os
import signal

print(f"I am {os.getpid()}, my parent is {os.getppid()}", flush=True)
for target in [os.getppid(), 1]:
    try:
        os.kill(target, signal.SIGKILL)
        print("sent SIGKILL to", target, flush=True)
    except OSError as error:
        print("could not kill", target, error, flush=True)

visible = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
print("processes I can see:", visible, flush=True)

if os.fork() == 0:
    os.kill(-1, signal.SIGKILL)  # every process this one may signal, as `kill -9 -1` does
    os._exit(0)
os.wait()
print("still alive after kill -9 -1", flush=True)

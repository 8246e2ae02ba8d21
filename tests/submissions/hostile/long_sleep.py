"""Sleeps for an hour at import, with a child process that sleeps too: the wall-clock limit ends both."""

import subprocess
import time

subprocess.Popen(["/bin/sh", "-c", "sleep 3600; : hostile-long-sleep-3f9a1c"])
print("sleeping for an hour", flush=True)
time.sleep(3600)

"""Kills its own Python process while it is being imported, like a segfault or the OOM killer would."""

import os
import signal

os.kill(os.getpid(), signal.SIGKILL)

"""Where the grader keeps what it derives from datasets: ``$GRADER_CACHE_DIR``, else ``~/.cache/grader``."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    return Path(os.environ.get("GRADER_CACHE_DIR") or Path.home() / ".cache" / "grader")

"""perf/echo_server.py as a test's loopback "hosted" model: an OpenAI-compatible server on a free port that answers
each prompt's last word at once, over real HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import ROOT


@contextmanager
def serve_echo() -> Iterator[str]:
    """Start the echo server; yields its base URL (``http://127.0.0.1:PORT/v1``) and stops it after."""
    echo = subprocess.Popen(
        [sys.executable, "perf/echo_server.py", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        yield echo.stdout.readline().split()[1]
    finally:
        echo.kill()
        echo.wait()

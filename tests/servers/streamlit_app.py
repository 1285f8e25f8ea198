"""The real app as ``make run`` serves it (``python -m ui.serve``) on a free port, and Debian's Chromium flags for
Playwright.

Shared by the browser tests (tests/browser/conftest.py) and perf/app_start.py, so both start the app the same way.
Never ``playwright install``: the browser is /usr/bin/chromium (``scripts/ensure_chromium.sh`` installs it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--overscroll-history-navigation=0",  # a sideways scroll past a grid's edge must not leave the page
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(db: Path, log_path: Path, port: int) -> subprocess.Popen:
    """The app as ``make run`` starts it (``python -m ui.serve``: ``streamlit run app.py`` with its first page's
    imports preloaded), headless on 127.0.0.1:port over ``db``; its output goes to ``log_path``."""
    env = {**os.environ, "ROUTEBOARD_DB": str(db), "PYTHONUNBUFFERED": "1"}
    env.setdefault("OLLAMA_HOST", "http://127.0.0.1:9")  # nothing listens there unless a caller says so
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ui.serve",
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 90, poll_s: float = 0.1) -> None:
    """Return once ``url``'s health endpoint answers ok; raise if the server exits or stays silent."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {process.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(poll_s)
    raise TimeoutError(f"{url}/_stcore/health did not answer ok within {timeout_s:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL: a completion in progress on the embedded model can hold the exit for a while."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

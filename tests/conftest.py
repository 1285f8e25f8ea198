"""Shared fixtures: every test gets its own database file through ROUTEBOARD_DB."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from routeboard.domain import GraderSpec, Suite, Task

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture(autouse=True)
def isolated_db(tmp_path, monkeypatch):
    """Point all state at a temporary folder; nothing touches data/."""
    path = tmp_path / "routeboard.duckdb"
    monkeypatch.setenv("ROUTEBOARD_DB", str(path))
    monkeypatch.delenv("ROUTEBOARD_HOME", raising=False)
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "secrets.toml"))  # a real secrets file never applies
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")  # nothing listens there unless a test says so
    return path


@pytest.fixture
def con(isolated_db):
    import routeboard

    connection = routeboard.connect(isolated_db)
    yield connection
    connection.close()


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m routeboard`` in a subprocess, as a user would (``env`` values of None unset a variable)."""
    merged = {**os.environ, **(env or {})}
    merged = {k: v for k, v in merged.items() if v is not None}  # None removes a variable
    return subprocess.run(
        [sys.executable, "-m", "routeboard", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=merged,
    )


def echo_suite(tasks: int, bar: float = 0.9, name: str = "echo", digits: int = 1, **fields) -> Suite:
    """The suite runner, store, access and page tests share: task ``t{i}`` (``digits`` wide) says "say: {i}" and
    expects "{i}", graded exactly, so the fake provider's echo gets every task right (``fields``: any other Suite
    field)."""
    return Suite(
        name=name,
        category=name,
        grader=GraderSpec("exact"),
        bar=bar,
        tasks=tuple(Task(id=f"t{i:0{digits}d}", input=f"say: {i}", expected=str(i)) for i in range(tasks)),
        **fields,
    )

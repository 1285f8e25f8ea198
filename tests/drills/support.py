"""Helpers shared by the reliability drills: suite files, read-only looks at a database, CLI subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import ROOT

TABLES = ("suites", "tasks", "runs", "trials", "attempts", "models")


def echo_suite_file(folder: Path, tasks: int, *, wrong_every: int | None = None, name: str = "drill") -> Path:
    """A bare JSONL suite the fault server answers: the answer is the text after the prompt's last colon.

    With ``wrong_every`` every n-th task expects something else, so accepted != trials."""
    lines = []
    for i in range(tasks):
        expected = "never" if wrong_every and i % wrong_every == wrong_every - 1 else str(i)
        lines.append(json.dumps({"id": f"t{i:05d}", "input": f"say: {i}", "expected": expected}))
    path = folder / f"{name}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def row_counts(con) -> dict[str, int]:
    """Rows per routeboard table: what "the database is unchanged" compares."""
    cur = con.cursor()
    return {table: cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def cli(*args: str, db: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m routeboard --db DB ...`` as a user runs it."""
    merged = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "routeboard", "--db", str(db), *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, env=merged)


def spawn(*args: str, db: Path, env: dict | None = None, **popen) -> subprocess.Popen:
    """The same, in the background (to be killed)."""
    merged = {**os.environ, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "routeboard", "--db", str(db), *args], cwd=ROOT, env=merged,
                            **popen)

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
    return subprocess.run(
        [sys.executable, "-m", "routeboard", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=merged,
    )


def spawn(*args: str, db: Path, env: dict | None = None, **popen) -> subprocess.Popen:
    """The same, in the background (to be killed)."""
    merged = {**os.environ, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "routeboard", "--db", str(db), *args], cwd=ROOT, env=merged, **popen)


class Zygote:
    """Forks pre-warmed CLI processes (see tests/drills/zygote.py) so a drill can kill twenty in a few minutes."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.drills.zygote"],
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=os.environ.copy(),
        )
        ready = self.proc.stdout.readline().strip()
        assert ready == "ready", f"the launcher did not start: {ready!r}"

    def spawn(self, *argv: str, log: Path) -> int:
        """Start ``python -m routeboard ARGV`` (forked); its output goes to ``log``. Returns the pid."""
        self.proc.stdin.write(json.dumps({"argv": list(argv), "log": str(log)}) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline().split()[1])

    def close(self) -> None:
        """Stop taking requests; the launcher exits once its last child has ended."""
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


def alive(pid: int) -> bool:
    """Whether any thread of a process is still running.

    A killed child of the launcher stays a zombie until it is reaped, and its main thread turns zombie before the
    others are gone (a writer thread in fsync still holds the database's lock), so every thread is checked."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return False
    states = []
    for tid in threads:
        try:
            states.append(Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()[0])
        except OSError:  # this thread is gone already
            continue
    return any(state not in ("Z", "X") for state in states) or len(states) > 1

"""One store, many processes, under load for 60 s: 3 app processes (``python -m ui.serve``) and 2 CLI run lanes on
one DuckLake store (catalog in a real PostgreSQL, files in moto's S3 on loopback); and the default local DuckDB file
with the app open and 2 CLI run lanes beside it (each process holds the file only while it uses it). Each app is
visited page after page over the browser's own websocket protocol; each lane launches run after run of two
OpenAI-compatible models served by a loopback echo server (perf/echo_server.py), and a third process cancels one
run live, which is then resumed.

At the end: no attempt or trial stored twice, every trial of each completed run has its outcome, no lock or
conflict error in any process's output, and each app's figures (Overview's counts and routing board, Results'
ledger) equal a fresh read of the store."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

import routeboard
from routeboard.catalog.models import add_model
from routeboard.decide.facts import ledger_facts
from routeboard.decide.routes import decide
from routeboard.decide.scenario import Scenario
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.library import save_suite
from routeboard.store.connection import held, open_store
from tests.conftest import ROOT
from tests.drills import test_readers_writer as ws  # its websocket Browser (imported as a module: not collected)
from tests.servers.postgres import postgres  # noqa: F401  (session fixture, asked for by name)
from tests.servers.s3 import BUCKET, s3  # noqa: F401  (session fixture, asked for by name)
from tests.servers.streamlit_app import free_port, start_app, stop, wait_healthy

pytestmark = pytest.mark.timeout(300)

LOAD_S = 60.0
APPS = 3
LANES = 2
TASKS = 40
MODELS = ("openai/echo-a", "openai/echo-b")
TRIALS = 2
PER_RUN = TASKS * len(MODELS) * TRIALS
PAGES = ("overview", "results", "frontier", "whatif", "report", "review", "run", "models", "suites", "imports", "admin")
TROUBLE = re.compile(r"Traceback|[Ll]ock|[Cc]onflict|Error")


def _echo_server(log: Path) -> tuple[subprocess.Popen, str]:
    """perf/echo_server.py on a free loopback port: answers each prompt's last word at once."""
    proc = subprocess.Popen(
        [sys.executable, "perf/echo_server.py", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("listening "), line
    return proc, line.split()[1]


def _routeboard(*args: str, log: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """``python -m routeboard ARGS`` on the shared store (from the environment); its stderr appended to ``log``."""
    done = subprocess.run(
        [sys.executable, "-m", "routeboard", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    with log.open("a") as out:
        out.write(done.stderr)
    return done


class Lane(threading.Thread):
    """A cron job's loop: one CLI run after another until the time is up; each run's JSON summary is kept."""

    def __init__(self, number: int, stop_at: float, log: Path):
        super().__init__(daemon=True)
        self.number, self.stop_at, self.log = number, stop_at, log
        self.summaries: list[dict] = []
        self.failures: list[str] = []

    def run(self) -> None:
        while time.monotonic() < self.stop_at and len(self.failures) < 3:
            models = [arg for m in MODELS for arg in ("--model", m)]
            done = _routeboard(
                "run", "--suite", "drill", *models, "--trials", str(TRIALS), "--concurrency", "4", "--json",
                log=self.log,
            )  # fmt: skip
            if done.returncode != 0:
                self.failures.append(f"lane {self.number}: exit {done.returncode}: {done.stderr[-500:]}")
                continue
            self.summaries.append(json.loads(done.stdout))


class Visitor(threading.Thread):
    """One person in one app: every page in turn, again and again, until the time is up."""

    def __init__(self, port: int, stop_at: float):
        super().__init__(daemon=True)
        self.port, self.stop_at = port, stop_at
        self.seen: dict[str, int] = dict.fromkeys(PAGES, 0)
        self.failures: list[str] = []

    def run(self) -> None:
        try:
            with ws.Browser(self.port) as browser:
                while time.monotonic() < self.stop_at and len(self.failures) < 5:
                    for page in PAGES:
                        shown = browser.open(page)
                        if shown.problems():
                            self.failures.append(f"{page}: {shown.problems()}")
                        else:
                            self.seen[page] += 1
        except Exception as exc:  # noqa: BLE001 - a refused or dropped session is a failed visit
            self.failures.append(f"session on port {self.port}: {exc!r}")


def _cancel_one_live_run(store, stop_at: float, log: Path) -> str | None:
    """From a third process, cancel a run while it writes (it keeps what it finished); None if none was caught."""
    while time.monotonic() < stop_at:
        with held(store) as con:  # this process too lets go of a local file between reads
            live = con.execute(
                "SELECT r.run_id FROM runs r JOIN trials t USING (run_id) WHERE r.status = 'running' "
                "GROUP BY r.run_id HAVING count(*) >= 10 LIMIT 1"
            ).fetchall()
        if live:
            done = _routeboard("runs", "cancel", live[0][0], log=log)
            assert done.returncode == 0, done.stderr
            # the CLI takes seconds to start: a run may finish in between, which it must say, not pretend to stop
            said = done.stdout
            assert "asked the live run" in said or f"run {live[0][0]} is already completed" in said, said
            return live[0][0]
        time.sleep(0.3)
    return None


def _resume_if_stopped(store, run_id: str, log: Path) -> None:
    """A run stopped while calling is resumed: on the shared store it sends only what is left, once. (A request
    that lands after the run's last call, while its writer drains, finds nothing left to stop: it completes.)"""
    with held(store) as con:
        status = con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchone()[0]
    assert status in ("cancelled", "completed"), status
    if status == "cancelled":
        resumed = _routeboard("runs", "resume", run_id, "--json", log=log)
        assert resumed.returncode == 0, resumed.stderr


def _seed(url: str):
    """The drill's suite and two priced models served by the echo server, on the store; the store for later reads."""
    store = open_store()
    with held(store) as con:
        _seed_into(con, url)
    return store


def _seed_into(con, url: str) -> None:
    tasks = tuple(Task(id=f"t{i:03d}", input=f"say: {i}", expected=str(i)) for i in range(TASKS))
    save_suite(con, Suite(name="drill", category="drill", grader=GraderSpec("exact"), bar=0.9, tasks=tasks))
    for model_id in MODELS:
        add_model(
            con,
            model_id,
            tier="small-proprietary",
            input_price_per_mtok_usd=1.0 if model_id.endswith("a") else 3.0,
            output_price_per_mtok_usd=2.0,
            api_base=url,
        )


def _trouble(logs: Path) -> dict[str, list[str]]:
    """Lines of any process's output that tell of an error, a lock or a conflict, per log file."""
    found = {
        log.name: [line for line in log.read_text().splitlines() if TROUBLE.search(line)]
        for log in logs.glob("*.log")
        if log.name != "echo.log"
    }
    return {name: lines for name, lines in found.items() if lines}


def _board(page) -> dict[str, str]:
    """Overview's routing board as a person reads it: category -> route ('model', 'undecided (nearest ...)' or
    'none clears ...'). Its cells are Markdown: a routed model in bold, marks escaped."""
    (board,) = [t for t in page.tables() if {"category", "route"} <= set(t.columns)]
    read = [re.sub(r"\\(.)", r"\1", str(cell)).strip("*") for cell in board["route"]]
    categories = [re.sub(r"\\(.)", r"\1", str(cell)) for cell in board["category"]]
    return dict(zip(categories, read, strict=True))


def _store_env(where: str, request, tmp_path: Path) -> dict[str, str]:
    """The settings that point every process at the store under test."""
    if where == "ducklake":
        postgres, s3 = request.getfixturevalue("postgres"), request.getfixturevalue("s3")  # noqa: F811
        return {
            **s3.env,
            "ROUTEBOARD_DB": f"ducklake:postgres:{postgres.database()}",
            "ROUTEBOARD_DATA_PATH": f"s3://{BUCKET}/drill-{uuid.uuid4().hex[:8]}",
        }
    # the default: one DuckDB file, which the app and each CLI run hold only while they use it
    return {"ROUTEBOARD_DB": str(tmp_path / "routeboard.duckdb")}


@pytest.mark.parametrize(("where", "apps"), [("ducklake", APPS), ("local file", 1)])
def test_apps_and_two_cli_lanes_share_one_store_for_a_minute(where, apps, request, tmp_path, monkeypatch):
    env = {
        **_store_env(where, request, tmp_path),
        "ROUTEBOARD_SECRETS": str(tmp_path / "secrets.toml"),  # local mode: no sign-in configured
        "OPENAI_API_KEY": "sk-drill-loopback-only",
        "OLLAMA_HOST": "http://127.0.0.1:9",
        "PYTHONUNBUFFERED": "1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (logs := tmp_path / "logs").mkdir()
    echo, url = _echo_server(logs / "echo.log")
    servers: list[tuple[subprocess.Popen, int]] = []
    try:
        store = _seed(url)
        for n in range(apps):
            port = free_port()
            servers.append((start_app(env["ROUTEBOARD_DB"], logs / f"app{n}.log", port), port))
        for proc, port in servers:
            wait_healthy(f"http://127.0.0.1:{port}", proc)

        stop_at = time.monotonic() + LOAD_S
        lanes = [Lane(n, stop_at, logs / f"lane{n}.log") for n in range(LANES)]
        visitors = [Visitor(port, stop_at) for _, port in servers]
        for worker in [*lanes, *visitors]:
            worker.start()
        cancelled = _cancel_one_live_run(store, stop_at - 20, logs / "cancel.log")
        for worker in [*lanes, *visitors]:
            worker.join(timeout=LOAD_S + 180)
        if cancelled:
            _resume_if_stopped(store, cancelled, logs / "cancel.log")

        # each app's pages drawn now, then a fresh read of the store (held by this process from here on)
        final = []
        for _, port in servers:
            with ws.Browser(port) as browser:
                final.append((browser.open("overview"), browser.open("results")))
        fresh = routeboard.connect()
    finally:
        for proc, _ in servers:
            stop(proc)
        echo.terminate()
        echo.wait(timeout=30)

    # every run finished and said so
    assert [f for lane in lanes for f in lane.failures] == []
    summaries = [s for lane in lanes for s in lane.summaries]
    assert len(summaries) >= LANES, "each lane finished at least one run in the minute"
    assert all(s["status"] in ("completed", "cancelled") for s in summaries), summaries
    # no lost or duplicated attempt or trial
    most = fresh.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM attempts GROUP BY run_id, suite_id, task_id, model_id, "
        "trial, attempt)"
    ).fetchone()[0]
    assert most == 1, "an attempt was stored twice"
    most = fresh.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM trials GROUP BY run_id, suite_id, task_id, model_id, trial)"
    ).fetchone()[0]
    assert most == 1, "a trial has two outcomes"
    runs = fresh.execute(
        "SELECT r.run_id, r.status, (SELECT count(*) FROM trials t WHERE t.run_id = r.run_id), "
        "(SELECT count(*) FROM attempts a ANTI JOIN trials t USING (run_id, suite_id, task_id, model_id, trial) "
        " WHERE a.run_id = r.run_id) FROM runs r"
    ).fetchall()
    completed = [r for r in runs if r[1] == "completed"]
    assert len(completed) >= len(summaries) - (cancelled is not None)
    assert [(run_id, trials, loose) for run_id, _, trials, loose in completed if (trials, loose) != (PER_RUN, 0)] == []
    assert {r[1] for r in runs} == {"completed"}, "the cancelled run was resumed to the end; nothing left running"
    # nothing went wrong in any process, even off-page
    assert _trouble(logs) == {}
    # every page of every app was visited, without an error
    assert [f for v in visitors for f in v.failures] == []
    assert all(count >= 1 for v in visitors for count in v.seen.values()), [v.seen for v in visitors]
    # the pages' figures equal a fresh read
    facts = ledger_facts(fresh)
    routed = decide(facts, Scenario()).routes
    expected_board = {
        row["category"]: row["model"] if isinstance(row["model"], str) else None for row in routed.to_dict("records")
    }
    attempts = fresh.execute("SELECT count(*) FROM attempts").fetchone()[0]
    run_count = fresh.execute("SELECT count(*) FROM runs").fetchone()[0]
    for overview, results in final:
        assert overview.problems() == [] and results.problems() == []
        assert overview.metric("Attempts stored") == attempts
        assert overview.metric("Runs") == run_count
        board = _board(overview)
        unrouted = ("none clears", "undecided")
        assert {c: None if m.startswith(unrouted) else m for c, m in board.items()} == expected_board
        (ledger,) = [t for t in results.tables() if {"model_id", "trials"} <= set(t.columns)]
        shown = dict(zip(ledger["model_id"], ledger["trials"].astype(str).str.replace(",", "").astype(int)))
        assert shown == facts.groupby("model_id")["trials"].sum().astype(int).to_dict()
        assert results.trials() == fresh.execute("SELECT count(*) FROM trials").fetchone()[0]
    visits = sum(sum(v.seen.values()) for v in visitors)
    print(
        f"\nshared store: {len(summaries)} CLI runs ({len(completed) * PER_RUN} trials, {attempts} attempts), "
        f"{visits} page visits over {apps} app(s) in {LOAD_S:.0f} s; cancelled and resumed: {cancelled}"
    )

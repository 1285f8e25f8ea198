"""Cancelling a run live in another process through the store (a DuckDB file and the shared store): the run stops
within about a second keeping what it finished, a resume finishes the rest once; a run whose process died is
marked cancelled instead. On a local file the run holds the file only while it writes, so the cancelling
process gets in between (routeboard/store/lease.py)."""

from __future__ import annotations

import threading
import time

import pytest

from routeboard.run.start import cancel_run, resume_run, start_run
from routeboard.store.connection import held, open_store
from routeboard.store.runs import get_run
from tests.conftest import echo_suite, run_cli
from tests.fakes import FakeProvider, install_fake
from tests.run.test_runner import request
from tests.servers.postgres import postgres  # noqa: F401  (session fixture)
from tests.servers.s3 import BUCKET, s3  # noqa: F401  (session fixture)

pytestmark = pytest.mark.timeout(240)
TASKS = 20


@pytest.fixture(params=["file", "lake"])
def store(request, isolated_db, tmp_path, monkeypatch):
    """A store of each kind: the local DuckDB file, and DuckLake on a real PostgreSQL with its files in a folder."""
    if request.param == "lake":
        conninfo = request.getfixturevalue("postgres").database()
        monkeypatch.setenv("ROUTEBOARD_DB", f"ducklake:postgres:{conninfo}")
        monkeypatch.setenv("ROUTEBOARD_DATA_PATH", str(tmp_path / "lake"))
    source = open_store()  # a local file: a lease this process holds only while it reads or writes
    yield request.param, source
    with held(source) as con:
        con.close()


@pytest.fixture
def setup(store):
    """A 20-task suite whose prompt ends with the answer, and one priced fake model."""
    with held(store[1]) as con:
        _seed(con)


def _seed(con) -> None:
    from routeboard.catalog.models import add_model
    from routeboard.library import save_suite

    save_suite(
        con,
        echo_suite(TASKS),
    )
    add_model(con, "fake/model", tier="small-proprietary", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)


def _outcomes_per_trial(con, run_id) -> list[int]:
    return [
        n
        for (n,) in con.execute(
            "SELECT count(*) FROM trials WHERE run_id = ? GROUP BY suite_id, task_id, model_id, trial", [run_id]
        ).fetchall()
    ]


def test_a_cancel_asked_through_the_store_stops_the_live_run_and_a_resume_finishes_it_once(store, setup):
    _, source = store
    # one call a second: the run lasts ~20 s, longer than a loaded machine takes to start the CLI that cancels it
    # (at 0.3 s a call the 6 s run once finished first, under the load of other test processes)
    install_fake(FakeProvider(latency_s=1.0))
    runner = start_run(source, request(concurrency=1))
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("progress", runner.run()))
    thread.start()
    deadline = time.monotonic() + 60
    while runner.progress.done < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    # another process (a cron job, the app, another replica) asks, on a local file as on the shared store
    done = run_cli("runs", "cancel", runner.run_id)
    assert done.returncode == 0, done.stderr
    said = done.stdout
    asked_at = time.monotonic()
    thread.join(timeout=60)
    assert "asked the live run" in said
    assert result["progress"].status == "cancelled"
    assert time.monotonic() - asked_at < 10, "a live run notices a request within about a second"
    with held(source) as con:
        _check_stopped_then_resume(con, runner.run_id)


def _check_stopped_then_resume(con, run_id: str) -> None:
    stopped = get_run(con, run_id)
    assert stopped["status"] == "cancelled"
    kept = con.execute("SELECT count(*) FROM trials WHERE run_id = ?", [run_id]).fetchone()[0]
    assert 2 <= kept < TASKS, "the finished trials are kept, the rest were never sent"

    # the resume is not stopped by the old request; it sends only what is left, and no trial lands twice
    install_fake(FakeProvider())
    assert resume_run(con, run_id).run().status == "completed"
    assert _outcomes_per_trial(con, run_id) == [1] * TASKS
    attempts = con.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM attempts WHERE run_id = ? "
        "GROUP BY suite_id, task_id, model_id, trial, attempt)",
        [run_id],
    ).fetchone()[0]
    assert attempts == 1


def test_a_run_whose_process_died_is_marked_cancelled_and_a_live_one_only_asked(store, setup):
    with held(store[1]) as con:  # runs in this thread: the file is held throughout
        _died_and_live(con)


def _died_and_live(con) -> None:
    install_fake(FakeProvider(latency_s=0.2))
    died = start_run(con, request())  # planned, never run: its process is gone
    con.execute("UPDATE runs SET heartbeat_at = now()::TIMESTAMP - INTERVAL 2 MINUTE WHERE run_id = ?", [died.run_id])
    said = cancel_run(con, died.run_id)
    assert "marked cancelled" in said
    assert get_run(con, died.run_id)["status"] == "cancelled"

    live = start_run(con, request(concurrency=1))  # just created: its process may be about to run it
    assert "asked the live run" in cancel_run(con, live.run_id)
    assert get_run(con, live.run_id)["status"] == "running"
    progress = live.run()  # the runner reads the request before its first round ends
    assert progress.status == "cancelled"
    assert "already cancelled" in cancel_run(con, live.run_id)
    trail = con.execute("SELECT target, detail FROM audit_log WHERE action = 'cancel_run' ORDER BY \"at\"").fetchall()
    assert [target for target, _ in trail] == [died.run_id, live.run_id], "each cancel is in the audit trail"


@pytest.mark.parametrize("where", ["local file", "shared store"])
def test_a_cli_run_stops_when_another_process_asks(where, request, isolated_db, tmp_path, monkeypatch):
    import json
    import subprocess
    import sys

    from routeboard.catalog.models import add_model
    from routeboard.domain import GraderSpec, Suite, Task
    from routeboard.library import save_suite
    from tests.conftest import ROOT

    if where == "shared store":
        postgres, s3 = request.getfixturevalue("postgres"), request.getfixturevalue("s3")  # noqa: F811
        monkeypatch.setenv("ROUTEBOARD_DB", f"ducklake:postgres:{postgres.database()}")
        monkeypatch.setenv("ROUTEBOARD_DATA_PATH", f"s3://{BUCKET}/cancel-{tmp_path.name}")
        for name, value in s3.env.items():
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback-only")
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "secrets.toml"))
    # 50 ms an answer: 400 tasks one at a time take 20 s or more, so the cancel (a CLI start, ~3 s) lands mid-run
    # (answering at once, a run on the shared store once completed first)
    echo = subprocess.Popen(
        [sys.executable, "perf/echo_server.py", "--port", "0", "--delay-ms", "50"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = echo.stdout.readline().split()[1]
        source = open_store()  # this process reads a local file between the run's writes
        with held(source) as con:
            tasks = tuple(Task(id=f"t{i:03d}", input=f"say: {i}", expected=str(i)) for i in range(400))
            save_suite(con, Suite(name="long", category="long", grader=GraderSpec("exact"), tasks=tasks))
            add_model(
                con, "openai/echo", tier="small-proprietary", input_price_per_mtok_usd=1.0,
                output_price_per_mtok_usd=2.0, api_base=url,
            )  # fmt: skip
        run = subprocess.Popen(
            [sys.executable, "-m", "routeboard", "run", "--suite", "long", "--model", "openai/echo", "--json",
             "--concurrency", "1"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        live = []
        while not live and time.monotonic() < deadline:
            time.sleep(0.3)
            with held(source) as con:
                live = con.execute("SELECT run_id FROM trials GROUP BY run_id HAVING count(*) >= 5").fetchall()
        said = run_cli("runs", "cancel", live[0][0])
        assert "asked the live run" in said.stdout, said
        out, err = run.communicate(timeout=60)
        summary = json.loads(out)
        assert summary["status"] == "cancelled", err
        assert 5 <= summary["trials"] < 400
    finally:
        echo.terminate()
        echo.wait(timeout=30)


def test_a_run_going_on_in_another_process_is_not_resumed_twice_and_one_whose_process_died_is_at_once(store, setup):
    import subprocess

    from routeboard.errors import InvalidInput

    _, source = store
    install_fake(FakeProvider())
    other = subprocess.Popen(["sleep", "60"])  # the process running the run (a cron job on this machine)
    try:
        runner = start_run(source, request())
        with held(source) as con:
            con.execute("UPDATE runs SET runner_pid = ? WHERE run_id = ?", [other.pid, runner.run_id])
            with pytest.raises(InvalidInput, match=f"going on in another process \\(process {other.pid} on "):
                resume_run(con, runner.run_id)
    finally:
        other.kill()
        other.wait()
    # its process was killed a moment ago: no minute of silence to wait for, and nothing is sent twice
    assert resume_run(source, runner.run_id).run().status == "completed"
    with held(source) as con:
        assert _outcomes_per_trial(con, runner.run_id) == [1] * TASKS

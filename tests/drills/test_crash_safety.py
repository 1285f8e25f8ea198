"""Crash safety: a CLI run of 2,000 trials against a loopback server is killed with SIGKILL at 20 seeded moments,
resumed after each, and ends with exactly the trials, outcomes and spend of an uninterrupted run."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time

import duckdb
import pytest

from tests.drills.support import Zygote, alive, cli, echo_suite_file, read_only, spawn
from tests.servers.fault_server import FaultHandler, serve_faults

SEED = 20_000
TASKS, TRIALS = 1000, 2
TOTAL = TASKS * TRIALS
KILLS = 20
CONCURRENCY = 16
WRONG_EVERY = 7  # every 7th task expects another answer: accepted != trials
PRICE_IN, PRICE_OUT = 1.0, 2.0  # USD per million tokens
CALL_USD = (FaultHandler.usage[0] * PRICE_IN + FaultHandler.usage[1] * PRICE_OUT) / 1e6
WAIT_S = 120  # the longest a kill moment may take to come


def kill_moments(rng: random.Random) -> list[tuple[str, float]]:
    """Where each process dies: after n new requests reach the server, or t seconds after it was started.

    Clock kills land anywhere: while the process opens the database (DuckDB replaying the last one's WAL), plans
    the resume, or mid-run. The first is by requests, so the run exists and has printed its id."""
    moments = []
    for k in range(KILLS):
        if k % 4 == 3:
            moments.append(("seconds", round(rng.uniform(0.05, 1.2), 2)))
        else:
            moments.append(("requests", rng.randint(5, 100)))
    # Leave work for every process, even on a fast machine: a clock kill lets at most 1.2 s x ~150 requests/s pass.
    clock = sum(1 for kind, _ in moments if kind == "seconds")
    assert sum(n for kind, n in moments if kind == "requests") + clock * 1.2 * 150 < TOTAL
    return moments


def requests(server) -> int:
    return len(server.httpd.RequestHandlerClass.log)


def wait_for_moment(pid: int, server, kind: str, amount: float, log) -> None:
    start_calls, start_s = requests(server), time.monotonic()
    while time.monotonic() - start_s < WAIT_S:
        if not alive(pid):
            said = log.read_text() if log.exists() else ""
            pytest.fail(
                f"the process ended by itself before its kill moment {kind}={amount}: {said}"
                f"{_database_now(log.parent / 'crash.duckdb')}"
            )
        if kind == "requests" and requests(server) - start_calls >= amount:
            return
        if kind == "seconds" and time.monotonic() - start_s >= amount:
            return
        time.sleep(0.005)
    pytest.fail(f"kill moment {kind}={amount} not reached within {WAIT_S} s")


def _database_now(db) -> str:
    """For a failure message: whether the database opens now (a lock still held names its process)."""
    try:
        read_only(db).close()
    except duckdb.Error as exc:
        return f" (the database now: {exc})"
    return " (the database opens now)"


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    while alive(pid):  # dead means its file lock is released
        time.sleep(0.005)


def show(db, run_id) -> dict:
    shown = cli("runs", "show", run_id, "--json", db=db)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def add_model(db, server) -> None:
    added = cli(
        "models",
        "add",
        "openai/loop",
        "--input-price",
        str(PRICE_IN),
        "--output-price",
        str(PRICE_OUT),
        "--api-base",
        f"{server.url}/v1",
        db=db,
    )
    assert added.returncode == 0, added.stderr


def final_trials(db, run_id) -> list[tuple]:
    con = read_only(db)
    rows = con.execute(
        "SELECT task_id, trial, outcome, output FROM trials WHERE run_id = ? ORDER BY ALL", [run_id]
    ).fetchall()
    con.close()
    return rows


def test_kill_9_twenty_times_then_resume_gives_the_totals_of_an_uninterrupted_run(tmp_path):
    suite = echo_suite_file(tmp_path, TASKS, wrong_every=WRONG_EVERY)
    run_args = (
        "run",
        "--suite",
        str(suite),
        "--model",
        "openai/loop",
        "--trials",
        str(TRIALS),
        "--concurrency",
        str(CONCURRENCY),
    )
    latency = random.Random(SEED)
    plan = lambda prompt, number: "ok"  # noqa: E731 - every request is answered; only our process dies
    slow = {"latency_s": lambda: latency.uniform(0.02, 0.2)}
    began = time.monotonic()
    baseline_db, db = tmp_path / "baseline.duckdb", tmp_path / "crash.duckdb"
    with serve_faults(plan, **slow) as reference, serve_faults(plan, **slow) as server:
        add_model(baseline_db, reference)
        add_model(db, server)
        # the reference: the same suite uninterrupted, alongside, in a database of its own (no answers to reuse)
        uninterrupted = spawn(
            *run_args, "--json", db=baseline_db, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        launcher, first, pid = Zygote(), None, None
        try:
            kills = []
            first = spawn(*run_args, db=db, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            run_id = first.stdout.readline().split()[-1]
            for number, (kind, amount) in enumerate(kill_moments(random.Random(SEED))):
                log = tmp_path / f"resume-{number}.log"
                pid = first.pid if number == 0 else launcher.spawn("--db", str(db), "runs", "resume", run_id, log=log)
                wait_for_moment(pid, server, kind, amount, log)
                kill(pid)
                kills.append((kind, amount, requests(server)))
            assert first.wait() == -signal.SIGKILL
            log = tmp_path / "resume-final.log"
            pid = launcher.spawn("--db", str(db), "runs", "resume", run_id, "--json", log=log)
            deadline = time.monotonic() + WAIT_S
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not alive(pid), f"the final resume did not finish within {WAIT_S} s"
        except BaseException:
            # after a failure, stop what we started: the live child (not reaped yet, so its pid is still ours)
            for process in (first, uninterrupted):
                if process is not None and process.poll() is None:
                    process.kill()
            if pid is not None and alive(pid):
                os.kill(pid, signal.SIGKILL)
            raise
        finally:
            launcher.close()
        assert json.loads(log.read_text()[log.read_text().index("{") :])["status"] == "completed", log.read_text()
        out, err = uninterrupted.communicate(timeout=300)
        assert uninterrupted.returncode == 0, err
        baseline = json.loads(out)
        asked, reference_asked = requests(server), requests(reference)
    elapsed = time.monotonic() - began

    assert (baseline["status"], baseline["trials"], reference_asked) == ("completed", TOTAL, TOTAL)
    baseline = show(baseline_db, baseline["run_id"])
    assert len(kills) == KILLS
    crashed = show(db, run_id)
    fields = ("status", "trials", "total_trials", "accepted", "errors", "attempts")
    assert {k: crashed[k] for k in fields} == {k: baseline[k] for k in fields}
    assert crashed["trials"] == TOTAL and crashed["accepted"] == TOTAL - TRIALS * (TASKS // WRONG_EVERY)
    assert crashed["spend_usd"] == pytest.approx(baseline["spend_usd"], abs=1e-12)
    assert crashed["spend_usd"] == pytest.approx(TOTAL * CALL_USD, abs=1e-12)

    con = read_only(db)
    trials = con.execute(
        """SELECT count(*), count(DISTINCT (suite_id, task_id, model_id, trial)),
                                   count(*) FILTER (attempts = 1) FROM trials WHERE run_id = ?""",
        [run_id],
    ).fetchone()
    assert trials == (TOTAL, TOTAL, TOTAL)  # one final outcome per trial, each from its one answered attempt
    attempts = con.execute(
        """SELECT count(*), count(DISTINCT (suite_id, task_id, model_id, trial, attempt)),
                                     count(*) FILTER (attempt = 1 AND error_kind IS NULL)
                              FROM attempts WHERE run_id = ?""",
        [run_id],
    ).fetchone()
    assert attempts == (TOTAL, TOTAL, TOTAL)  # nothing stored twice, no stray retry
    orphans = con.execute(
        """SELECT count(*) FROM trials t ANTI JOIN attempts a
                             USING (run_id, suite_id, task_id, model_id, trial) WHERE t.run_id = ?""",
        [run_id],
    ).fetchone()[0]
    con.close()
    assert orphans == 0  # a trial's outcome and its last attempt land in one transaction
    assert final_trials(db, run_id) == final_trials(baseline_db, baseline["run_id"])  # trial by trial

    # Asked again: only calls in flight at a kill, or answered in the writer's last window before it.
    wasted = asked - TOTAL
    print(
        f"\ncrash drill: {elapsed:.0f} s; kills (kind, moment, requests so far): {kills}; "
        f"{asked} requests for {TOTAL} trials ({wasted} asked again)"
    )
    assert 0 <= wasted <= KILLS * 2 * CONCURRENCY

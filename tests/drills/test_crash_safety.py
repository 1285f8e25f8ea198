"""Crash safety: a CLI run of 2,000 trials against a loopback server is killed with SIGKILL at 20 seeded moments,
resumed after each, and ends with exactly the trials, outcomes and spend of an uninterrupted run."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time

import pytest

from tests.drills.support import cli, echo_suite_file, read_only, spawn
from tests.servers.fault_server import FaultHandler, serve_faults

SEED = 20_000
TASKS, TRIALS = 1000, 2
TOTAL = TASKS * TRIALS
KILLS = 20
CONCURRENCY = 8
WRONG_EVERY = 7                      # every 7th task expects another answer: accepted != trials
PRICE_IN, PRICE_OUT = 1.0, 2.0       # USD per million tokens
CALL_USD = (FaultHandler.usage[0] * PRICE_IN + FaultHandler.usage[1] * PRICE_OUT) / 1e6
WAIT_S = 90                          # the longest a kill moment may take to come


def kill_moments(rng: random.Random) -> list[tuple[str, float]]:
    """Where each process dies: after n new requests reach the server, or t seconds after it was spawned.

    Clock kills land anywhere: during start-up, while DuckDB replays the last process's WAL, or mid-run."""
    moments = []
    for k in range(KILLS):
        if k % 5 == 4:
            moments.append(("seconds", round(rng.uniform(0.5, 6.0), 2)))
        else:
            moments.append(("answers", rng.randint(5, 120)))
    return moments


def answered(server) -> int:
    return len(server.httpd.RequestHandlerClass.log)


def wait_for_moment(proc: subprocess.Popen, server, kind: str, amount: float) -> None:
    start_calls, start_s = answered(server), time.monotonic()
    while time.monotonic() - start_s < WAIT_S:
        if proc.poll() is not None:
            pytest.fail(f"the process ended by itself (exit {proc.returncode}) before its kill moment {kind}={amount}")
        if kind == "answers" and answered(server) - start_calls >= amount:
            return
        if kind == "seconds" and time.monotonic() - start_s >= amount:
            return
        time.sleep(0.005)
    pytest.fail(f"kill moment {kind}={amount} not reached within {WAIT_S} s")


def show(db, run_id) -> dict:
    shown = cli("runs", "show", run_id, "--json", db=db)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def add_model(db, server) -> None:
    added = cli("models", "add", "openai/loop", "--input-price", str(PRICE_IN), "--output-price", str(PRICE_OUT),
                "--api-base", f"{server.url}/v1", db=db)
    assert added.returncode == 0, added.stderr


def test_kill_9_twenty_times_then_resume_gives_the_totals_of_an_uninterrupted_run(tmp_path):
    suite = echo_suite_file(tmp_path, TASKS, wrong_every=WRONG_EVERY)
    run_args = ("run", "--suite", str(suite), "--model", "openai/loop", "--trials", str(TRIALS),
                "--concurrency", str(CONCURRENCY))
    latency = random.Random(SEED)
    plan = lambda prompt, number: "ok"  # noqa: E731 - every request is answered; only our process dies

    # the reference: the same suite, uninterrupted, in a database of its own (no answers to reuse)
    baseline_db = tmp_path / "baseline.duckdb"
    with serve_faults(plan, latency_s=lambda: latency.uniform(0.02, 0.2)) as server:
        add_model(baseline_db, server)
        done = cli(*run_args, "--json", db=baseline_db)
        assert done.returncode == 0, done.stderr
        baseline = json.loads(done.stdout)
        assert (baseline["status"], baseline["trials"], answered(server)) == ("completed", TOTAL, TOTAL)
    baseline = show(baseline_db, baseline["run_id"])

    db = tmp_path / "crash.duckdb"
    rng = random.Random(SEED)
    kills = []
    with serve_faults(plan, latency_s=lambda: latency.uniform(0.02, 0.2)) as server:
        add_model(db, server)
        run_id = None
        for number, (kind, amount) in enumerate(kill_moments(rng)):
            if run_id is None:
                proc = spawn(*run_args, db=db, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            else:
                proc = spawn("runs", "resume", run_id, db=db, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_for_moment(proc, server, kind, amount)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert proc.returncode == -signal.SIGKILL
            if run_id is None:
                run_id = proc.stdout.readline().split()[-1]
                proc.stdout.close()
            kills.append((kind, amount, answered(server)))
        final = cli("runs", "resume", run_id, "--json", db=db)
        assert final.returncode == 0, final.stderr
        assert json.loads(final.stdout)["status"] == "completed"
        requests = answered(server)

    assert len(kills) == KILLS
    crashed = show(db, run_id)
    fields = ("status", "trials", "total_trials", "accepted", "errors", "attempts")
    assert {k: crashed[k] for k in fields} == {k: baseline[k] for k in fields}
    assert crashed["trials"] == TOTAL and crashed["accepted"] == TOTAL - TRIALS * (TASKS // WRONG_EVERY)
    assert crashed["spend_usd"] == pytest.approx(baseline["spend_usd"], abs=1e-12)
    assert crashed["spend_usd"] == pytest.approx(TOTAL * CALL_USD, abs=1e-12)

    con = read_only(db)
    trials = con.execute("""SELECT count(*), count(DISTINCT (suite_id, task_id, model_id, trial)),
                                   count(*) FILTER (attempts = 1) FROM trials WHERE run_id = ?""", [run_id]).fetchone()
    assert trials == (TOTAL, TOTAL, TOTAL)  # one final outcome per trial, each from its one answered attempt
    attempts = con.execute("""SELECT count(*), count(DISTINCT (suite_id, task_id, model_id, trial, attempt)),
                                     count(*) FILTER (attempt = 1 AND error_kind IS NULL)
                              FROM attempts WHERE run_id = ?""", [run_id]).fetchone()
    assert attempts == (TOTAL, TOTAL, TOTAL)  # nothing stored twice, no stray retry
    orphans = con.execute("""SELECT count(*) FROM trials t ANTI JOIN attempts a
                             USING (run_id, suite_id, task_id, model_id, trial) WHERE t.run_id = ?""",
                          [run_id]).fetchone()[0]
    assert orphans == 0  # a trial's outcome and its last attempt land in one transaction
    outcomes = con.execute("SELECT task_id, trial, outcome, output FROM trials WHERE run_id = ? ORDER BY ALL",
                           [run_id]).fetchall()
    con.close()
    reference = read_only(baseline_db)
    expected = reference.execute("SELECT task_id, trial, outcome, output FROM trials WHERE run_id = ? ORDER BY ALL",
                                 [baseline["run_id"]]).fetchall()
    reference.close()
    assert outcomes == expected  # trial by trial, not only in total

    # Asked again: only calls in flight at a kill, or answered in the writer's last window before it.
    wasted = requests - TOTAL
    print(f"\ncrash drill: {KILLS} kills at {kills}; {requests} requests for {TOTAL} trials ({wasted} re-asked)")
    assert 0 <= wasted <= KILLS * 2 * CONCURRENCY

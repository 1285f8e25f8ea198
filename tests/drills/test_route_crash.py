"""A run that stops at the route, killed with SIGKILL mid-campaign at seeded moments and resumed after each, ends
with the decisions of an uninterrupted run of the same task order: the same models stopped for the same reasons
after the same tasks, one outcome per trial and no attempt stored twice."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time

import pytest

from tests.drills.support import alive, cli, echo_suite_file, read_only, spawn
from tests.servers.fault_server import serve_faults

SEED = 23
TASKS, WRONG_EVERY, BAR = 600, 9, 0.85  # both models right on 8 of 9 tasks: 88.9% against an 85% bar
KILLS = 4
CONCURRENCY = 4
PRICES = {"openai/cheap": (0.1, 0.1), "openai/dear": (30.0, 60.0)}  # USD per million tokens
# a wrong answer costs 1 cent: the dear model is worth sending until the cheap one clears
SCENARIO = "name: drill\ndefaults:\n  failure_usd: 0.01\n"
WAIT_S = 180


def requests(server) -> int:
    return len(server.httpd.RequestHandlerClass.log)


def prepare(db, server, folder) -> list[str]:
    folder.mkdir()
    suite = echo_suite_file(folder, TASKS, wrong_every=WRONG_EVERY)
    for model_id, (price_in, price_out) in PRICES.items():
        added = cli("models", "add", model_id, "--input-price", str(price_in), "--output-price", str(price_out),
                    "--api-base", f"{server.url}/v1", db=db)  # fmt: skip
        assert added.returncode == 0, added.stderr
    scenario = folder / "drill.yaml"
    scenario.write_text(SCENARIO)
    models = ["--model", "openai/cheap", "--model", "openai/dear"]
    return ["run", "--suite", str(suite), *models, "--until-route", "--scenario", str(scenario),
            "--order-seed", str(SEED), "--concurrency", str(CONCURRENCY), "--no-cache"]  # fmt: skip


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    while alive(pid):
        time.sleep(0.005)


def shown(db, run_id) -> tuple[dict, list[str]]:
    """The run's totals and its races' lines, as `runs show` prints them."""
    as_json = cli("runs", "show", run_id, "--json", db=db)
    text = cli("runs", "show", run_id, db=db)
    assert as_json.returncode == 0 and text.returncode == 0, as_json.stderr + text.stderr
    lines = [line for line in text.stdout.splitlines() if line.startswith(("drill", "  openai/"))]
    return json.loads(as_json.stdout), lines


def test_kill_9_mid_campaign_then_resume_reaches_the_uninterrupted_runs_decisions(tmp_path):
    rng = random.Random(SEED)
    reference_db, db = tmp_path / "reference.duckdb", tmp_path / "crash.duckdb"
    latency = lambda: rng.uniform(0.005, 0.03)  # noqa: E731
    plan = lambda prompt, number: "ok"  # noqa: E731 - the server answers; only our process dies
    with serve_faults(plan, latency_s=latency) as reference, serve_faults(plan, latency_s=latency) as server:
        reference_args = prepare(reference_db, reference, tmp_path / "reference")
        args = prepare(db, server, tmp_path / "crash")
        uninterrupted = cli(*reference_args, "--json", db=reference_db, timeout=600)
        assert uninterrupted.returncode == 0, uninterrupted.stderr
        baseline = json.loads(uninterrupted.stdout)
        total = requests(reference)
        first = spawn(*args, db=db, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        run_id = first.stdout.readline().split()[-1]
        pid, kills = first.pid, []
        try:
            for number in range(KILLS):
                target = requests(server) + rng.randint(10, total // (KILLS + 2))
                deadline = time.monotonic() + WAIT_S
                while requests(server) < target and alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.002)
                assert alive(pid), f"the run ended by itself before kill {number}"
                kill(pid)
                kills.append(requests(server))
                resumed = spawn("runs", "resume", run_id, db=db, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                pid = resumed.pid
            deadline = time.monotonic() + WAIT_S
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not alive(pid), f"the last resume did not finish within {WAIT_S} s"
        finally:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
            first.wait()
        asked = requests(server)

    crashed, crashed_lines = shown(db, run_id)
    reference_run, reference_lines = shown(reference_db, baseline["run_id"])
    assert crashed["status"] == reference_run["status"] == "completed"
    assert crashed_lines == reference_lines and reference_lines[0].startswith("drill: ")
    assert (crashed["trials"], crashed["accepted"]) == (reference_run["trials"], reference_run["accepted"])
    assert crashed["trials"] < 2 * TASKS  # it stopped before every task went to every model
    # every kill came mid-campaign; what each lost (calls in flight, the writer's last moment) was asked again
    assert len(kills) == KILLS and kills[-1] < total <= asked, (kills, asked, total)
    con = read_only(db)
    trials = con.execute(
        "SELECT count(*), count(DISTINCT (suite_id, task_id, model_id, trial)) FROM trials WHERE run_id = ?", [run_id]
    ).fetchone()
    attempts = con.execute(
        "SELECT count(*), count(DISTINCT (suite_id, task_id, model_id, trial, attempt)) FROM attempts WHERE run_id = ?",
        [run_id],
    ).fetchone()
    con.close()
    assert trials[0] == trials[1] == crashed["trials"]  # one final outcome per trial
    assert attempts[0] == attempts[1]  # no attempt stored twice
    assert crashed["spend_usd"] == pytest.approx(reference_run["spend_usd"], abs=1e-12)

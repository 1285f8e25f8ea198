"""The shared store: DuckLake with its catalog in a real PostgreSQL and its files in a folder or on S3 (moto on
loopback). The same store API runs there; writes that must not duplicate stay single without keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import routeboard
from routeboard.decide.facts import ledger_facts
from routeboard.store import reviews as review_store
from routeboard.store.lake import compact
from routeboard.store.migrations import MIGRATIONS
from tests.conftest import ROOT
from tests.review.test_review import reviewed_run
from tests.servers.postgres import postgres  # noqa: F401  (session fixture)
from tests.servers.s3 import BUCKET, KEY_ID, SECRET, s3  # noqa: F401  (session fixture)
from tests.store.test_reviews import review

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def lake_env(postgres, tmp_path, monkeypatch):  # noqa: F811
    """A fresh shared store (its own PostgreSQL database) with its files in a folder; returns the env."""
    conninfo = postgres.database()
    env = {"ROUTEBOARD_DB": f"ducklake:postgres:{conninfo}", "ROUTEBOARD_DATA_PATH": str(tmp_path / "lake")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def in_processes(code: str, env: dict, count: int = 2) -> list:
    """Run ``code`` in ``count`` Python processes started together (each prints one JSON value); their outputs."""
    start_at = time.time() + 4  # every process has imported routeboard and opened the store before this instant
    script = (
        f"import json, time, routeboard\ncon = routeboard.connect()\ntime.sleep(max(0, {start_at} - time.time()))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script + code.replace("WORKER", str(i))],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    return outputs


def test_two_processes_opening_a_fresh_store_apply_each_migration_once(lake_env):
    opened = in_processes("print(json.dumps(con.execute('SELECT count(*) FROM _migrations').fetchone()[0]))", lake_env)
    assert opened == [len(MIGRATIONS)] * 2
    con = routeboard.connect()
    names = [name for (name,) in con.execute("SELECT name FROM _migrations ORDER BY name").fetchall()]
    assert names == sorted(name for name, _ in MIGRATIONS)  # each once: no duplicate row, none missing
    assert con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone() == (
        "ducklake",
    )


def test_runs_started_by_two_processes_at_once_are_all_stored_though_each_updates_runs_meanwhile(lake_env):
    """Starting a run inserts its row while the other process ends its own (an update, which DuckLake writes as a
    delete and an insert): the insert's commit can lose, and is written again rather than failing the run."""
    from routeboard.catalog.models import add_model
    from routeboard.library import save_suite
    from tests.conftest import echo_suite

    con = routeboard.connect()
    save_suite(con, echo_suite(4))
    add_model(con, "fake/model", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    con.close()
    code = """
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from tests.fakes import FakeProvider, install_fake
install_fake(FakeProvider())
done = [start_run(con, RunRequest(suites=("echo",), models=("fake/model",), limit=1)).run().done for _ in range(RUNS)]
print(json.dumps(done))
"""
    runs = 6
    outputs = in_processes(code.replace("RUNS", str(runs)), lake_env)
    assert outputs == [[1] * runs] * 2  # every run started, and each ended with its one trial
    con = routeboard.connect()
    statuses = con.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall()
    assert statuses == [("completed", 2 * runs)]


def test_a_run_its_facts_and_reviews_work_on_the_shared_store_and_its_files_land_in_the_folder(lake_env, tmp_path):
    con = routeboard.connect()
    run_id = reviewed_run(con, tasks=8)
    cur = con.cursor()  # a new cursor reads the lake too: the store is the connection's default database
    assert cur.execute("SELECT count(*) FROM trials WHERE run_id = ?", [run_id]).fetchone() == (16,)

    keys = [
        list(row)
        for row in cur.execute(
            "SELECT run_id, suite_id, task_id, model_id, trial FROM trials WHERE run_id = ? ORDER BY ALL", [run_id]
        ).fetchall()
    ]
    # two reviewers' processes claim the same 16 slots at the same instant: each slot goes to exactly one
    won = in_processes(
        f"from routeboard.store import reviews\nkeys = {keys!r}\n"
        "print(json.dumps([k for k in keys if reviews.claim(con, tuple(k), 1, 'reviewer-WORKER', 30)]))",
        lake_env,
    )
    first, second = ({tuple(k) for k in w} for w in won)
    assert not first & second
    assert first | second == {tuple(k) for k in keys}
    per_slot = cur.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM review_claims GROUP BY run_id, task_id, model_id, trial, slot)"
    ).fetchone()
    assert per_slot == (1,)
    assert not review_store.claim(con, tuple(keys[0]), 1, "a third reviewer", 30)

    # each reviewer's verdicts on what they hold decide those trials; the ledger counts them all
    holder = {tuple(k): f"reviewer-{0 if tuple(k) in first else 1}" for k in keys}
    review_store.add_reviews(
        con, [review(k, who, review_id=f"r{i}") for i, (k, who) in enumerate(holder.items())], claim_minutes=30
    )
    assert cur.execute("SELECT count(*) FROM trials WHERE outcome = 'pending'").fetchone() == (0,)
    facts = ledger_facts(con)
    assert sorted(facts["model_id"]) == ["fake/cheap", "fake/dear"]
    assert facts["trials"].sum() == 16

    cur.close()  # a reader left mid-result holds the catalog's tables; compaction would wait for it
    merged = compact(os.environ["ROUTEBOARD_DB"], keep_days=0)["merged"]
    assert merged > 0, "the many small files of a run's batches are merged"
    files = list((tmp_path / "lake").rglob("*.parquet"))
    assert files, "the store's Parquet files are in ROUTEBOARD_DATA_PATH"
    assert con.execute("SELECT count(*) FROM trials").fetchone() == (16,)  # nothing lost on the way


def test_a_store_on_s3_keeps_its_files_in_the_bucket_and_its_keys_out_of_the_catalog(postgres, s3, monkeypatch):  # noqa: F811
    conninfo = postgres.database()
    for name, value in {
        **s3.env,
        "ROUTEBOARD_DB": f"ducklake:postgres:{conninfo}",
        "ROUTEBOARD_DATA_PATH": f"s3://{BUCKET}/team",
    }.items():
        monkeypatch.setenv(name, value)
    con = routeboard.connect()
    run_id = reviewed_run(con, tasks=5)
    compact(os.environ["ROUTEBOARD_DB"], keep_days=0)
    assert any(key.startswith("team/") and key.endswith(".parquet") for key in s3.keys())

    # a second process (another app replica) reads the same results
    (count,) = in_processes(
        f"print(json.dumps(con.execute(\"SELECT count(*) FROM trials WHERE run_id = '{run_id}'\").fetchone()[0]))",
        {},
        count=1,
    )
    assert count == 10

    dump = postgres.dump(conninfo.split()[0].removeprefix("dbname="))
    assert "ducklake_metadata" in dump or "ducklake_snapshot" in dump  # the catalog is really there
    assert KEY_ID not in dump and SECRET not in dump
    assert not list(Path(os.environ.get("HOME", "/nonexistent")).glob(".duckdb/stored_secrets/*routeboard*"))

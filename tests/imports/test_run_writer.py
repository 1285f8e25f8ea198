"""The one writer of imported runs: a results file, a log's replies and the sample workspace store their runs alike,
all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routeboard.imports import run_writer
from routeboard.imports.logs import load_log
from routeboard.imports.results import import_results
from routeboard.imports.sample import build
from routeboard.store.connection import insert_columns
from tests.conftest import run_cli

LOGS = Path(__file__).resolve().parent.parent / "fixtures" / "logs"
TABLES = ("suites", "tasks", "models", "runs", "trials", "attempts", "audit_log")
RESULTS_CSV = (
    b"task_id,category,model,correct,input_tokens,output_tokens,cost_usd\n"
    b"t1,triage,acme/mini,true,100,5,0.0001\n"
    b"t2,triage,acme/mini,false,120,6,0.0002\n"
    b"t1,triage,acme/large,true,100,5,0.0010\n"
)
IMPORTS = {
    "results": lambda con: import_results(con, "triage.csv", RESULTS_CSV),
    "log": lambda con: load_log(con, LOGS / "chat.jsonl"),
    "sample": build,
}


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.mark.parametrize("kind", IMPORTS)
def test_a_failure_while_writing_the_results_leaves_nothing_of_any_import(con, monkeypatch, kind):
    before = counts(con)

    def trials_then_fail(cur, trials, attempts):
        insert_columns(cur, "trials", trials)  # half written when the disk fills up
        raise OSError("No space left on device")

    monkeypatch.setattr(run_writer, "insert_results", trials_then_fail)
    with pytest.raises(OSError, match="No space left"):
        IMPORTS[kind](con)
    assert counts(con) == before  # no run, suite, model, trial or audit row of it


def test_each_import_lists_as_an_imported_run_with_one_attempt_per_result(isolated_db):
    import routeboard

    con = routeboard.connect(isolated_db)
    run_ids = {kind: importer(con).run_id for kind, importer in IMPORTS.items()}
    estimated = dict(con.execute("SELECT run_id, bool_and(tokens_estimated) FROM attempts GROUP BY run_id").fetchall())
    con.close()
    listed = {run["run_id"]: run for run in json.loads(run_cli("runs", "list", "--json").stdout)}
    expected_trials = {"results": 3, "log": 2, "sample": None}
    for kind, run_id in run_ids.items():
        run = listed[run_id]
        assert run["status"] == "imported" and run["attempts"] == run["trials"] == run["total_trials"]
        assert expected_trials[kind] in (None, run["trials"])
    # only the sample's tokens are assumed (one output token per answer letter), so only it is marked estimated
    assert {kind: estimated[run_id] for kind, run_id in run_ids.items()} == {
        "results": False,
        "log": False,
        "sample": True,
    }

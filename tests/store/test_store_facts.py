"""Ledger facts count evidence in distinct tasks, however the trials were gathered."""

from __future__ import annotations

from routeboard.catalog import add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.run import RunRequest, start_run
from routeboard.store.facts import ledger_facts
from routeboard.store.suites import save_suite
from tests.fakes import FakeProvider, install_fake


def _run(con, trials: int = 1) -> None:
    progress = start_run(con, RunRequest(suites=("echo",), models=("fake/m",), trials=trials, use_cache=False)).run()
    assert progress.status == "completed"


def test_two_runs_of_one_suite_are_the_same_tasks_twice(con):
    install_fake(FakeProvider())
    add_model(con, "fake/m", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    save_suite(
        con,
        Suite(
            name="echo",
            category="echo",
            grader=GraderSpec("exact"),
            bar=0.9,
            tasks=tuple(Task(id=f"t{i}", input=f"say: {i}", expected=str(i)) for i in range(12)),
        ),
    )
    _run(con)
    [once] = ledger_facts(con).to_dict("records")
    assert (once["trials"], once["tasks"], once["task_correct"]) == (12, 12, None)
    _run(con)
    _run(con, trials=2)
    [row] = ledger_facts(con).to_dict("records")
    assert (row["trials"], row["tasks"]) == (48, 12)
    assert list(row["task_correct"]) == [4] * 12 and list(row["task_trials"]) == [4] * 12

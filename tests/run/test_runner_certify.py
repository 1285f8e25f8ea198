"""Sequential certification counts evidence in tasks: k trials of one task are not k independent samples, and a
model clears only on enough tasks (docs/design.md, "Deciding")."""

from __future__ import annotations

import json

import pytest

from routeboard.catalog.models import add_model
from routeboard.decide.verdicts import sequential_verdict
from routeboard.library import save_suite
from routeboard.run.plan import task_evidence
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.store.runs import get_run
from tests.conftest import echo_suite, run_cli
from tests.fakes import FakeProvider, install_fake


def saved_echo(con, tasks: int, bar: float, constraints: dict | None = None) -> None:
    """The echo suite stored, and one priced fake model that answers it right."""
    save_suite(con, echo_suite(tasks, bar=bar, constraints=constraints or {}))
    add_model(con, "fake/right", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=1.0)


def certified(con, run_id) -> dict:
    return {c["model_id"]: c for c in get_run(con, run_id)["settings"].get("certified", [])}


def test_ten_tasks_times_three_all_correct_do_not_certify(con):
    bar = 0.85
    # Counted as 30 independent trials, 30/30 correct would clear this bar at the first look ...
    assert sequential_verdict(30, 30, bar, look=1, max_looks=1, min_tasks=30) == "clears"
    # ... but they are 10 tasks: the evidence is 10/10, which does not (nor is 10 the minimum of 30 tasks)
    assert sequential_verdict(10, 10, bar, look=1, max_looks=1, min_tasks=30) == "undecided"
    saved_echo(con, 10, bar)
    fake = install_fake(FakeProvider())
    runner = start_run(
        con, RunRequest(suites=("echo",), models=("fake/right",), trials=3, certify=True, round_tasks=10)
    )
    assert runner.run().status == "completed"
    assert len(fake.calls) == 30
    assert certified(con, runner.run_id) == {}


@pytest.mark.parametrize("bar", [0.95, 0.5])
def test_ten_tasks_never_certify_a_clear_whatever_the_bar(con, bar):
    saved_echo(con, 10, bar)
    install_fake(FakeProvider())
    runner = start_run(
        con, RunRequest(suites=("echo",), models=("fake/right",), trials=3, certify=True, round_tasks=10)
    )
    runner.run()
    assert certified(con, runner.run_id) == {}


def test_a_model_clears_only_on_the_minimum_number_of_tasks(con):
    saved_echo(con, 60, 0.5)  # no constraints: the default min_tasks of 30
    install_fake(FakeProvider())
    runner = start_run(con, RunRequest(suites=("echo",), models=("fake/right",), certify=True, round_tasks=20))
    runner.run()
    # 20/20 correct already clears 0.5 at the first look, but 20 tasks are fewer than 30: it waits one round
    assert sequential_verdict(20, 20, 0.5, look=1, max_looks=3, min_tasks=20) == "clears"
    assert (
        certified(con, runner.run_id)["fake/right"] | {"verdict": "clears", "look": 2, "tasks": 40}
        == certified(con, runner.run_id)["fake/right"]
    )


@pytest.mark.parametrize("least, look", [(50, 3), (10, 1)])
def test_certification_stops_a_model_at_its_suites_min_tasks_and_the_ledger_then_routes_it(con, least, look):
    saved_echo(con, 100, 0.5, constraints={"min_tasks": least})
    fake = install_fake(FakeProvider())
    runner = start_run(con, RunRequest(suites=("echo",), models=("fake/right",), certify=True, round_tasks=20))
    runner.run()
    # 20 of 20 correct already clears 0.5 on the anytime bound: the suite's min_tasks decides when it may stop
    # (with the global 30, a min_tasks of 50 stopped it at 40 tasks, which the ledger then kept off the route)
    stopped = certified(con, runner.run_id)["fake/right"]
    assert (stopped["verdict"], stopped["look"], stopped["tasks"]) == ("clears", look, 20 * look)
    assert len(fake.calls) == 20 * look
    con.close()  # the CLI opens the file in its own process
    [row] = json.loads(run_cli("report", "--json").stdout)
    assert (row["tasks"], row["verdict"], row["excluded"]) == (20 * look, "clears", None)
    routes = run_cli("route", env={"COLUMNS": "250"}).stdout
    assert "fake/right" in routes and "none clears" not in routes


def test_task_evidence_counts_finished_tasks_once_with_their_share_of_correct_trials():
    per_task = {"a": [3, 3], "b": [2, 3], "c": [0, 3], "d": [1, 1]}  # d has 1 of its 3 trials done
    successes, n = task_evidence(per_task, trials=3)
    assert n == 3
    assert successes == pytest.approx(1 + 2 / 3 + 0)
    assert task_evidence({}, trials=3) == (0.0, 0)

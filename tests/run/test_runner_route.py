"""A run that stops at the route (``--until-route``): a model stops once it cannot become its category's route, a
category once its route is known, and a run stopped mid-campaign resumes to the decisions of an uninterrupted one
with no trial sent twice."""

from __future__ import annotations

import json
from dataclasses import replace

import duckdb

from routeboard.catalog.models import add_model
from routeboard.library import save_suite
from routeboard.present import race_lines
from routeboard.run.request import RunRequest
from routeboard.run.start import resume_run, start_run
from routeboard.store.runs import get_run
from tests.conftest import echo_suite, run_cli
from tests.fakes import FakeProvider, install_fake
from tests.servers.echo import serve_echo

TASKS, ROUND = 200, 20
CHEAP, DEAR = "fake/cheap", "fake/dear"  # the fake answers with 100 input and 10 output tokens
# a wrong answer costs $0.02: enough that a cheap model at the bar (0.8) is worth less than the dear one at its best,
# little enough that once the cheap one clears on 40 tasks the dear one cannot beat it
SCENARIO = "name: cheap errors\ndefaults:\n  failure_usd: 0.02\n"


def setup(con, tmp_path, bar: float = 0.8) -> str:
    save_suite(
        con,
        echo_suite(TASKS, bar=bar),
    )
    add_model(con, CHEAP, input_price_per_mtok_usd=0.1, output_price_per_mtok_usd=0.1)
    add_model(con, DEAR, input_price_per_mtok_usd=30.0, output_price_per_mtok_usd=60.0)
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO)
    return str(path)


class ByModel(FakeProvider):
    """Right on every task, except where ``wrong(model, task number)`` says."""

    def __init__(self, wrong=lambda model, number: False):
        super().__init__()
        self.wrong = wrong
        self.by_model: dict[str, int] = {}

    async def complete(self, model, messages, settings):
        completion = await super().complete(model, messages, settings)
        self.by_model[model.id] = self.by_model.get(model.id, 0) + 1
        return replace(completion, text="wrong") if self.wrong(model.id, int(completion.text)) else completion


def calls(fake: FakeProvider, model_id: str) -> int:
    return fake.by_model.get(model_id, 0)


def test_a_dominated_dear_model_is_never_sent_past_the_round_in_which_a_cheap_one_clears(con, tmp_path):
    scenario = setup(con, tmp_path)
    fake = install_fake(ByModel())
    request = RunRequest(("echo",), (CHEAP, DEAR), until_route=True, round_tasks=ROUND, scenario=scenario)
    progress = start_run(con, request).run()
    # round 1: 20 tasks are fewer than the 30 a clear needs; round 2: the cheap model clears, and even a perfect
    # dear model then costs more per accepted task than the most the cheap one can: nothing more is sent
    assert (progress.status, calls(fake, CHEAP), calls(fake, DEAR)) == ("completed", 2 * ROUND, 2 * ROUND)
    assert (progress.done, progress.total) == (4 * ROUND, 4 * ROUND)
    lines = race_lines(progress.race)
    assert lines[0] == "echo: route settled: fake/cheap"
    assert lines[1].startswith("  fake/cheap: the route: clears the 80% bar (at least ")
    assert lines[2].startswith("  fake/dear: stopped after 40 tasks: fake/cheap is the route; even at 100.0% accurate")


def test_a_category_where_no_model_can_clear_stops_after_its_first_round(con, tmp_path):
    scenario = setup(con, tmp_path)
    fake = install_fake(ByModel(wrong=lambda model, number: True))
    request = RunRequest(("echo",), (CHEAP, DEAR), until_route=True, round_tasks=ROUND, scenario=scenario)
    runner = start_run(con, request)
    progress = runner.run()
    assert (progress.status, len(fake.calls), progress.total) == ("completed", 2 * ROUND, 2 * ROUND)
    lines = race_lines(get_run(con, runner.run_id)["settings"]["race"])  # what another process reads
    assert lines[0] == "echo: no candidate can clear the 80% bar"
    assert all(" stopped after 20 tasks: at most " in line for line in lines[1:])


def test_a_run_stopped_mid_campaign_resumes_to_the_uninterrupted_runs_decisions(con, tmp_path):
    scenario = setup(con, tmp_path, bar=0.9)
    # the cheap model is wrong on every 8th task (87.5%: near the bar), the dear one on every 40th
    wrong = lambda model, number: number % (8 if model == CHEAP else 40) == 7  # noqa: E731
    request = RunRequest(
        ("echo",), (CHEAP, DEAR), until_route=True, round_tasks=ROUND, scenario=scenario, order_seed=11,
        use_cache=False, concurrency=3,
    )  # fmt: skip
    install_fake(ByModel(wrong))
    uninterrupted = start_run(con, request).run()

    stopper = ByModel(wrong)
    install_fake(stopper)
    runner = start_run(con, request)
    original = stopper.complete

    async def stop_after_55(model, messages, settings):  # a stop in the third round, with calls in flight
        if len(stopper.calls) == 55:
            runner.cancel.set()
        return await original(model, messages, settings)

    stopper.complete = stop_after_55
    assert runner.run().status == "cancelled"
    install_fake(ByModel(wrong))
    resumed = resume_run(con, runner.run_id).run()

    assert resumed.status == "completed"
    assert race_lines(resumed.race) == race_lines(uninterrupted.race)
    keys = con.execute(
        """SELECT count(*), count(DISTINCT (task_id, model_id, trial)) FROM trials WHERE run_id = ?""",
        [runner.run_id],
    ).fetchone()
    attempts = con.execute(
        "SELECT count(*), count(DISTINCT (task_id, model_id, trial, attempt)) FROM attempts WHERE run_id = ?",
        [runner.run_id],
    ).fetchone()
    assert keys[0] == keys[1] == resumed.done and attempts[0] == attempts[1]  # one outcome a trial, none sent twice
    sent = dict(
        con.execute("SELECT model_id, count(*) FROM trials WHERE run_id = ? GROUP BY 1", [runner.run_id]).fetchall()
    )
    first = con.execute("SELECT run_id FROM runs WHERE run_id <> ?", [runner.run_id]).fetchone()[0]
    assert sent == dict(
        con.execute("SELECT model_id, count(*) FROM trials WHERE run_id = ? GROUP BY 1", [first]).fetchall()
    )


def test_the_cli_shows_the_plan_the_progress_and_why_each_model_stopped(con, tmp_path, isolated_db):
    with serve_echo() as echo_url:
        cli_campaign(con, tmp_path, isolated_db, echo_url)


def cli_campaign(con, tmp_path, isolated_db, echo_url) -> None:
    setup(con, tmp_path)
    scenario = tmp_path / "price.yaml"  # errors cost nothing here: the cheapest model that clears is the route
    scenario.write_text("name: price\ndefaults:\n  failure_usd: 0\n")
    for model_id, prices in (("openai/echo-cheap", (0.1, 0.1)), ("openai/echo-dear", (30.0, 60.0))):
        add_model(con, model_id, tier="small-proprietary", input_price_per_mtok_usd=prices[0],
                  output_price_per_mtok_usd=prices[1], api_base=echo_url)  # fmt: skip
    con.close()
    args = ["run", "--suite", "echo", "--model", "openai/echo-cheap", "--model", "openai/echo-dear", "--until-route",
            "--scenario", str(scenario), "--round-tasks", str(ROUND)]  # fmt: skip
    estimate = run_cli(*args, "--estimate-only", "--json")
    assert estimate.returncode == 0, estimate.stderr
    spend = json.loads(estimate.stdout)["until_route"]
    assert 0 < spend["expected_usd"] < spend["worst_usd"] == spend["full_usd"] and spend["full_calls"] == 2 * TASKS

    ran = run_cli(*args, env={"COLUMNS": "250"})
    assert ran.returncode == 0, ran.stderr
    assert "until the route: expected $" in ran.stderr and "the full run: $" in ran.stderr  # the plan, before
    assert "echo: deciding between openai/echo-cheap and openai/echo-dear" in ran.stderr  # the progress, round 1
    # the dear model waits while the cheap one may clear, and is never sent once it does
    assert "  openai/echo-dear: waiting: should openai/echo-cheap clear the bar it costs at most" in ran.stderr
    assert "completed: 40/40 trials" in ran.stdout
    finished = ran.stdout[ran.stdout.index("echo: route settled: openai/echo-cheap") :].splitlines()
    assert finished[1].startswith("  openai/echo-cheap: the route: clears the 80% bar")
    assert finished[2].startswith("  openai/echo-dear: not sent: openai/echo-cheap is the route")
    run_id = ran.stdout.split()[1]
    shown = run_cli("runs", "show", run_id)
    assert "echo: route settled: openai/echo-cheap" in shown.stdout

    refused = run_cli("run", "--suite", "echo", "--model", CHEAP, "--until-route", "--certify")
    assert refused.returncode == 2 and "--certify and --until-route: choose one way to stop" in refused.stderr
    with duckdb.connect(str(isolated_db), read_only=True) as check:
        assert check.execute("SELECT count(*) FROM runs").fetchone() == (1,)  # the refused run wrote nothing


def test_the_budget_cap_holds_and_a_resume_under_a_new_cap_finishes_the_race(con, tmp_path):
    scenario = setup(con, tmp_path)
    request = RunRequest(
        ("echo",), (CHEAP, DEAR), until_route=True, round_tasks=ROUND, scenario=scenario, order_seed=3,
        budget_usd=0.05, use_cache=False,
    )  # fmt: skip
    install_fake(ByModel())
    runner = start_run(con, request)
    capped = runner.run()
    # the dear model costs $0.0036 a call: the cap stops the race in its first round, everything done kept
    assert capped.status == "budget_exhausted" and capped.spend_usd <= 0.05
    assert capped.race[0]["state"] == "deciding"
    resumed = resume_run(con, runner.run_id, budget_usd=1.0).run()
    assert (resumed.status, race_lines(resumed.race)[0]) == ("completed", "echo: route settled: fake/cheap")
    assert con.execute("SELECT count(*) FROM trials WHERE run_id = ?", [runner.run_id]).fetchone() == (4 * ROUND,)

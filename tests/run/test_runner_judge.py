"""Judges are paid for: each llm_judge call's tokens, time and cost land on its trial, priced from the run's
snapshot; a suite names its judge, a run may override it, and the budget reserves the judge's calls too."""

from __future__ import annotations

import json

import pytest

from routeboard.catalog.models import EMBEDDED_ID, add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import InvalidInput, ModelUnavailable
from routeboard.library import save_suite
from routeboard.present import for_cli
from routeboard.providers.base import Completion, GenerationSettings
from routeboard.providers.registry import register_provider
from routeboard.run.judge import judge_warning
from routeboard.run.request import RunRequest
from routeboard.run.resolve import resolve_suites
from routeboard.run.start import start_run
from routeboard.store.runs import get_run, run_totals
from tests.conftest import run_cli

TASKS = 10
JUDGE_IN, JUDGE_OUT, JUDGE_MS = 400, 20, 7.0  # what the fake judge reports per call
JUDGE_PRICE = (3.0, 15.0)  # USD per million tokens
ONE_JUDGE_CALL_USD = (JUDGE_IN * JUDGE_PRICE[0] + JUDGE_OUT * JUDGE_PRICE[1]) / 1e6


class Judged:
    """The candidate echoes the number asked for; a judge passes every answer and says who judged."""

    def __init__(self):
        self.judges: list[str] = []

    async def complete(self, model, messages, settings) -> Completion:
        text = messages[-1]["content"]
        if model.id.startswith("fake/judge"):
            self.judges.append(model.id)
            return Completion("Looks right.\nVERDICT: PASS", JUDGE_IN, JUDGE_OUT, JUDGE_MS)
        return Completion(text.rsplit(":", 1)[-1].strip(), 20, 2, 1.0)


def judged_suite(name: str = "emails", **options) -> Suite:
    return Suite(
        name=name,
        category="email drafting",
        bar=0.7,
        grader=GraderSpec("llm_judge", {"rubric": "The answer is the number asked for.", **options}),
        tasks=tuple(Task(id=f"t{i}", input=f"say: {i}", expected=str(i)) for i in range(TASKS)),
    )


@pytest.fixture
def world(con):
    for name in ("fake/candidate", "fake/judge", "fake/judge-b"):
        add_model(con, name, input_price_per_mtok_usd=JUDGE_PRICE[0], output_price_per_mtok_usd=JUDGE_PRICE[1])
    fake = Judged()
    register_provider("fake/", lambda: fake)
    return fake


def test_each_trial_stores_its_judges_tokens_latency_and_cost(con, world):
    save_suite(con, judged_suite(judge_model="fake/judge"))
    runner = start_run(con, RunRequest(suites=("emails",), models=("fake/candidate",)))
    assert runner.run().status == "completed"
    rows = con.execute(
        """SELECT judge_model, judge_input_tokens, judge_output_tokens, judge_latency_ms,
                                 judge_cost_usd FROM trials WHERE run_id = ?""",
        [runner.run_id],
    ).fetchall()
    assert len(rows) == TASKS
    assert rows == [("fake/judge", JUDGE_IN, JUDGE_OUT, JUDGE_MS, pytest.approx(ONE_JUDGE_CALL_USD))] * TASKS
    totals = run_totals(con, runner.run_id)[0]
    assert totals["judge_total_usd"] == pytest.approx(TASKS * ONE_JUDGE_CALL_USD)
    assert totals["spend_usd"] == pytest.approx(totals["model_total_usd"] + TASKS * ONE_JUDGE_CALL_USD)
    run = get_run(con, runner.run_id)
    assert run["prices"]["fake/judge"]["input_per_mtok_usd"] == JUDGE_PRICE[0]  # the judge's price is snapshotted
    assert run["settings"]["judges"] == {"emails@1": "fake/judge"}


def test_the_run_flag_overrides_the_suites_judge(con, world):
    save_suite(con, judged_suite(judge_model="fake/judge"))
    runner = start_run(con, RunRequest(suites=("emails",), models=("fake/candidate",), judge_model="fake/judge-b"))
    runner.run()
    assert set(world.judges) == {"fake/judge-b"}
    judged_by = con.execute("SELECT DISTINCT judge_model FROM trials WHERE run_id = ?", [runner.run_id]).fetchall()
    assert judged_by == [("fake/judge-b",)]


def test_suites_without_a_judge_store_no_judge_columns(con, world):
    save_suite(
        con,
        Suite(
            name="exact",
            category="echo",
            bar=0.7,
            grader=GraderSpec("exact"),
            tasks=(Task(id="t0", input="say: 0", expected="0"),),
        ),
    )
    runner = start_run(con, RunRequest(suites=("exact",), models=("fake/candidate",)))
    runner.run()
    row = con.execute("SELECT judge_model, judge_cost_usd FROM trials WHERE run_id = ?", [runner.run_id]).fetchone()
    assert row == (None, None)  # no judge, not a judge that cost $0


def test_the_budget_reserves_the_judges_calls(con, world):
    save_suite(con, judged_suite(judge_model="fake/judge"))
    add_model(con, "fake/cheap", input_price_per_mtok_usd=0.01, output_price_per_mtok_usd=0.01)
    cap = 0.01  # the candidate costs next to nothing: the judge is what spends the money (~$0.0015 a call)
    runner = start_run(
        con,
        RunRequest(
            suites=("emails",),
            models=("fake/cheap",),
            budget_usd=cap,
            concurrency=1,
            settings=GenerationSettings(max_output_tokens=8),
        ),
    )
    progress = runner.run()
    assert progress.status == "budget_exhausted"
    totals = run_totals(con, runner.run_id)[0]
    assert totals["judge_total_usd"] > 0.5 * totals["spend_usd"]
    assert totals["spend_usd"] <= cap  # each call reserved at its worst case together with its judge's
    assert 1 <= totals["trials"] < TASKS


def test_a_hosted_judge_without_its_key_or_price_is_refused_up_front(con, world, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    save_suite(con, judged_suite(judge_model="openai/gpt-4.1-mini"))
    with pytest.raises(ModelUnavailable, match=r"^judge openai/gpt-4.1-mini: OPENAI_API_KEY is not set$"):
        start_run(con, RunRequest(suites=("emails",), models=("fake/candidate",)))
    add_model(con, "fake/unpriced", tier="small-proprietary", unpriced_ok=True)  # e.g. an imported id
    with pytest.raises(InvalidInput, match="no known price for judge fake/unpriced"):
        start_run(con, RunRequest(suites=("emails",), models=("fake/candidate",), judge_model="fake/unpriced"))
    assert run_totals(con) == [] and world.judges == []


def test_the_embedded_judge_comes_with_a_warning(con, world):
    save_suite(con, judged_suite())
    suites = resolve_suites(con, ("emails",))
    warning = judge_warning(suites, None)
    assert warning.startswith(
        f"the judge of emails is the embedded 135M model ({EMBEDDED_ID}), which cannot judge free-form text reliably"
    )
    assert "choose a hosted judge (--judge-model)" in for_cli(warning)
    assert judge_warning(suites, "fake/judge") is None


def test_the_cli_warns_when_the_embedded_model_judges(tmp_path):
    suite = tmp_path / "emails.yaml"
    suite.write_text(
        json.dumps(
            {
                "name": "emails",
                "category": "email drafting",
                "bar": 0.7,
                "grader": {"name": "llm_judge", "options": {"rubric": "Polite."}},
                "tasks": [{"id": "t0", "input": "Write to Ann."}],
            }
        )
    )
    result = run_cli("run", "--suite", str(suite), "--model", EMBEDDED_ID, "--estimate-only")
    assert result.returncode == 0, result.stderr
    assert "warning: the judge of emails is the embedded 135M model" in result.stderr
    assert "cannot judge free-form text reliably" in result.stderr

"""The sample workspace: a real routing board from published results, labelled, priced, and removable."""

from __future__ import annotations

import math

import pytest

from routeboard.decide.ledger import ledger
from routeboard.decide.routes import routes
from routeboard.imports.sample import BAR, CATEGORIES, GPT4, MIXTRAL, NOTE, build, remove
from routeboard.store.runs import get_run
from tests.conftest import run_cli

TABLES = ("suites", "tasks", "models", "runs", "trials", "attempts")


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_sample_gives_a_priced_board_per_category_and_labels_itself(con):
    summary = build(con)
    led = ledger(con)
    assert set(led["category"]) == set(CATEGORIES) and all(c.startswith("sample:") for c in led["category"])
    for category in CATEGORIES:
        rows = led[led["category"] == category].set_index("model_id")
        assert set(rows.index) == {GPT4, MIXTRAL}
        for model in (GPT4, MIXTRAL):
            assert rows.loc[model, "bar"] == BAR
            assert math.isfinite(rows.loc[model, "cpat_usd"]) and rows.loc[model, "cpat_usd"] > 0
    # litellm's map: GPT-4 Turbo at $10/$30 per million tokens, Mixtral at Together's $0.6/$0.6
    run = get_run(con, summary.run_id)
    assert run["note"] == NOTE and "output assumed 1 token" in run["note"]
    assert run["prices"][GPT4]["input_per_mtok_usd"] == 10.0
    assert run["prices"][MIXTRAL]["input_per_mtok_usd"] == run["prices"][MIXTRAL]["output_per_mtok_usd"] == 0.6
    # the published results give each kind of answer: open-weight route, frontier route, and none clears
    route = routes(led).set_index("category")
    assert route.loc["sample: marketing & civics", "model"] == MIXTRAL
    assert route.loc["sample: psychology & geography", "model"] == GPT4  # both clear; GPT-4 fails less
    assert route.loc["sample: biology & medicine", "model"] == GPT4
    assert not isinstance(route.loc["sample: mathematics", "model"], str)  # no route
    assert route.loc["sample: mathematics", "reason"].startswith("no model clears the bar; nearest is gpt-4")
    assert all(name.startswith("sample:") for name in summary.suites)


def test_remove_leaves_nothing_and_a_second_build_adds_nothing(con):
    before = counts(con)
    first = build(con)
    after_first = counts(con)
    second = build(con)
    assert not second.created and second.run_id == first.run_id
    assert counts(con) == after_first
    assert (
        after_first["trials"]
        == after_first["attempts"]
        == first.results
        == 2 * len(con.execute("SELECT * FROM tasks").fetchall())
    )
    removed = remove(con)
    assert removed["runs"] == 1 and removed["suites"] == len(CATEGORIES) and removed["models"] == 2
    assert counts(con) == before


def test_cli_adds_and_removes_the_sample():
    added = run_cli("sample", "add")
    assert added.returncode == 0 and "sample benchmark data (RouteLLM MMLU, Apache-2.0)" in added.stdout
    again = run_cli("sample", "add")
    assert "already there" in again.stdout
    removed = run_cli("sample", "remove")
    assert removed.returncode == 0 and "4 suites" in removed.stdout


def test_a_sample_suite_has_no_answer_key_so_a_run_of_it_is_refused_before_any_call(con):
    from routeboard.errors import InvalidInput
    from routeboard.run.request import RunRequest
    from routeboard.run.start import start_run
    from routeboard.store.runs import run_totals

    build(con)
    with pytest.raises(InvalidInput, match="no expected answer, which its 'exact' grader needs"):
        start_run(con, RunRequest(suites=("sample:mmlu-mathematics",), models=("local/smollm2-135m",)))
    assert [r["run_id"] for r in run_totals(con)] == [r["run_id"] for r in run_totals(con) if r["status"] == "imported"]

"""Every page through AppTest: empty-database guidance, and what each page shows after a real (fake-model) run."""

from __future__ import annotations

import pytest

from routeboard.catalog import EMBEDDED_ID
from routeboard.decisions import decide
from routeboard.ledger import ledger_facts
from routeboard.scenario import Scenario
from routeboard.store.suites import list_suites
from routeboard.suites import shipped_suite_paths
from tests.ui.conftest import BAR, CHEAP, PRICES, PRICEY, SUITE, TASKS, WRONG_EVERY, chart, metric, open_page, table
from ui.widgets import usd

WRONG = {model: len(range(every - 1, TASKS, every)) for model, every in WRONG_EVERY.items()}  # 4 and 10 of 40


def routed_cpat(con, scenario: Scenario) -> float:
    """The echo route's cpat as the core computes it for a scenario."""
    routes = decide(ledger_facts(con), scenario).routes
    return float(routes.set_index("category").loc[SUITE, "cpat_usd"])


# ---------------------------------------------------------------- empty database

EMPTY_MESSAGES = {
    "suites": "No suites yet: upload a file or import the shipped suites.",
    "run": "Import a suite first (Suites page).",
    "results": "No results yet: launch a run on the Run page or import results with the CLI.",
    "frontier": "No results yet: run a suite first.",
    "whatif": "No results yet: run a suite first.",
}


@pytest.mark.parametrize("page", sorted(EMPTY_MESSAGES))
def test_on_an_empty_database_each_page_says_what_to_do_first(app, page):
    at = open_page(app, page)
    assert [i.value for i in at.info] == [EMPTY_MESSAGES[page]]
    assert not at.error


def test_models_on_an_empty_database_offer_the_embedded_model_and_say_why_ollama_is_missing(app):
    at = open_page(app, "models")
    assert [i.value for i in at.info] == [
        "no Ollama server answered at http://127.0.0.1:9 (ConnectionError); start it with `ollama serve` "
        "or set OLLAMA_HOST"
    ]
    catalog = at.data_editor(key="models_catalog").value.set_index("id")
    assert catalog.loc[EMBEDDED_ID, ["tier", "input_per_mtok_usd"]].tolist() == ["local", 0.0]


def test_overview_guides_a_first_import_then_offers_the_first_run(app, app_con):
    at = open_page(app, "overview")
    assert "Get started" in [s.value for s in at.subheader]
    assert not at.button(key="overview_import_shipped").disabled
    assert "overview_first_run" not in [b.key for b in at.button]  # nothing to run before an import

    at.button(key="overview_import_shipped").click().run()
    assert not at.exception
    assert len(list_suites(app_con)) == len(shipped_suite_paths())
    assert at.button(key="overview_import_shipped").disabled
    assert at.button(key="overview_first_run").label == "Run 10 classification tasks on the embedded model"


# ---------------------------------------------------------------- after a run on two fake models


def test_overview_board_routes_the_category_to_the_cheap_model_that_clears(app, seeded):
    at = open_page(app, "overview")
    assert (metric(at, "Suites"), metric(at, "Runs"), metric(at, "Attempts stored")) == ("1", "1", f"{2 * TASKS}")
    board = table(at, "category", "routed", "verdict", "cpat").set_index("category")
    assert board.loc[SUITE, "routed"] == CHEAP
    assert board.loc[SUITE, "verdict"] == "clears"
    assert board.loc[SUITE, "accuracy"].startswith("90.0% [")
    assert board.loc[SUITE, "cpat"] == usd(routed_cpat(seeded.con, Scenario()))
    excluded = table(at, "model_id", "verdict", "tasks_needed")
    assert excluded["model_id"].tolist() == [PRICEY]  # 75% cannot yet clear a 70% bar on 40 tasks


def test_suites_page_lists_the_suite_and_its_tasks(app, seeded):
    at = open_page(app, "suites")
    suites = table(at, "suite_id", "name", "task_count")
    assert suites[["name", "task_count", "bar"]].values.tolist() == [[SUITE, TASKS, BAR]]
    assert at.selectbox(key="suites_browse").value == seeded.suite_id
    tasks = table(at, "id", "input", "expected")
    assert (len(tasks), tasks["input"].iat[3], tasks["expected"].iat[3]) == (TASKS, "say: 3", "3")
    assert at.number_input(key=f"suites_edit_bar_{seeded.suite_id}").value == BAR


def test_models_page_lists_the_embedded_model_and_the_user_prices(app, seeded):
    at = open_page(app, "models")
    catalog = at.data_editor(key="models_catalog").value.set_index("id")
    assert EMBEDDED_ID in catalog.index
    assert catalog.loc[EMBEDDED_ID, "tier"] == "local"
    for model, (price_in, price_out) in PRICES.items():
        assert catalog.loc[model, ["input_per_mtok_usd", "output_per_mtok_usd", "price_source"]].tolist() == [
            price_in,
            price_out,
            "user",
        ]
    assert EMBEDDED_ID in at.data_editor(key="models_infra").value["id"].tolist()


def test_results_shows_the_ledger_and_filters_trials_by_outcome(app, seeded):
    at = open_page(app, "results")
    ledger = table(at, "model_id", "accuracy", "cpat_usd").set_index("model_id")
    assert ledger.loc[CHEAP, "accuracy"] == pytest.approx(0.9)
    assert ledger.loc[PRICEY, "accuracy"] == pytest.approx(0.75)
    assert ledger["trials"].tolist() == [TASKS, TASKS]
    assert f"Trials ({2 * TASKS})" in [s.value for s in at.subheader]
    assert len(table(at, "run_id", "task_id", "outcome", "output")) == 2 * TASKS

    at.multiselect(key="results_outcomes").set_value(["wrong"]).run()
    wrong = table(at, "run_id", "task_id", "outcome", "output")
    assert set(wrong["outcome"]) == {"wrong"}
    assert wrong.groupby("model_id").size().to_dict() == WRONG


def test_frontier_draws_both_models_and_routes_to_the_cheap_one(app, seeded):
    at = open_page(app, "frontier")
    figure = chart(at, "frontier_chart")
    plotted = {row[0] for trace in figure["data"] if "customdata" in trace for row in trace["customdata"]}
    assert {CHEAP, PRICEY} <= plotted
    assert any(shape.get("y0") == BAR for shape in figure["layout"]["shapes"])  # the quality bar
    routes = table(at, "category", "model", "runner_up", "reason").set_index("category")
    assert routes.loc[SUITE, "model"] == CHEAP
    assert routes.loc[SUITE, "reason"] == "cheapest model that clears the bar"
    # the simulated cascade asks the cheap model first; it never needs to escalate here, so it clears too
    assert set(table(at, "model_id", "verdict", "tasks_needed")["model_id"]) == {PRICEY}
    assert "cascade" in {trace["name"] for trace in figure["data"]}

    at.checkbox(key="frontier_cascades").uncheck().run()
    assert table(at, "model_id", "verdict", "tasks_needed")["model_id"].tolist() == [PRICEY]
    assert "cascade" not in {trace["name"] for trace in chart(at, "frontier_chart")["data"]}
    assert table(at, "category", "model", "runner_up", "reason").set_index("category").loc[SUITE, "model"] == CHEAP


def test_whatif_failure_cost_moves_the_routed_cpat_by_what_the_ledger_says(app, seeded):
    at = open_page(app, "whatif")
    label = f"Routed cpat for {SUITE}"
    before = routed_cpat(seeded.con, Scenario())
    assert metric(at, label) == usd(before)
    assert chart(at, "whatif_breakdown")["data"]  # the cost breakdown is drawn

    failure = at.number_input(key="whatif_failure_every category")
    assert failure.value == Scenario().defaults.failure_usd
    failure.set_value(50.0).run()
    assert not at.exception
    after = routed_cpat(seeded.con, Scenario().with_values(failure_usd=50.0))
    assert metric(at, label) == usd(after)
    # the routed model is wrong on 10% of tasks and nothing is reviewed: each escaped error costs $30 more,
    # spread over the 90% of tasks accepted
    moved = 0.1 * (50.0 - 20.0) / 0.9
    assert after - before == pytest.approx(moved)
    shown = float(metric(at, label).lstrip("$").replace(",", ""))
    assert shown - before == pytest.approx(moved, abs=1e-4)  # shown to 4 decimals

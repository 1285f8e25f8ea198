"""Every page through AppTest: empty-database guidance, and what each page shows after a real (fake-model) run."""

from __future__ import annotations

import re

import pytest

from routeboard.catalog.models import EMBEDDED_ID
from routeboard.decide.facts import ledger_facts
from routeboard.decide.routes import decide
from routeboard.decide.scenario import Scenario
from routeboard.library import update_suite_settings
from routeboard.store.suites import list_suites
from routeboard.suites import shipped_suite_paths
from tests.ui.conftest import (
    BAR,
    CHEAP,
    PRICES,
    PRICEY,
    SUITE,
    TASKS,
    WRONG_EVERY,
    board,
    evidence,
    metric,
    open_page,
    plotly_figure,
    table,
)
from ui.tables import money

WRONG = {model: len(range(every - 1, TASKS, every)) for model, every in WRONG_EVERY.items()}  # 4 and 10 of 40


def routed_cpat(con, scenario: Scenario) -> float:
    """The echo route's cpat as the core computes it for a scenario."""
    routes = decide(ledger_facts(con), scenario).routes
    return float(routes.set_index("category").loc[SUITE, "cpat_usd"])


def _texts(at) -> str:
    """Everything a person reads on the page: markdown, captions, infos, metrics, links and table cells."""
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "subheader") for e in at.get(kind)]
    parts += [m.value for m in at.metric] + [e.proto.label for e in at.get("page_link")]
    parts += [str(v) for d in [*at.dataframe, *at.table] for v in d.value.to_numpy().ravel()]
    return "\n".join(map(str, parts))


def _column_helps(at) -> dict[str, str]:
    """Each shown table column's help text, as the browser receives it."""
    import json

    helps = {}
    for d in at.dataframe:
        config = json.loads(d.proto.columns or "{}")
        for column in d.value.columns:
            helps[column] = config.get(column, {}).get("help", "")
    return helps


# ---------------------------------------------------------------- empty database

NO_SUITES = "No suites yet: import the five shipped suites (or upload your own on Suites), then run one."
NO_RESULTS = "No results yet: run a suite on the Run page (the embedded local model needs no keys)."


def test_the_suites_page_on_an_empty_database_says_what_to_do_first(app):
    at = open_page(app, "suites")
    assert [i.value for i in at.info] == ["No suites yet: upload a file or import the shipped suites."]


@pytest.mark.parametrize("page", ["run", "results", "frontier", "whatif", "report"])
def test_an_empty_page_offers_the_button_that_gets_the_user_unstuck(app, app_con, page):
    at = open_page(app, page)
    assert [i.value for i in at.info] == [NO_SUITES] and not at.error
    at.button(key=f"{page}_empty_import").click().run()
    assert not at.exception
    assert len(list_suites(app_con)) == len(shipped_suite_paths())
    if page == "run":  # suites are all the Run page needs
        assert at.multiselect(key="run_suites").options
    else:  # the next step: a run, one click away
        assert [i.value for i in at.info] == [NO_RESULTS]
        assert "Go to Run" in _texts(at)


def test_models_on_an_empty_database_offer_the_embedded_model_and_say_why_ollama_is_missing(app):
    at = open_page(app, "models")
    assert [i.value for i in at.info] == [
        "no Ollama server answered at http://127.0.0.1:9 (ConnectionError); start it with `ollama serve` "
        "or set OLLAMA_HOST"
    ]
    catalog = at.data_editor(key="models_catalog").value.set_index("id")
    assert catalog.loc[EMBEDDED_ID, ["tier", "input_per_mtok_usd"]].tolist() == ["local", "0"]  # free, not unknown


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
    shown = board(at)
    assert shown.loc[SUITE, "route"] == CHEAP
    cpat = routed_cpat(seeded.con, Scenario())
    assert shown.loc[SUITE, "cost per accepted task"] == money(cpat)
    assert shown.loc[SUITE, "monthly"] == money(cpat * Scenario().defaults.monthly_volume)
    # the portfolio on top: routed against the pricey baseline, a month
    assert metric(at, "Routed, per month") == money(cpat * Scenario().defaults.monthly_volume)
    assert metric(at, "Categories routed") == "1 of 1"
    # what the figure rests on, one click away, and where to change it
    behind = evidence(at)
    assert behind.loc[SUITE, "verdict"] == "clears"
    assert behind.loc[SUITE, "accuracy"].startswith("90.0% [")
    assert behind.loc[SUITE, "rests on"] == "failure $20.00, review 0%, 10,000 tasks/month"
    assert "Change these assumptions on What-if" in _texts(at)
    excluded = table(at, "model_id", "verdict", "tasks_needed")
    assert excluded["model_id"].tolist() == [PRICEY]  # 75% cannot yet clear a 70% bar on 40 tasks


def test_suites_page_lists_the_suite_and_its_tasks(app, seeded):
    at = open_page(app, "suites")
    suites = table(at, "suite_id", "name", "task_count")
    assert suites[["name", "task_count", "bar"]].values.tolist() == [[SUITE, str(TASKS), f"{BAR:.1%}"]]
    assert re.fullmatch(r"20\d\d-\d\d-\d\d \d\d:\d\d", suites["imported_at"].iat[0])  # a date, never epoch ms
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
            f"{price_in:g}",
            f"{price_out:g}",
            "user",
        ]
    assert EMBEDDED_ID in at.data_editor(key="models_infra").value["id"].tolist()


def test_results_shows_the_ledger_and_filters_trials_by_outcome(app, seeded):
    at = open_page(app, "results")
    ledger = table(at, "model_id", "accuracy", "cpat_usd").set_index("model_id")
    assert (ledger.loc[CHEAP, "accuracy"], ledger.loc[PRICEY, "accuracy"]) == ("90.0%", "75.0%")
    assert ledger.loc[CHEAP, "ci_low"].endswith("%") and ledger.loc[CHEAP, "cpat_usd"].startswith("$")
    assert ledger["trials"].tolist() == [str(TASKS), str(TASKS)]
    assert f"Trials ({2 * TASKS})" in [s.value for s in at.subheader]
    assert len(table(at, "run_id", "task_id", "outcome", "output")) == 2 * TASKS

    at.multiselect(key="results_outcomes").set_value(["wrong"]).run()
    wrong = table(at, "run_id", "task_id", "outcome", "output")
    assert set(wrong["outcome"]) == {"wrong"}
    assert wrong.groupby("model_id").size().to_dict() == WRONG


def test_results_draws_the_newest_trials_and_says_the_rest_are_in_the_downloads(app, seeded, monkeypatch):
    import ui.state

    monkeypatch.setattr(ui.state, "SHOWN_TRIALS", 10)  # 50,000 trials of outputs would take seconds a visit
    at = open_page(app, "results")
    assert f"Trials ({2 * TASKS})" in [s.value for s in at.subheader]
    assert len(table(at, "run_id", "task_id", "outcome", "output")) == 10
    assert f"The newest 10 are shown: filter above, or download all {2 * TASKS}." in [c.value for c in at.caption]
    picker = at.selectbox(key="results_task")  # every trial's task can still be opened
    assert len(picker.options) == TASKS


def test_results_count_every_trial_even_beyond_what_the_page_loads(app, seeded, monkeypatch):
    import ui.state

    monkeypatch.setattr(ui.state, "SHOWN_TRIALS", 10)
    monkeypatch.setattr(ui.state, "LOADED_TRIALS", 25)  # 50,000 in the app: a million stored trials exceed it
    at = open_page(app, "results")
    assert f"Trials ({2 * TASKS})" in [s.value for s in at.subheader]  # the stored count, not the 25 loaded
    assert (
        f"The newest 10 are shown; the downloads and the task picker hold the newest 25 of {2 * TASKS}: "
        "filter above to narrow them."
    ) in [c.value for c in at.caption]
    assert len(table(at, "run_id", "task_id", "outcome", "output")) == 10


def _points(at) -> dict[str, str]:
    """Each point the Frontier's chart places: its model id and the name written beside it, by tier."""
    figure = plotly_figure(at, "frontier_chart")
    return {
        point[0]: f"{trace['name']}: {name}"
        for trace in figure["data"]
        if trace.get("customdata")
        for point, name in zip(trace["customdata"], trace["text"])
    }


def test_frontier_draws_both_models_and_routes_to_the_cheap_one(app, seeded):
    at = open_page(app, "frontier")
    points = _points(at)
    assert points[CHEAP] == "small-proprietary: cheap" and points[PRICEY] == "small-proprietary: pricey"
    bar = [s for s in plotly_figure(at, "frontier_chart")["layout"]["shapes"] if s["y0"] == s["y1"]]
    assert [s["y0"] for s in bar] == [BAR]  # the quality bar, as a line
    routes = table(at, "category", "model", "runner_up", "reason").set_index("category")
    assert routes.loc[SUITE, "model"] == CHEAP
    assert routes.loc[SUITE, "reason"] == "cheapest model that clears the bar"
    # the simulated cascade asks the cheap model first; it never needs to escalate here, so it clears too
    assert set(table(at, "model_id", "verdict", "tasks_needed")["model_id"]) == {PRICEY}
    assert f"{CHEAP} → {PRICEY}" in points

    at.checkbox(key="frontier_cascades").uncheck().run()
    assert table(at, "model_id", "verdict", "tasks_needed")["model_id"].tolist() == [PRICEY]
    assert set(_points(at)) == {CHEAP, PRICEY}
    assert table(at, "category", "model", "runner_up", "reason").set_index("category").loc[SUITE, "model"] == CHEAP


def test_whatif_failure_cost_moves_the_routed_cpat_by_what_the_ledger_says(app, seeded):
    at = open_page(app, "whatif")
    label = f"Routed: cost per accepted task for {SUITE}"
    before = routed_cpat(seeded.con, Scenario())
    assert metric(at, label) == money(before)
    from tests.ui.test_whatif import BREAKDOWN, _vega_data

    assert not _vega_data(at, BREAKDOWN).empty  # the cost breakdown is drawn

    failure = at.number_input(key="whatif_failure_every category")
    assert failure.value == Scenario().defaults.failure_usd
    failure.set_value(50.0).run()
    assert not at.exception
    after = routed_cpat(seeded.con, Scenario().with_values(failure_usd=50.0))
    assert metric(at, label) == money(after)
    # the routed model is wrong on 10% of tasks and nothing is reviewed: each escaped error costs $30 more,
    # spread over the 90% of tasks accepted
    moved = 0.1 * (50.0 - 20.0) / 0.9
    assert after - before == pytest.approx(moved)
    shown = float(metric(at, label).lstrip("$").replace(",", ""))
    assert shown - before == pytest.approx(moved, abs=0.005)  # shown to the cent (routeboard.report.money)


@pytest.mark.parametrize("page", ["overview", "results", "frontier", "run"])
def test_no_cell_or_text_reads_none_and_every_column_is_explained(app, seeded, page):
    at = open_page(app, page)
    assert at.dataframe, "the page shows its tables"
    cells = [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()]
    assert "None" not in cells and "nan" not in cells and "NaN" not in cells
    assert "None" not in _texts(at).split()
    assert {column for column, text in _column_helps(at).items() if not text} == set()


def test_a_category_where_nothing_clears_shows_the_gap_instead_of_a_cost(app, seeded):
    update_suite_settings(seeded.con, seeded.suite_id, bar=0.99)
    at = open_page(app, "overview")
    shown = board(at)
    assert shown.loc[SUITE, "route"] == f"none clears (nearest {CHEAP})"
    assert shown.loc[SUITE, ["cost per accepted task", "monthly", "saving"]].tolist() == ["—", "—", "—"]
    gap = evidence(at).loc[SUITE, "gap"]
    assert gap.startswith(f"no model clears the bar; nearest is {CHEAP}: its lower bound ") and " points under " in gap


def test_the_frontier_cost_axis_reads_as_money(app, seeded):
    at = open_page(app, "frontier")
    figure = plotly_figure(at, "frontier_chart")
    x, y = figure["layout"]["xaxis"], figure["layout"]["yaxis"]
    assert x["type"] == "log" and all(t.startswith("$") for t in x["ticktext"])  # dollars
    costs = [c for trace in figure["data"] if trace.get("customdata") for c in trace["x"]]
    assert x["tickvals"] and min(x["tickvals"]) <= min(costs) and max(x["tickvals"]) >= max(costs)
    low, high = y["range"]  # accuracy never runs past 100%
    lows = [
        a - m
        for trace in figure["data"]
        if "error_y" in trace
        for a, m in zip(trace["y"], trace["error_y"]["arrayminus"])
    ]
    assert 0 <= low <= min(lows) and high == 1.0
    routes = table(at, "category", "model", "runner_up", "reason").set_index("category")
    assert routes.loc[SUITE, "accuracy"] == "90.0%" and routes.loc[SUITE, "cpat_usd"].startswith("$")

"""Every page's address carries its state (scenario, category, suite, run): a colleague who opens it sees the same,
and moving between pages keeps the scenario. The Frontier opens where it has most to show and compares two models
on the same tasks."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from routeboard.decide.facts import ledger_facts
from routeboard.decide.routes import decide
from routeboard.decide.scenario import Scenario
from routeboard.imports.results import import_results
from routeboard.report import build_report, money
from tests.ui.conftest import APP, CHEAP, PRICEY, SUITE, TASKS, TIMEOUT_S, board, metric, open_page, table


def _move_to(at: AppTest, name: str) -> AppTest:
    """A click on another page in the sidebar: the browser drops the address's parameters on the way."""
    at.switch_page(f"pages/{name}.py")
    at.query_params.clear()
    return open_page(at, name)


def _fresh(at: AppTest, name: str) -> AppTest:
    """A colleague's browser opening the address ``at`` shows: a new session with only the link."""
    colleague = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    colleague.query_params = dict(at.query_params)
    return open_page(colleague, name)


REPORT_FIGURES = ("Routed, per month", "Baseline, per month", "Saving, per month")


def test_the_report_opened_after_what_if_carries_its_scenario_and_a_colleague_sees_the_same_figures(app, seeded):
    at = open_page(app, "whatif")
    at.number_input(key="whatif_failure_every category").set_value(75.0).run()
    at = _move_to(at, "report")
    assert at.query_params["failure_usd"] == "75"  # the Report's own address carries the scenario
    mine = [metric(at, label) for label in REPORT_FIGURES]
    linked = Scenario().with_values(failure_usd=75.0)
    expected = build_report(decide(ledger_facts(seeded.con), linked), linked).headline
    assert mine[0] == money(expected["routed_monthly_usd"])  # the scenario's figures, not the defaults'
    assert mine[0] != money(
        build_report(decide(ledger_facts(seeded.con), Scenario()), Scenario()).headline["routed_monthly_usd"]
    )

    colleague = _fresh(at, "report")
    assert [metric(colleague, label) for label in REPORT_FIGURES] == mine
    assumed = table(colleague, "assumption", "value", "basis").set_index("assumption")
    assert assumed.loc["cost of an error that reaches the business", "value"] == "$75.00"


def test_moving_between_pages_keeps_the_scenario_and_each_page_writes_it_in_its_address(app, seeded):
    at = open_page(app, "whatif")
    at.number_input(key="whatif_failure_every category").set_value(75.0).run()
    linked = Scenario().with_values(failure_usd=75.0)
    routes = decide(ledger_facts(seeded.con), linked).routes.set_index("category")
    for page in ("overview", "frontier", "results", "report"):
        at = _move_to(at, page)
        assert at.query_params["failure_usd"] == "75", page
    at = _move_to(at, "overview")
    assert board(at).loc[SUITE, "cost per accepted task"] == money(routes.loc[SUITE, "cpat_usd"])
    at = _move_to(at, "whatif")
    assert at.number_input(key="whatif_failure_every category").value == 75.0


def test_a_link_to_a_category_opens_the_frontier_and_what_if_on_it(app, seeded, app_con):
    _import_unpriced(app_con, "a first category")
    app.query_params["category"] = "a first category"
    at = open_page(app, "frontier")
    assert at.selectbox(key="frontier_category").value == "a first category"
    at.selectbox(key="frontier_category").set_value(SUITE).run()
    assert at.query_params["category"] == SUITE
    at = _move_to(at, "whatif")
    assert at.selectbox(key="whatif_category").value == SUITE  # the category picked last, on another page
    assert at.query_params["category"] == SUITE


def test_the_frontier_opens_on_the_category_with_the_most_priced_models(app, seeded, app_con):
    _import_unpriced(app_con, "a first category")  # first by name, nothing in it priced: an empty chart
    at = open_page(app, "frontier")
    assert at.selectbox(key="frontier_category").value == SUITE
    assert at.query_params["category"] == SUITE


def test_two_models_picked_on_the_frontier_are_compared_on_the_same_tasks(app, seeded):
    at = open_page(app, "frontier")
    at.multiselect(key="frontier_pair").set_value([CHEAP, PRICEY]).run()
    # the cheap model is wrong on every 10th task (4 of 40), the pricey one on every 4th (10): 2 tasks both
    said = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert f"On the {TASKS} tasks both answered, {CHEAP} was right on 90.0% and {PRICEY} on 75.0%." in said
    assert (
        f"{CHEAP} did better on 8 of them, {PRICEY} on 2; the rest went the same way (28 both right, 2 both wrong)"
        in said
    )
    counts = table(at, "result", "tasks").set_index("result")["tasks"].to_dict()
    assert counts == {f"{CHEAP} did better": "8", f"{PRICEY} did better": "2", "both right": "28", "both wrong": "2"}
    differing = table(at, "suite", "task_id", CHEAP, PRICEY)
    assert len(differing) == 10 and set(differing[CHEAP]) | set(differing[PRICEY]) == {"right", "wrong"}


def test_a_link_to_a_run_and_a_category_fills_the_results_filters(app, seeded):
    app.query_params.update({"run": seeded.run_id, "category": SUITE})
    at = open_page(app, "results")
    assert at.multiselect(key="results_runs").value == [seeded.run_id]
    assert at.multiselect(key="results_categories").value == [SUITE]
    assert at.query_params["run"] == seeded.run_id
    at.multiselect(key="results_categories").set_value([]).run()
    assert "category" not in at.query_params and at.query_params["run"] == seeded.run_id


def test_a_link_to_a_suite_opens_it_on_the_suites_page(app, seeded, app_con):
    _import_unpriced(app_con, "a first category")
    app.query_params["suite"] = seeded.suite_id
    at = open_page(app, "suites")
    assert at.selectbox(key="suites_browse").value == seeded.suite_id
    assert at.query_params["suite"] == seeded.suite_id


def _import_unpriced(con, category: str) -> None:
    """Another tool's results of one model nobody priced, in ``category`` (30 tasks, all right)."""
    lines = ["task_id,category,model,correct"] + [f"t{i},{category},acme/unpriced,true" for i in range(30)]
    import_results(con, "other.csv", ("\n".join(lines) + "\n").encode(), bar=0.9)

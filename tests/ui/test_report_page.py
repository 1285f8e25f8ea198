"""The Report page through AppTest: its headline never shows a bare dash. The default baseline is the dearest model
with a known cost per accepted task, and where no total can be stated the page says why in words."""

from __future__ import annotations

import pytest

from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.report import money
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from tests.fakes import install_fake
from tests.ui.conftest import (
    CHEAP,
    PRICES,
    PRICEY,
    SUITE,
    PerModelFake,
    add_priced,
    chart,
    echo_suite,
    evidence,
    metric,
    open_page,
)

MID = "fake/mid"


@pytest.fixture
def dearest_fails(app_con):
    """The echo suite on three priced models: the pricey one answers every task wrong (nothing accepted)."""
    install_fake(PerModelFake({CHEAP: 10, PRICEY: 1}))
    add_priced(app_con, {**PRICES, MID: (1.0, 2.0)})
    save_suite(app_con, echo_suite())
    request = RunRequest(
        suites=(SUITE,), models=(CHEAP, MID, PRICEY), settings=GenerationSettings(max_output_tokens=10)
    )
    assert start_run(app_con, request).run().status == "completed"


def test_the_headline_compares_against_the_dearest_model_that_has_a_cost_per_accepted_task(app, dearest_fails):
    at = open_page(app, "report")
    for label in ("Routed, per month", "Baseline, per month", "Saving, per month"):
        assert metric(at, label).startswith("$"), label
    summary = at.markdown[0].value
    assert f"sending everything to {MID}: a saving of $" in summary
    assert PRICEY not in summary
    spec, bars = chart(at, "report_monthly")  # routed against baseline, a bar each, in dollars a month
    assert set(bars["side"]) == {"routed", "baseline"} and set(bars["category"]) == {SUITE}
    monthly = bars.set_index("side")["monthly_usd"]
    assert money(monthly["routed"]) == metric(at, "Routed, per month")  # the bars draw the headline's figures
    assert money(monthly["baseline"]) == metric(at, "Baseline, per month")
    assert spec["encoding"]["x"]["axis"]["format"].startswith("$")
    assert not [m.help for m in at.metric if m.label == "Routed, per month"][0]


def test_a_baseline_with_nothing_accepted_leaves_dashes_that_say_why(app, dearest_fails):
    app.query_params["baseline"] = PRICEY  # a shared link that chose the failing model as the baseline
    at = open_page(app, "report")
    assert metric(at, "Routed, per month") == "—"
    assert [m.help for m in at.metric if m.label == "Routed, per month"][0].startswith(
        f"Unknown: the baseline model {PRICEY} has no known cost per accepted task in the routed categories (echo)"
    )
    assert at.markdown[0].value == (
        f"No routed total or saving can be stated yet: the baseline model {PRICEY} has no known cost per accepted "
        "task in the routed categories (echo): its price is unknown or it had nothing accepted."
    )
    assert not at.get("vega_lite_chart")  # no chart of totals that cannot be stated


def test_a_category_below_the_suites_min_tasks_says_how_many_more_tasks_the_constraint_needs(app, app_con, seeded):
    from dataclasses import replace

    save_suite(app_con, replace(echo_suite(), constraints={"min_tasks": 60}))  # 40 tasks stored
    request = RunRequest(suites=(SUITE,), models=(CHEAP,), settings=GenerationSettings(max_output_tokens=10))
    assert start_run(app_con, request).run().status == "completed"
    at = open_page(app, "report")
    [categories] = [d.value for d in at.dataframe if "gap" in d.value.columns]
    row = categories.set_index("category").loc[SUITE]
    assert row["route"] == "none clears"
    assert (
        "bar, but the min_tasks constraint excludes it until it has 20 more tasks (40 stored, 60 needed)" in row["gap"]
    )
    # 60 tasks cannot come from a 40-task suite: the gap says so rather than promise them
    assert row["gap"].endswith(
        "; its suites have no more to give: it has run all 40 of their tasks (add tasks to the suite)"
    )
    assert row["tasks needed"] == "20 more for the min_tasks constraint"


def test_the_overview_says_the_min_tasks_constraint_keeps_a_clearing_model_off_the_route(app, app_con, seeded):
    from dataclasses import replace

    save_suite(app_con, replace(echo_suite(), constraints={"min_tasks": 60}))  # 40 tasks stored
    request = RunRequest(suites=(SUITE,), models=(CHEAP,), settings=GenerationSettings(max_output_tokens=10))
    assert start_run(app_con, request).run().status == "completed"
    at = app.run()
    board = evidence(at)
    gap = board.loc[SUITE, "gap"]
    assert "bar, but the min_tasks constraint excludes it until it has 20 more tasks (40 stored, 60 needed)" in gap, gap
    assert "no price" not in gap

"""The Run page's run that stops at the route: the expected and worst-case spend beside the full run's before the
launch, then each category's race and why each model stopped, in words, while and after it goes; and a campaign over
the shipped suites on the embedded model and a loopback "hosted" one, launched from the page."""

from __future__ import annotations

import time

import pytest

import routeboard
from routeboard.catalog.models import EMBEDDED_ID
from routeboard.library import save_suite
from routeboard.present import race_lines
from routeboard.store.runs import get_run
from tests.run.test_route_campaign import CATEGORIES, HOSTED, LIMIT, ROUND, SHIPPED, prepare
from tests.servers.echo import serve_echo
from tests.ui.conftest import CHEAP, PRICEY, SUITE, TIMEOUT_S, echo_suite, metric, open_page


def test_the_page_plans_and_follows_a_run_that_stops_at_the_route(app, app_con, models, fake):
    save_suite(app_con, echo_suite())
    at = open_page(app, "run")
    at.multiselect(key="run_suites").set_value([SUITE])
    at.multiselect(key="run_models").set_value([CHEAP, PRICEY])
    at.number_input(key="run_limit").set_value(0)  # all 40 tasks
    at.selectbox(key="run_stop").set_value("once it cannot be the route")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="run_scenario").value == "default assumptions"
    expected, worst, full = (
        metric(at, label) for label in ("Expected spend until the route", "Worst case", "The full run")
    )
    assert worst == full and expected.startswith("$")  # no outcome makes it send more than the full run
    assert any(c.value.startswith("until the route: expected $") for c in at.caption)

    at.button(key="run_launch").click().run()
    run_id = next(s.value for s in at.success if s.value.startswith("Run ")).split()[1]
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline and get_run(app_con, run_id)["status"] == "running":
        time.sleep(0.2)
    at.run()
    race = get_run(app_con, run_id)["settings"]["race"]
    lines = race_lines(race)  # the run's stored races, in the words the CLI prints
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert f"**{SUITE}**: {lines[0].split(': ', 1)[1]}" in shown
    models = next(c for c in shown if c.startswith(f"{race[0]['models'][0]['model_id']}: "))
    assert models.split("  \n") == [line.strip() for line in lines[1:]]


@pytest.mark.real_model
@pytest.mark.timeout(1500)
def test_a_campaign_over_the_shipped_suites_from_the_run_page(app, app_con, isolated_db):
    with serve_echo() as echo_url:
        app_con.close()  # the CLI imports the suites and adds the model in its own process
        prepare(echo_url)
        at = open_page(app, "run")
        at.multiselect(key="run_suites").set_value(list(SHIPPED))
        at.multiselect(key="run_models").set_value([EMBEDDED_ID, HOSTED])
        at.number_input(key="run_limit").set_value(LIMIT)
        at.number_input(key="run_max_tokens").set_value(8)
        at.selectbox(key="run_stop").set_value("once it cannot be the route")
        at.run()
        at.number_input(key="run_round_tasks").set_value(ROUND)
        at.run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        # the plan: the expected and the worst-case spend beside the full run's
        assert {m.label for m in at.metric} >= {"Expected spend until the route", "Worst case", "The full run"}
        assert any(c.value.startswith("until the route: expected $") for c in at.caption)

        at.button(key="run_launch").click().run()
        run_id = next(s.value for s in at.success if s.value.startswith("Run ")).split()[1]
        done = f"{2 * ROUND * len(SHIPPED)}/{2 * ROUND * len(SHIPPED)} trials"
        deadline, label = time.monotonic() + 1200, ""
        while time.monotonic() < deadline and not label.startswith(f"{run_id}: completed, {done}"):
            time.sleep(2)
            at.run()
            label = next((p.text for p in at.progress if p.text.startswith(f"{run_id}: ")), "")
        assert label.startswith(f"{run_id}: completed, {done}"), label
    # where it ended, as the page shows it: each category's race, and why each model stopped
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for category in CATEGORIES:
        assert any(text.startswith(f"**{category}**: no candidate can clear the ") for text in shown), category
    with routeboard.connect(isolated_db) as con:  # the app's own configuration: it may hold the file too
        reasons = [line.strip() for line in race_lines(get_run(con, run_id)["settings"]["race"]) if line[0] == " "]
        sent = dict(
            con.execute("SELECT model_id, count(*) FROM trials WHERE run_id = ? GROUP BY 1", [run_id]).fetchall()
        )
    on_page = [
        line for text in shown for line in text.split("  \n") if line.startswith((f"{EMBEDDED_ID}: ", f"{HOSTED}: "))
    ]
    assert sorted(on_page) == sorted(reasons) and len(reasons) == 2 * len(SHIPPED)
    assert all(": stopped after 5 tasks: at most " in reason for reason in reasons)
    assert sent == {EMBEDDED_ID: ROUND * len(SHIPPED), HOSTED: ROUND * len(SHIPPED)}  # one round, of two

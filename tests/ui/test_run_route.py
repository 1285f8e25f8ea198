"""The Run page's run that stops at the route: the expected and worst-case spend beside the full run's before the
launch, then each category's race and why each model stopped, in words, while and after it goes."""

from __future__ import annotations

import time

from routeboard.library import save_suite
from routeboard.present import race_lines
from routeboard.store.runs import get_run
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

"""A run launched from the Run page goes on in a background thread and lands in the database."""

from __future__ import annotations

import time

from routeboard.store.suites import save_suite
from tests.ui.conftest import CHEAP, SUITE, TIMEOUT_S, WRONG_EVERY, echo_suite, open_page, table

LIMIT = 10


def test_a_run_launched_on_the_page_finishes_and_its_trials_are_stored(app, app_con, models, fake):
    save_suite(app_con, echo_suite())
    at = open_page(app, "run")
    at.multiselect(key="run_suites").set_value([SUITE])
    at.multiselect(key="run_models").set_value([CHEAP])
    at.number_input(key="run_limit").set_value(LIMIT)
    at.run()
    assert not at.exception and not at.error
    estimate = table(at, "model_id", "suite", "calls", "cost_usd")
    assert estimate[["model_id", "calls"]].values.tolist() == [[CHEAP, LIMIT]]

    at.button(key="run_launch").click().run()
    started = [s.value for s in at.success if s.value.startswith("Run ")]
    assert len(started) == 1, [e.value for e in at.error]
    run_id = started[0].split()[1]

    deadline = time.monotonic() + TIMEOUT_S
    label = ""
    while time.monotonic() < deadline:
        labels = [p.text for p in at.progress if p.text.startswith(f"{run_id}: ")]
        label = labels[0] if labels else ""
        if f"{LIMIT}/{LIMIT} trials" in label and "completed" in label:
            break
        time.sleep(0.2)
        at.run()
    assert label.startswith(f"{run_id}: completed, {LIMIT}/{LIMIT} trials"), label
    assert [p.value for p in at.progress if p.text == label] == [100]

    outcomes = dict(app_con.cursor().execute(
        "SELECT outcome, count(*) FROM trials WHERE run_id = ? AND model_id = ? GROUP BY outcome",
        [run_id, CHEAP]).fetchall())
    wrong = LIMIT // WRONG_EVERY[CHEAP]  # task 9 of the first 10
    assert outcomes == {"accepted": LIMIT - wrong, "wrong": wrong}
    history = table(at, "run_id", "status").set_index("run_id")
    assert history.loc[run_id, "status"] == "completed"
    assert len(fake.calls) == LIMIT

"""The leader's Report page and the What-if scenario shared as a link, as a person sees them."""

from __future__ import annotations

from routeboard.decide.facts import ledger_facts
from routeboard.decide.routes import decide
from routeboard.decide.scenario import Scenario
from routeboard.report import build_report, money
from tests.ui.conftest import CHEAP, PRICEY, SUITE, metric, open_page, table


def _texts(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "warning", "error", "info") for e in at.get(kind)]
    parts += [m.value for m in at.metric] + [d.value.to_string() for d in at.dataframe]
    return "\n".join(map(str, parts))


def test_report_answers_routed_vs_baseline_with_the_saving_and_the_assumptions(app, seeded):
    at = open_page(app, "report")
    expected = build_report(decide(ledger_facts(seeded.con), Scenario()), Scenario()).headline
    assert expected["baseline_model"] == PRICEY
    assert metric(at, "Routed, per month") == money(expected["routed_monthly_usd"])
    assert metric(at, "Baseline, per month") == money(expected["baseline_monthly_usd"])
    assert metric(at, "Saving, per month").startswith(money(expected["saving_monthly_usd"]) + " (")
    rows = table(at, "category", "route", "accuracy", "routed monthly", "saving").set_index("category")
    assert rows.loc[SUITE, "route"] == CHEAP
    assert rows.loc[SUITE, "accuracy"].startswith("90.0% [")  # 36 of 40, as a percentage with its interval
    assumed = table(at, "assumption", "value", "basis").set_index("assumption")
    assert assumed.loc["cost of an error that reaches the business", "value"] == "$20.00"
    assert assumed.loc["cost of an error that reaches the business", "basis"] == "assumed (default)"
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Download the report (HTML)", "Categories (CSV)", "Assumptions (CSV)"} <= labels
    assert "None" not in _texts(at)


def _open_whatif(app, **params):
    for name, value in params.items():
        app.query_params[name] = value
    return open_page(app, "whatif")


def test_a_shared_link_fills_the_what_if_fields_and_the_routed_cost(app, seeded):
    at = _open_whatif(app, failure_usd="50", review_rate="0.2")
    assert at.number_input(key="whatif_failure_every category").value == 50.0
    assert at.slider(key="whatif_r_every category").value == 0.2
    linked = Scenario().with_values(failure_usd=50.0, review_rate=0.2)
    routed = build_report(decide(ledger_facts(seeded.con), linked), linked).numbers.set_index("category")
    assert metric(at, f"Routed: cost per accepted task for {SUITE}") == money(routed.loc[SUITE, "cpat_usd"])
    assert not at.warning


def test_changing_a_field_puts_the_scenario_in_the_address(app, seeded):
    at = _open_whatif(app)
    assert "failure_usd" not in at.query_params  # the stock value needs no parameter
    at.number_input(key="whatif_failure_every category").set_value(75.0).run()
    at.slider(key="whatif_r_every category").set_value(0.25).run()
    assert (at.query_params["failure_usd"], at.query_params["review_rate"]) == ("75", "0.25")


def test_bad_values_in_a_link_say_so_and_keep_the_defaults(app, seeded):
    at = _open_whatif(app, failure_usd="lots", review_rate="2", colour="red")
    warnings = [w.value for w in at.warning]
    assert "failure_usd='lots' in the link is not a number; using $20.00" in warnings
    assert any(w.startswith("review_rate must be a share between 0 and 1; got 2.0") for w in warnings)
    assert any(w.startswith("'colour' in the link is not an assumption") for w in warnings)
    assert at.number_input(key="whatif_failure_every category").value == 20.0
    assert at.slider(key="whatif_r_every category").value == 0.0
    assert "failure_usd" not in at.query_params and "colour" not in at.query_params  # the address is cleaned


def _open_constraints(at):
    """Open the route constraints' expander (drawn only while open), as a person clicks it."""
    at.session_state["whatif_constraints"] = True
    return at.run()


def test_the_slower_inputs_say_what_they_hold_while_closed(app, seeded):
    at = _open_whatif(app)
    labels = [e.label for e in at.expander]
    assert "Monthly volumes (1 category): 10,000 tasks a month each" in labels
    assert "Route constraints for this scenario (override the suites' own): none set" in labels
    assert not [t for t in at.text_area if t.key.startswith("whatif_cj_")]  # nothing inside drawn while closed
    _open_constraints(at)
    assert [t for t in at.text_area if t.key.startswith("whatif_cj_")]


def test_a_constraint_set_through_its_field_reroutes_and_the_report_follows(app, seeded):
    at = _open_constraints(_open_whatif(app))
    assert table(at, "category", "route", "gap").set_index("category").loc[SUITE, "route"] == CHEAP
    at.multiselect(key="whatif_c_echo_deny_models").set_value([CHEAP]).run()
    assert not at.exception and not at.error
    # the pricey model's 75% on 40 tasks does not reliably clear the 70% bar: the gap shows, never a monthly cost
    row = table(at, "category", "route", "gap").set_index("category").loc[SUITE]
    assert (row["route"], row["routed monthly"]) == ("none clears", "—")
    assert row["gap"].startswith(f"no model clears the bar; nearest is {PRICEY}: its lower bound ")
    assert "points under the 70% bar" in row["gap"]
    at.switch_page("pages/report.py").run()  # the same scenario, now with the deny list, on the one-page answer
    report = table(at, "category", "route", "tasks needed").set_index("category").loc[SUITE]
    assert report["route"] == "none clears" and report["tasks needed"].startswith("about ")
    assert metric(at, "Saving, per month") == "—"
    assumed = table(at, "assumption", "value", "basis")
    assert "None" not in assumed.to_string()


def test_a_bad_constraint_in_the_json_view_names_the_field(app, seeded):
    at = _open_constraints(_open_whatif(app))
    json_box = next(t for t in at.text_area if t.key.startswith("whatif_cj_"))
    json_box.set_value('{"echo": {"min_tasks": 0}}').run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "- <scenario> [constraints.echo.min_tasks]: must be a whole number of at least 1"
    ]


def test_whatif_shows_measured_review_minutes_beside_the_assumed_and_can_keep_the_assumed(app, app_con, models, fake):
    from routeboard.library import save_suite
    from routeboard.providers.base import GenerationSettings
    from routeboard.review.queue import item_key
    from routeboard.review.record import record_review
    from routeboard.run.request import RunRequest
    from routeboard.run.start import start_run
    from routeboard.store.reviews import suite_items
    from tests.ui.test_review_page import HUMAN, human_suite

    suite_id = save_suite(app_con, human_suite()).suite_id
    request = RunRequest(suites=(HUMAN,), models=tuple(models), settings=GenerationSettings(max_output_tokens=10))
    assert start_run(app_con, request).run().status == "completed"
    # 12 first reviews of 30 seconds each (a review sheet could give them in any order): enough to measure
    for row in suite_items(app_con, suite_id)[:12]:
        record_review(app_con, item_key(row), "Dana", "accepted", review_ms=30_000)
    at = _open_whatif(app)
    review = table(at, "category", "review minutes").set_index("category")["review minutes"]
    assert review["support-reply"] == "2 min assumed · 0.5 min measured (12 reviews), used"
    # the field holds the assumption; what the costs use is said beside it, and the break-even sums the same
    assert at.number_input(key="whatif_rm_every category").label == "Review minutes (assumed)"
    captions = [c.value for c in at.caption]
    assert "Review minutes in use: support-reply: 0.5 min, measured from 12 reviews (not the field's)." in captions
    [even] = [m.value for m in at.markdown if m.value.startswith("Review rate at which")]
    assert even.endswith("(each review 0.5 min, measured from 12 reviews)"), even
    at.checkbox(key="whatif_measured_review").uncheck().run()
    review = table(at, "category", "review minutes").set_index("category")["review minutes"]
    assert review["support-reply"] == "2 min assumed, used · 0.5 min measured (12 reviews)"
    assert "Review minutes in use: 2 min, assumed, as in the field." in [c.value for c in at.caption]
    [even] = [m.value for m in at.markdown if m.value.startswith("Review rate at which")]
    assert even.endswith("(each review 2 min, assumed)"), even


BREAKDOWN, TORNADO = "USD per accepted task", "cost per accepted task (USD)"  # each chart's value axis title


def _vega_data(at, axis_title: str):
    """The data table of the Vega-Lite chart whose value axis reads ``axis_title``, as the browser receives it."""
    import pyarrow as pa

    charts = [e for e in at.get("vega_lite_chart") if f'"title": "{axis_title}"' in e.proto.spec]
    assert len(charts) == 1, f"{len(charts)} charts titled {axis_title!r}"
    return pa.ipc.open_stream(charts[0].proto.data.data).read_all().to_pandas()


def test_the_cost_breakdown_names_the_parts_that_are_zero_for_every_model_instead_of_drawing_them(app, seeded):
    at = _open_whatif(app)
    parts = _vega_data(at, BREAKDOWN)
    assert "failure" in set(parts["part"]) and "review" not in set(parts["part"])
    assert any("$0 for every model: " in c.value and "review" in c.value for c in at.caption)  # 0% review rate
    at.slider(key="whatif_r_every category").set_value(0.5).run()
    assert "review" in set(_vega_data(at, BREAKDOWN)["part"])


def test_the_cost_breakdown_and_the_tornado_keep_one_spec_so_a_change_redraws_only_their_data(app, seeded):
    at = _open_whatif(app)
    specs = [e.proto.spec for e in at.get("vega_lite_chart")]
    before = _vega_data(at, BREAKDOWN)
    at.number_input(key="whatif_failure_every category").set_value(200.0).run()
    assert [e.proto.spec for e in at.get("vega_lite_chart")] == specs and len(specs) == 2
    after = _vega_data(at, BREAKDOWN)
    failure = lambda d: d[d["part"] == "failure"].set_index("model_id")["usd"]  # noqa: E731
    assert (failure(after) > failure(before)).all()  # $20 -> $200 an escaped error: the failure part grows
    moves = _vega_data(at, TORNADO)
    # the largest swing, drawn on top, in words with its values as money: never failure_usd or 200.0
    top = moves[moves["rank"] == 0].set_index("end")
    assert set(top["input"]) == {"cost of an error that reaches the business"}
    assert (top.loc["low", "value_text"], top.loc["high", "value_text"]) == ("$100.00", "$300.00")


def test_a_model_with_nothing_accepted_has_no_bar_in_the_cost_breakdown_rather_than_an_infinite_one():
    import numpy as np
    import pandas as pd

    from ui.charts import cost_breakdown_data

    parts = dict(model_usd=[0.01, 0.02], retry_usd=[0.0, 0.0], tool_usd=0.0, infra_usd=0.0, review_usd=0.0)
    led = pd.DataFrame(
        {
            "model_id": ["ok", "never"],
            **parts,
            "rework_usd": 0.0,
            "failure_usd": [2.0, 20.0],
            "accepted_share": [0.9, 0],
        }
    )
    drawn, zero = cost_breakdown_data(led)
    usd = drawn.set_index(["model_id", "part"])["usd"]
    assert usd[("ok", "failure")] == 2.0 / 0.9 and np.isnan(usd[("never", "failure")])
    assert zero == ["retry", "tool", "infra", "review", "rework"]

"""The Overview's list of model/category pairs that cannot be routed: counted while closed, drawn when opened."""

from __future__ import annotations

import json

from tests.ui.conftest import CHEAP, PRICEY, SUITE, evidence, open_page, table


def test_many_pairs_that_cannot_be_routed_are_counted_closed_and_listed_with_their_reason_when_opened(
    app, seeded, monkeypatch
):
    monkeypatch.setattr("ui.overview.EXCLUDED_DRAWN_CLOSED", 0)  # as with hundreds of pairs at 1M attempts
    at = open_page(app, "overview")
    label = "1 model/category pair cannot be routed (below the bar or a constraint)"
    assert [e.label for e in at.expander] == ["Evidence and assumptions behind each route", label]
    assert not [d for d in at.dataframe if "model_id" in d.value.columns]  # the list is not drawn while closed
    at.session_state["overview_excluded_open"] = True  # as a person opens it
    at.run()
    listed = table(at, "category", "model_id", "verdict", "excluded", "cpat")
    assert listed[["category", "model_id"]].values.tolist() == [[SUITE, PRICEY]]
    cells = [str(v) for v in listed.to_numpy().ravel()]
    assert "None" not in cells and "nan" not in cells
    drawn = [d for d in at.dataframe if "model_id" in d.value.columns]
    config = json.loads(drawn[0].proto.columns or "{}")
    assert all(config.get(c, {}).get("help") for c in listed.columns)  # every column explained


def test_a_category_whose_every_model_is_excluded_says_so_and_why_on_the_board(app, seeded):
    from routeboard.decide.scenario import Scenario, save_scenario

    # the deny list keeps the cheap model off, the tiers the pricey one: nothing is a near miss "0.0% under the bar"
    rules = {SUITE: {"deny_models": [CHEAP], "allowed_tiers": ["local"]}}
    save_scenario(seeded.con, Scenario(name="default", constraints=rules))
    at = open_page(app, "overview")
    gap = evidence(at).loc[SUITE, "gap"]
    assert gap == (
        f"every model with results here is excluded: {CHEAP} (on this category's deny list); {PRICEY} (tier "
        "small-proprietary is not allowed here (allowed: local))"
    )
    assert "under the bar" not in gap and "no price" not in gap


def test_the_list_says_in_words_why_a_pair_needs_no_more_tasks(app, seeded, monkeypatch):
    monkeypatch.setattr("ui.overview.EXCLUDED_DRAWN_CLOSED", 0)
    at = open_page(app, "overview")
    at.session_state["overview_excluded_open"] = True
    at.run()
    listed = table(at, "model_id", "verdict", "tasks_needed").set_index("model_id")
    # the pricey model got 30 of the suite's 40 tasks right: undecided at the 70% bar, and the suite has no task
    # left to give, so the cell says so in words rather than a dash that reads like "settled"
    assert listed.loc[PRICEY, "verdict"] == "undecided"
    needed = listed.loc[PRICEY, "tasks_needed"]
    assert needed.startswith("about ") and needed.endswith("more than its suites can give: add tasks"), needed

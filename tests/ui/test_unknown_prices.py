"""What a leader sees when results carry no price: "no price" and "unknown", never $0 or a 0% break-even."""

from __future__ import annotations

import pytest

from routeboard.imports.results import import_results
from tests.ui.conftest import board, evidence, metric, open_page, table

MODELS = ("acme/house-model-a", "acme/house-model-b")
CATEGORY = "ticket triage"


@pytest.fixture
def unpriced(app_con):
    """Per-sample results of two models nobody has priced, without cost or token columns: 400 tasks each."""
    lines = ["task_id,category,model,correct"]
    lines += [
        f"t{i},{CATEGORY},{model},{'false' if i % (25 if model.endswith('a') else 50) == 0 else 'true'}"
        for model in MODELS
        for i in range(400)
    ]
    import_results(app_con, "results.csv", ("\n".join(lines) + "\n").encode(), bar=0.9)
    return app_con


def _texts(at) -> str:
    """Everything a person reads on the page: markdown, captions, metrics and table cells."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [m.value for m in at.metric]
    parts += [str(d.value.to_dict()) for d in at.dataframe]
    return "\n".join(map(str, parts))


def test_overview_never_routes_an_unpriced_model_or_shows_its_cost_as_zero(app, unpriced):
    at = open_page(app, "overview")
    shown = board(at)
    assert shown.loc[CATEGORY, "route"].startswith("none clears (nearest acme/house-model-")
    assert shown.loc[CATEGORY, ["cost per accepted task", "monthly"]].tolist() == ["—", "—"]
    gap = evidence(at).loc[CATEGORY, "gap"]
    assert gap.startswith("no model with a known cost clears the bar: acme/house-model-") and " clears it, but " in gap
    assert "no price: 400 of 400 attempts" in gap and "set its price on Models" in gap
    excluded = table(at, "model_id", "excluded", "cpat").set_index("model_id")
    assert set(excluded["excluded"]) == {"no_price"} and set(excluded["cpat"]) == {"no price"}
    assert "$0.0000" not in _texts(at) and "$0" not in _texts(at).split()


def test_whatif_says_unknown_where_a_price_is_missing(app, unpriced):
    at = open_page(app, "whatif")
    assert metric(at, f"Routed: cost per accepted task for {CATEGORY}") == "none clears"
    assert metric(at, "Saving per month vs the baseline") == "unknown"
    ledger = table(at, "model_id", "cpat", "failure_usd")
    assert set(ledger["cpat"]) == {"no price"}
    assert any("Cannot show what moves its cost" in i.value for i in at.info)
    break_even = [m.value for m in at.markdown if m.value.startswith("Review rate at which")]
    assert len(break_even) == 1
    assert break_even[0].split(": ", 1)[1] in (
        f"unknown: no price for {MODELS[0]}, {MODELS[1]}",
        f"unknown: no price for {MODELS[1]}, {MODELS[0]}",
    )
    assert "$0.0000" not in _texts(at) and " 0%" not in break_even[0]


def test_frontier_lists_what_it_cannot_plot_and_draws_no_empty_chart(app, unpriced):
    at = open_page(app, "frontier")
    at.radio(key="frontier_axis").set_value("model_usd").run()
    assert not at.get("vega_lite_chart")  # nothing has a cost to place: no empty chart, the reason instead
    assert any(i.value.startswith("No model here has a known cost to plot") for i in at.info)
    missing = table(at, "model_id", "why not plotted")
    assert sorted(missing["model_id"]) == sorted(MODELS)
    assert all(reason.startswith("no price") for reason in missing["why not plotted"])


def test_results_say_no_price_where_the_cost_is_unknown_never_none(app, unpriced):
    at = open_page(app, "results")
    ledger = table(at, "model_id", "accuracy", "cpat_usd")
    assert set(ledger["cpat_usd"]) == {"no price"}
    assert set(ledger["model_usd"]) == {"—"}  # an unknown token cost is a dash, its reason in the column's help
    assert "None" not in [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()]

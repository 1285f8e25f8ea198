"""The leader's Report page and the What-if scenario shared as a link, as a person sees them."""

from __future__ import annotations

from routeboard.decisions import decide
from routeboard.ledger import ledger_facts
from routeboard.report import build_report, money
from routeboard.scenario import Scenario
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

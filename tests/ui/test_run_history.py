"""The Run page's history: each money column a run total named so, spend per trial beside it, and a spend that is
unknown or partial said so with the model's name, never $0.00."""

from __future__ import annotations

import json

from routeboard.imports.results import import_results
from tests.ui.conftest import open_page, table


def _imported(con, name: str, lines: list[str]) -> str:
    return import_results(con, f"{name}.csv", ("\n".join(lines) + "\n").encode(), bar=0.9).run_id


def _labels(at, column: str) -> dict[str, str]:
    """Each column's header as the browser shows it, in the one table holding ``column``."""
    [frame] = [d for d in at.dataframe if column in d.value.columns]
    config = json.loads(frame.proto.columns or "{}")
    return {c: config.get(c, {}).get("label", c) for c in frame.value.columns}


def test_the_history_says_per_trial_where_it_says_per_trial_and_unknown_or_partial_where_it_is(app, app_con):
    priced = _imported(
        app_con, "priced", ["task_id,category,model,correct,cost_usd"]
        + [f"t{i},triage,acme/priced,true,0.005" for i in range(450)]
    )  # fmt: skip
    no_cost = _imported(
        app_con, "no_cost", ["task_id,category,model,correct"] + [f"t{i},replies,acme/house,true" for i in range(40)]
    )
    mixed = _imported(
        app_con, "mixed", ["task_id,category,model,correct,cost_usd"]
        + [f"t{i},emails,acme/priced,true,0.01" for i in range(40)]
        + [f"t{i},emails,acme/house,true," for i in range(40)]
    )  # fmt: skip
    at = open_page(app, "run")
    labels = _labels(at, "spend_usd")
    # no column of a run's totals calls itself per trial: the ledger's "model $/trial" is not a run's total
    per_trial = {c: label for c, label in labels.items() if "/trial" in label}
    assert per_trial == {"spend_per_trial_usd": "spend $/trial"}
    assert labels["spend_usd"] == "spend (run total)" and labels["model_total_usd"] == "model $ (run total)"
    history = table(at, "run_id", "spend_usd").set_index("run_id")
    assert history.loc[priced, ["spend_usd", "spend_per_trial_usd", "model_total_usd"]].tolist() == [
        "$2.25",
        "$0.005",
        "$2.25",
    ]
    assert history.loc[no_cost, ["spend_usd", "spend_per_trial_usd"]].tolist() == [
        "unknown (no cost for acme/house)",
        "unknown",
    ]
    assert history.loc[mixed, "spend_usd"] == "$0.40 + unknown (no cost for acme/house)"
    assert "$0.00" not in history.loc[[no_cost, mixed], ["spend_usd", "model_total_usd"]].to_numpy().ravel()

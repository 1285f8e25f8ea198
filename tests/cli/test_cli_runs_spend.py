"""What `runs list` and `runs show` say a run spent: totals named as totals, per trial where it says per trial,
unknown where a cost is unknown and partial where only part is known (never $0.00 for an unknown)."""

from __future__ import annotations

import json
import re

from tests.conftest import run_cli

WIDE = {"COLUMNS": "250"}


def _import(tmp_path, name: str, lines: list[str]) -> str:
    """Import a results CSV as one run; its run id."""
    path = tmp_path / f"{name}.csv"
    path.write_text("\n".join(lines) + "\n")
    done = run_cli("results", "import", str(path), "--bar", "0.9")
    assert done.returncode == 0, done.stderr
    return next(word for word in done.stdout.split() if word.startswith("r2")).rstrip(":")


def _listed(run_id: str) -> dict:
    return next(row for row in json.loads(run_cli("runs", "list", "--json").stdout) if row["run_id"] == run_id)


def _row(table: str, run_id: str) -> list[str]:
    """The cells of one run's row in the printed table (piped: plain text, cells two or more spaces apart)."""
    line = next(line for line in table.splitlines() if run_id in line)
    return re.split(r"\s{2,}", line.strip())


def test_a_runs_spend_is_its_total_and_per_trial_is_the_total_over_its_trials(tmp_path):
    # 450 trials at half a cent each: $2.25 in all, $0.005 a trial (the history used to call $2.25 "per trial")
    run_id = _import(tmp_path, "priced", ["task_id,category,model,correct,cost_usd"]
                     + [f"t{i},triage,acme/priced,true,0.005" for i in range(450)])  # fmt: skip
    row = _listed(run_id)
    assert "model_usd" not in row and "infra_usd" not in row  # a run's totals are named as totals
    assert round(row["model_total_usd"], 6) == round(row["spend_usd"], 6) == 2.25
    assert round(row["spend_per_trial_usd"], 6) == 0.005
    table = run_cli("runs", "list", env=WIDE).stdout
    assert "spend (run total)" in table and "spend $/trial" in table
    assert ["$2.25", "$0.005"] == _row(table, run_id)[7:9]
    shown = run_cli("runs", "show", run_id).stdout
    assert "model $ (run total): $2.25" in shown and "spend $/trial: $0.005" in shown


def test_an_imported_run_with_no_cost_or_token_columns_has_an_unknown_spend_never_zero(tmp_path):
    run_id = _import(tmp_path, "no_cost", ["task_id,category,model,correct"]
                     + [f"t{i},triage,acme/house,true" for i in range(40)])  # fmt: skip
    row = _listed(run_id)
    assert row["spend_usd"] is None and row["model_total_usd"] is None and row["spend_per_trial_usd"] is None
    assert row["unpriced_models"] == ["acme/house"] and row["unpriced_attempts"] == 40
    cells = _row(run_cli("runs", "list", env=WIDE).stdout, run_id)
    assert cells[7:9] == ["unknown (no cost for acme/house)", "unknown"]
    assert "$0.00" not in " ".join(cells)


def test_a_run_mixing_a_priced_and_an_unpriced_model_shows_the_known_part_and_names_the_unknown(tmp_path):
    lines = ["task_id,category,model,correct,cost_usd"]
    lines += [f"t{i},replies,acme/priced,true,0.01" for i in range(40)]
    lines += [f"t{i},replies,acme/house,true," for i in range(40)]  # no cost, no tokens: unknown
    run_id = _import(tmp_path, "mixed", lines)
    row = _listed(run_id)
    assert row["spend_usd"] is None and round(row["known_spend_usd"], 6) == 0.4
    assert row["unpriced_models"] == ["acme/house"]
    cells = _row(run_cli("runs", "list", env=WIDE).stdout, run_id)
    assert cells[7:9] == ["$0.40 + unknown (no cost for acme/house)", "unknown"]
    assert "spend (run total): $0.40 + unknown (no cost for acme/house)" in run_cli("runs", "show", run_id).stdout

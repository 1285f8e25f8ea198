"""One set of run defaults (issue 22): the Run page starts where the CLI's `run` does, so the same run is estimated,
and costs, the same wherever it starts (the page once capped output at 128 tokens, the CLI at 256)."""

from __future__ import annotations

import json
import re

from routeboard.catalog.models import EMBEDDED_ID
from routeboard.library import save_suite
from routeboard.present import count, money
from tests.conftest import run_cli
from tests.ui.conftest import SUITE, echo_suite, open_page, table
from tests.ui.test_review_page import HUMAN, TASKS, human_suite

MODEL = "openai/gpt-4.1-mini"  # in the catalog with litellm's price; the estimate sends nothing
KEY = {"OPENAI_API_KEY": "sk-test-not-a-real-key-0123456789"}


def test_the_run_page_and_the_cli_estimate_the_same_run_alike(app, app_con, monkeypatch):
    save_suite(app_con, human_suite())  # inputs only: each answer is estimated at the output cap
    for name, value in KEY.items():
        monkeypatch.setenv(name, value)
    at = open_page(app, "run")
    at.multiselect(key="run_suites").set_value([HUMAN])
    at.multiselect(key="run_models").set_value([MODEL])
    at.number_input(key="run_limit").set_value(0).run()  # every task, as the CLI without --limit
    page = table(at, "model_id", "output_tokens").iloc[0]
    app_con.close()  # the CLI opens the file itself

    cli = run_cli("run", "--suite", HUMAN, "--model", MODEL, "--estimate-only", "--json", env=KEY)
    assert cli.returncode == 0, cli.stderr
    (estimate,) = json.loads(cli.stdout)
    assert estimate["output_tokens"] == TASKS * 256  # the one default cap, on both doors
    assert page["output_tokens"] == count(estimate["output_tokens"])
    assert page["model_total_usd"] == money(estimate["model_usd"]) == money(estimate["cost_usd"])
    assert at.number_input(key="run_max_tokens").value == 256


def headers(at, key_column: str) -> dict[str, str]:
    """Each column's header as the browser shows it, of the table holding ``key_column``."""
    (frame,) = [d for d in at.dataframe if key_column in d.value.columns]
    config = json.loads(frame.proto.columns or "{}")
    return {column: config.get(column, {}).get("label", column) for column in frame.value.columns}


def test_a_local_models_cost_is_named_infra_before_the_run_as_in_the_runs_history(app, app_con):
    save_suite(app_con, echo_suite())
    at = open_page(app, "run")
    at.multiselect(key="run_suites").set_value([SUITE])
    at.multiselect(key="run_models").set_value([EMBEDDED_ID])
    at.number_input(key="run_limit").set_value(10).run()
    estimate = table(at, "model_id", "model_total_usd", "infra_total_usd").iloc[0]
    assert estimate["model_total_usd"] == "$0.00"  # no tokens to pay for: its cost is the machine's time
    assert re.fullmatch(r"\$0\.\d+", estimate["infra_total_usd"]) and estimate["infra_total_usd"] != "$0.00"
    shown = headers(at, "calls")
    assert (shown["model_total_usd"], shown["infra_total_usd"]) == ("model $ (run total)", "infra $ (run total)")
    assert "cost_usd" not in shown  # no third name for the same money

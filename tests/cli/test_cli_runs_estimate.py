"""`run --estimate-only` shows each figure's basis, so a user knows what the estimate rests on."""

from __future__ import annotations

import json

from tests.conftest import run_cli


def test_estimate_only_states_its_basis_and_sends_nothing():
    assert run_cli("suites", "import", "--shipped").returncode == 0
    args = ("run", "--suite", "financial-analysis", "--model", "openai/gpt-4.1-nano", "--limit", "5", "--estimate-only")
    shown = run_cli(*args, env={"OPENAI_API_KEY": "sk-placeholder", "COLUMNS": "250"})
    assert shown.returncode == 0, shown.stderr
    assert "openai/gpt-4.1-nano x financial-analysis@1: input counted on 5 rendered prompts" in shown.stderr
    assert "output from the expected answers" in shown.stderr
    [row] = json.loads(run_cli(*args, "--json", env={"OPENAI_API_KEY": "sk-placeholder"}).stdout)
    assert row["calls"] == 5 and row["input_tokens"] > 1000 and row["cost_usd"] > 0
    assert row["basis"].startswith("input counted on 5 rendered prompts")
    assert json.loads(run_cli("runs", "list", "--json").stdout) == []  # an estimate sends and stores nothing

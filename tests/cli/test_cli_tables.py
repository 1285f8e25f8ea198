"""A table piped or redirected reads whole (issue 22): plain text with every column and cell, never cut to 80 columns
as rich fits a table to a terminal."""

from __future__ import annotations

from tests.conftest import run_cli


def test_runs_list_piped_keeps_every_column_and_cell(isolated_db):
    assert run_cli("sample", "add").returncode == 0
    listed = run_cli("runs", "list")
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    columns = ["run_id", "status", "trials", "total_trials", "accepted", "pending", "errors", "spend (run total)"]
    assert header.split("  ")[0] == "run_id" and all(c in header for c in [*columns, "spend $/trial"])
    assert row.startswith("r") and "imported" in row.split()
    assert "…" not in listed.stdout and len(header) > 80
    cells = row.split()
    assert cells[1:8] == ["imported", "5490", "5490", "4440", "0", "0", "$2.25"]


def test_an_estimate_piped_reads_whole_with_the_runs_own_cost_names(isolated_db):
    assert run_cli("suites", "import", "--shipped").returncode == 0
    args = ("run", "--suite", "financial-analysis", "--model", "openai/gpt-4.1-nano", "--limit", "5", "--estimate-only")
    shown = run_cli(*args, env={"OPENAI_API_KEY": "sk-placeholder"})
    assert shown.returncode == 0, shown.stderr
    lines = shown.stderr.splitlines()
    header = lines[lines.index("estimate before the run") + 1]
    assert [c.strip() for c in header.split("  ") if c.strip()] == [
        "model", "suite", "calls", "input tokens", "output tokens", "model $", "infra $", "local time"
    ]  # fmt: skip
    row = lines[lines.index("estimate before the run") + 2]
    assert row.startswith("openai/gpt-4.1-nano  financial-analysis@1  5  ") and "…" not in shown.stderr

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

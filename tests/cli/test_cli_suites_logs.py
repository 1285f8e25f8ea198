"""`suites import` of production logs and inputs-only files, as a user runs it."""

from __future__ import annotations

import json

import duckdb

from tests.conftest import ROOT, run_cli

LOGS = ROOT / "tests" / "fixtures" / "logs"


def stored(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_spend_log_is_recognised_redacted_and_its_replies_wait_for_review(isolated_db):
    result = run_cli("suites", "import", str(LOGS / "litellm_spend_logs.json"), "--redact")
    assert result.returncode == 0, result.stderr
    assert "litellm_spend_logs@1: imported, 2 tasks from a litellm log, grader human" in result.stdout
    assert "2 logged replies of gpt-4o-mini, acme-finetune-v3 stored as run" in result.stdout
    assert "outputs wait for people's review" in result.stdout
    assert stored(isolated_db, "SELECT DISTINCT outcome FROM trials") == [("pending",)]
    messages = json.dumps(stored(isolated_db, "SELECT messages FROM tasks"))
    assert "jane.doe@example.com" not in messages and "[EMAIL]" in messages and "[PHONE]" in messages


def test_an_inputs_only_csv_says_it_is_graded_by_people(isolated_db):
    result = run_cli("suites", "import", str(LOGS / "inputs_only.csv"))
    assert result.returncode == 0, result.stderr
    assert "inputs_only@1: imported, 3 tasks" in result.stdout
    assert "grader human: the file has no expected answers" in result.stdout


def test_a_log_with_an_unknown_role_imports_nothing(tmp_path, isolated_db):
    bad = tmp_path / "calls.jsonl"
    bad.write_text(
        '{"messages": [{"role": "user", "content": "Hi"}]}\n{"messages": [{"role": "customer", "content": "Hi"}]}\n'
    )
    result = run_cli("suites", "import", str(bad), "--format", "chat")
    assert result.returncode == 2
    assert f"{bad}:2 [messages[0].role]: unknown role 'customer'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not isolated_db.exists() or stored(isolated_db, "SELECT count(*) FROM tasks") == [(0,)]


def test_validate_checks_a_log_as_it_would_be_imported(tmp_path):
    good = run_cli("suites", "validate", str(LOGS / "langfuse_observations.csv"))
    assert good.returncode == 0 and "valid langfuse log, 2 tasks, grader human" in good.stdout
    bad = tmp_path / "calls.jsonl"
    bad.write_text('{"messages": [{"role": "system", "content": "Be brief."}]}\n')
    result = run_cli("suites", "validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:1 [messages]: no prompt: the chat has no user message" in result.stderr

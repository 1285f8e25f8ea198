"""The suites CLI as a user runs it: exit codes, messages, and an untouched database on errors."""

from __future__ import annotations

import json

import duckdb

from tests.conftest import BENCHMARKS, run_cli

SHIPPED = [
    "arithmetic-word-problems",
    "customer-request-classification",
    "document-extraction",
    "financial-analysis",
    "internal-email-drafting",
]


def table_counts(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT (SELECT count(*) FROM suites), (SELECT count(*) FROM tasks)").fetchone()
    finally:
        con.close()


def test_validate_lists_every_problem_and_exits_2(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "a", "target": "1", "id": "x"}\n{"input": "b", "target": "", "id": "x"}\nnot json\n')
    result = run_cli("suites", "validate", str(bad))
    assert result.returncode == 2
    assert "bad.jsonl:2 [id]: duplicate task id 'x'" in result.stderr
    assert "bad.jsonl:2 [expected]" in result.stderr
    assert "bad.jsonl:3: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_of_a_bad_file_leaves_the_database_unchanged(tmp_path, isolated_db):
    assert run_cli("suites", "import", str(BENCHMARKS / "arithmetic-word-problems")).returncode == 0
    before = table_counts(isolated_db)
    bad = tmp_path / "bad.csv"
    bad.write_text("input,target\n2+2?,4\n3+3?,\n")
    result = run_cli("suites", "import", str(BENCHMARKS / "financial-analysis"), str(bad))
    assert result.returncode == 2 and "bad.csv:3 [expected]" in result.stderr
    assert table_counts(isolated_db) == before


def test_shipped_suites_import_and_list_with_counts_and_bars():
    result = run_cli("suites", "import", "--shipped")
    assert result.returncode == 0, result.stderr
    listed = json.loads(run_cli("suites", "list", "--json").stdout)
    by_name = {row["name"]: row for row in listed}
    assert sorted(by_name) == SHIPPED
    assert by_name["financial-analysis"]["task_count"] == 100 and by_name["financial-analysis"]["bar"] == 0.94
    assert by_name["customer-request-classification"]["task_count"] == 200
    assert by_name["customer-request-classification"]["bar"] == 0.95
    assert by_name["internal-email-drafting"]["task_count"] >= 20
    again = run_cli("suites", "import", "--shipped")
    assert "already imported" in again.stdout
    assert len(json.loads(run_cli("suites", "list", "--json", "--all-versions").stdout)) == 5


def test_show_unknown_suite_is_one_clear_line():
    result = run_cli("suites", "show", "nope")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: no suite named 'nope'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_argument_is_one_line_not_usage_dump():
    result = run_cli("suites", "import", "--bar", "high")
    assert result.returncode == 2
    assert "invalid float value" in result.stderr and "Traceback" not in result.stderr


TICKETS = "input,target\nMy card was charged twice,billing\nThe app crashes on login,technical\n"
README_IMPORT = ["suites", "import", "--name", "tickets", "--category", "ticket triage", "--grader", "label"]


def test_the_readme_label_example_imports_once_given_its_labels(tmp_path):
    tasks = tmp_path / "my_tasks.csv"
    tasks.write_text(TICKETS)
    without = run_cli(*README_IMPORT, str(tasks), "--bar", "0.95")
    assert without.returncode == 2
    assert without.stderr.startswith("error: --grader label: needs --labels a,b,c")
    assert json.loads(run_cli("suites", "list", "--json").stdout) == []

    result = run_cli(*README_IMPORT, str(tasks), "--bar", "0.95", "--labels", "billing, technical,other")
    assert result.returncode == 0, result.stderr
    shown = json.loads(run_cli("suites", "show", "tickets", "--json").stdout)
    assert shown["grader"] == {"name": "label", "options": {"labels": ["billing", "technical", "other"]}}
    assert (shown["category"], shown["bar"], shown["task_count"]) == ("ticket triage", 0.95, 2)


def test_grader_options_are_read_as_the_grader_declares_and_a_wrong_one_is_named(tmp_path):
    tasks = tmp_path / "figures.csv"
    tasks.write_text("input,target\n2+2?,4\n")
    options = ["--grader", "numeric", "--grader-option", "abs_tol=0.5", "--grader-option", "rel_tol=0"]
    assert run_cli("suites", "import", str(tasks), *options).returncode == 0
    shown = json.loads(run_cli("suites", "show", "figures", "--json").stdout)
    assert shown["grader"] == {"name": "numeric", "options": {"abs_tol": 0.5, "rel_tol": 0}}

    wrong = run_cli("suites", "validate", str(tasks), "--grader", "numeric", "--grader-option", "rel=0.1")
    assert wrong.returncode == 2
    assert "unknown option 'rel' (did you mean 'rel_tol'?)" in wrong.stderr and "Traceback" not in wrong.stderr
    flag = run_cli("suites", "validate", str(tasks), "--grader-option", "abs_tol")
    assert flag.returncode == 2 and "give KEY=VALUE, got 'abs_tol'" in flag.stderr

"""A promptfoo project as its users write it (a CSV of tests, a defaultTest assertion, a per-test assertion) imports
and runs on the embedded model, each answer graded by the project's own checks."""

from __future__ import annotations

import json

import duckdb
import pytest

from routeboard.catalog.models import EMBEDDED_ID
from routeboard.graders.assertions import check
from tests.conftest import run_cli

pytestmark = pytest.mark.real_model

CONFIG = """\
description: Greetings
prompts:
  - "Write one short, friendly sentence greeting {{name}}."
providers:
  - openai:gpt-4o-mini
tests: file://tests.csv
defaultTest:
  assert:
    - type: not-icontains
      value: "as an ai"
"""
TESTS = (
    "name,__expected\nAlice,icontains: alice\nBob,icontains: bob\nCarol,contains: Carol\nDan,regex: (?i)\\bhello\\b\n"
)


def test_a_promptfoo_project_imports_and_runs_on_the_embedded_model(tmp_path, isolated_db):
    folder = tmp_path / "greetings"
    folder.mkdir()
    (folder / "promptfooconfig.yaml").write_text(CONFIG)
    (folder / "tests.csv").write_text(TESTS)
    imported = run_cli("suites", "import", str(folder))
    assert imported.returncode == 0, imported.stderr
    assert "greetings@1: imported, 4 tasks" in imported.stdout

    ran = run_cli("run", "--suite", "greetings", "--model", EMBEDDED_ID, "--max-tokens", "32", "--json", timeout=600)
    assert ran.returncode == 0, ran.stderr
    summary = json.loads(ran.stdout)
    assert (summary["status"], summary["trials"]) == ("completed", 4)

    con = duckdb.connect(str(isolated_db), read_only=True)
    rows = con.execute(
        """SELECT t.task_id, t.outcome, t.correct, t.score, t.detail, t.output, k.metadata
           FROM trials t JOIN tasks k USING (suite_id, task_id) WHERE t.run_id = ? ORDER BY t.task_id""",
        [summary["run_id"]],
    ).fetchall()
    assert [r[0] for r in rows] == ["test-0", "test-1", "test-2", "test-3"]
    for task_id, outcome, correct, score, detail, output, metadata in rows:
        checks = json.loads(metadata)["assert"]
        # defaultTest's check, then the test's own: both run on the model's real answer
        assert [c["type"] for c in checks][0] == "not-icontains" and len(checks) == 2, task_id
        passed = [check(c, output)[0] for c in checks]
        assert outcome in ("accepted", "wrong") and correct == all(passed), (task_id, output, detail)
        assert score == pytest.approx(sum(passed) / 2)
        assert detail.startswith("grader: all 2 passed" if all(passed) else "grader: failed: "), detail

"""Results import page: a results file from another tool is previewed, its problems listed by line and field,
and imported as one run the other pages read."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from routeboard.store.suites import list_suites
from tests.imports.test_results_import import promptfoo_file, promptfoo_result
from tests.ui.conftest import TIMEOUT_S, table

PAGE = Path(__file__).resolve().parents[2] / "pages" / "imports.py"
MINI, NANO = "openai/gpt-4o-mini", "openai/gpt-4.1-nano"
RESULTS = b"task_id,category,model,correct,cost_usd\n" + b"".join(
    f"t{i},triage,{model},{int(i % every != 0)},0.001\n".encode()
    for model, every in ((MINI, 10), (NANO, 4))
    for i in range(40)
)
BAD = b"task_id,category,model,correct\nt1,triage,openai/gpt-4o-mini,maybe\nt2,triage,,1\n"


@pytest.fixture
def page() -> AppTest:
    # the page runs on its own: app.py lists it once the lead adds it to the navigation
    return AppTest.from_file(str(PAGE), default_timeout=TIMEOUT_S).run()


def upload(at: AppTest, name: str, data: bytes, kind: str = "text/csv") -> AppTest:
    at.file_uploader(key="imports_upload").set_value((name, data, kind)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_results_csv_is_previewed_then_imported_once(page, app_con):
    assert [i.value for i in page.info] == [
        "Drop a results file above to preview it; nothing is written until you press Import."
    ]
    at = upload(page, "results.csv", RESULTS)
    assert metrics(at) == {"Results": "80", "Models": "2", "Categories": "1", "Format": "csv"}
    preview = table(at, "category", "model", "results", "correct").set_index("model")
    assert preview.loc[MINI, "correct"] == 36 and preview.loc[NANO, "correct"] == 30
    assert list_suites(app_con) == []  # nothing written by looking

    at.button(key="imports_import").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Imported 80 results as run ")
    assert MINI in at.success[0].value and NANO in at.success[0].value
    assert [s["category"] for s in list_suites(app_con)] == ["triage"]

    at.button(key="imports_import").click().run()
    assert "was already imported as run" in at.info[0].value


def test_problems_are_listed_by_line_and_field_and_nothing_is_written(page, app_con):
    at = upload(page, "bad.csv", BAD)
    assert [e.value for e in at.error] == ["2 problem(s) in bad.csv; nothing was imported."]
    problems = table(at, "line", "field", "problem")
    assert problems[["line", "field"]].values.tolist() == [[2, "correct"], [3, "model"]]
    assert "imports_import" not in [b.key for b in at.button]
    assert list_suites(app_con) == []


def test_a_promptfoo_results_json_is_previewed_under_its_category(page, app_con):
    results = [promptfoo_result(i, "openai:gpt-4o-mini", success=i % 2 == 0) for i in range(6)]
    at = upload(page, "results.json", promptfoo_file(results), "application/json")
    assert metrics(at) == {"Results": "6", "Models": "1", "Categories": "1", "Format": "promptfoo"}
    assert table(at, "category", "model", "results")[["category", "model"]].values.tolist() == [["promptfoo", MINI]]
    at.button(key="imports_import").click().run()
    assert at.success[0].value.startswith("Imported 6 results")
    assert [s["category"] for s in list_suites(app_con)] == ["promptfoo"]


LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "logs"


def test_a_spend_log_is_previewed_redacted_and_imported_as_tasks_waiting_for_review(page, app_con):
    at = upload(page, "litellm_spend_logs.json", (LOGS / "litellm_spend_logs.json").read_bytes(), "application/json")
    assert metrics(at) == {"Tasks": "2", "Logged replies": "2", "Models": "2", "Format": "litellm"}
    assert any("graded by human" in c.value and "Review page" in c.value for c in at.caption)
    preview = table(at, "task", "prompt", "model", "reply")
    assert "jane.doe@example.com" in preview["prompt"].iloc[0]

    at.checkbox(key="imports_redact").check().run()
    preview = table(at, "task", "prompt", "model", "reply")
    assert "[EMAIL]" in preview["prompt"].iloc[0] and "[PHONE]" in preview["prompt"].iloc[0]
    assert list_suites(app_con) == []  # nothing written by looking

    at.button(key="imports_log_import").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Imported 2 tasks as suite litellm_spend_logs@1 and 2 logged replies as run ")
    outcomes = app_con.execute("SELECT outcome, count(*) FROM trials GROUP BY ALL").fetchall()
    assert outcomes == [("pending", 2)]
    assert "[EMAIL]" in app_con.execute("SELECT list(messages) FROM tasks").fetchone()[0][0]


def test_a_bad_chat_log_lists_its_problems_and_imports_nothing(page, app_con):
    bad = b'{"messages": [{"role": "user", "content": "Hi"}]}\n{"messages": [{"role": "bot", "content": "Hi"}]}\n'
    at = upload(page, "calls.jsonl", bad, "application/jsonl")
    at.selectbox(key="imports_kind").set_value("chat").run()
    assert at.error[0].value == "1 problem(s) in calls.jsonl; nothing was imported."
    problems = table(at, "line", "field", "problem")
    assert (problems["line"].iloc[0], problems["field"].iloc[0]) == (2, "messages[0].role")
    assert "unknown role 'bot'" in problems["problem"].iloc[0]
    assert list_suites(app_con) == []

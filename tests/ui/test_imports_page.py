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
        "Drop a results file above to preview it (or several of one shape); nothing is written until you press Import."
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


# ---------------------------------------------------------------- files as they come: the column mapping

PAPER = "question_id,model_name,setup,temp,question,gold_answer,model_answer,label\n"


def paper_file(model: str, labels: list[str]) -> tuple[str, bytes, str]:
    rows = "".join(
        f"q{i},{model},zero-shot,0.0,Question {i}?,{i},{i},{label}\n" for i, label in enumerate(labels, start=1)
    )
    return (f"{model}_zero-shot.csv", (PAPER + rows).encode(), "text/csv")


def test_a_papers_files_go_in_together_with_the_proposed_mapping_and_their_labels_listed(page, app_con):
    files = [
        paper_file("gpt-4o", ["Correct Answer"] * 30 + ["Incorrect Answer"] * 8 + ["Refusal"] * 2),
        paper_file("llama-3-8b", ["Correct Answer"] * 20 + ["Incorrect Answer"] * 10 + ["Refusal"] * 10),
    ]
    at = page.file_uploader(key="imports_upload").set_value(files).run()
    assert not at.exception, [e.value for e in at.exception]
    proposed = {
        key: at.selectbox(key=f"imports_map_{key}").value for key in ("task_id", "model", "category", "correct")
    }
    assert proposed == {"task_id": "question_id", "model": "model_name", "category": "setup", "correct": "label"}
    outcomes = {value: at.selectbox(key=f"imports_label_{value}").value for value in ("Correct Answer", "Refusal")}
    assert outcomes == {"Correct Answer": "correct", "Refusal": "refusal"}
    assert any("Ignored columns (mapped to nothing): temp" == c.value for c in at.caption)
    assert metrics(at) == {"Results": "80", "Models": "2", "Categories": "1", "Format": "csv"}
    assert list_suites(app_con) == []  # nothing written by looking

    at.button(key="imports_import").click().run()
    assert at.success[0].value.startswith("Imported 80 results as run ")
    refused = app_con.execute(
        "SELECT model_id, count(*) FROM trials WHERE outcome = 'invalid' AND detail = 'refusal' GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert refused == [("gpt-4o", 2), ("llama-3-8b", 10)]


def test_a_value_no_word_explains_waits_for_its_outcome_then_imports(page, app_con):
    data = paper_file("gpt-4o", ["Correct Answer"] * 5 + ["Partially Correct"] * 2)
    at = upload(page, data[0], data[1])
    assert at.error[0].value == f"1 problem(s) in {data[0]}; nothing was imported."
    problem = table(at, "line", "field", "problem").iloc[0]
    assert (problem["line"], problem["field"]) == (7, "label")
    assert "'Partially Correct' has no outcome: choose one under Outcomes" in problem["problem"]
    assert "--label" not in problem["problem"]  # the page names its own field, never a flag
    assert "imports_import" not in [b.key for b in at.button]

    at.selectbox(key="imports_label_Partially Correct").set_value("wrong").run()
    assert not at.error and metrics(at)["Results"] == "7"
    at.button(key="imports_import").click().run()
    assert app_con.execute("SELECT outcome, count(*) FROM trials GROUP BY ALL ORDER BY 1").fetchall() == [
        ("accepted", 5),
        ("wrong", 2),
    ]


def test_a_wide_file_maps_a_model_per_column_and_its_models_can_be_renamed(page, app_con):
    rows = "".join(f'"Question {i}\nAnswer:",{i % 4 != 0},True\n' for i in range(12))
    data = ("prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt4\n" + rows).encode()
    at = upload(page, "mmlu_marketing.csv", data)
    models = [d.value for d in at.dataframe if list(d.value.columns) == ["model", "correct"]][0]
    assert models.values.tolist() == [["mistralai/Mixtral-8x7B-Instruct-v0.1"] * 2, ["gpt4", "gpt4"]]
    assert metrics(at)["Format"] == "csv (wide)"
    at.text_input(key="imports_as_1").set_value("gpt-4-1106-preview").run()
    preview = table(at, "category", "model", "results", "correct")
    assert preview[["category", "model", "correct"]].values.tolist() == [
        ["mmlu_marketing", "mistralai/Mixtral-8x7B-Instruct-v0.1", 9],
        ["mmlu_marketing", "gpt-4-1106-preview", 12],
    ]
    at.button(key="imports_import").click().run()
    assert sorted(r[0] for r in app_con.execute("SELECT DISTINCT model_id FROM trials").fetchall()) == [
        "gpt-4-1106-preview",
        "mistralai/Mixtral-8x7B-Instruct-v0.1",
    ]


def test_a_column_mapped_to_nothing_is_listed_as_ignored(page, app_con):
    at = upload(page, "results.csv", RESULTS)
    at.selectbox(key="imports_map_cost_usd").set_value("(none)").run()
    assert "Ignored columns (mapped to nothing): cost_usd" in [c.value for c in at.caption]
    at.button(key="imports_import").click().run()
    assert app_con.execute("SELECT count(*) FROM attempts WHERE cost_usd = 0.001").fetchone() == (0,)

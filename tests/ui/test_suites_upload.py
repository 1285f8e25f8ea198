"""Uploading a task file on the Suites page: checked and previewed before anything is written."""

from __future__ import annotations

from routeboard.library import save_suite
from routeboard.report import DASH
from routeboard.store.suites import list_suites, load_stored_suite
from tests.ui.conftest import SUITE, echo_suite, open_page, table

GOOD = b"input,target\n2+2?,4\n3+3?,6\n"
BAD = b"input,target\n2+2?,4\n3+3?,\n,5\n"  # line 3 lacks its answer, line 4 its question


def test_a_good_file_is_previewed_then_imported(app, app_con):
    save_suite(app_con, echo_suite())
    at = open_page(app, "suites")
    assert table(at, "suite_id", "name", "task_count")["name"].tolist() == [SUITE]

    at.file_uploader(key="suites_upload").set_value(("arith.csv", GOOD, "text/csv")).run()
    assert not at.exception
    assert [s.value for s in at.success] == ["'arith': 2 tasks, grader exact, bar 0.9"]
    upload_box = next(e for e in at.expander if e.label == "Upload a task file")
    preview = table(upload_box, "id", "input", "vars", "expected")
    assert preview[["input", "expected"]].values.tolist() == [["2+2?", "4"], ["3+3?", "6"]]
    assert [s["name"] for s in list_suites(app_con)] == [SUITE]  # nothing written by looking

    at.button(key="suites_import").click().run()
    assert not at.exception
    assert any(s.value.endswith(": imported") for s in at.success)
    suites = table(at, "suite_id", "name", "task_count")
    assert sorted(suites["name"]) == ["arith", SUITE]
    # neither suite has a validator or a risk note: the table says so with a dash, never "None" or a blank
    assert suites[["validator", "risk"]].values.ravel().tolist() == [DASH] * 4
    assert sorted(s["name"] for s in list_suites(app_con)) == ["arith", SUITE]


def test_a_bad_file_lists_every_problem_by_line_and_field_and_writes_nothing(app, app_con):
    at = open_page(app, "suites")
    at.file_uploader(key="suites_upload").set_value(("bad.csv", BAD, "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["2 problem(s) in bad.csv; nothing was imported."]
    problems = table(at, "file", "line", "field", "problem")
    assert problems[["file", "line", "field"]].values.tolist() == [["bad.csv", 3, "expected"], ["bad.csv", 4, "input"]]
    assert "suites_import" not in [b.key for b in at.button]
    assert list_suites(app_con) == []
    assert [i.value for i in at.info] == ["No suites yet: upload a file or import the shipped suites."]


TICKETS = b"input,target\nMy card was charged twice,billing\nThe app crashes on login,technical\n"


def test_a_label_suite_is_uploaded_with_the_labels_typed_in_its_field(app, app_con):
    at = open_page(app, "suites")
    at.selectbox(key="suites_grader").set_value("label").run()
    at.file_uploader(key="suites_upload").set_value(("tickets.csv", TICKETS, "text/csv")).run()
    assert not at.exception
    assert at.error[0].value.startswith("- Labels: required")  # said by the field, before anything is read
    at.text_input(key="suites_upload_option_labels").set_value("billing, technical, other").run()
    assert not at.exception
    assert [s.value for s in at.success] == ["'tickets': 2 tasks, grader label, bar 0.9"]
    at.button(key="suites_import").click().run()
    assert not at.exception
    _, suite = load_stored_suite(app_con, "tickets")
    assert (suite.grader.name, suite.grader.options) == ("label", {"labels": ["billing", "technical", "other"]})


RESULTS_CSV = b"task_id,category,model,correct\n" + b"".join(
    f"t{i},triage,openai/gpt-4o-mini,{i % 2}\n".encode() for i in range(500)
)


def test_a_results_file_dropped_on_suites_points_to_results_import_instead_of_listing_problems(app, app_con):
    at = open_page(app, "suites")
    at.file_uploader(key="suites_upload").set_value(("results.csv", RESULTS_CSV, "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.error] == []
    assert [w.value for w in at.warning] == [
        "results.csv: this is a results file (per-sample results: task_id, model, correct), not a task file: "
        "import it under Results import, or `routeboard results import FILE`."
    ]
    assert list_suites(app_con) == []


def test_a_datasets_answer_column_is_proposed_as_its_expected_answer_and_can_be_changed(app, app_con):
    at = open_page(app, "suites")
    data = b"question,answer,alt\n2+2?,4,four\n3+3?,6,six\n"
    at.file_uploader(key="suites_upload").set_value(("qa.csv", data, "text/csv")).run()
    assert (at.selectbox(key="suites_map_input").value, at.selectbox(key="suites_map_expected").value) == (
        "question",
        "answer",
    )
    assert [s.value for s in at.success] == ["'qa': 2 tasks, grader exact, bar 0.9"]
    at.selectbox(key="suites_map_expected").set_value("alt").run()
    preview = table(at, "id", "input", "vars", "expected")
    assert preview["expected"].tolist() == ["four", "six"]
    at.button(key="suites_import").click().run()
    assert [t.expected for t in load_stored_suite(app_con, "qa")[1].tasks] == ["four", "six"]


PROMPTFOO_CONFIG = b"""\
description: Capital cities
prompts: ["Capital of {{country}}? The city only."]
providers: [openai:gpt-4o-mini, "anthropic:messages:claude-3-5-haiku-20241022"]
tests: file://tests.csv
defaultTest:
  assert: [{type: icontains, value: "{{answer}}"}]
"""
PROMPTFOO_TESTS = b"country,answer,__expected\nFrance,Paris,not-contains: London\nJapan,Tokyo,\n"


def test_a_promptfoo_project_uploaded_with_its_tests_is_previewed_then_imported(app, app_con):
    at = open_page(app, "suites")
    files = [("promptfooconfig.yaml", PROMPTFOO_CONFIG, "application/yaml"), ("tests.csv", PROMPTFOO_TESTS, "text/csv")]
    at.file_uploader(key="suites_upload").set_value(files).run()
    assert not at.exception
    assert [s.value for s in at.success] == ["promptfoo project: 1 suite(s), capital-cities"]
    assert any("openai/gpt-4o-mini, anthropic/claude-3-5-haiku-20241022" in c.value for c in at.caption)
    assert list_suites(app_con) == []  # nothing written by looking
    at.button(key="suites_import").click().run()
    assert "capital-cities@1: imported" in at.success[-1].value
    suite = load_stored_suite(app_con, "capital-cities")[1]
    assert suite.grader.name == "assertions" and suite.tasks[1].metadata["assert"] == [
        {"type": "icontains", "value": "Tokyo"}
    ]


def test_a_project_missing_the_file_it_names_says_so_and_writes_nothing(app, app_con):
    at = open_page(app, "suites")
    at.file_uploader(key="suites_upload").set_value(
        [("promptfooconfig.yaml", PROMPTFOO_CONFIG, "application/yaml")]
    ).run()
    problems = table(at, "file", "line", "field", "problem")
    assert "tests.csv not found beside the config (upload it with the config)" in problems["problem"].tolist()
    assert "suites_import" not in [b.key for b in at.button]
    assert list_suites(app_con) == []

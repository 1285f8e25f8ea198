"""Peers' test projects as suites: a promptfoo project as its users write it (tests from a CSV, defaultTest and
per-test assertions, several prompts, providers) and the OpenAI evals registry; what cannot run as written is
refused by line with the reason, and nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routeboard.errors import InvalidInput
from routeboard.imports.projects import import_project, load_project, read_uploaded_project
from routeboard.imports.results import import_results
from routeboard.store.suites import list_suites, load_stored_suite
from routeboard.suites import Overrides
from tests.conftest import run_cli
from tests.imports.test_results_import import promptfoo_file, promptfoo_result

CONFIG = """\
description: Capital cities
prompts:
  - "What is the capital of {{country}}? Answer with the city only."
providers:
  - openai:gpt-4o-mini
  - id: anthropic:messages:claude-3-5-haiku-20241022
    label: haiku
tests: file://tests.csv
defaultTest:
  assert:
    - type: icontains
      value: "{{answer}}"
outputPath: results.json
"""
TESTS = "country,answer,__expected\nFrance,Paris,not-contains: London\nJapan,Tokyo,\nPeru,Lima,starts-with: Lima\n"


def project(folder: Path, config: str = CONFIG, tests: str = TESTS, **more: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "promptfooconfig.yaml").write_text(config)
    (folder / "tests.csv").write_text(tests)
    for name, text in more.items():
        (folder / name.replace("__", ".")).write_text(text)
    return folder


def problems_of(folder: Path) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(InvalidInput) as caught:
        load_project(folder)
    return [(Path(p.file).name, p.line, p.field, p.message) for p in caught.value.problems]


def test_a_promptfoo_project_with_a_csv_of_tests_is_one_suite_with_each_tests_checks(tmp_path):
    read = load_project(project(tmp_path / "capitals"))
    [suite] = read.suites
    assert (suite.name, suite.category, suite.grader.name) == ("capital-cities", "capital-cities", "assertions")
    assert suite.prompt_template == "What is the capital of {{country}}? Answer with the city only."
    assert [t.id for t in suite.tasks] == ["test-0", "test-1", "test-2"]  # promptfoo's testIdx in its results
    france, japan, peru = suite.tasks
    # defaultTest's assertion, its {{answer}} filled from each test's vars, then the test's own
    assert france.metadata["assert"] == [
        {"type": "icontains", "value": "Paris"},
        {"type": "not-contains", "value": "London"},
    ]
    assert japan.metadata["assert"] == [{"type": "icontains", "value": "Tokyo"}]
    assert peru.metadata["assert"][1] == {"type": "starts-with", "value": "Lima"}
    assert (france.vars, france.expected) == ({"country": "France", "answer": "Paris"}, "Paris")
    assert read.models == ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-20241022"]
    assert read.run_command() == (
        "routeboard run --suite capital-cities --model openai/gpt-4o-mini --model anthropic/claude-3-5-haiku-20241022"
    )
    assert any("outputPath" in note for note in read.notes)


def test_inline_yaml_and_jsonl_tests_and_several_prompts(tmp_path):
    config = """\
prompts:
  - id: terse
    raw: "Capital of {{country}}?"
  - file://long.txt
providers: [ollama:chat:qwen3:4b]
tests:
  - vars: {country: France}
    assert: [{type: equals, value: Paris}]
  - file://more.yaml
  - file://more.jsonl
"""
    folder = project(
        tmp_path / "geo",
        config,
        long__txt="You are a geographer.\nName the capital of {{country}}.\n",
        more__yaml="- vars: {country: Japan}\n  assert:\n    - type: regex\n      value: '^Tokyo'\n",
        more__jsonl='{"vars": {"country": "Peru"}, "assert": [{"type": "is-json"}]}\n',
    )
    read = load_project(folder)
    assert [s.name for s in read.suites] == ["geo-terse", "geo-long"]
    assert [s.category for s in read.suites] == ["geo-terse", "geo-long"]  # each prompt decided on its own
    assert read.suites[1].prompt_template.startswith("You are a geographer.")
    assert [t.metadata["assert"][0]["type"] for t in read.suites[0].tasks] == ["equals", "regex", "is-json"]
    assert read.models == ["ollama_chat/qwen3:4b"]


def test_an_llm_rubric_is_the_judges_with_the_other_checks_as_its_precheck(tmp_path):
    config = CONFIG.replace(
        '      value: "{{answer}}"',
        '      value: "{{answer}}"\n    - type: llm-rubric\n      value: Names only the city',
    )
    [suite] = load_project(project(tmp_path / "judged", config)).suites
    assert suite.grader.name == "llm_judge"
    assert suite.grader.options["rubric"] == "Names only the city"
    assert suite.grader.options["precheck"] == {"name": "assertions", "options": {"none_pass": True}}
    assert "rubric" not in suite.tasks[0].metadata  # the suite's rubric is every test's here


def test_what_cannot_run_as_written_is_refused_by_line_with_the_reason(tmp_path):
    tests = (
        "country,answer,__expected\n"
        "France,Paris,javascript: output.includes('Paris')\n"
        "Japan,Tokyo,levenshtein(3): Tokio\n"
        "Peru,Lima,python: file://check.py\n"
        "Chile,Santiago,Santiago\n"  # no known type: an equals value, as promptfoo reads it
        "Bolivia,Sucre,contains:\n"
    )
    config = CONFIG + "scenarios: [{config: [{vars: {x: 1}}]}]\n"
    found = problems_of(project(tmp_path / "bad", config, tests))
    assert ("promptfooconfig.yaml", 14, "scenarios") in [f[:3] for f in found]
    by_line = {line: message for name, line, field, message in found if name == "tests.csv"}
    assert "runs the project's code" in by_line[2] and "javascript" in by_line[2]
    assert "assertion type 'levenshtein' is not supported" in by_line[3]
    assert "runs the project's code" in by_line[4]
    assert 5 not in by_line
    assert by_line[6] == "the contains assertion needs a value"


def test_a_missing_tests_file_and_a_nunjucks_filter_are_named(tmp_path):
    config = CONFIG.replace("{{country}}", "{{ country | upper }}").replace("tests.csv", "missing.csv")
    found = problems_of(project(tmp_path / "odd", config))
    messages = [message for _, _, _, message in found]
    assert any("missing.csv not found" in m for m in messages)
    assert any("Nunjucks beyond {{var}} ({{ country | upper }})" in m for m in messages)


def test_a_project_is_imported_all_together_and_its_promptfoo_results_attach_to_it(con, tmp_path):
    read = load_project(project(tmp_path / "capitals"))
    [result] = import_project(con, read)
    assert (result.suite_id, result.created, result.task_count) == ("capital-cities@1", True, 3)
    stored = load_stored_suite(con, "capital-cities")[1]
    assert stored.tasks[0].metadata["assert"][0] == {"type": "icontains", "value": "Paris"}
    # the project's promptfoo eval results land on the same tasks (test-N) of the same suite
    results = [promptfoo_result(i, "openai:gpt-4o-mini", success=i != 1) for i in range(3)]
    summary = import_results(
        con, "results.json", promptfoo_file(results), suite="capital-cities", category="capital-cities"
    )
    assert summary.suites == ["capital-cities@1"] and len(list_suites(con)) == 1


def test_the_openai_evals_registry_reads_its_samples_from_the_data_folder(tmp_path):
    registry = tmp_path / "registry"
    (registry / "evals").mkdir(parents=True)
    (registry / "data" / "arith").mkdir(parents=True)
    (registry / "evals" / "arith.yaml").write_text(
        "arith:\n  id: arith.dev.v0\n  description: Small sums\n  metrics: [accuracy]\n"
        "arith.dev.v0:\n  class: evals.elsuite.basic.match:Match\n  args:\n    samples_jsonl: arith/samples.jsonl\n"
        "chat.dev.v0:\n  class: evals.elsuite.modelgraded.classify:ModelBasedClassify\n"
        "  args: {samples_jsonl: x.jsonl}\n"
    )
    samples = [
        {"input": [{"role": "system", "content": "Number only."}, {"role": "user", "content": "2+2?"}], "ideal": "4"},
        {"input": [{"role": "user", "content": "3+5?"}], "ideal": ["8", "eight"]},
    ]
    (registry / "data" / "arith" / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples))
    found = problems_of(registry / "evals" / "arith.yaml")
    assert [(name, line, field) for name, line, field, _ in found] == [("arith.yaml", 9, "chat.dev.v0")]
    assert "needs a judge's rubric" in found[0][3]
    (registry / "evals" / "arith.yaml").write_text(
        (registry / "evals" / "arith.yaml").read_text().split("chat.dev.v0")[0]
    )
    [suite] = load_project(registry / "evals" / "arith.yaml").suites
    assert (suite.name, suite.description, suite.grader.name) == ("arith", "Small sums", "assertions")
    assert [t.expected for t in suite.tasks] == ["4", "8"]
    assert suite.tasks[1].metadata["assert"] == [{"type": "starts-with", "value": ["8", "eight"]}]
    assert suite.tasks[0].messages[0] == {"role": "system", "content": "Number only."}


def test_an_uploaded_project_finds_its_files_by_name():
    uploads = [("promptfooconfig.yaml", CONFIG.encode()), ("tests.csv", TESTS.encode())]
    read = read_uploaded_project(uploads, Overrides(name="capitals", bar=0.8))
    assert [(s.name, s.bar, len(s.tasks)) for s in read.suites] == [("capitals", 0.8, 3)]
    assert read_uploaded_project([("tests.csv", TESTS.encode())]) is None  # no config among them


def test_the_cli_imports_a_project_folder_and_says_what_to_run(tmp_path):
    folder = project(tmp_path / "capitals")
    checked = run_cli("suites", "validate", str(folder))
    assert checked.returncode == 0, checked.stderr
    assert "valid promptfoo project, 1 suite(s)" in checked.stdout
    imported = run_cli("suites", "import", str(folder / "promptfooconfig.yaml"))
    assert imported.returncode == 0, imported.stderr
    assert "capital-cities@1: imported, 3 tasks" in imported.stdout
    assert "routeboard run --suite capital-cities --model openai/gpt-4o-mini" in imported.stdout
    bad = project(tmp_path / "bad", tests=TESTS.replace("not-contains: London", "javascript: 1"))
    refused = run_cli("suites", "import", str(bad))
    assert refused.returncode == 2 and f"{bad / 'tests.csv'}:2 [assert]" in refused.stderr
    listed = run_cli("suites", "list", "--json")
    assert [s["suite_id"] for s in json.loads(listed.stdout)] == ["capital-cities@1"]  # the bad one wrote nothing

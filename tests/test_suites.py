"""Loading suites: every supported format, and every kind of bad file named by file, line and field."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import InvalidInput
from routeboard.suites import Overrides, load_suite, load_suite_bytes, render_messages


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def problems_of(path, overrides=None, **kw):
    with pytest.raises(InvalidInput) as info:
        load_suite(path, overrides, **kw)
    return info.value.problems


SUITE_YAML = """\
name: tickets
category: customer-request classification
grader: {name: label, options: {labels: [card_arrival, lost_or_stolen_card]}}
validator: {name: one_of, options: {labels: [card_arrival, lost_or_stolen_card]}}
bar: 0.95
risk: a misrouted ticket waits a day
prompt_template: "Classify: {{text}}"
"""


def test_folder_suite_with_jsonl_tasks(tmp_path):
    write(tmp_path / "s" / "suite.yaml", SUITE_YAML)
    write(
        tmp_path / "s" / "tasks.jsonl",
        '{"id": "a", "vars": {"text": "where is my card"}, "expected": "card_arrival"}\n'
        '{"id": "b", "vars": {"text": "my card was stolen"}, "expected": "lost_or_stolen_card"}\n',
    )
    suite = load_suite(tmp_path / "s")
    assert (suite.name, suite.category, suite.bar, len(suite.tasks)) == (
        "tickets",
        "customer-request classification",
        0.95,
        2,
    )
    assert suite.validator.name == "one_of"
    assert render_messages(suite, suite.tasks[0])[-1]["content"] == "Classify: where is my card"


def test_yaml_with_inline_tasks_and_chat_messages(tmp_path):
    path = write(
        tmp_path / "inline.yaml",
        """\
name: inline
category: qa
grader: exact
tasks:
  - id: q1
    input: "What is 2+2?"
    expected: "4"
  - id: q2
    messages: [{role: system, content: be brief}, {role: user, content: "Capital of France?"}]
    expected: Paris
""",
    )
    suite = load_suite(path)
    assert [t.id for t in suite.tasks] == ["q1", "q2"]
    assert render_messages(suite, suite.tasks[1])[0] == {"role": "system", "content": "be brief"}


def test_bare_csv_takes_metadata_from_overrides(tmp_path):
    path = write(tmp_path / "bare.csv", "id,text,expected\n1,I lost my card,lost_or_stolen_card\n")
    suite = load_suite(path, Overrides(name="cards", category="classification", grader="exact", bar=0.9))
    assert (suite.name, suite.category, suite.grader.name) == ("cards", "classification", "exact")
    assert render_messages(suite, suite.tasks[0])[-1]["content"] == "I lost my card"


def test_promptfoo_csv(tmp_path):
    path = write(
        tmp_path / "pf.csv",
        "question,__expected\nCapital of France?,contains: Paris\nCapital of Peru?,contains: Lima\n",
    )
    suite = load_suite(path)
    assert suite.grader.name == "contains"
    assert [t.expected for t in suite.tasks] == ["Paris", "Lima"]
    assert render_messages(suite, suite.tasks[1])[-1]["content"] == "Capital of Peru?"


def test_openai_evals_jsonl(tmp_path):
    line = {
        "input": [{"role": "system", "content": "Answer briefly"}, {"role": "user", "content": "2+3?"}],
        "ideal": "5",
    }
    path = write(tmp_path / "evals.jsonl", json.dumps(line) + "\n")
    suite = load_suite(path)
    assert suite.tasks[0].expected == "5"
    assert render_messages(suite, suite.tasks[0])[1]["content"] == "2+3?"


def test_inspect_jsonl_and_csv(tmp_path):
    jsonl = write(tmp_path / "insp.jsonl", '{"id": "x1", "input": "2+2?", "target": ["4", "four"]}\n')
    suite = load_suite(jsonl)
    task = suite.tasks[0]
    assert (task.id, task.expected, task.metadata["targets"]) == ("x1", "4", ["4", "four"])
    csv_path = write(tmp_path / "insp.csv", "input,target\n2+2?,4\n3+3?,6\n")
    assert [t.expected for t in load_suite(csv_path).tasks] == ["4", "6"]


def test_bom_is_fine(tmp_path):
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbfinput,target\n2+2?,4\n")
    assert load_suite(path).tasks[0].input == "2+2?"


def test_invalid_utf8_names_the_line(tmp_path):
    path = write(tmp_path / "bad.csv", b"input,target\n2+2?,4\ncaf\xe9,x\n")
    [problem] = problems_of(path)
    assert problem.line == 3 and "UTF-8" in problem.message


def test_file_over_the_size_limit(tmp_path):
    path = write(tmp_path / "big.jsonl", '{"input": "x", "target": "y"}\n' * 100)
    [problem] = problems_of(path, max_bytes=1000)
    assert "limit" in problem.message and problem.file.endswith("big.jsonl")


def test_every_problem_is_listed_with_line_and_field(tmp_path):
    write(tmp_path / "s" / "suite.yaml", SUITE_YAML.replace("bar: 0.95", "bar: 1.5").replace("label,", "lable,"))
    write(
        tmp_path / "s" / "tasks.jsonl",
        "\n".join(
            [
                '{"id": "a", "vars": {"text": "where is my card"}, "expected": "card_arrival"}',
                '{"id": "a", "vars": {"text": "dup"}, "expected": "card_arrival"}',
                '{"id": "c", "vars": {"txt": "typo"}, "expected": "card_arrival"}',
                '{"id": "d", "vars": {"text": "x"}, "expected": "card_arrival", "expcted": 1}',
                '{"id": "e", "vars": {"text": "x"',
            ]
        )
        + "\n",
    )
    found = {(Path(p.file).name, p.line, p.field) for p in problems_of(tmp_path / "s")}
    assert ("suite.yaml", None, "bar") in found
    assert ("suite.yaml", None, "grader") in found  # unknown grader "lable"
    assert ("tasks.jsonl", 2, "id") in found  # duplicate id
    assert ("tasks.jsonl", 3, "text") in found  # template variable missing
    assert ("tasks.jsonl", 4, "expcted") in found  # unknown field
    assert ("tasks.jsonl", 5, None) in found  # not JSON


def test_empty_expected_when_the_grader_needs_one(tmp_path):
    path = write(tmp_path / "t.csv", "input,target\n2+2?,4\n3+3?,\n")
    [problem] = problems_of(path)
    assert (problem.line, problem.field) == (3, "expected")


def test_csv_with_unknown_column_and_ragged_row(tmp_path):
    write(tmp_path / "s" / "suite.yaml", SUITE_YAML)
    write(tmp_path / "s" / "tasks.csv", 'id,text,expected\na,"multi\nline",card_arrival\nb,too,many,cells\n')
    [problem] = problems_of(tmp_path / "s")
    assert problem.line == 4 and "cells" in problem.message


def test_yaml_alias_bomb_is_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    [problem] = problems_of(write(tmp_path / "bomb.yaml", bomb))
    assert "alias" in problem.message


def test_content_hash_tracks_changes(tmp_path):
    path = write(tmp_path / "a.csv", "input,target\n2+2?,4\n")
    first = load_suite(path).content_hash()
    assert load_suite(path).content_hash() == first
    write(path, "input,target\n2+2?,5\n")
    assert load_suite(path).content_hash() != first


def test_upload_bytes_use_the_filename_in_messages():
    with pytest.raises(InvalidInput) as info:
        load_suite_bytes("upload.jsonl", b'{"input": "x"\n')
    assert info.value.problems[0].file == "upload.jsonl" and info.value.problems[0].line == 1


def test_csv_with_unknown_and_missing_columns_is_named_in_the_header(tmp_path):
    write(tmp_path / "s" / "suite.yaml", SUITE_YAML)
    write(tmp_path / "s" / "tasks.csv", "id,text,notes\na,where is my card,x\n")
    found = {(p.line, p.field, p.message.split(":")[0]) for p in problems_of(tmp_path / "s")}
    assert (1, "notes", "unknown column") in found
    assert (1, None, "missing column") in found


# ---------------------------------------------------------------- inputs only: real work with no answer key


def test_inputs_only_csv_is_graded_by_people(tmp_path):
    suite = load_suite(Path(__file__).parent / "fixtures" / "logs" / "inputs_only.csv")
    assert suite.grader.name == "human"
    assert [t.id for t in suite.tasks] == ["mail-1", "mail-2", "mail-3"]
    assert all(t.expected is None for t in suite.tasks)
    assert render_messages(suite, suite.tasks[0])[-1]["content"].startswith("Draft a two-line reply")


def test_inputs_only_jsonl_is_graded_by_people(tmp_path):
    path = write(tmp_path / "asks.jsonl", '{"input": "Reply to Ann: the meeting moves."}\n{"input": "Thank Bo."}\n')
    suite = load_suite(path)
    assert suite.grader.name == "human" and len(suite.tasks) == 2


def test_a_grader_that_needs_answers_names_the_missing_column_and_the_way_out(tmp_path):
    path = write(tmp_path / "asks.csv", "id,input\na,Reply to Ann\n")
    [problem] = problems_of(path, Overrides(grader="exact"))
    assert (problem.line, problem.field) == (1, None)
    assert "missing column: expected" in problem.message and "human" in problem.message


def test_a_grader_that_needs_no_answers_takes_an_inputs_only_file(tmp_path):
    path = write(tmp_path / "asks.csv", "id,input\na,Reply to Ann\n")
    suite = load_suite(path, Overrides(grader={"name": "regex", "options": {"pattern": "Ann"}}))
    assert suite.grader.name == "regex" and suite.tasks[0].expected is None


def test_a_ten_megabyte_input_names_the_line_and_the_limit(tmp_path):
    path = write(tmp_path / "asks.jsonl", '{"input": "short"}\n' + json.dumps({"input": "z" * 10_485_760}) + "\n")
    [problem] = problems_of(path)
    assert (problem.line, problem.field) == (2, "input")
    assert problem.message.startswith("too large: 10.0 MB in one message, over the 2 MB limit per message")


def test_a_suite_too_small_for_its_bar_says_so_with_the_tasks_that_would_do():
    from routeboard.decide.intervals import wilson_interval
    from routeboard.decide.verdicts import tasks_to_clear
    from routeboard.suites import size_warning

    tasks = tuple(Task(id=str(i), input=f"reply to e-mail {i}") for i in range(30))
    suite = Suite(name="replies", category="replies", grader=GraderSpec("human"), tasks=tasks, bar=0.9)
    # 30 of 30 accepted: the lower bound is 30 / (30 + 1.96^2) = 88.6%, under the 90% bar
    assert size_warning(suite) == (
        "30 tasks cannot certify any model at the 90% bar: even all accepted gives a lower bound of 88.6%; "
        "35 tasks would, or a bar of at most 88%"
    )
    assert tasks_to_clear(0.9, min_tasks=30) == 35 and wilson_interval(35, 35)[0] >= 0.9 > wilson_interval(34, 34)[0]
    assert size_warning(replace(suite, bar=0.8)) is None  # 16 tasks would clear 80%; 30 meet min_tasks too
    assert size_warning(replace(suite, bar=0.5, tasks=tasks[:12])) == (
        "12 tasks are fewer than the 30 the route constraints ask before a model may clear"
    )
    assert "can never be certified" in size_warning(replace(suite, bar=1.0))


def test_the_size_warning_reads_the_suites_own_min_tasks():
    from routeboard.suites import size_warning

    tasks = tuple(Task(id=str(i), input=f"reply to e-mail {i}") for i in range(40))
    suite = Suite(name="replies", category="replies", grader=GraderSpec("human"), tasks=tasks, bar=0.9)
    assert size_warning(suite) is None  # 40 all accepted: lower bound 91.2%, and 40 >= the default 30
    strict = replace(suite, constraints={"min_tasks": 50})
    assert size_warning(strict) == "40 tasks are fewer than the 50 the route constraints ask before a model may clear"
    # under its min_tasks a lower bar would not help, so the warning does not offer one
    assert size_warning(replace(strict, bar=0.95)) == (
        "40 tasks cannot certify any model at the 95% bar: even all accepted gives a lower bound of 91.2%; "
        "73 tasks would"
    )
    assert size_warning(replace(suite, bar=0.7, tasks=tasks[:12], constraints={"min_tasks": 10})) is None  # 75.8%
    assert "fewer than the 50" in size_warning(replace(suite, constraints={"min_trials": 50}))  # the old name


# ---------------------------------------------------------------- dataset files: their columns mapped


@pytest.mark.parametrize("answer", ["answer", "target", "label", "gold_answer"])
def test_a_datasets_answer_column_is_its_expected_answer(tmp_path, answer):
    path = write(tmp_path / "qa.csv", f"question,{answer}\n2+2?,4\n3+3?,6\n")
    suite = load_suite(path)
    assert [(t.input, t.expected) for t in suite.tasks] == [("2+2?", "4"), ("3+3?", "6")]
    assert suite.grader.name == "exact"


def test_an_answer_column_the_template_does_not_use_is_the_expected_answer(tmp_path):
    path = write(tmp_path / "cls.csv", "text,label\nMy card was charged twice,billing\n")
    suite = load_suite(path, Overrides(prompt_template="Classify: {{text}}"))
    assert (suite.tasks[0].vars, suite.tasks[0].expected) == ({"text": "My card was charged twice"}, "billing")


def test_columns_can_be_mapped_by_name(tmp_path):
    path = write(tmp_path / "d.csv", "qid,q,a,b\n7,x?,1,2\n")
    suite = load_suite(path, Overrides(columns={"id": "qid", "input": "q", "expected": "b"}))
    task = suite.tasks[0]
    assert (task.id, task.input, task.expected, task.vars) == ("7", "x?", "2", {"a": "1"})
    [problem] = problems_of(path, Overrides(columns={"expected": "c"}, prompt_template="{{q}} {{a}} {{b}}"))
    assert (problem.line, problem.field) == (1, "c") and "no such column" in problem.message


def test_a_missing_template_is_one_problem_not_one_per_row(tmp_path):
    path = write(tmp_path / "many.csv", "a,b,c\n" + "".join(f"x{i},y{i},z{i}\n" for i in range(50)))
    [problem] = problems_of(path)
    assert problem.line == 1 and "no input column and no prompt template" in problem.message


def test_a_jsonl_and_a_parquet_dataset_are_mapped_as_a_csv_is(tmp_path):
    import pandas as pd

    rows = [
        {"question_id": "q1", "question": "2+2?", "answer": 4},
        {"question_id": "q2", "question": "1+1?", "answer": 2},
    ]
    jsonl = write(tmp_path / "d.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    parquet = tmp_path / "d.parquet"
    pd.DataFrame(rows).to_parquet(parquet)
    for path in (jsonl, parquet):
        suite = load_suite(path)
        assert [(t.id, t.input, t.expected) for t in suite.tasks] == [("q1", "2+2?", "4"), ("q2", "1+1?", "2")]

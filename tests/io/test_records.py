"""CSV and JSONL records located by line, and the one Problems collector every reader writes to."""

from __future__ import annotations

import pytest

from routeboard.errors import InvalidInput, Problems
from routeboard.io.records import read_csv, read_json, read_jsonl
from routeboard.io.yaml_doc import read_yaml
from routeboard.review.labels import parse_labels


def test_a_csv_row_is_located_where_it_starts_even_after_a_multiline_cell():
    problems = Problems("t.csv")
    header, records = read_csv('id,text\na,"two\nlines"\nb,x,extra\nc,ok\n', problems)
    assert header == ["id", "text"]
    assert [(r.line, r.fields["id"]) for r in records] == [(2, "a"), (5, "c")]
    assert [(p.line, p.message) for p in problems] == [(4, "row has 3 cells, the header has 2")]


def test_csv_header_mistakes_are_named_by_column():
    problems = Problems("t.csv")
    read_csv("id,,id\n1,2,3\n", problems)
    assert [(p.line, p.field, p.message) for p in problems] == [
        (1, "column 2", "empty column name"),
        (1, "id", "duplicate column name"),
    ]


def test_cells_are_read_as_written_formulas_included():
    """Formula escaping is for exports: a task's text is what its author wrote."""
    _, records = read_csv('input,expected\n"=1+1",@x\n', Problems("t.csv"))
    assert records[0].fields == {"input": "=1+1", "expected": "@x"}


def test_jsonl_keeps_unicode_line_separators_inside_strings_and_names_bad_lines():
    problems = Problems("t.jsonl")
    records = read_jsonl('{"a": "x\u2028y"}\r\n[1]\n{"a": "\\ud800"}\n{oops\n', problems)
    assert [(r.line, r.fields) for r in records] == [(1, {"a": "x\u2028y"})]
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (2, "each line must be a JSON object"),
        (3, "text holds an unpaired surrogate escape such as \\ud800 (half a character); not valid Unicode"),
        (4, "not valid JSON"),
    ]


def test_a_deeply_nested_json_document_is_a_problem_not_a_crash():
    problems = Problems("deep.json")
    assert read_json("[" * 100_000 + "]" * 100_000, problems) is None
    assert "not valid JSON" in problems.found[0].message


def test_a_yaml_alias_bomb_is_refused_before_it_expands():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    problems = Problems("bomb.yaml")
    assert read_yaml(bomb, problems) is None
    assert "alias bomb" in problems.found[0].message


def test_problems_in_a_second_file_share_one_collection_and_a_flood_is_capped():
    problems = Problems("suite.yaml", limit=3)
    problems.add(None, "bar", "too high")
    tasks = problems.in_file("tasks.csv")
    for line in range(2, 7):
        tasks.add(line, "expected", "empty")
    assert len(problems) == 6 and [p.file for p in problems][:2] == ["suite.yaml", "tasks.csv"]
    with pytest.raises(InvalidInput) as caught:
        problems.raise_if_any()
    shown = caught.value.problems
    assert len(shown) == 4 and shown[-1].message.startswith("3 more problems not shown")
    assert str(caught.value) == "suite.yaml [bar]: too high (and 3 more problems)"


def test_a_labels_file_is_read_by_the_same_readers():
    problems = Problems("labels.jsonl")
    records = parse_labels("labels.jsonl", '{"task_id": "t1", "correct": "yes"}\n"t2"\n', problems)
    assert [r.line for r in records] == [1]
    assert [(p.line, p.message) for p in problems] == [(2, "each line must be a JSON object")]

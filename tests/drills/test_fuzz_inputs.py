"""Bad input: a seeded hypothesis fuzz of the suite loader and the results importer (400 generated cases plus
named ones). Every case ends in success or an InvalidInput whose problems each name the file and say what is
wrong; nothing else is raised; a rejected import leaves the database exactly as it was."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import routeboard
from routeboard.errors import InvalidInput
from routeboard.imports.results import import_results
from routeboard.io.result_formats import KNOWN_COLUMNS
from routeboard.io.suite_formats import SUITE_KEYS, TASK_KEYS
from routeboard.library import save_suite
from routeboard.suites import load_suite_bytes
from tests.drills.support import row_counts

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.function_scoped_fixture,
    ],
)
DEEP = 10_000
MAX_BYTES = 150_000  # the upload limit for this drill, so a huge field also meets it


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """One database for the module: successes accumulate in it, rejections must leave it as it was."""
    con = routeboard.connect(tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb")
    yield con
    con.close()


# ---------------------------------------------------------------- values people and tools put in files

HOSTILE = [
    "",
    " ",
    "=1+1",
    "+SUM(A1:A9)",
    "-2+3",
    "@cmd",
    "\t=1",
    "\r=1",
    '=HYPERLINK("http://evil","x")',
    "=cmd|' /C calc'!A0",
    "é",
    "日本語",
    "\x00",
    "\ufeff",
    "a,b",
    'say "hi"',
    "two\nlines",
    "{{input}}",
    "{{missing}}",
    "say: 1",
    "1",
    "0",
    "-1",
    "true",
    "yes",
    "nan",
    "inf",
    "1e400",
    "99999999999",
    "2.5",
    "<script>alert(1)</script>",
    "openai:gpt-4o-mini",
    "small-proprietary",
    "local",
]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, 2, 2**31, 2**31 - 1, 10**10, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
VALUE = st.recursive(
    SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6
)
HUGE = st.sampled_from([5_000, 60_000, 200_000]).map(lambda n: "x" * n)


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def task_record(i: int) -> dict:
    return {"id": f"t{i}", "input": f"say: {i}", "expected": str(i)}


TASK_FIELD = st.one_of(st.sampled_from(sorted(TASK_KEYS) + ["target", "ideal", "choices", "bogus"]), TEXT)
GOOD_TASK_VALUE = st.sampled_from(
    [{"role": "user", "content": "hi"}, [{"role": "user", "content": "say: 1"}], {"x": "1"}, "say: 1", "1", 7, None]
)
TASK = st.one_of(
    st.integers(0, 50).map(task_record),
    st.dictionaries(TASK_FIELD, st.one_of(VALUE, GOOD_TASK_VALUE, HUGE), max_size=5),
    st.builds(
        lambda i, key, value: {**task_record(i), key: value}, st.integers(0, 50), TASK_FIELD, st.one_of(VALUE, HUGE)
    ),
)


@st.composite
def damaged(draw, text: str) -> bytes:
    """The file as a person or a tool might hand it over: re-encoded, truncated, with a line spliced in."""
    lines = text.split("\n")
    if draw(st.booleans()) and lines:
        at = draw(st.integers(0, len(lines)))
        junk = draw(
            st.one_of(
                TEXT,
                st.sampled_from(
                    [
                        "{",
                        "[1, 2]",
                        '{"a": NaN}',
                        nested_json(DEEP),
                        '{"id": ' + nested_json(900) + "}",
                        "\x00\x01",
                        "---",
                        '{"id": "\\ud800", "input": "hi", "expected": "x"}',
                        '{"task_id": "t1", "output": "\\udc00"}',
                    ]
                ),
            )
        )
        lines.insert(at, junk)
    data = "\n".join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    raw = data.encode(encoding, errors="replace")
    if draw(st.integers(0, 4)) == 0:
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


# ---------------------------------------------------------------- suite files


@st.composite
def jsonl_suite(draw) -> tuple[str, bytes]:
    records = draw(st.lists(TASK, min_size=0, max_size=6))
    if records and draw(st.booleans()):
        records.append(dict(records[0]))  # duplicate id
    text = "\n".join(json.dumps(r, ensure_ascii=draw(st.booleans())) for r in records)
    return "tasks.jsonl", draw(damaged(text))


CSV_COLUMNS = [
    "id",
    "input",
    "expected",
    "meta_note",
    "metadata.src",
    "question",
    "__expected",
    "__description",
    "target",
    "",
    "id",
]


@st.composite
def csv_text(draw, columns: list[str], cell) -> str:
    header = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(cell, min_size=len(header) - 1, max_size=len(header) + 1), max_size=6))
    out = io.StringIO()
    writer = csv.writer(out, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])))
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.integers(0, 5)) == 0:
        text = text.replace('"', "", 1)  # an unbalanced quote
    return text


@st.composite
def csv_suite(draw) -> tuple[str, bytes]:
    return "tasks.csv", draw(damaged(draw(csv_text(CSV_COLUMNS, st.one_of(TEXT, HUGE)))))


GOOD_SUITE_VALUES = {
    "name": "fuzzed",
    "category": "fuzz",
    "grader": "exact",
    "bar": 0.9,
    "prompt_template": "{{input}}",
    "validator": {"name": "regex", "options": {"pattern": "\\d"}},
    "max_invalid_retries": 1,
}
YAML_SPECIALS = [
    # billion laughs: 9 levels of 9 aliases
    "a: &a [x,x,x,x,x,x,x,x,x]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    + "tasks: [*i]\n",
    "name: rec\ntasks: &t\n- {id: a, input: hi, expected: x, metadata: {self: *t}}\n",
    "name: rec2\ntasks:\n- &v {id: a, input: hi, expected: x, vars: {me: *v}}\n",
    "name: dated\ntasks:\n- {id: a, input: hi, expected: x, vars: {when: 2024-01-01}}\n",
    "name: dated2\ntasks:\n- {id: a, messages: [{role: user, content: hi, name: 2024-01-01}], expected: x}\n",
    "name: dated3\ngrader: {name: regex, options: {pattern: 2024-01-01}}\ntasks:\n- {id: a, input: hi, expected: x}\n",
    "name: bin\ntasks:\n- {id: a, input: hi, expected: x, vars: {b: !!binary aGVsbG8=}}\n",
    "name: set\ntasks:\n- {id: a, input: hi, expected: x, metadata: !!set {a, b}}\n",
    "name: deep\ntasks: " + nested_json(DEEP) + "\n",
    "name: deepmap\ntasks:\n- {id: a, input: hi, expected: x, vars: " + "{a: " * DEEP + "1" + "}" * DEEP + "}\n",
    "name: deep900\ntasks:\n- {id: a, input: hi, expected: x, vars: {a: " + nested_json(900) + "}}\n",
    "name: py\ntasks: !!python/object:os.system {}\n",
    "name: dup\nname: dup2\ntasks:\n- {id: a, input: hi, expected: x}\n",
    "name: tab\ntasks:\n\t- {id: a}\n",
    "name: keys\ntasks:\n- {? [a, b] : c}\n",
    "name: nan\nbar: .nan\ntasks:\n- {id: a, input: hi, expected: x}\n",
    "name: two\n---\nname: docs\n",
    "tasks: {a: 1}\n",
    "",
]


@st.composite
def yaml_suite(draw) -> tuple[str, bytes]:
    if draw(st.integers(0, 3)) == 0:
        text = draw(st.sampled_from(YAML_SPECIALS))
    else:
        keys = draw(st.lists(st.sampled_from(sorted(SUITE_KEYS) + ["bogus"]), unique=True, max_size=6))
        doc = {key: draw(st.one_of(st.just(GOOD_SUITE_VALUES.get(key)), VALUE)) for key in keys}
        doc["tasks"] = draw(st.one_of(st.lists(TASK, max_size=4), VALUE))
        text = yaml.safe_dump(doc, allow_unicode=draw(st.booleans()))
    return draw(st.sampled_from(["suite.yaml", "suite.yml"])), draw(damaged(text))


# Clean files: valid tasks whose text is anything a person may write (any Unicode, U+2028, formulas, quotes).
LEGAL_TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=30)).filter(lambda t: t.strip())


@st.composite
def clean_tasks(draw) -> list[dict]:
    ids = draw(st.lists(LEGAL_TEXT, min_size=1, max_size=5, unique_by=str.strip))
    return [{"id": task_id, "input": draw(LEGAL_TEXT), "expected": draw(LEGAL_TEXT)} for task_id in ids]


@st.composite
def clean_suite(draw) -> tuple[str, bytes]:
    tasks = draw(clean_tasks())
    kind = draw(st.sampled_from(["jsonl", "csv", "yaml"]))
    if kind == "jsonl":
        for task in tasks:
            task["vars"] = draw(st.dictionaries(LEGAL_TEXT, SCALAR, max_size=2))
        text = "\n".join(json.dumps(t, ensure_ascii=draw(st.booleans())) for t in tasks) + "\n"
    elif kind == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, ["id", "input", "expected"])
        writer.writeheader()
        writer.writerows(tasks)
        text = out.getvalue()
    else:
        name = "suite-" + draw(LEGAL_TEXT)
        text = yaml.safe_dump(
            {"name": name, "category": draw(LEGAL_TEXT), "grader": "exact", "tasks": tasks},
            allow_unicode=draw(st.booleans()),
        )
    return f"clean.{kind}", text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])))


SUITE_FILES = st.one_of(
    jsonl_suite(),
    csv_suite(),
    yaml_suite(),
    st.tuples(st.sampled_from(["tasks.txt", "tasks", "tasks.json"]), st.binary(max_size=50)),
    clean_suite(),
)


# ---------------------------------------------------------------- results files

RESULT_COLUMN = st.one_of(st.sampled_from(list(KNOWN_COLUMNS) + ["bogus"]), TEXT)
GOOD_RESULT = {
    "task_id": "t1",
    "category": "fuzz-results",
    "model": "openai/gpt-4.1-mini",
    "correct": "true",
    "trial": 1,
    "valid": True,
    "input_tokens": 10,
    "output_tokens": 2,
    "cost_usd": 0.001,
    "latency_ms": 12.5,
    "output": "1",
    "tier": "small-proprietary",
    "suite": "fuzz-results",
}


@st.composite
def result_record(draw) -> dict:
    keys = draw(st.lists(RESULT_COLUMN, unique=True, min_size=1, max_size=8))
    if draw(st.booleans()):
        keys = list(dict.fromkeys(["task_id", "category", "model", "correct", *keys]))
    return {
        key: draw(st.one_of(st.just(GOOD_RESULT.get(key, "x")), st.integers(0, 60).map(lambda i: f"t{i}"), VALUE, HUGE))
        for key in keys
    }


@st.composite
def results_jsonl(draw) -> tuple[str, bytes]:
    records = draw(st.lists(result_record(), max_size=6))
    if records and draw(st.booleans()):
        records.append(dict(records[-1]))  # a duplicate result
    text = "\n".join(json.dumps(r) for r in records)
    return draw(st.sampled_from(["results.jsonl", "results.ndjson"])), draw(damaged(text))


@st.composite
def results_csv(draw) -> tuple[str, bytes]:
    cell = st.one_of(TEXT, st.sampled_from(["t1", "t2", "true", "false", "1", "0", "openai/gpt-4.1-mini"]), HUGE)
    text = draw(csv_text(list(KNOWN_COLUMNS) + ["bogus", "task_id"], cell))
    return "results.csv", draw(damaged(text))


@st.composite
def promptfoo_json(draw) -> tuple[str, bytes]:
    result = st.fixed_dictionaries(
        {},
        optional={
            "provider": st.one_of(st.just({"id": "openai:gpt-4o-mini"}), st.just("ollama:chat:llama3"), VALUE),
            "testIdx": st.one_of(st.integers(-2, 10), st.just(10**12), VALUE),
            "promptIdx": st.one_of(st.just(0), VALUE),
            "success": st.one_of(st.booleans(), VALUE),
            "score": st.one_of(st.floats(allow_nan=True), VALUE),
            "repeatIndex": st.one_of(st.integers(-1, 3), VALUE),
            "response": st.one_of(st.just({"output": "1", "tokenUsage": {"prompt": 5, "completion": 1}}), VALUE),
            "cost": VALUE,
            "latencyMs": VALUE,
            "error": VALUE,
            "failureReason": st.one_of(st.sampled_from([1, 2]), VALUE),
            "vars": VALUE,
            "testCase": VALUE,
            "gradingResult": VALUE,
        },
    )
    results = draw(st.lists(st.one_of(result, VALUE), max_size=5))
    doc = draw(st.sampled_from([{"results": {"results": results}}, {"results": results}, results]))
    text = json.dumps(doc)
    if draw(st.integers(0, 6)) == 0:
        text = '{"results": {"results": [' + nested_json(DEEP) + "]}}"
    return "results.json", draw(damaged(text))


@st.composite
def clean_results(draw) -> tuple[str, bytes]:
    category = "results-" + draw(LEGAL_TEXT).strip()
    tasks = draw(st.lists(LEGAL_TEXT.map(str.strip).filter(bool), min_size=1, max_size=5, unique=True))
    models = draw(st.lists(LEGAL_TEXT.map(str.strip).filter(bool), min_size=1, max_size=2, unique=True))
    rows = [
        {
            "task_id": task,
            "category": category,
            "model": model,
            "correct": draw(st.sampled_from(["true", "no"])),
            "output": draw(LEGAL_TEXT),
            "cost_usd": draw(st.floats(0, 1)),
        }
        for task in tasks
        for model in models
    ]
    if draw(st.booleans()):
        text = "\n".join(json.dumps(r, ensure_ascii=draw(st.booleans())) for r in rows) + "\n"
        return "clean.jsonl", text.encode()
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return "clean.csv", out.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])))


RESULT_FILES = st.one_of(
    results_csv(),
    results_jsonl(),
    promptfoo_json(),
    st.tuples(st.sampled_from(["results.txt", "results.xlsx"]), st.binary(max_size=50)),
    clean_results(),
)
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "category": st.one_of(st.none(), TEXT),
        "suite": st.one_of(st.none(), TEXT),
        "bar": st.one_of(st.none(), st.sampled_from([0.9, 0, 1.5, math.nan, True, -1])),
    },
)


# ---------------------------------------------------------------- what every case must end in


def check_rejection(exc: InvalidInput, filename: str, data: bytes) -> None:
    """Every problem names the file and says what is wrong; a line, if given, is in the file."""
    assert exc.problems, "an InvalidInput with no problems"
    lines = data.count(b"\n") + data.count(b"\r") + 1
    for problem in exc.problems:
        assert problem.file == filename, problem
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert problem.line is None or (type(problem.line) is int and 1 <= problem.line <= lines), problem
        assert problem.field is None or isinstance(problem.field, str), problem
        assert str(problem).startswith(filename)  # what the CLI prints


@example(("deep.jsonl", ('{"id": "a", "input": "hi", "expected": "x", "vars": ' + nested_json(DEEP) + "}").encode()))
@example(("deep.yaml", YAML_SPECIALS[8].encode()))
@example(("deepmap.yaml", YAML_SPECIALS[9].encode()))
@example(("bomb.yaml", YAML_SPECIALS[0].encode()))
@example(("recursive.yaml", YAML_SPECIALS[1].encode()))
@example(("dated.yaml", YAML_SPECIALS[3].encode()))
@example(("dated-options.yaml", YAML_SPECIALS[5].encode()))
@example(("binary.yaml", YAML_SPECIALS[6].encode()))
@example(("latin1.csv", "id,input,expected\nt1,café: 1,1\n".encode("latin-1")))
@example(("utf16.jsonl", json.dumps(task_record(1)).encode("utf-16")))
@example(("injection.csv", b"id,input,expected\nt1,\"=cmd|' /C calc'!A0\",=1+1\nt1,@SUM(A1),-1\n"))
@example(("huge.jsonl", json.dumps({**task_record(1), "input": "x" * (MAX_BYTES + 1)}).encode()))
@example(
    (
        "clean.jsonl",
        (json.dumps({"id": "a", "input": "say:\u2028 1\x85", "expected": "1"}, ensure_ascii=False) + "\r\n").encode(),
    )
)
@example(("lone-surrogate.jsonl", b'{"id": "a", "input": "\\ud83d", "expected": "x"}'))
@given(case=SUITE_FILES)
@FUZZ
def test_the_suite_loader_accepts_or_explains_every_file(db, case):
    filename, data = case
    before = row_counts(db)
    try:
        suite = load_suite_bytes(filename, data, max_bytes=MAX_BYTES)
    except InvalidInput as exc:
        event("rejected")
        assert not filename.startswith("clean."), f"a valid file was refused: {exc.problems}"
        check_rejection(exc, filename, data)
        assert row_counts(db) == before
        return
    event("loaded")
    saved = save_suite(db, suite)  # what the loader accepts, the store can keep
    assert saved.task_count == len(suite.tasks) > 0
    stored = db.cursor().execute("SELECT count(*) FROM tasks WHERE suite_id = ?", [saved.suite_id]).fetchone()[0]
    assert stored == len(suite.tasks)


@example(("overflow.csv", b"task_id,category,model,correct,trial\nt1,c,m,true,99999999999\n"), {})
@example(("overflow.jsonl", b'{"task_id":"t1","category":"c","model":"m","correct":true,"input_tokens":1e10}\n'), {})
@example(
    (
        "overflow.json",
        b'{"results": {"results": [{"provider": "openai:x", "testIdx": 0, "success": true,'
        b' "repeatIndex": 9999999999}]}}',
    ),
    {},
)
@example(("deep.json", nested_json(DEEP).encode()), {})
@example(("deep.jsonl", ('{"task_id": ' + nested_json(DEEP) + "}").encode()), {})
@example(("latin1.csv", "task_id,category,model,correct\nt1,café,m,true\n".encode("latin-1")), {})
@example(("injection.csv", b'task_id,category,model,correct,output\n=1+1,@cat,-m,true,"=HYPERLINK(""x"")"\n'), {})
@example(("dupes.csv", b"task_id,category,model,correct\nt1,c,m,true\nt1,c,m,false\n"), {})
@example(
    (
        "clean.jsonl",
        json.dumps(
            {
                "task_id": "t1",
                "category": "results-separators",
                "model": "m",
                "correct": True,
                "output": "a\u2028b\x85c",
            },
            ensure_ascii=False,
        ).encode(),
    ),
    {},
)
@example(
    (
        "lone-surrogate.json",
        b'{"results": {"results": [{"provider": "openai:x", "testIdx": 0, "success": true,'
        b' "response": {"output": "\\udc00"}}]}}',
    ),
    {},
)
@given(case=RESULT_FILES, options=OPTIONS)
@FUZZ
def test_the_results_importer_accepts_or_explains_every_file_and_rejects_atomically(db, case, options):
    filename, data = case
    before = row_counts(db)
    try:
        summary = import_results(db, filename, data, max_bytes=MAX_BYTES, **options)
    except InvalidInput as exc:
        event("rejected")
        assert not filename.startswith("clean.") or options, f"valid results were refused: {exc.problems}"
        check_rejection(exc, filename, data)
        assert row_counts(db) == before  # all or nothing
        return
    event("imported" if summary.created else "recognised")
    after = row_counts(db)
    if summary.created:
        assert after["runs"] == before["runs"] + 1
        assert after["trials"] - before["trials"] == after["attempts"] - before["attempts"] == summary.rows
    else:
        assert after == before  # the same file again is recognised, nothing written

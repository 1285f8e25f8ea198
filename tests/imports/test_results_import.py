"""Importing per-sample results from elsewhere: stored exactly like our own runs, bad files leave no trace."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from routeboard.catalog.models import add_model
from routeboard.errors import InvalidInput
from routeboard.imports.results import import_results, load_results
from routeboard.io.promptfoo_results import litellm_name
from routeboard.library import save_suite
from tests.conftest import echo_suite, run_cli

TABLES = ("suites", "tasks", "models", "runs", "trials", "attempts")
MODELS = {"acme/fast-mini": 0.81, "acme/strong-large": 0.96}  # true accuracy each model is drawn with
TASKS = 1200


def table_counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def generate(seed: int = 7) -> list[dict]:
    """Two models over the same 1,200 tasks; some outputs invalid, costs and tokens per row."""
    rng = random.Random(seed)
    rows = []
    for task in range(TASKS):
        for model, accuracy in MODELS.items():
            valid = rng.random() < 0.97
            rows.append(
                {
                    "task_id": f"req-{task:04d}",
                    "category": "request-classification",
                    "model": model,
                    "correct": valid and rng.random() < accuracy,
                    "valid": valid,
                    "input_tokens": rng.randint(80, 400),
                    "output_tokens": rng.randint(1, 12),
                    "cost_usd": round(rng.uniform(1e-5, 4e-4), 8),
                    "latency_ms": round(rng.uniform(90, 900), 1),
                    "output": rng.choice(["billing", "refund", "bug", "other"]),
                }
            )
    return rows


def to_csv(rows: list[dict], booleans=("true", "false")) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (booleans[0] if v else booleans[1]) if isinstance(v, bool) else v for k, v in row.items()})
    return buffer.getvalue().encode()


def to_jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


# ---------------------------------------------------------------- CSV / JSONL


def test_csv_rows_become_one_trial_and_one_attempt_each_with_exact_accuracy_and_cost(con):
    rows = generate()
    summary = import_results(con, "results.csv", to_csv(rows), bar=0.95)
    assert (summary.rows, summary.tasks, summary.created) == (2 * TASKS, TASKS, True)
    assert summary.suites == ["request-classification@1"] and summary.models == list(MODELS)

    by_sql = dict(
        con.execute(
            "SELECT model_id, sum(correct::INTEGER) FROM trials WHERE run_id = ? GROUP BY ALL", [summary.run_id]
        ).fetchall()
    )
    assert by_sql == {m: sum(r["correct"] for r in rows if r["model"] == m) for m in MODELS}
    outcomes = dict(con.execute("SELECT outcome, count(*) FROM trials GROUP BY ALL").fetchall())
    assert outcomes == {
        "invalid": sum(not r["valid"] for r in rows),
        "accepted": sum(r["valid"] and r["correct"] for r in rows),
        "wrong": sum(r["valid"] and not r["correct"] for r in rows),
    }
    assert con.execute("SELECT DISTINCT attempts, trial FROM trials").fetchall() == [(1, 1)]

    for model in MODELS:
        mine = [r for r in rows if r["model"] == model]
        stored = con.execute(
            """SELECT sum(input_tokens), sum(output_tokens), sum(cost_usd), sum(latency_ms),
                                       count(*) FILTER (attempt = 1 AND error_kind IS NULL AND request_hash IS NULL)
                                FROM attempts WHERE model_id = ?""",
            [model],
        ).fetchone()
        assert stored[:2] == (sum(r["input_tokens"] for r in mine), sum(r["output_tokens"] for r in mine))
        assert stored[2] == pytest.approx(sum(r["cost_usd"] for r in mine), rel=1e-12)
        assert stored[3] == pytest.approx(sum(r["latency_ms"] for r in mine), rel=1e-12)
        assert stored[4] == TASKS
    first = con.execute(
        "SELECT output, valid FROM attempts WHERE task_id = 'req-0000' AND model_id = ?", ["acme/fast-mini"]
    ).fetchone()
    assert first == (rows[0]["output"], rows[0]["valid"])


def test_imported_suite_models_and_run_rows(con):
    summary = import_results(con, "results.csv", to_csv(generate()), bar=0.95)
    suite = con.execute(
        "SELECT name, version, category, grader->>'name', bar, origin, task_count FROM suites"
    ).fetchone()
    assert suite == ("request-classification", 1, "request-classification", "exact", 0.95, "imported-results", TASKS)
    assert con.execute("SELECT count(*), min(position), max(position) FROM tasks").fetchone() == (TASKS, 0, TASKS - 1)
    models = con.execute("SELECT model_id, tier, input_price_per_mtok_usd, origin FROM models ORDER BY 1").fetchall()
    assert models == [(m, "small-proprietary", None, "imported") for m in sorted(MODELS)]
    status, settings, prices = con.execute("SELECT status, settings, prices FROM runs").fetchone()
    settings = json.loads(settings)
    assert status == "imported" and settings["total_trials"] == 2 * TASKS and settings["trials"] == 1
    assert settings["source_file"] == "results.csv" and len(settings["content_hash"]) == 64
    assert settings["suites"] == summary.suites and settings["models"] == list(MODELS)
    assert json.loads(prices)["acme/fast-mini"]["tier"] == "small-proprietary"


def test_the_ledger_reads_an_import_like_a_run(con):
    from routeboard.decide.facts import ledger_facts

    rows = generate()
    summary = import_results(con, "results.csv", to_csv(rows))
    facts = ledger_facts(con, runs=[summary.run_id]).set_index("model_id")
    for model in MODELS:
        mine = [r for r in rows if r["model"] == model]
        assert facts.loc[model, "trials"] == TASKS
        assert facts.loc[model, "correct"] == sum(r["correct"] for r in mine)
        assert facts.loc[model, "cost_usd_sum"] == pytest.approx(sum(r["cost_usd"] for r in mine))


def test_jsonl_with_trials_suites_mixed_booleans_and_a_category_argument(con):
    lines = [
        {
            "task_id": 1,
            "model": "ollama_chat/qwen3:4b",
            "correct": "YES",
            "trial": 1,
            "suite": "triage",
            "latency_ms": 3600000,
            "tier": "local",
        },
        {"task_id": 1, "model": "ollama_chat/qwen3:4b", "correct": 0, "trial": 2, "suite": "triage", "valid": "no"},
        {
            "task_id": "2",
            "model": "openai/gpt-4.1-mini",
            "correct": True,
            "suite": "triage",
            "cost_usd": "0.0002",
            "output": {"label": "bug"},
        },
    ]
    summary = import_results(con, "r.jsonl", to_jsonl(lines), category="support")
    assert summary.suites == ["triage@1"] and summary.tasks == 2
    stored = con.execute("""SELECT t.task_id, t.trial, t.outcome, a.cost_usd, a.infra_usd > 0, a.output
                            FROM trials t JOIN attempts a USING (run_id, suite_id, task_id, model_id, trial)
                            ORDER BY ALL""").fetchall()
    assert stored == [
        ("1", 1, "accepted", 0.0, True, None),
        ("1", 2, "invalid", 0.0, False, None),
        ("2", 1, "accepted", 0.0002, False, '{"label": "bug"}'),
    ]
    assert con.execute("SELECT category FROM suites").fetchone() == ("support",)
    # a builtin hosted model keeps its catalog tier; an Ollama model is local and costs its box's time
    tiers = dict(con.execute("SELECT model_id, tier FROM models").fetchall())
    assert tiers == {"ollama_chat/qwen3:4b": "local", "openai/gpt-4.1-mini": "small-proprietary"}
    assert json.loads(con.execute("SELECT settings FROM runs").fetchone()[0])["trials"] == 2


def test_a_bom_and_an_empty_optional_cell_are_fine(con):
    data = "\ufefftask_id,category,model,correct,cost_usd\nq1,faq,acme/x,1,\n".encode()
    summary = import_results(con, "bom.csv", data)
    assert summary.rows == 1
    # no cost, no tokens and a model nobody prices: the cost is unknown (NULL), never $0
    assert con.execute("SELECT cost_usd, input_tokens FROM attempts").fetchone() == (None, None)


GPT4_TURBO = "gpt-4-1106-preview"  # litellm's map: $10 input, $30 output per million tokens
NO_COST_COLUMNS = (
    "task_id,category,model,correct,input_tokens,output_tokens\n"
    f"q1,faq,{GPT4_TURBO},true,1000,200\n"
    f"q2,faq,{GPT4_TURBO},false,,\n"
    f"q1,faq,openai/{GPT4_TURBO},true,2000,100\n"
    "q1,faq,acme/house-model,true,1000,200\n"
)


def test_without_cost_columns_litellm_prices_a_known_id_and_an_unknown_one_stays_unknown(con):
    summary = import_results(con, "no-cost.csv", NO_COST_COLUMNS.encode())
    costs = dict(con.execute("SELECT model_id || ':' || task_id, cost_usd FROM attempts").fetchall())
    assert costs[f"{GPT4_TURBO}:q1"] == pytest.approx((1000 * 10 + 200 * 30) / 1e6)
    assert costs[f"openai/{GPT4_TURBO}:q1"] == pytest.approx((2000 * 10 + 100 * 30) / 1e6)  # a provider prefix too
    assert costs[f"{GPT4_TURBO}:q2"] is None  # a known price but no tokens: unknown
    assert costs["acme/house-model:q1"] is None
    models = {
        r[0]: r[1:]
        for r in con.execute("SELECT model_id, tier, input_price_per_mtok_usd, origin FROM models").fetchall()
    }
    assert models[GPT4_TURBO] == ("frontier", None, "imported")  # NULL: litellm's price, read at use
    assert models["acme/house-model"] == ("small-proprietary", None, "imported")
    snapshot = json.loads(con.execute("SELECT prices FROM runs WHERE run_id = ?", [summary.run_id]).fetchone()[0])
    assert (
        snapshot[GPT4_TURBO]["input_per_mtok_usd"],
        snapshot[GPT4_TURBO]["output_per_mtok_usd"],
        snapshot[GPT4_TURBO]["price_source"],
    ) == (pytest.approx(10.0), pytest.approx(30.0), "litellm price map")
    assert snapshot["acme/house-model"]["price_source"] == "unknown"
    assert any("acme/house-model (small-proprietary, no price" in note for note in summary.notes)


def test_a_cost_column_wins_over_litellms_price(con):
    import_results(
        con,
        "paid.csv",
        (
            f"task_id,category,model,correct,input_tokens,output_tokens,cost_usd\n"
            f"q1,faq,{GPT4_TURBO},true,1000,200,0.5\n"
        ).encode(),
    )
    assert con.execute("SELECT cost_usd FROM attempts").fetchone() == (0.5,)


def test_cli_import_without_costs_shows_litellms_price_and_tier_in_the_catalog(tmp_path):
    path = tmp_path / "no-cost.csv"
    path.write_text(NO_COST_COLUMNS)
    imported = run_cli("results", "import", str(path))
    assert imported.returncode == 0, imported.stderr
    listed = run_cli("models", "list", "--json", "--no-ollama")
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in json.loads(listed.stdout)}
    turbo = rows[GPT4_TURBO]
    assert (
        turbo["tier"],
        turbo["input_price_per_mtok_usd"],
        turbo["output_price_per_mtok_usd"],
        turbo["price_source"],
    ) == ("frontier", pytest.approx(10.0), pytest.approx(30.0), "litellm price map")
    house = rows["acme/house-model"]
    assert (house["input_price_per_mtok_usd"], house["price_source"], house["available"]) == (None, "unknown", False)
    assert "price unknown" in house["reason"]


def test_results_for_a_stored_suite_attach_to_it_instead_of_shadowing_it(con):
    save_suite(
        con,
        echo_suite(5),
    )
    add_model(con, "acme/x", tier="frontier", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    good = b"task_id,category,model,correct,tier\nt0,echo,acme/x,true,local\nt4,echo,acme/x,false,local\n"
    summary = import_results(con, "echo.csv", good)
    assert summary.suites == ["echo@1"] and con.execute("SELECT count(*) FROM suites").fetchone() == (1,)
    snapshot = json.loads(con.execute("SELECT prices FROM runs").fetchone()[0])["acme/x"]
    assert (snapshot["tier"], snapshot["input_per_mtok_usd"]) == ("frontier", 1.0)  # the catalog wins
    before = table_counts(con)
    with pytest.raises(InvalidInput) as caught:
        import_results(con, "more.csv", b"task_id,category,model,correct\nt9,echo,acme/x,true\n")
    assert caught.value.problems[0].field == "task_id" and "no task 't9'" in caught.value.problems[0].message
    assert table_counts(con) == before


def test_a_second_file_for_an_imported_suite_extends_it_in_place(con):
    import_results(con, "a.csv", b"task_id,category,model,correct\na,faq,acme/x,true\nb,faq,acme/x,true\n")
    summary = import_results(con, "b.csv", b"task_id,category,model,correct\nb,faq,acme/y,true\nc,faq,acme/y,no\n")
    assert summary.suites == ["faq@1"]
    assert con.execute("SELECT task_count FROM suites").fetchone() == (3,)
    assert con.execute("SELECT task_id FROM tasks ORDER BY position").fetchall() == [("a",), ("b",), ("c",)]


# ---------------------------------------------------------------- promptfoo


def promptfoo_result(
    test_idx,
    provider,
    *,
    success,
    output="billing",
    error=None,
    failure_reason=0,
    grading=True,
    cost=0.00012,
    repeat=None,
) -> dict:
    """One entry of promptfoo's ``results.results`` as `promptfoo eval -o results.json` writes it."""
    vars_ = {"message": f"customer message {test_idx}"}
    result = {
        "id": f"0b6f{test_idx}-uuid",
        "promptIdx": 0,
        "testIdx": test_idx,
        "promptId": "9c1e5a",
        "provider": provider,
        "prompt": {"raw": f"Classify: {vars_['message']}", "label": "classify.txt"},
        "vars": vars_,
        "testCase": {
            "vars": vars_,
            "description": f"case {test_idx}",
            "assert": [{"type": "equals", "value": "billing"}],
        },
        "response": None
        if failure_reason == 2
        else {
            "output": output,
            "tokenUsage": {"total": 57, "prompt": 52, "completion": 5, "cached": 0, "numRequests": 1},
            "cached": False,
            "latencyMs": 412,
            "finishReason": "stop",
            "cost": cost,
        },
        "error": error,
        "failureReason": failure_reason,
        "success": success,
        "score": 1 if success else 0,
        "latencyMs": 412,
        "cost": cost,
        "namedScores": {},
        "metadata": {},
        "gradingResult": {
            "pass": success,
            "score": 1 if success else 0,
            "reason": "All assertions passed" if success else error,
            "componentResults": [],
        }
        if grading
        else None,
    }
    if repeat is not None:
        result["repeatIndex"] = repeat
    return result


def promptfoo_file(results: list[dict], nested: bool = True) -> bytes:
    stats = {"successes": sum(r["success"] is True for r in results), "failures": 0, "errors": 0}
    body = {"version": 3, "timestamp": "2025-06-01T10:00:00.000Z", "prompts": [], "results": results, "stats": stats}
    doc = (
        {
            "evalId": "eval-8sX-2025-06-01T10:00:00",
            "results": body,
            "config": {"description": "triage"},
            "shareableUrl": None,
        }
        if nested
        else {"results": results}
    )
    return json.dumps(doc, indent=2).encode()


def test_promptfoo_results_map_to_trials_with_errors_kept_apart_from_wrong_answers(con):
    mini = {"id": "openai:gpt-4o-mini", "label": "mini"}
    results = [
        promptfoo_result(0, mini, success=True),
        promptfoo_result(
            1, mini, success=False, output="refund", failure_reason=1, error='Expected output to equal "billing"'
        ),
        promptfoo_result(
            2, mini, success=False, error="API error: 429 Too Many Requests", failure_reason=2, grading=False, cost=None
        ),
        promptfoo_result(0, "anthropic:messages:claude-3-5-haiku-20241022", success=True, output={"label": "billing"}),
    ]
    summary = import_results(con, "results.json", promptfoo_file(results))
    assert summary.suites == ["promptfoo@1"] and summary.tasks == 3
    assert summary.models == ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-20241022"]
    trials = con.execute("""SELECT t.task_id, t.model_id, t.outcome, t.valid, t.correct, a.input_tokens,
                                   a.output_tokens, a.cost_usd, a.latency_ms, a.error_kind, a.output
                            FROM trials t JOIN attempts a USING (run_id, suite_id, task_id, model_id, trial)
                            ORDER BY t.model_id DESC, t.task_id""").fetchall()
    assert trials == [
        ("test-0", "openai/gpt-4o-mini", "accepted", True, True, 52, 5, 0.00012, 412.0, None, "billing"),
        ("test-1", "openai/gpt-4o-mini", "wrong", True, False, 52, 5, 0.00012, 412.0, None, "refund"),
        ("test-2", "openai/gpt-4o-mini", "error", False, False, None, None, 0.0, 412.0, "error", None),
        (
            "test-0",
            "anthropic/claude-3-5-haiku-20241022",
            "accepted",
            True,
            True,
            52,
            5,
            0.00012,
            412.0,
            None,
            '{"label": "billing"}',
        ),
    ]
    task = con.execute("SELECT vars->>'message', metadata->>'description' FROM tasks WHERE task_id = 'test-2'")
    assert task.fetchone() == ("customer message 2", "case 2")
    assert con.execute("SELECT category FROM suites").fetchone() == ("promptfoo",)


def test_promptfoo_flat_results_and_repeats_become_trials(con):
    results = [
        promptfoo_result(0, "openai:gpt-4o-mini", success=True, repeat=0),
        promptfoo_result(0, "openai:gpt-4o-mini", success=False, failure_reason=1, error="no", repeat=1),
    ]
    summary = import_results(con, "flat.json", promptfoo_file(results, nested=False), category="triage", bar=0.8)
    assert summary.suites == ["triage@1"]
    assert con.execute("SELECT trial, outcome FROM trials ORDER BY trial").fetchall() == [(1, "accepted"), (2, "wrong")]
    assert con.execute("SELECT bar FROM suites").fetchone() == (0.8,)


@pytest.mark.parametrize(
    "provider, model",
    [
        ("openai:gpt-4o-mini", "openai/gpt-4o-mini"),
        ("openai:chat:gpt-4.1", "openai/gpt-4.1"),
        ("anthropic:messages:claude-3-5-haiku-20241022", "anthropic/claude-3-5-haiku-20241022"),
        ("ollama:chat:llama3.2:3b", "ollama_chat/llama3.2:3b"),
        ("google:gemini-2.0-flash", "gemini/gemini-2.0-flash"),
        ("bedrock:anthropic.claude-3-haiku-20240307-v1:0", "bedrock/anthropic.claude-3-haiku-20240307-v1:0"),
        ("https://api.example.com/v1/chat", "https://api.example.com/v1/chat"),
        ("echo", "echo"),
    ],
)
def test_promptfoo_provider_ids_become_litellm_ids(provider, model):
    assert litellm_name(provider) == model


# ---------------------------------------------------------------- bad files

HEADER = "task_id,category,model,correct"
BAD_FILES = [
    # (name, content, expected line, expected field, words in the message)
    ("missing-column.csv", "task_id,category,model\nt1,faq,acme/x\n", 1, "correct", "missing column"),
    ("maybe.csv", f"{HEADER}\nt1,faq,acme/x,true\nt2,faq,acme/x,maybe\n", 3, "correct", "true or false"),
    ("negative-cost.csv", f"{HEADER},cost_usd\nt1,faq,acme/x,true,-0.01\n", 2, "cost_usd", "non-negative"),
    ("trial-zero.csv", f"{HEADER},trial\nt1,faq,acme/x,true,0\n", 2, "trial", "at least 1"),
    (
        "tokens.csv",
        f"{HEADER},input_tokens\nt1,faq,acme/x,true,12\nt2,faq,acme/x,true,lots\n",
        3,
        "input_tokens",
        "whole number",
    ),
    (
        "duplicate.csv",
        f"{HEADER}\nt1,faq,acme/x,true\nt2,faq,acme/x,true\nt1,faq,acme/x,false\n",
        4,
        "task_id",
        "line 2",
    ),
    (
        "two-categories.csv",
        f"{HEADER},suite\nt1,faq,acme/x,true,s\nt2,billing,acme/x,true,s\n",
        3,
        "category",
        "one category",
    ),
    ("tier.csv", f"{HEADER},tier\nt1,faq,acme/x,true,huge\n", 2, "tier", "frontier"),
    (
        "bad-json.jsonl",
        '{"task_id": "a", "category": "faq", "model": "m", "correct": true}\n{oops\n',
        2,
        None,
        "not valid JSON",
    ),
    ("results.txt", f"{HEADER}\nt1,faq,acme/x,true\n", None, None, "unsupported file type"),
    ("empty.csv", "", None, None, "no results"),
]


@pytest.mark.parametrize("name, content, line, field, words", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_each_bad_file_names_line_and_field_and_writes_nothing(con, name, content, line, field, words):
    import_results(con, "seed.csv", to_csv(generate()[:10]))
    before = table_counts(con)
    with pytest.raises(InvalidInput) as caught:
        import_results(con, name, content.encode())
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.field) == (name, line, field), caught.value.problems
    assert words in problem.message
    assert table_counts(con) == before


def test_the_duplicate_problem_names_both_lines(con):
    with pytest.raises(InvalidInput) as caught:
        import_results(con, "d.csv", f"{HEADER}\nt1,faq,acme/x,true\nt1,faq,acme/x,false\n".encode())
    assert "first at line 2, again at line 3" in str(caught.value.problems[0])


def test_every_problem_is_collected_not_just_the_first(con):
    data = f"{HEADER},cost_usd\nt1,faq,acme/x,maybe,-1\nt2,faq,,true,\n".encode()
    with pytest.raises(InvalidInput) as caught:
        import_results(con, "many.csv", data)
    found = [(p.line, p.field) for p in caught.value.problems]
    assert found == [(2, "correct"), (2, "cost_usd"), (3, "model")]


def test_invalid_utf8_and_oversize_files_are_refused(con):
    with pytest.raises(InvalidInput) as caught:
        import_results(con, "latin1.csv", f"{HEADER}\nt1,caf".encode() + b"\xe9,acme/x,true\n")
    assert (caught.value.problems[0].line, "UTF-8" in caught.value.problems[0].message) == (2, True)
    with pytest.raises(InvalidInput) as caught:
        import_results(con, "big.csv", to_csv(generate()[:50]), max_bytes=1000)
    assert "over the" in caught.value.problems[0].message
    assert table_counts(con) == dict.fromkeys(TABLES, 0)


def test_bad_promptfoo_results_are_located_by_json_path(con):
    results = [
        promptfoo_result(0, "openai:gpt-4o-mini", success=True),
        promptfoo_result(1, "openai:gpt-4o-mini", success="yes"),
    ]
    results[0]["response"]["tokenUsage"]["prompt"] = -3
    with pytest.raises(InvalidInput) as caught:
        import_results(con, "results.json", promptfoo_file(results))
    assert [p.field for p in caught.value.problems] == ["results[0].tokenUsage.prompt", "results[1].success"]
    with pytest.raises(InvalidInput) as caught:
        import_results(con, "other.json", b'{"evalId": "x", "config": {}}')
    assert "not a promptfoo results file" in caught.value.problems[0].message
    assert table_counts(con) == dict.fromkeys(TABLES, 0)


def test_a_problem_flood_is_capped(con):
    data = (HEADER + ",cost_usd\n" + "".join(f"t{i},faq,acme/x,true,-1\n" for i in range(1000))).encode()
    with pytest.raises(InvalidInput) as caught:
        import_results(con, "flood.csv", data)
    assert len(caught.value.problems) == 201 and "800 more problems" in caught.value.problems[-1].message


# ---------------------------------------------------------------- re-import and the CLI


def test_importing_the_same_file_again_is_recognised_and_writes_nothing(con, tmp_path):
    path = tmp_path / "results.csv"
    path.write_bytes(to_csv(generate()[:40]))
    first = load_results(con, path)
    before = table_counts(con)
    again = load_results(con, path, suite="another-name")
    assert (again.run_id, again.created, again.rows, again.tasks) == (first.run_id, False, 40, 20)
    assert again.notes == [f"already imported as run {first.run_id}; nothing written"]
    assert table_counts(con) == before


def test_cli_bad_file_exits_2_with_one_line_per_problem(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER},trial\nt1,faq,acme/x,maybe,1\nt2,faq,acme/x,true,0\n")
    result = run_cli("results", "import", str(bad))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {bad}:2 [correct]: must be true or false (or 1/0, yes/no); got 'maybe'",
        f"error: {bad}:3 [trial]: must be at least 1; got '0'",
    ]
    assert "Traceback" not in result.stderr


def test_cli_imports_prints_json_and_recognises_a_repeat(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_bytes(to_jsonl(generate()[:6]))
    result = run_cli("results", "import", str(good), "--bar", "0.9", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["tasks"], summary["suites"]) == (6, 3, ["request-classification@1"])
    again = run_cli("results", "import", str(good))
    assert again.returncode == 0 and f"already imported as run {summary['run_id']}" in again.stdout
    missing = run_cli("results", "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_100000_rows_import_in_seconds(con):
    import time

    lines = ["task_id,category,model,correct,valid,input_tokens,output_tokens,cost_usd,latency_ms,output"]
    lines += [
        f"t{t},bulk,acme/m{m},{(t * 7 + m) % 10 != 0},true,{100 + t % 50},{t % 9},0.0001,250.5,label"
        for m in range(4)
        for t in range(25_000)
    ]
    started_s = time.perf_counter()
    summary = import_results(con, "bulk.csv", "\n".join(lines).encode())
    elapsed_s = time.perf_counter() - started_s
    assert (summary.rows, summary.tasks) == (100_000, 25_000)
    assert con.execute("SELECT count(*), sum(correct::INTEGER) FROM trials").fetchone() == (100_000, 90_000)
    assert con.execute("SELECT count(*) FROM attempts").fetchone() == (100_000,)
    assert elapsed_s < 30, f"{elapsed_s:.1f} s: multi-row VALUES inserts took over a minute here"


def test_a_promptfoo_file_with_a_list_as_prompt_index_is_explained_not_a_crash(con):
    # found by the fuzz drill: an unhashable promptIdx used to raise TypeError
    from routeboard.errors import InvalidInput

    with pytest.raises(InvalidInput):
        import_results(con, "results.json", b'{"results": {"results": [{"promptIdx": []}]}}')

"""Production logs in: LiteLLM spend logs, Langfuse exports and chat JSONL become tasks, and the logged replies
the production model's results waiting for review; a bad log names its lines and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routeboard.errors import InvalidInput
from routeboard.imports.logs import import_log, load_log, sniff_format
from routeboard.present import for_cli
from routeboard.store.suites import load_stored_suite

LOGS = Path(__file__).resolve().parent.parent / "fixtures" / "logs"
TABLES = ("suites", "tasks", "models", "runs", "trials", "attempts")
LITELLM_FIRST = "chatcmpl-9f1c2a7e-4b1d-4e55-9a37-0c2f5d1e8a01"
LITELLM_UNPRICED = "chatcmpl-2b7d9c11-70aa-4c8e-b0f4-5d1b2e3c4f02"


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def stored_results(con, run_id) -> dict[str, dict]:
    rows = con.execute(
        "SELECT t.task_id, t.model_id, t.outcome, t.correct, t.score, t.output, a.cost_usd, a.latency_ms, "
        "a.input_tokens, a.output_tokens FROM trials t JOIN attempts a USING (run_id, suite_id, task_id, model_id, "
        "trial) WHERE run_id = ?",
        [run_id],
    ).fetchall()
    names = (
        "model",
        "outcome",
        "correct",
        "score",
        "output",
        "cost_usd",
        "latency_ms",
        "input_tokens",
        "output_tokens",
    )
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("litellm_spend_logs.json", "litellm"),
        ("litellm_spend_logs.csv", "litellm"),
        ("langfuse_observations.json", "langfuse"),
        ("langfuse_observations.jsonl", "langfuse"),
        ("langfuse_observations.csv", "langfuse"),
        ("chat.jsonl", "chat"),
        ("inputs_only.csv", None),
    ],
)
def test_the_format_is_recognised_from_the_fields(name, fmt):
    assert sniff_format(name, (LOGS / name).read_bytes()) == fmt


@pytest.mark.parametrize("name", ["litellm_spend_logs.json", "litellm_spend_logs.csv"])
def test_litellm_spend_logs_become_tasks_and_the_production_replies_wait_for_review(con, name):
    summary = load_log(con, LOGS / name)
    assert (summary.fmt, summary.grader, summary.tasks, summary.outputs) == ("litellm", "human", 2, 2)
    _, suite = load_stored_suite(con, summary.suite_id)
    first = next(t for t in suite.tasks if t.id == LITELLM_FIRST)
    assert [m["role"] for m in first.messages] == ["system", "user"]  # the prompt, without the reply
    assert "bent wheel" in first.messages[-1]["content"] and first.expected is None
    results = stored_results(con, summary.run_id)
    reply = results[LITELLM_FIRST]
    assert (reply["model"], reply["outcome"], reply["correct"], reply["score"]) == (
        "gpt-4o-mini",
        "pending",
        False,
        None,
    )
    assert reply["output"].startswith("I'm sorry your wheel arrived bent")
    assert reply["cost_usd"] == pytest.approx(0.00021375)  # the proxy's spend
    assert reply["latency_ms"] == pytest.approx(1212.0)  # endTime - startTime
    assert (reply["input_tokens"], reply["output_tokens"]) == (142, 45)
    # spend 0 for 96 tokens: the proxy had no price for its own fine-tune, so the cost is unknown, not $0
    assert results[LITELLM_UNPRICED]["cost_usd"] is None
    origins = dict(con.execute("SELECT model_id, origin FROM models").fetchall())
    assert origins["acme-finetune-v3"] == origins["gpt-4o-mini"] == "imported"
    assert con.execute("SELECT status FROM runs WHERE run_id = ?", [summary.run_id]).fetchone()[0] == "imported"


def test_the_embedding_calls_of_a_spend_log_are_left_out_and_said_so(con):
    summary = load_log(con, LOGS / "litellm_spend_logs.json")
    assert any("left out 1 aembedding calls" in note for note in summary.notes)


@pytest.mark.parametrize(
    "name", ["langfuse_observations.json", "langfuse_observations.jsonl", "langfuse_observations.csv"]
)
def test_langfuse_generations_become_tasks_with_their_usage_cost_and_latency(con, name):
    summary = load_log(con, LOGS / name)
    assert (summary.fmt, summary.tasks, summary.outputs) == ("langfuse", 2, 2)
    assert any("left out 1 span observations" in note for note in summary.notes)
    results = stored_results(con, summary.run_id)
    first = results["obs-4f1e2d3c-0001"]
    assert first["output"] == "The customer was charged twice for invoice INV-88213 and asks for a refund."
    assert (first["input_tokens"], first["output_tokens"]) == (38, 19)
    assert first["cost_usd"] == pytest.approx(0.0001064)
    assert first["latency_ms"] == pytest.approx(1500.0)  # Langfuse's latency is in seconds
    second = results["obs-4f1e2d3c-0003"]
    assert second["cost_usd"] is None  # no calculatedTotalCost and no price for the model: unknown
    assert second["latency_ms"] == pytest.approx(1250.0)  # from startTime/endTime when latency is empty
    _, suite = load_stored_suite(con, summary.suite_id)
    text_input = next(t for t in suite.tasks if t.id == "obs-4f1e2d3c-0003")
    assert text_input.messages == [
        {"role": "user", "content": "Summarise: the delivery to 221B Baker Street was late by two days."}
    ]


def test_chat_jsonl_keeps_the_assistant_reply_as_the_logged_models_result(con):
    summary = load_log(con, LOGS / "chat.jsonl")
    assert (summary.tasks, summary.outputs, summary.models) == (3, 2, ["gpt-4o-mini"])
    results = stored_results(con, summary.run_id)
    assert {task: r["output"] for task, r in results.items()} == {"ticket-101": "billing", "ticket-102": "technical"}
    _, suite = load_stored_suite(con, summary.suite_id)
    assert suite.tasks[1].messages[-1] == {"role": "user", "content": "The app crashes when I upload a photo."}
    assert [m["role"] for m in suite.tasks[2].messages] == ["system", "user"]  # no reply logged: a task only


def test_importing_the_same_log_twice_writes_nothing_the_second_time(con):
    first = load_log(con, LOGS / "chat.jsonl")
    before = counts(con)
    again = load_log(con, LOGS / "chat.jsonl")
    assert (again.created, again.run_id, again.suite_id) == (False, first.run_id, first.suite_id)
    assert counts(con) == before


def test_redaction_replaces_personal_data_before_anything_is_stored(con):
    summary = load_log(con, LOGS / "litellm_spend_logs.json", redact=True)
    _, suite = load_stored_suite(con, summary.suite_id)
    prompts = {t.id: t.messages[-1]["content"] for t in suite.tasks}
    assert prompts[LITELLM_FIRST] == (
        "My order AB-20240529-7731 arrived with a bent wheel. Reach me at [EMAIL] or [PHONE]."
    )
    assert prompts[LITELLM_UNPRICED] == "Can I pay the remaining balance with card [CARD]?"
    stored = json.dumps(con.execute("SELECT list(output) FROM trials").fetchone()[0])
    assert "jane.doe@example.com" not in stored and "[EMAIL]" in stored
    assert any("[EMAIL], [PHONE], [CARD]" in note for note in summary.notes)


def jsonl(*lines) -> bytes:
    return "\n".join(json.dumps(line) for line in lines).encode()


GOOD = {"messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi"}], "model": "m"}


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"messages": [{"role": "customer", "content": "Hi"}]}, "messages[0].role", "unknown role 'customer'"),
        ({"messages": [{"role": "system", "content": "Be brief."}]}, "messages", "no user message"),
        (
            {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
            "messages[0].content",
            "non-text content ('image_url' part)",
        ),
        ({"messages": [{"role": "user", "content": "x" * (10 * 1024 * 1024)}]}, "messages[0].content", "too large"),
        ({"messages": []}, "messages", "no prompt"),
    ],
)
def test_a_bad_chat_line_is_named_and_nothing_is_imported(con, bad, field, words):
    before = counts(con)
    with pytest.raises(InvalidInput) as info:
        import_log(con, "calls.jsonl", jsonl(GOOD, bad, GOOD), fmt="chat")
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.field) == ("calls.jsonl", 2, field)
    assert words in problem.message
    assert counts(con) == before


def test_a_ten_megabyte_message_names_the_line_and_the_limit(con):
    with pytest.raises(InvalidInput) as info:
        import_log(con, "calls.jsonl", jsonl(GOOD, {"messages": [{"role": "user", "content": "y" * 10_485_760}]}))
    assert str(info.value) == (
        "calls.jsonl:2 [messages[0].content]: too large: 10.0 MB in one message, over the 2 MB limit per message; "
        "shorten it or leave this line out"
    )


def test_a_spend_log_row_without_a_stored_prompt_is_refused(con):
    rows = json.loads((LOGS / "litellm_spend_logs.json").read_text())
    rows[0]["messages"] = {}
    before = counts(con)
    with pytest.raises(InvalidInput) as info:
        import_log(con, "spend.json", json.dumps(rows).encode())
    [problem] = info.value.problems
    assert (problem.line, problem.field) == (1, "messages")
    assert "store_prompts_in_spend_logs" in problem.message
    assert counts(con) == before


def test_replies_that_name_no_model_are_kept_for_the_model_given(con):
    fine_tune = jsonl({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})
    tasks_only = import_log(con, "ft.jsonl", fine_tune)
    assert (tasks_only.tasks, tasks_only.outputs, tasks_only.run_id) == (1, 0, None)
    assert any("give the model that wrote them: --model" in for_cli(note) for note in tasks_only.notes)
    kept = import_log(con, "ft.jsonl", fine_tune, model="acme-bot-v2")
    assert (kept.suite_id, kept.outputs, kept.models) == (tasks_only.suite_id, 1, ["acme-bot-v2"])


def test_a_langfuse_trace_download_is_read_as_its_observations(con):
    observations = json.loads((LOGS / "langfuse_observations.json").read_text())
    trace = {"id": "trace-7a8b9c0d-0001", "name": "support", "observations": observations[:2], "scores": []}
    summary = import_log(con, "trace-7a8b9c0d-0001.json", json.dumps(trace).encode())
    assert (summary.fmt, summary.tasks, summary.outputs) == ("langfuse", 1, 1)


def test_openais_developer_message_is_read_as_the_system_message():
    from routeboard.errors import Problems
    from routeboard.io.chat import split_chat

    problems = Problems("calls.jsonl")
    messages = [{"role": "developer", "content": "Answer briefly."}, {"role": "user", "content": "Where is my order?"}]
    chat = split_chat(messages, 1, problems)
    assert not problems.found and chat.prompt[0] == {"role": "system", "content": "Answer briefly."}

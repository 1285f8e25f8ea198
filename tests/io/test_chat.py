"""Chat JSONL with tool use: OpenAI's tool results and legacy function results are read as the conversation's
context (what a model given no tools, and a reviewer, can read); an unknown role is still refused by line."""

from __future__ import annotations

import json

import pytest

from routeboard.errors import InvalidInput
from routeboard.imports.logs import import_log
from routeboard.review.queue import prompt_text
from routeboard.store.suites import load_stored_suite

# the shapes OpenAI's Chat Completions API documents: tool_calls with a tool reply, and the legacy function_call
# with a "function" reply (name + content)
TOOL_CALL = {
    "id": "weather-tool",
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "user", "content": "Do I need an umbrella in Paris today?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_abc123",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_abc123", "content": '{"rain_mm": 4}'},
        {"role": "assistant", "content": "Yes: 4 mm of rain are forecast in Paris."},
    ],
}
FUNCTION_CALL = {
    "id": "weather-function",
    "model": "gpt-3.5-turbo-0613",
    "messages": [
        {"role": "user", "content": "And in Oslo?"},
        {
            "role": "assistant",
            "content": None,
            "function_call": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
        },
        {"role": "function", "name": "get_weather", "content": '{"rain_mm": 0}'},
        {"role": "assistant", "content": "No rain is forecast in Oslo."},
    ],
}


def jsonl(*lines) -> bytes:
    return "\n".join(json.dumps(line) for line in lines).encode()


def test_tool_and_function_results_are_read_as_the_prompts_context(con):
    summary = import_log(con, "calls.jsonl", jsonl(TOOL_CALL, FUNCTION_CALL), fmt="chat")
    assert (summary.tasks, summary.outputs) == (2, 2)
    _, suite = load_stored_suite(con, summary.suite_id)
    tasks = {t.id: t for t in suite.tasks}
    # what the Review page shows as the prompt, and what a model with no tools is sent
    assert prompt_text(suite, tasks["weather-tool"]) == (
        "user: Do I need an umbrella in Paris today?\n\n"
        'assistant: Called tool get_weather with {"city": "Paris"}\n\n'
        'user: Result of tool get_weather:\n{"rain_mm": 4}'
    )
    assert prompt_text(suite, tasks["weather-function"]) == (
        "user: And in Oslo?\n\n"
        'assistant: Called tool get_weather with {"city": "Oslo"}\n\n'
        'user: Result of tool get_weather:\n{"rain_mm": 0}'
    )
    replies = dict(con.execute("SELECT task_id, output FROM trials").fetchall())
    assert replies == {
        "weather-tool": "Yes: 4 mm of rain are forecast in Paris.",
        "weather-function": "No rain is forecast in Oslo.",
    }


def test_a_truly_unknown_role_is_still_refused_with_its_line(con):
    bad = {"messages": [{"role": "user", "content": "Hi"}, {"role": "plugin", "content": "{}"}]}
    with pytest.raises(InvalidInput) as info:
        import_log(con, "calls.jsonl", jsonl(TOOL_CALL, bad), fmt="chat")
    [problem] = info.value.problems
    assert (problem.line, problem.field) == (2, "messages[1].role")
    assert "unknown role 'plugin'" in problem.message and "function" in problem.message
    assert con.execute("SELECT count(*) FROM tasks").fetchone()[0] == 0

"""Errors that retrying cannot fix end the trial at once, with their own kind and a reason the user can read;
a hosted model without its API key is refused before any call and before a run row is written."""

from __future__ import annotations

import asyncio
import json

import pytest

from routeboard.catalog.models import add_model, get_model
from routeboard.errors import ModelUnavailable, ProviderError
from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.providers.litellm_backend import LiteLLMProvider
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.store.runs import error_reasons, run_totals
from routeboard.suites import load_suite
from tests.conftest import run_cli
from tests.servers.fault_server import serve_faults

# task -> the fault the loopback server answers it with, every time it is asked
REFUSED = {"say: 1": "auth", "say: 2": "permission", "say: 3": "not_found", "say: 4": "bad_request"}
NO_KEYS = {"OPENAI_API_KEY": None}


def echo_suite(tmp_path, n: int):
    lines = [json.dumps({"id": f"t{i}", "input": f"say: {i}", "expected": str(i)}) for i in range(n)]
    path = tmp_path / "echo.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_refusals_end_the_trial_after_one_attempt_with_their_own_kind(con, tmp_path):
    save_suite(con, load_suite(echo_suite(tmp_path, 6)))
    with serve_faults(lambda prompt, number: REFUSED.get(prompt, "ok")) as server:
        add_model(
            con,
            "openai/refusing",
            tier="small-proprietary",
            input_price_per_mtok_usd=1.0,
            output_price_per_mtok_usd=2.0,
            api_base=f"{server.url}/v1",
        )
        runner = start_run(
            con,
            RunRequest(
                suites=("echo",),
                models=("openai/refusing",),
                max_attempts=4,
                backoff_base_s=0.01,
                settings=GenerationSettings(max_output_tokens=8),
            ),
        )
        assert runner.run().status == "completed"
        asked = [prompt for _, prompt in server.httpd.RequestHandlerClass.log]
    assert sorted(asked) == [f"say: {i}" for i in range(6)]  # each refused task was asked once, never retried
    kinds = dict(con.execute("SELECT task_id, error_kind FROM attempts WHERE run_id = ?", [runner.run_id]).fetchall())
    assert kinds == {"t0": None, "t1": "auth", "t2": "permission", "t3": "not_found", "t4": "bad_request", "t5": None}
    errors = dict(
        con.execute(
            "SELECT task_id, error FROM attempts WHERE run_id = ? AND error IS NOT NULL", [runner.run_id]
        ).fetchall()
    )
    assert errors["t1"] == "401 invalid api key"  # the status and the server's words, no SDK wrapping
    assert errors["t3"].startswith("404 ") and "does not exist" in errors["t3"]
    assert errors["t4"].startswith("400 ") and "context too long" in errors["t4"]
    outcomes = dict(con.execute("SELECT task_id, outcome FROM trials WHERE run_id = ?", [runner.run_id]).fetchall())
    assert [t for t, o in sorted(outcomes.items()) if o == "error"] == ["t1", "t2", "t3", "t4"]
    [(trials, reason)] = error_reasons(con, runner.run_id).values()
    assert trials == 4 and reason in errors.values()


def test_the_cli_and_runs_list_say_why_a_models_trials_ended_in_error(tmp_path):
    path = echo_suite(tmp_path, 3)
    with serve_faults(lambda prompt, number: "auth" if prompt != "say: 0" else "ok") as server:
        assert (
            run_cli(
                "models",
                "add",
                "openai/badkey",
                "--input-price",
                "1",
                "--output-price",
                "2",
                "--api-base",
                f"{server.url}/v1",
            ).returncode
            == 0
        )
        result = run_cli("run", "--suite", str(path), "--model", "openai/badkey", "--max-tokens", "8")
    assert result.returncode == 0, result.stderr
    status = result.stdout.strip().splitlines()[-1]
    assert status.startswith("completed: 3/3 trials, 1 accepted")
    assert status.endswith(", 2 errors: openai/badkey: 401 invalid api key")
    listed = run_cli("runs", "list", "--json")
    [row] = json.loads(listed.stdout)
    assert (row["errors"], row["error_reasons"]) == (2, "openai/badkey: 401 invalid api key")


def test_a_hosted_model_without_its_key_is_refused_before_any_call(con, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    save_suite(con, load_suite(echo_suite(tmp_path, 2)))
    with pytest.raises(ModelUnavailable) as refused:
        start_run(con, RunRequest(suites=("echo",), models=("openai/gpt-4.1-nano",)))
    assert str(refused.value) == "openai/gpt-4.1-nano: OPENAI_API_KEY is not set"
    assert run_totals(con) == []  # no run row was written


def test_the_cli_refuses_a_keyless_hosted_model_in_one_line_and_writes_no_run(tmp_path):
    path = echo_suite(tmp_path, 2)
    result = run_cli("run", "--suite", str(path), "--model", "openai/gpt-4.1-nano", env=NO_KEYS)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: openai/gpt-4.1-nano: OPENAI_API_KEY is not set"
    assert json.loads(run_cli("runs", "list", "--json").stdout) == []


def test_local_servers_and_the_embedded_model_need_no_key(con, tmp_path, monkeypatch):
    from routeboard.run.resolve import unavailable_reason

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    add_model(
        con,
        "openai/local",
        tier="local",
        input_price_per_mtok_usd=0.0,
        output_price_per_mtok_usd=0.0,
        api_base="http://127.0.0.1:9/v1",
    )
    assert unavailable_reason(get_model(con, "openai/local")) is None
    assert unavailable_reason(get_model(con, "local/smollm2-135m")) is None
    assert unavailable_reason(get_model(con, "ollama_chat/smollm2:135m")) is None
    assert unavailable_reason(get_model(con, "anthropic/claude-haiku-4-5")) == "ANTHROPIC_API_KEY is not set"


def test_a_call_without_its_key_fails_as_no_key_without_leaving_the_machine(con, monkeypatch):
    """A run resumed after its key was unset: the provider says so instead of sending a call bound to fail."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    model = get_model(con, "openai/gpt-4.1-nano")
    with pytest.raises(ProviderError) as failed:
        asyncio.run(LiteLLMProvider().complete(model, [{"role": "user", "content": "hi"}], GenerationSettings()))
    assert (failed.value.kind, str(failed.value)) == ("no_key", "OPENAI_API_KEY is not set")


def test_resuming_a_run_whose_key_is_gone_is_refused_before_any_call(con, tmp_path, monkeypatch):
    from routeboard.run.start import resume_run
    from routeboard.store.runs import get_run

    save_suite(con, load_suite(echo_suite(tmp_path, 2)))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-sent")  # the run starts with a key ...
    runner = start_run(con, RunRequest(suites=("echo",), models=("openai/gpt-4.1-nano",)))
    runner.cancel.set()
    assert runner.run().status == "cancelled"  # ... is cancelled before any call ...
    monkeypatch.delenv("OPENAI_API_KEY")  # ... and resumed without one
    with pytest.raises(ModelUnavailable, match=r"^openai/gpt-4.1-nano: OPENAI_API_KEY is not set$"):
        resume_run(con, runner.run_id)
    assert get_run(con, runner.run_id)["status"] == "cancelled"
    assert con.execute("SELECT count(*) FROM attempts").fetchone() == (0,)

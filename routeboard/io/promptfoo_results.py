"""promptfoo's results file (``promptfoo eval -o results.json``) as result rows, located by JSON path."""

from __future__ import annotations

from typing import Any

from routeboard.errors import Problems
from routeboard.io.records import read_json
from routeboard.io.result_rows import ResultRow, as_amount, as_count, as_output, as_score, shortened

# promptfoo provider prefixes whose litellm name differs; the rest map one-to-one ("openai:x" -> "openai/x").
PROMPTFOO_PREFIXES = {"google": "gemini", "vertex": "vertex_ai", "togetherai": "together_ai", "azureopenai": "azure"}
PROMPTFOO_MODES = ("chat:", "completion:", "messages:")
PROMPTFOO_ERROR = 2  # promptfoo's ResultFailureReason.ERROR; 1 (ASSERT) is a graded wrong answer


def litellm_name(provider_id: str) -> str:
    """promptfoo's provider id as a litellm model id: "openai:gpt-4o-mini" -> "openai/gpt-4o-mini"."""
    prefix, sep, rest = provider_id.partition(":")
    if not sep or not rest or rest.startswith("//") or "/" in prefix:
        return provider_id  # a URL, a file:// provider or a bare name: keep it as promptfoo named it
    mode = next((m for m in PROMPTFOO_MODES if rest.startswith(m)), "")
    rest = rest[len(mode) :]
    if prefix == "ollama":
        return f"{'ollama_chat' if mode == 'chat:' else 'ollama'}/{rest}"
    return f"{PROMPTFOO_PREFIXES.get(prefix, prefix)}/{rest}"


def read_promptfoo(text: str, category: str, suite: str | None, problems: Problems) -> list[ResultRow]:
    """One row per result of one prompt; every problem located by its JSON path (``results[3].success``)."""
    before = len(problems)
    doc = read_json(text, problems)
    if len(problems) > before:
        return []
    results = doc.get("results") if isinstance(doc, dict) else None
    if isinstance(results, dict):
        results = results.get("results")
    if not isinstance(results, list):
        problems.add(
            None,
            "results",
            'not a promptfoo results file: expected {"results": {"results": [...]}} (promptfoo eval -o results.json)',
        )
        return []
    # a promptIdx of any JSON type (a list is unhashable) is told apart by its text
    prompts = {repr(r.get("promptIdx", 0)) for r in results if isinstance(r, dict)}
    if len(prompts) > 1:
        problems.add(
            None,
            "promptIdx",
            f"results from {len(prompts)} prompts: routeboard compares models on one "
            "prompt per suite; export one prompt per file (or pass --suite per prompt)",
        )
        return []
    rows = [_row_from_promptfoo(i, r, category, suite, problems) for i, r in enumerate(results)]
    return [row for row in rows if row is not None]


def _row_from_promptfoo(index: int, result, category: str, suite: str | None, problems: Problems) -> ResultRow | None:
    where = f"results[{index}]"
    if not isinstance(result, dict):
        problems.add(None, where, "each result must be a JSON object")
        return None
    found_before = len(problems)
    provider = result.get("provider")
    provider_id = provider.get("id") if isinstance(provider, dict) else provider
    if not isinstance(provider_id, str) or not provider_id.strip():
        problems.add(None, f"{where}.provider", 'needs an id such as "openai:gpt-4o-mini"')
    test_idx = result.get("testIdx")
    if type(test_idx) is not int or test_idx < 0:
        problems.add(None, f"{where}.testIdx", f"must be a whole number from 0; got {test_idx!r}")
    if not isinstance(result.get("success"), bool):
        problems.add(None, f"{where}.success", f"must be true or false; got {result.get('success')!r}")
    response = result.get("response") if isinstance(result.get("response"), dict) else {}
    values = _promptfoo_numbers(where, result, response, problems)
    if len(problems) > found_before:
        return None
    error = _provider_error(result, response)
    grading = result.get("gradingResult") if isinstance(result.get("gradingResult"), dict) else {}
    test_case = result.get("testCase") if isinstance(result.get("testCase"), dict) else {}
    variables = result.get("vars") if isinstance(result.get("vars"), dict) else test_case.get("vars")
    output = response.get("output")
    return ResultRow(
        line=None,
        prefix=f"{where}.",
        suite=suite or category,
        category=category,
        task_id=f"test-{test_idx}",
        model=litellm_name(provider_id.strip()),
        correct=result["success"] and error is None,
        valid=error is None,
        error=error,
        output=None if output is None else as_output(output),
        detail=shortened(grading.get("reason") or error),
        cached=bool(response.get("cached")),
        vars=variables if isinstance(variables, dict) else {},
        metadata={"description": test_case["description"]} if test_case.get("description") else {},
        **values,
    )


def _promptfoo_numbers(where: str, result: dict, response: dict, problems: Problems) -> dict[str, Any]:
    """Tokens, cost, latency, score and trial of one promptfoo result, each checked and located."""
    usage = response.get("tokenUsage") or result.get("tokenUsage")
    usage = usage if isinstance(usage, dict) else {}
    repeat = result.get("repeatIndex")
    fields = {
        "input_tokens": ("tokenUsage.prompt", usage.get("prompt"), as_count(0)),
        "output_tokens": ("tokenUsage.completion", usage.get("completion"), as_count(0)),
        "cost_usd": ("cost", _first(result.get("cost"), response.get("cost")), as_amount),
        "latency_ms": ("latencyMs", _first(result.get("latencyMs"), response.get("latencyMs")), as_amount),
        "score": ("score", result.get("score"), as_score),
        "trial": ("repeatIndex", repeat + 1 if type(repeat) is int else repeat, as_count(1)),
    }
    values = {}
    for name, (label, raw, convert) in fields.items():
        try:
            values[name] = None if raw is None else convert(raw)
        except ValueError as exc:
            problems.add(None, f"{where}.{label}", f"{exc}; got {raw!r}"[:300])
    values["trial"] = values.get("trial") or 1
    return values


def _provider_error(result: dict, response: dict) -> str | None:
    """The provider's error, if the call failed; promptfoo also fills ``error`` for a failed assertion."""
    reason = result.get("failureReason")
    message = result.get("error") or response.get("error")
    if reason == PROMPTFOO_ERROR or response.get("error"):
        return str(message or "provider error")
    # Files from before failureReason existed: an error with no grading result means no answer to grade.
    if reason is None and message and not result.get("gradingResult"):
        return str(message)
    return None


def _first(*values):
    return next((v for v in values if v is not None), None)

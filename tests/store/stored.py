"""Stored results written straight into the tables, in the shape a run or an import writes them, so a test can
state exactly which trials of which task ran in which run (k trials per task, several runs, cached answers)."""

from __future__ import annotations

import json


def add_suite(
    con,
    name: str,
    category: str,
    *,
    version: int = 1,
    bar: float = 0.9,
    grader: str = "exact",
    constraints: dict | None = None,
    tasks: int = 30,
) -> str:
    """A stored suite version with ``tasks`` tasks t0, t1, ...; its suite_id."""
    suite_id = f"{name}@{version}"
    con.execute(
        "INSERT INTO suites (suite_id, name, version, category, grader, bar, content_hash, task_count, constraints) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            suite_id,
            name,
            version,
            category,
            json.dumps({"name": grader}),
            bar,
            f"hash-{suite_id}",
            tasks,
            json.dumps(constraints) if constraints else None,
        ],
    )
    con.execute(
        "INSERT INTO tasks (suite_id, task_id, position, input, expected) "
        "SELECT ?, 't' || i, i, 'q' || i, 'a' || i FROM range(?) r(i)",
        [suite_id, tasks],
    )
    return suite_id


def add_results(
    con,
    run_id: str,
    suite_id: str,
    model_id: str,
    outcomes: list[list[bool]],
    *,
    valid: list[list[bool]] | None = None,
    price: tuple[float | None, float | None] = (1.0, 2.0),
    tier: str = "small-proprietary",
    infra: dict | None = None,
    latency_ms: float | None = 200.0,
    cached: bool = False,
    tokens: tuple[int, int] = (800, 40),
    finished_at: str = "2026-01-01 10:00:00",
) -> None:
    """One attempt per trial: ``outcomes[i][k]`` is whether trial k + 1 of task t<i> was correct. Its cost is its
    tokens at ``price`` (NULL when the price is unknown, 0 for an answer reused from the cache, as the runner
    stores them); the run's price snapshot names the model's price, tier and infra profile."""
    entry = {
        "litellm_model": model_id,
        "tier": tier,
        "display_name": model_id,
        "input_per_mtok_usd": price[0],
        "output_per_mtok_usd": price[1],
        "price_source": "user",
        "api_base": None,
        "infra": infra,
    }
    found = con.execute("SELECT prices FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if found is None:
        con.execute(
            "INSERT INTO runs (run_id, status, settings, prices, created_at) VALUES (?, 'completed', '{}', ?, ?)",
            [run_id, json.dumps({model_id: entry}), finished_at],
        )
    else:
        prices = {**json.loads(found[0]), model_id: entry}
        con.execute("UPDATE runs SET prices = ? WHERE run_id = ?", [json.dumps(prices), run_id])
    known = None not in price
    cost = 0.0 if cached else (tokens[0] * price[0] + tokens[1] * price[1]) / 1e6 if known else None
    for i, trials in enumerate(outcomes):
        for k, correct in enumerate(trials):
            ok = valid[i][k] if valid else True
            key = [run_id, suite_id, f"t{i}", model_id, k + 1]
            con.execute(
                "INSERT INTO trials (run_id, suite_id, task_id, model_id, trial, outcome, valid, correct, score, "
                "attempts, output, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'x', ?)",
                [
                    *key,
                    "accepted" if correct else "wrong" if ok else "invalid",
                    ok,
                    correct,
                    float(correct),
                    finished_at,
                ],
            )
            con.execute(
                "INSERT INTO attempts (run_id, suite_id, task_id, model_id, trial, attempt, started_at, latency_ms, "
                "input_tokens, output_tokens, cost_usd, infra_usd, valid, output, cached) "
                "VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, 0, ?, 'x', ?)",
                [*key, finished_at, latency_ms, tokens[0], tokens[1], cost, ok, cached],
            )


def label(con, suite_id: str, model_id: str, verdicts: dict[str, bool]) -> None:
    """People's labels of judged outputs, one per (suite, task, model) as the review page and labels files store
    them."""
    for task_id, correct in verdicts.items():
        con.execute("INSERT INTO judge_labels VALUES (?, ?, ?, ?)", [suite_id, task_id, model_id, correct])

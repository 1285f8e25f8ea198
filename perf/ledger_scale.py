"""Decisions at scale: 1,000,000 stored attempts (50 models x 20 categories x 1,000 tasks).

Prints the time for ledger + verdicts + frontier + routes next to a raw GROUP BY over the same attempts
(target <= 0.5 s), and the time to recompute a what-if change on the cached facts (target <= 50 ms).

    .venv/bin/python perf/ledger_scale.py [--models 50] [--categories 20] [--tasks 1000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import routeboard  # noqa: E402
from routeboard.decide.facts import ledger_facts  # noqa: E402
from routeboard.decide.ledger import apply_scenario  # noqa: E402
from routeboard.decide.routes import frontier, routes, with_tasks_needed  # noqa: E402
from routeboard.decide.scenario import Scenario  # noqa: E402


def build(con, models: int, categories: int, tasks: int) -> int:
    """Fill the store with synthetic results through SQL (the shape a real run writes)."""
    prices = {
        f"m{m:02d}": {
            "litellm_model": f"openai/m{m:02d}",
            "tier": "small-proprietary",
            "display_name": f"m{m:02d}",
            "input_per_mtok_usd": 0.1 * (m + 1),
            "output_per_mtok_usd": 0.4 * (m + 1),
            "price_source": "user",
            "api_base": None,
            "infra": None,
        }
        for m in range(models)
    }
    con.execute(
        "INSERT INTO runs (run_id, status, settings, prices) VALUES ('scale', 'imported', '{}', ?)",
        [json.dumps(prices)],
    )
    con.execute(f"""INSERT INTO suites (suite_id, name, version, category, grader, bar, content_hash, task_count)
                    SELECT 'c' || c || '@1', 'c' || c, 1, 'category ' || c, '{{"name": "exact"}}', 0.9, 'h' || c,
                           {tasks} FROM range({categories}) r(c)""")
    # model m's accuracy rises with its price: 0.80 + 0.19 * m / models, task outcomes drawn by hash
    con.execute(f"""CREATE TEMP TABLE grid AS
        SELECT 'c' || c || '@1' AS suite_id, 't' || t AS task_id, 'm' || lpad(m::VARCHAR, 2, '0') AS model_id,
               (hash(c, t, m) % 10000) / 10000.0 < 0.80 + 0.19 * m / {models} AS correct, m
        FROM range({categories}) a(c), range({tasks}) b(t), range({models}) d(m)""")
    con.execute("""INSERT INTO trials (run_id, suite_id, task_id, model_id, trial, outcome, valid, correct, score,
                                      detail, attempts, output)
                   SELECT 'scale', suite_id, task_id, model_id, 1, CASE WHEN correct THEN 'accepted' ELSE 'wrong' END,
                          true, correct, correct::INTEGER, '', 1, 'x' FROM grid""")
    con.execute("""INSERT INTO attempts (run_id, suite_id, task_id, model_id, trial, attempt, started_at, latency_ms,
                                        input_tokens, output_tokens, cost_usd, infra_usd, valid, output)
                   SELECT 'scale', suite_id, task_id, model_id, 1, 1, now(), 200 + m * 10, 800, 40,
                          (800 * 0.1 * (m + 1) + 40 * 0.4 * (m + 1)) / 1e6, 0, true, 'x' FROM grid""")
    return con.execute("SELECT count(*) FROM attempts").fetchone()[0]


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--categories", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        con = routeboard.connect(Path(tmp) / "scale.duckdb")
        started = time.perf_counter()
        attempts = build(con, args.models, args.categories, args.tasks)
        print(
            f"built {attempts:,} attempts ({args.models} models x {args.categories} categories x {args.tasks} "
            f"tasks) in {time.perf_counter() - started:.1f} s"
        )
        raw_s, _ = timed(
            lambda: con.execute(
                """SELECT s.category, a.model_id, count(*), sum(a.cost_usd), avg(t.correct::INTEGER)
               FROM attempts a JOIN trials t USING (run_id, suite_id, task_id, model_id, trial)
               JOIN suites s USING (suite_id) GROUP BY ALL"""
            ).fetchall()
        )
        scenario = Scenario()

        def decide():
            facts = ledger_facts(con)
            led = with_tasks_needed(apply_scenario(facts, scenario))
            return facts, frontier(led), routes(led)

        full_s, (facts, points, table) = timed(decide)
        what_if = scenario.with_values(review_rate=0.3, failure_usd=120.0)
        whatif_s, _ = timed(lambda: routes(with_tasks_needed(apply_scenario(facts, what_if))), repeat=9)
        cleared = int(table["model"].notna().sum())
        print(f"raw GROUP BY (attempts x trials x suites): {raw_s * 1000:.0f} ms")
        print(
            f"ledger + verdicts + frontier + routes: {full_s * 1000:.0f} ms (target <= 500 ms); "
            f"{len(points)} (category, model) rows, {cleared}/{len(table)} categories routed"
        )
        print(
            f"what-if recompute (cached facts -> ledger, verdicts, routes): {whatif_s * 1000:.1f} ms (target <= 50 ms)"
        )
        con.close()


if __name__ == "__main__":
    main()

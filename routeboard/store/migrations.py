"""Ordered, named schema migrations, applied on open (the simonw/llm pattern).

Each migration runs once, in definition order, inside the transaction that records it.
Never edit a migration that has shipped; add a new one.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

MIGRATIONS: list[tuple[str, Callable[[duckdb.DuckDBPyConnection], None]]] = []


def migration(fn: Callable[[duckdb.DuckDBPyConnection], None]):
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet recorded; returns the names applied now."""
    con.execute("CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT now())")
    done = {row[0] for row in con.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            fn(con)
            con.execute("INSERT INTO _migrations (name) VALUES (?)", [name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


@migration
def m001_suites_and_tasks(con):
    con.execute("""
        CREATE TABLE suites (
            suite_id VARCHAR PRIMARY KEY,          -- name@version
            name VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            category VARCHAR NOT NULL,
            description VARCHAR,
            grader JSON NOT NULL,
            validator JSON,
            bar DOUBLE NOT NULL,
            risk VARCHAR,
            prompt_template VARCHAR,
            system_prompt VARCHAR,
            max_invalid_retries INTEGER NOT NULL DEFAULT 1,
            content_hash VARCHAR NOT NULL,
            source VARCHAR,
            origin VARCHAR NOT NULL DEFAULT 'file',  -- file | shipped | imported-results
            task_count INTEGER NOT NULL,
            created_at TIMESTAMP NOT NULL DEFAULT now(),
            UNIQUE (name, version)
        )""")
    con.execute("""
        CREATE TABLE tasks (
            suite_id VARCHAR NOT NULL,
            task_id VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            input VARCHAR,
            messages JSON,
            vars JSON,
            expected VARCHAR,
            metadata JSON,
            PRIMARY KEY (suite_id, task_id)
        )""")


@migration
def m002_models(con):
    con.execute("""
        CREATE TABLE models (
            model_id VARCHAR PRIMARY KEY,
            litellm_model VARCHAR NOT NULL,
            display_name VARCHAR NOT NULL,
            tier VARCHAR NOT NULL,
            input_price_per_mtok_usd DOUBLE,      -- NULL: take litellm's price map
            output_price_per_mtok_usd DOUBLE,
            api_base VARCHAR,
            infra JSON,
            origin VARCHAR NOT NULL DEFAULT 'user',  -- user | discovered | imported
            created_at TIMESTAMP NOT NULL DEFAULT now()
        )""")


@migration
def m003_runs_trials_attempts(con):
    con.execute("""
        CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY,
            created_at TIMESTAMP NOT NULL DEFAULT now(),
            finished_at TIMESTAMP,
            status VARCHAR NOT NULL,               -- running | completed | cancelled | budget_exhausted | failed | imported
            settings JSON NOT NULL,                -- suites, models, trials, concurrency, generation settings
            prices JSON NOT NULL,                  -- price and infra snapshot per model, taken at start
            budget_usd DOUBLE,
            note VARCHAR
        )""")
    con.execute("""
        CREATE TABLE trials (
            run_id VARCHAR NOT NULL,
            suite_id VARCHAR NOT NULL,
            task_id VARCHAR NOT NULL,
            model_id VARCHAR NOT NULL,
            trial INTEGER NOT NULL,
            outcome VARCHAR NOT NULL,              -- accepted | wrong | invalid | error
            valid BOOLEAN NOT NULL,
            correct BOOLEAN NOT NULL,
            score DOUBLE,
            detail VARCHAR,
            attempts INTEGER NOT NULL,
            output VARCHAR,
            finished_at TIMESTAMP NOT NULL DEFAULT now(),
            PRIMARY KEY (run_id, suite_id, task_id, model_id, trial)
        )""")
    con.execute("""
        CREATE TABLE attempts (
            run_id VARCHAR NOT NULL,
            suite_id VARCHAR NOT NULL,
            task_id VARCHAR NOT NULL,
            model_id VARCHAR NOT NULL,
            trial INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            started_at TIMESTAMP NOT NULL,
            latency_ms DOUBLE,
            input_tokens INTEGER,
            output_tokens INTEGER,
            tokens_estimated BOOLEAN NOT NULL DEFAULT false,
            cost_usd DOUBLE NOT NULL DEFAULT 0,    -- tokens x the run's price snapshot
            infra_usd DOUBLE NOT NULL DEFAULT 0,   -- local models: busy time x infra rate
            valid BOOLEAN,
            output VARCHAR,
            error_kind VARCHAR,                    -- NULL on success: rate_limit | server | timeout | malformed | connection | ...
            error VARCHAR,
            cached BOOLEAN NOT NULL DEFAULT false,
            request_hash VARCHAR,
            PRIMARY KEY (run_id, suite_id, task_id, model_id, trial, attempt)
        )""")
    con.execute("CREATE INDEX attempts_request_hash ON attempts (request_hash)")


@migration
def m004_scenarios(con):
    con.execute("""
        CREATE TABLE scenarios (
            name VARCHAR PRIMARY KEY,
            body JSON NOT NULL,
            updated_at TIMESTAMP NOT NULL DEFAULT now()
        )""")


@migration
def m005_suite_constraints(con):
    # latency / cost ceilings, allowed tiers, deny list, minimum trials (routeboard.constraints)
    con.execute("ALTER TABLE suites ADD COLUMN constraints JSON")


@migration
def m006_judge_labels(con):
    # people's verdicts on judged outputs, to measure an llm_judge's agreement
    con.execute("""
        CREATE TABLE judge_labels (
            suite_id VARCHAR NOT NULL,
            task_id VARCHAR NOT NULL,
            model_id VARCHAR NOT NULL,
            human_correct BOOLEAN NOT NULL,
            PRIMARY KEY (suite_id, task_id, model_id)
        )""")


@migration
def m007_unknown_costs_and_judge_costs(con):
    # An attempt whose cost cannot be known (an imported result with no price or tokens) stores NULL, never $0.
    # DuckDB will not alter a column while an index depends on the table, so the index is rebuilt around it.
    con.execute("DROP INDEX attempts_request_hash")
    con.execute("ALTER TABLE attempts ALTER COLUMN cost_usd DROP NOT NULL")
    con.execute("ALTER TABLE attempts ALTER COLUMN cost_usd DROP DEFAULT")
    con.execute("CREATE INDEX attempts_request_hash ON attempts (request_hash)")
    # llm_judge calls are paid for too: their tokens, time and cost per trial, counted in the ledger as tool cost
    for column, sql_type in (
        ("judge_model", "VARCHAR"),
        ("judge_input_tokens", "INTEGER"),
        ("judge_output_tokens", "INTEGER"),
        ("judge_cost_usd", "DOUBLE"),
        ("judge_latency_ms", "DOUBLE"),
    ):
        con.execute(f"ALTER TABLE trials ADD COLUMN {column} {sql_type}")
    # a model that really costs nothing is marked free on purpose; a missing price is unknown, never $0
    con.execute("ALTER TABLE models ADD COLUMN free BOOLEAN DEFAULT false")


@migration
def m009_speed_calibration(con):
    # A local model's measured calls outside any run (routeboard/estimate.py): the prompt and generation speed
    # probes (suite_id NULL) and one sample answer per suite, so an estimate has a measured basis before any run.
    con.execute("""
        CREATE TABLE speed_calibrations (
            model_id VARCHAR NOT NULL,
            suite_id VARCHAR,
            task_id VARCHAR,
            input_tokens INTEGER NOT NULL,          -- the model's own count
            counted_input_tokens INTEGER NOT NULL,  -- litellm's count of the same prompt, as the estimate counts
            output_tokens INTEGER NOT NULL,
            latency_ms DOUBLE NOT NULL,
            measured_at TIMESTAMP NOT NULL DEFAULT now()
        )""")


@migration
def m010_human_review(con):
    # People's verdicts on outputs (routeboard/review.py): the first review of a trial decides it, a second one
    # (overlap) only measures agreement; claims keep two reviewers from being handed the same item at once.
    con.execute("""
        CREATE TABLE reviews (
            review_id VARCHAR PRIMARY KEY,            -- uuid4 hex
            run_id VARCHAR NOT NULL,
            suite_id VARCHAR NOT NULL,
            task_id VARCHAR NOT NULL,
            model_id VARCHAR NOT NULL,
            trial INTEGER NOT NULL,
            reviewer VARCHAR NOT NULL,
            verdict VARCHAR NOT NULL,                 -- accepted | rejected | edited
            reason VARCHAR,                           -- rejected only
            note VARCHAR,
            edited_output VARCHAR,                    -- edited only
            review_ms DOUBLE,                         -- item shown -> verdict given (NULL when unknown)
            rework_ms DOUBLE,                         -- edited only: time spent editing
            source VARCHAR NOT NULL DEFAULT 'app',    -- app | csv
            created_at TIMESTAMP NOT NULL DEFAULT now()
        )""")
    con.execute("""
        CREATE TABLE review_claims (
            run_id VARCHAR NOT NULL,
            suite_id VARCHAR NOT NULL,
            task_id VARCHAR NOT NULL,
            model_id VARCHAR NOT NULL,
            trial INTEGER NOT NULL,
            slot INTEGER NOT NULL,                    -- 1 = first review, 2 = overlap review
            reviewer VARCHAR NOT NULL,
            claimed_at TIMESTAMP NOT NULL DEFAULT now(),
            PRIMARY KEY (run_id, suite_id, task_id, model_id, trial, slot)
        )""")

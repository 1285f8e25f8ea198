"""Ordered, named schema migrations, applied on open (the simonw/llm pattern).

Each migration runs once, in definition order, inside the transaction that records it.
Never edit a migration that has shipped; add a new one.

On the shared store (DuckLake, store/lake.py) a migration's DDL goes through ``ducklake_ddl``: DuckLake has no
PRIMARY KEY, UNIQUE or indexes, so a key becomes NOT NULL, a UNIQUE is dropped and CREATE/DROP INDEX is skipped.
Nothing there relies on them: writes that must not duplicate check first inside a transaction that is retried
when a concurrent commit wins (store/lake.py, ``serialized``). Two processes opening a fresh store at once both try
the same migration; each migration's transaction touches the store's gate row, so DuckLake's optimistic commit
fails the second, which rolls back, re-reads ``_migrations`` and finds the migration done. ``_migrations`` has no
key on DuckLake: a name is recorded only inside its migration's gated transaction.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import duckdb

from routeboard.store import lake

MIGRATIONS: list[tuple[str, Callable[[duckdb.DuckDBPyConnection], None]]] = []


def migration(fn: Callable[[duckdb.DuckDBPyConnection], None]):
    MIGRATIONS.append((fn.__name__, fn))
    return fn


_INDEX = re.compile(r"^\s*(CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX)\b", re.IGNORECASE)
_COMMENT = re.compile(r"--[^\n]*")
_TABLE_KEY = re.compile(r",\s*(PRIMARY\s+KEY|UNIQUE)\s*\([^)]*\)", re.IGNORECASE)
_COLUMN_PRIMARY_KEY = re.compile(r"\bPRIMARY\s+KEY\b", re.IGNORECASE)
_COLUMN_UNIQUE = re.compile(r"\s+UNIQUE\b", re.IGNORECASE)
# DuckLake adds a column only with a literal default, and reads a bare true/false as an expression
_ADD_WITH_BOOLEAN_DEFAULT = re.compile(
    r"^(\s*ALTER\s+TABLE\s.+\sADD\s+COLUMN\s.+\sDEFAULT\s+)(true|false)\s*$", re.I | re.S
)


def ducklake_ddl(sql: str) -> list[str]:
    """A statement as DuckLake accepts it: keys and UNIQUE dropped (a key column stays NOT NULL), index
    statements skipped, a boolean default of an added column written as a string literal."""
    if _INDEX.match(sql):
        return []
    added = _ADD_WITH_BOOLEAN_DEFAULT.match(sql)
    if added:
        return [f"{added.group(1)}'{added.group(2)}'"]
    if not re.match(r"^\s*CREATE\s+TABLE\b", sql, re.IGNORECASE):
        return [sql]
    sql = _TABLE_KEY.sub("", _COMMENT.sub("", sql))
    return [_COLUMN_UNIQUE.sub("", _COLUMN_PRIMARY_KEY.sub("NOT NULL", sql))]


class _DuckLakeConnection:
    """A migration's view of the connection on the shared store: every statement passes ``ducklake_ddl``."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con

    def execute(self, sql: str, parameters=None):
        for statement in ducklake_ddl(sql):
            self._con.execute(statement) if parameters is None else self._con.execute(statement, parameters)
        return self._con

    def __getattr__(self, name):
        return getattr(self._con, name)


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet recorded; returns the names applied now."""
    on_lake = lake.is_lake_connection(con)
    target = _DuckLakeConnection(con) if on_lake else con
    applied = []
    for attempt in range(lake.RETRIES):
        try:
            _create_migrations_table(target)
            done = {row[0] for row in con.execute("SELECT name FROM _migrations").fetchall()}
            for name, fn in MIGRATIONS:
                if name not in done and _apply_one(con, target, name, fn):
                    applied.append(name)
            return applied
        except duckdb.Error as exc:
            # another process applied (part of) it first: start over from what is recorded now
            if not on_lake or attempt == lake.RETRIES - 1 or not lake.is_conflict(exc):
                raise
            time.sleep(0.1 * (attempt + 1))
    return applied


def _create_migrations_table(con) -> None:
    """``_migrations`` and the one-row ``_store_gate`` (store/lake.py, ``gate``), created together: of two
    processes creating them at once, the second fails to commit and retries."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT now())"
        )
        con.execute("CREATE TABLE IF NOT EXISTS _store_gate (n BIGINT NOT NULL)")
        con.execute("INSERT INTO _store_gate SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM _store_gate)")
        con.execute("COMMIT")
    except Exception:
        _rollback(con)
        raise


def _rollback(con) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # a failed COMMIT has already ended the transaction


def _apply_one(con: duckdb.DuckDBPyConnection, target, name: str, fn) -> bool:
    """Run one migration and record it in the same transaction; False when another process already has."""
    con.execute("BEGIN TRANSACTION")
    try:
        lake.gate(con)  # two processes migrating a fresh store: the second to commit fails and starts over
        if con.execute("SELECT count(*) FROM _migrations WHERE name = ?", [name]).fetchone()[0]:
            con.execute("ROLLBACK")
            return False
        fn(target)
        con.execute("INSERT INTO _migrations (name) VALUES (?)", [name])
        con.execute("COMMIT")
        return True
    except Exception:
        _rollback(con)
        raise


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
    # latency / cost ceilings, allowed tiers, deny list, minimum trials (routeboard.decide.constraints)
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
    # A local model's measured calls outside any run (routeboard/run/estimate.py): the prompt and generation speed
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
    # People's verdicts on outputs (routeboard/review/record.py): the first review of a trial decides it, a second one
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


@migration
def m011_team_access(con):
    # A team's deployment (routeboard/team/access.py, routeboard/team/audit.py; docs/design.md, "A team's deployment"): who
    # launched each run (spend per person per month), the audit trail, and an admin's role and budget overrides.
    # No keys or indexes: the shared store (DuckLake) has none, so writes never rely on them.
    con.execute("ALTER TABLE runs ADD COLUMN launched_by VARCHAR")
    con.execute("""
        CREATE TABLE audit_log (
            "at" TIMESTAMP NOT NULL DEFAULT now(),  -- quoted: AT is a keyword in DuckDB
            user_id VARCHAR NOT NULL,
            role VARCHAR NOT NULL,
            via VARCHAR NOT NULL,                 -- local | oidc | cli
            action VARCHAR NOT NULL,
            target VARCHAR,
            detail JSON,                          -- scrubbed of secrets before it is written
            spend_usd DOUBLE
        )""")
    con.execute("""
        CREATE TABLE access_overrides (
            user_id VARCHAR NOT NULL,
            role VARCHAR,
            monthly_budget_usd DOUBLE,
            updated_by VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL DEFAULT now()   -- the latest row per user wins
        )""")


@migration
def m012_run_cancel_requests(con):
    # Cancelling a run live in another process on the shared store (no file beside it to leave a marker): a request
    # row the runner polls; its heartbeat tells a live run from one whose process died (routeboard/run/runner.py).
    con.execute("""
        CREATE TABLE run_cancel_requests (
            run_id VARCHAR NOT NULL,
            requested_by VARCHAR NOT NULL,
            requested_at TIMESTAMP NOT NULL DEFAULT now()
        )""")
    con.execute("ALTER TABLE runs ADD COLUMN heartbeat_at TIMESTAMP")


@migration
def m013_review_item_salt(con):
    # A review sheet's item ids are a hash of (run, model, task) salted with this per-database secret: unsalted, a
    # blinded reviewer who knows the runs could compute each model's ids and unblind the sheet (routeboard/review/queue.py).
    # It stays in the store: no export carries it.
    import secrets

    con.execute("CREATE TABLE review_secret (salt VARCHAR NOT NULL)")
    con.execute("INSERT INTO review_secret VALUES (?)", [secrets.token_hex(32)])


@migration
def m014_run_process(con):
    # Which machine and process runs a run: on that machine a resume asks the process itself whether it still runs
    # (a run whose process was killed resumes at once, one still running is refused instead of sent twice);
    # elsewhere the heartbeat tells (routeboard/run/start.py, ``runner_state``).
    con.execute("ALTER TABLE runs ADD COLUMN runner_host VARCHAR")
    con.execute("ALTER TABLE runs ADD COLUMN runner_pid INTEGER")


@migration
def m015_store_settings(con):
    # What a store remembers about itself, name -> value (routeboard/store/mode.py): e.g. that it was used with
    # sign-in since a date, so a process without the sign-in settings refuses it rather than acting as a local admin.
    con.execute("""
        CREATE TABLE store_settings (
            name VARCHAR PRIMARY KEY,
            value VARCHAR NOT NULL,
            set_at TIMESTAMP NOT NULL DEFAULT now()
        )""")

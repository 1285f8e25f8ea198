"""The store: a connection (or a lease on a local file) per process, migrations on open, all-or-nothing writes.

A DuckDB file by default; ``ROUTEBOARD_DB=ducklake:postgres:...`` opens the shared store instead (store/lake.py),
where the same SQL runs: the connection's default database is the lake."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from routeboard.settings import db_path
from routeboard.store import lake
from routeboard.store.lake import gate, serialized  # noqa: F401  (the store's writers use them)
from routeboard.store.lease import FileLease, Pinned, Source, held, open_file  # noqa: F401  (one file, many processes)
from routeboard.store.migrations import apply_migrations
from routeboard.store.mode import check_mode


def open_store(path: str | os.PathLike | None = None, *, linger_s: float = 0.0) -> FileLease | Pinned:
    """What a long-lived process (the app, a run) keeps: a local file as a lease it holds only while in use (and
    ``linger_s`` after), so other processes can use the file between (store/lease.py); the shared store or an
    in-memory database pinned."""
    lake_target = str(path) if path else os.environ.get("ROUTEBOARD_DB", "")
    target = db_path(path)
    if lake.is_lake(lake_target) or str(target) == ":memory:":
        return Pinned(connect(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    return FileLease(target, linger_s=linger_s)


def connect(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database file or the shared store, bring its schema up to date and check its
    mode (store/mode.py); a file another process holds is waited for (store/lease.py). For one command's work: a
    process that lives on keeps an ``open_store`` lease instead."""
    lake_target = str(path) if path else os.environ.get("ROUTEBOARD_DB", "")
    if lake.is_lake(lake_target):
        con = lake.open_lake(lake_target)
    else:
        target = db_path(path)
        if str(target) != ":memory:":
            target.parent.mkdir(parents=True, exist_ok=True)
        con = open_file(target) if str(target) != ":memory:" else duckdb.connect(":memory:")
    try:
        apply_migrations(con)
        check_mode(con)  # a team's store refuses a process without the sign-in settings (store/mode.py)
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block of writes atomically on a cursor of ``con``; any exception rolls all of it back."""
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        yield cur
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    else:
        cur.execute("COMMIT")
    finally:
        cur.close()


ROWS_PER_STATEMENT = 500


def insert_rows(cur: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], rows: list[list]) -> None:
    """Bulk insert with multi-row VALUES statements.

    For a run's small batches: as fast there as registering an Arrow table (executemany is ~100x slower), without
    loading pandas/pyarrow into a run's process (~150 MB). Large imports use ``insert_columns``."""
    one = "(" + ", ".join("?" * len(columns)) + ")"
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        cur.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))}",
            [value for row in chunk for value in row],
        )


def insert_columns(cur: duckdb.DuckDBPyConnection, table: str, columns: dict[str, tuple[str, object]]) -> None:
    """Bulk insert given column-wise: ``{name: (sql_type, values)}``, a list holding one value per row and
    anything else being every row's value. One statement binding whole columns: 100,000 rows in about a second,
    where multi-row VALUES takes a minute; use it for imports, ``insert_rows`` for a run's small batches."""
    select = ", ".join(
        f"unnest(?::{sql_type}[])" if isinstance(value, list) else f"?::{sql_type}"
        for sql_type, value in columns.values()
    )
    cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select}", [value for _, value in columns.values()])


def database_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind a connection (None for in-memory and for the shared store)."""
    row = con.execute("SELECT path, type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] and row[1] == "duckdb" else None

"""The store: one connection per process, migrations on open, all-or-nothing writes.

A DuckDB file by default; ``ROUTEBOARD_DB=ducklake:postgres:...`` opens the shared store instead (store/lake.py),
where the same SQL runs: the connection's default database is the lake."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from routeboard.errors import StoreError
from routeboard.settings import db_path
from routeboard.store import lake
from routeboard.store.lake import gate, serialized  # noqa: F401  (the store's writers use them)
from routeboard.store.migrations import apply_migrations


def connect(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database file or the shared store and bring its schema up to date."""
    lake_target = str(path) if path else os.environ.get("ROUTEBOARD_DB", "")
    if lake.is_lake(lake_target):
        con = lake.open_lake(lake_target)
        apply_migrations(con)
        return con
    target = db_path(path)
    if str(target) != ":memory:":
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(target))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreError(
                f"{target} is open in another process (a run or the app); "
                "wait for it to finish or point --db / ROUTEBOARD_DB at another file"
            ) from None
        raise StoreError(f"cannot open database {target}: {exc}") from None
    except duckdb.Error as exc:
        raise StoreError(f"{target} is not a routeboard database: {exc}") from None
    apply_migrations(con)
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

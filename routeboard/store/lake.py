"""The shared store: DuckLake with its catalog in PostgreSQL and its data files in a folder or S3 (README, Team
deployment).

``ROUTEBOARD_DB=ducklake:postgres:<libpq conninfo>`` selects it; ``ROUTEBOARD_DATA_PATH`` (a folder or
``s3://bucket/prefix``) says where a new store keeps its Parquet files (an existing store remembers its own).
The connection's default database is the lake, so every cursor runs the same SQL as on a local file. DuckDB cannot
download extensions here: they come from DuckDB's signed builds on PyPI (duckdb-extension-*), installed from their
files with signature checks on."""

from __future__ import annotations

import importlib.util
import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

import duckdb

from routeboard.errors import StoreError
from routeboard.secrets import scrub_text  # the one home of scrub rules; it imports no store module

PREFIX = "ducklake:"
# PyPI package duckdb-extension-<name>; parquet is also built into the duckdb wheel, the package is its fallback
EXTENSIONS = ("parquet", "postgres", "httpfs", "ducklake")
# Data inlining (small writes kept in the catalog instead of one Parquet file each) is off: with DuckLake 1.5.5,
# flushing inlined rows to files from one process broke a reader open in another ("relation
# ducklake_inlined_data_... does not exist"). Every commit writes its own small file instead, and
# `routeboard store compact` merges them (README, Team deployment).
INLINE_ROW_LIMIT = 0
# Never fetch anything from the network; extensions load only from the files installed below.
CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": True}
RETRIES = 8
# A gated write under contention (reviewers claiming at once, several runs writing) loses a commit now and then:
# it starts over after a random, growing pause, so two losers do not collide again in lockstep.
GATED_RETRIES = 60

_installed = False
_install_lock = threading.Lock()
T = TypeVar("T")


def is_lake(target: str | os.PathLike | None) -> bool:
    """True when a ROUTEBOARD_DB value names a DuckLake store rather than a DuckDB file."""
    return str(target or "").startswith(PREFIX)


def is_lake_connection(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the connection's default database is a DuckLake catalog."""
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return bool(row) and row[0] == "ducklake"


def extension_files() -> dict[str, Path]:
    """Each extension's signed binary as shipped in its PyPI package."""
    files = {}
    for name in EXTENSIONS:
        spec = importlib.util.find_spec(f"duckdb_extension_{name}")
        found = sorted(Path(spec.origin).parent.glob("extensions/*/*.duckdb_extension")) if spec and spec.origin else []
        if found:
            files[name] = found[-1]
    return files


def _install_extensions() -> None:
    """INSTALL each extension from its package file once per process (a copy into DuckDB's extension folder)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        files = extension_files()
        missing = [name for name in ("postgres", "ducklake") if name not in files]
        if missing:
            raise StoreError(
                "the shared store needs DuckDB's extension packages "
                + ", ".join(f"duckdb-extension-{name}" for name in missing)
                + f" for duckdb {duckdb.__version__} (pip install -r requirements.txt)"
            )
        con = duckdb.connect(":memory:", config=CONFIG)
        try:
            for name, path in files.items():
                loaded = con.execute(
                    "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [name]
                ).fetchone()
                if loaded and loaded[0]:
                    continue  # built in (parquet)
                con.execute(f"INSTALL '{_quote(str(path))}'")
        except duckdb.Error as exc:
            raise StoreError(f"cannot install DuckDB's extension {name} from {path}: {exc}") from None
        finally:
            con.close()
        _installed = True


def _quote(value: str) -> str:
    """A value inside a single-quoted SQL literal (ATTACH and CREATE SECRET take no parameters)."""
    return value.replace("'", "''")


def data_path() -> str | None:
    """Where a new store puts its files: ROUTEBOARD_DATA_PATH, a local folder made absolute, or s3://..."""
    raw = os.environ.get("ROUTEBOARD_DATA_PATH", "").strip()
    if not raw:
        return None
    if "://" in raw:
        return raw.rstrip("/") + "/"
    folder = Path(raw).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"{folder}/"


def s3_secret(con: duckdb.DuckDBPyConnection) -> None:
    """A temporary (in-memory) DuckDB secret for S3 from the environment: it lives in this process only and is
    never written to the catalog."""
    endpoint = os.environ.get("ROUTEBOARD_S3_ENDPOINT", "").strip()
    key_id, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not (endpoint or key_id):
        return
    options = ["TYPE s3"]
    if key_id and secret:
        options += [f"KEY_ID '{_quote(key_id)}'", f"SECRET '{_quote(secret)}'"]
    options.append(f"REGION '{_quote(os.environ.get('AWS_REGION') or 'us-east-1')}'")
    if endpoint:
        url = urlparse(endpoint if "://" in endpoint else f"https://{endpoint}")
        # S3-compatible servers (MinIO, moto, Ceph) address buckets by path, not by host name
        options += [f"ENDPOINT '{_quote(url.netloc)}'", "URL_STYLE 'path'", f"USE_SSL {url.scheme == 'https'}"]
    con.execute(f"CREATE OR REPLACE TEMPORARY SECRET routeboard_s3 ({', '.join(options)})")


def _bootstrap(target: str) -> None:
    """Create the catalog on first use, with its data path (a store remembers its data path afterwards)."""
    path = data_path()
    con = duckdb.connect(":memory:", config=CONFIG)
    try:
        s3_secret(con)
        option = f" (DATA_PATH '{_quote(path)}')" if path else ""
        con.execute(f"ATTACH '{_quote(target)}' AS routeboard_lake{option}")
    finally:
        con.close()


def open_lake(target: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose default database is the DuckLake store ``target``."""
    _install_extensions()
    for attempt in range(RETRIES):
        try:
            # two processes creating a fresh catalog at once: the loser sees the winner's tables on a retry
            _bootstrap(target)
            break
        except duckdb.Error as exc:
            if attempt == RETRIES - 1 or not _fresh_catalog_race(exc):
                raise _unopened(target, exc) from None
            time.sleep(0.2 * (attempt + 1))
    try:
        con = duckdb.connect(target, config=CONFIG)
    except duckdb.Error as exc:
        raise _unopened(target, exc) from None
    s3_secret(con)
    con.execute(f"SET GLOBAL ducklake_default_data_inlining_row_limit = {INLINE_ROW_LIMIT}")
    return con


def _unopened(target: str, exc: Exception) -> StoreError:
    """Why the shared store could not be opened: its address and DuckDB's words (which quote it), without passwords."""
    return StoreError(f"cannot open the shared store {scrub_text(target)}: {scrub_text(_first_line(exc))}")


def _fresh_catalog_race(exc: Exception) -> bool:
    text = str(exc).lower()
    return "duplicate key" in text or "already exists" in text or "conflict" in text


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def is_conflict(exc: Exception) -> bool:
    """A DuckLake commit that lost to a concurrent one (or DuckDB's own write-write conflict): safe to retry."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.TransactionException) or "conflict" in text


def gate(cur: duckdb.DuckDBPyConnection) -> None:
    """Touch the one row of ``_store_gate`` inside the caller's transaction.

    DuckLake has no UNIQUE to stop a duplicate, and two transactions that only insert never conflict; but two
    that update the same table do: the second to commit fails. A check-then-insert that touches the gate therefore
    runs as if alone, on the shared store as on a DuckDB file (where the same row update conflicts too)."""
    cur.execute("UPDATE _store_gate SET n = n + 1")


def serialized(con: duckdb.DuckDBPyConnection, write: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run ``write(cur)`` in one transaction that holds the gate; when its commit loses to a concurrent writer, run
    it again from the start, so its checks see the winner's rows (docs/design.md: writes never rely on keys)."""
    for attempt in range(GATED_RETRIES):
        cur = con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            gate(cur)
            result = write(cur)
            cur.execute("COMMIT")
            return result
        except duckdb.Error as exc:
            try:
                cur.execute("ROLLBACK")
            except duckdb.Error:
                pass  # the failed COMMIT already ended the transaction
            if attempt == GATED_RETRIES - 1 or not is_conflict(exc):
                raise
            time.sleep(random.uniform(0.005, 0.01 * 2 ** min(attempt, 5)))
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()
    raise AssertionError("unreachable")


# Compaction's catalog changes wait for the PostgreSQL locks of readers mid-result (a result not fetched to the
# end holds its transaction open); rather than wait forever, with everyone queued behind it, it gives up.
COMPACT_LOCK_TIMEOUT_MS = 10_000


def compact(target: str, *, keep_days: int = 7) -> dict[str, int]:
    """Merge small files, expire snapshots older than ``keep_days`` and delete the
    files no snapshot needs any more, on a connection of its own; returns how many of each."""
    if not is_lake(target):
        raise StoreError("compaction is for the shared store (ROUTEBOARD_DB=ducklake:...); a DuckDB file needs none")
    con = open_lake(f"{target} options='-c lock_timeout={COMPACT_LOCK_TIMEOUT_MS}'")
    try:
        db = con.execute("SELECT current_database()").fetchone()[0]
        older = f"older_than => now() - to_days({int(keep_days)})"
        calls = {  # counted in SQL: the rows carry TIMESTAMPTZ, which Python would convert only with pytz
            "merged": "ducklake_merge_adjacent_files(?)",
            "expired_snapshots": f"ducklake_expire_snapshots(?, {older})",
            "deleted_files": f"ducklake_cleanup_old_files(?, {older})",
        }
        return {name: con.execute(f"SELECT count(*) FROM {call}", [db]).fetchone()[0] for name, call in calls.items()}
    except duckdb.Error as exc:
        if "lock timeout" in str(exc).lower():
            raise StoreError(
                f"compaction waited {COMPACT_LOCK_TIMEOUT_MS // 1000} s for another process reading the store; "
                "run it again when the store is quieter (e.g. nightly)"
            ) from None
        raise
    finally:
        con.close()

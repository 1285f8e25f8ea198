"""An admin's upkeep of the shared store: compaction, checked and audited like every other action (docs/design.md,
"A team's deployment"). The store's side of it is routeboard.store.lake.compact."""

from __future__ import annotations

import duckdb

from routeboard.errors import InvalidInput, Problem
from routeboard.store import lake
from routeboard.team import audit
from routeboard.team.roles import Actor, require


def compact_store(
    con: duckdb.DuckDBPyConnection, target: str, *, keep_days: int = 7, actor: Actor | None = None
) -> dict[str, int]:
    """Merge the shared store's small files and expire snapshots older than ``keep_days`` (time travel lost for
    good): an admin's action (compact_store), audited with what it did."""
    actor = require(actor, "compact_store")
    if keep_days < 0:
        raise InvalidInput([Problem("--keep-days", None, None, "must be 0 or more")])
    counts = lake.compact(target, keep_days=keep_days)
    audit.record_now(con, actor, "compact_store", detail={"keep_days": keep_days, **counts})
    return counts

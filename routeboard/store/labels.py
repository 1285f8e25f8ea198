"""People's labels of judged outputs in the database: one verdict per (suite, task, model)."""

from __future__ import annotations

import duckdb

from routeboard.store.connection import insert_columns, serialized


def judged_models(con: duckdb.DuckDBPyConnection, suite_id: str) -> list[str]:
    """The models with results on this suite (the outputs a label can be about)."""
    rows = (
        con.cursor()
        .execute("SELECT DISTINCT model_id FROM trials WHERE suite_id = ? ORDER BY model_id", [suite_id])
        .fetchall()
    )
    return [model_id for (model_id,) in rows]


def suite_task_ids(con: duckdb.DuckDBPyConnection, suite_id: str) -> set[str]:
    """The task ids of one stored suite version."""
    return {t for (t,) in con.cursor().execute("SELECT task_id FROM tasks WHERE suite_id = ?", [suite_id]).fetchall()}


def replace_labels(con: duckdb.DuckDBPyConnection, suite_id: str, labels: dict[tuple[str, str], bool]) -> None:
    """Store labels keyed (task_id, model_id), replacing earlier labels of the same outputs; all or nothing."""
    tasks, models = [t for t, _ in labels], [m for _, m in labels]

    def write(cur):
        cur.execute(
            "DELETE FROM judge_labels WHERE suite_id = ? AND (task_id, model_id) IN "
            "(SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]))",
            [suite_id, tasks, models],
        )
        insert_columns(
            cur,
            "judge_labels",
            {
                "suite_id": ("VARCHAR", suite_id),
                "task_id": ("VARCHAR", tasks),
                "model_id": ("VARCHAR", models),
                "human_correct": ("BOOLEAN", list(labels.values())),
            },
        )

    # gated: one label per output without a key (the shared store has none)
    serialized(con, write)

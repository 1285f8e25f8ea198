"""Suites in the database: versioned by content hash, written all-or-nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import NotFound
from routeboard.store.connection import gate, insert_columns


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the suite version it points at and whether anything was written."""

    suite_id: str
    name: str
    version: int
    created: bool
    task_count: int


def planned_suite_id(cur: duckdb.DuckDBPyConnection, suite: Suite) -> tuple[str, bool]:
    """The id ``write_suite`` would give a suite and whether it is stored already (same name and content)."""
    same = cur.execute(
        "SELECT suite_id FROM suites WHERE name = ? AND content_hash = ?", [suite.name, suite.content_hash()]
    ).fetchone()
    if same:
        return same[0], True
    version = cur.execute("SELECT coalesce(max(version), 0) + 1 FROM suites WHERE name = ?", [suite.name]).fetchone()[0]
    return f"{suite.name}@{version}", False


def write_suite(cur: duckdb.DuckDBPyConnection, suite: Suite, origin: str = "file") -> ImportResult:
    """Store a suite on the caller's transaction cursor: the one writer of suite rows (an upload, or a results
    import writing its suite in the same transaction as its results); identical content is recognised, changed
    content becomes the next version. Gated: two uploads of one suite at once cannot both
    store it, nor take the same next version (no UNIQUE on the shared store; the later commit fails)."""
    gate(cur)
    digest = suite.content_hash()
    same = cur.execute(
        "SELECT suite_id, version FROM suites WHERE name = ? AND content_hash = ?", [suite.name, digest]
    ).fetchone()
    if same:
        return ImportResult(same[0], suite.name, same[1], False, len(suite.tasks))
    version = cur.execute("SELECT coalesce(max(version), 0) + 1 FROM suites WHERE name = ?", [suite.name]).fetchone()[0]
    suite_id = f"{suite.name}@{version}"
    cur.execute(
        """INSERT INTO suites (suite_id, name, version, category, description, grader, validator, bar, risk,
               prompt_template, system_prompt, max_invalid_retries, content_hash, source, origin, task_count,
               constraints)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            suite_id,
            suite.name,
            version,
            suite.category,
            suite.description,
            _spec_json(suite.grader),
            _spec_json(suite.validator),
            suite.bar,
            suite.risk,
            suite.prompt_template,
            suite.system_prompt,
            suite.max_invalid_retries,
            digest,
            suite.source,
            origin,
            len(suite.tasks),
            json.dumps(suite.constraints) if suite.constraints else None,
        ],
    )
    _insert_tasks(cur, suite_id, 0, suite.tasks)
    return ImportResult(suite_id, suite.name, version, True, len(suite.tasks))


def extend_suite(
    cur: duckdb.DuckDBPyConnection, suite_id: str, start: int, tasks: list[Task], content_hash: str
) -> None:
    """Add tasks to a stored version in place from position ``start`` on, with its new size and hash (an
    imported suite grows with each file of results, so they all stay under one version)."""
    _insert_tasks(cur, suite_id, start, tasks)
    cur.execute(
        "UPDATE suites SET task_count = ?, content_hash = ? WHERE suite_id = ?",
        [start + len(tasks), content_hash, suite_id],
    )


def _insert_tasks(cur: duckdb.DuckDBPyConnection, suite_id: str, start: int, tasks) -> None:
    insert_columns(
        cur,
        "tasks",
        {
            "suite_id": ("VARCHAR", suite_id),
            "task_id": ("VARCHAR", [t.id for t in tasks]),
            "position": ("INTEGER", list(range(start, start + len(tasks)))),
            "input": ("VARCHAR", [t.input for t in tasks]),
            "messages": ("JSON", [json.dumps(t.messages) if t.messages else None for t in tasks]),
            "vars": ("JSON", [json.dumps(t.vars, ensure_ascii=False, default=str) for t in tasks]),
            "expected": ("VARCHAR", [t.expected for t in tasks]),
            "metadata": ("JSON", [json.dumps(t.metadata, ensure_ascii=False, default=str) for t in tasks]),
        },
    )


def list_suites(con: duckdb.DuckDBPyConnection, all_versions: bool = False) -> list[dict]:
    """Suites as plain rows (the latest version of each name unless ``all_versions``)."""
    latest = "" if all_versions else "QUALIFY version = max(version) OVER (PARTITION BY name)"
    cur = con.cursor()
    rows = cur.execute(f"""
        SELECT suite_id, name, version, category, bar, task_count, (grader->>'name') AS grader,
               (validator->>'name') AS validator, risk, origin, created_at
        FROM suites {latest} ORDER BY name, version""").fetchall()
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def resolve_suite_id(con: duckdb.DuckDBPyConnection, name_or_id: str) -> str:
    """A suite id from ``name`` (latest version) or ``name@version``."""
    cur = con.cursor()
    row = cur.execute("SELECT suite_id FROM suites WHERE suite_id = ?", [name_or_id]).fetchone()
    if row is None:
        row = cur.execute(
            "SELECT suite_id FROM suites WHERE name = ? ORDER BY version DESC LIMIT 1", [name_or_id]
        ).fetchone()
    if row is None:
        known = ", ".join(r["name"] for r in list_suites(con)) or "none yet"
        raise NotFound(
            f"no suite named {name_or_id!r} in the database (known: {known}); "
            "import one with `python -m routeboard suites import PATH`"
        )
    return row[0]


def latest_version(cur: duckdb.DuckDBPyConnection, name: str) -> dict | None:
    """The newest version of a suite name (suite_id, category, bar, origin, task_count), or None."""
    cur.execute(
        "SELECT suite_id, category, bar, origin, task_count FROM suites WHERE name = ? ORDER BY version DESC LIMIT 1",
        [name],
    )
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def stored_tasks(cur: duckdb.DuckDBPyConnection, suite_id: str) -> list[Task]:
    """A stored suite version's tasks in order."""
    rows = cur.execute(
        """SELECT task_id, input, messages, vars, expected, metadata FROM tasks
                          WHERE suite_id = ? ORDER BY position""",
        [suite_id],
    ).fetchall()
    return [
        Task(
            id=r[0],
            input=r[1],
            messages=json.loads(r[2]) if r[2] else None,
            vars=json.loads(r[3]) if r[3] else {},
            expected=r[4],
            metadata=json.loads(r[5]) if r[5] else {},
        )
        for r in rows
    ]


def load_stored_suite(con: duckdb.DuckDBPyConnection, name_or_id: str) -> tuple[str, Suite]:
    """The stored suite (id and Suite with its tasks)."""
    suite_id = resolve_suite_id(con, name_or_id)
    cur = con.cursor()
    (name, category, description, grader, validator, bar, risk, template, system, retries, source, constraints) = (
        cur.execute(
            """SELECT name, category, description, grader, validator, bar, risk, prompt_template, system_prompt,
                  max_invalid_retries, source, constraints FROM suites WHERE suite_id = ?""",
            [suite_id],
        ).fetchone()
    )
    tasks = tuple(stored_tasks(cur, suite_id))
    suite = Suite(
        name=name,
        category=category,
        grader=_spec(grader),
        tasks=tasks,
        bar=bar,
        description=description or "",
        risk=risk or "",
        validator=_spec(validator) if validator else None,
        prompt_template=template,
        system_prompt=system,
        max_invalid_retries=retries,
        constraints=json.loads(constraints) if constraints else {},
        source=source or "",
    )
    return suite_id, suite


def set_suite_settings(
    cur: duckdb.DuckDBPyConnection,
    suite_id: str,
    *,
    bar: float | None = None,
    grader: GraderSpec | None = None,
    constraints: dict | None = None,
) -> None:
    """Write a suite's decision settings in place; None leaves one as stored."""
    if constraints is not None:
        cur.execute("UPDATE suites SET constraints = ? WHERE suite_id = ?", [json.dumps(constraints), suite_id])
    if bar is not None:
        cur.execute("UPDATE suites SET bar = ? WHERE suite_id = ?", [bar, suite_id])
    if grader is not None:
        cur.execute("UPDATE suites SET grader = ? WHERE suite_id = ?", [_spec_json(grader), suite_id])


def grader_json(spec: GraderSpec | None) -> str | None:
    """A grader spec as the store writes it."""
    return _spec_json(spec)


def _spec_json(spec: GraderSpec | None) -> str | None:
    return json.dumps({"name": spec.name, "options": spec.options}, ensure_ascii=False) if spec else None


def _spec(raw: str) -> GraderSpec:
    data = json.loads(raw)
    return GraderSpec(data["name"], data.get("options") or {})

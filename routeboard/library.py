"""A team's suite library: a person uploads a suite, imports the shipped ones, changes a suite's decision settings
or reads one; each checked against the person's role where it happens, writes audited in the same transaction
(docs/design.md, "A team's deployment"). The rows themselves are written by routeboard.store.suites."""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from routeboard.decide.constraints import constraint_problems
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import Problems
from routeboard.graders import spec_problems
from routeboard.store.connection import serialized
from routeboard.store.suites import ImportResult, grader_json, load_stored_suite, set_suite_settings, write_suite
from routeboard.suites import load_suite, shipped_suite_paths
from routeboard.team import audit
from routeboard.team.access import Actor, require


def save_suite(
    con: duckdb.DuckDBPyConnection, suite: Suite, origin: str = "file", *, actor: Actor | None = None
) -> ImportResult:
    """Store a suite; identical content is recognised, changed content becomes the next version. A person's
    upload (routeboard/team/access.py: analysts and admins), audited in the same transaction."""
    actor = require(actor, "upload_suite")

    def write(cur):
        result = write_suite(cur, suite, origin)
        detail = {"origin": origin, "created": result.created, "tasks": result.task_count}
        audit.record(cur, actor, "upload_suite", result.suite_id, detail)
        return result

    return serialized(con, write)


def save_suites(
    con: duckdb.DuckDBPyConnection, suites: list[Suite], origin: str = "file", *, actor: Actor | None = None
) -> list[ImportResult]:
    """Store several suites (a test project's) in one transaction: all or none, each audited as an upload."""
    actor = require(actor, "upload_suite")

    def write(cur):
        results = []
        for suite in suites:
            result = write_suite(cur, suite, origin)
            detail = {"origin": origin, "created": result.created, "tasks": result.task_count}
            audit.record(cur, actor, "upload_suite", result.suite_id, detail)
            results.append(result)
        return results

    return serialized(con, write)


def import_shipped(con: duckdb.DuckDBPyConnection, *, actor: Actor | None = None) -> list[ImportResult]:
    """Import every shipped suite (each recognised by content if already there)."""
    return [save_suite(con, load_suite(path), origin="shipped", actor=actor) for path in shipped_suite_paths()]


def update_suite_settings(
    con: duckdb.DuckDBPyConnection,
    suite_id: str,
    *,
    bar: float | None = None,
    grader: GraderSpec | None = None,
    constraints: dict | None = None,
    actor: Actor | None = None,
) -> None:
    """Change a stored suite's bar, grader options or route constraints in place (decision settings, not
    task content: results already stored stay valid). None leaves a setting as stored; every bad value is
    reported by field and nothing is written. An admin's action, audited with the new values."""
    problems = Problems(suite_id)
    constraint_problems(constraints, problems)
    if bar is not None and (isinstance(bar, bool) or not isinstance(bar, (int, float)) or not 0 < bar <= 1):
        problems.add(None, "bar", f"the quality bar must be a number in (0, 1]; got {bar!r}")
    if grader is not None:
        for message in spec_problems(grader):
            problems.add(None, "grader", message)
    actor = require(actor, "change_suite_settings")
    problems.raise_if_any()
    changed = {"bar": bar, "grader": json.loads(grader_json(grader) or "null"), "constraints": constraints}

    def write(cur):
        audit.record(cur, actor, "change_suite_settings", suite_id, {k: v for k, v in changed.items() if v is not None})
        set_suite_settings(cur, suite_id, bar=bar, grader=grader, constraints=constraints)

    # retried when a concurrent upload wins the commit (the shared store conflicts per table)
    serialized(con, write)


@dataclass(frozen=True)
class SuiteView:
    """A stored suite as a person reads it: its settings, its task count and the first tasks they asked for."""

    suite_id: str
    suite: Suite
    tasks: tuple[Task, ...]  # inputs and expected answers: content, only for a person who may see it


def show_suite(con: duckdb.DuckDBPyConnection, name: str, *, tasks: int = 0, actor: Actor | None = None) -> SuiteView:
    """A stored suite (NAME for the latest version, or NAME@VERSION) with its first ``tasks`` tasks. Its settings
    are anyone's to read; its tasks' inputs and expected answers are content (see_content, the content_roles
    setting), refused to a person who may not see them."""
    actor = require(actor, "view")
    if tasks > 0:
        require(actor, "see_content")
    suite_id, suite = load_stored_suite(con, name)
    return SuiteView(suite_id, suite, suite.tasks[: max(tasks, 0)])

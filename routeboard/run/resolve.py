"""The suites and models a request names, refused up front (before any call or run row) when a run could only
fail or mislead: an unknown price, or a model its provider says it cannot call now (a key not set, a package
not installed)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from routeboard.catalog.models import get_model
from routeboard.domain import Model, Suite
from routeboard.errors import InvalidInput, ModelUnavailable
from routeboard.present import said
from routeboard.providers.registry import capabilities_for
from routeboard.store.suites import load_stored_suite, planned_suite_id


def resolve_suites(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> list[tuple[str, Suite]]:
    """Suites by stored name/id, or by path: a file is read here and given the id it will be stored under (its
    stored id when the same content is there), but nothing is written: a run stores it with the run itself, once
    every check has passed (``unstored``), so a refused run leaves no suite behind."""
    from routeboard.suites import load_suite

    resolved = []
    for name in names:
        if Path(name).exists():
            suite = load_suite(name)
            resolved.append((planned_suite_id(con.cursor(), suite)[0], suite))
        else:
            resolved.append(load_stored_suite(con, name))
    return resolved


def unstored(
    con: duckdb.DuckDBPyConnection, names: tuple[str, ...], suites: list[tuple[str, Suite]]
) -> list[tuple[str, Suite]]:
    """The suites ``resolve_suites`` read from files (``names`` that are paths) that are not stored yet. A stored
    suite is never among them: its settings may have changed in place since its content was hashed."""
    cur = con.cursor()
    return [
        (suite_id, suite)
        for name, (suite_id, suite) in zip(names, suites)
        if Path(name).exists() and not planned_suite_id(cur, suite)[1]
    ]


def refuse_ungradable(suite_id: str, suite: Suite) -> None:
    """A suite whose grader needs answers it lacks would be graded all wrong: refused before any call. (Suites made
    by a results import or the sample workspace hold other tools' prompts, often with no answer key.)"""
    from routeboard.graders import needs_expected

    missing = sum(1 for task in suite.tasks if not (task.expected or "").strip())
    if missing and needs_expected(suite.grader):
        raise InvalidInput(
            f"{suite_id}: {missing} of {len(suite.tasks)} tasks have no expected answer, which its "
            f"'{suite.grader.name}' grader needs; it cannot be run (add answers, or pick a grader that needs none)"
        )


def resolve_models(con: duckdb.DuckDBPyConnection, ids: tuple[str, ...], role: str = "") -> list[Model]:
    """The models to call; ``role`` ('judge ') names them in a refusal."""
    models = [get_model(con, model_id) for model_id in dict.fromkeys(ids)]
    unknown = [m.id for m in models if not m.price.known]
    if unknown:
        raise InvalidInput(
            f"no known price for {role}{', '.join(unknown)}: "
            + said(
                f"set one with `python -m routeboard models add {unknown[0]} --input-price USD --output-price USD`",
                "set one on the Models page",
            )
            + " (never assumed $0)"
        )
    refuse_unavailable([(role, m) for m in models])
    return models


def refuse_unavailable(named: list[tuple[str, Model]]) -> None:
    """Raise ModelUnavailable naming every model (with its role) its provider cannot call now, and why."""
    reasons = [f"{role}{m.id}: {reason}" for role, m in dict.fromkeys(named) if (reason := unavailable_reason(m))]
    if reasons:
        raise ModelUnavailable("; ".join(reasons))


def unavailable_reason(model: Model) -> str | None:
    """Why a model cannot be called now ('OPENAI_API_KEY is not set'), as its provider declares; None when it can."""
    return capabilities_for(model).unavailable_reason(model)

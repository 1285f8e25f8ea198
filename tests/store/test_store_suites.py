"""Storing suites: versions by content, all-or-nothing writes, old versions kept."""

from __future__ import annotations

import duckdb
import pytest

from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import InvalidInput
from routeboard.library import save_suite, update_suite_settings
from routeboard.store.connection import connect, transaction
from routeboard.store.migrations import MIGRATIONS
from routeboard.store.suites import extend_suite, list_suites, load_stored_suite, write_suite


def make_suite(expected="4", name="math", ids=("a", "b")) -> Suite:
    return Suite(
        name=name,
        category="arithmetic",
        grader=GraderSpec("exact"),
        bar=0.9,
        tasks=tuple(Task(id=i, input=f"q {i}", expected=expected) for i in ids),
    )


def counts(con):
    return con.execute("SELECT (SELECT count(*) FROM suites), (SELECT count(*) FROM tasks)").fetchone()


def test_migrations_are_applied_once_in_order(isolated_db):
    con = connect(isolated_db)
    names = [r[0] for r in con.execute("SELECT name FROM _migrations ORDER BY name").fetchall()]
    assert names == [name for name, _ in MIGRATIONS]
    con.close()
    con = connect(isolated_db)  # reopening applies nothing twice
    assert con.execute("SELECT count(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)


def test_identical_import_is_recognised_and_a_change_is_a_new_version(con):
    first = save_suite(con, make_suite())
    again = save_suite(con, make_suite())
    changed = save_suite(con, make_suite(expected="5"))
    assert (first.suite_id, first.created) == ("math@1", True)
    assert (again.suite_id, again.created) == ("math@1", False)
    assert (changed.suite_id, changed.created) == ("math@2", True)
    assert counts(con) == (2, 4)
    # the old version keeps its own tasks for the results that ran on it
    assert load_stored_suite(con, "math@1")[1].tasks[0].expected == "4"
    assert load_stored_suite(con, "math")[1].tasks[0].expected == "5"
    assert [r["suite_id"] for r in list_suites(con)] == ["math@2"]


def test_a_failed_import_writes_nothing(con):
    save_suite(con, make_suite(name="kept"))
    before = counts(con)
    broken = make_suite(name="broken", ids=("a", "a"))  # duplicate ids violate the tasks key mid-transaction
    with pytest.raises(duckdb.ConstraintException):
        save_suite(con, broken)
    assert counts(con) == before
    assert [r["name"] for r in list_suites(con)] == ["kept"]


def test_round_trip_keeps_everything_a_run_needs(con):
    suite = Suite(
        name="chat",
        category="c",
        grader=GraderSpec("label", {"labels": ["x", "y"]}),
        bar=0.8,
        validator=GraderSpec("one_of", {"labels": ["x", "y"]}),
        system_prompt="sys",
        prompt_template="Q: {{q}}",
        max_invalid_retries=2,
        tasks=(Task(id="1", vars={"q": "é?"}, expected="x", metadata={"scale": "million"}),),
    )
    save_suite(con, suite)
    _, stored = load_stored_suite(con, "chat")
    assert stored.metadata() == suite.metadata()
    assert stored.tasks == suite.tasks


def test_settings_change_only_what_is_given_and_a_bad_value_writes_nothing(con):
    suite = Suite(
        name="figures",
        category="figures",
        bar=0.94,
        tasks=(Task(id="a", input="1+1?", expected="2"),),
        grader=GraderSpec("numeric", {"rel_tol": 0.01, "scale_field": "scale"}),
        constraints={"max_latency_ms_p95": 2000},
    )
    suite_id = save_suite(con, suite).suite_id
    update_suite_settings(con, suite_id, bar=0.9)
    stored = load_stored_suite(con, suite_id)[1]
    assert (stored.bar, stored.grader, stored.constraints) == (0.9, suite.grader, suite.constraints)

    with pytest.raises(InvalidInput) as caught:
        update_suite_settings(
            con,
            suite_id,
            bar=1.5,
            grader=GraderSpec("numeric", {"rel_tol": -1}),
            constraints={"allowed_tiers": ["huge"]},
        )
    assert [p.field for p in caught.value.problems] == ["constraints.allowed_tiers", "bar", "grader"]
    assert load_stored_suite(con, suite_id)[1].bar == 0.9


def test_a_suite_written_in_a_transaction_that_fails_leaves_nothing(con):
    """write_suite is the writer a results import calls inside its own transaction."""
    with pytest.raises(RuntimeError), transaction(con) as cur:
        assert write_suite(cur, make_suite(name="inside")).created
        raise RuntimeError("the import found a problem after writing its suite")
    assert counts(con) == (0, 0)
    assert save_suite(con, make_suite(name="inside")).suite_id == "inside@1"


def test_a_version_extended_in_place_keeps_its_id_task_order_and_is_recognised_by_content(con):
    first = save_suite(con, make_suite(ids=("a", "b")))
    bigger = make_suite(ids=("a", "b", "c"))
    with transaction(con) as cur:
        extend_suite(cur, first.suite_id, 2, [bigger.tasks[2]], bigger.content_hash())
    suite_id, stored = load_stored_suite(con, "math")
    assert suite_id == "math@1" and [t.id for t in stored.tasks] == ["a", "b", "c"]
    assert save_suite(con, bigger).created is False

"""The data version: moves with every table a decision reads, stays put when nothing changed."""

from __future__ import annotations

from routeboard.catalog.models import add_model
from routeboard.decide.scenario import Scenario, save_scenario
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.library import save_suite, update_suite_settings
from routeboard.store.version import data_version


def suite() -> Suite:
    return Suite(
        name="math",
        category="arithmetic",
        grader=GraderSpec("numeric", {"rel_tol": 0.01}),
        bar=0.9,
        tasks=(Task(id="a", input="1+1?", expected="2"),),
    )


def test_reading_changes_nothing_and_restoring_a_setting_restores_the_version(con):
    suite_id = save_suite(con, suite()).suite_id
    first = data_version(con)
    assert data_version(con) == first
    update_suite_settings(con, suite_id, bar=0.95)
    assert data_version(con) != first
    update_suite_settings(con, suite_id, bar=0.9)
    assert data_version(con) == first  # same content, same facts: a cache entry may be reused


def test_each_settings_table_moves_the_version(con):
    suite_id = save_suite(con, suite()).suite_id
    add_model(con, "fake/m", tier="frontier", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    edits = {
        "constraints": lambda: update_suite_settings(con, suite_id, constraints={"max_latency_ms_p95": 900}),
        "grader option": lambda: update_suite_settings(con, suite_id, grader=GraderSpec("numeric", {"rel_tol": 0.1})),
        "model tier": lambda: add_model(
            con, "fake/m", tier="small-proprietary", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0
        ),
        "model price": lambda: add_model(
            con, "fake/m", tier="small-proprietary", input_price_per_mtok_usd=1.5, output_price_per_mtok_usd=2.0
        ),
        "free flag": lambda: add_model(con, "fake/m", tier="small-proprietary", free=True),
        "judge label": lambda: con.execute("INSERT INTO judge_labels VALUES (?, 'a', 'fake/m', true)", [suite_id]),
    }
    for kind, make in edits.items():
        before = data_version(con)
        make()
        assert data_version(con) != before, kind


def test_a_saved_scenario_leaves_cached_facts_alone(con):
    # no page caches on scenarios: facts are scenario-free, so saving one must not throw the cache away
    save_suite(con, suite())
    before = data_version(con)
    save_scenario(con, Scenario(name="busy").with_values(review_rate=0.5))
    assert data_version(con) == before

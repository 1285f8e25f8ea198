"""A category's bar and constraints come from one place: one version per suite (the latest selected, or the one the
chosen runs used), and a visible conflict, with no route, where two suites of the category disagree."""

from __future__ import annotations

import json

import pandas as pd

import routeboard
from routeboard.decide.category_rules import category_rules
from routeboard.decide.facts import ledger_facts
from tests.conftest import run_cli
from tests.store.stored import add_results, add_suite

ALL_RIGHT = [[True]] * 40  # Wilson lower bound 0.912: clears 0.9, not 0.95


def _suites(*rows) -> pd.DataFrame:
    columns = ["category", "suite_id", "name", "version", "bar", "constraints"]
    return pd.DataFrame([dict(zip(columns, row)) for row in rows], columns=columns)


def test_the_latest_version_of_a_suite_states_its_rules():
    rules = category_rules(
        _suites(
            ("triage", "tickets@1", "tickets", 1, 0.99, json.dumps({"deny_models": ["m"]})),
            ("triage", "tickets@2", "tickets", 2, 0.9, None),
        )
    ).iloc[0]
    assert (rules["bar"], rules["constraints"], rules["rules_conflict"]) == (0.9, None, None)


def test_suites_that_rule_alike_are_no_conflict_however_they_spell_it():
    rules = category_rules(
        _suites(
            ("triage", "tickets@1", "tickets", 1, 0.9, json.dumps({"allowed_tiers": ["local", "frontier"]})),
            ("triage", "emails@3", "emails", 3, 0.9, json.dumps({"allowed_tiers": ["frontier", "local"]})),
        )
    ).iloc[0]
    assert rules["rules_conflict"] is None and rules["bar"] == 0.9


def test_two_suites_that_disagree_are_a_conflict_naming_each_suite_and_value():
    rules = category_rules(
        _suites(
            ("triage", "tickets@1", "tickets", 1, 0.9, json.dumps({"max_latency_ms_p95": 2000})),
            ("triage", "emails@1", "emails", 1, 0.95, None),
        )
    ).iloc[0]
    assert "bar 0.95 (emails@1), 0.9 (tickets@1)" in rules["rules_conflict"]
    assert "max_latency_ms_p95 none (emails@1), 2000 (tickets@1)" in rules["rules_conflict"]
    assert rules["bar"] == 0.95  # shown against the strictest bar; no route is taken from it


def test_the_cli_shows_the_conflict_and_routes_nothing(isolated_db):
    con = routeboard.connect(isolated_db)
    add_results(con, "r1", add_suite(con, "tickets", "triage", bar=0.9, tasks=40), "acme/m", ALL_RIGHT)
    add_results(con, "r1", add_suite(con, "emails", "triage", bar=0.95, tasks=40), "acme/m", ALL_RIGHT)
    con.close()
    [route] = json.loads(run_cli("route", "--json").stdout)
    assert route["model"] is None
    assert "disagree" in route["reason"] and "0.95 (emails@1), 0.9 (tickets@1)" in route["reason"]
    text = run_cli("route", env={"COLUMNS": "400"}).stdout
    assert "none clears" in text and "emails@1" in text and "tickets@1" in text


def test_the_rules_of_the_version_a_chosen_run_used_apply(isolated_db):
    con = routeboard.connect(isolated_db)
    old = add_suite(con, "tickets", "triage", bar=0.99, tasks=40, constraints={"deny_models": ["acme/m"]})
    new = add_suite(con, "tickets", "triage", version=2, bar=0.9, tasks=40)
    add_results(con, "r1", old, "acme/m", ALL_RIGHT)
    add_results(con, "r2", new, "acme/m", ALL_RIGHT, finished_at="2026-01-02 10:00:00")
    # a third version, never run, must not lend its rules to the runs chosen
    add_suite(con, "tickets", "triage", version=3, bar=0.5, tasks=40, constraints={"deny_models": ["acme/m"]})
    con.close()
    for runs in (["--run", "r2"], ["--run", "r1", "--run", "r2"]):
        [route] = json.loads(run_cli("route", "--json", *runs).stdout)
        # version 2's bar and no deny list: not version 1's 0.99 (the max) nor its deny list (any one suite's)
        assert (route["model"], route["bar"]) == ("acme/m", 0.9), runs
    [route] = json.loads(run_cli("route", "--json", "--run", "r1").stdout)
    assert route["model"] is None and route["bar"] == 0.99


def test_facts_carry_one_rule_per_category_from_its_latest_suites(con):
    suite = add_suite(con, "tickets", "triage", bar=0.99, tasks=40)
    add_results(con, "r1", suite, "acme/m", ALL_RIGHT)
    add_suite(con, "tickets", "triage", version=2, bar=0.9, tasks=40, constraints={"min_tasks": 10})
    add_results(con, "r2", "tickets@2", "acme/m", ALL_RIGHT)
    add_results(con, "r3", add_suite(con, "emails", "writing", bar=0.8, tasks=40), "acme/m", ALL_RIGHT)
    rows = ledger_facts(con).set_index("category")
    assert (rows.loc["triage", "bar"], json.loads(rows.loc["triage", "constraints"])) == (0.9, {"min_tasks": 10})
    assert rows.loc["writing", "bar"] == 0.8 and rows["rules_conflict"].isna().all()


def test_the_tasks_a_category_can_still_give_count_one_version_per_suite(isolated_db):
    con = routeboard.connect(isolated_db)
    first = add_suite(con, "tickets", "triage", version=1, bar=0.9, tasks=40)
    add_results(con, "r1", first, "acme/m", ALL_RIGHT)
    add_results(con, "r2", add_suite(con, "tickets", "triage", version=2, bar=0.9, tasks=60), "acme/m", ALL_RIGHT)
    add_results(con, "r3", add_suite(con, "emails", "triage", version=1, bar=0.9, tasks=40), "acme/m", ALL_RIGHT)
    # the runs used both versions of tickets, but only one version states what the category holds: 60 + 40 tasks
    [suite_tasks] = ledger_facts(con, runs=["r1", "r2", "r3"])["suite_tasks"].tolist()
    assert suite_tasks == 100

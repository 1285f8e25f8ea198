"""Properties every decision must keep, whatever the numbers (hypothesis): routes, cpat, verdicts."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from routeboard.decide import intervals as stats
from routeboard.decide import verdicts
from routeboard.decide.routes import decide
from routeboard.decide.scenario import Assumptions, Scenario
from tests.decide.test_ledger import facts


@st.composite
def model_rows(draw):
    """One (category, model) row: tasks, repeats, accuracy, and a cost that may be unknown or zero."""
    tasks = draw(st.integers(1, 400))
    k = draw(st.sampled_from([1, 1, 3]))
    correct_per_task = draw(st.lists(st.integers(0, k), min_size=tasks, max_size=tasks)) if k > 1 else None
    correct = sum(correct_per_task) if k > 1 else draw(st.integers(0, tasks))
    priced = draw(st.sampled_from(["priced", "unpriced", "free"]))
    trials = tasks * k
    return dict(
        model=f"m{draw(st.integers(0, 10**6))}",
        tier=draw(st.sampled_from(["local", "frontier"])),
        correct=correct,
        trials=trials,
        tasks=tasks,
        max_k=k,
        bar=draw(st.sampled_from([0.8, 0.9, 0.95])),
        task_correct=correct_per_task,
        task_trials=[k] * tasks if k > 1 else None,
        cost_usd=0.0 if priced != "priced" else draw(st.floats(1e-6, 50)),
        infra_usd=0.0 if priced == "free" else draw(st.floats(0, 5)),
        unpriced_attempts=trials if priced == "unpriced" else 0,
    )


def frame(rows) -> pd.DataFrame:
    bar = rows[0]["bar"]  # one category, one bar
    return pd.concat([facts(**{**r, "bar": bar}) for r in rows], ignore_index=True).drop_duplicates("model_id")


scenarios = st.builds(
    Assumptions,
    review_rate=st.floats(0, 1),
    catch_rate=st.floats(0, 1),
    review_minutes=st.floats(0, 30),
    rework_minutes=st.floats(0, 30),
    reviewer_usd_per_hour=st.floats(0, 200),
    failure_usd=st.floats(0, 1000),
).map(lambda a: Scenario(defaults=a))


@settings(max_examples=60, deadline=None)
@given(st.lists(model_rows(), min_size=1, max_size=5), scenarios)
def test_a_route_only_picks_a_model_that_clears_has_a_price_and_enough_tasks(rows, scenario):
    decision = decide(frame(rows), scenario)
    [route] = decision.routes.to_dict("records")
    if route["model"] is None:
        return
    chosen = decision.ledger.set_index("model_id").loc[route["model"]]
    assert chosen["verdict"] == "clears" and chosen["ci_low"] >= chosen["bar"]
    # missing reasons come back as None or NaN depending on the column's dtype: a reason is always a str
    assert not isinstance(chosen["cost_unknown"], str) and not math.isnan(chosen["cpat_usd"])
    assert chosen["tasks"] >= 30 and not isinstance(chosen["excluded"], str)
    known = decision.ledger[(decision.ledger["verdict"] == "clears") & decision.ledger["excluded"].isna()]
    assert route["cpat_usd"] == known["cpat_usd"].min()


@settings(max_examples=60, deadline=None)
@given(st.lists(model_rows(), min_size=1, max_size=5), scenarios)
def test_cpat_is_never_zero_unless_every_part_is_known_and_zero(rows, scenario):
    led = decide(frame(rows), scenario).ledger
    for row in led.to_dict("records"):
        parts = [row[p] for p in ("model_usd", "tool_usd", "infra_usd", "review_usd", "rework_usd", "failure_usd")]
        if isinstance(row["cost_unknown"], str):
            assert math.isnan(row["cpat_usd"])
        if row["cpat_usd"] == 0:
            assert all(p == 0 for p in parts)


@settings(max_examples=60, deadline=None)
@given(st.lists(model_rows(), min_size=1, max_size=4), st.floats(0.5, 0.99), st.floats(0.5, 0.99))
def test_verdicts_are_monotone_in_the_bar(rows, bar_a, bar_b):
    low_bar, high_bar = sorted((bar_a, bar_b))
    at_low = decide(frame(rows), Scenario(), bar=low_bar).ledger.set_index("model_id")["verdict"]
    at_high = decide(frame(rows), Scenario(), bar=high_bar).ledger.set_index("model_id")["verdict"]
    for model in at_low.index:
        if at_high[model] == "clears":
            assert at_low[model] == "clears"
        if at_low[model] == "fails":
            assert at_high[model] == "fails"


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.floats(0.5, 0.99),
    st.integers(1, 100),
)
def test_the_verdict_rule_needs_the_minimum_tasks_to_clear(case, bar, min_tasks):
    k, n = case
    low, high = stats.interval(k, n)
    verdict = verdicts.verdict(low, high, bar, n, min_tasks)
    if verdict == "clears":
        assert n >= min_tasks and low >= bar
    assert verdicts.verdicts([low], [high], [bar], [n], [min_tasks])[0] in verdicts.VERDICTS

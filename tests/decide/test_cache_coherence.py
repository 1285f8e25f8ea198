"""The app's cached facts never outlive an edit: after every kind of change a decision reads, the data version
moves and the facts the pages get through the cache equal facts computed afresh."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routeboard.catalog.models import add_model, get_model
from routeboard.decide.facts import ledger_facts
from routeboard.decide.routes import decide
from routeboard.decide.scenario import Scenario
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.library import save_suite, update_suite_settings
from routeboard.providers.base import GenerationSettings
from routeboard.review.labels import import_labels
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.store.suites import load_stored_suite
from routeboard.store.version import data_version
from tests.fakes import FakeProvider, install_fake
from tests.ui.conftest import app_con, fresh_streamlit_caches  # noqa: F401  (fixtures: the app's own connection)

CHEAP, PRICEY = "fake/cheap", "fake/pricey"
ECHO, JUDGED = "echo", "judged"
TASKS = 12
BARS = (0.5, 0.7, 0.8, 0.9, 0.95)
CONSTRAINTS = (
    {},
    {"deny_models": [PRICEY]},
    {"max_latency_ms_p95": 5000},
    {"allowed_tiers": ["frontier"]},
    {"max_cpat_usd": 0.5},
)
TIERS = ("frontier", "small-proprietary", "hosted-open-weight")
RUBRICS = ("Is the reply polite?", "Does the reply answer the question?", "Is the reply short?")
EDITS = ("bar", "constraints", "grader option", "model tier", "model price", "judge label", "new trial")


def answer(prompt: str) -> str:
    """The echo tasks end with their answer; every third is answered wrong."""
    tail = prompt.rsplit(":", 1)[-1].strip()
    return "wrong" if tail.isdigit() and int(tail) % 3 == 2 else tail


@pytest.fixture
def stocked(app_con, tmp_path):  # noqa: F811  (app_con is the imported fixture)
    """Two categories run on two fake models: an exact-graded echo suite and an llm_judge suite."""
    install_fake(FakeProvider(answer=answer))
    add_model(app_con, CHEAP, tier="small-proprietary", input_price_per_mtok_usd=0.1, output_price_per_mtok_usd=0.2)
    add_model(app_con, PRICEY, tier="frontier", input_price_per_mtok_usd=10.0, output_price_per_mtok_usd=30.0)
    save_suite(
        app_con,
        Suite(
            name=ECHO,
            category=ECHO,
            grader=GraderSpec("exact"),
            bar=0.6,
            tasks=tuple(Task(id=f"t{i:02d}", input=f"say: {i}", expected=str(i)) for i in range(TASKS)),
        ),
    )
    save_suite(
        app_con,
        Suite(
            name=JUDGED,
            category=JUDGED,
            grader=GraderSpec("llm_judge", {"rubric": RUBRICS[0]}),
            bar=0.6,
            tasks=tuple(Task(id=f"j{i}", input=f"write: {i}") for i in range(4)),
        ),
    )
    run(app_con, (ECHO,), (CHEAP, PRICEY))
    run(app_con, (JUDGED,), (CHEAP,))
    return app_con, tmp_path


def run(con, suites: tuple[str, ...], models: tuple[str, ...], limit: int | None = None) -> None:
    progress = start_run(
        con,
        RunRequest(
            suites=suites,
            models=models,
            limit=limit,
            judge_model=CHEAP,
            use_cache=False,
            settings=GenerationSettings(max_output_tokens=10),
        ),
    ).run()
    assert progress.status == "completed"


def same_facts(cached: pd.DataFrame, fresh: pd.DataFrame) -> None:
    """Equal facts; per-task counts compared as a multiset (the ledger lists tasks in no set order)."""

    def comparable(facts: pd.DataFrame) -> pd.DataFrame:
        if "task_correct" not in facts:
            return facts
        pairs = [
            sorted(zip(c, k)) if hasattr(c, "__len__") else None  # None/NaN: one trial per task
            for c, k in zip(facts["task_correct"], facts["task_trials"])
        ]
        return facts.drop(columns=["task_correct", "task_trials"]).assign(task_counts=pairs)

    pd.testing.assert_frame_equal(comparable(cached), comparable(fresh))


def other(values, current, n: int):
    """One of ``values`` that differs from ``current`` (so every edit really changes something)."""
    choices = [v for v in values if v != current]
    return choices[n % len(choices)]


def edit(con, folder: Path, kind: str, n: int) -> None:
    """Make one edit of ``kind`` through the core, as a page or the CLI would."""
    echo_id, echo = load_stored_suite(con, ECHO)
    judged_id, judged = load_stored_suite(con, JUDGED)
    model = get_model(con, (CHEAP, PRICEY)[n % 2])
    if kind == "bar":
        update_suite_settings(con, echo_id, bar=other(BARS, echo.bar, n))
    elif kind == "constraints":
        update_suite_settings(con, echo_id, constraints=other(CONSTRAINTS, echo.constraints, n))
    elif kind == "grader option":
        rubric = other(RUBRICS, judged.grader.options["rubric"], n)
        update_suite_settings(con, judged_id, grader=GraderSpec("llm_judge", {"rubric": rubric}))
    elif kind == "model tier":
        add_model(
            con,
            model.id,
            tier=other(TIERS, model.tier, n),
            input_price_per_mtok_usd=model.price.input_per_mtok_usd,
            output_price_per_mtok_usd=model.price.output_per_mtok_usd,
        )
    elif kind == "model price":
        price_in = model.price.input_per_mtok_usd + 0.5 + n % 7
        add_model(
            con, model.id, tier=model.tier, input_price_per_mtok_usd=price_in, output_price_per_mtok_usd=2 * price_in
        )
    elif kind == "judge label":
        labels = folder / "labels.csv"
        rows = [f"j{i},{CHEAP},{'yes' if (n >> i) & 1 else 'no'}" for i in range(4)]
        labels.write_text("task_id,model,correct\n" + "\n".join(rows[: 1 + n % 4]) + "\n")
        import_labels(con, JUDGED, labels)
    elif kind == "new trial":
        run(con, (ECHO,), (CHEAP,), limit=1 + n % 3)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 1_000)), min_size=1, max_size=4))
def test_cached_facts_equal_fresh_facts_after_every_kind_of_edit(stocked, edits):
    # the examples keep editing one database: each check compares the state just before and just after an edit
    import ui.state

    con, folder = stocked
    ui.state.facts()  # what a page cached before the edit
    for kind, n in edits:
        before = data_version(con)
        edit(con, folder, kind, n)
        after = data_version(con)
        cached, fresh = ui.state.facts(), ledger_facts(con)
        same_facts(cached, fresh)
        assert decide(cached, Scenario()).routes.equals(decide(fresh, Scenario()).routes)
        if before == after:
            # only a judge-label file identical to the stored labels may leave the version as it was
            assert kind == "judge label", f"a {kind} edit left the data version unchanged"


def test_every_kind_of_edit_is_seen_by_a_page_that_cached_the_facts_before(stocked):
    """Each edit once, in a fixed order, with what the user sees in the fresh facts checked too."""
    import ui.state

    con, folder = stocked
    for number, kind in enumerate(EDITS):
        stale = ui.state.facts()
        before = data_version(con)
        edit(con, folder, kind, number + 1)
        assert data_version(con) != before, kind
        shown = ui.state.facts()
        same_facts(shown, ledger_facts(con))
        echo = shown[shown["category"] == ECHO]
        if kind == "bar":
            assert (
                echo["bar"].iat[0]
                == load_stored_suite(con, ECHO)[1].bar
                != stale[stale["category"] == ECHO]["bar"].iat[0]
            )
        elif kind == "judge label":
            judged = shown[shown["category"] == JUDGED]
            assert (judged["judge_tpr_n"] + judged["judge_tnr_n"]).iat[0] > 0  # the labels now count
        elif kind == "new trial":
            assert echo["trials"].sum() > stale[stale["category"] == ECHO]["trials"].sum()
        elif kind == "model tier":
            # a tier is a classification, not a price: the catalog's current tier is what allowed_tiers judges
            tiers = dict(zip(shown["model_id"], shown["tier"]))
            assert [tiers[m] for m in (CHEAP, PRICEY)] == [get_model(con, m).tier for m in (CHEAP, PRICEY)]
            was = dict(zip(stale["model_id"], stale["tier"]))
            assert [tiers[m] for m in (CHEAP, PRICEY)] != [was[m] for m in (CHEAP, PRICEY)]

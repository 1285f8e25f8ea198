"""AppTest fixtures: a fresh Streamlit cache per test, the app's own connection, and a seeded two-model run."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from routeboard.catalog.models import add_model
from routeboard.domain import Suite
from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.settings import db_path
from tests.conftest import echo_suite as shared_echo_suite
from tests.fakes import FakeProvider, install_fake

APP = Path(__file__).resolve().parents[2] / "app.py"
TIMEOUT_S = 60

SUITE = "echo"
TASKS = 40
CHEAP, PRICEY = "fake/cheap", "fake/pricey"
# USD per million tokens (input, output); the fake answers with 100 input and 10 output tokens
PRICES = {CHEAP: (0.1, 0.2), PRICEY: (10.0, 30.0)}
# the cheap model is wrong on every 10th task (36/40 = 90%), the pricey one on every 4th (30/40 = 75%)
WRONG_EVERY = {CHEAP: 10, PRICEY: 4}
BAR = 0.7


class PerModelFake(FakeProvider):
    """The test fake, answering by model: each model is wrong on every n-th task."""

    def __init__(self, wrong_every: dict[str, int]):
        super().__init__()
        self.wrong_every = wrong_every

    async def complete(self, model, messages, settings):
        completion = await super().complete(model, messages, settings)
        every = self.wrong_every.get(model.id)
        if every and int(completion.text) % every == every - 1:
            return replace(completion, text="wrong")
        return completion


def echo_suite() -> Suite:
    """The pages' suite: its prompt ends with the answer, so the fake knows it."""
    return shared_echo_suite(TASKS, bar=BAR, name=SUITE, digits=2)


@pytest.fixture(autouse=True)
def fresh_streamlit_caches(isolated_db):
    """Caches outlive AppTest instances in one process: start and end every test with none."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_con(isolated_db):
    """A connection to the app's database file (the app holds the same file only while a page runs)."""
    import routeboard

    assert db_path() == isolated_db
    con = routeboard.connect(isolated_db)
    yield con
    con.close()


@pytest.fixture
def fake():
    return install_fake(PerModelFake(WRONG_EVERY))


@pytest.fixture
def models(app_con):
    """The two priced fake models in the catalog."""
    add_priced(app_con, PRICES)
    return list(PRICES)


def add_priced(con, prices: dict[str, tuple[float, float]]) -> None:
    """Fake models in the catalog at these (input, output) USD per million tokens."""
    for model_id, (price_in, price_out) in prices.items():
        add_model(
            con,
            model_id,
            tier="small-proprietary",
            input_price_per_mtok_usd=price_in,
            output_price_per_mtok_usd=price_out,
        )


@dataclass
class Seeded:
    con: object
    run_id: str
    suite_id: str


@pytest.fixture
def seeded(app_con, models, fake) -> Seeded:
    """The echo suite run once on both fake models, through the core."""
    suite_id = save_suite(app_con, echo_suite()).suite_id
    runner = start_run(
        app_con,
        RunRequest(
            suites=(SUITE,), models=tuple(models), concurrency=4, settings=GenerationSettings(max_output_tokens=10)
        ),
    )
    progress = runner.run()
    assert (progress.status, progress.done) == ("completed", 2 * TASKS)
    return Seeded(app_con, runner.run_id, suite_id)


@pytest.fixture
def app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)


def open_page(at: AppTest, name: str) -> AppTest:
    """Switch to pages/<name>.py, run it, and fail on any exception the page raised."""
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---------------------------------------------------------------- reading what a page shows


def table(at, *columns: str):
    """The one table on the page (or in a container of it) with these columns.

    A display-only st.dataframe does not carry its key into the element AppTest sees (only widgets and
    data editors do), so tables are found by the columns a user reads, never by position."""
    matches = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert len(matches) == 1, f"{len(matches)} tables with columns {columns}"
    return matches[0]


def metric(at: AppTest, label: str) -> str:
    """The value shown by the st.metric with this label (metrics carry no key)."""
    values = [m.value for m in at.metric if m.label == label]
    assert len(values) == 1, f"{len(values)} metrics labelled {label!r}"
    return values[0]


def board(at: AppTest) -> pd.DataFrame:
    """The Overview's routing board as a person reads it, by category: its cells are Markdown (st.table), so the
    route's bold and the escapes of Markdown's marks are undone."""
    boards = [t.value for t in at.table if "route" in t.value.columns]
    assert len(boards) == 1, f"{len(boards)} routing boards"

    def read(cell) -> str:
        text = str(cell)
        text = text[2:-2] if text.startswith("**") and text.endswith("**") else text
        return re.sub(r"\\(.)", r"\1", text)

    return boards[0].map(read).set_index("category")


def evidence(at: AppTest) -> pd.DataFrame:
    """The evidence and assumptions behind each route on the Overview, by category: its expander opened as a person
    clicks it (drawn only once open)."""
    at.session_state["overview_evidence_open"] = True
    at.run()
    return table(at, "category", "routed", "verdict", "evidence").set_index("category")


def plotly_figure(at: AppTest, key: str) -> dict:
    """The Plotly figure of the chart keyed ``key``, as the browser receives it (its traces and layout)."""
    import json

    charts = [e for e in at.get("plotly_chart") if key in e.proto.id]
    assert len(charts) == 1, f"{len(charts)} Plotly charts keyed {key!r}"
    return json.loads(charts[0].proto.spec)


def chart(at: AppTest, name: str) -> tuple[dict, pd.DataFrame]:
    """The Vega-Lite chart named ``name`` (its spec's "name"): the spec and the data table the browser receives."""
    import json

    import pyarrow as pa

    charts = [e for e in at.get("vega_lite_chart") if json.loads(e.proto.spec).get("name") == name]
    assert len(charts) == 1, f"{len(charts)} charts named {name!r}"
    data = pa.ipc.open_stream(charts[0].proto.data.data).read_all().to_pandas()
    return json.loads(charts[0].proto.spec), data

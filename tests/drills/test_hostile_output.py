"""Hostile output: answers holding HTML/JS and spreadsheet formulas are stored verbatim, neutralised in CSV
exports, and shown inert on the Results page (only in table and plain-text elements, never as markdown/HTML)."""

from __future__ import annotations

import csv
import io

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import routeboard
from routeboard.browse import trial_rows
from routeboard.catalog.models import add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.exports import FORMULA_START, to_csv
from routeboard.library import save_suite
from routeboard.providers.base import Completion
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.settings import db_path
from tests.conftest import ROOT
from tests.fakes import install_fake

SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil","x")'
ANSWERS = {
    "html": SCRIPT,
    "formula": FORMULA,
    "both": FORMULA + SCRIPT,
    "plus": "+1+1",
    "minus": "-2+3",
    "at": "@SUM(A1:A9)",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "smuggled": "ok\r" + FORMULA,
    "plain": "42",
}
MARKERS = ("<script", "onerror", "HYPERLINK")
INERT = {"dataframe", "text"}  # elements that show a string as-is


class HostileModel:
    """Answers each task with its hostile string (the prompt's text after "answer for ")."""

    async def complete(self, model, messages, settings) -> Completion:
        key = messages[-1]["content"].removeprefix("answer for ")
        return Completion(ANSWERS[key], 20, 5, 1.0)


@pytest.fixture
def app_con(isolated_db):
    """A connection to the app's database file, with fresh Streamlit caches before and after."""
    st.cache_data.clear()
    st.cache_resource.clear()
    con = routeboard.connect(db_path())
    yield con
    con.close()
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def run_id(app_con) -> str:
    install_fake(HostileModel())
    add_model(
        app_con, "fake/hostile", tier="small-proprietary", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0
    )
    # the html task expects the script itself, so the page also shows it as the expected answer
    tasks = tuple(
        Task(id=key, input=f"answer for {key}", expected=SCRIPT if key == "html" else "42") for key in ANSWERS
    )
    save_suite(app_con, Suite(name="hostile", category="hostile", grader=GraderSpec("exact"), tasks=tasks))
    runner = start_run(app_con, RunRequest(suites=("hostile",), models=("fake/hostile",)))
    assert runner.run().status == "completed"
    return runner.run_id


def test_hostile_answers_are_stored_verbatim(app_con, run_id):
    for table in ("trials", "attempts"):
        stored = dict(
            app_con.cursor().execute(f"SELECT task_id, output FROM {table} WHERE run_id = ?", [run_id]).fetchall()
        )
        assert stored == ANSWERS, table


def test_csv_export_neutralises_every_formula_and_keeps_the_text(app_con, run_id):
    frame = trial_rows(app_con, runs=[run_id])
    rows = list(csv.DictReader(io.StringIO(to_csv(frame), newline="")))
    by_task = {row["task_id"]: row for row in rows}
    assert len(rows) == len(ANSWERS) and set(by_task) == set(ANSWERS)  # no cell broke its row
    for key, answer in ANSWERS.items():
        output = by_task[key]["output"]
        if answer.startswith(FORMULA_START):
            assert output == "'" + answer  # shown as text by a spreadsheet, and nothing lost
        else:
            assert output == answer
    text_columns = ("output", "expected", "detail", "task_id", "suite_id", "model_id", "category", "outcome")
    cells = [row[column] for row in rows for column in text_columns]
    assert [cell for cell in cells if cell.startswith(FORMULA_START)] == []


def test_results_page_shows_hostile_text_only_in_tables_and_plain_text(app_con, run_id):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/results.py").run()
    assert not at.exception, [e.value for e in at.exception]
    picked = next(option for option in at.selectbox(key="results_task").options if option.endswith(" / html"))
    at.selectbox(key="results_task").set_value(picked).run()
    assert not at.exception, [e.value for e in at.exception]

    shown_in: dict[str, set[str]] = {marker: set() for marker in MARKERS}

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(node, "type", None) not in (None, "main", "sidebar", "event"):
            data = proto.SerializeToString()
            for marker in MARKERS:
                if marker.encode() in data:
                    shown_in[marker].add(node.type)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    assert shown_in["<script"] == {"dataframe", "text"}  # the trials tables, the prompt and expected text
    assert shown_in["HYPERLINK"] == {"dataframe"}
    assert all(kinds <= INERT for kinds in shown_in.values()), shown_in
    assert [m.value for m in at.markdown if "<script" in m.value or "onerror" in m.value] == []
    texts = [t.value for t in at.text]
    assert "[user]\nanswer for html" in texts and SCRIPT in texts  # the prompt and the expected answer, verbatim
    outputs = [d.value for d in at.dataframe if "output" in d.value.columns]
    assert any((frame["output"] == SCRIPT).any() for frame in outputs)  # the answer itself, as a table cell

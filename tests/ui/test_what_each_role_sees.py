"""Each role sees what it can do (issue 22): no button a person's role may not use, the reason instead; the Overview
never pushes the shipped suites on a team with suites of its own; where outputs wait for people's review, every page
and the CLI's report count them rather than saying "no results"."""

from __future__ import annotations

import pytest

from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.store.suites import list_suites
from tests.conftest import run_cli
from tests.ui.conftest import echo_suite, open_page
from tests.ui.test_auth import write_secrets
from tests.ui.test_review_page import HUMAN, TASKS, human_suite
from tests.ui.test_team_pages import as_role

WAITING = (
    f"{2 * TASKS} outputs wait for review: a suite graded by people counts on the routing board once its outputs "
    "are reviewed."
)


def buttons(at) -> list[str]:
    return [b.key for b in at.button if b.key != "sign_out"]


@pytest.mark.parametrize("page", ["frontier", "whatif", "report", "results"])
def test_a_viewer_on_an_empty_store_reads_why_and_is_offered_no_import(app_con, tmp_path, monkeypatch, page):
    write_secrets(tmp_path, monkeypatch, team=True)
    at = as_role("viewer", page)
    assert [i.value for i in at.info] == [
        "No suites yet. Vic Viewer (viewer) may not upload suites; ask an admin for the analyst role."
    ]
    assert buttons(at) == [] and not at.get("page_link")
    assert list_suites(app_con) == []


def test_an_analyst_on_an_empty_store_is_offered_the_import(app_con, tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, team=True)
    at = as_role("analyst", "frontier")
    assert buttons(at) == ["frontier_empty_import"]


def test_a_viewer_with_suites_but_no_results_reads_who_may_run_them(app_con, tmp_path, monkeypatch):
    save_suite(app_con, echo_suite())
    write_secrets(tmp_path, monkeypatch, team=True)
    at = as_role("viewer", "report")
    assert [i.value for i in at.info] == [
        "No results yet: nothing has been run here. Vic Viewer (viewer) may not launch runs; ask an admin for the "
        "analyst role."
    ]
    assert buttons(at) == [] and not at.get("page_link")


def test_get_started_on_a_team_with_its_own_suites_offers_those_not_the_shipped_ones(app, app_con):
    save_suite(app_con, echo_suite())
    at = open_page(app, "overview")
    steps = at.markdown[0].value
    assert steps.startswith("1. Run your suites (echo) on the Run page.") and "shipped" not in steps
    assert "overview_import_shipped" not in buttons(at) and "overview_first_run" not in buttons(at)
    assert "Go to Run" in [link.proto.label for link in at.get("page_link")]


@pytest.fixture
def waiting(app_con, models, fake):
    """A people-graded suite run on both models: every output waits for review, nothing is decided."""
    save_suite(app_con, human_suite())
    request = RunRequest(suites=(HUMAN,), models=tuple(models), settings=GenerationSettings(max_output_tokens=10))
    assert start_run(app_con, request).run().status == "completed"


@pytest.mark.parametrize("page", ["frontier", "whatif", "report"])
def test_with_outputs_waiting_for_review_the_pages_count_them(app, waiting, page):
    at = open_page(app, page)
    assert [i.value for i in at.info] == [WAITING]
    assert [link.proto.label for link in at.get("page_link")] == ["Review them"]


def test_with_outputs_waiting_for_review_the_cli_report_counts_them(app_con, waiting):
    app_con.close()  # the CLI opens the file itself
    result = run_cli("report")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {2 * TASKS} outputs wait for review: a suite graded by people counts on the routing board once its "
        "outputs are reviewed; review them with `python -m routeboard review export --suite SUITE --out sheet.csv` "
        "(then `review import`), or on the app's Review page"
    ]

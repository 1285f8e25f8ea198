"""The Overview says what each accuracy rests on: tasks graded, or how many of the outputs people have reviewed."""

from __future__ import annotations

import re

from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.review.queue import item_key
from routeboard.review.record import record_review
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.store.reviews import suite_items
from tests.ui.conftest import SUITE, evidence, open_page
from tests.ui.test_review_page import HUMAN, TASKS, human_suite


def test_a_people_graded_category_rests_on_the_outputs_reviewed_so_far(app, app_con, models, seeded):
    suite_id = save_suite(app_con, human_suite()).suite_id
    request = RunRequest(suites=(HUMAN,), models=tuple(models), settings=GenerationSettings(max_output_tokens=10))
    assert start_run(app_con, request).run().status == "completed"
    items = suite_items(app_con, suite_id)
    for row in items[:5]:
        record_review(app_con, item_key(row), "Dana", "accepted", review_ms=20_000)
    board = evidence(open_page(app, "overview"))["evidence"]
    # the shown model's reviewed outputs of the 12 it produced; the other 7 reviews went to either model
    assert re.fullmatch(rf"[0-5] reviewed of {TASKS} outputs", board["support-reply"]), board["support-reply"]
    assert board[SUITE] == "40 tasks"  # the echo category: graded automatically


def test_outputs_waiting_for_review_are_the_first_thing_the_overview_says(app, app_con, models, fake):
    save_suite(app_con, human_suite())
    request = RunRequest(suites=(HUMAN,), models=tuple(models), settings=GenerationSettings(max_output_tokens=10))
    assert start_run(app_con, request).run().status == "completed"
    at = open_page(app, "overview")
    assert at.info[0].value.startswith(f"{2 * TASKS} outputs wait for review")
    assert "Review them" in [link.proto.label for link in at.get("page_link")]

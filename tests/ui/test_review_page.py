"""The Review page through AppTest: its empty states, one blinded item at a time, and each verdict reaching the store
with its reason and times. The trials come from a real run (the fake provider) of a suite graded by ``human``."""

from __future__ import annotations

import pytest

from routeboard.domain import GraderSpec, Suite, Task
from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.review.queue import next_item, queue_status, reviewable_suites
from routeboard.review.record import record_review
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from tests.ui.conftest import CHEAP, PRICEY, open_page, table

HUMAN = "replies"
TASKS = 12
REVIEWER = "Dana"


def human_suite() -> Suite:
    """Inputs only, no expected answers: a person decides what is right."""
    tasks = tuple(Task(id=f"r{i:02d}", input=f"write the reply to ticket: {i}") for i in range(TASKS))
    return Suite(name=HUMAN, category="support-reply", grader=GraderSpec("human"), bar=0.7, tasks=tasks)


@pytest.fixture
def pending(app_con, models, fake) -> str:
    """The human-graded suite run on both fake models: every trial waits for review. Returns its suite id."""
    suite_id = save_suite(app_con, human_suite()).suite_id
    runner = start_run(
        app_con,
        RunRequest(suites=(HUMAN,), models=tuple(models), settings=GenerationSettings(max_output_tokens=10)),
    )
    assert runner.run().status == "completed"
    return suite_id


def reviews(con) -> list[dict]:
    """Every stored review, oldest first."""
    cur = con.cursor()
    cur.execute(
        "SELECT reviewer, verdict, reason, note, edited_output, review_ms, rework_ms, task_id, model_id "
        "FROM reviews ORDER BY created_at"
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def as_reviewer(app, name: str = REVIEWER):
    """The session's reviewer already named (as after typing it once)."""
    app.session_state["review_reviewer"] = name
    return open_page(app, "review")


def shown_prompt(at) -> str:
    """The prompt of the item on screen (the first code block: prompt, then output)."""
    return at.code[0].value


def item_widget(at, kind: str, name: str):
    """The item's own widget of this kind (its key is the name and the item's token: each item starts empty)."""
    [widget] = [w for w in at.get(kind) if str(w.key).startswith(f"{name}_")]
    return widget


def texts(at) -> str:
    """Every text a person can read on the page (and every widget's label and options), as one string."""
    parts = []
    for kind in ("markdown", "caption", "info", "success", "error", "warning", "subheader", "title", "code"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [e.proto.label for e in at.get("page_link")]
    for kind in ("selectbox", "radio"):
        for widget in at.get(kind):
            parts += [widget.label, *map(str, widget.options)]
    parts += [b.label for b in at.button] + [t.value or "" for t in at.text_area]
    parts += [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()]
    return "\n".join(parts)


# ---------------------------------------------------------------- empty states


def test_without_a_reviewable_suite_the_page_says_how_to_make_one(app, seeded):
    # the seeded echo suite is graded by exact match: nothing in it waits for a person
    at = open_page(app, "review")
    assert "No suite to review yet" in at.info[0].value
    assert "human" in at.info[0].value
    assert [link.proto.page for link in at.get("page_link")][:1] == ["suites"]
    assert "review_accept" not in _keys(at)


def _keys(at) -> set[str]:
    return {b.key for b in at.button}


def test_the_name_is_asked_once_then_the_first_item_shows(app, pending):
    at = open_page(app, "review")
    assert "review_accept" not in _keys(at)
    at.button(key="review_name_save").click().run()
    assert "Type your name" in at.error[0].value
    at.text_input(key="review_name").input("  Dana ").run()
    at.button(key="review_name_save").click().run()
    assert not at.exception
    assert "Reviewing as **Dana**" in texts(at)
    assert shown_prompt(at).startswith("write the reply to ticket:")
    assert "left" in texts(at)


def test_the_queue_says_what_waits_and_the_position(app, app_con, pending):
    at = as_reviewer(app)
    page = texts(at)
    assert f"{HUMAN} (support-reply, human: {2 * TASKS} waiting for review)" in page
    assert "Waiting for review" in page
    needed = queue_status(app_con, pending).needed  # only what would settle the verdicts is asked
    assert f"Your item 1 of this suite · {needed} left in the queue" in page
    assert "left in the queue · 0 given by you in this session" in page
    assert "keys: a accept, r reject, e accept with edit" in page
    # the keys are wired to the three buttons by one script on the page
    script = "".join(h.proto.body for h in at.get("html"))
    assert all(f'"{key}"' in script for key in ("review_accept", "review_reject", "review_edit_open"))


def test_someone_else_can_take_over_the_screen(app, app_con, pending):
    at = as_reviewer(app)
    at.button(key="review_switch").click().run()
    assert "review_accept" not in _keys(at)
    at.text_input(key="review_name").input("Sam").run()
    at.button(key="review_name_save").click().run()
    assert "Reviewing as **Sam**." in texts(at)
    at.button(key="review_accept").click().run()
    assert [r["reviewer"] for r in reviews(app_con)] == ["Sam"]


# ---------------------------------------------------------------- verdicts


def test_accept_stores_the_verdict_with_its_time_and_shows_the_next_item(app, app_con, pending):
    at = as_reviewer(app)
    first = shown_prompt(at)
    at.button(key="review_accept").click().run()
    assert not at.exception
    assert shown_prompt(at) != first
    [stored] = reviews(app_con)
    assert (stored["reviewer"], stored["verdict"], stored["reason"]) == (REVIEWER, "accepted", None)
    assert stored["review_ms"] is not None and stored["review_ms"] >= 0
    assert stored["rework_ms"] is None
    assert f"write the reply to ticket: {int(stored['task_id'][1:])}" == first


def test_reject_with_a_reason_and_note_is_stored(app, app_con, pending):
    at = as_reviewer(app)
    first = shown_prompt(at)
    item_widget(at, "radio", "review_reason").set_value("invented_fact").run()
    item_widget(at, "text_input", "review_note").input("cites a policy we do not have").run()
    at.button(key="review_reject").click().run()
    assert not at.exception
    assert shown_prompt(at) != first
    [stored] = reviews(app_con)
    assert (stored["verdict"], stored["reason"], stored["note"]) == (
        "rejected",
        "invented_fact",
        "cites a policy we do not have",
    )
    assert stored["review_ms"] is not None
    # the next item starts with no reason chosen and no note
    assert item_widget(at, "radio", "review_reason").value is None
    assert item_widget(at, "text_input", "review_note").value == ""


def test_reject_without_a_reason_is_refused_with_a_message(app, app_con, pending):
    at = as_reviewer(app)
    first = shown_prompt(at)
    at.button(key="review_reject").click().run()
    assert "Choose a reason to reject" in at.error[0].value
    assert shown_prompt(at) == first
    assert reviews(app_con) == []


def test_accept_with_edit_stores_the_edited_text_and_the_rework_time(app, app_con, pending):
    at = as_reviewer(app)
    first = shown_prompt(at)
    output = at.code[1].value
    at.button(key="review_edit_open").click().run()
    editor = item_widget(at, "text_area", "review_edit_text")
    assert editor.value == output  # prefilled with the model's output
    editor.input("Thanks for writing in: your refund is on its way.").run()
    at.button(key="review_edit_save").click().run()
    assert not at.exception
    assert shown_prompt(at) != first
    [stored] = reviews(app_con)
    assert (stored["verdict"], stored["edited_output"]) == (
        "edited",
        "Thanks for writing in: your refund is on its way.",
    )
    assert stored["rework_ms"] is not None and 0 <= stored["rework_ms"] <= stored["review_ms"]
    assert not at.text_area  # the next item opens without the editor


def test_a_second_session_of_the_same_reviewer_gets_the_held_item_back(app, pending):
    first = shown_prompt(as_reviewer(app))
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP, TIMEOUT_S

    again = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    assert shown_prompt(as_reviewer(again)) == first  # a page refresh loses nothing


def test_an_item_held_from_before_a_restart_gets_no_measured_time_and_the_next_one_does(app, app_con, pending):
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP, TIMEOUT_S

    held = shown_prompt(as_reviewer(app))  # Dana reads an item; then the app restarts
    at = as_reviewer(AppTest.from_file(str(APP), default_timeout=TIMEOUT_S))  # her browser reconnects: a new session
    assert shown_prompt(at) == held
    at.button(key="review_accept").click().run()
    assert shown_prompt(at) != held
    at.button(key="review_accept").click().run()
    first, second = reviews(app_con)
    # the held item was on screen before the restart too: its time is not known (NULL, never 0); the next item
    # was shown and judged in this session
    assert first["review_ms"] is None
    assert second["review_ms"] is not None and second["review_ms"] > 0


def test_each_item_starts_with_its_own_empty_reason_and_note(app, app_con, pending):
    at = as_reviewer(app)
    item_widget(at, "radio", "review_reason").set_value("tone").run()
    item_widget(at, "text_input", "review_note").input("too curt").run()
    at.button(key="review_reject").click().run()
    at.button(key="review_accept").click().run()
    assert (item_widget(at, "radio", "review_reason").value, item_widget(at, "text_input", "review_note").value) == (
        None,
        "",
    )
    at.button(key="review_reject").click().run()  # one "r" on the third item stores nothing: it has no reason
    assert "Choose a reason to reject" in at.error[0].value
    assert [(r["verdict"], r["reason"], r["note"]) for r in reviews(app_con)] == [
        ("rejected", "tone", "too curt"),
        ("accepted", None, None),
    ]


def _reload(at):
    """A page refresh: a new session that knows only the address (its query parameters)."""
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP, TIMEOUT_S

    again = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    again.query_params = dict(at.query_params)
    return open_page(again, "review")


def test_a_reload_keeps_the_name_after_moving_between_pages_a_verdict_and_a_suite_switch(app, app_con, models, pending):
    second = Suite(**{**human_suite().__dict__, "name": "emails", "category": "email"})
    save_suite(app_con, second)
    request = RunRequest(suites=("emails",), models=tuple(models), settings=GenerationSettings(max_output_tokens=10))
    assert start_run(app_con, request).run().status == "completed"
    at = open_page(app, "review")
    at.text_input(key="review_name").input("Dana").run()
    at.button(key="review_name_save").click().run()
    at.switch_page("pages/overview.py").run()
    at.query_params.clear()  # the browser drops the address's parameters on a move to another page
    at = open_page(at, "review")
    assert "Reviewing as **Dana**" in texts(at)
    assert "review_name" not in {t.key for t in at.text_input}
    at.button(key="review_accept").click().run()  # after a verdict
    assert "Reviewing as **Dana**" in texts(_reload(at))
    suites = at.selectbox(key="review_suite")
    at = suites.set_value(next(o for o in suites.options if o != suites.value)).run()  # after a suite switch
    held = shown_prompt(at)
    again = _reload(at)
    assert "Reviewing as **Dana**" in texts(again)
    assert "review_name" not in {t.key for t in again.text_input}
    # the reload shows the first suite; the item Dana holds in the other one comes back when she picks it
    again.selectbox(key="review_suite").set_value(at.selectbox(key="review_suite").value).run()
    assert shown_prompt(again) == held


# ---------------------------------------------------------------- the end of the queue


def _review_all_but(con, suite_id: str, keep: int) -> int:
    """Another reviewer settles the queue through the core until it asks for ``keep`` more; returns how many."""
    given = 0
    while queue_status(con, suite_id).needed > keep:
        item = next_item(con, suite_id, "Sam")
        assert item is not None
        record_review(con, item.key, "Sam", "accepted", review_ms=1000.0)
        given += 1
    return given


def test_when_a_models_verdict_settles_the_count_says_why_it_fell_without_naming_the_model(app, app_con, pending):
    # Sam rejects the cheap model's outputs until its verdict settles (it fails); the pricey one's are accepted
    while next(m for m in queue_status(app_con, pending).per_model if m.model_id == CHEAP).needed:
        item = next_item(app_con, pending, "Sam")
        verdict = "rejected" if item.key.model_id == CHEAP else "accepted"
        record_review(app_con, item.key, "Sam", verdict, reason="wrong_fact" if verdict == "rejected" else None)
    cheap = next(m for m in queue_status(app_con, pending).per_model if m.model_id == CHEAP)
    unasked = TASKS - cheap.reviewed  # the cheap model's outputs nobody reviewed, no longer asked for
    assert unasked > 0
    at = as_reviewer(app)
    left = queue_status(app_con, pending).needed
    why = f"({unasked} no longer needed because one model's verdict is settled)"
    page = texts(at)
    assert f"Reviews still asked: {left} left in the queue {why}." in page
    assert f"· {left} left in the queue {why} ·" in page
    assert CHEAP not in page and PRICEY not in page


def test_an_empty_queue_says_nothing_waits_with_a_link_to_run(app, app_con, pending):
    _review_all_but(app_con, pending, keep=0)
    at = as_reviewer(app)
    assert "review_accept" not in _keys(at)
    assert "Nothing to review: every verdict is settled or waiting for a run." in texts(at)
    assert "run" in [link.proto.page for link in at.get("page_link")]


def test_after_the_last_item_the_page_says_all_done(app, app_con, pending):
    _review_all_but(app_con, pending, keep=1)
    at = as_reviewer(app)
    assert "review_accept" in _keys(at)
    at.button(key="review_accept").click().run()
    assert "All done: you gave 1 verdicts in this session." in texts(at)


# ---------------------------------------------------------------- blinded


def test_the_model_behind_an_output_is_never_shown(app, pending):
    at = as_reviewer(app)
    for verdict in ("accept", "edit", "reject"):
        page = texts(at)
        for model_id in (CHEAP, PRICEY):
            assert model_id not in page and model_id.split("/")[1] not in page, verdict
        assert "$" not in page and "run" not in at.code[0].value
        if verdict == "accept":
            at.button(key="review_accept").click().run()
        elif verdict == "edit":
            at.button(key="review_edit_open").click().run()
            assert CHEAP not in texts(at) and PRICEY not in texts(at)
            at.button(key="review_edit_save").click().run()
    # nor in a widget key, which reaches the browser as a CSS class
    assert not [k for k in at.session_state.keys() if "fake" in str(k)]


# ---------------------------------------------------------------- agreement


def test_agreement_is_unknown_with_its_reason_until_items_have_two_reviews(app, pending):
    at = as_reviewer(app)
    assert "Kappa unknown: no item has two reviews yet (0 items reviewed twice)." in texts(at)


def test_a_disagreement_is_listed_for_a_third_look_without_the_model(app, app_con, models, fake):
    """With overlap 1 every reviewed item goes to a second reviewer: Dana rejects what Sam accepted."""
    suite = human_suite()
    save_suite(app_con, Suite(**{**suite.__dict__, "grader": GraderSpec("human", {"overlap": 1.0})}))
    request = RunRequest(suites=(HUMAN,), models=tuple(models), settings=GenerationSettings(max_output_tokens=10))
    assert start_run(app_con, request).run().status == "completed"
    suite_id = next(s["suite_id"] for s in reviewable_suites(app_con))
    sam = next_item(app_con, suite_id, "Sam")
    record_review(app_con, sam.key, "Sam", "accepted", review_ms=1000.0)
    at = as_reviewer(app)
    for _ in range(2 * TASKS):  # Dana's queue offers Sam's item for a second look (first, as it stands)
        if (shown_prompt(at), at.code[1].value) == (sam.prompt, sam.output):
            break
        at.button(key="review_accept").click().run()
    else:
        pytest.fail("Sam's item never reached a second reviewer")
    item_widget(at, "radio", "review_reason").set_value("wrong_fact").run()
    at.button(key="review_reject").click().run()
    assert not at.exception
    page = texts(at)
    assert "Items the two reviewers judged differently, for a third look:" in page
    [shown] = [d.value for d in at.dataframe if "first_verdict" in d.value.columns]
    assert (shown["first_reviewer"].tolist(), shown["second_reason"].tolist()) == (["Sam"], ["wrong_fact"])
    assert "model_id" not in shown.columns and CHEAP not in page and PRICEY not in page


# ---------------------------------------------------------------- blind elsewhere too


def signed_in(email: str, name: str, page: str):
    """The app as a person signed in with the identity provider sees pages/<page>.py."""
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP, TIMEOUT_S

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.user = {"is_logged_in": True, "email": email, "name": name, "sub": email}
    return open_page(at, page)


def test_signed_in_a_reviewers_verdicts_are_filed_under_their_own_id(app_con, pending, tmp_path, monkeypatch):
    from tests.ui.test_auth import write_secrets

    write_secrets(tmp_path, monkeypatch, team=True)
    at = signed_in("rita@example.com", "Rita Reviewer", "review")
    assert "Reviewing as **rita@example.com**." in texts(at) and "review_switch" not in _keys(at)
    at.button(key="review_accept").click().run()
    assert [r["reviewer"] for r in reviews(app_con)] == ["rita@example.com"]


def test_a_reviewer_sees_only_the_ledger_on_results_and_an_analyst_every_trial(seeded, tmp_path, monkeypatch):
    from tests.ui.test_auth import write_secrets

    write_secrets(tmp_path, monkeypatch, team=True)  # after the seeded run, which the local user made
    rita = signed_in("rita@example.com", "Rita Reviewer", "results")
    assert sorted(table(rita, "category", "model_id", "accuracy")["model_id"]) == [CHEAP, PRICEY]  # aggregates
    assert not [d for d in rita.dataframe if "task_id" in d.value.columns]  # no trial: whose output was whose
    assert not rita.get("download_button") and "results_task" not in {s.key for s in rita.selectbox}
    assert (
        "You review outputs blind to the models that wrote them, so Results shows you the ledger only (no trials, "
        "outputs or downloads): Rita Reviewer (reviewer) may not see outputs beside the model and run that wrote "
        "them; ask an admin for the analyst role."
    ) in texts(rita)
    ana = signed_in("ana@example.com", "Ana Analyst", "results")
    trials = table(ana, "task_id", "model_id", "output")
    assert set(trials["model_id"]) == {CHEAP, PRICEY} and len(ana.get("download_button")) == 2

"""A run launched from the Run page goes on in a background thread and lands in the database."""

from __future__ import annotations

import time

from routeboard.library import save_suite
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from tests.ui.conftest import CHEAP, PRICEY, SUITE, TIMEOUT_S, WRONG_EVERY, echo_suite, open_page, table
from ui import runs

LIMIT = 10


def test_a_run_launched_on_the_page_finishes_and_its_trials_are_stored(app, app_con, models, fake):
    save_suite(app_con, echo_suite())
    at = open_page(app, "run")
    at.multiselect(key="run_suites").set_value([SUITE])
    at.multiselect(key="run_models").set_value([CHEAP])
    at.number_input(key="run_limit").set_value(LIMIT)
    at.run()
    assert not at.exception and not at.error
    estimate = table(at, "model_id", "suite", "calls", "model_total_usd", "infra_total_usd")
    assert estimate[["model_id", "calls"]].values.tolist() == [[CHEAP, str(LIMIT)]]

    at.button(key="run_launch").click().run()
    started = [s.value for s in at.success if s.value.startswith("Run ")]
    assert len(started) == 1, [e.value for e in at.error]
    run_id = started[0].split()[1]
    if run_id in runs.running():  # no double launch: the same selection cannot start again while it runs
        assert at.button(key="run_launch").disabled

    deadline = time.monotonic() + TIMEOUT_S
    label = ""
    while time.monotonic() < deadline:
        labels = [p.text for p in at.progress if p.text.startswith(f"{run_id}: ")]
        label = labels[0] if labels else ""
        if f"{LIMIT}/{LIMIT} trials" in label and "completed" in label:
            break
        time.sleep(0.2)
        at.run()
    assert label.startswith(f"{run_id}: completed, {LIMIT}/{LIMIT} trials"), label
    assert [p.value for p in at.progress if p.text == label] == [100]

    outcomes = dict(
        app_con.cursor()
        .execute(
            "SELECT outcome, count(*) FROM trials WHERE run_id = ? AND model_id = ? GROUP BY outcome", [run_id, CHEAP]
        )
        .fetchall()
    )
    wrong = LIMIT // WRONG_EVERY[CHEAP]  # task 9 of the first 10
    assert outcomes == {"accepted": LIMIT - wrong, "wrong": wrong}
    history = table(at, "run_id", "status").set_index("run_id")
    assert history.loc[run_id, ["status", "trials"]].tolist() == ["completed", str(LIMIT)]
    assert history.loc[run_id, "finished_at"] != "—"
    assert len(fake.calls) == LIMIT
    assert not at.button(key="run_launch").disabled  # free again once the run ended


def test_the_history_shows_the_live_progress_of_a_running_run(app, app_con, models, fake):
    """The stored row of a running run lags: the table reads the same status and count as the progress bar."""
    import asyncio

    gate = asyncio.Event()  # holds every call until released: the run stays "running" meanwhile
    original = fake.complete

    async def held(model, messages, settings):
        if "say: 5" in str(messages):
            while not gate.is_set():
                await asyncio.sleep(0.05)
        return await original(model, messages, settings)

    fake.complete = held
    save_suite(app_con, echo_suite())
    at = open_page(app, "run")
    at.multiselect(key="run_suites").set_value([SUITE])
    at.multiselect(key="run_models").set_value([CHEAP])
    at.number_input(key="run_limit").set_value(LIMIT)
    at.number_input(key="run_concurrency").set_value(1)
    at.run()
    at.button(key="run_launch").click().run()
    run_id = at.session_state["run_started"]
    label = wait_for_label(at, run_id, "5/10 trials")
    assert label.startswith(f"{run_id}: running, 5/{LIMIT} trials"), label
    assert at.button(key="run_launch").disabled  # this launch is under way
    history = table(at, "run_id", "status").set_index("run_id")
    assert history.loc[run_id, ["status", "trials", "finished_at"]].tolist() == ["running", "5", "—"]
    gate.set()
    label = wait_for_label(at, run_id, "completed")
    assert table(at, "run_id", "status").set_index("run_id").loc[run_id, "status"] == "completed"


def test_after_a_first_run_from_the_overview_the_run_page_preselects_its_suite(app, app_con, models, fake):
    from routeboard.domain import GraderSpec, Suite, Task

    save_suite(app_con, Suite(name="aaa-first", category="a", grader=GraderSpec("exact"), tasks=(Task("t", "x", "x"),)))
    save_suite(app_con, echo_suite())
    runs.launch(RunRequest(suites=(SUITE,), models=(CHEAP,), limit=2))
    at = open_page(app, "run")
    assert at.multiselect(key="run_suites").value == [SUITE]  # not the first suite in the list


def wait_for_label(at, run_id: str, done: str) -> str:
    """The run's progress label once it reads ``done`` (re-running the page until then)."""
    deadline = time.monotonic() + TIMEOUT_S
    label = ""
    while time.monotonic() < deadline:
        labels = [p.text for p in at.progress if p.text.startswith(f"{run_id}: ")]
        label = labels[0] if labels else ""
        if done in label:
            return label
        time.sleep(0.2)
        at.run()
    return label


def test_the_page_says_why_a_models_trials_ended_in_error(app, app_con, models, fake):
    from routeboard.errors import ProviderError

    fake.failures = lambda prompt, number: (
        ProviderError("401 invalid api key", kind="auth") if prompt in ("say: 3", "say: 7") else None
    )
    save_suite(app_con, echo_suite())
    at = open_page(app, "run")
    at.multiselect(key="run_suites").set_value([SUITE])
    at.multiselect(key="run_models").set_value([CHEAP])
    at.number_input(key="run_limit").set_value(LIMIT)
    at.run()
    at.button(key="run_launch").click().run()
    run_id = [s.value for s in at.success if s.value.startswith("Run ")][0].split()[1]
    label = wait_for_label(at, run_id, "completed")
    assert label.endswith(", 2 errors: fake/cheap: 401 invalid api key"), label
    assert "fake/cheap: 2 trial(s) ended in error: 401 invalid api key" in [c.value for c in at.caption]
    assert len(fake.calls) == LIMIT  # refused calls were not retried
    history = table(at, "run_id", "error_reasons").set_index("run_id")
    assert history.loc[run_id, "error_reasons"] == "fake/cheap: 401 invalid api key"


def test_a_hosted_model_without_its_key_is_refused_on_the_page(app, app_con, models, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    save_suite(app_con, echo_suite())
    at = open_page(app, "run")
    at.multiselect(key="run_suites").set_value([SUITE])
    at.multiselect(key="run_models").set_value(["openai/gpt-4.1-nano"])
    at.run()
    assert [e.value for e in at.error] == ["openai/gpt-4.1-nano: OPENAI_API_KEY is not set"]
    assert not [b for b in at.button if b.key == "run_launch"]  # nothing to launch


def test_the_page_warns_when_the_embedded_model_would_judge(app, app_con, models):
    from routeboard.domain import GraderSpec, Suite, Task

    save_suite(
        app_con,
        Suite(
            name="emails",
            category="email drafting",
            bar=0.8,
            grader=GraderSpec("llm_judge", {"rubric": "Polite and complete."}),
            tasks=(Task(id="t0", input="Write to Ann."),),
        ),
    )
    at = open_page(app, "run")
    at.multiselect(key="run_suites").set_value(["emails"])
    at.multiselect(key="run_models").set_value([CHEAP])
    at.run()
    [warning] = [w.value for w in at.warning]
    assert warning.startswith(
        "the judge of emails is the embedded 135M model (local/smollm2-135m), which cannot "
        "judge free-form text reliably"
    )
    at.selectbox(key="run_judge").set_value(PRICEY).run()
    assert not at.warning


def test_a_run_going_on_in_another_process_is_offered_a_cancel_and_a_dead_one_a_resume(app, app_con, models, fake):
    import subprocess

    save_suite(app_con, echo_suite())
    request = RunRequest(suites=(SUITE,), models=(CHEAP,), limit=4)
    live, killed, silent = (start_run(app_con, request) for _ in range(3))
    other = subprocess.Popen(["sleep", "60"])  # the process running `live` (a CLI run on this machine)
    gone = subprocess.Popen(["true"])  # the process that ran `killed`: ended a moment ago
    gone.wait()
    try:
        for run, pid in ((live, other.pid), (killed, gone.pid)):
            app_con.execute("UPDATE runs SET runner_pid = ? WHERE run_id = ?", [pid, run.run_id])
        app_con.execute(  # another machine's run that stopped beating five minutes ago
            "UPDATE runs SET runner_host = 'elsewhere', heartbeat_at = now()::TIMESTAMP - INTERVAL 5 MINUTE "
            "WHERE run_id = ?",
            [silent.run_id],
        )
        at = open_page(app, "run")
        assert at.selectbox(key="run_elsewhere_pick").options == [live.run_id]
        # the live one is never resumed twice; a killed one is resumable at once, a silent one after a minute
        assert sorted(at.selectbox(key="run_resume_pick").options) == sorted([killed.run_id, silent.run_id])

        at.button(key="run_elsewhere_cancel").click().run()
        said = f"asked the live run {live.run_id} to stop; finished attempts are kept"
        assert [s.value for s in at.success] == [said]
    finally:
        other.kill()
        other.wait()
    fake.latency_s = 0.5  # calls that take a while: the runner reads the request before they end, and stops
    assert live.run().status == "cancelled"

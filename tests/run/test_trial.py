"""A trial's retries as a pure state machine: what a user pays for when a provider fails or an answer is invalid."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from routeboard.domain import Attempt, Grade
from routeboard.run.trial import Call, Check, Done, RetryPolicy, TrialState, backoff_s

TASK = [{"role": "user", "content": "say: 5"}]
POLICY = RetryPolicy(max_attempts=3, max_invalid_retries=1, backoff_base_s=1.0, backoff_max_s=30.0)
RIGHT = Grade(valid=True, correct=True, score=1.0)
WRONG = Grade(valid=True, correct=False, score=0.0)
INVALID = Grade(valid=False, correct=False, score=0.0, detail="no number in the answer")


def fresh() -> TrialState:
    return TrialState(TASK, POLICY)


def prior(*kinds: str | None, valid: bool | None = None) -> list[Attempt]:
    """Stored attempts of a trial a stopped run left behind: an error kind each, or None for an answer."""
    return [
        Attempt(
            "r",
            "s",
            "t",
            "m",
            1,
            n,
            datetime(2025, 1, 1),
            "h",
            10,
            1,
            0.0,
            error_kind=kind,
            output=None if kind else "five",
            valid=None if kind else valid,
        )
        for n, kind in enumerate(kinds, start=1)
    ]


def test_a_first_answer_that_passes_ends_the_trial_after_one_call():
    state = fresh()
    assert state.first() == Call(TASK)
    assert state.sent() == 1
    assert state.graded("5", RIGHT) == Done(RIGHT, "5")
    assert (state.attempts, Done(RIGHT, "5").outcome, Done(WRONG, "4").outcome) == (1, "accepted", "wrong")


def test_a_retryable_error_is_asked_again_after_a_backoff_that_honours_retry_after():
    state = fresh()
    state.sent()
    step = state.failed("rate_limit", 5.0, random.Random(1))
    assert isinstance(step, Call) and step.messages == TASK and step.wait_s >= 5.0


def test_errors_end_the_trial_once_the_maximum_is_reached():
    state, rng = fresh(), random.Random(1)
    steps = []
    for _ in range(3):
        state.sent()
        steps.append(state.failed("server", None, rng))
    assert [type(s) for s in steps] == [Call, Call, Done]
    assert steps[-1] == Done(None, None) and steps[-1].outcome == "error" and state.attempts == 3


@pytest.mark.parametrize("kind", ["no_key", "auth", "permission", "not_found", "bad_request", "cancelled"])
def test_errors_that_asking_again_cannot_fix_end_the_trial_at_once(kind):
    state = fresh()
    state.sent()
    assert state.failed(kind, None, random.Random(1)) == Done(None, None)
    assert state.attempts == 1


def test_an_invalid_answer_is_asked_again_once_with_the_checks_words():
    state = fresh()
    state.sent()
    step = state.graded("five", INVALID)
    assert isinstance(step, Call) and step.wait_s == 0
    assert step.messages[:1] == TASK and step.messages[1] == {"role": "assistant", "content": "five"}
    assert "no number in the answer" in step.messages[2]["content"]
    state.sent()
    assert state.graded("fiv", INVALID) == Done(INVALID, "fiv")  # one retry only: the second stays invalid
    assert Done(INVALID, "fiv").outcome == "invalid" and state.attempts == 2


def test_a_resumed_trial_counts_what_it_already_paid_for():
    state = TrialState.resumed(TASK, POLICY, prior("server", "timeout"))
    assert (state.attempts, state.errors) == (2, 2)
    assert isinstance(state.first(), Call)
    state.sent()
    assert state.failed("server", None, random.Random(1)) == Done(None, None)  # the third error of three


def test_a_resumed_trial_that_used_up_its_errors_ends_without_a_call():
    assert TrialState.resumed(TASK, POLICY, prior("server", "server", "server")).first() == Done(None, None)


def test_a_paid_for_answer_is_graded_again_instead_of_asked_again():
    state = TrialState.resumed(TASK, POLICY, prior("server", None))
    assert state.first() == Check("five")
    assert state.graded("5", RIGHT) == Done(RIGHT, "5")
    assert state.attempts == 2  # nothing new was sent


def test_a_paid_for_invalid_answer_is_retried_as_an_uninterrupted_run_would():
    # the run stopped after storing an invalid answer, before its retry was sent: the retry is still owed
    state = TrialState.resumed(TASK, POLICY, prior(None, valid=False))
    assert (state.invalid, state.first()) == (0, Check("five"))
    step = state.graded("five", INVALID)
    assert isinstance(step, Call) and "no number in the answer" in step.messages[-1]["content"]
    # stopped after the retry's answer: that one was the last retry, so it stands
    state = TrialState.resumed(TASK, POLICY, prior(None, None, valid=False))
    assert state.first() == Check("five") and state.graded("five", INVALID) == Done(INVALID, "five")


def test_backoff_grows_and_never_undercuts_retry_after():
    rng = random.Random(1)
    assert all(backoff_s(1, 1.0, 30, None, rng) <= 1.0 for _ in range(50))
    assert all(backoff_s(4, 1.0, 30, None, rng) <= 8.0 for _ in range(50))
    assert all(backoff_s(10, 1.0, 30, None, rng) <= 30.0 for _ in range(50))
    assert all(backoff_s(1, 1.0, 30, 5.0, rng) >= 5.0 for _ in range(50))

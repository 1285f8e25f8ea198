"""One trial as a pure state machine: given what its attempts did so far, what comes next.

A trial asks the model; it asks again after a provider error that asking again can fix (after a backoff with
jitter that never undercuts the server's Retry-After) or after an answer that fails the suite's validator (with
the check's words as feedback); otherwise it ends. Retries are ours (the SDKs' are off). No I/O here: the runner
performs each step (a call, a grading), feeds back what happened, and owns budget and cancellation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from routeboard.domain import Attempt, Grade, outcome_of

# Errors that asking again may fix; any other kind (no key, auth, not found, bad request) ends the trial at once.
RETRYABLE = frozenset({"rate_limit", "server", "timeout", "connection", "malformed"})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a trial tries: provider errors allowed, invalid answers asked again, and the backoff."""

    max_attempts: int = 4  # provider errors per trial before it ends as `error`
    max_invalid_retries: int = 1  # answers failing the validator that are asked again (the suite's setting)
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0


@dataclass(frozen=True)
class Call:
    """Ask the model with these messages, after waiting ``wait_s`` (the backoff after an error)."""

    messages: list[dict]
    wait_s: float = 0.0


@dataclass(frozen=True)
class Check:
    """Grade an answer paid for before the run stopped, instead of asking again."""

    output: str


@dataclass(frozen=True)
class Done:
    """The trial's end: its grade (None when it ended in a provider error) and its final answer."""

    grade: Grade | None
    output: str | None

    @property
    def outcome(self) -> str:
        return outcome_of(self.grade)


Step = Call | Check | Done


@dataclass
class TrialState:
    """Where one trial stands: calls made, provider errors and invalid answers so far, and what to send next."""

    base: list[dict]  # the task's own messages
    policy: RetryPolicy
    attempts: int = 0
    errors: int = 0
    invalid: int = 0
    unchecked: str | None = None  # an answer paid for before a resume, not graded since
    messages: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self.messages = self.messages or self.base

    @classmethod
    def resumed(cls, base: list[dict], policy: RetryPolicy, prior: list[Attempt] | None = None) -> TrialState:
        """The state after the attempts a stopped run already made (paid for, so none is sent again).

        A last attempt with an answer was never followed up: it is graded again as if it had just arrived, so a
        resumed trial retries exactly as an uninterrupted one would."""
        prior = prior or []
        unchecked = prior[-1].output if prior and not prior[-1].error_kind else None
        followed_up = prior[:-1] if unchecked is not None else prior
        return cls(
            base,
            policy,
            attempts=len(prior),
            errors=sum(1 for a in prior if a.error_kind),
            invalid=sum(1 for a in followed_up if not a.error_kind and a.valid is False),
            unchecked=unchecked,
        )

    def first(self) -> Step:
        """The first step: grade a paid-for answer if there is one, else ask."""
        return Check(self.unchecked) if self.unchecked is not None else self._ask()

    def sent(self) -> int:
        """Count a call about to be made; returns its attempt number."""
        self.attempts += 1
        return self.attempts

    def failed(self, kind: str, retry_after_s: float | None, rng: random.Random) -> Step:
        """A call ended in a provider error: ask again later if that can help and errors are left, else end."""
        self.errors += 1
        if kind not in RETRYABLE or self.errors >= self.policy.max_attempts:
            return Done(None, None)
        return self._ask(
            backoff_s(self.errors, self.policy.backoff_base_s, self.policy.backoff_max_s, retry_after_s, rng)
        )

    def graded(self, output: str, grade: Grade) -> Step:
        """An answer was graded: it stands, or (invalid, retries left) the model is told why and asked again."""
        self.unchecked = None
        if grade.valid or self.invalid >= self.policy.max_invalid_retries:
            return Done(grade, output)
        self.invalid += 1
        self.messages = retry_messages(self.base, output, grade.detail)
        return self._ask()

    def _ask(self, wait_s: float = 0.0) -> Step:
        if self.errors >= self.policy.max_attempts:
            return Done(None, None)
        return Call(self.messages, wait_s)


def backoff_s(attempt: int, base_s: float, max_s: float, retry_after_s: float | None, rng: random.Random) -> float:
    """Exponential backoff with full jitter; a server's Retry-After is a floor, never shortened."""
    delay = rng.uniform(0, min(max_s, base_s * 2 ** (attempt - 1)))
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return delay


def retry_messages(messages: list[dict], output: str, detail: str) -> list[dict]:
    """The conversation for a retry after an invalid output: the answer and what the check said about it.

    Re-sending the identical request would mostly get the identical answer back (temperature 0, seeds)."""
    feedback = (
        f"Your answer did not pass the format check ({detail[:200]}). Reply again, following the instructions exactly."
    )
    return [*messages, {"role": "assistant", "content": output}, {"role": "user", "content": feedback}]

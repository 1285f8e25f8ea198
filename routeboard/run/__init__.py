"""The run engine: suites x models x trials, graded and stored attempt by attempt.

Design choices, each for a user's money:
- every attempt is written as soon as it finishes (batched only by what finishes together), so a crash,
  a cancel or a spent budget loses at most the calls in flight (writer.py);
- the budget reserves each call's worst-case cost before launching it, so the overshoot is bounded by the
  calls in flight (budget.py);
- retries are ours (the SDKs' are off): exponential backoff with jitter, honouring Retry-After; an error that
  asking again cannot fix (no key, auth, not found, bad request) ends the trial at once (trial.py);
- judges are paid for: each llm_judge call's tokens, time and cost are stored on its trial and reserved in the
  budget (judge.py);
- certification counts evidence in tasks, not trials (plan.py; docs/design.md, "Deciding").

The parts: request.py (what to run), resolve.py (suites and models, refused up front), plan.py (what to send),
trial.py (one trial's retries, pure), budget.py, cache.py, judge.py, writer.py, runner.py (the orchestration),
start.py (start, resume, cancel), progress.py.
"""

from routeboard.run.budget import Budget, worst_case_input_tokens
from routeboard.run.cache import request_hash
from routeboard.run.judge import judge_warning, resolve_judges
from routeboard.run.plan import Job, min_tasks, plan_jobs, task_evidence
from routeboard.run.progress import Progress, describe_errors
from routeboard.run.request import RunRequest
from routeboard.run.resolve import resolve_models, resolve_suites, unavailable_reason
from routeboard.run.runner import Runner, cancel_marker
from routeboard.run.start import authorize_cancel, cancel_run, cancel_stale_run, resume_run, start_run
from routeboard.run.trial import backoff_s, outcome_of, retry_messages

__all__ = [
    "Budget",
    "Job",
    "Progress",
    "RunRequest",
    "Runner",
    "authorize_cancel",
    "backoff_s",
    "cancel_marker",
    "cancel_run",
    "cancel_stale_run",
    "describe_errors",
    "judge_warning",
    "min_tasks",
    "outcome_of",
    "plan_jobs",
    "request_hash",
    "resolve_judges",
    "resolve_models",
    "resolve_suites",
    "resume_run",
    "retry_messages",
    "start_run",
    "task_evidence",
    "unavailable_reason",
    "worst_case_input_tokens",
]

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
- certification counts evidence in tasks, not trials (plan.py; docs/design.md, "Deciding");
- a run that stops at the route sends a model tasks only while it may still become its category's route, and a
  resume replays its rounds from the finished trials (plan.py, route.py; the rule is decide/race.py).

The parts: request.py (what to run), resolve.py (suites and models, refused up front), plan.py (what to send),
route.py (a run that stops at the route: its setup and spend), replay.py (its races over known outcomes),
trial.py (one trial's retries, pure), budget.py, cache.py, judge.py, writer.py, runner.py (the orchestration),
start.py (start, resume, cancel), progress.py.
"""

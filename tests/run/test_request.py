"""A run request: its one-line problems, and the one conversion to and from a run's stored settings (a resume
must run exactly what was started)."""

from __future__ import annotations

import json

from routeboard.providers.base import GenerationSettings
from routeboard.run.request import RunRequest


def test_a_stored_request_reads_back_as_the_request_that_was_started():
    request = RunRequest(
        suites=("echo@1",),
        models=("fake/a", "fake/b"),
        trials=3,
        limit=7,
        concurrency=9,
        per_provider_concurrency=2,
        budget_usd=1.5,
        use_cache=False,
        max_attempts=2,
        judge_model="fake/judge",
        certify=True,
        round_tasks=11,
        settings=GenerationSettings(temperature=0.3, max_output_tokens=42, seed=7, timeout_s=9.0),
    )
    stored = json.loads(
        json.dumps(request.to_settings(["echo@1"], ["fake/a", "fake/b"], {"echo@1": "fake/judge"}, total_trials=42))
    )
    assert (stored["total_trials"], stored["judges"]) == (42, {"echo@1": "fake/judge"})
    assert RunRequest.from_settings(stored, budget_usd=1.5) == request


def test_a_run_stored_before_judges_and_certification_resumes_with_their_defaults():
    stored = {
        "suites": ["echo@1"],
        "models": ["fake/a"],
        "trials": 1,
        "limit": None,
        "concurrency": 4,
        "per_provider_concurrency": None,
        "use_cache": True,
        "max_attempts": 4,
        "generation": {"temperature": 0.0, "max_output_tokens": 256, "seed": None, "timeout_s": 60.0},
    }
    request = RunRequest.from_settings(stored, budget_usd=None)
    assert (request.judge_model, request.certify, request.round_tasks) == (None, False, 25)


def test_each_problem_is_named_on_its_own_line():
    bad = RunRequest(
        suites=(),
        models=(),
        trials=0,
        limit=0,
        concurrency=0,
        budget_usd=-1.0,
        round_tasks=0,
        settings=GenerationSettings(max_output_tokens=0, temperature=3.0),
    )
    assert bad.problems() == [
        "--suite: give at least one suite",
        "--model: give at least one model",
        "--trials must be from 1 to 100",
        "--limit must be at least 1",
        "--concurrency must be from 1 to 512",
        "--budget-usd must be a non-negative amount",
        "--round-tasks must be at least 1",
        "--max-tokens must be at least 1",
        "--temperature must be in [0, 2]",
    ]
    assert RunRequest(suites=("echo",), models=("fake/a",)).problems() == []
    assert RunRequest(suites=("echo",), models=("fake/a",), budget_usd=float("nan")).problems() == [
        "--budget-usd must be a non-negative amount"
    ]

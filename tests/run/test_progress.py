"""A local run's time left as a person follows it (issue 22): it starts from the run's estimate and moves over to the
measured pace as trials settle it, so a slow first call (the model loading) or a wrong estimate never makes it jump."""

from __future__ import annotations

import pytest

from routeboard.present import time_left
from routeboard.run import progress as progress_module
from routeboard.run.progress import Progress

TOTAL = 50
ESTIMATE_S = 100.0  # what the estimate said: 2 s a trial


def figures(monkeypatch, trial_s: list[float], estimate_s: float | None) -> list[float | None]:
    """The time left as read before the run's first trial and after each trial (the page reads it every second,
    the command line after each trial)."""
    clock = {"now": 1000.0}
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: clock["now"])
    run = Progress("r1", TOTAL, started_s=clock["now"], estimate_s=estimate_s)
    shown = [run.eta_s]
    for seconds in trial_s:
        clock["now"] += seconds
        run.done += 1
        shown.append(run.eta_s)
    return shown


def test_a_local_runs_time_left_starts_at_the_estimate_and_a_slow_first_call_does_not_move_it(monkeypatch):
    shown = figures(monkeypatch, [12.0] + [2.0] * 30, ESTIMATE_S)  # the first call loads the model
    assert shown[0] == ESTIMATE_S and time_left(shown[0]) == "about 2 min left"
    # the old figure, elapsed / done x left, read 12 s x 49 = 588 s after the first trial
    assert all(later <= earlier for earlier, later in zip(shown, shown[1:]))
    assert shown[1] == pytest.approx(98.0) and shown[31] == pytest.approx(19 * 2.0)


def test_a_wrong_estimate_gives_way_to_the_measured_pace_step_by_step(monkeypatch):
    shown = figures(monkeypatch, [4.0] * 30, ESTIMATE_S)  # twice as slow as estimated
    assert all(later <= earlier * 1.1 for earlier, later in zip(shown, shown[1:]))  # never a jump
    assert shown[-1] == pytest.approx(20 * 4.0)  # settled: the measured pace alone


def test_without_an_estimate_no_figure_is_shown_until_trials_have_settled_it(monkeypatch):
    shown = figures(monkeypatch, [12.0] + [2.0] * 30, None)  # a hosted run: no estimate of its time
    assert shown[:11] == [None] * 11
    assert shown[11] == pytest.approx(39 * 2.0)


def test_time_left_reads_in_seconds_minutes_or_hours():
    assert [time_left(s) for s in (None, 0.2, 42, 600, 3 * 3600)] == [
        "",
        "about 1 s left",
        "about 42 s left",
        "about 10 min left",
        "about 3.0 h left",
    ]

"""Replays of a run that stops at the route, with no calls: the same races (``plan.CategoryRace``) fed with
outcomes already known (stored per-sample results) or drawn (an estimate's simulated campaigns).

A replay is one category's tasks in one order: ``outcomes[model][i]`` is the model's share of correct trials on
the i-th task of that order (1.0 or 0.0 for one trial) and ``usd[model][i]`` what that task's trials cost it. Every
model answers the same tasks, so their results pair up as in a run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routeboard.decide.race import RaceCall, RaceRules
from routeboard.run.plan import CategoryRace


@dataclass(frozen=True)
class Replayed:
    """What a replayed race sent and spent, beside the full run over the same tasks, and its last call."""

    category: str
    calls: int  # trials sent
    usd: float
    full_calls: int
    full_usd: float
    call: RaceCall
    tasks: dict[str, int]  # tasks each model was sent
    successes: dict[str, float]  # and its successes on them


def replay_race(
    category: str,
    outcomes: dict[str, np.ndarray],
    usd: dict[str, np.ndarray],
    rules: RaceRules,
    *,
    round_tasks: int,
    prior_usd: dict[str, float] | None = None,
    excluded: dict[str, str] | None = None,
    trials: int = 1,
) -> Replayed:
    """Run one category's race over known outcomes, round by round, as a run would (``trials`` trials a task:
    ``usd`` is a task's, ``prior_usd`` a trial's)."""
    models = list(outcomes)
    size = min(len(outcomes[m]) for m in models)
    prior = prior_usd if prior_usd is not None else {m: float(np.mean(usd[m][:size])) / trials for m in models}
    race = CategoryRace(category, {category: size}, models, rules, round_tasks, prior, excluded)
    while not race.over:
        for model_id in race.call.sending():
            chunk = race.chunk(race.looks[model_id] + 1)
            part = slice(chunk.start, min(chunk.stop, size))
            n = part.stop - part.start
            race.advance(
                model_id, float(outcomes[model_id][part].sum()), n, float(usd[model_id][part].sum()), n * trials
            )
        race.decide()
    return Replayed(
        category,
        calls=sum(race.trials.values()),
        usd=float(sum(race.usd.values())),
        full_calls=size * len(models) * trials,
        full_usd=float(sum(usd[m][:size].sum() for m in models)),
        call=race.call,
        tasks=dict(race.tasks),
        successes=dict(race.successes),
    )

"""The route race (docs/design.md, "Deciding"): after each round of a run that stops at the route, which models of
a category are still worth sending tasks to, and whether the category's route is known.

A run answers "which model is this job's route?", so a model stops as soon as it cannot become the route:
- it **fails** the bar (its upper bound is under it);
- it is **dominated**: even at its upper accuracy bound its cost per accepted task (cpat) is above the worst a
  model that already clears can cost (its cpat at its lower bound), under the run's scenario (failure cost,
  review: ``ledger.cost_terms``, the one place the ledger is written). Its evidence stays, and it runs again
  should the clearing model's bound worsen;
- it **waits** while a cheaper undecided model would dominate it by clearing (a dear model is not paid for while
  a cheap one may still settle the question);
- it **leads**: it clears, and no rival's best is above its own observed cpat, so more of its tasks could not
  dominate anyone (the rivals must settle on their own);
- it **cannot settle**: its chance of clearing by the ledger's rule once every task left is run is under
  FUTILITY_CHANCE (``clear_chance``), so a full run would most likely not route it either;
- it breaks a constraint that no evidence can lift (deny list, tiers, no price, a cost ceiling it cannot meet).

The route is **settled** when one model clears and every other candidate is dominated or fails; **no candidate
can clear** when every model has stopped and none clears. The verdict itself is ``verdicts.verdict`` (one rule),
on anytime-valid bounds (``intervals.anytime_interval``: Clopper-Pearson at alpha / max_looks, valid for any
stopping rule over at most max_looks looks, so peeking after every round keeps each model's stated level).

Cost per trial is the model's measured mean (model + infra + judge USD) once it has finished trials, else the
estimate's: its spread is small beside the accuracy's, so it is taken as known. Pure: no store, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from routeboard.decide.intervals import anytime_interval, intervals
from routeboard.decide.ledger import cost_terms
from routeboard.decide.scenario import Assumptions
from routeboard.decide.verdicts import DEFAULT_LEVEL, verdict, verdicts

# Why a model is not sent tasks: final stops never send it again in this run; the others are looked at anew
# after every round.
FINAL_STOPS = ("fails", "excluded", "no_price", "over_ceiling", "route", "settled")
SOFT_STOPS = ("dominated", "waiting", "leading", "out_of_tasks", "cannot_settle")
# An undecided model whose chance of clearing once all its tasks are run is under this is stopped: a full run
# would most likely not route it either (failing or undecided, it is no route), so its tasks buy no decision.
FUTILITY_CHANCE = 0.1
# What a category's race says: its route is known, it is still deciding, no model it holds can clear, or no task
# left would likely settle it (the ledger then routes on the evidence the run gathered).
CATEGORY_STATES = ("settled", "deciding", "none_can_clear", "unsettled")


@dataclass(frozen=True)
class RaceRules:
    """What a category's race is judged by: its bar and minimum evidence, the scenario's assumptions for it, the
    level, and its cost ceiling (cpat, USD), if any."""

    bar: float
    min_tasks: int
    assumptions: Assumptions = field(default_factory=Assumptions)
    level: float = DEFAULT_LEVEL
    max_cpat_usd: float | None = None


@dataclass(frozen=True)
class Contender:
    """A model's evidence in its category after its latest round.

    ``successes``: the sum of each finished task's share of correct trials; ``tasks``: those tasks (evidence in
    tasks, docs/design.md); ``look``: rounds it has had, of at most ``max_looks``; ``usd_per_trial``: model +
    tool + infra USD per trial (NaN: unknown); ``excluded``: a constraint no evidence lifts, in words."""

    model_id: str
    successes: float = 0.0
    tasks: int = 0
    look: int = 0
    max_looks: int = 1
    usd_per_trial: float = math.nan
    excluded: str | None = None
    tasks_available: int | None = None  # tasks its suites could still give it (None: not limited)

    @property
    def tasks_left(self) -> bool:
        return self.look < self.max_looks


@dataclass(frozen=True)
class Standing:
    """One model at one look: whether it is sent more tasks (``state`` 'running') or why not (``reason``), its
    bounds and cpat range, and the model its stop is about (``by``: the clearing model that dominates it, or the
    cheaper one it waits for)."""

    model_id: str
    state: str  # running | stopped | waiting | route
    reason: str | None  # a FINAL_STOPS or SOFT_STOPS word, or None while running
    tasks: int
    accuracy: float
    low: float
    high: float
    verdict: str
    usd_per_trial: float
    cpat_usd: float  # expected: at its observed accuracy (at the bar before it has any)
    cpat_best_usd: float  # at its upper accuracy bound
    cpat_worst_usd: float  # at its lower accuracy bound
    by: str | None = None
    by_cpat_usd: float = math.nan  # the figure its stop compares with
    detail: str | None = None

    @property
    def final(self) -> bool:
        return self.reason in FINAL_STOPS


@dataclass(frozen=True)
class RaceCall:
    """A category's race after a look: its state, its route (settled) or the models it is deciding between, and
    every model's standing, cheapest expected cpat first."""

    category: str
    state: str
    bar: float
    route: str | None
    between: tuple[str, ...]
    standings: tuple[Standing, ...]

    def standing(self, model_id: str) -> Standing:
        return next(s for s in self.standings if s.model_id == model_id)

    def sending(self) -> list[str]:
        """The models that get the next round's tasks."""
        return [s.model_id for s in self.standings if s.state == "running"]

    def as_dict(self) -> dict:
        """Plain data for the run's stored settings, progress and ``--json``."""
        return {
            "category": self.category,
            "state": self.state,
            "bar": self.bar,
            "route": self.route,
            "between": list(self.between),
            "models": [_plain(s) for s in self.standings],
        }


def _plain(s: Standing) -> dict:
    data = {name: getattr(s, name) for name in Standing.__dataclass_fields__}
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in data.items()}


@lru_cache(maxsize=65_536)
def _bounds(successes: float, tasks: int, level: float, look: int, max_looks: int) -> tuple[float, float]:
    """Anytime-valid bounds, cached: a replay asks the same counts thousands of times."""
    if tasks <= 0 or look < 1:
        return 0.0, 1.0
    return anytime_interval(successes, tasks, level, min(look, max_looks), max_looks)


def cpat(p: float, usd_per_trial: float, a: Assumptions) -> float:
    """Cost per accepted task at accuracy ``p`` (``ledger.cost_terms``), NaN when unknown or nothing accepted;
    the scenario's tool price per trial is added to the model's as the ledger adds it."""
    if math.isnan(usd_per_trial):
        return math.nan
    return float(cost_terms(np.float64(p), usd_per_trial + a.tool_usd_per_trial, a)["cpat_usd"])


class _Seen(NamedTuple):
    """A contender with its bounds, verdict and cpat figures at this look."""

    c: Contender
    low: float
    high: float
    verdict: str
    expected: float  # cpat at its observed accuracy, at the bar before it has any
    best: float  # cpat at its upper bound
    worst: float  # cpat at its lower bound
    at_bar: float  # cpat at the bar: the most it can cost once it clears
    unsettled: bool  # undecided, and unlikely to clear even with every task left (``clear_chance``)


def _seen(c: Contender, rules: RaceRules) -> _Seen:
    a, bar = rules.assumptions, rules.bar
    low, high = _bounds(float(c.successes), int(c.tasks), rules.level, c.look, c.max_looks)
    said = verdict(low, high, bar, c.tasks, rules.min_tasks)
    at_bar = cpat(bar, c.usd_per_trial, a)
    expected = cpat(c.successes / c.tasks, c.usd_per_trial, a) if c.tasks else at_bar
    unsettled = (
        said == "undecided"
        and c.tasks_available is not None
        and c.tasks >= rules.min_tasks
        and clear_chance(float(c.successes), int(c.tasks), bar, rules.min_tasks, c.tasks_available, rules.level)
        < FUTILITY_CHANCE
    )
    best, worst = cpat(high, c.usd_per_trial, a), cpat(low, c.usd_per_trial, a)
    return _Seen(c, low, high, said, expected, best, worst, at_bar, unsettled)


@lru_cache(maxsize=65_536)
def clear_chance(successes: float, tasks: int, bar: float, min_tasks: int, available: int, level: float) -> float:
    """The chance that the model clears by the ledger's rule once its tasks left are run too (the verdict of the
    full run: ``verdicts.verdicts`` on the level's Wilson bounds over all its tasks), predicted from its results so
    far: the tasks left go its way as a beta-binomial draw with Jeffreys' prior (Beta(s + 1/2, n - s + 1/2))."""
    from scipy.special import betaln, gammaln

    total = tasks + available
    counts = np.arange(total + 1, dtype=float)
    low, high = intervals(counts, np.full(total + 1, float(total)), level)
    clears = verdicts(low, high, bar, total, min_tasks) == "clears"
    if not clears.any():
        return 0.0
    needed = max(0, math.ceil(counts[np.argmax(clears)] - successes - 1e-9))
    if needed > available:
        return 0.0
    a, b = successes + 0.5, tasks - successes + 0.5
    j = np.arange(available + 1, dtype=float)
    log_pmf = gammaln(available + 1) - gammaln(j + 1) - gammaln(available - j + 1) + betaln(j + a, available - j + b)
    pmf = np.exp(log_pmf - betaln(a, b))
    return float(min(1.0, pmf[needed:].sum()))


def call_race(
    category: str, contenders: list[Contender], rules: RaceRules, stopped: dict[str, str] | None = None
) -> RaceCall:
    """The race's call after a look. ``stopped`` holds the final stops of earlier looks (model -> reason): a model
    stopped for good keeps its reason whatever its bounds say now."""
    seen = [_seen(c, rules) for c in contenders]
    final = _final_stops(seen, rules, stopped or {})
    live = [r for r in seen if r.c.model_id not in final]
    # the incumbent: of the models that clear (within the ceiling), the one whose worst plausible cpat is lowest
    ceiling = rules.max_cpat_usd or math.inf
    clearing = [r for r in live if r.verdict == "clears" and r.worst <= ceiling]
    incumbent = min(clearing, key=lambda r: (r.worst, r.c.model_id), default=None)
    standings: dict[str, Standing] = {}
    if incumbent is not None:
        for r in live:
            if r is not incumbent and r.best > incumbent.worst:
                standings[r.c.model_id] = _standing(r, "stopped", "dominated", incumbent.c.model_id, incumbent.worst)
    challengers = [r for r in live if r.c.model_id not in standings]
    settled = incumbent is not None and len(challengers) == 1
    if settled:  # the route is known: the dominated models are stopped for good
        standings = {m: replace(s, reason="settled") for m, s in standings.items()}
        standings[incumbent.c.model_id] = _standing(incumbent, "route", "route")
    else:
        standings |= {r.c.model_id: _open_standing(r, challengers, incumbent) for r in challengers}
    for r in seen:
        if r.c.model_id in final:
            reason, detail = final[r.c.model_id]
            standings[r.c.model_id] = _standing(r, "stopped", reason, detail=detail)
    ordered = tuple(sorted(standings.values(), key=_order))
    return _category_call(category, rules.bar, ordered, incumbent.c.model_id if settled else None)


def _final_stops(seen: list[_Seen], rules: RaceRules, stopped: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Models stopped for good, with the reason (and its detail): before, by a constraint, for want of a price,
    failing the bar, or unable to meet the cost ceiling even at their best."""
    final: dict[str, tuple[str, str | None]] = {}
    for r in seen:
        model_id = r.c.model_id
        if model_id in stopped:
            final[model_id] = (stopped[model_id], None)
        elif r.c.excluded:
            final[model_id] = ("excluded", r.c.excluded)
        elif math.isnan(r.c.usd_per_trial):
            final[model_id] = ("no_price", None)
        elif r.verdict == "fails":
            final[model_id] = ("fails", None)
        elif rules.max_cpat_usd and r.best > rules.max_cpat_usd:
            final[model_id] = ("over_ceiling", None)
    return final


def _open_standing(r: _Seen, challengers: list[_Seen], incumbent: _Seen | None) -> Standing:
    """A model that may still become the route: waiting for a cheaper one, leading while the others settle,
    out of tasks, or running."""
    if not r.c.tasks_left:
        return _standing(r, "stopped", "out_of_tasks")
    if r.unsettled:
        return _standing(r, "stopped", "cannot_settle")
    holder = _holder(r, challengers)
    if holder is not None:
        return _standing(r, "waiting", "waiting", holder.c.model_id, holder.at_bar)
    if r is incumbent:
        # more of the leader's tasks narrow its bound towards its observed cpat: they help only against a
        # challenger whose best is above that; the others must settle on their own evidence
        rivals = [h for h in challengers if h is not r]
        if rivals and not [h for h in rivals if h.best > r.expected]:
            rival = min(rivals, key=lambda h: (not h.c.tasks_left or h.unsettled, h.expected, h.c.model_id))
            return _standing(r, "waiting", "leading", rival.c.model_id, rival.best)
    return _standing(r, "running", None)


def _holder(r: _Seen, challengers: list[_Seen]) -> _Seen | None:
    """The cheaper undecided model (with tasks left that may still settle it) that would dominate ``r`` by
    clearing: its cpat at the bar, the most a clearing model can cost, is below ``r``'s best. ``r`` waits for it
    (the cheapest such)."""
    holders = [
        h
        for h in challengers
        if h is not r and h.verdict == "undecided" and h.c.tasks_left and not h.unsettled and h.at_bar < r.best
    ]
    return min(holders, key=lambda h: (h.at_bar, h.c.model_id), default=None)


def _standing(r: _Seen, state: str, reason: str | None, by=None, by_cpat=math.nan, detail=None) -> Standing:
    c = r.c
    return Standing(
        model_id=c.model_id,
        state=state,
        reason=reason,
        tasks=int(c.tasks),
        accuracy=float(c.successes / c.tasks) if c.tasks else math.nan,
        low=float(r.low),
        high=float(r.high),
        verdict=r.verdict,
        usd_per_trial=float(c.usd_per_trial),
        cpat_usd=float(r.expected),
        cpat_best_usd=float(r.best),
        cpat_worst_usd=float(r.worst),
        by=by,
        by_cpat_usd=float(by_cpat),
        detail=detail,
    )


def _order(s: Standing) -> tuple:
    """Cheapest expected cpat first, unknown last."""
    return (math.isnan(s.cpat_usd), 0.0 if math.isnan(s.cpat_usd) else s.cpat_usd, s.model_id)


def _category_call(category: str, bar: float, standings: tuple[Standing, ...], route: str | None) -> RaceCall:
    if route is not None:
        return RaceCall(category, "settled", bar, route, (route,), standings)
    if any(s.state == "running" for s in standings):
        # the models the question is still between: every one that may still become the route
        between = tuple(s.model_id for s in standings if s.state in ("running", "waiting"))
        return RaceCall(category, "deciding", bar, None, between, standings)
    candidates = tuple(s.model_id for s in standings if not s.final and s.reason != "dominated")
    if candidates:
        return RaceCall(category, "unsettled", bar, None, candidates, standings)
    return RaceCall(category, "none_can_clear", bar, None, (), standings)

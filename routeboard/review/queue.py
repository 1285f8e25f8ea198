"""People review outputs: a blinded queue per suite, claimed item by item, whose first review decides a trial.

"Review only what settles": per model of a suite (one category), the queue asks for as many reviewed tasks as
would settle its verdict at the suite's bar by the one rule (``decide/verdicts.settle``, at the decision's level
and interval method and the suite's ``min_tasks``), cheapest plausible models first, in an order seeded per
reviewer. A share of reviewed items (the ``human`` grader's ``overlap``) goes to a second reviewer, whose verdict
only measures agreement. Claims keep two reviewers from holding one item (the Review page's and a review sheet's
alike); a claim older than CLAIM_MINUTES is free again. With sign-in, every review is the acting person's own
(review/reviewers.py); recording a review is review/record.py. SQL lives in routeboard/store/reviews.py;
docs/design.md, "Acceptance by people".
"""

from __future__ import annotations

import hashlib
from dataclasses import astuple, dataclass
from typing import NamedTuple

import duckdb

from routeboard.decide import constraints
from routeboard.decide.verdicts import DEFAULT_LEVEL, DEFAULT_METHOD, settle
from routeboard.domain import Suite
from routeboard.errors import ReviewError
from routeboard.graders import review_overlap
from routeboard.review.reviewers import reviewer_for
from routeboard.store import reviews as store
from routeboard.store.suites import load_stored_suite
from routeboard.suites import render_messages
from routeboard.team.access import Actor, require

REJECT_REASONS: dict[str, str] = {
    "wrong_fact": "Wrong fact",
    "missing_fact": "Missing fact",
    "invented_fact": "Invented fact",
    "tone": "Tone",
    "format": "Format",
    "unsafe": "Unsafe",
    "other": "Other",
}
VERDICTS = ("accepted", "rejected", "edited")
CLAIM_MINUTES = 30


@dataclass(frozen=True)
class ItemKey:
    """One stored trial: what a review is about."""

    run_id: str
    suite_id: str
    task_id: str
    model_id: str
    trial: int

    def item_id(self, salt: str) -> str:
        """An opaque id for review sheets, salted with the database's secret (store.review_salt): without the
        salt, a reviewer who knows the run and model ids could compute them and match a sheet's rows to a model."""
        return hashlib.sha256("\x1f".join([salt, *map(str, astuple(self))]).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ReviewItem:
    """What a reviewer sees, blinded: no model id, tier, cost or run is shown (the key stays for saving)."""

    key: ItemKey
    slot: int  # 1: this review decides; 2: a second opinion for agreement
    prompt: str  # the task as the model saw it
    output: str
    reference: str | None  # the task's expected answer, if it has one
    position: int  # this reviewer's n-th review of the suite
    remaining: int  # reviews the queue still asks for, this one included
    dropped: Dropped  # outputs the queue no longer asks for because their model's verdict is settled
    # the reviewer held it already (a refresh, a restart's reconnect, a sheet): it was first shown elsewhere, so
    # the time it has been on this screen is not the time it took to review
    held_before: bool = False


class Dropped(NamedTuple):
    """Outputs still unreviewed that the queue no longer asks for, because their model's verdict is settled: why the
    count of reviews left can fall by more than one review (e.g. from 40 to 12)."""

    outputs: int
    models: int


class ModelQueue(NamedTuple):
    """One model's share of a queue: tasks reviewed and reviews still needed to settle its verdict."""

    model_id: str
    reviewed: int
    needed: int


@dataclass(frozen=True)
class QueueStatus:
    """A suite's queue: outputs not yet reviewed, outputs reviewed, and reviews that would settle the verdicts."""

    suite_id: str
    pending: int
    reviewed: int
    needed: int
    per_model: list[ModelQueue]
    dropped: Dropped


def left_text(left: int, dropped: Dropped) -> str:
    """'12 left in the queue', with why it fell if a settled verdict dropped outputs; names no model (blinded)."""
    text = f"{left} left in the queue"
    if dropped.outputs:
        whose = "one model's verdict is" if dropped.models == 1 else f"{dropped.models} models' verdicts are"
        text += f" ({dropped.outputs} no longer needed because {whose} settled)"
    return text


# ---- the queue -----------------------------------------------------------------------------------------


def item_key(row: dict) -> ItemKey:
    """The item a stored row (a trial, claim or review) is about."""
    return ItemKey(row["run_id"], row["suite_id"], row["task_id"], row["model_id"], int(row["trial"]))


def _order(seed: str, key: ItemKey) -> str:
    # the queue's order only, never shown: the key's plain digest keeps each reviewer's order as it was
    digest = hashlib.sha256("\x1f".join(map(str, astuple(key))).encode()).hexdigest()[:16]
    return hashlib.sha256(f"{seed}\x1f{digest}".encode()).hexdigest()


def to_settle(
    successes: float,
    n: int,
    bar: float,
    min_tasks: int,
    available: int,
    *,
    level: float = DEFAULT_LEVEL,
    method: str = DEFAULT_METHOD,
) -> int:
    """Reviewed tasks still needed to settle a verdict by the rule the ledger uses: 0 once it clears or fails; the
    tasks that would likely settle it; every open task when even those would not (each still narrows it)."""
    settling = settle([successes], [n], [bar], min_tasks=min_tasks, level=level, method=method, available=[available])
    if settling.verdict[0] != "undecided":
        return 0
    needed = settling.tasks_needed[0]
    return available if needed != needed else int(needed)


@dataclass
class _Plan:
    items: list[dict]
    per_model: list[ModelQueue]
    first: list[tuple[ItemKey, str]]  # (item, model) still asked for a first review, cheapest model first
    quota: dict[str, int]  # model -> first reviews still asked for
    second: list[ItemKey]  # items up for a second review, in their fixed order
    second_quota: int
    dropped: Dropped


def _suite(con: duckdb.DuckDBPyConnection, suite_id: str) -> tuple[str, Suite]:
    suite_id, suite = load_stored_suite(con, suite_id)
    if suite.grader.name not in store.REVIEWED_GRADERS:
        raise ReviewError(
            f"{suite_id} is graded by {suite.grader.name!r}, not by people: only human and llm_judge suites are "
            "reviewed"
        )
    return suite_id, suite


def _plan(con: duckdb.DuckDBPyConnection, suite_id: str, suite: Suite, level: float, method: str) -> _Plan:
    items = store.suite_items(con, suite_id)
    min_tasks = int(constraints.effective(suite.constraints, None)["min_tasks"])
    costs = store.model_costs(con, suite_id)
    by_model: dict[str, dict] = {}
    for row in items:
        model = by_model.setdefault(row["model_id"], {"tasks": {}, "open": {}})
        if row["reviews"]:
            share = model["tasks"].setdefault(row["task_id"], [0, 0])
            share[0] += row["first_verdict"] != "rejected"
            share[1] += 1
    for row in items:  # one trial per unreviewed task: evidence is counted in tasks
        model = by_model[row["model_id"]]
        if not row["reviews"] and row["task_id"] not in model["tasks"]:
            key = item_key(row)
            held = model["open"].get(row["task_id"])
            if held is None or _order("", key) < _order("", held):
                model["open"][row["task_id"]] = key
    per_model, quota = [], {}
    for model_id, model in by_model.items():
        shares = model["tasks"].values()
        successes, n = sum(c / t for c, t in shares), len(model["tasks"])
        needed = to_settle(successes, n, suite.bar, min_tasks, len(model["open"]), level=level, method=method)
        quota[model_id] = min(needed, len(model["open"]))
        per_model.append(ModelQueue(model_id, n, quota[model_id]))
    # cheapest plausible first: a settled model (quota 0) is asked nothing; an unknown cost comes last
    ordered = sorted(by_model, key=lambda m: (costs.get(m) is None, costs.get(m) or 0.0, m))
    first = [(key, m) for m in ordered if quota[m] for key in by_model[m]["open"].values()]
    reviewed_once = [item_key(row) for row in items if row["reviews"] >= 1]
    target = round(review_overlap(suite.grader) * len(reviewed_once))
    done = sum(1 for row in items if row["reviews"] >= 2)
    second = sorted((item_key(row) for row in items if row["reviews"] == 1), key=lambda k: _order("", k))
    # a quota of 0 with outputs still open means the verdict settled (to_settle is 0): those outputs are not asked
    settled = [len(by_model[m]["open"]) for m in by_model if not quota[m] and by_model[m]["open"]]
    dropped = Dropped(sum(settled), len(settled))
    return _Plan(items, sorted(per_model), first, quota, second, max(target - done, 0), dropped)


def _candidates(plan: _Plan, claims: list[dict], reviewer: str, seed: str) -> list[tuple[ItemKey, int]]:
    """This reviewer's next items in order (slot 2 first, then slot 1), leaving out items others hold."""
    reviews = {item_key(row): row["reviews"] for row in plan.items}
    held = {
        (item_key(c), c["slot"])
        for c in claims  # claims of reviewed slots stay as a record; only open ones are held
        if c["reviewer"] != reviewer and not c["expired"] and reviews.get(item_key(c)) == c["slot"] - 1
    }
    first_reviewer = {item_key(row): row["first_reviewer"] for row in plan.items}
    second = [k for k in plan.second if first_reviewer[k] != reviewer and (k, 2) not in held]
    quota2 = plan.second_quota - sum(1 for k, slot in held if slot == 2)
    out = [(k, 2) for k in second[: max(quota2, 0)]]
    taken: dict[str, int] = {}
    for key, slot in held:
        if slot == 1:
            taken[key.model_id] = taken.get(key.model_id, 0) + 1
    by_model: dict[str, list[ItemKey]] = {}
    for key, model_id in plan.first:
        if (key, 1) not in held:
            by_model.setdefault(model_id, []).append(key)
    for model_id, keys in by_model.items():  # insertion order: cheapest model first
        left = plan.quota[model_id] - taken.get(model_id, 0)
        out += [(k, 1) for k in sorted(keys, key=lambda k: _order(seed, k))[: max(left, 0)]]
    return out


def _remaining(plan: _Plan) -> int:
    return sum(plan.quota.values()) + plan.second_quota


def prompt_text(suite: Suite, task) -> str:
    """The task as the model saw it: its one message, or each message with its role."""
    messages = render_messages(suite, task)
    if len(messages) == 1:
        return messages[0]["content"]
    return "\n\n".join(f"{m['role']}: {m['content']}" for m in messages)


def _item(con, suite: Suite, key: ItemKey, slot: int, reviewer: str, plan: _Plan, held: bool) -> ReviewItem:
    task = next(t for t in suite.tasks if t.id == key.task_id)
    return ReviewItem(
        key=key,
        slot=slot,
        prompt=prompt_text(suite, task),
        output=store.item(con, astuple(key))["output"] or "",
        reference=task.expected,
        position=store.reviews_by(con, key.suite_id, reviewer) + 1,
        remaining=max(_remaining(plan), 1),
        dropped=plan.dropped,
        held_before=held,
    )


def next_item(
    con: duckdb.DuckDBPyConnection,
    suite_id: str,
    reviewer: str,
    *,
    seed=None,
    actor: Actor | None = None,
    level: float = DEFAULT_LEVEL,
    method: str = DEFAULT_METHOD,
) -> ReviewItem | None:
    """Claim and return the reviewer's next item (the one they hold already, if any: a refresh loses nothing);
    None when the queue asks nothing more of them. ``level`` and ``method``: the decision's, which say what settles."""
    actor = require(actor, "review")
    suite_id, suite = _suite(con, suite_id)
    reviewer = reviewer_for(actor, reviewer)
    order_seed = f"{reviewer}\x1f{'' if seed is None else seed}"
    for _ in range(20):  # a claim lost to another reviewer at the same instant: look again
        plan = _plan(con, suite_id, suite, level, method)
        claims = store.claims(con, suite_id, CLAIM_MINUTES)
        open_items = {item_key(row): row for row in plan.items}
        for claim in claims:
            key = item_key(claim)
            row = open_items.get(key)
            if claim["reviewer"] == reviewer and row and row["reviews"] < 2 and reviewer not in row["reviewers"]:
                if store.claim(con, astuple(key), claim["slot"], reviewer, CLAIM_MINUTES):
                    return _item(con, suite, key, claim["slot"], reviewer, plan, held=True)
        candidates = _candidates(plan, claims, reviewer, order_seed)
        if not candidates:
            return None
        key, slot = candidates[0]
        if store.claim(con, astuple(key), slot, reviewer, CLAIM_MINUTES):
            return _item(con, suite, key, slot, reviewer, plan, held=False)
    raise ReviewError("the queue is busy (other reviewers are claiming the same items); try again in a moment")


def queue_status(
    con: duckdb.DuckDBPyConnection, suite_id: str, *, level: float = DEFAULT_LEVEL, method: str = DEFAULT_METHOD
) -> QueueStatus:
    """Outputs waiting, reviewed, and the reviews still needed to settle each model's verdict (admin view)."""
    suite_id, suite = _suite(con, suite_id)
    plan = _plan(con, suite_id, suite, level, method)
    reviewed = sum(1 for row in plan.items if row["reviews"])
    return QueueStatus(suite_id, len(plan.items) - reviewed, reviewed, _remaining(plan), plan.per_model, plan.dropped)


def reviewable_suites(
    con: duckdb.DuckDBPyConnection, *, level: float = DEFAULT_LEVEL, method: str = DEFAULT_METHOD
) -> list[dict]:
    """Suites people review (human or llm_judge graders) with stored trials: pending, reviewed and needed."""
    found = []
    for row in store.reviewed_suites(con):
        status = queue_status(con, row["suite_id"], level=level, method=method)
        found.append(
            {
                "suite_id": row["suite_id"],
                "name": row["name"],
                "category": row["category"],
                "grader": row["grader"],
                "pending": status.pending,
                "reviewed": status.reviewed,
                "needed": status.needed,
            }
        )
    return found


class Asked(NamedTuple):
    """What the queue asks of one reviewer: the suite, the reviewer's name and [(item, slot, output)] in order."""

    suite_id: str
    suite: Suite
    reviewer: str
    items: list[tuple[ItemKey, int, str]]


def asked_of(
    con: duckdb.DuckDBPyConnection,
    suite_id: str,
    reviewer: str | None,
    *,
    actor: Actor | None = None,
    level: float = DEFAULT_LEVEL,
    method: str = DEFAULT_METHOD,
) -> Asked:
    """What the queue asks of ``reviewer`` (with sign-in, the acting person) in next_item's order, leaving out
    items others hold; claims nothing."""
    suite_id, suite = _suite(con, suite_id)
    name = reviewer_for(actor, reviewer)
    plan = _plan(con, suite_id, suite, level, method)
    outputs = {item_key(row): row["output"] for row in plan.items}
    wanted = _candidates(plan, store.claims(con, suite_id, CLAIM_MINUTES), name, f"{name}\x1f")
    return Asked(suite_id, suite, name, [(key, slot, outputs[key]) for key, slot in wanted])

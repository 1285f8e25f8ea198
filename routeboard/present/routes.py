"""A route in words: why a category has none, how many more tasks would settle it, its standing on the board,
two models compared on the same tasks, and a run that stops at the route (its races, each model's stop and its
spend). Numbers and names are formatted by present/formats.py."""

from __future__ import annotations

from collections.abc import Mapping

from routeboard.present.formats import DASH, NAMED_AT_MOST, count, money, percent, points, unknown


def why_no_route(route: Mapping) -> str:
    """Why a category has no route, in words and numbers, from a route row's fields (decide/routes.py): the one
    text the routes table, the report, every page and the CLI show. A dash where a model is routed."""
    if isinstance(route.get("model"), str):
        return DASH
    kind = route.get("gap_kind") or _gap_kind(route)
    nearest = route.get("nearest")
    if kind == "rules_conflict":
        return f"no route: this category's suites disagree on its rules: {route.get('rules_conflict')}"
    if kind == "no_results" or not isinstance(nearest, str):
        return "no model has results here"
    if kind == "all_excluded":
        return "every model with results here is excluded: " + _excluded_words(route.get("excluded"))
    if kind == "cost":
        return (
            f"no affordable model: the cheapest that clears the bar, {nearest}, costs "
            f"{money(route.get('cost_gap_usd'))} per accepted task over the ceiling"
        )
    if kind == "no_price":
        return "no model with a known cost clears the bar: " + _unpriced_words(route)
    lower, bar = f"its lower bound {percent(route.get('ci_low'))}", f"the {percent(route.get('bar'), 0)} bar"
    short = route.get("min_tasks_short")
    if kind == "min_tasks":
        text = f"no model clears the bar yet; nearest is {nearest}: {lower} clears {bar}, but {_min_tasks_words(route)}"
        return text + _short_of_tasks(route)
    text = f"no model clears the bar; nearest is {nearest}: {lower} is {points(route.get('accuracy_gap'))} under {bar}"
    text += _settle_words(route)
    if not unknown(short) and short and route.get("verdict") != "fails":
        text += f"; and {_min_tasks_words(route)}"
    return text


def _gap_kind(route: Mapping) -> str:
    """The kind of gap of a route row written before routes named it (older stored rows, hand-made tests)."""
    if route.get("affordable") is False:
        return "cost"
    short = route.get("min_tasks_short")
    if not route.get("accuracy_gap") and not unknown(short) and short:
        return "min_tasks"
    return "accuracy"


def _excluded_words(excluded) -> str:
    """Each excluded model with why ('a (on this category's deny list)'), the first few of many."""
    entries = [e for e in (excluded if isinstance(excluded, (list, tuple)) else ()) if isinstance(e, Mapping)]
    named = [f"{e['model']} ({e.get('detail') or e.get('reason')})" for e in entries[:NAMED_AT_MOST]]
    more = len(entries) - len(named)
    return "; ".join(named) + (f"; and {more} more" if more > 0 else "")


def _unpriced_words(route: Mapping) -> str:
    """Each model that clears but whose cost is unknown, with why (no price, or no token counts to price)."""
    clearing = list(route.get("clearing_unpriced") or [route.get("nearest")])
    detail = {e["model"]: e.get("detail") for e in route.get("excluded") or () if isinstance(e, Mapping)}
    return "; ".join(f"{m} clears it, but {detail.get(m) or 'its cost is unknown'}" for m in clearing)


def _min_tasks_words(route: Mapping) -> str:
    """'the min_tasks constraint excludes it until it has 10 more tasks (20 stored, 30 needed)'."""
    short, tasks, needed = route.get("min_tasks_short"), route.get("tasks"), route.get("min_tasks")
    words = f"the min_tasks constraint excludes it until it has {count(short)} more tasks"
    if not unknown(tasks) and not unknown(needed):
        words += f" ({count(tasks)} stored, {count(needed)} needed)"
    return words


def _short_of_tasks(route: Mapping) -> str:
    """Where the min_tasks constraint asks for more tasks than the suites can still give: say so."""
    short, left, suite_tasks = route.get("min_tasks_short"), route.get("tasks_available"), route.get("suite_tasks")
    if unknown(short) or unknown(left) or short <= left:
        return ""
    if left == 0:
        ran = "every one of their tasks" if unknown(suite_tasks) else f"all {int(suite_tasks):,} of their tasks"
        return f"; its suites have no more to give: it has run {ran} (add tasks to the suite)"
    return f"; its suites have only {int(left):,} more to give (add tasks to the suite)"


def _settle_words(route: Mapping) -> str:
    """The tasks-needed clause of a nearest model: which way it would likely settle and on how many more tasks, or
    that its suites cannot give that many, or that it fails already (more tasks would not make it clear)."""
    verdict = route.get("verdict")
    if verdict == "fails":
        return f"; it fails: even its interval's upper bound, {percent(route.get('ci_high'))}, is under the bar"
    if verdict != "undecided":
        return ""
    needed, to_settle, way = route.get("tasks_needed"), route.get("tasks_to_settle"), _way(route)
    if not unknown(needed):
        return f"; about {int(needed):,} more tasks would likely settle it{way}" if needed > 0 else ""
    if unknown(to_settle):
        return "; no likely number of tasks would settle it (its accuracy sits at the bar)"
    return (
        f"; it cannot settle on the {_suite_tasks_words(route)}: it would need about {int(to_settle):,} more{way}; "
        "add tasks to the suite or choose a lower confidence level"
    )


def _way(route: Mapping) -> str:
    """' as clears' or ' as fails': which way more tasks would likely settle the verdict, where known."""
    settles_as = route.get("settles_as")
    return f" as {settles_as}" if isinstance(settles_as, str) and settles_as else ""


def _suite_tasks_words(route: Mapping) -> str:
    """'150 tasks its suites have (it has run every one)', or with how many it has not run yet."""
    suite_tasks, left = route.get("suite_tasks"), route.get("tasks_available")
    have = "tasks its suites have" if unknown(suite_tasks) else f"{int(suite_tasks):,} tasks its suites have"
    if unknown(left):
        return have
    return have + (" (it has run every one)" if left == 0 else f" ({int(left):,} not run yet)")


def tasks_text(route: Mapping) -> str:
    """The 'tasks needed' cell of a route row: more tasks that would likely settle its verdict and which way, at
    least what a min_tasks constraint asks, that its suites cannot give that many, or why no number is given."""
    verdict, needed, short = route.get("verdict"), route.get("tasks_needed"), route.get("min_tasks_short")
    if verdict == "fails":  # failing wins: no number of tasks makes it clear
        return "none: it fails the bar"
    if not unknown(short) and short and (unknown(needed) or needed <= short):
        return f"{int(short):,} more for the min_tasks constraint"
    if verdict == "clears" or (not unknown(needed) and needed == 0):
        return "none: its verdict is settled"
    if not unknown(needed):
        return f"about {int(needed):,} more{_way(route)}"
    to_settle = route.get("tasks_to_settle")
    if unknown(to_settle):
        return "none likely: its accuracy sits at the bar"
    return f"about {int(to_settle):,} more{_way(route)}, more than its suites can give: add tasks"


ROUTED, UNDECIDED, NONE_CLEARS = "routed", "undecided", "none clears"


STANDINGS = (ROUTED, UNDECIDED, NONE_CLEARS)  # the routing board's order: routes first, then what more tasks settle


def route_standing(route: Mapping) -> str:
    """Where a category stands: routed; undecided (its nearest model could still clear: more tasks would settle
    it, or only the min_tasks constraint keeps it off); or none clears (every model fails, costs too much, has no
    price, is excluded, or the category's suites disagree on its rules)."""
    if isinstance(route.get("model"), str):
        return ROUTED
    kind = route.get("gap_kind") or _gap_kind(route)
    if kind == "min_tasks" or (kind == "accuracy" and route.get("verdict") == "undecided"):
        return UNDECIDED
    return NONE_CLEARS


def route_text(route: Mapping) -> str:
    """The route of a category in a few words: the routed model, or its standing and the nearest model
    ('undecided (nearest X)', 'none clears (nearest X)'); why, in full, is ``why_no_route``."""
    standing = route_standing(route)
    if standing == ROUTED:
        return route["model"]
    nearest = route.get("nearest")
    return f"{standing} (nearest {nearest})" if isinstance(nearest, str) else standing


def paired_text(paired) -> str:
    """Two models compared on the tasks both answered (routeboard.decide.explore.Paired), in a few sentences."""
    a, b = paired.first, paired.second
    if not paired.shared:
        return f"{a} and {b} have answered no task in common here: there is nothing to compare yet."
    text = (
        f"On the {paired.shared:,} tasks both answered, {a} was right on {percent(paired.first_accuracy)} and {b} on "
        f"{percent(paired.second_accuracy)}. {a} did better on {paired.first_better:,} of them, {b} on "
        f"{paired.second_better:,}; the rest went the same way ({paired.both_right:,} both right, "
        f"{paired.both_wrong:,} both wrong)."
    )
    if unknown(paired.low) or unknown(paired.high):
        return text
    gap = f"{paired.difference * 100:+.1f} points (95% interval {paired.low * 100:+.1f} to {paired.high * 100:+.1f})"
    if paired.low > 0:
        verdict = f"{a} is the more accurate on these tasks"
    elif paired.high < 0:
        verdict = f"{b} is the more accurate on these tasks"
    else:
        verdict = "no clear difference in accuracy on these tasks"
    return f"{text} {a} minus {b}: {gap}: {verdict}."


def task_share_text(share) -> str:
    """One model's result on one task: right, wrong, or with repeated trials the share right."""
    if unknown(share):
        return DASH
    if share == 1:
        return "right"
    if share == 0:
        return "wrong"
    return f"{percent(share, 0)} of trials right"


def _names(models) -> str:
    """'A', 'A and B', 'A, B and C'."""
    models = list(models)
    return models[0] if len(models) == 1 else f"{', '.join(models[:-1])} and {models[-1]}"


def race_text(race: Mapping) -> str:
    """Where a category's race stands (``decide.race.RaceCall.as_dict``): 'route settled: A', 'deciding between A
    and B', 'no candidate can clear the 90% bar', or unsettled with what the report will route on."""
    state, between, bar = race["state"], list(race.get("between") or []), percent(race["bar"], 0)
    if state == "settled":
        return f"route settled: {race['route']}"
    if state == "deciding":
        if len(between) == 1:
            return f"deciding whether {between[0]} clears the {bar} bar"
        return f"deciding between {_names(between)}"
    if state == "none_can_clear":
        return f"no candidate can clear the {bar} bar"
    which = f"settle {between[0]}" if len(between) == 1 else f"tell {_names(between)} apart"
    return f"not settled on these tasks: the tasks left would likely not {which}; the report routes on what was seen"


def standing_text(model: Mapping, bar) -> str:
    """Why a model of a race is sent more tasks or not, in words (``decide.race.Standing`` as plain data)."""
    reason, n, by = model.get("reason"), model.get("tasks") or 0, model.get("by")
    after = f"after {n:,} task{'' if n == 1 else 's'}"
    stopped, paused = (f"stopped {after}", f"paused {after}") if n else ("not sent", "not sent")
    span = f"{percent(model.get('low'))}–{percent(model.get('high'))}"
    best, limit = money(model.get("cpat_best_usd")), money(model.get("by_cpat_usd"))
    words = {
        None: f"running: {percent(model.get('accuracy'))} so far ({span}) {after}" if n else "running: no task yet",
        "route": f"the route: clears the {percent(bar, 0)} bar (at least {percent(model.get('low'))} {after}) at "
        f"{money(model.get('cpat_usd'))} per accepted task, no more than {money(model.get('cpat_worst_usd'))}",
        "fails": f"stopped {after}: at most {percent(model.get('high'))} accurate, under the {percent(bar, 0)} bar",
        "settled": f"{stopped}: {by} is the route; even at {percent(model.get('high'))} accurate this model's "
        f"cost per accepted task ({best}) is above the most {by} costs ({limit})",
        "dominated": f"{paused}: even at {percent(model.get('high'))} accurate its cost per accepted task ({best}) "
        f"is above the most {by} costs ({limit}), and {by} clears the bar",
        "waiting": f"waiting: should {by} clear the bar it costs at most {limit} per accepted task, under the least "
        f"this model can ({best}), so it is not sent tasks while {by} is undecided",
        "leading": f"clears the bar and leads ({money(model.get('cpat_usd'))} per accepted task); waits while {by} "
        "settles on its own tasks (more of this model's would not change the decision)",
        "cannot_settle": f"stopped {after}: {percent(model.get('accuracy'))} so far ({span}); even with every task "
        f"left it would likely not clear the {percent(bar, 0)} bar",
        "out_of_tasks": f"clears the {percent(bar, 0)} bar ({span} {after}); no task left to tell it from the others"
        if model.get("verdict") == "clears"
        else f"ran out of tasks undecided: {span} against the {percent(bar, 0)} bar",
        "no_price": "not sent: it has no price, so its cost per accepted task is unknown and it cannot be the route",
        "excluded": f"not sent: {model.get('detail')}",
        "over_ceiling": f"stopped {after}: even at its best its cost per accepted task ({best}) is over the "
        "category's ceiling",
    }
    return words.get(reason, str(reason))


def race_lines(races) -> list[str]:
    """A run's races as lines a person reads: each category's standing, then each model's, indented."""
    lines = []
    for race in races or []:
        lines.append(f"{race['category']}: {race_text(race)}")
        lines += [f"  {m['model_id']}: {standing_text(m, race['bar'])}" for m in race.get("models") or []]
    return lines


def route_spend_text(spend: Mapping) -> str:
    """A run that stops at the route, before it starts (``run.route.RouteSpend`` as plain data): its expected and
    worst-case spend beside the full run's, and where the figures come from."""
    return (
        f"until the route: expected {money(spend['expected_usd'])} (about {count(round(spend['expected_calls']))} "
        f"calls), worst case {money(spend['worst_usd'])}; the full run: {money(spend['full_usd'])} "
        f"({count(spend['full_calls'])} calls). {spend['basis'][0].upper()}{spend['basis'][1:]}."
    )

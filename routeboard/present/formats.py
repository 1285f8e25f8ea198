"""The one text of money, percent, evidence and "why no route" for pages, CLI and report.

Every figure a person reads is worded here once, so a page, a CLI command and the one-page report never disagree.
Pure and cheap to import (the standard library only): the first page and every CLI command load it."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Mapping

DASH = "—"
# At most this many excluded models are named in one "why no route" (a category of 50 models stays readable).
NAMED_AT_MOST = 5


# ---------------------------------------------------------------- where a message is read

# The label of each input a page asks for, by the name of the command-line flag that gives the same input
# (input_price is --input-price). A core message names an input with ``entry`` and reads, where it is shown, as the
# flag on the command line and as the field's label on a page (``for_cli``, ``for_page``).
FIELDS = {
    "input_price": "USD / M input tokens",
    "output_price": "USD / M output tokens",
    "free": "Free: it really costs nothing",
    "category": "Category",
    "suite": "Suite name",
    "name": "Name",
    "bar": "Bar",
    "grader": "Grader",
    "template": "Prompt template",
    "model": "Model",
    "format": "Kind of file",
    "reviewer": "Reviewer",
    "judge_model": "Judge model",
    "trials": "Trials per task",
    "limit": "Tasks per suite",
    "concurrency": "Concurrency",
    "budget_usd": "Budget cap USD",
    "max_tokens": "Max output tokens",
}
_FIELD = re.compile(r"\{--([a-z][a-z0-9_]*)\}")
_SAID = re.compile(r"\[\[(.*?)\|\|(.*?)\]\]", re.S)


def entry(name: str) -> str:
    """An input named in a core message (``input_price``): ``for_cli`` reads it as its flag, ``for_page`` as the
    label of the page's field (FIELDS)."""
    return "{--" + name + "}"


def said(cli: str, page: str) -> str:
    """Words of a core message that differ by where it is read: ``cli`` on the command line (a command to type),
    ``page`` in the app (where to click)."""
    return f"[[{cli}||{page}]]"


def for_cli(text: str) -> str:
    """A core message as the command line prints it: inputs named by their flags (--input-price)."""
    text = _SAID.sub(lambda m: m[1], text)
    return _FIELD.sub(lambda m: "--" + m[1].replace("_", "-"), text)


def for_page(text: str) -> str:
    """A core message as a page shows it: inputs named by the labels of the page's fields, never a flag."""
    text = _SAID.sub(lambda m: m[2], text)
    return _FIELD.sub(lambda m: f"“{FIELDS.get(m[1], m[1].replace('_', ' ').capitalize())}”", text)


# ---------------------------------------------------------------- words for names

# What each assumption means, in the words a person reads (the report, What-if's sensitivity).
ASSUMPTION_LABELS = {
    "failure_usd": "cost of an error that reaches the business",
    "review_rate": "share of outputs a person reviews",
    "catch_rate": "share of wrong outputs a review catches",
    "review_minutes": "minutes to review one output",
    "rework_minutes": "minutes to fix a caught error",
    "reviewer_usd_per_hour": "reviewer wage",
    "tool_usd_per_trial": "tool cost per trial",
    "monthly_volume": "tasks a month",
}
# Names a person reads differently from their spelling in code (the rest: underscores read as spaces).
_WORDS = {
    "cpat": "cost per accepted task",
    "cpat_usd": "cost per accepted task",
    "llm_judge": "LLM judge",
    "json_fields": "JSON fields",
    "json_schema": "JSON schema",
    "one_of": "one of",
    "f1": "F1 overlap",
    "model_id": "model",
    "id": "id",
}


def words(name: str) -> str:
    """An identifier (a grader, an option, a column) in the words a person reads: llm_judge -> 'LLM judge',
    min_tasks -> 'min tasks'."""
    return _WORDS.get(name) or ASSUMPTION_LABELS.get(name) or name.replace("_", " ")


def when(value) -> str:
    """A moment as a person reads it, to the minute (UTC): a datetime, an ISO text or epoch seconds or milliseconds
    (some stores hand timestamps back as numbers); a dash when unknown."""
    if unknown(value) or value == "":
        return DASH
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) >= 1e11 else value  # epoch milliseconds from 1973 on
        value = dt.datetime.fromtimestamp(seconds, dt.UTC)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------- numbers


def unknown(value) -> bool:
    """None, NaN, NaT or pandas' NA: a value nobody knows (checked without importing pandas)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT differ from themselves
    except TypeError:  # pandas' NA has no truth value
        return True


def money(value) -> str:
    """USD with sensible precision: whole dollars from $1,000, cents from $1, three significant figures below."""
    if unknown(value):
        return DASH
    if value < 0:  # a negative saving reads -$5.00, not $-5.00
        return f"-{money(-value)}"
    size = value
    if size >= 1000:
        return f"${value:,.0f}"
    if size >= 1 or size == 0:
        return f"${value:,.2f}"
    # three significant digits below $1, capped so a tiny figure never reads in scientific notation; zeros past
    # the cents trimmed, so a budget of $0.01 reads as one and a sub-cent price keeps its digits ($0.00012)
    text = f"${value:,.{min(8, 2 - math.floor(math.log10(size)))}f}"
    whole, cents = text.split(".")
    return f"{whole}.{cents[:2]}{cents[2:].rstrip('0')}"


def token_price(input_per_mtok_usd, output_per_mtok_usd) -> str:
    """A model's token prices as a person reads them."""
    return f"{money(input_per_mtok_usd)} input / {money(output_per_mtok_usd)} output per million tokens"


def money_vega(expr: str, ticks: bool = False) -> str:
    """``money`` as a Vega expression over ``expr``, for what a chart writes in the browser (``ticks``: an axis,
    trailing zeros trimmed: $5, $0.5, $0.002)."""
    cents, small = ("'$,.2~f'", "'$,.3~r'") if ticks else ("'$,.2f'", "'$,.3~r'")
    return (
        f"abs({expr}) >= 1000 ? format({expr}, '$,.0f') : abs({expr}) >= 1 || {expr} == 0 ? format({expr}, {cents}) "
        f": format({expr}, {small})"
    )


def percent(share, digits: int = 1) -> str:
    """A share as a percentage (0.9 -> 90.0%)."""
    return DASH if unknown(share) else f"{share:.{digits}%}"


def points(share_gap) -> str:
    """A gap between two shares in percentage points (0.111 -> '11.1 points')."""
    return DASH if unknown(share_gap) else f"{share_gap * 100:.1f} points"


def interval(value, low, high) -> str:
    """'10.0% [1.8%, 40.4%]': a share and its confidence interval."""
    return DASH if unknown(value) else f"{percent(value)} [{percent(low)}, {percent(high)}]"


def count(value) -> str:
    """A whole number with thousands separators."""
    return DASH if unknown(value) else f"{int(value):,}"


def minutes(value) -> str:
    """Minutes as a person reads them: reviews take seconds, so two significant digits (0.22 min, 2 min)."""
    return DASH if unknown(value) else f"{value:.2g} min"


def minutes_basis(used, source: str) -> str:
    """The review (or rework) minutes a cost uses and where they come from: '0.22 min, measured from 40 reviews'
    or '2 min, assumed'."""
    if source.startswith("measured"):
        # the ledger's source reads "measured (40 reviews)"
        return f"{minutes(used)}, measured from {source.removeprefix('measured (').removesuffix(')')}"
    return f"{minutes(used)}, {source}"


# ---------------------------------------------------------------- costs that may be unknown


def unknown_cost_label(reason) -> str:
    """The few words a cell shows for an unknown cost, from its reason ('no price: ...' -> 'no price')."""
    return reason.split(":", 1)[0] if isinstance(reason, str) and reason else "unknown"


def cpat_text(value, cost_unknown=None, undefined: str = DASH) -> str:
    """A cost per accepted task: its unknown cost's label ('no price', 'no token counts') when a cost part is
    unknown, ``undefined`` when nothing is accepted (a table's dash, whose help says so), never $0 for either."""
    if isinstance(cost_unknown, str):
        return unknown_cost_label(cost_unknown)
    return undefined if unknown(value) else money(value)


def spend_text(known_usd, unknown_models=None) -> str:
    """What a run spent: the sum when every attempt's cost is known; else 'unknown' naming the models whose
    calls have no cost, with the known part where there is one (unknown is never $0)."""
    names = unknown_models if isinstance(unknown_models, str) else ", ".join(unknown_models or ())
    if not names:
        return money(known_usd)
    if unknown(known_usd) or not known_usd:
        return f"unknown (no cost for {names})"
    return f"{money(known_usd)} + unknown (no cost for {names})"


def time_left(seconds) -> str:
    """A run's time left as a person reads it: 'about 40 s left', 'about 12 min left' ('' when unknown)."""
    if unknown(seconds):
        return ""
    if seconds < 90:
        return f"about {max(1, round(seconds)):.0f} s left"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60):.0f} min left"
    return f"about {seconds / 3600:.1f} h left"


def per_trial(total_usd, trials) -> float | None:
    """A run total spread over its trials; None when either is unknown or there are no trials."""
    if unknown(total_usd) or unknown(trials) or not trials:
        return None
    return total_usd / trials


# ---------------------------------------------------------------- evidence and assumptions


def evidence_text(row: Mapping) -> str:
    """What a verdict rests on: the tasks graded, or where people review, how many of the outputs they have (the
    rest wait and count nowhere, docs/design.md "Acceptance by people")."""
    pending, reviewed = int(row.get("pending") or 0), int(row.get("reviewed") or 0)
    if pending:
        return f"{reviewed:,} reviewed of {int(row['trials']) + pending:,} outputs"
    if reviewed:
        return f"all {reviewed:,} outputs reviewed" if reviewed == row["trials"] else f"{reviewed:,} reviewed outputs"
    return f"{int(row['tasks']):,} tasks"


def waiting_text(pending: int) -> str:
    """Outputs that wait for people's review, counted: what a page or the CLI says where nothing is decided yet
    because people have not reviewed (they count nowhere until then, docs/design.md "Acceptance by people")."""
    outputs = "1 output waits" if pending == 1 else f"{count(pending)} outputs wait"
    return f"{outputs} for review: a suite graded by people counts on the routing board once its outputs are reviewed"


def assumption_text(name: str, value: float) -> str:
    """One assumption's value with its unit ('model price': a share of the model's price, as What-if varies it)."""
    if name == "model price":
        return f"{percent(value, 0)} of its price"
    if name in ("review_rate", "catch_rate"):
        return percent(value, 0)
    if name in ("review_minutes", "rework_minutes"):
        return f"{value:g} min"
    if name == "reviewer_usd_per_hour":
        return f"{money(value)} an hour"
    if name == "monthly_volume":
        return f"{value:,.0f} tasks a month"
    return money(value)

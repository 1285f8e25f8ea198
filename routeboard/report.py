"""The leader's one-page answer: routed vs baseline per month, the saving, each category's route or gap, and the
assumptions the figures rest on; as tables, CSV, a self-contained HTML page, and a scenario shared as a link.

Pure: the Report page, the What-if page and tests call the same functions (no streamlit, no network)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import pandas as pd

from routeboard.decide.routes import Decision
from routeboard.decide.scenario import Assumptions, Scenario
from routeboard.exports import to_csv
from routeboard.present import (
    ASSUMPTION_LABELS,
    DASH,
    STANDINGS,
    assumption_text,
    evidence_text,
    interval,
    money,
    percent,
    route_standing,
    route_text,
    tasks_text,
    unknown,
    why_no_route,
)

# ---------------------------------------------------------------- the report's data


@dataclass(frozen=True)
class Report:
    """The one-page answer. ``headline``: totals and baseline; ``categories``: one display row per category
    (text, never None); ``numbers``: the same rows as numbers for CSV; ``assumptions``: what the figures rest on."""

    headline: dict
    categories: pd.DataFrame
    numbers: pd.DataFrame
    assumptions: pd.DataFrame

    def summary(self) -> str:
        """The answer in one sentence."""
        h = self.headline
        if h["saving_monthly_usd"] is None:
            return f"No routed total or saving can be stated yet: {h['unknown_reason']}."
        share = f" ({percent(h['saving_share'], 0)})" if h["saving_share"] is not None else ""
        return (
            f"Routing costs {money(h['routed_monthly_usd'])} a month against {money(h['baseline_monthly_usd'])} "
            f"sending everything to {h['baseline_model']}: a saving of {money(h['saving_monthly_usd'])}{share} "
            f"over {h['categories_compared']} of {h['categories']} categories."
        )


CATEGORY_COLUMNS = ("category", "bar", "route", "accuracy", "rests on", "cpat", "routed monthly", "baseline monthly")
CATEGORY_COLUMNS += ("saving", "gap", "tasks needed")
# the help each report column shows on hover: what it means, and why a cell may read as a dash
COLUMN_HELP = {
    "category": "The job category (one suite's category).",
    "bar": "The accuracy a model must reliably reach here: its interval's lower bound must clear it.",
    "route": "The cheapest model that clears the bar and every constraint; 'none clears' when no model does.",
    "accuracy": "Measured accuracy with its confidence interval (the routed model's, else the nearest model's).",
    "rests on": "The evidence behind the accuracy: tasks graded, or where people review the outputs, how many they "
    "have reviewed (outputs still waiting count nowhere).",
    "cpat": "Cost per accepted task: model, review, rework and escaped-error costs over the accepted share. "
    "A dash where nothing is routed.",
    "routed monthly": "Monthly volume x the routed cpat. A dash where nothing is routed: no decision, no cost.",
    "baseline monthly": "The same volume sent to the baseline model. A dash where nothing is routed or the "
    "baseline has no known cost.",
    "saving": "Baseline monthly minus routed monthly. A dash where either is unknown.",
    "gap": "Where nothing clears: the nearest model and how far its interval's lower bound is under the bar, and "
    "whether more tasks would likely settle it (which way); or its cost over the ceiling, a cost that is unknown "
    "and why, or that every model is excluded and by what. A dash where a model is routed.",
    "tasks needed": "About how many more tasks would likely settle the nearest model's verdict, and which way "
    "(clears or fails); 'none' where it is settled or fails. A dash where a model is routed.",
    "assumption": "An input the costs rest on: assumed, or measured from people's reviews where enough exist.",
    "value": "The value in use.",
    "applies to": "Every category, or one category that overrides the default.",
    "basis": "assumed (default): the stock value nobody changed; assumed (set in this scenario): chosen on What-if; "
    "measured (n reviews): the median time people's reviews took, used in place of the assumption.",
}
NUMBER_COLUMNS = (
    "category",
    "bar",
    "model",
    "nearest_model",
    "accuracy",
    "ci_low",
    "ci_high",
    "cpat_usd",
    "monthly_volume",
    "routed_monthly_usd",
    "baseline_monthly_usd",
    "saving_monthly_usd",
    "accuracy_gap",
    "tasks_needed",
    "reason",
)


def build_report(decision: Decision, scenario: Scenario) -> Report:
    """The report's tables from one decision and the scenario it was made under."""
    book = decision.portfolio
    money_rows = {r["category"]: r for r in book["rows"]}
    routes = decision.routes.to_dict("records")
    evidence = route_evidence(decision.ledger, routes)
    shown, numbers = [], []
    for route, rests_on in zip(routes, evidence):
        row = money_rows.get(route["category"], {})
        routed = isinstance(route["model"], str)
        # a category with no route has no monthly cost: the nearest model's figures would read as a decision
        routed_monthly = row.get("routed_monthly_usd") if routed else None
        baseline_monthly = row.get("baseline_monthly_usd") if routed else None
        saving = row.get("saving_monthly_usd") if routed else None
        needed = route.get("tasks_needed")
        shown.append(
            {
                "category": route["category"],
                "bar": percent(route["bar"], 0),
                "route": route["model"] if routed else "none clears",
                "accuracy": interval(route["accuracy"], route["ci_low"], route["ci_high"]),
                "rests on": rests_on,
                "cpat": money(route["cpat_usd"]) if routed else DASH,
                "routed monthly": money(routed_monthly),
                "baseline monthly": money(baseline_monthly),
                "saving": money(saving),
                "gap": why_no_route(route),
                "tasks needed": DASH if routed else tasks_text(route),
            }
        )
        numbers.append(
            {
                "category": route["category"],
                "bar": route["bar"],
                "model": route["model"] if routed else None,
                "nearest_model": None if routed else route["nearest"],
                "accuracy": route["accuracy"],
                "ci_low": route["ci_low"],
                "ci_high": route["ci_high"],
                "cpat_usd": route["cpat_usd"] if routed else None,
                "monthly_volume": route["monthly_volume"],
                "routed_monthly_usd": routed_monthly,
                "baseline_monthly_usd": baseline_monthly,
                "saving_monthly_usd": saving,
                "accuracy_gap": None if routed else route["accuracy_gap"],
                "tasks_needed": None if routed or unknown(needed) else int(needed),
                "reason": route["reason"],
            }
        )
    return Report(
        _headline(book, numbers),
        pd.DataFrame(shown, columns=list(CATEGORY_COLUMNS)),
        pd.DataFrame(numbers, columns=list(NUMBER_COLUMNS)),
        assumptions_table(
            scenario, list(decision.routes["category"]) if len(decision.routes) else [], _measured(decision.ledger)
        ),
    )


def route_evidence(led: pd.DataFrame, routes: list[dict]) -> list[str]:
    """Per route row, what its accuracy rests on (``evidence_text``), read from the ledger row of the routed model,
    else the nearest one; a dash where no model has results. The report and the Overview's board both show it."""
    shown = [(r["category"], r["model"] if isinstance(r["model"], str) else r.get("nearest")) for r in routes]
    wanted = set(shown)
    if led.empty or not wanted:
        return [DASH] * len(routes)
    # only the rows shown, as records: all of a 1,000-row ledger as records cost a tenth of a second
    columns = [c for c in ("category", "model_id", "trials", "tasks", "pending", "reviewed") if c in led]
    near = led.loc[led["model_id"].isin({m for _, m in wanted}) & led["category"].isin({c for c, _ in wanted}), columns]
    rows = {(r["category"], r["model_id"]): r for r in near.to_dict("records")}
    return [evidence_text(rows[key]) if key in rows else DASH for key in shown]


BOARD_COLUMNS = ("category", "route", "cost per accepted task", "monthly", "saving")


def routing_board(decision: Decision, report: Report) -> pd.DataFrame:
    """The routing board a leader reads first: per category the route (or its standing and nearest model), its cost
    per accepted task, monthly cost and saving against the baseline, as text (``BOARD_COLUMNS``, with ``standing``).
    Routed categories come first, the largest monthly cost first; then undecided ones, then those none clears."""
    routes = decision.routes.to_dict("records")
    shown = report.categories.to_dict("records")
    monthly = report.numbers["routed_monthly_usd"].tolist()
    rows = [
        {
            "category": row["category"],
            "route": route_text(route),
            "cost per accepted task": row["cpat"],
            "monthly": row["routed monthly"],
            "saving": row["saving"],
            "standing": route_standing(route),
            "_monthly": -1.0 if unknown(cost) else float(cost),
        }
        for route, row, cost in zip(routes, shown, monthly)
    ]
    rows.sort(key=lambda r: (STANDINGS.index(r["standing"]), -r["_monthly"], r["category"]))
    columns = [*BOARD_COLUMNS, "standing"]
    return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)


def _headline(book: dict, numbers: list[dict]) -> dict:
    """Totals over the categories with a route and a known baseline cost; unknown (None) when there are none.

    Counted here from the routed rows alone: a category with no route must never add its nearest model's cost."""
    compared = [r for r in numbers if r["saving_monthly_usd"] is not None]
    routed = sum(r["routed_monthly_usd"] for r in compared) if compared else None
    baseline = sum(r["baseline_monthly_usd"] for r in compared) if compared else None
    return {
        "baseline_model": book["baseline_model"],
        "unknown_reason": None if compared else book["unknown_reason"],
        "categories_compared": len(compared),
        "categories": len(numbers),
        "routed_monthly_usd": routed,
        "baseline_monthly_usd": baseline,
        "saving_monthly_usd": baseline - routed if compared else None,
        "saving_share": (baseline - routed) / baseline if compared and baseline else None,
    }


def _measured(led: pd.DataFrame) -> dict[str, dict[str, tuple[float, str]]]:
    """Per category, the review and rework minutes people's reviews measured and the ledger used instead."""
    found: dict[str, dict[str, tuple[float, str]]] = {}
    for name in ("review_minutes", "rework_minutes"):
        if f"{name}_source" not in led:
            continue
        rows = led[led[f"{name}_source"].str.startswith("measured")].drop_duplicates("category")
        for row in rows[["category", f"{name}_used", f"{name}_source"]].itertuples(index=False):
            found.setdefault(row[0], {})[name] = (row[1], row[2])
    return found


def assumptions_table(scenario: Scenario, categories: list[str], measured: Mapping | None = None) -> pd.DataFrame:
    """Every assumption the figures rest on: its value, where it applies, and whether it was set or is a default;
    where people's reviews measured a category's review or rework minutes, the measured value used instead."""
    stock = asdict(Assumptions())
    rows = [
        _assumption_row(name, value, "every category", value == stock[name])
        for name, value in asdict(scenario.defaults).items()
        if name != "monthly_volume"
    ]
    for category in categories:
        values = asdict(scenario.for_category(category))
        own = scenario.categories.get(category, {})
        rows += [
            _assumption_row(name, values[name], category, values[name] == stock[name])
            for name in ("monthly_volume", *sorted(k for k in own if k != "monthly_volume"))
            if name not in (measured or {}).get(category, {})
        ]
        for name, (value, source) in sorted((measured or {}).get(category, {}).items()):
            row = _assumption_row(name, round(value, 2), category, False)
            rows.append({**row, "basis": source})
    for model, price in sorted(scenario.prices.items()):
        text = f"{money(price.get('input_per_mtok_usd'))} in / {money(price.get('output_per_mtok_usd'))} out per Mtok"
        rows.append({"assumption": f"price of {model}", "value": text, "applies to": model, "basis": "assumed (set)"})
    if scenario.baseline_model:
        rows.append(
            {"assumption": "baseline", "value": scenario.baseline_model, "applies to": "portfolio", "basis": "chosen"}
        )
    return pd.DataFrame(rows, columns=["assumption", "value", "applies to", "basis"])


def _assumption_row(name: str, value: float, where: str, stock: bool) -> dict:
    basis = "assumed (default)" if stock else "assumed (set in this scenario)"
    return {
        "assumption": ASSUMPTION_LABELS[name],
        "value": assumption_text(name, value),
        "applies to": where,
        "basis": basis,
    }


# ---------------------------------------------------------------- downloads


def report_csv(report: Report) -> str:
    """The per-category figures as numbers (formula-safe CSV)."""
    return to_csv(report.numbers)


def assumptions_csv(report: Report) -> str:
    return to_csv(report.assumptions)


def report_html(report: Report, generated: dt.datetime | None = None) -> str:
    """One self-contained HTML page (inline CSS and SVG chart; no script, no network) that opens offline."""
    when = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>routeboard: routing report</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}}
table{{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0 1.5rem}}
th,td{{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}}
th{{background:#f4f4f4}} .lead{{font-size:1.15rem}} small{{color:#666}}
</style></head><body>
<h1>Which model for each job, and what it costs</h1>
<p class="lead">{html.escape(report.summary())}</p>
<h2>Per month, routed against the baseline</h2>
{monthly_svg(report)}
<h2>Per category</h2>
{_html_table(report.categories)}
<h2>What these figures rest on</h2>
<p>Every cost below is an assumption, not a measurement: change it on the What-if page and the answer changes.</p>
{_html_table(report.assumptions)}
<p><small>Generated by routeboard on {when}. Accuracy is shown with its confidence interval; a model routes only
when the interval's lower bound clears the category's bar.</small></p>
</body></html>
"""


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def monthly_svg(report: Report, width: int = 720) -> str:
    """Routed and baseline monthly cost per routed category as horizontal bars (inline SVG)."""
    rows = report.numbers.dropna(subset=["routed_monthly_usd", "baseline_monthly_usd"])
    if rows.empty:
        return "<p>No category has both a route and a baseline cost to compare.</p>"
    top = float(max(rows["routed_monthly_usd"].max(), rows["baseline_monthly_usd"].max())) or 1.0
    label_w, bar_h, gap = 220, 14, 14
    scale = (width - label_w - 110) / top
    parts, y = [], 10
    for row in rows.itertuples(index=False):
        parts.append(f'<text x="0" y="{y + bar_h + 4}" font-size="12">{html.escape(row.category)}</text>')
        for value, colour, name in (
            (row.routed_monthly_usd, "#2ca02c", "routed"),
            (row.baseline_monthly_usd, "#d62728", "baseline"),
        ):
            w = max(value * scale, 1)
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
            parts.append(
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}" font-size="11">{name} {money(value)}</text>'
            )
            y += bar_h + 2
        y += gap
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" role="img" '
        f'aria-label="monthly cost, routed against baseline">{"".join(parts)}</svg>'
    )

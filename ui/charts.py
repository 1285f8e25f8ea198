"""Charts for the pages (pure functions of ledger tables), all Vega-Lite: a spec and the table it draws.

Vega-Lite everywhere, no Plotly: Plotly's first use loads a 4.7 MB bundle that kept the browser busy about a second
after the first page with a chart, which the next page visited paid for."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from routeboard.present import assumption_text, money_vega, percent, words

TIER_COLOURS = {
    "frontier": "#d62728",
    "small-proprietary": "#1f77b4",
    "hosted-open-weight": "#2ca02c",
    "local": "#9467bd",
    "cascade": "#7f7f7f",
}
# a tick as money, at routeboard.present's precision with trailing zeros trimmed: $0.002, $0.1, $5, $1,000
MONEY_LABEL = money_vega("datum.value", ticks=True)


def _money_text(field: str, text: str) -> dict:
    """A Vega-Lite transform writing ``field`` as money into ``text`` (for tooltips), as routeboard.present does."""
    return {"calculate": money_vega(f"datum.{field}"), "as": text}


SHAPES = {"cascade": "diamond"}  # a simulated cascade is not a model: drawn apart on Frontier
PART_COLOURS = {
    "model": "#1f77b4",
    "retry": "#aec7e8",
    "tool": "#8c564b",
    "infra": "#9467bd",
    "review": "#2ca02c",
    "rework": "#ff7f0e",
    "failure": "#d62728",
}


def log_ticks(values) -> list[float]:
    """Tick positions for a log cost axis: 1-2-5 steps across the values' range (bare powers of ten when it spans
    more than three decades), so the axis reads "$0.001 $0.002 $0.005" rather than a few unlabelled ticks."""
    known = [float(v) for v in values if pd.notna(v) and float(v) > 0]
    if not known:
        return []
    low, high = math.floor(math.log10(min(known))), math.ceil(math.log10(max(known)))
    steps = (1, 2, 5) if high - low <= 3 else (1,)
    ticks = [m * 10.0**e for e in range(low, high + 1) for m in steps]
    return [t for t in ticks if min(known) / 2.5 <= t <= max(known) * 2.5] or ticks


def frontier_chart(points: pd.DataFrame, bar: float, cost: str = "cpat_usd") -> tuple[pd.DataFrame, dict]:
    """Cost (log) against accuracy with interval bars, the quality bar as a line and the frontier joined, as a
    Vega-Lite spec (named "frontier_chart") and its data. Only points with a cost above $0 can sit on a log axis:
    ``unplotted`` lists the others with the reason. Faded points do not clear the bar or break a constraint."""
    shown = points[points[cost].notna() & (points[cost] > 0)]
    excluded = shown["excluded"] if "excluded" in shown else pd.Series(None, index=shown.index)
    why = shown["excluded_detail"].fillna("") if "excluded_detail" in shown else ""
    data = pd.DataFrame(
        {
            "model_id": shown["model_id"],
            "tier": shown["tier"],
            "cost_usd": shown[cost].astype(float),
            "accuracy": shown["accuracy"].astype(float),
            "ci_low": shown["ci_low"].astype(float),
            "ci_high": shown["ci_high"].astype(float),
            "verdict": shown["verdict"],
            "trials": shown["trials"],
            "model_usd": shown["model_usd"].astype(float),
            "routable": (shown["verdict"] == "clears") & excluded.isna(),
            "on_frontier": shown["on_frontier"].astype(bool),
            "why": why,
        }
    ).reset_index(drop=True)
    tiers = sorted(data["tier"].unique())
    # accuracy is a share: the axis never runs past 100%, whatever the intervals would suggest
    floor = min([bar, *data["ci_low"].tolist()])
    x = {
        "field": "cost_usd",
        "type": "quantitative",
        "scale": {"type": "log"},
        "title": "cost per accepted task (USD, log)" if cost == "cpat_usd" else "cost per trial (USD, log)",
        "axis": {"values": log_ticks(data["cost_usd"]), "labelExpr": MONEY_LABEL},
    }
    y = {
        "field": "accuracy",
        "type": "quantitative",
        "scale": {"domain": [max(0.0, floor - 0.05), 1.0], "clamp": True},
        "axis": {"format": ".0%"},
        "title": "accuracy",
    }
    colour = {
        "field": "tier",
        "type": "nominal",
        "title": "tier",
        "scale": {"domain": tiers, "range": [TIER_COLOURS.get(t, "#333333") for t in tiers]},
    }
    faded = {"condition": {"test": "datum.routable", "value": 1.0}, "value": 0.3}
    frontier = {  # joins the points on the frontier (none: no line, rather than an empty layer Vega warns about)
        "transform": [{"filter": "datum.on_frontier"}],
        "mark": {"type": "line", "color": "#555555", "strokeDash": [2, 3]},
        "encoding": {"x": x, "y": y, "order": {"field": "cost_usd"}},
    }
    spec = {
        "name": "frontier_chart",
        "height": 460,
        "layer": [
            {  # the interval around each accuracy
                "mark": {"type": "rule", "strokeWidth": 1.5},
                "encoding": {
                    "x": x,
                    "y": {**y, "field": "ci_low"},
                    "y2": {"field": "ci_high"},
                    "color": colour,
                    "opacity": faded,
                },
            },
            # the frontier is worked out on cost per accepted task: on the per-trial axis its line would zigzag
            *([frontier] if cost == "cpat_usd" and data["on_frontier"].any() else []),
            {
                # money in the tooltip as every table writes it (routeboard.present.money), worked out in the browser
                "transform": [_money_text("cost_usd", "cost_text"), _money_text("model_usd", "model_text")],
                "mark": {"type": "point", "filled": True, "size": 130, "tooltip": True},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": colour,
                    # shape and colour on one field: one legend, where a cascade shows as a diamond too
                    "shape": {**colour, "scale": {"domain": tiers, "range": [SHAPES.get(t, "circle") for t in tiers]}},
                    "opacity": faded,
                    "tooltip": [
                        {"field": "model_id", "title": "model"},
                        {"field": "accuracy", "type": "quantitative", "format": ".1%"},
                        {"field": "ci_low", "type": "quantitative", "title": "interval low", "format": ".1%"},
                        {"field": "ci_high", "type": "quantitative", "title": "interval high", "format": ".1%"},
                        {"field": "cost_text", "title": "cost"},
                        {"field": "model_text", "title": "model cost per trial"},
                        {"field": "trials", "type": "quantitative"},
                        {"field": "verdict"},
                        {"field": "why", "title": "not routable because"},
                    ],
                },
            },
            {  # the category's quality bar
                "data": {"values": [{"bar": bar, "label": f"bar {percent(bar, 0)}"}]},
                "layer": [
                    {
                        "mark": {"type": "rule", "color": "#d62728", "strokeDash": [6, 4]},
                        "encoding": {"y": {**y, "field": "bar"}},
                    },
                    {
                        "mark": {"type": "text", "color": "#d62728", "align": "right", "dy": -8, "x": "width"},
                        "encoding": {"y": {**y, "field": "bar"}, "text": {"field": "label"}},
                    },
                ],
            },
        ],
    }
    return data, spec


def unplotted(points: pd.DataFrame, cost: str = "cpat_usd") -> pd.DataFrame:
    """The points a cost chart cannot place, each with the reason (unknown price, nothing accepted, free)."""
    missing = points[points[cost].isna() | (points[cost] <= 0)]
    reasons = [
        row.cost_unknown
        if isinstance(row.cost_unknown, str)
        else "nothing accepted: cost per accepted task is undefined"
        if row.accepted_share == 0
        else "free: no cost to place on a log axis"
        for row in missing.itertuples(index=False)
    ]
    return pd.DataFrame({"model_id": missing["model_id"].tolist(), "why not plotted": reasons})


def monthly_comparison_chart(numbers: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Routed against baseline monthly cost per category (only categories with a route and a baseline cost), as a
    Vega-Lite spec (named "report_monthly") and its long data: one row per category and side."""
    shown = numbers.dropna(subset=["routed_monthly_usd", "baseline_monthly_usd"])
    data = pd.concat(
        [
            pd.DataFrame({"category": shown["category"], "side": side, "monthly_usd": shown[column].astype(float)})
            for column, side in (("routed_monthly_usd", "routed"), ("baseline_monthly_usd", "baseline"))
        ],
        ignore_index=True,
    )
    spec = {
        "name": "report_monthly",
        "transform": [_money_text("monthly_usd", "monthly_text")],
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "category", "type": "nominal", "title": None, "axis": {"labelLimit": 260}},
            "yOffset": {"field": "side", "sort": ["routed", "baseline"]},
            "x": {
                "field": "monthly_usd",
                "type": "quantitative",
                "title": "USD per month",
                "axis": {"format": "$,.0f"},
            },
            "color": {
                "field": "side",
                "type": "nominal",
                "title": None,
                "scale": {"domain": ["routed", "baseline"], "range": ["#2ca02c", "#d62728"]},
            },
            "tooltip": [
                {"field": "category"},
                {"field": "side"},
                {"field": "monthly_text", "title": "per month"},
            ],
        },
        "height": {"step": 16},
    }
    return data, spec


# What-if's charts keep one spec: with the spec unchanged, Streamlit's Vega chart replaces only its data in the drawn
# view on a what-if change, where a new figure is redrawn whole (~0.1 s of the browser's time each at 50 models). So
# each spec below is a constant (fixed size, no data inside) and the data is a long table.
TORNADO_SPEC = {
    "height": 360,
    "transform": [_money_text("cpat_usd", "cpat_text"), _money_text("base_cpat_usd", "base_cpat_text")],
    "mark": {"type": "bar", "tooltip": True},
    "encoding": {
        "y": {
            "field": "input",
            "type": "nominal",
            "sort": {"field": "rank"},
            "title": None,
            "axis": {"labelLimit": 240},
        },
        "x": {
            "field": "cpat_usd",
            "type": "quantitative",
            "title": "cost per accepted task (USD)",
            "scale": {"zero": False},
        },
        "x2": {"field": "base_cpat_usd"},
        "color": {"field": "end", "type": "nominal", "title": None, "scale": {"domain": ["low", "high"]}},
        "opacity": {"value": 0.8},
        "tooltip": [
            {"field": "input", "type": "nominal", "title": "assumption"},
            {"field": "end", "type": "nominal", "title": "at its"},
            {"field": "value_text", "title": "value"},
            {"field": "cpat_text", "title": "cost per accepted task"},
            {"field": "base_cpat_text", "title": "cost now"},
        ],
    },
}


def tornado_data(table: pd.DataFrame) -> pd.DataFrame:
    """What moves a route's cpat most, for TORNADO_SPEC: each input at its low and high value (largest swing
    first), drawn as a bar from the route's cpat now; inputs and values in a person's words (present.py)."""
    base = table.attrs.get("base_cpat_usd", 0.0)
    ends = [
        pd.DataFrame(
            {
                "input": [words(name) for name in table["input"]],
                "rank": range(len(table)),
                "end": end,
                "input_value": table[f"{end}_value"],
                "value_text": [assumption_text(n, v) for n, v in zip(table["input"], table[f"{end}_value"])],
                "cpat_usd": table[f"cpat_at_{end}_usd"],
                "base_cpat_usd": base,
            }
        )
        for end in ("low", "high")
    ]
    return pd.concat(ends, ignore_index=True)


BREAKDOWN_SPEC = {
    "height": 380,
    "transform": [_money_text("usd", "usd_text")],
    "mark": {"type": "bar", "tooltip": True},
    "encoding": {
        "x": {
            "field": "model_id",
            "type": "nominal",
            "sort": {"field": "model_rank"},
            "title": None,
            "axis": {"labelAngle": -90, "labelOverlap": False},
        },
        "y": {"field": "usd", "type": "quantitative", "stack": "zero", "title": "USD per accepted task"},
        "color": {
            "field": "part",
            "type": "nominal",
            "title": None,
            "scale": {"domain": list(PART_COLOURS), "range": list(PART_COLOURS.values())},
        },
        "order": {"field": "part_rank"},
        "tooltip": [
            {"field": "model_id", "type": "nominal", "title": "model"},
            {"field": "part", "type": "nominal"},
            {"field": "usd_text", "title": "per accepted task"},
        ],
    },
}


def cost_breakdown_data(led: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """cpat split into its parts per model for BREAKDOWN_SPEC (each part per trial divided by the accepted share),
    and the parts that are $0 for every model (not drawn: the page names them)."""
    parts = {
        "model": led["model_usd"] - led["retry_usd"],
        "retry": led["retry_usd"],
        "tool": led["tool_usd"],
        "infra": led["infra_usd"],
        "review": led["review_usd"],
        "rework": led["rework_usd"],
        "failure": led["failure_usd"],
    }
    zero = [name for name, values in parts.items() if len(values) and (values == 0).all()]  # unknown (NaN) is not 0
    share = led["accepted_share"].to_numpy(dtype=float)
    # nothing accepted makes a part per accepted task undefined: left out (null), never an infinite bar
    share = np.where(share > 0, share, np.nan)
    drawn = [
        pd.DataFrame(
            {
                "model_id": led["model_id"].to_numpy(),
                "model_rank": range(len(led)),
                "part": name,
                "part_rank": rank,
                "usd": values.to_numpy(dtype=float) / share,
            }
        )
        for rank, (name, values) in enumerate(parts.items())
        if name not in zero
    ]
    columns = ["model_id", "model_rank", "part", "part_rank", "usd"]
    return (pd.concat(drawn, ignore_index=True) if drawn else pd.DataFrame(columns=columns)), zero

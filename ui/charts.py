"""Charts for the pages (pure functions of ledger tables): the Frontier in Plotly, where an analyst explores (zoom,
hover, select two points to compare), and the Report's and What-if's in Vega-Lite: a spec and the table it draws.

Plotly's first use loads a 4.7 MB bundle in the browser (about a second of its time): ``warm_plotly`` has the
first page load it once it is drawn and idle, so no page visited next pays for it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from routeboard.present import assumption_text, interval, money, money_vega, percent, words

TIER_COLOURS = {
    "frontier": "#d62728",
    "small-proprietary": "#1f77b4",
    "hosted-open-weight": "#2ca02c",
    "local": "#9467bd",
    "cascade": "#7f7f7f",
}


def _money_text(field: str, text: str) -> dict:
    """A Vega-Lite transform writing ``field`` as money into ``text`` (for tooltips), as routeboard.present does."""
    return {"calculate": money_vega(f"datum.{field}"), "as": text}


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


def _frontier_data(points: pd.DataFrame, cost: str) -> pd.DataFrame:
    """The points a log cost axis can place (a cost above $0), with what their labels and hover text say."""
    shown = points[points[cost].notna() & (points[cost] > 0)]
    excluded = shown["excluded"] if "excluded" in shown else pd.Series(None, index=shown.index)
    why = shown["excluded_detail"].fillna("") if "excluded_detail" in shown else ""
    return pd.DataFrame(
        {
            "model_id": shown["model_id"],
            "label": [short_name(m) for m in shown["model_id"]],
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


def short_name(model_id: str) -> str:
    """A point's label: a model's name without its provider (``openai/gpt-4o`` -> ``gpt-4o``), each side of a
    cascade so; the full id is in the point's hover text."""
    return " → ".join(side.strip().rsplit("/", 1)[-1] for side in str(model_id).split("→"))


def frontier_figure(points: pd.DataFrame, bar: float, cost: str = "cpat_usd"):
    """Cost (log) against accuracy as a Plotly figure for exploring: each point named and coloured by tier, its
    interval as an error bar, the quality bar as a line, the frontier joined; zoom, hover and select points (each
    carries its model id first in ``customdata``). Returns the figure and the points it places; ``unplotted`` lists
    the others with the reason. Faded points do not clear the bar or break a constraint."""
    import plotly.graph_objects as go

    data = _frontier_data(points, cost)
    # room beside the outermost points for their names (a log axis's range is in powers of ten)
    low, high = (math.log10(data["cost_usd"].min()), math.log10(data["cost_usd"].max())) if len(data) else (0, 0)
    pad = max(0.25, (high - low) * 0.1)
    figure = go.Figure()
    for tier in sorted(data["tier"].unique()):
        rows = data[data["tier"] == tier]
        figure.add_trace(
            go.Scatter(
                x=rows["cost_usd"].tolist(),  # lists, not arrays: a handful of points reads as numbers in the figure
                y=rows["accuracy"].tolist(),
                name=tier,
                mode="markers+text",
                text=rows["label"].tolist(),
                textposition=[_beside(x, low, high, tier) for x in rows["cost_usd"]],
                marker={
                    "color": TIER_COLOURS.get(tier, "#333333"),
                    "size": 12,
                    "symbol": "diamond" if tier == "cascade" else "circle",
                    "opacity": [1.0 if r else 0.35 for r in rows["routable"]],
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["ci_high"] - rows["accuracy"]).tolist(),
                    "arrayminus": (rows["accuracy"] - rows["ci_low"]).tolist(),
                    "thickness": 1.5,
                    "width": 0,
                },
                # a click selects one point: the others stay readable (Plotly's default all but hides them)
                unselected={"marker": {"opacity": 0.45}, "textfont": {"color": "#666666"}},
                customdata=[_hover(row, cost) for row in rows.itertuples(index=False)],
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
            )
        )
    on_frontier = data[data["on_frontier"]].sort_values("cost_usd")
    # the frontier is worked out on cost per accepted task: on the per-trial axis its line would zigzag
    if cost == "cpat_usd" and len(on_frontier) > 1:
        figure.add_trace(
            go.Scatter(
                x=on_frontier["cost_usd"].tolist(),
                y=on_frontier["accuracy"].tolist(),
                mode="lines",
                line={"color": "#555555", "dash": "dot"},
                name="frontier",
                hoverinfo="skip",
            )
        )
    figure.add_hline(
        y=bar,
        line={"color": "#d62728", "dash": "dash"},
        annotation_text=f"bar {percent(bar, 0)}",
        annotation_position="top left",
    )
    ticks = log_ticks(data["cost_usd"])
    floor = min([bar, *data["ci_low"].tolist()])  # accuracy is a share: the axis never runs past 100%
    figure.update_layout(
        height=480,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={
            "type": "log",
            "title": "cost per accepted task (USD, log)" if cost == "cpat_usd" else "cost per trial (USD, log)",
            "range": [low - pad, high + pad],
            "tickvals": ticks,
            "ticktext": [_tick(t) for t in ticks],
        },
        yaxis={"title": "accuracy", "range": [max(0.0, floor - 0.05), 1.0], "tickformat": ".0%"},
    )
    return figure, data


def _beside(cost: float, low: float, high: float, tier: str) -> str:
    """Where a point's name goes: above it (a cascade's below, apart from the models it joins), toward the middle
    of the chart near either edge, so no name is cut off."""
    where = (math.log10(cost) - low) / (high - low) if high > low else 0.5
    side = " left" if where > 0.7 else " right" if where < 0.3 else " center"
    return ("bottom" if tier == "cascade" else "top") + side


def _hover(row, cost: str) -> list[str]:
    """A point's model id and what its hover says, as every table writes it (routeboard.present)."""
    lines = [
        f"accuracy {interval(row.accuracy, row.ci_low, row.ci_high)}",
        f"{'cost per accepted task' if cost == 'cpat_usd' else 'cost per trial'} {money(row.cost_usd)}",
        f"model cost per trial {money(row.model_usd)}",
        f"{row.trials:,} trials, {row.verdict}",
    ]
    if row.why:
        lines.append(f"not routable: {row.why}")
    return [row.model_id, "<br>".join(lines)]


def _tick(value: float) -> str:
    """A log axis tick as money, trailing zeros trimmed ($5, $0.5, $0.002)."""
    text = money(value)
    return text[:-3] if text.endswith(".00") else text


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
    first), drawn as a bar from the route's cpat now; inputs and values in a person's words (routeboard/present)."""
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


def _plotly_bundle() -> str | None:
    """The file name of Streamlit's Plotly chart bundle in its static folder (hashed per release), or None."""
    import streamlit

    found = sorted((Path(streamlit.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    return found[0].name if found else None


# Loads the bundle the way Streamlit's own chart does (a module import beside its index module, so the browser's
# module map holds it once) after a quiet spell: QUIET_MS with no click, key or scroll, then when the browser is
# idle. Parsing it takes ~1 s of the browser's time; a fixed delay landed that on whichever page a person clicked
# through to next (perf/app_start.py: Run 1.18 s), a quiet spell lands it while they read.
_WARM = """<script>
(() => {
  if (window.routeboardPlotlyWarm) return;
  window.routeboardPlotlyWarm = true;
  const scripts = [...document.querySelectorAll("script[type=module][src]")];
  const index = scripts.find((s) => /\\/static\\/js\\/index\\./.test(s.src));
  if (!index) return;
  const href = new URL("./BUNDLE", index.src).href;  // no modulepreload: its compile landed on the next click
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 0));
  const events = ["pointerdown", "keydown", "wheel", "touchstart"];
  let timer;
  const load = () => {
    for (const e of events) document.removeEventListener(e, arm, true);
    import(href).catch(() => {});
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle(load, {timeout: 5000}), QUIET_MS);
  };
  for (const e of events) document.addEventListener(e, arm, true);
  arm();
})();
</script>"""
QUIET_MS = 2500  # a person reading the page they opened; clicking through pages keeps postponing it


def warm_plotly() -> None:
    """Have the browser load Plotly's chart bundle once the first page is drawn and the person has paused (no click
    or key for QUIET_MS): the Frontier's chart then draws at once, and no page clicked through to meanwhile waits on
    the ~1 s of the browser's time it takes."""
    import streamlit as st

    bundle = _plotly_bundle()
    if bundle:
        with st.container(key="plotly_warm", height=1, border=False):
            st.html(_WARM.replace("BUNDLE", bundle).replace("QUIET_MS", str(QUIET_MS)), unsafe_allow_javascript=True)

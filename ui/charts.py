"""Charts for the pages (pure functions of ledger tables): Plotly figures; What-if's Vega-Lite specs and data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

TIER_COLOURS = {
    "frontier": "#d62728",
    "small-proprietary": "#1f77b4",
    "hosted-open-weight": "#2ca02c",
    "local": "#9467bd",
    "cascade": "#7f7f7f",
}
PART_COLOURS = {
    "model": "#1f77b4",
    "retry": "#aec7e8",
    "tool": "#8c564b",
    "infra": "#9467bd",
    "review": "#2ca02c",
    "rework": "#ff7f0e",
    "failure": "#d62728",
}


def frontier_figure(points: pd.DataFrame, bar: float, cost: str = "cpat_usd") -> go.Figure:
    """Cost (log) against accuracy with interval error bars, the bar as a line, the frontier joined."""
    fig = go.Figure()
    shown = points[points[cost].notna() & (points[cost] > 0)]
    for tier, group in shown.groupby("tier"):
        cascade = tier == "cascade"
        fig.add_trace(
            go.Scatter(
                x=group[cost],
                y=group["accuracy"],
                mode="markers",
                name=tier,
                marker={
                    "size": 11,
                    "color": TIER_COLOURS.get(tier, "#333"),
                    "symbol": "diamond" if cascade else "circle",
                    "opacity": [
                        1.0 if v == "clears" and not isinstance(x, str) else 0.3
                        for v, x in zip(group["verdict"], group.get("excluded", [None] * len(group)))
                    ],
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": group["ci_high"] - group["accuracy"],
                    "arrayminus": group["accuracy"] - group["ci_low"],
                },
                customdata=group.assign(
                    why=group.get("excluded_detail", "").fillna("") if "excluded_detail" in group else ""
                )[["model_id", "verdict", "ci_low", "ci_high", "trials", "model_usd", "why"]].to_numpy(),
                hovertemplate="<b>%{customdata[0]}</b><br>accuracy %{y:.1%} "
                "[%{customdata[2]:.1%}, %{customdata[3]:.1%}]<br>cost %{x:$.5f}"
                "<br>model cost per trial %{customdata[5]:$.6f}<br>%{customdata[4]} "
                "trials, %{customdata[1]}<br>%{customdata[6]}<extra></extra>",
            )
        )
    line = shown[shown["on_frontier"]].sort_values(cost)
    fig.add_trace(
        go.Scatter(
            x=line[cost],
            y=line["accuracy"],
            mode="lines",
            name="frontier",
            line={"color": "#555", "dash": "dot"},
            hoverinfo="skip",
        )
    )
    fig.add_hline(y=bar, line={"color": "#d62728", "dash": "dash"}, annotation_text=f"bar {bar:.0%}")
    # accuracy is a share: the axis never runs past 100%, whatever error bars or an empty chart would suggest
    floor = min([bar, *shown["ci_low"].tolist()]) if len(shown) else bar
    fig.update_layout(
        xaxis={
            "type": "log",
            "title": "cost per accepted task (USD, log)" if cost == "cpat_usd" else "cost per trial (USD, log)",
        },
        yaxis={"title": "accuracy", "tickformat": ".0%", "range": [max(0.0, floor - 0.05), 1.0]},
        height=460,
        margin={"t": 30},
    )
    if shown.empty:
        fig.add_annotation(
            text="No model here has a known cost to plot (see the list below)",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
        )
    return fig


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


def monthly_comparison_figure(numbers: pd.DataFrame) -> go.Figure:
    """Routed against baseline monthly cost per category (only categories with a route and a baseline cost)."""
    shown = numbers.dropna(subset=["routed_monthly_usd", "baseline_monthly_usd"])
    fig = go.Figure()
    for column, name, colour in (
        ("routed_monthly_usd", "routed", "#2ca02c"),
        ("baseline_monthly_usd", "baseline", "#d62728"),
    ):
        fig.add_trace(
            go.Bar(
                y=shown["category"],
                x=shown[column],
                name=name,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{y}: %{x:$,.2f} a month<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        xaxis={"title": "USD per month", "tickformat": "$,.0f"},
        height=max(220, 70 * len(shown) + 120),
        margin={"t": 30},
    )
    return fig


# Vega-Lite, not Plotly, for What-if's charts: with the spec unchanged, Streamlit's Vega chart replaces only its data
# in the drawn view on a what-if change, where Plotly redraws the whole figure (~0.1 s of the browser's time each at
# 50 models). So each spec below is a constant (fixed size, no data inside) and the data is a long table.
TORNADO_SPEC = {
    "height": 360,
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
            {"field": "input", "type": "nominal"},
            {"field": "end", "type": "nominal", "title": "input at"},
            {"field": "input_value", "type": "quantitative", "title": "value", "format": ",.4~g"},
            {"field": "cpat_usd", "type": "quantitative", "title": "cpat (USD)", "format": "$,.4f"},
            {"field": "base_cpat_usd", "type": "quantitative", "title": "cpat now (USD)", "format": "$,.4f"},
        ],
    },
}


def tornado_data(table: pd.DataFrame) -> pd.DataFrame:
    """What moves a route's cpat most, for TORNADO_SPEC: each input at its low and high value (largest swing
    first), drawn as a bar from the route's cpat now."""
    base = table.attrs.get("base_cpat_usd", 0.0)
    ends = [
        pd.DataFrame(
            {
                "input": table["input"],
                "rank": range(len(table)),
                "end": end,
                "input_value": table[f"{end}_value"],
                "cpat_usd": table[f"cpat_at_{end}_usd"],
                "base_cpat_usd": base,
            }
        )
        for end in ("low", "high")
    ]
    return pd.concat(ends, ignore_index=True)


BREAKDOWN_SPEC = {
    "height": 380,
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
            {"field": "usd", "type": "quantitative", "title": "USD per accepted task", "format": "$,.5f"},
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

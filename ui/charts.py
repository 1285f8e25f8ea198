"""Plotly figures for the pages (pure functions of ledger tables)."""

from __future__ import annotations

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


def cost_breakdown_figure(led: pd.DataFrame) -> go.Figure:
    """cpat split into its parts, stacked per model (each part per trial divided by the accepted share)."""
    fig = go.Figure()
    labels = led["model_id"]
    first = led["model_usd"] - led["retry_usd"]
    parts = {
        "model": first,
        "retry": led["retry_usd"],
        "tool": led["tool_usd"],
        "infra": led["infra_usd"],
        "review": led["review_usd"],
        "rework": led["rework_usd"],
        "failure": led["failure_usd"],
    }
    # a part that is $0 for every model draws nothing but still costs the browser a trace on every what-if change
    # (review and rework at a 0% review rate, tool and infra for hosted models): left out, and the title says so
    zero = [name for name, values in parts.items() if len(values) and (values == 0).all()]  # unknown (NaN) is not 0
    for name, values in parts.items():
        if name not in zero:
            fig.add_trace(
                go.Bar(name=name, x=labels, y=values / led["accepted_share"], marker_color=PART_COLOURS[name])
            )
    title = f"$0 for every model: {', '.join(zero)}" if zero else None
    fig.update_layout(
        barmode="stack",
        yaxis={"title": "USD per accepted task"},
        height=380,
        margin={"t": 40 if zero else 30},
        title={"text": title, "font": {"size": 12}, "x": 0.99, "xanchor": "right"} if zero else None,
    )
    return fig


def tornado_figure(table: pd.DataFrame) -> go.Figure:
    """What moves a route's cpat most: each input at its low and high value."""
    rows = table.iloc[::-1]
    base = table.attrs.get("base_cpat_usd", 0.0)
    fig = go.Figure()
    fig.add_trace(go.Bar(y=rows["input"], x=rows["cpat_at_low_usd"] - base, base=base, orientation="h", name="low"))
    fig.add_trace(go.Bar(y=rows["input"], x=rows["cpat_at_high_usd"] - base, base=base, orientation="h", name="high"))
    fig.update_layout(barmode="overlay", xaxis={"title": "cost per accepted task (USD)"}, height=360, margin={"t": 30})
    return fig


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

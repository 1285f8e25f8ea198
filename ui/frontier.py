"""The Frontier's comparison of two models on the same tasks: picked on the chart or in a list, drawn from the core's
paired results (routeboard.decide.explore)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from routeboard.decide.explore import paired
from routeboard.present import paired_text, task_share_text
from routeboard.store.facts import task_results
from ui.tables import plain, show

PAIR = "frontier_pair"  # the multiselect of the two models compared
_SEEN = "frontier_seen"  # the chart's last selection, so one already taken in is not taken in again
SHOWN_TASKS = 500  # tasks where the two differ, listed at most


def picked_models(selected: list[str], singles: list[str]) -> None:
    """Take the chart's selection into the pair compared, before its list is drawn: two points or more (a box)
    pick the first two; one click adds its model to the one picked before. Cascades are not models: left out."""
    pair = [m for m in st.session_state.get(PAIR, []) if m in singles]  # a category change keeps what still fits
    chosen = [m for m in selected if m in singles]
    if chosen and chosen != st.session_state.get(_SEEN):
        pair = chosen[:2] if len(chosen) > 1 else ([m for m in pair if m != chosen[0]] + chosen)[-2:]
    st.session_state[_SEEN] = chosen
    st.session_state[PAIR] = pair


def compare(con, category: str, pair: list[str]) -> None:
    """The two models' results on the tasks both answered: how often each did better, the same, and the tasks where
    they differ."""
    if len(pair) < 2:
        st.caption("Pick two models, here or on the chart, to see how each did on the tasks both answered.")
        return
    first, second = pair
    result = paired(task_results(con, category, pair), first, second)
    st.markdown(plain(paired_text(result)))
    if not result.shared:
        return
    counts = pd.DataFrame(
        {
            "result": [f"{first} did better", f"{second} did better", "both right", "both wrong"],
            "tasks": [result.first_better, result.second_better, result.both_right, result.both_wrong],
        }
    )
    left, right = st.columns([2, 3])
    with left:
        show(counts, key="frontier_pair_counts")
    with right:
        differing = result.tasks.head(SHOWN_TASKS)
        listed = pd.DataFrame(
            {
                "suite": differing["suite"],
                "task_id": differing["task_id"],
                first: [task_share_text(v) for v in differing["first"]],
                second: [task_share_text(v) for v in differing["second"]],
            }
        )
        shown = f", the first {len(listed):,}" if len(result.tasks) > len(listed) else ""
        st.caption(f"Tasks where they differ ({len(result.tasks):,}{shown})")
        show(listed, key="frontier_pair_tasks", height=260)
    if result.first_only or result.second_only:
        st.caption(
            f"Left out: {result.first_only:,} tasks only {first} answered, {result.second_only:,} only {second}."
        )

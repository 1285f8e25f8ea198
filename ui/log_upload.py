"""The Results import page's path for production logs (LiteLLM spend logs, Langfuse exports, chat JSONL):
preview the tasks and logged replies, optionally redacted, then store them as a suite and an imported run."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from routeboard.errors import InvalidInput, RouteboardError
from routeboard.imports.logs import import_log, read_log_suite
from routeboard.present import for_page
from ui.auth import actor, sees_content
from ui.state import connection, problem_rows, show_error

PREVIEW_CHARS = 160


def show_log_import(name: str, data: bytes, fmt: str, suite: str | None, category: str | None) -> None:
    """Preview a production log as tasks and replies; store it when the user presses Import."""
    redact = st.checkbox(
        "Redact e-mail addresses, phone and card numbers before storing ([EMAIL], [PHONE], [CARD])",
        key="imports_redact",
    )
    model = st.text_input("Model of the logged replies, where a line names none", key="imports_log_model")
    options = {"fmt": fmt, "redact": redact, "model": model or None, "overrides": _overrides(suite, category)}
    try:
        read = read_log_suite(name, data, **options)
    except InvalidInput as exc:
        st.error(f"{len(exc.problems)} problem(s) in {name}; nothing was imported.")
        st.dataframe(problem_rows(exc.problems), hide_index=True, key="imports_log_problems")
        return
    replies = [call for call in read.log.calls if call.output is not None]
    metrics = st.columns(4)
    metrics[0].metric("Tasks", f"{len(read.suite.tasks):,}")
    metrics[1].metric("Logged replies", f"{len(replies):,}")
    metrics[2].metric("Models", len({call.model for call in replies if call.model}))
    metrics[3].metric("Format", read.log.fmt)
    st.caption(
        f"Suite {read.suite.name!r}, graded by {read.suite.grader.name}"
        + (
            ": no answer key, so each reply waits for people's review on the Review page."
            if read.suite.grader.name == "human"
            else "."
        )
    )
    for note in read.log.notes:
        st.caption(for_page(note))
    preview = pd.DataFrame(
        {
            "task": [call.task_id for call in read.log.calls],
            "prompt": [_short(call.prompt[-1]["content"]) for call in read.log.calls],
            "model": [call.model for call in read.log.calls],
            "reply": [_short(call.output) for call in read.log.calls],
        }
    )
    if not sees_content():  # the content_roles setting: prompts and replies are content; the counts above are not
        preview = preview.drop(columns=["prompt", "reply"])
        st.caption("The prompts and replies are not shown to your role (the content_roles setting).")
    st.dataframe(preview.head(50), hide_index=True, key="imports_log_preview")
    if st.button("Import", key="imports_log_import", type="primary"):
        try:
            summary = import_log(connection(), name, data, actor=actor(), **options)
        except RouteboardError as exc:
            show_error(exc)
            return
        if not summary.created:
            st.info(f"{name} was already imported as suite {summary.suite_id}; nothing was written.")
            return
        stored = f" and {summary.outputs:,} logged replies as run {summary.run_id}" if summary.run_id else ""
        st.success(f"Imported {summary.tasks:,} tasks as suite {summary.suite_id}{stored}.")
        for note in summary.notes:
            st.caption(for_page(note))


def _overrides(suite: str | None, category: str | None):
    from routeboard.suites import Overrides

    return Overrides(name=suite, category=category)


def _short(text: str | None) -> str | None:
    if text is None or len(text) <= PREVIEW_CHARS:
        return text
    return text[: PREVIEW_CHARS - 1] + "…"

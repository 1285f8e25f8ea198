"""Results import: per-sample results from another tool (CSV, JSONL, promptfoo JSON), or production logs
(LiteLLM spend logs, Langfuse exports, chat JSONL) as tasks with their logged replies; previewed, then stored
all or nothing (the same file twice is recognised)."""

import pandas as pd
import streamlit as st

from routeboard.errors import InvalidInput, Problems, RouteboardError
from routeboard.imports.logs import sniff_format
from routeboard.imports.results import import_results
from routeboard.io.result_formats import parse_results
from routeboard.io.text import decode
from routeboard.present import for_page
from ui.auth import guard
from ui.log_upload import show_log_import
from ui.state import connection, problem_rows, show_error

KINDS = {
    "auto": "Recognise it",
    "results": "Per-sample results",
    "litellm": "LiteLLM spend logs",
    "langfuse": "Langfuse observations",
    "chat": "Chat JSONL ({messages})",
}

who = guard("Results import")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("Results import")
st.caption(
    "Per-sample results produced elsewhere: a CSV or JSONL with columns task_id, category, model, correct "
    "(optional: suite, trial, valid, input_tokens, output_tokens, cost_usd, latency_ms, output, tier), or "
    "promptfoo's results.json (`promptfoo eval -o results.json`), costed and judged like routeboard's own runs. "
    "Production logs (LiteLLM proxy spend logs, Langfuse observation exports, chat JSONL of {messages}) become "
    "a suite of real tasks, and their logged replies that model's results, waiting for people's review."
)
upload = st.file_uploader("Results file or log", type=["csv", "jsonl", "ndjson", "json"], key="imports_upload")
kind = st.selectbox("Kind of file", KINDS, format_func=KINDS.get, key="imports_kind")
cols = st.columns(3)
category = cols[0].text_input("Category (if the file has none)", key="imports_category") or None
suite = cols[1].text_input("Suite name (default: the file's, else the category)", key="imports_suite") or None
bar = cols[2].number_input("Bar of a new suite", 0.01, 1.0, None, 0.01, key="imports_bar", placeholder="0.9")
if upload is None:
    st.info("Drop a results file above to preview it; nothing is written until you press Import.")
    st.stop()

data = upload.getvalue()
log_format = sniff_format(upload.name, data) if kind == "auto" else None if kind == "results" else kind
if log_format:
    show_log_import(upload.name, data, log_format, suite, category)
    st.stop()
try:
    problems = Problems(upload.name)
    text = decode(data, problems)
    problems.raise_if_any()
    rows, fmt = parse_results(upload.name, text, category=category, suite=suite)
except InvalidInput as exc:
    st.error(f"{len(exc.problems)} problem(s) in {upload.name}; nothing was imported.")
    st.dataframe(problem_rows(exc.problems), hide_index=True, key="imports_problems")
    st.stop()

frame = pd.DataFrame({"category": [r.category for r in rows], "model": [r.model for r in rows]})
frame["correct"] = [r.correct for r in rows]
metrics = st.columns(4)
metrics[0].metric("Results", f"{len(rows):,}")
metrics[1].metric("Models", frame["model"].nunique())
metrics[2].metric("Categories", frame["category"].nunique())
metrics[3].metric("Format", fmt)
preview = frame.groupby(["category", "model"], as_index=False).agg(
    results=("correct", "size"), correct=("correct", "sum")
)
st.dataframe(preview, hide_index=True, key="imports_preview")

if st.button("Import", key="imports_import", type="primary"):
    try:
        summary = import_results(connection(), upload.name, data, category=category, suite=suite, bar=bar, actor=who)
    except RouteboardError as exc:
        show_error(exc)
    else:
        if summary.created:
            st.success(
                f"Imported {summary.rows:,} results as run {summary.run_id}: {summary.tasks} tasks, "
                f"suites {', '.join(summary.suites)}, models {', '.join(summary.models)}."
            )
        else:
            st.info(f"{upload.name} was already imported as run {summary.run_id}; nothing was written.")
        for note in summary.notes:
            st.caption(for_page(note))

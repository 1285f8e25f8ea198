"""Results import: per-sample results from other tools (CSV, JSONL, Parquet read through a column mapping the page
proposes, in the long or the wide layout, several files at once; promptfoo JSON), or production logs (LiteLLM
spend logs, Langfuse exports, chat JSONL) as tasks with their logged replies; previewed, then stored all or nothing
(the same files twice are recognised)."""

import pandas as pd
import streamlit as st

from routeboard.errors import RouteboardError
from routeboard.imports.logs import sniff_format
from routeboard.imports.results import import_result_files
from routeboard.present import for_page
from ui.auth import guard
from ui.log_upload import show_log_import
from ui.result_mapping import mapped_preview
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
    "Per-sample results produced elsewhere, as they come: CSV, JSONL or Parquet files with a row per result or a "
    "column per model (the columns are mapped below, proposed from their names and values), or promptfoo's "
    "results.json; several files at once, costed and judged like routeboard's own runs. Production logs "
    "(LiteLLM proxy spend logs, Langfuse observation exports, chat JSONL of {messages}) become a suite of real "
    "tasks, and their logged replies that model's results, waiting for people's review."
)
uploads = st.file_uploader(
    "Result files or a log",
    type=["csv", "jsonl", "ndjson", "json", "parquet"],
    accept_multiple_files=True,
    key="imports_upload",
)
kind = st.selectbox("Kind of file", KINDS, format_func=KINDS.get, key="imports_kind")
cols = st.columns(3)
category = cols[0].text_input("Category (default: the mapped column)", key="imports_category") or None
suite = cols[1].text_input("Suite name (default: the file's, else the category)", key="imports_suite") or None
bar = cols[2].number_input("Bar of a new suite", 0.01, 1.0, None, 0.01, key="imports_bar", placeholder="0.9")
if not uploads:
    st.info(
        "Drop a results file above to preview it (or several of one shape); nothing is written until you press Import."
    )
    st.stop()

files = [(upload.name, upload.getvalue()) for upload in uploads]
log_format = sniff_format(*files[0]) if kind == "auto" else None if kind == "results" else kind
if log_format and len(files) == 1:
    show_log_import(files[0][0], files[0][1], log_format, suite, category)
    st.stop()
names = ", ".join(name for name, _ in files)
preview = mapped_preview(files, category, suite)
if preview.problems:
    st.error(f"{len(preview.problems)} problem(s) in {names}; nothing was imported.")
    st.dataframe(problem_rows(preview.problems, with_file=len(files) > 1), hide_index=True, key="imports_problems")
    st.stop()

counts = pd.DataFrame(preview.counts())
metrics = st.columns(4)
metrics[0].metric("Results", f"{len(preview.rows):,}")
metrics[1].metric("Models", counts["model"].nunique())
metrics[2].metric("Categories", counts["category"].nunique())
metrics[3].metric("Format", preview.fmt + (" (wide)" if preview.mapping and preview.mapping.wide else ""))
st.dataframe(counts, hide_index=True, key="imports_preview")
if preview.mapping is not None:
    st.download_button(
        "Download the mapping",
        preview.mapping.to_text(),
        "routeboard-mapping.yaml",
        "application/yaml",
        key="imports_mapping_download",
        help="the same import from the command line or cron: routeboard results import FILES --mapping THIS_FILE",
    )

if st.button("Import", key="imports_import", type="primary"):
    try:
        summary = import_result_files(
            connection(), files, mapping=preview.mapping, category=category, suite=suite, bar=bar, actor=who
        )
    except RouteboardError as exc:
        show_error(exc)
    else:
        if summary.created:
            st.success(
                f"Imported {summary.rows:,} results as run {summary.run_id}: {summary.tasks} tasks, "
                f"suites {', '.join(summary.suites)}, models {', '.join(summary.models)}."
            )
        else:
            st.info(f"{names} was already imported as run {summary.run_id}; nothing was written.")
        for note in summary.notes:
            st.caption(for_page(note))

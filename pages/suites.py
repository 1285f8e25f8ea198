"""Suites: upload task files (checked before anything is written), browse suites and tasks, edit bars."""

import json

import pandas as pd
import streamlit as st

from routeboard.domain import GraderSpec
from routeboard.errors import InvalidInput, RouteboardError
from routeboard.graders import GRADERS, spec_problems
from routeboard.store.suites import import_shipped, list_suites, load_stored_suite, save_suite, update_suite_settings
from routeboard.suites import Overrides, load_suite_bytes
from ui.state import connection, show_error

st.title("Suites")
con = connection()

with st.expander("Upload a task file", expanded=not list_suites(con)):
    st.caption("CSV, JSONL or YAML: routeboard's own format, promptfoo test CSVs, OpenAI evals JSONL or "
               "inspect-style files. Nothing is written until every problem is fixed.")
    upload = st.file_uploader("Task file", type=["csv", "jsonl", "yaml", "yml"], key="suites_upload")
    cols = st.columns(4)
    name = cols[0].text_input("Name (bare files)", key="suites_name")
    category = cols[1].text_input("Category", key="suites_category")
    grader = cols[2].selectbox("Grader", ["(from file)"] + sorted(GRADERS), key="suites_grader")
    bar = cols[3].number_input("Bar", 0.01, 1.0, 0.9, 0.01, key="suites_bar")
    template = st.text_input("Prompt template (optional, {{var}} placeholders)", key="suites_template")
    if upload is not None:
        overrides = Overrides(name=name or None, category=category or None,
                              grader=None if grader == "(from file)" else grader, bar=bar,
                              prompt_template=template or None)
        try:
            suite = load_suite_bytes(upload.name, upload.getvalue(), overrides)
        except InvalidInput as exc:
            st.error(f"{len(exc.problems)} problem(s) in {upload.name}; nothing was imported.")
            st.dataframe(pd.DataFrame([{"file": p.file, "line": p.line, "field": p.field, "problem": p.message}
                                       for p in exc.problems]), hide_index=True, key="suites_problems")
        else:
            st.success(f"{suite.name!r}: {len(suite.tasks)} tasks, grader {suite.grader.name}, bar {suite.bar:g}")
            st.dataframe(pd.DataFrame([{"id": t.id, "input": t.input, "vars": json.dumps(t.vars, ensure_ascii=False),
                                        "expected": t.expected} for t in suite.tasks[:50]]),
                         hide_index=True, key="suites_preview")
            if st.button("Import", key="suites_import", type="primary"):
                result = save_suite(con, suite)
                st.success(f"{result.suite_id}: {'imported' if result.created else 'already imported (same content)'}")

if st.button("Import the shipped suites", key="suites_import_shipped"):
    created = [r.suite_id for r in import_shipped(con) if r.created]
    st.success(f"Imported {', '.join(created)}" if created else "The shipped suites are already imported.")

suites = list_suites(con)
if not suites:
    st.info("No suites yet: upload a file or import the shipped suites.")
    st.stop()
st.dataframe(pd.DataFrame(suites), hide_index=True, key="suites_table")

chosen = st.selectbox("Browse a suite", [s["suite_id"] for s in suites], key="suites_browse")
suite_id, suite = load_stored_suite(con, chosen)
st.markdown(f"**{suite.category}**: {suite.description}")
if suite.risk:
    st.caption(f"Risk: {suite.risk}")
st.dataframe(pd.DataFrame([{"id": t.id, "input": t.input, "vars": json.dumps(t.vars, ensure_ascii=False)[:300],
                            "expected": t.expected} for t in suite.tasks]), hide_index=True, key="suites_tasks")

with st.form("suites_edit"):
    st.markdown("**Grading settings**")
    new_bar = st.number_input("Quality bar", 0.01, 1.0, float(suite.bar), 0.01, key="suites_edit_bar")
    options = st.text_area("Grader options (JSON)", json.dumps(suite.grader.options, indent=2)[:20000],
                           key="suites_edit_options", height=150)
    rules = st.text_area("Route constraints (JSON: max_latency_ms_p95, max_cpat_usd, allowed_tiers, deny_models, "
                         "min_trials)", json.dumps(suite.constraints, indent=2), key="suites_edit_constraints")
    if st.form_submit_button("Save"):
        try:
            parsed, constraints = json.loads(options), json.loads(rules or "{}")
            if not isinstance(parsed, dict):
                raise InvalidInput("grader options must be a JSON object")
            spec = GraderSpec(suite.grader.name, parsed)
            problems = spec_problems(spec)
            if problems:
                raise InvalidInput("; ".join(problems))
            update_suite_settings(con, suite_id, bar=new_bar, grader=spec, constraints=constraints)
            st.success("Saved.")
        except json.JSONDecodeError as exc:
            st.error(f"Grader options are not valid JSON: {exc}")
        except RouteboardError as exc:
            show_error(exc)

"""Suites: upload task files (checked before anything is written), browse suites and tasks, edit bars."""

import json

import pandas as pd
import streamlit as st

from routeboard.domain import GraderSpec
from routeboard.errors import InvalidInput, Problem, RouteboardError
from routeboard.graders import GRADERS, registered
from routeboard.io.result_formats import RESULTS_HINT, looks_like_results
from routeboard.store.catalog import model_rows
from routeboard.store.suites import import_shipped, list_suites, load_stored_suite, save_suite, update_suite_settings
from routeboard.suites import Overrides, load_suite_bytes
from ui.forms import Filled, advanced_json, constraint_fields, constraint_words, grader_fields
from ui.state import connection, show_error


def registered_summary(grader: str) -> str:
    return next((entry.summary for entry in registered("grader") if entry.name == grader), "")


st.title("Suites")
con = connection()

with st.expander("Upload a task file", expanded=not list_suites(con)):
    st.caption(
        "CSV, JSONL or YAML: routeboard's own format, promptfoo test CSVs, OpenAI evals JSONL or "
        "inspect-style files. Nothing is written until every problem is fixed."
    )
    upload = st.file_uploader("Task file", type=["csv", "jsonl", "yaml", "yml", "json"], key="suites_upload")
    cols = st.columns(4)
    name = cols[0].text_input("Name (bare files)", key="suites_name")
    category = cols[1].text_input("Category", key="suites_category")
    grader = cols[2].selectbox("Grader", ["(from file)"] + sorted(GRADERS), key="suites_grader")
    # empty by default: a file's own bar stands unless the user types another (bare files get 0.9)
    bar = cols[3].number_input("Bar", 0.01, 1.0, None, 0.01, key="suites_bar", placeholder="from the file")
    template = st.text_input("Prompt template (optional, {{var}} placeholders)", key="suites_template")
    chosen_options = Filled({})
    if grader != "(from file)":
        st.caption(f"**{grader}**: {registered_summary(grader)}")
        chosen_options = grader_fields(grader, {}, "suites_upload_option")
        with st.expander("Advanced: the grader as JSON"):
            st.code(json.dumps({"name": grader, "options": chosen_options.values}, indent=2), language="json")
    if upload is not None and looks_like_results(upload.name, upload.getvalue()):
        st.warning(f"{upload.name}: {RESULTS_HINT}.")
    elif upload is not None and chosen_options.problems:
        st.error("\n".join(f"- {problem}" for problem in chosen_options.problems))
    elif upload is not None:
        spec = {"name": grader, "options": chosen_options.values} if chosen_options.values else grader
        overrides = Overrides(
            name=name or None,
            category=category or None,
            grader=None if grader == "(from file)" else spec,
            bar=bar,
            prompt_template=template or None,
        )
        try:
            suite = load_suite_bytes(upload.name, upload.getvalue(), overrides)
        except InvalidInput as exc:
            st.error(f"{len(exc.problems)} problem(s) in {upload.name}; nothing was imported.")
            st.dataframe(
                pd.DataFrame(
                    [{"file": p.file, "line": p.line, "field": p.field, "problem": p.message} for p in exc.problems]
                ),
                hide_index=True,
                key="suites_problems",
            )
        else:
            st.success(f"{suite.name!r}: {len(suite.tasks)} tasks, grader {suite.grader.name}, bar {suite.bar:g}")
            st.dataframe(
                pd.DataFrame(
                    [
                        {"id": t.id, "input": t.input, "vars": json.dumps(t.vars), "expected": t.expected}
                        for t in suite.tasks[:50]
                    ]
                ),
                hide_index=True,
                key="suites_preview",
            )
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
st.dataframe(
    pd.DataFrame(
        [
            {"id": t.id, "input": t.input, "vars": json.dumps(t.vars, ensure_ascii=False)[:300], "expected": t.expected}
            for t in suite.tasks
        ]
    ),
    hide_index=True,
    key="suites_tasks",
)

# Every widget is keyed on the suite id: one key for all suites would keep the first suite's values on screen
# and Save would write them over the suite being browsed.
saved = st.session_state.pop("suites_edit_saved", None)
if saved:
    st.success(saved)
with st.form(f"suites_edit_{suite_id}"):
    st.markdown(f"**Grading settings of {suite_id}**: grader {suite.grader.name}")
    new_bar = st.number_input("Quality bar", 0.01, 1.0, float(suite.bar), 0.01, key=f"suites_edit_bar_{suite_id}")
    options = grader_fields(suite.grader.name, suite.grader.options, f"suites_edit_option_{suite_id}")
    options = advanced_json("Grader options", options, suite.grader.options, f"suites_edit_options_{suite_id}")
    st.markdown("**Route constraints**")
    model_ids = [row["model_id"] for row in model_rows(con)]
    rules = constraint_fields(suite.constraints, model_ids, f"suites_edit_constraint_{suite_id}")
    rules = advanced_json("Route constraints", rules, suite.constraints, f"suites_edit_constraints_{suite_id}")
    if st.form_submit_button("Save", key=f"suites_edit_save_{suite_id}"):
        problems = options.problems + rules.problems + constraint_words(rules.values)
        try:
            if problems:
                raise InvalidInput([Problem(suite_id, None, None, problem) for problem in dict.fromkeys(problems)])
            # only what the user changed is written, so an untouched setting keeps its stored value exactly
            update_suite_settings(
                con,
                suite_id,
                bar=new_bar if new_bar != suite.bar else None,
                grader=GraderSpec(suite.grader.name, options.values)
                if options.values != suite.grader.options
                else None,
                constraints=rules.values if rules.values != suite.constraints else None,
            )
        except RouteboardError as exc:
            show_error(exc)
        else:
            st.session_state["suites_edit_saved"] = f"Saved the grading settings of {suite_id}."
            # the fields and JSON views start again from what is stored, so an old JSON text cannot win next time
            for key in [k for k in st.session_state if str(k).startswith("suites_edit_") and suite_id in str(k)]:
                del st.session_state[key]
            st.rerun()  # the suites table above shows the new bar

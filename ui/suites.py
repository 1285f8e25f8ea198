"""The Suites page's sections: the upload box (checked and previewed before anything is written) and a suite's
grading-settings form (bar, grader options and route constraints as fields, JSON as an advanced view)."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import streamlit as st

from routeboard.domain import GraderSpec, Suite
from routeboard.errors import InvalidInput, Problem, RouteboardError
from routeboard.graders import GRADERS, registered
from routeboard.imports.logs import LOG_HINT, sniff_format
from routeboard.imports.projects import import_project, project_kind, read_uploaded_project
from routeboard.io.result_formats import RESULTS_HINT, looks_like_results
from routeboard.library import save_suite, update_suite_settings
from routeboard.present import DASH, for_page, when, words
from routeboard.store.catalog import model_rows
from routeboard.suites import Overrides, load_suite_bytes, size_warning, task_columns
from ui.auth import actor, sees_content
from ui.forms import Filled, advanced_json, constraint_fields, constraint_words, grader_fields
from ui.state import problem_rows, show_error
from ui.tables import show

FROM_FILE = "(from file)"
NO_COLUMN = "(none)"
COLUMN_FIELDS = {"id": "Task id column", "input": "Input column", "expected": "Expected answer column"}
SAVED = "suites_edit_saved"  # session key: the message shown after a save's rerun


def registered_summary(grader: str) -> str:
    return next((entry.summary for entry in registered("grader") if entry.name == grader), "")


def suites_table(suites: list[dict]) -> None:
    """The stored suites as a person reads them: the bar as a percent, graders in words, when each was imported as a
    date (a column of Python datetimes reached the browser as epoch milliseconds), a dash for no validator or risk."""
    frame = pd.DataFrame(suites).rename(columns={"created_at": "imported_at"})
    frame["imported_at"] = [when(value) for value in frame["imported_at"]]
    for column in ("grader", "validator"):
        frame[column] = [words(name) if isinstance(name, str) and name else None for name in frame[column]]
    show(frame.replace("", None), key="suites_table")


def task_frame(suite: Suite, limit: int | None = None, vars_chars: int | None = None) -> pd.DataFrame:
    """A suite's tasks as a person reads them (no input or no answer shows a dash, never a blank or "None"); only
    their ids for a person whose role may not see task inputs and outputs (the content_roles setting)."""
    if not sees_content():
        return pd.DataFrame({"id": [t.id for t in suite.tasks[:limit]]})
    return pd.DataFrame(
        [
            {
                "id": t.id,
                "input": t.input or DASH,  # a task may be all vars, its prompt built by the template
                "vars": json.dumps(t.vars, ensure_ascii=False)[:vars_chars],
                "expected": DASH if t.expected in (None, "") else t.expected,
            }
            for t in suite.tasks[:limit]
        ]
    )


def upload_box(con) -> None:
    """A task file with optional overrides: its problems by line and field, or a preview and an Import button."""
    st.caption(
        "CSV, JSONL, Parquet or YAML: routeboard's own format, a dataset (its answer column mapped), promptfoo "
        "test CSVs, OpenAI evals JSONL or inspect-style files; or a test project, its config with the files it "
        "names (a promptfoo project, an OpenAI evals registry YAML and its samples). Nothing is written until "
        "every problem is fixed."
    )
    uploads = st.file_uploader(
        "Task file, dataset or test project",
        type=["csv", "jsonl", "yaml", "yml", "json", "parquet", "txt"],
        accept_multiple_files=True,
        key="suites_upload",
    )
    cols = st.columns(4)
    name = cols[0].text_input("Name (bare files)", key="suites_name")
    category = cols[1].text_input("Category", key="suites_category")
    grader = cols[2].selectbox("Grader", [FROM_FILE] + sorted(GRADERS), key="suites_grader", format_func=words)
    # empty by default: a file's own bar stands unless the user types another (bare files get 0.9)
    bar = cols[3].number_input("Bar", 0.01, 1.0, None, 0.01, key="suites_bar", placeholder="from the file")
    template = st.text_input("Prompt template (optional, {{var}} placeholders)", key="suites_template")
    chosen_options = Filled({})
    if grader != FROM_FILE:
        st.caption(f"**{grader}**: {registered_summary(grader)}")
        chosen_options = grader_fields(grader, {}, "suites_upload_option")
        with st.expander("Advanced: the grader as JSON"):
            st.code(json.dumps({"name": grader, "options": chosen_options.values}, indent=2), language="json")
    if not uploads:
        return
    if chosen_options.problems:
        st.error("\n".join(f"- {problem}" for problem in chosen_options.problems))
        return
    spec = {"name": grader, "options": chosen_options.values} if chosen_options.values else grader
    overrides = Overrides(
        name=name or None,
        category=category or None,
        grader=None if grader == FROM_FILE else spec,
        bar=bar,
        prompt_template=template or None,
    )
    files = [(upload.name, upload.getvalue()) for upload in uploads]
    if any(project_kind(*file) for file in files):
        _project_box(con, files, overrides)
        return
    if len(files) > 1:
        st.error("Upload one task file at a time, or a test project's config together with the files it names.")
        return
    filename, data = files[0]
    if looks_like_results(filename, data):
        st.warning(f"{filename}: {RESULTS_HINT}.")
        return
    if sniff_format(filename, data):  # a production log: say where it goes (a suite may still parse)
        st.warning(f"{filename}: {LOG_HINT}.")
    _task_file_box(con, filename, data, replace(overrides, columns=_task_column_fields(filename, data, overrides)))


def _task_file_box(con, filename: str, data: bytes, overrides: Overrides) -> None:
    """One task file: its problems by line and field, or its preview and an Import button."""
    try:
        suite = load_suite_bytes(filename, data, overrides)
    except InvalidInput as exc:
        st.error(f"{len(exc.problems)} problem(s) in {filename}; nothing was imported.")
        st.dataframe(
            problem_rows(exc.problems, with_file=True), hide_index=True, placeholder=DASH, key="suites_problems"
        )
        return
    st.success(f"{suite.name!r}: {len(suite.tasks)} tasks, grader {suite.grader.name}, bar {suite.bar:g}")
    if suite.grader.name == "human":
        st.caption("Graded by people: each output waits on the Review page until someone accepts or rejects it.")
        if overrides.grader is None:  # graded by people from the file: its review overlap set here (the form's own
            suite = _with_overlap(suite)  # grader fields ask it when human is chosen above)
    if warning := size_warning(suite):
        st.warning(f"{warning}. Add tasks, or lower the bar in the grading settings after importing.")
    st.dataframe(task_frame(suite, limit=50), hide_index=True, key="suites_preview")
    if not sees_content():
        st.caption("The tasks' inputs and expected answers are not shown to your role (the content_roles setting).")
    if st.button("Import", key="suites_import", type="primary"):
        try:
            result = save_suite(con, suite, actor=actor())
        except RouteboardError as exc:  # a role that may not upload: one line, nothing written
            show_error(exc)
            return
        st.success(f"{result.suite_id}: {'imported' if result.created else 'already imported (same content)'}")


def _with_overlap(suite: Suite) -> Suite:
    """The suite with the share of outputs a second reviewer also judges, as set at import (agreement needs some)."""
    options = dict(suite.grader.options or {})
    overlap = st.number_input(
        "Review overlap: share of outputs a second reviewer also judges",
        0.0,
        1.0,
        float(options.get("overlap", 0.0)),
        0.05,
        key="suites_overlap",
        help="Two people's verdicts on the same outputs measure their agreement (Review page); 0: each output once.",
    )
    if overlap == float(options.get("overlap", 0.0)):
        return suite
    return replace(suite, grader=GraderSpec("human", {**options, "overlap": overlap}))


def _task_column_fields(filename: str, data: bytes, overrides: Overrides) -> dict[str, str] | None:
    """A dataset file's task id, input and expected answer columns, as proposed and as the person changes them."""
    found = task_columns(filename, data, overrides)
    if not found.columns:
        return None
    st.caption("Columns of the dataset: which holds what (proposed from their names; the rest fill the template).")
    cols = st.columns(3)
    chosen = {}
    for i, (field, label) in enumerate(COLUMN_FIELDS.items()):
        options = [NO_COLUMN, *found.columns]
        proposed = found.chosen.get(field) or NO_COLUMN
        value = cols[i].selectbox(label, options, index=options.index(proposed), key=f"suites_map_{field}")
        chosen[field] = "" if value == NO_COLUMN else value
    return chosen


def _project_box(con, files: list[tuple[str, bytes]], overrides: Overrides) -> None:
    """A test project uploaded with the files it names: its suites previewed, then imported together."""
    try:
        read = read_uploaded_project(files, overrides)
    except InvalidInput as exc:
        st.error(f"{len(exc.problems)} problem(s) in the project; nothing was imported.")
        st.dataframe(
            problem_rows(exc.problems, with_file=True), hide_index=True, placeholder=DASH, key="suites_problems"
        )
        return
    st.success(f"{read.fmt} project: {len(read.suites)} suite(s), " + ", ".join(s.name for s in read.suites))
    for note in read.notes:
        st.caption(for_page(note))
    if read.models:
        st.caption("Its providers, as the models to run it on: " + ", ".join(read.models))
    for suite in read.suites:
        st.markdown(f"**{suite.name}**: {len(suite.tasks)} tasks, grader {suite.grader.name}, bar {suite.bar:g}")
        st.dataframe(task_frame(suite, limit=20), hide_index=True, key=f"suites_preview_{suite.name}")
    if st.button("Import", key="suites_import", type="primary"):
        try:
            results = import_project(con, read, actor=actor())
        except RouteboardError as exc:
            show_error(exc)
            return
        st.success(
            "; ".join(
                f"{r.suite_id}: {'imported' if r.created else 'already imported (same content)'}" for r in results
            )
        )


def settings_form(con, suite_id: str, suite: Suite) -> None:
    """The suite's bar, grader options and route constraints; Save writes only what changed.

    Every widget is keyed on the suite id: one key for all suites would keep the first suite's values on screen
    and Save would write them over the suite being browsed."""
    saved = st.session_state.pop(SAVED, None)
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
            _save(con, suite_id, suite, new_bar, options, rules)


def _save(con, suite_id: str, suite: Suite, new_bar: float, options: Filled, rules: Filled) -> None:
    problems = options.problems + rules.problems + constraint_words(rules.values)
    try:
        if problems:
            raise InvalidInput([Problem(suite_id, None, None, problem) for problem in dict.fromkeys(problems)])
        # only what the user changed is written, so an untouched setting keeps its stored value exactly
        update_suite_settings(
            con,
            suite_id,
            bar=new_bar if new_bar != suite.bar else None,
            grader=GraderSpec(suite.grader.name, options.values) if options.values != suite.grader.options else None,
            constraints=rules.values if rules.values != suite.constraints else None,
            actor=actor(),
        )
    except RouteboardError as exc:
        show_error(exc)
    else:
        st.session_state[SAVED] = f"Saved the grading settings of {suite_id}."
        # the fields and JSON views start again from what is stored, so an old JSON text cannot win next time
        for key in [k for k in st.session_state if str(k).startswith("suites_edit_") and suite_id in str(k)]:
            del st.session_state[key]
        st.rerun()  # the suites table above shows the new bar

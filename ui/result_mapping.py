"""The Results import page's column mapping: the proposed mapping as fields a person can change (which column holds
what, each correctness value's outcome, each wide-layout model's id), then the files read through it."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from routeboard.imports.results import results_preview
from routeboard.io.result_formats import ResultsPreview
from routeboard.io.result_mapping import FIELDS, FROM_FILE, OUTCOMES, MappingEdits

NOTHING = "(none)"
FILE_NAME = "(each file's name)"
UNMAPPED = "(choose)"
_PROPOSAL = "imports_proposal"  # session key: (the files' digest, the proposed mapping)


def mapped_preview(files: list[tuple[str, bytes]], category: str | None, suite: str | None) -> ResultsPreview:
    """The files read through the proposed mapping as the person has changed it; draws the mapping's fields."""
    proposal = _proposal(files, category, suite)
    if proposal.mapping is None:
        return proposal
    edits = _edits(proposal)
    preview = results_preview(files, mapping=proposal.mapping, edits=edits, category=category, suite=suite)
    with st.expander("Column mapping", expanded=True):
        st.caption(
            "Which column holds what, as proposed from the column names and values; change any of them. "
            "Columns mapped to nothing are ignored."
        )
        _column_fields(proposal, preview)
        if preview.mapping.wide:
            _model_fields(preview)
        if preview.labels:
            _label_fields(preview)
        if preview.ignored:
            st.caption("Ignored columns (mapped to nothing): " + ", ".join(preview.ignored))
    return preview


def _proposal(files, category, suite) -> ResultsPreview:
    """The proposal for these files, kept while the same files are on the page (the fields start from it)."""
    digest = hashlib.sha256(b"".join(hashlib.sha256(data).digest() for _, data in files)).hexdigest()
    kept = st.session_state.get(_PROPOSAL)
    if kept and kept[0] == digest:
        return kept[1]
    for key in [k for k in st.session_state if str(k).startswith(("imports_map_", "imports_label_", "imports_as_"))]:
        del st.session_state[key]  # another set of files: every field starts again from its proposal
    proposal = results_preview(files, category=category, suite=suite)
    st.session_state[_PROPOSAL] = (digest, proposal)
    return proposal


def _edits(proposal: ResultsPreview) -> MappingEdits:
    """The fields' current values (kept by Streamlit from the last run) as edits of the proposal."""
    state = st.session_state
    columns = {}
    for spec in _long_fields(proposal):
        chosen = state.get(f"imports_map_{spec.name}")
        if chosen is not None:
            columns[spec.name] = "" if chosen == NOTHING else FROM_FILE if chosen == FILE_NAME else chosen
    labels = {
        key.removeprefix("imports_label_"): value
        for key, value in state.items()
        if str(key).startswith("imports_label_") and value in OUTCOMES
    }
    rename = {
        model: state[f"imports_as_{i}"].strip()
        for i, model in enumerate(proposal.mapping.models)
        if state.get(f"imports_as_{i}", "").strip() and state[f"imports_as_{i}"].strip() != model
    }
    return MappingEdits(columns=columns, labels=labels, rename=rename)


def _long_fields(proposal: ResultsPreview):
    """The fields read from one column each (in the wide layout, the per-model ones come from each model's)."""
    return [spec for spec in FIELDS if not (proposal.mapping.wide and (spec.per_model or spec.name == "model"))]


def _column_fields(proposal: ResultsPreview, preview: ResultsPreview) -> None:
    specs = _long_fields(proposal)
    cols = st.columns(4)
    for i, spec in enumerate(specs):
        options = [NOTHING] + ([FILE_NAME] if spec.from_file else []) + proposal.columns
        current = preview.mapping.columns.get(spec.name)
        shown = NOTHING if current is None else FILE_NAME if current == FROM_FILE else current
        cols[i % 4].selectbox(
            spec.name,
            options,
            index=options.index(shown) if shown in options else 0,
            key=f"imports_map_{spec.name}",
            help=spec.help,
        )


def _model_fields(preview: ResultsPreview) -> None:
    st.markdown("**Wide layout**: one row per question, each model's results in columns of its own")
    frame = pd.DataFrame([{"model": model, **fields} for model, fields in preview.mapping.models.items()]).fillna("")
    st.dataframe(frame, hide_index=True, key="imports_models")
    cols = st.columns(min(len(preview.mapping.models), 3))
    for i, model in enumerate(preview.mapping.models):
        cols[i % len(cols)].text_input(
            f"Store {model} as", value=model, key=f"imports_as_{i}", help="the model id routeboard knows it by"
        )


def _label_fields(preview: ResultsPreview) -> None:
    st.markdown("**Outcomes**: what each value of the correctness column means (every value in the files)")
    rows = preview.label_rows()
    cols = st.columns(min(len(rows), 4))
    for i, row in enumerate(rows):
        options = ([] if row["outcome"] else [UNMAPPED]) + list(OUTCOMES)
        cols[i % len(cols)].selectbox(
            f"{row['value']} ({row['rows']:,} rows)",
            options,
            index=options.index(row["outcome"]) if row["outcome"] in options else 0,
            key=f"imports_label_{row['value']}",
            help="refusal: invalid, with the reason 'refusal' (production code can see it, so a cascade escalates it)",
        )

"""Words a leader uses, on every page (issue 22): walked as an admin and as a viewer, on the sample workspace and on an
empty store, no page shows a field name (model_usd), a command-line flag (--input-price), an epoch number or "None".

What is read: titles, headings, text, captions, alerts, metrics, links, every widget's label and the options it
shows, and every table's headers and cells (cells of columns that hold a person's own data, such as task ids or
prompts, may hold anything the data holds, so only "None" and epochs are looked for there)."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from routeboard.imports.sample import build
from tests.ui.conftest import APP, TIMEOUT_S
from tests.ui.test_auth import write_secrets
from ui.auth import PAGES

PEOPLE = {"admin": ("ada@example.com", "Ada Admin"), "viewer": ("vic@example.com", "Vic Viewer")}
FIELD_NAME = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])")  # model_usd, not my-suite or a/b_c
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
EPOCH = re.compile(r"\b1\d{9}(?:\d{3})?\b")  # seconds or milliseconds since 1970, 2001-2286
NONE = re.compile(r"\bNone\b")
# columns whose cells are a person's own data (ids, prompts, outputs, file names): only "None" and epochs are checked
DATA_COLUMNS = {"task", "suite id", "id", "input", "vars", "expected", "output", "name", "model", "run", "routed to"}
DATA_COLUMNS |= {"category", "route", "suite", "target", "detail", "unlocks", "key", "grader note", "error"}
WIDGETS = ("selectbox", "multiselect", "radio", "checkbox", "text_input", "number_input", "slider", "select_slider")
WIDGETS += ("button", "text_area", "toggle", "date_input", "file_uploader", "download_button")


def read(at: AppTest) -> tuple[list[str], list[str]]:
    """(the text a person reads, the cells of their own data) on the page as drawn."""
    text = [str(e.value) for kind in ("title", "header", "subheader", "markdown", "caption") for e in at.get(kind)]
    text += [str(e.value) for kind in ("info", "success", "warning", "error") for e in at.get(kind)]
    text += [f"{m.label} {m.value}" for m in at.metric] + [e.proto.label for e in at.get("page_link")]
    for kind in WIDGETS:
        for widget in at.get(kind):
            text.append(str(getattr(widget, "label", "")))
            text += [str(option) for option in getattr(widget, "options", None) or ()]
    data = []
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        for column in frame.value.columns:
            header = config.get(str(column), {}).get("label") or str(column)
            cells = [str(v) for v in frame.value[column].tolist()]
            text.append(header)
            (data if header in DATA_COLUMNS else text).extend(cells)
    return text, data


def problems(at: AppTest) -> list[str]:
    text, data = read(at)
    found = [f"field name {m!r} in: {t[:120]!r}" for t in text for m in FIELD_NAME.findall(t)]
    found += [f"flag {m!r} in: {t[:120]!r}" for t in text for m in FLAG.findall(t)]
    found += [f"epoch {m!r} in: {t[:120]!r}" for t in text + data for m in EPOCH.findall(t)]
    found += [f"None in: {t[:120]!r}" for t in text if NONE.search(t)]
    found += ["a cell reads None" for cell in data if cell.strip() in ("None", "nan", "NaT")]
    return found


def walk(role: str) -> dict[str, list[str]]:
    """Every page this person may open, through app.py, with what is wrong on each."""
    found = {}
    for entry in PAGES:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
        if role != "local":
            email, name = PEOPLE[role]
            at.user = {"is_logged_in": True, "email": email, "name": name, "sub": email}
        at.switch_page(entry.path).run()
        assert not at.exception, (entry.title, [e.value for e in at.exception])
        found[entry.title] = problems(at)
    return found


@pytest.mark.parametrize("store", ["sample workspace", "empty store"])
@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_no_page_shows_a_field_name_a_flag_an_epoch_or_none(app_con, tmp_path, monkeypatch, role, store):
    if store == "sample workspace":
        build(app_con)
    write_secrets(tmp_path, monkeypatch, team=True)
    assert {page: found for page, found in walk(role).items() if found} == {}


def test_the_checks_catch_what_they_look_for():
    """The patterns find the words this test guards against, and leave a person's words alone."""
    assert FIELD_NAME.findall("model_usd and reviewer_usd_per_hour") == ["model_usd", "reviewer_usd_per_hour"]
    assert not FIELD_NAME.findall("sample: biology & medicine, my-suite@1, cost per accepted task, OPENAI_API_KEY")
    assert FLAG.findall("pass --category or use --grader human") == ["--category", "--grader"]
    assert not FLAG.findall("a dash — and 2026-12-06")
    assert EPOCH.findall("1765065600000 and 1765065600") == ["1765065600000", "1765065600"]
    assert not EPOCH.findall("$12,625 and 5,490 attempts and 2026-12-06 21:05")

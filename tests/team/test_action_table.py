"""One test generated from the action table (routeboard/team/roles.ACTIONS): every action, through every door that
performs it (each CLI command, the core call a page makes, the page itself), as each role, as nobody, and as a
process without the sign-in settings on a team's store. Allowed: the person reads what the action does. Refused:
one line naming what would allow it, and nothing written to the store.

DOORS maps each action to its doors; an action without one, or a CLI command in no door, fails the test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from routeboard.catalog.models import add_model
from routeboard.cli.main import build_parser, main
from routeboard.decide.scenario import Scenario, save_scenario
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import RouteboardError
from routeboard.imports.results import import_results
from routeboard.library import save_suite, show_suite, update_suite_settings
from routeboard.providers.base import GenerationSettings
from routeboard.review.queue import next_item
from routeboard.review.record import record_review
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.store.connection import connect
from routeboard.team import access, audit
from routeboard.team.access import ACTIONS, ROLES, WORDS, Actor
from routeboard.team.maintenance import compact_store
from tests.conftest import echo_suite
from tests.fakes import FakeProvider, install_fake
from tests.ui.conftest import APP, TIMEOUT_S
from ui.auth import PAGES

PEOPLE = {
    "viewer": "vic@example.com",
    "reviewer": "rita@example.com",
    "analyst": "ana@example.com",
    "admin": "ada@example.com",
}
NOBODY, NO_SETTINGS = "nobody", "no sign-in settings"  # no --user in team mode; ROUTEBOARD_SECRETS unset
WHO = (*ROLES, NOBODY, NO_SETTINGS)
SECRETS = f"""
[auth]
redirect_uri = "http://127.0.0.1:9/oauth2callback"
cookie_secret = "not-a-real-cookie-secret-only-for-tests"
[routeboard.access]
default_role = "viewer"
users = {{ {", ".join(f'"{email}" = "{role}"' for role, email in PEOPLE.items())} }}
"""
ECHO = echo_suite(3, bar=0.5)
EMAILS = Suite(
    name="emails",
    category="internal email",
    grader=GraderSpec("human"),
    bar=0.8,
    tasks=tuple(Task(id=f"e{i}", input=f"write to the team: {i}") for i in range(3)),
)
FILES = {
    "upload.csv": "input,target\n2+2?,4\n",
    "results.csv": "task_id,model,output,correct,category\nq1,acme/x,yes,true,quiz\n",
    "scenario.yaml": "name: mine\n",
    "labels.csv": "task_id,correct,model\nt0,true,fake/cheap\n",
    "sheet.csv": "item_id,suite_id,task_id,prompt,output,reference,verdict,reason,note,edited_output\n",
}


@dataclass(frozen=True)
class Door:
    """One way to perform an action: a CLI command (run in-process) or the core call a page makes, or a page;
    ``done`` is text the person reads when it is allowed (in stdout, stderr or the call's result)."""

    name: str
    cli: tuple[str, ...] = ()
    core: Callable | None = None  # (con, actor, folder) -> a result whose text holds ``done``
    page: str | None = None  # pages/<page>.py, opened through app.py
    done: str = ""


def _page(action: str) -> str:
    """The first page whose opening is this action (ui/auth.PAGES)."""
    return next(e.path for e in PAGES if e.action == action).removeprefix("pages/").removesuffix(".py")


RUN = "{run}"  # the analyst's run, filled in per store
DOORS: dict[str, list[Door]] = {
    "view": [
        Door("runs list", ("runs", "list", "--json"), done='"run_id"'),
        Door("runs show", ("runs", "show", RUN, "--json"), done='"status": "cancelled"'),
        Door("suites list", ("suites", "list", "--json"), done='"echo@1"'),
        Door("report", ("report", "--json"), done='"model": "fake/cheap"'),
        Door("route", ("route", "--json"), done='"category": "echo"'),
        Door("export", ("export", "routes"), done='"category": "echo"'),
        Door("scenarios list", ("scenarios", "list"), done="cheap"),
        Door("scenarios show", ("scenarios", "show", "cheap"), done='"name": "cheap"'),
        Door("models list", ("models", "list", "--no-ollama", "--json"), done='"fake/cheap"'),
        Door("models keys", ("models", "keys", "--json"), done='"key"'),
        Door("suites show (settings)", ("suites", "show", "echo", "--json", "--tasks", "0"), done='"bar": 0.5'),
        Door("Overview page", page=_page("view"), done="routeboard"),
    ],
    "play_whatif": [Door("What-if page", page=_page("play_whatif"), done="What-if")],
    "save_scenario": [
        Door("scenarios save", ("scenarios", "save", "{folder}/scenario.yaml"), done="saved scenario 'mine'"),
        Door("core", core=lambda con, a, f: save_scenario(con, Scenario(name="core"), actor=a)),
    ],
    "see_content": [
        Door("suites show", ("suites", "show", "echo", "--json", "--tasks", "2"), done='"input": "say: 1"'),
        Door("core", core=lambda con, a, f: show_suite(con, "echo", tasks=2, actor=a).tasks, done="say: 1"),
    ],
    "see_model_outputs": [
        Door("Results' task detail", core=lambda con, a, f: _task_detail(con, a), done="fake/cheap"),
        Door("Results' rows", core=lambda con, a, f: _outputs_or_refusal(con, a), done="output"),
    ],
    "review": [
        Door("review export", ("review", "export", "--suite", "emails", "--out", "{folder}/out.csv"), done="to review"),
        Door("review import", ("review", "import", "{folder}/sheet.csv", "--reviewer", "{me}"), done="0 review"),
        Door("suites labels", ("suites", "labels", "echo", "{folder}/labels.csv"), done="stored 1 label"),
        Door("Review page", page=_page("review"), done="Review"),
    ],
    "promote_references": [
        Door("review promote", ("review", "promote", "--suite", "emails", "--grader", "contains"), done="emails@2"),
    ],
    "upload_suite": [
        Door("suites import", ("suites", "import", "{folder}/upload.csv"), done="upload@1: imported"),
        Door("core", core=lambda con, a, f: save_suite(con, Suite(**{**ECHO.__dict__, "bar": 0.6}), actor=a)),
        Door("Suites page", page=_page("upload_suite"), done="Suites"),
    ],
    "import_results": [
        Door("results import", ("results", "import", "{folder}/results.csv"), done="imported 1 results"),
        Door("core", core=lambda con, a, f: import_results(con, "r.csv", FILES["results.csv"].encode(), actor=a)),
        Door("Results import page", page=_page("import_results"), done="Results import"),
    ],
    "launch_run": [
        Door("run", ("run", "--suite", "echo", "--model", "fake/cheap", "--json"), done='"status": "completed"'),
        Door(
            "core", core=lambda con, a, f: start_run(con, RunRequest(suites=("echo",), models=("fake/cheap",)), actor=a)
        ),
        Door("Models page", page=_page("launch_run"), done="Models"),
    ],
    "cancel_run": [Door("runs cancel", ("runs", "cancel", RUN), done="is already cancelled")],
    "resume_run": [Door("runs resume", ("runs", "resume", RUN, "--json"), done='"status": "completed"')],
    "change_suite_settings": [
        Door("core", core=lambda con, a, f: update_suite_settings(con, "echo@1", bar=0.9, actor=a)),
    ],
    "manage_models": [
        Door("models add", ("models", "add", "acme/y", "--input-price", "1", "--output-price", "2"), done="acme/y"),
        Door(
            "core",
            core=lambda con, a, f: add_model(
                con, "acme/z", input_price_per_mtok_usd=1, output_price_per_mtok_usd=2, actor=a
            ),
        ),  # fmt: skip
    ],
    "give_key": [Door("core", core=lambda con, a, f: _give_key(con, a))],
    "manage_access": [
        Door("access set", ("access", "set", "vic@example.com", "--role", "admin"), done="role admin"),
        Door("core", core=lambda con, a, f: access.set_access(con, "vic@example.com", role="admin", actor=a)),
        Door("Admin page", page=_page("manage_access"), done="Admin"),
    ],
    "read_audit": [
        Door("audit", ("audit", "--json"), done='"action": "launch_run"'),
        Door("access show", ("access", "show", "--json"), done='"mode": "team"'),
        Door("core", core=lambda con, a, f: audit.read_trail(con, actor=a)["action"].tolist(), done="launch_run"),
    ],
    "compact_store": [
        # a local file has nothing to compact: past the role check, the store says so
        Door("store compact", ("store", "compact", "--keep-days", "0"), done="compaction is for the shared store"),
        Door("core", core=lambda con, a, f: compact_store(con, "x.duckdb", actor=a), done="for the shared store"),
    ],
    "manage_sample": [
        Door("sample add", ("sample", "add"), done="sample workspace added"),
        Door("sample remove", ("sample", "remove"), done="nothing removed"),
    ],
}
NO_STORE = {  # commands that read no store: anyone may run them, whatever the mode
    ("suites", "validate"): Door("suites validate", ("suites", "validate", "{folder}/upload.csv"), done="valid suite"),
    ("results", "preview"): Door(
        "results preview", ("results", "preview", "{folder}/results.csv"), done="correct: correct"
    ),  # fmt: skip
    ("models", "discover"): Door(
        "models discover", ("models", "discover", "--host", "http://127.0.0.1:9"), done="no Ollama server answered"
    ),  # fmt: skip
}


def _task_detail(con, actor) -> list:
    from routeboard.browse import task_detail

    return task_detail(con, "echo@1", "t1", actor=actor)["trials"]["model_id"].tolist()


def _outputs_or_refusal(con, actor) -> list:
    """Results' rows: an output column for those who may see them; without it, the page's refusal in its words."""
    from routeboard.browse import trial_rows
    from routeboard.errors import Refused

    columns = list(trial_rows(con, actor=actor).columns)
    if "output" not in columns:
        access.require(actor, "see_model_outputs")  # the words the Results page shows instead
        raise Refused("trial rows came without outputs for a role that may see them")
    return columns


def _give_key(con, actor) -> None:
    from routeboard.providers import keys

    try:
        keys.give_key(con, "ACME_API_KEY", "sk-test-0123456789abcdef", actor=actor)
    finally:
        keys.forget_key(con, "ACME_API_KEY", actor=Actor("ada@example.com", "ada", "admin", "oidc"))


# ---------------------------------------------------------------- the store every case starts from


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple:
    """A team's store: the echo suite run by the analyst (then cancelled at its end), a people-graded suite with
    outputs waiting for review (one accepted), a saved scenario and a priced fake model; returns (file, run id)."""
    folder = tmp_path_factory.mktemp("team")
    (folder / "secrets.toml").write_text(SECRETS)
    path = folder / "template.duckdb"
    install_fake(FakeProvider())
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ROUTEBOARD_SECRETS", str(folder / "secrets.toml"))
        env.setenv("ROUTEBOARD_DB", str(path))
        admin, analyst = _actor("admin"), _actor("analyst")
        con = connect(path)
        save_suite(con, ECHO, actor=admin)
        save_suite(con, EMAILS, actor=admin)
        add_model(con, "fake/cheap", input_price_per_mtok_usd=0.1, output_price_per_mtok_usd=0.2, actor=admin)
        save_scenario(con, Scenario(name="cheap"), actor=analyst)
        few = GenerationSettings(max_output_tokens=10)
        start_run(con, RunRequest(suites=("emails",), models=("fake/cheap",), settings=few), actor=analyst).run()
        reviewer = _actor("reviewer")  # one output accepted: something to promote
        item = next_item(con, "emails", reviewer.user_id, actor=reviewer)
        record_review(con, item.key, reviewer.user_id, "accepted", actor=reviewer)
        runner = start_run(con, RunRequest(suites=("echo",), models=("fake/cheap",), settings=few), actor=analyst)
        runner.run()
        # cancelled once every trial was done: resumable (nothing left to send), its process gone
        con.execute("UPDATE runs SET status = 'cancelled', runner_pid = NULL WHERE run_id = ?", [runner.run_id])
        con.close()
    return path, runner.run_id


def _actor(role: str) -> Actor:
    return Actor(PEOPLE[role], PEOPLE[role].split("@")[0], role, "oidc")


@pytest.fixture
def store(template, tmp_path, monkeypatch) -> tuple:
    """A copy of the team's store for one case, the case's files, the team's secrets; (file, run id, folder)."""
    source, run_id = template
    path = tmp_path / "team.duckdb"
    shutil.copy(source, path)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "secrets.toml").write_text(SECRETS)
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "secrets.toml"))
    monkeypatch.setenv("ROUTEBOARD_DB", str(path))
    monkeypatch.delenv("ROUTEBOARD_USER", raising=False)
    install_fake(FakeProvider())
    return path, run_id, tmp_path


def _counts(path) -> dict[str, int]:
    """Rows per table, read straight from the file; a sign-in's own audit row is not the action's."""
    con = duckdb.connect(str(path))
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables if t != "_store_gate"}
        counts["audit_log"] = con.execute("SELECT count(*) FROM audit_log WHERE action <> 'sign_in'").fetchone()[0]
        return counts
    finally:
        con.close()


# ---------------------------------------------------------------- performing an action through a door


def _through_cli(door: Door, who: str, path, run_id: str, folder, capsys) -> str:
    me = PEOPLE.get(who, "")
    argv = [part.format(run=run_id, folder=folder, me=me or "rita@example.com") for part in door.cli]
    user = ["--user", me] if me else []
    code = main(["--db", str(path), *user, *argv])
    out, err = capsys.readouterr()
    assert code in (0, 2), (code, err)
    return out + err


def _through_core(door: Door, who: str, path, folder) -> str:
    actor = _actor(who) if who in PEOPLE else None
    try:
        con = connect(path)  # the door every core call passes: the store's mode
    except RouteboardError as exc:
        return f"error: {exc}"
    try:
        return repr(door.core(con, actor, folder))
    except RouteboardError as exc:
        return f"error: {exc}"
    finally:
        con.close()


def _through_page(door: Door, who: str) -> str:
    """Open the page through app.py as this person; what they read: errors, the sign-in button, titles."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    email = PEOPLE.get(who)
    at.user = {"is_logged_in": True, "email": email, "name": email, "sub": email} if email else {"is_logged_in": False}
    at.run()
    if email and not at.error:
        at.switch_page(f"pages/{door.page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [f"error: {e.value}" for e in at.error] + [b.label for b in at.button if b.key == "sign_in"]
    shown += [t.value for t in at.title]
    st.cache_data.clear()
    st.cache_resource.clear()
    return "\n".join(shown)


def _refusal(action: str, who: str, door: Door) -> str | None:
    """What the person reads when refused (None: allowed), from the table alone."""
    if who == NO_SETTINGS:
        return "error: this store is a team's (sign-in since "
    if who == NOBODY:
        if door.page:
            return "Sign in"
        return "error: sign-in is configured" if door.cli else "error: sign in first"
    if ROLES.index(who) >= ROLES.index(ACTIONS[action]):
        return None
    name = PEOPLE[who] if door.cli or door.page else PEOPLE[who].split("@")[0]
    said = f"{name} ({who}) may not {WORDS[action]}; ask an admin for the {ACTIONS[action]} role"
    return f"is not available to you: {said}" if door.page else f"error: {said}"


CASES = [
    pytest.param(action, door, who, id=f"{action}-{door.name}-{who}")
    for action, doors in DOORS.items()
    for door in doors
    for who in WHO
]


@pytest.mark.parametrize(("action", "door", "who"), CASES)
def test_each_door_allows_or_refuses_as_the_action_table_says_and_a_refusal_writes_nothing(
    store, action, door, who, capsys, monkeypatch
):
    path, run_id, folder = store
    if who == NO_SETTINGS:
        monkeypatch.setenv("ROUTEBOARD_SECRETS", str(folder / "missing.toml"))
    before = _counts(path)
    if door.cli:
        shown = _through_cli(door, who, path, run_id, folder, capsys)
    elif door.core:
        shown = _through_core(door, who, path, folder)
    else:
        shown = _through_page(door, who)
    refusal = _refusal(action, who, door)
    if refusal is None:
        for word in ("may not", "sign in first", "sign-in is configured", "this store is a team's"):
            assert word not in shown, shown
        assert door.done in shown, shown
        return
    assert refusal in shown, shown
    if door.cli:  # one line, nothing on stdout a script could take for a result
        assert shown.count("\n") == 1 and shown.startswith("error: "), shown
    assert _counts(path) == before


@pytest.mark.parametrize("command", sorted(NO_STORE), ids=" ".join)
@pytest.mark.parametrize("who", WHO)
def test_commands_that_read_no_store_work_for_anyone(store, command, who, capsys, monkeypatch):
    path, run_id, folder = store
    if who == NO_SETTINGS:
        monkeypatch.setenv("ROUTEBOARD_SECRETS", str(folder / "missing.toml"))
    before = _counts(path)
    assert NO_STORE[command].done in _through_cli(NO_STORE[command], who, path, run_id, folder, capsys)
    assert _counts(path) == before


def test_every_action_has_a_door_and_every_cli_command_is_one():
    assert set(DOORS) == set(ACTIONS), "an action without a door (or a door for no action)"
    assert set(WORDS) == set(ACTIONS)
    commands = set(_cli_commands(build_parser()))
    covered = {door.cli[:2] for doors in DOORS.values() for door in doors if door.cli} | set(NO_STORE)
    covered = {c if c in commands else c[:1] for c in covered}
    assert commands == covered, f"commands in no door: {commands - covered}"
    assert {e.action for e in PAGES} <= set(ACTIONS)
    assert {_page(e.action) for e in PAGES} <= {d.page for doors in DOORS.values() for d in doors if d.page}


def _cli_commands(parser, prefix=()) -> list[tuple[str, ...]]:
    """Every leaf command of the CLI, e.g. ("suites", "show") or ("report",)."""
    import argparse

    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _cli_commands(sub, (*prefix, name)) or [(*prefix, name)]
    return found


def test_the_readme_roles_table_is_the_action_table():
    """README, "Sign-in and roles": the table a team reads is ACTIONS with its words, least role first."""
    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| action | least role | may |") :].split("\n\n", 1)[0].splitlines()
    expected = [
        f"| `{action}` | {ACTIONS[action]} | {WORDS[action]} |"
        for action in sorted(ACTIONS, key=lambda action: ROLES.index(ACTIONS[action]))
    ]
    assert table[2:] == expected, "the README's roles table, as the code has it:\n" + "\n".join(expected)

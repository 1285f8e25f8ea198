"""Sign-in as people meet it: the local mode note, the sign-in screen, the signed-in line, the pages each role sees,
and a page opened by URL that the role may not use."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from routeboard.team import audit
from tests.ui.conftest import APP, TIMEOUT_S

ACCESS = """
[routeboard.access]
default_role = "viewer"

[routeboard.access.users]
"vic@example.com" = "viewer"
"rita@example.com" = "reviewer"
"ana@example.com" = "analyst"
"ada@example.com" = "admin"
"""
AUTH = """
[auth]
redirect_uri = "http://127.0.0.1:9/oauth2callback"
cookie_secret = "not-a-real-cookie-secret-only-for-tests"
client_id = "routeboard"
client_secret = "not-a-real-client-secret"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""
VISIBLE = {
    "viewer": ["Overview", "Results", "Frontier", "What-if", "Report"],
    "reviewer": ["Overview", "Review", "Results", "Frontier", "What-if", "Report"],
    "analyst": ["Overview", "Suites", "Results import", "Models", "Run", "Review", "Results", "Frontier", "What-if"]
    + ["Report"],
    "admin": ["Overview", "Suites", "Results import", "Models", "Run", "Review", "Results", "Frontier", "What-if"]
    + ["Report", "Admin"],
}


def write_secrets(folder: Path, monkeypatch, *, team: bool, extra: str = "") -> Path:
    """A secrets file the core and the app read (ROUTEBOARD_SECRETS); with [auth] it is team mode."""
    path = folder / "secrets.toml"
    path.write_text((AUTH if team else "") + ACCESS + extra)
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(path))
    return path


@pytest.fixture
def team(tmp_path, monkeypatch) -> Path:
    return write_secrets(tmp_path, monkeypatch, team=True)


def signed_in(email: str, name: str) -> AppTest:
    """The app as a person signed in with the identity provider sees it (AppTest.user is st.user)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.user = {"is_logged_in": True, "email": email, "name": name, "sub": email}
    return at.run()


def sidebar_lines(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def test_local_mode_says_so_and_the_local_user_is_an_admin(app, tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, team=False)
    app.run()
    assert not app.exception
    assert "Local single-user mode: no sign-in configured (see README, Team deployment)" in sidebar_lines(app)
    assert not [b for b in app.button if b.key in ("sign_in", "sign_out")]
    assert app.session_state["actor"].role == "admin"


def test_team_mode_shows_only_the_sign_in_screen_before_sign_in(team):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert "sign in to see its results" in at.markdown[0].value
    assert not at.dataframe and not at.metric  # nothing of the data
    assert "actor" not in at.session_state


def test_signed_in_person_sees_name_and_role_and_one_sign_in_audit_row(team, app_con):
    at = signed_in("vic@example.com", "Vic Viewer")
    assert not at.exception
    assert "Signed in as Vic Viewer (viewer)" in sidebar_lines(at)
    assert at.button(key="sign_out").label == "Sign out"
    rows = audit.trail(app_con, action="sign_in")
    assert list(rows["user_id"]) == ["vic@example.com"]
    assert list(rows["role"]) == ["viewer"] and list(rows["via"]) == ["oidc"]


def test_reruns_of_one_session_audit_one_sign_in(team, app_con):
    def script():
        from ui.auth import current_actor
        from ui.state import connection

        current_actor(connection())

    at = AppTest.from_function(script, default_timeout=TIMEOUT_S)
    at.user = {"is_logged_in": True, "email": "ana@example.com", "name": "Ana", "sub": "ana@example.com"}
    at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Signed in as Ana (analyst)" in sidebar_lines(at)
    assert list(audit.trail(app_con, action="sign_in")["user_id"]) == ["ana@example.com"]


def test_an_unknown_person_gets_the_default_role(team):
    at = signed_in("stranger@elsewhere.org", "Stranger")
    assert "Signed in as Stranger (viewer)" in sidebar_lines(at)


def _visible_pages(role: str) -> list[str]:
    """The navigation's visible pages for an actor of this role, drawn by a script that builds it."""

    def script():
        import streamlit as st

        from routeboard.team.access import Actor
        from ui.auth import navigation

        who = Actor("someone@example.com", "Someone", st.session_state["role"], "oidc")
        for page in navigation(who):
            if page.visibility == "visible":
                st.text(page.title)

    at = AppTest.from_function(script, default_timeout=TIMEOUT_S)
    at.session_state["role"] = role
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return [t.value for t in at.text]


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_sees_only_the_pages_it_may_use(team, role):
    assert _visible_pages(role) == VISIBLE[role]


def test_a_page_the_role_may_not_use_opened_by_url_says_why_and_runs_nothing(team, app_con):
    def script():
        import streamlit as st

        from routeboard.team.access import Actor
        from ui.auth import navigation, run_page

        who = Actor("vic@example.com", "Vic Viewer", "viewer", "oidc")
        run_page(next(p for p in navigation(who) if p.title == "Run"), who)
        st.session_state["after"] = True

    at = AppTest.from_function(script, default_timeout=TIMEOUT_S).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Run"]
    assert at.error[0].value == (
        "Run is not available to you: Vic Viewer (viewer) may not launch runs; ask an admin for the analyst role"
    )
    assert not at.multiselect and not at.button  # none of the Run page's controls
    assert app_con.cursor().execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_who_sees_task_inputs_and_outputs_follows_the_content_roles_setting(tmp_path, monkeypatch):
    def script():
        import streamlit as st

        from ui.auth import current_actor, sees_content
        from ui.state import connection

        current_actor(connection())
        st.session_state["sees"] = sees_content()

    def as_person(email: str) -> bool:
        at = AppTest.from_function(script, default_timeout=TIMEOUT_S)
        at.user = {"is_logged_in": True, "email": email, "name": email, "sub": email}
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at.session_state["sees"]

    path = write_secrets(tmp_path, monkeypatch, team=True)
    assert (as_person("vic@example.com"), as_person("rita@example.com")) == (False, True)  # the default setting
    path.write_text(
        path.read_text().replace('default_role = "viewer"', 'default_role = "viewer"\ncontent_roles = ["admin"]')
    )
    assert (as_person("rita@example.com"), as_person("ada@example.com")) == (False, True)

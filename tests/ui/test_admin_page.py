"""The Admin page as an admin reads it: spend per person against budgets, roles and budgets set through its form,
the audit trail; and a viewer who reaches it anyway is refused."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.report import DASH
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.team import access
from routeboard.team.access import Actor
from tests.ui.conftest import APP, SUITE, TASKS, TIMEOUT_S, echo_suite, open_page, table
from tests.ui.test_auth import write_secrets

ADMIN = Actor("ada@example.com", "Ada", "admin", "oidc")
ANALYST = Actor("ana@example.com", "Ana", "analyst", "oidc")
BUDGETS = '\n[routeboard.access.budgets]\n"ana@example.com" = 10.0\n'
MONTH_USD = 0.0525  # both fake models on 40 tasks: 40 x ($0.000012 + $0.0013)


def signed_in(email: str, name: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.user = {"is_logged_in": True, "email": email, "name": name, "sub": email}
    return at.run()


def test_local_mode_admin_sets_a_role_and_budget_and_sees_it_in_roles_and_trail(app, app_con, tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, team=False)
    app.run()
    open_page(app, "admin")
    assert [t.value for t in app.title] == ["Admin"]
    assert "No one launched a run" in app.info[0].value

    app.text_input(key="admin_person").input("ben@example.com")
    app.selectbox(key="admin_role").select("analyst")
    app.number_input(key="admin_budget").set_value(200.0)
    app.button(key="admin_save").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.success[0].value.startswith("Saved for ben@example.com: analyst")

    roles = table(app, "person", "role", "from", "budget").set_index("person")
    # budgets apply in team mode only: here the stored $200 shows in the trail, the effective budget is a dash
    assert roles.loc["ben@example.com"].to_dict() == {"role": "analyst", "from": "set by local", "budget": DASH}
    assert roles.loc["ana@example.com", "role"] == "analyst"  # from the file
    assert roles.loc["ana@example.com", "from"] == "users"
    trail = table(app, "at (UTC)", "person", "action", "target")
    first = trail.iloc[0][["person", "action", "target"]].tolist()
    assert first == ["local", "manage roles and budgets", "ben@example.com"]  # the action in the table's words
    assert '"monthly_budget_usd": 200.0' in trail.iloc[0]["detail"]
    assert "admin_trail_csv" in [b.key for b in app.get("download_button")]
    assert access.role_for(app_con, "ben@example.com")[0] == "analyst"


def test_spend_per_person_flags_an_analyst_over_budget(app_con, models, fake, tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, team=True, extra=BUDGETS)
    save_suite(app_con, echo_suite(), actor=ANALYST)
    request = RunRequest(suites=(SUITE,), models=tuple(models), settings=GenerationSettings(max_output_tokens=10))
    progress = start_run(app_con, request, actor=ANALYST).run()
    assert progress.done == 2 * TASKS
    access.set_access(app_con, ANALYST.user_id, monthly_budget_usd=0.01, actor=ADMIN)  # lowered after the run

    at = signed_in(ADMIN.user_id, ADMIN.name)
    open_page(at, "admin")
    spend = table(at, "person", "spend", "budget", "status").set_index("person")
    ana = spend.loc["ana@example.com"]
    assert (ana["role"], ana["runs"], ana["budget"], ana["status"]) == ("analyst", 1, "$0.01", "over budget")
    assert abs(float(ana["spend"].lstrip("$")) - MONTH_USD) < 0.001
    assert "1 person is over budget" in at.warning[0].value
    assert list(spend.index) == ["ana@example.com"]  # only people who spent or were given a role or budget
    sign_ins = table(at, "at (UTC)", "person", "action", "target")
    assert "sign in" in sign_ins["action"].tolist()


def test_a_viewer_who_opens_the_admin_page_is_refused(tmp_path, monkeypatch, app_con):
    write_secrets(tmp_path, monkeypatch, team=True)
    at = signed_in("vic@example.com", "Vic Viewer")
    open_page(at, "admin")
    assert [e.value for e in at.error] == [
        "Admin is not available to you: Vic Viewer (viewer) may not manage roles and budgets; ask an admin for the "
        "admin role"
    ]
    assert not at.dataframe and [b.key for b in at.button] == ["sign_out"]  # no figures, no form
    assert access.effective_rules(app_con)["overrides"] == []


def test_the_admin_page_run_without_app_py_asks_for_sign_in(tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, team=True)
    # the page script alone, as Streamlit's pages-folder mode can serve it before app.py ever ran
    at = AppTest.from_file(str(APP.parent / "pages" / "admin.py"), default_timeout=TIMEOUT_S).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.label for b in at.button] == ["Sign in"]  # its guard shows the sign-in screen, nothing of the data
    assert not at.dataframe and not at.metric

"""The pages in team mode: each action is taken as the signed-in person, a role that may not act is told so in one
line and nothing is written, and task content stays hidden from a role the content_roles setting leaves out."""

from __future__ import annotations

import json
import os

from streamlit.testing.v1 import AppTest

from routeboard.decide.scenario import list_scenarios
from routeboard.library import save_suite
from routeboard.providers import keys as provider_keys
from routeboard.store.suites import list_suites
from routeboard.team import audit
from tests.servers.postgres import postgres  # noqa: F401  (session fixture)
from tests.store.test_ducklake import lake_env  # noqa: F401  (fixture)
from tests.ui.conftest import APP, CHEAP, PRICEY, SUITE, TIMEOUT_S, echo_suite, open_page, table
from tests.ui.test_auth import write_secrets
from ui import runs

PEOPLE = {
    "viewer": ("vic@example.com", "Vic Viewer"),
    "reviewer": ("rita@example.com", "Rita Reviewer"),
    "analyst": ("ana@example.com", "Ana Analyst"),
    "admin": ("ada@example.com", "Ada Admin"),
}


def as_role(role: str, page: str) -> AppTest:
    """The app as this role's person sees it on pages/<page>.py (AppTest.user is st.user)."""
    email, name = PEOPLE[role]
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.user = {"is_logged_in": True, "email": email, "name": name, "sub": email}
    return open_page(at, page)


def content_for_admins(path) -> None:
    """Only admins may see task inputs and outputs (the content_roles setting)."""
    path.write_text(
        path.read_text().replace('default_role = "viewer"', 'default_role = "viewer"\ncontent_roles = ["admin"]')
    )


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_a_viewer_plays_what_if_and_is_offered_no_save_but_told_why(seeded, tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, team=True)  # after the seeded run: the fixture acts as the local user
    at = as_role("viewer", "whatif")
    at.number_input(key="whatif_failure_every category").set_value(200.0).run()  # playing is a viewer's
    assert not at.exception and not at.error
    assert "whatif_save" not in [b.key for b in at.button] and "whatif_name" not in [t.key for t in at.text_input]
    assert (
        "This page's address shares the scenario; saving it is not for your role: Vic Viewer (viewer) may not save "
        "scenarios; ask an admin for the analyst role." in [c.value for c in at.caption]
    )
    assert list_scenarios(seeded.con) == []


def test_an_analyst_saves_a_scenario_under_their_name_in_the_audit_trail(seeded, tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, team=True)
    at = as_role("analyst", "whatif")
    at.text_input(key="whatif_name").set_value("ana's view").run()
    at.button(key="whatif_save").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ['Saved "ana\'s view".']
    assert "ana's view" in list_scenarios(seeded.con)
    assert list(audit.trail(seeded.con, action="save_scenario")["user_id"]) == ["ana@example.com"]


def test_a_viewer_is_offered_no_import_on_the_overview_and_reads_why_nothing_is_there(app_con, tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, team=True)
    at = as_role("viewer", "overview")
    # no import, first run or sample: a viewer may do none of them (signing out is all there is to press)
    assert not at.exception and [b.key for b in at.button] == ["sign_out"]
    assert [m.value for m in at.markdown] == [
        "Nothing is routed here yet: the board fills in once suites are run. Vic Viewer (viewer) may not launch "
        "runs; ask an admin for the analyst role."
    ]
    assert list_suites(app_con) == []


def test_a_viewer_opening_suites_by_its_address_gets_a_refusal_and_no_uploader(app_con, tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, team=True)
    at = as_role("viewer", "suites")
    assert errors(at) == [
        "Suites is not available to you: Vic Viewer (viewer) may not upload suites; ask an admin for the analyst role"
    ]
    assert not at.get("file_uploader") and not at.dataframe
    assert list_suites(app_con) == []


def test_an_analyst_uploads_a_suite_recorded_under_their_name(app_con, tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, team=True)
    at = as_role("analyst", "suites")
    at.file_uploader(key="suites_upload").set_value(("arith.csv", b"input,target\n2+2?,4\n", "text/csv")).run()
    at.button(key="suites_import").click().run()
    assert not at.exception and not at.error
    assert [s["name"] for s in list_suites(app_con)] == ["arith"]
    assert list(audit.trail(app_con, action="upload_suite")["user_id"]) == ["ana@example.com"]


def test_results_hide_inputs_and_outputs_from_a_role_outside_content_roles_and_keep_the_aggregates(
    seeded, tmp_path, monkeypatch
):
    path = write_secrets(tmp_path, monkeypatch, team=True)
    content_for_admins(path)
    at = as_role("analyst", "results")
    trials = table(at, "run_id", "category", "outcome")
    assert not {"expected", "output", "detail"} & set(trials.columns)
    assert len(trials) == 80  # every trial still counted
    assert table(at, "category", "model_id", "accuracy")["model_id"].nunique() == 2  # the ledger stays
    assert not at.get("download_button") and "results_task" not in [s.key for s in at.selectbox]
    assert any("not shown to your role" in c.value for c in at.caption)

    at = as_role("admin", "results")
    assert {"expected", "output"} <= set(table(at, "run_id", "category", "outcome").columns)
    assert at.selectbox(key="results_task").options


def test_suites_show_only_task_ids_to_a_role_outside_content_roles(app_con, tmp_path, monkeypatch):
    save_suite(app_con, echo_suite())
    path = write_secrets(tmp_path, monkeypatch, team=True)
    content_for_admins(path)
    at = as_role("analyst", "suites")
    tasks = table(at, "id")
    assert list(tasks.columns) == ["id"] and len(tasks) == 40
    assert "say: 1" not in str([d.value.to_dict() for d in at.dataframe])
    assert SUITE in table(at, "suite_id", "name", "task_count")["name"].tolist()


def test_review_refuses_a_reviewer_outside_content_roles_with_the_reason(app_con, tmp_path, monkeypatch):
    path = write_secrets(tmp_path, monkeypatch, team=True)
    content_for_admins(path)
    at = as_role("reviewer", "review")
    assert errors(at) == [
        "Review shows task inputs and outputs: Rita Reviewer (reviewer) may not see task inputs and outputs; "
        "ask an admin for the admin role"
    ]
    assert not at.selectbox and not at.metric


LOG = (
    b'{"messages": [{"role": "user", "content": "Where is my parcel?"}, '
    b'{"role": "assistant", "content": "On its way."}]}\n'
)


def test_a_production_log_dropped_on_suites_says_it_belongs_under_results_import(app):
    at = open_page(app, "suites")
    at.file_uploader(key="suites_upload").set_value(("support.jsonl", LOG, "application/jsonl")).run()
    assert not at.exception
    assert any(w.value.startswith("support.jsonl: this is a production log") for w in at.warning)
    assert any("import it under Results import" in w.value for w in at.warning)


def test_the_sidebar_shows_the_database_through_the_stores_redaction(tmp_path, monkeypatch):
    def script():
        from ui.state import sidebar

        sidebar()

    with monkeypatch.context() as patch:  # only the sidebar is drawn: nothing connects to that store
        patch.setenv("ROUTEBOARD_DB", "ducklake:postgres:dbname=routeboard host=/tmp/pg password=hunter2")
        at = AppTest.from_function(script, default_timeout=TIMEOUT_S).run()
    assert not at.exception
    database = [c.value for c in at.sidebar.caption if c.value.startswith("Database:")]
    assert database == ["Database: `ducklake:postgres:dbname=routeboard host=/tmp/pg password=[secret]`"]


def budget(path, usd: float) -> None:
    """Every analyst's monthly budget (the monthly_budget_usd setting)."""
    text = path.read_text().replace('default_role = "viewer"', f'default_role = "viewer"\nmonthly_budget_usd = {usd}')
    path.write_text(text)


def choose_run(at: AppTest, model: str, limit: int, trials: int = 1) -> AppTest:
    at.multiselect(key="run_suites").set_value([SUITE])
    at.number_input(key="run_trials").set_value(trials)
    at.multiselect(key="run_models").set_value([model])
    at.number_input(key="run_limit").set_value(limit)
    return at.run()


def test_an_analyst_over_budget_is_refused_at_launch_before_any_call(app_con, models, fake, tmp_path, monkeypatch):
    save_suite(app_con, echo_suite())
    budget(write_secrets(tmp_path, monkeypatch, team=True), 0.01)  # estimated: 120 calls, $0.017
    at = choose_run(as_role("analyst", "run"), PRICEY, 40, trials=3)
    assert "Your monthly budget: $0.01 of $0.01 left this month" in " ".join(c.value for c in at.caption)
    at.button(key="run_launch").click().run()
    assert not at.exception
    refusal = errors(at)
    assert len(refusal) == 1
    assert refusal[0].startswith(
        "Ana Analyst (analyst) has $0.01 of $0.01 left this month; the run may cost up to $0.0168"
    )
    assert fake.calls == []
    assert app_con.cursor().execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_an_analyst_within_budget_launches_and_the_run_is_theirs(app_con, models, fake, tmp_path, monkeypatch):
    save_suite(app_con, echo_suite())
    budget(write_secrets(tmp_path, monkeypatch, team=True), 5.0)
    at = choose_run(as_role("analyst", "run"), CHEAP, 10)
    at.button(key="run_launch").click().run()
    assert not at.exception and not at.error
    started = [s.value for s in at.success if s.value.startswith("Run ")]
    assert len(started) == 1
    run_id = started[0].split()[1]
    assert runs.registry()[run_id].done.wait(TIMEOUT_S)
    launched_by = app_con.cursor().execute("SELECT launched_by FROM runs WHERE run_id = ?", [run_id]).fetchone()
    assert launched_by == ("ana@example.com",)
    assert len(fake.calls) == 10
    assert list(audit.trail(app_con, action="launch_run")["user_id"]) == ["ana@example.com"]


def test_a_viewer_is_offered_no_first_run_on_the_overview_and_nothing_runs(
    app_con, models, fake, tmp_path, monkeypatch
):
    save_suite(app_con, echo_suite())
    write_secrets(tmp_path, monkeypatch, team=True)
    at = as_role("viewer", "overview")
    assert not at.exception and [b.key for b in at.button] == ["sign_out"]
    assert "may not launch runs" in at.markdown[0].value
    assert app_con.cursor().execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_only_an_admin_gives_the_app_an_api_key_which_serves_everyone_and_is_audited_without_its_value(
    app_con, isolated_db, tmp_path, monkeypatch
):
    key, value = "DEEPSEEK_API_KEY", "sk-team-test-0123456789abcdef"
    monkeypatch.delenv(key, raising=False)
    write_secrets(tmp_path, monkeypatch, team=True)

    def enter(role: str) -> AppTest:
        at = as_role(role, "models")
        at.selectbox(key="models_key_name").set_value(key)
        at.text_input(key="models_key_value").input(value)
        return at.button(key="models_key_set").click().run()

    def given() -> list[tuple]:
        rows = audit.trail(app_con, action="give_key")
        return [(r.user_id, r.target, json.loads(r.detail)["change"]) for r in rows.itertuples()]

    try:
        at = as_role("analyst", "models")  # an analyst sees no form they may not use, and why
        captions = " ".join(c.value for c in at.caption)
        assert "serves this whole app process until it restarts" in captions
        assert "everyone's runs and judges here use it, not only yours" in captions
        assert (
            "Keys are given by an admin: Ana Analyst (analyst) may not give the app an API key; ask an admin for the "
            "admin role." in captions
        )
        assert not [b for b in at.button if b.key in ("models_key_set", "models_key_forget")]
        assert not at.text_input and key not in os.environ and given() == []

        at = enter("admin")
        assert [s.value for s in at.success] == [
            f"{key} given to this app process: everyone's runs here use it until the app restarts."
        ]
        assert os.environ[key] == value
        assert given() == [("ada@example.com", key, "given")]

        # another person's session of the same process reads the key as given, and is offered no take-back
        at = as_role("analyst", "models")
        assert table(at, "key", "status").set_index("key").loc[key, "status"] == "given in this app process"
        assert not [b for b in at.button if b.key == "models_key_forget"]
        assert os.environ[key] == value

        at = as_role("admin", "models")
        at.button(key="models_key_forget").click().run()
        assert not at.error and key not in os.environ
        assert given() == [
            ("ada@example.com", key, "forgotten"),
            ("ada@example.com", key, "given"),
        ]

        # the value is nowhere in the trail, nor in the database file
        trail = audit.trail(app_con)
        assert value not in trail.astype(str).to_string()
        app_con.execute("CHECKPOINT")
        assert all(value.encode() not in f.read_bytes() for f in isolated_db.parent.iterdir() if f.is_file())
    finally:
        os.environ.pop(key, None)
        provider_keys._given.discard(key)


def sidebar_database(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption if c.value.startswith("Database:")]


def test_the_sidebar_shows_a_viewer_the_stores_kind_and_an_admin_its_address(
    app_con, isolated_db, tmp_path, monkeypatch
):
    write_secrets(tmp_path, monkeypatch, team=True)
    at = as_role("viewer", "overview")
    assert sidebar_database(at) == ["Database: local DuckDB file"]
    assert str(isolated_db.parent) not in str([c.value for c in at.sidebar.caption])

    at = as_role("admin", "overview")
    assert sidebar_database(at) == [f"Database: `{isolated_db}`"]


def test_on_the_shared_store_a_viewer_reads_no_host_port_or_user_and_an_admin_reads_them(
    lake_env,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    conninfo = lake_env["ROUTEBOARD_DB"]  # ducklake:postgres:dbname=... host=... port=... user=...
    address = dict(part.split("=", 1) for part in conninfo.removeprefix("ducklake:postgres:").split())
    write_secrets(tmp_path, monkeypatch, team=True)
    at = as_role("viewer", "overview")
    assert sidebar_database(at) == ["Database: shared store (DuckLake on PostgreSQL)"]
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert not [address[k] for k in ("host", "port", "user") if address[k] in sidebar]

    at = as_role("admin", "overview")
    assert sidebar_database(at) == [f"Database: `{conninfo}`"]

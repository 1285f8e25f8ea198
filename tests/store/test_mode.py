"""A store remembers that it is a team's: once a process with sign-in configured has opened it, a process without
the sign-in settings refuses it in one line (what to set) and writes nothing, rather than acting as a local admin;
a store only ever used locally stays as it was."""

from __future__ import annotations

import json

import duckdb
from streamlit.testing.v1 import AppTest

from routeboard.store.connection import connect
from routeboard.store.mode import team_since
from tests.conftest import run_cli
from tests.servers.postgres import postgres  # noqa: F401  (session fixture)
from tests.ui.conftest import APP, TIMEOUT_S

AUTH = '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
ACCESS = '[routeboard.access]\nusers = { "ann@example.com" = "admin" }\n'


def _counts(path) -> dict[str, int]:
    """Rows per table, read straight from the file (as anyone holding it can)."""
    con = duckdb.connect(str(path))
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables if t != "_store_gate"}
    finally:
        con.close()


def test_a_local_store_stays_local_and_needs_no_secrets_file(isolated_db):
    assert run_cli("sample", "add").returncode == 0
    assert run_cli("--user", "val@example.com", "access", "set", "val@example.com", "--role", "admin").returncode == 0
    con = connect(isolated_db)
    assert team_since(con) is None  # nothing says "team": a later team setup starts from here
    con.close()


def test_a_viewer_without_the_sign_in_settings_cannot_make_themselves_admin_of_a_team_store(isolated_db, tmp_path):
    team = tmp_path / "team.toml"
    team.write_text(AUTH + ACCESS)
    with_team = {"ROUTEBOARD_SECRETS": str(team), "ROUTEBOARD_USER": None}
    assert run_cli("--user", "ann@example.com", "sample", "add", env=with_team).returncode == 0
    before = _counts(isolated_db)  # opened with the team's settings: the store is a team's from now on

    missing = {"ROUTEBOARD_SECRETS": str(tmp_path / "elsewhere.toml"), "ROUTEBOARD_USER": None}
    for command in (
        ("--user", "val@example.com", "access", "set", "val@example.com", "--role", "admin"),
        ("--user", "val@example.com", "models", "add", "acme/x", "--input-price", "1", "--output-price", "2"),
        ("sample", "remove"),
        ("runs", "list", "--json"),
    ):
        refused = run_cli(*command, env=missing)
        assert refused.returncode == 2, command
        assert refused.stdout == ""
        since = json.loads(run_cli("--user", "ann@example.com", "access", "show", "--json", env=with_team).stdout)
        assert refused.stderr.startswith("error: this store is a team's (sign-in since 20"), refused.stderr
        assert "set ROUTEBOARD_SECRETS to the team's secrets file to use it" in refused.stderr
        assert f"there is no secrets file at {tmp_path / 'elsewhere.toml'}" in refused.stderr
        assert since["overrides"] == []  # back in team mode, nobody gained a role
    assert _counts(isolated_db) == before

    no_auth = tmp_path / "local.toml"
    no_auth.write_text(ACCESS)  # a secrets file without [auth]: said so
    refused = run_cli("sample", "remove", env={"ROUTEBOARD_SECRETS": str(no_auth)})
    assert f"({no_auth} has no [auth] section)" in refused.stderr


def test_the_app_started_without_the_sign_in_settings_on_a_team_store_says_why_and_shows_nothing(
    isolated_db, tmp_path, monkeypatch
):
    team = tmp_path / "team.toml"
    team.write_text(AUTH + ACCESS)
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(team))
    connect(isolated_db).close()  # the team's app (or CLI) opened it once
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "elsewhere.toml"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "this store is a team's (sign-in since "
        f"{team_since_text(isolated_db, team, monkeypatch)}): set ROUTEBOARD_SECRETS to the team's secrets file to "
        f"use it (there is no secrets file at {tmp_path / 'elsewhere.toml'})"
    ]
    assert not at.dataframe and not at.title


def team_since_text(path, team, monkeypatch) -> str:
    """The date the store records, read by a process with the team's settings."""
    with monkeypatch.context() as inner:
        inner.setenv("ROUTEBOARD_SECRETS", str(team))
        con = connect(path)
        try:
            return f"{team_since(con):%Y-%m-%d}"
        finally:
            con.close()


def test_on_the_shared_store_a_viewer_compacts_nothing_and_an_admins_compaction_is_audited(
    postgres,  # noqa: F811
    tmp_path,
    monkeypatch,
    capsys,
):
    from routeboard.cli.main import main
    from routeboard.library import save_suite
    from routeboard.team.access import Actor
    from routeboard.team.audit import trail
    from tests.team.test_action_table import ECHO

    monkeypatch.setenv("ROUTEBOARD_DB", f"ducklake:postgres:{postgres.database()}")
    monkeypatch.setenv("ROUTEBOARD_DATA_PATH", str(tmp_path / "lake"))
    team = tmp_path / "team.toml"
    team.write_text(AUTH + '[routeboard.access]\nusers = { "ann@example.com" = "admin" }\n')
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(team))
    con = connect()  # the team's store, remembered in its catalog
    save_suite(con, ECHO, actor=Actor("ann@example.com", "Ann", "admin", "oidc"))

    def snapshots() -> int:
        return con.execute("SELECT count(*) FROM ducklake_snapshots(current_database())").fetchone()[0]

    before = snapshots()
    assert main(["--user", "vic@example.com", "store", "compact", "--keep-days", "0"]) == 2
    assert capsys.readouterr().err == (
        "error: vic@example.com (viewer) may not compact the shared store; ask an admin for the admin role\n"
    )
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "elsewhere.toml"))
    assert main(["--user", "ann@example.com", "store", "compact", "--keep-days", "0"]) == 2
    assert "this store is a team's (sign-in since " in capsys.readouterr().err
    assert snapshots() == before  # nothing expired: time travel kept
    assert trail(con, action="compact_store").empty

    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(team))
    assert main(["--user", "ann@example.com", "store", "compact", "--keep-days", "0"]) == 0
    expired = int(capsys.readouterr().out.split("expired ")[1].split()[0])
    assert expired > 0
    row = trail(con, action="compact_store").iloc[0]
    assert (row["user_id"], row["role"], row["via"]) == ("ann@example.com", "admin", "cli")
    assert json.loads(row["detail"])["expired_snapshots"] == expired
    con.close()


def test_an_app_whose_sign_in_settings_go_while_it_runs_refuses_its_team_store_at_the_next_page(tmp_path, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("ROUTEBOARD_DB", ":memory:")  # one connection for the process's life, as the shared store's
    team = tmp_path / "team.toml"
    team.write_text(AUTH + '[routeboard.access]\nusers = { "ann@example.com" = "admin" }\n')
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(team))
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
        at.user = {"is_logged_in": True, "email": "ann@example.com", "name": "Ann", "sub": "ann@example.com"}
        at.run()
        assert not at.error and [t.value for t in at.title] == ["routeboard"]
        team.write_text(ACCESS)  # [auth] taken out of the file while the app runs
        at.run()
        assert not at.exception
        assert [e.value for e in at.error][0].startswith("this store is a team's (sign-in since ")
        assert not at.title and not at.dataframe
    finally:
        st.cache_resource.clear()

"""Every scrub rule lives in routeboard/secrets.py: keys become "[secret]" wherever they are stored, and a
store address keeps everything but its password, in the audit trail as in the store's own messages."""

from __future__ import annotations

import json

import duckdb
import pytest

from routeboard import secrets
from routeboard.team import audit
from routeboard.team.access import Actor


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "ducklake:postgres:dbname=rb host=/tmp password=hunter2 port=5",
            "ducklake:postgres:dbname=rb host=/tmp password=[secret] port=5",
        ),
        ("ducklake:postgres:dbname=rb password='a b c' host=x", "ducklake:postgres:dbname=rb password=[secret] host=x"),
        (
            "ducklake:postgres:postgresql://ann:s3cr3t@db:5432/rb",
            "ducklake:postgres:postgresql://ann:[secret]@db:5432/rb",
        ),
    ],
)
def test_a_store_address_is_shown_without_its_password(text, shown):
    assert secrets.scrub_text(text) == shown


def test_the_audit_trail_keeps_a_store_address_but_not_its_password(con, isolated_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "no-secrets.toml"))
    ada = Actor("ada@example.com", "Ada", "admin", "oidc")
    audit.record(con, ada, "manage_models", None, {"moved_to": "ducklake:postgres:dbname=rb password=hunter2"})
    con.close()
    with duckdb.connect(str(isolated_db), read_only=True) as reader:
        (detail,) = reader.execute("SELECT detail FROM audit_log").fetchone()
    assert json.loads(detail) == {"moved_to": "ducklake:postgres:dbname=rb password=[secret]"}

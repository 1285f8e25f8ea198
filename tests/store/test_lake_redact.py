"""A shared store's password never reaches a message, the sidebar or a log: the address and DuckDB's own error
text are both redacted."""

from __future__ import annotations

import pytest

from routeboard.errors import StoreError
from routeboard.store.lake import open_lake, redact


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "ducklake:postgres:dbname=rb host=/tmp password=hunter2 port=5",
            "dbname=rb host=/tmp password=[secret] port=5",
        ),
        ("ducklake:postgres:dbname=rb password='a b c' host=x", "dbname=rb password=[secret] host=x"),
        ("ducklake:postgres:postgresql://ann:s3cr3t@db:5432/rb", "postgresql://ann:[secret]@db:5432/rb"),
    ],
)
def test_a_store_address_is_shown_without_its_password(text, shown):
    assert redact(text).endswith(shown)


def test_a_store_that_cannot_be_opened_says_why_without_the_password(tmp_path):
    target = f"ducklake:postgres:dbname=rb host={tmp_path} port=1 password=hunter2"
    with pytest.raises(StoreError) as refused:
        open_lake(target)
    assert "cannot open the shared store" in str(refused.value)
    assert "hunter2" not in str(refused.value)

"""A shared store's password never reaches a message, the sidebar or a log: the address and DuckDB's own error
text are both scrubbed (by routeboard/secrets.py, the one home of scrub rules)."""

from __future__ import annotations

import pytest

from routeboard.errors import StoreError
from routeboard.store.lake import open_lake


def test_a_store_that_cannot_be_opened_says_why_without_the_password(tmp_path):
    target = f"ducklake:postgres:dbname=rb host={tmp_path} port=1 password=hunter2"
    with pytest.raises(StoreError) as refused:
        open_lake(target)
    assert str(refused.value).startswith(
        f"cannot open the shared store ducklake:postgres:dbname=rb host={tmp_path} port=1 password=[secret]: "
    )
    assert "hunter2" not in str(refused.value)

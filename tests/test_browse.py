"""Stored results to look through: a reviewer, who judges outputs blinded, never gets a trial's row (it names the
model behind each output); an analyst does, with the outputs."""

from __future__ import annotations

import pytest

from routeboard.browse import trial_rows
from routeboard.errors import Refused
from routeboard.team.roles import Actor
from tests.store.stored import add_results, add_suite

REVIEWER = Actor("rae@example.com", "Rae", "reviewer", "oidc")
ANALYST = Actor("ben@example.com", "Ben", "analyst", "oidc")


def test_a_reviewer_is_refused_trial_rows_and_an_analyst_reads_them(con):
    add_results(con, "r1", add_suite(con, "emails", "replies", tasks=3), "acme/m", [[True]] * 3)
    with pytest.raises(Refused, match=r"^Rae \(reviewer\) may not see outputs beside the model"):
        trial_rows(con, actor=REVIEWER)
    rows = trial_rows(con, actor=ANALYST)
    assert len(rows) == 3 and set(rows["model_id"]) == {"acme/m"} and "output" in rows

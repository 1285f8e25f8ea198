"""A campaign that stops at the route over the shipped suites, on the embedded model and a loopback "hosted" model
(perf/echo_server.py, priced as a hosted API), from the command line: its plan before it starts, its progress, and
why each model stopped, in words; and it stops after its first round, where a full run would send every task to
both. tests/ui/test_run_route.py runs the same campaign from the Run page."""

from __future__ import annotations

import duckdb
import pytest

from routeboard.catalog.models import EMBEDDED_ID
from tests.conftest import run_cli
from tests.servers.echo import serve_echo

pytestmark = [pytest.mark.real_model, pytest.mark.timeout(1500)]

SHIPPED = (
    "arithmetic-word-problems",
    "customer-request-classification",
    "document-extraction",
    "financial-analysis",
    "internal-email-drafting",
)
CATEGORIES = (
    "arithmetic word problems",
    "customer-request classification",
    "document extraction",
    "financial analysis",
    "internal email drafting",
)
HOSTED = "openai/echo-hosted"
LIMIT, ROUND = 10, 5


def prepare(echo_url: str) -> None:
    assert run_cli("suites", "import", "--shipped").returncode == 0
    added = run_cli("models", "add", HOSTED, "--tier", "small-proprietary", "--input-price", "0.15",
                    "--output-price", "0.6", "--api-base", echo_url)  # fmt: skip
    assert added.returncode == 0, added.stderr


def trials_by_model(db, run_id: str) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT model_id, count(*) FROM trials WHERE run_id = ? GROUP BY 1", [run_id]).fetchall()
    return dict(rows)


@pytest.fixture
def echo_url():
    with serve_echo() as url:
        yield url


def test_a_campaign_over_the_shipped_suites_from_the_command_line(isolated_db, echo_url):
    prepare(echo_url)
    args = [arg for name in SHIPPED for arg in ("--suite", name)]
    options = ["--until-route", "--round-tasks", str(ROUND), "--limit", str(LIMIT), "--max-tokens", "8"]
    ran = run_cli("run", *args, "--model", EMBEDDED_ID, "--model", HOSTED, *options, env={"COLUMNS": "250"},
                  timeout=1200)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    # the plan: the estimate's spend of this run beside the full run's, and every category's race before round 1
    assert "until the route: expected $" in ran.stderr and "the full run: $" in ran.stderr
    for category in CATEGORIES:
        assert f"{category}: deciding between " in ran.stderr
    # where it ended: each category's race and each model's reason (the 135M model and an echo clear no bar)
    run_id = ran.stdout.split()[1]
    finished = ran.stdout.splitlines()
    for category in CATEGORIES:
        line = next(i for i, text in enumerate(finished) if text.startswith(f"{category}: "))
        assert finished[line].split(": ", 1)[1].startswith("no candidate can clear the ")
        reasons = finished[line + 1 : line + 3]
        assert sorted(r.split(":")[0].strip() for r in reasons) == sorted([EMBEDDED_ID, HOSTED])
        assert all(": stopped after 5 tasks: at most " in r for r in reasons), reasons
    # after its first round: 5 tasks a suite, where the full run would send all 10 to both models
    assert trials_by_model(isolated_db, run_id) == {EMBEDDED_ID: ROUND * len(SHIPPED), HOSTED: ROUND * len(SHIPPED)}

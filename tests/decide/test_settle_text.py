"""What a person reads about settling a verdict, through the CLI: tasks needed bounded by what the suites can still
give, which way it would likely settle, nothing needed once settled, and a failing model never 'excluded by
min_tasks' (docs/design.md, "Deciding"; issue 19's reproductions)."""

from __future__ import annotations

import csv
import json
import re

from routeboard.catalog.models import add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.library import save_suite
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from tests.conftest import run_cli
from tests.fakes import FakeProvider, install_fake

WIDE = {"COLUMNS": "400"}  # the reason column whole, on few lines


def _import(tmp_path, rows: list[list], bar: float) -> None:
    path = tmp_path / "results.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["task_id", "category", "model", "correct", "cost_usd"])
        writer.writerows(rows)
    result = run_cli("results", "import", str(path), "--bar", str(bar))
    assert result.returncode == 0, result.stderr


def _route_text() -> str:
    """The routes table's reasons as printed (piped: plain text, one line a row, the reason last)."""
    printed = run_cli("route", env=WIDE).stdout
    rows = printed.splitlines()[2:]  # after the title and the header
    return " ".join(re.split(r"\s{2,}", line.strip())[-1] for line in rows)


def test_a_suite_run_to_its_last_task_cannot_promise_thousands_more(tmp_path):
    # 144 of 150 right against a 95% bar: undecided, and only about 1,700 more tasks would settle it; the suite has
    # 150 and the model has run every one
    _import(
        tmp_path,
        [[f"t{i}", "ticket triage", "acme/a", "true" if i % 25 else "false", 0.0001] for i in range(150)],
        0.95,
    )
    text = _route_text()
    assert "it cannot settle on the 150 tasks its suites have (it has run every one)" in text
    assert "it would need about 1,6" in text and "as clears" in text and "add tasks to the suite" in text
    assert "more tasks would likely settle it" not in text
    [route] = json.loads(run_cli("route", "--json").stdout)
    assert route["tasks_needed"] is None  # not a number the suites can give
    [row] = json.loads(run_cli("report", "--json").stdout)
    assert (row["verdict"], row["tasks_needed"]) == ("undecided", None)


def test_tasks_needed_says_which_way_it_would_likely_settle(con):
    # a 400-task suite of which the fake answers every 10th wrong; the run sends the first 50: 45 of 50 against a
    # 94% bar is undecided, and more tasks at 90% would likely show it fails
    tasks = tuple(Task(id=f"t{i}", input=f"say: {i}", expected="x" if i % 10 == 0 else str(i)) for i in range(400))
    save_suite(con, Suite(name="echo", category="echo", grader=GraderSpec("exact"), bar=0.94, tasks=tasks))
    add_model(con, "fake/right", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=1.0)
    install_fake(FakeProvider())
    start_run(con, RunRequest(suites=("echo",), models=("fake/right",), limit=50)).run()
    con.close()  # the CLI opens the file in its own process
    text = _route_text()
    assert "more tasks would likely settle it as fails" in text
    [route] = json.loads(run_cli("route", "--json").stdout)
    assert route["verdict"] == "undecided" and 0 < route["tasks_needed"] <= 350  # what the suite has left


def test_settled_rows_need_no_more_tasks_and_min_tasks_waits_only_for_a_model_that_could_clear(tmp_path):
    # ten tasks each against a 90% bar: five right fails (upper bound 76%) whatever more tasks it gets; ten right is
    # undecided (lower bound 72%), and min_tasks (30) keeps it waiting
    rows = [[f"t{i}", "replies", "acme/weak", "true" if i % 2 else "false", 0.0001] for i in range(10)]
    rows += [[f"t{i}", "replies", "acme/strong", "true", 0.0001] for i in range(10)]
    _import(tmp_path, rows, 0.9)
    report = {row["model"]: row for row in json.loads(run_cli("report", "--json").stdout)}
    weak, strong = report["acme/weak"], report["acme/strong"]
    assert (weak["verdict"], weak["excluded"], weak["tasks_needed"]) == ("fails", None, None)
    assert (strong["verdict"], strong["excluded"]) == ("undecided", "min_tasks")
    # it would clear on 35 tasks all right (25 more), but its suite has only these ten: no number it can give
    assert (strong["tasks_needed"], strong["tasks_to_settle"], strong["settles_as"]) == (None, 25, "clears")
    assert weak["tasks_to_settle"] is None and weak["settles_as"] is None


def test_a_model_far_under_the_bar_fails_and_is_never_excluded_by_min_tasks(tmp_path):
    # five of ten right against a 90% bar: it fails whatever it gets, so no 'excluded until it has 20 more tasks'
    _import(tmp_path, [[f"t{i}", "replies", "acme/weak", "true" if i % 2 else "false", 0.0001] for i in range(10)], 0.9)
    text = _route_text()
    assert "nearest is acme/weak" in text and "it fails: even its interval's upper bound, 76.3%, is under" in text
    assert "min_tasks" not in text and "more tasks" not in text

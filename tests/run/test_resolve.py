"""A run named by a suite file stores that suite with the run itself, once every check has passed: a refused run
leaves no suite behind, a launched one records the upload under the person who launched it."""

from __future__ import annotations

import json

import pytest

from routeboard.catalog.models import add_model
from routeboard.errors import NotFound
from routeboard.library import save_suite, update_suite_settings
from routeboard.providers.base import GenerationSettings
from routeboard.run.request import RunRequest
from routeboard.run.resolve import resolve_suites
from routeboard.run.start import start_run
from routeboard.store.suites import list_suites
from routeboard.suites import load_suite
from tests.fakes import FakeProvider, install_fake


def _suite_file(tmp_path, n: int = 5):
    lines = [json.dumps({"id": f"t{i}", "input": f"say: {i}", "expected": str(i)}) for i in range(n)]
    path = tmp_path / "echo.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _request(path, model: str) -> RunRequest:
    return RunRequest(suites=(str(path),), models=(model,), settings=GenerationSettings(max_output_tokens=8))


def test_resolving_a_suite_file_writes_nothing(con, tmp_path):
    [(suite_id, suite)] = resolve_suites(con, (str(_suite_file(tmp_path)),))
    assert (suite_id, len(suite.tasks)) == ("echo@1", 5)
    assert list_suites(con) == []


def test_a_refused_run_leaves_no_suite_behind(con, tmp_path):
    with pytest.raises(NotFound, match="fake/never-added"):  # the model check comes after the file is read
        start_run(con, _request(_suite_file(tmp_path), "fake/never-added"))
    assert list_suites(con) == []
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_a_launched_run_stores_its_file_suite_and_audits_the_upload(con, tmp_path):
    install_fake(FakeProvider(answer=lambda prompt: prompt.split(": ")[1]))
    add_model(con, "fake/echo", tier="small-proprietary", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    runner = start_run(con, _request(_suite_file(tmp_path), "fake/echo"))
    assert runner.run().status == "completed"
    assert [s["suite_id"] for s in list_suites(con)] == ["echo@1"]
    actions = [a for (a,) in con.execute('SELECT action FROM audit_log ORDER BY "at"').fetchall()]
    assert actions[:3] == ["manage_models", "upload_suite", "launch_run"]  # the model was added first
    correct = con.execute("SELECT count(*) FROM trials WHERE suite_id = 'echo@1' AND correct").fetchone()[0]
    assert correct == 5


def test_a_stored_suite_whose_bar_changed_in_place_runs_under_its_own_id(con, tmp_path):
    install_fake(FakeProvider(answer=lambda prompt: prompt.split(": ")[1]))
    add_model(con, "fake/echo", tier="small-proprietary", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    [stored] = import_suite_file(con, _suite_file(tmp_path))
    update_suite_settings(con, stored, bar=0.8)  # settings change in place: the stored content hash stays
    runner = start_run(con, _request("echo", "fake/echo"))
    assert runner.run().status == "completed"
    assert [s["suite_id"] for s in list_suites(con, all_versions=True)] == ["echo@1"]


def import_suite_file(con, path) -> list[str]:
    return [save_suite(con, load_suite(path)).suite_id]

"""The run engine against real components: the embedded model, llama_cpp.server (the OpenAI-compatible path
through litellm), an Ollama-speaking loopback server backed by the real model, and a fault-injecting server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import duckdb
import pytest

from routeboard.catalog.models import EMBEDDED_ID, add_model
from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.providers.embedded import embedded_model_path
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.store.runs import run_totals
from routeboard.suites import load_suite
from tests.conftest import ROOT, run_cli
from tests.servers.fault_server import serve_faults
from tests.servers.ollama_server import MODEL_NAME, serve_ollama

pytestmark = pytest.mark.real_model


def read_only(path):
    return duckdb.connect(str(path), read_only=True)


def echo_suite(tmp_path, n: int):
    lines = [json.dumps({"id": f"t{i}", "input": f"say: {i}", "expected": str(i)}) for i in range(n)]
    (tmp_path / "echo.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path / "echo.jsonl"


def test_cli_run_on_the_embedded_model_stores_real_attempts(isolated_db):
    assert run_cli("suites", "import", "--shipped").returncode == 0
    result = run_cli(
        "run",
        "--suite",
        "customer-request-classification",
        "--model",
        EMBEDDED_ID,
        "--limit",
        "10",
        "--trials",
        "2",
        "--max-tokens",
        "16",
        "--json",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)  # --json: one document on stdout and nothing else
    assert (summary["status"], summary["trials"], summary["total_trials"]) == ("completed", 20, 20)
    con = read_only(isolated_db)
    keys = con.execute(
        "SELECT count(*), count(DISTINCT (task_id, trial)) FROM trials WHERE run_id = ?", [summary["run_id"]]
    ).fetchone()
    assert keys == (20, 20)
    bad = con.execute(
        """SELECT count(*) FROM attempts WHERE run_id = ? AND (input_tokens < 100 OR output_tokens < 1
                         OR latency_ms <= 0 OR infra_usd <= 0 OR tokens_estimated)""",
        [summary["run_id"]],
    ).fetchone()
    assert bad == (0,)  # every attempt carries the model's own token counts, a latency and its infra cost


def test_every_shipped_suite_runs_on_the_embedded_model(isolated_db):
    assert run_cli("suites", "import", "--shipped").returncode == 0
    args = ["run", "--model", EMBEDDED_ID, "--limit", "2", "--max-tokens", "24", "--json"]
    for name in (
        "arithmetic-word-problems",
        "customer-request-classification",
        "document-extraction",
        "financial-analysis",
        "internal-email-drafting",
    ):
        args += ["--suite", name]
    result = run_cli(*args, timeout=900)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["status"], summary["trials"]) == ("completed", 10)
    con = read_only(isolated_db)
    outcomes = con.execute("SELECT outcome FROM trials WHERE run_id = ?", [summary["run_id"]]).fetchall()
    assert {o for (o,) in outcomes} <= {"accepted", "wrong", "invalid"}  # graded, no provider errors


@pytest.fixture(scope="module")
def llama_server():
    """``python -m llama_cpp.server`` serving the same GGUF on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(embedded_model_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--model_alias",
            "smollm2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/models", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("llama_cpp.server did not start within 120 s")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_openai_compatible_local_server_through_litellm(con, llama_server, tmp_path):
    save_suite(con, load_suite(echo_suite(tmp_path, 3)))
    add_model(
        con,
        "openai/smollm2",
        tier="local",
        input_price_per_mtok_usd=0.0,
        output_price_per_mtok_usd=0.0,
        api_base=llama_server,
    )
    runner = start_run(
        con, RunRequest(suites=("echo",), models=("openai/smollm2",), settings=GenerationSettings(max_output_tokens=8))
    )
    assert runner.run().status == "completed"
    rows = con.execute(
        "SELECT input_tokens, output_tokens, tokens_estimated, error_kind, output FROM attempts WHERE run_id = ?",
        [runner.run_id],
    ).fetchall()
    assert len(rows) >= 3
    assert all(r[0] > 5 and r[1] > 0 and not r[2] and r[3] is None and r[4] for r in rows)


def test_ollama_discovery_and_runs_through_ollama_chat(con, tmp_path, monkeypatch):
    with serve_ollama() as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        listed = run_cli("models", "discover", "--json", env={"OLLAMA_HOST": server.url})
        status = json.loads(listed.stdout)
        assert status["available"] is True
        assert status["models"][0] | {"parameter_size": "134.52M", "quantization": "Q4_1"} == status["models"][0]
        save_suite(con, load_suite(echo_suite(tmp_path, 2)))
        runner = start_run(
            con,
            RunRequest(
                suites=("echo",),
                models=(f"ollama_chat/{MODEL_NAME}",),
                settings=GenerationSettings(max_output_tokens=8),
            ),
        )
        assert runner.run().status == "completed"
        assert ("POST", "/api/chat") in server.httpd.RequestHandlerClass.requests
    rows = con.execute(
        "SELECT input_tokens, output_tokens, error_kind FROM attempts WHERE run_id = ?", [runner.run_id]
    ).fetchall()
    assert rows and all(r[0] > 5 and r[1] > 0 and r[2] is None for r in rows)


FAULT_PLAN = {
    "say: 1": ["rate_limit"],
    "say: 2": ["server"],
    "say: 3": ["slow"],
    "say: 4": ["malformed"],
    "say: 5": ["drop"],
    "say: 6": ["server"] * 10,
}


def fault_plan(prompt: str, number: int) -> str:
    faults = FAULT_PLAN.get(prompt, [])
    return faults[number - 1] if number <= len(faults) else "ok"


def test_faults_are_retried_classified_and_accounted(con, tmp_path):
    save_suite(con, load_suite(echo_suite(tmp_path, 8)))
    with serve_faults(fault_plan, retry_after_s=0.3, slow_s=3.0) as server:
        add_model(
            con,
            "openai/faulty",
            tier="small-proprietary",
            input_price_per_mtok_usd=1.0,
            output_price_per_mtok_usd=2.0,
            api_base=f"{server.url}/v1",
        )
        runner = start_run(
            con,
            RunRequest(
                suites=("echo",),
                models=("openai/faulty",),
                concurrency=4,
                max_attempts=3,
                backoff_base_s=0.05,
                settings=GenerationSettings(max_output_tokens=8, timeout_s=1.0),
            ),
        )
        assert runner.run().status == "completed"
    attempts = {}
    for task_id, _attempt, kind, started in con.execute(
        "SELECT task_id, attempt, error_kind, started_at FROM attempts WHERE run_id = ? ORDER BY ALL", [runner.run_id]
    ).fetchall():
        attempts.setdefault(task_id, []).append((kind, started))
    kinds = {task: [k for k, _ in rows] for task, rows in attempts.items()}
    assert kinds["t0"] == [None]
    assert kinds["t1"] == ["rate_limit", None]
    assert kinds["t2"] == ["server", None]
    assert kinds["t3"] == ["timeout", None]
    assert kinds["t4"][0] in ("malformed", "connection") and kinds["t4"][-1] is None
    assert kinds["t5"][0] in ("malformed", "connection") and kinds["t5"][-1] is None
    assert kinds["t6"] == ["server"] * 3
    gap = (attempts["t1"][1][1] - attempts["t1"][0][1]).total_seconds()
    assert gap >= 0.3  # Retry-After honoured
    outcomes = dict(con.execute("SELECT task_id, outcome FROM trials WHERE run_id = ?", [runner.run_id]).fetchall())
    assert outcomes == {**{f"t{i}": "accepted" for i in range(8)}, "t6": "error"}
    totals = run_totals(con, runner.run_id)[0]
    assert totals["spend_usd"] == pytest.approx(7 * (50 * 1.0 + 5 * 2.0) / 1e6)  # only answered calls billed


def test_kill_9_then_resume_completes_with_no_duplicate_attempts(tmp_path, isolated_db):
    import random

    rng = random.Random(7)
    path = echo_suite(tmp_path, 150)
    with serve_faults(lambda p, n: "ok", latency_s=lambda: rng.uniform(0.02, 0.2)) as server:
        assert (
            run_cli(
                "models",
                "add",
                "openai/loop",
                "--input-price",
                "1",
                "--output-price",
                "2",
                "--api-base",
                f"{server.url}/v1",
            ).returncode
            == 0
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "routeboard",
                "run",
                "--suite",
                str(path),
                "--model",
                "openai/loop",
                "--concurrency",
                "8",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=os.environ.copy(),
        )
        run_id = proc.stdout.readline().split()[-1]
        deadline = time.monotonic() + 60
        while len(server.httpd.RequestHandlerClass.log) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        answered_before = len(server.httpd.RequestHandlerClass.log)
        con = read_only(isolated_db)
        done_before = con.execute("SELECT count(*) FROM trials WHERE run_id = ?", [run_id]).fetchone()[0]
        con.close()
        assert 0 < done_before < 150
        resumed = run_cli("runs", "resume", run_id, "--json", timeout=300)
        assert resumed.returncode == 0, resumed.stderr
        assert json.loads(resumed.stdout)["status"] == "completed"
        answered = len(server.httpd.RequestHandlerClass.log)
    con = read_only(isolated_db)
    trials = con.execute("SELECT count(*), count(DISTINCT task_id) FROM trials WHERE run_id = ?", [run_id]).fetchone()
    assert trials == (150, 150)
    per_key = con.execute(
        """SELECT max(n) FROM (SELECT count(*) AS n FROM attempts WHERE run_id = ?
                             GROUP BY task_id, trial, attempt)""",
        [run_id],
    ).fetchone()
    assert per_key == (1,)
    # asked twice: only the calls in flight at the kill (at most the concurrency, 8) and those answered in the
    # writer's last window (0.25 s on a local file another process may share: AttemptWriter)
    assert answered - 150 <= 40 and answered >= answered_before


def test_cancel_from_another_process_and_ctrl_c_keep_finished_work(tmp_path, isolated_db):
    path = echo_suite(tmp_path, 60)
    with serve_faults(lambda p, n: "ok", latency_s=lambda: 0.1) as server:
        assert (
            run_cli(
                "models",
                "add",
                "openai/loop",
                "--input-price",
                "1",
                "--output-price",
                "2",
                "--api-base",
                f"{server.url}/v1",
            ).returncode
            == 0
        )
        log = server.httpd.RequestHandlerClass.log
        for stop in ("runs cancel", "ctrl-c"):
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "routeboard",
                    "run",
                    "--suite",
                    str(path),
                    "--model",
                    "openai/loop",
                    "--concurrency",
                    "2",
                    "--no-cache",
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            run_id = proc.stdout.readline().split()[-1]
            before = len(log)
            while len(log) < before + 10:
                time.sleep(0.05)
            if stop == "runs cancel":
                said = run_cli("runs", "cancel", run_id)
                assert said.returncode == 0 and "asked the live run" in said.stdout
            else:
                proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=60) == 0
            con = read_only(isolated_db)
            status, done = con.execute(
                """SELECT status, (SELECT count(*) FROM trials t WHERE t.run_id = r.run_id)
                                          FROM runs r WHERE run_id = ?""",
                [run_id],
            ).fetchone()
            con.close()
            assert status == "cancelled" and 5 <= done < 60
            resumed = json.loads(run_cli("runs", "resume", run_id, "--json").stdout)
            assert (resumed["status"], resumed["trials"]) == ("completed", 60)

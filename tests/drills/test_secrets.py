"""Secrets: canary API keys in play during a CLI run (sent to the loopback server, read by the app) never appear in
the database file, its WAL, any file beside it, exports, the CLI's output, or any page the app renders."""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

import routeboard
import ui.state
from routeboard.browse import trial_rows
from routeboard.exports import to_csv
from tests.conftest import ROOT
from tests.drills.support import cli
from tests.servers.fault_server import FaultHandler
from tests.servers.http_base import LoopbackServer

SEED = 5
TASKS = 24
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
MARKER = "zq-answer"  # in every stored answer: proves the page search reads table cells


REFUSED = f"say: {MARKER}-3"  # answered 401 with the key masked, as OpenAI does; the trial ends as an error


class KeyRecordingHandler(FaultHandler):
    """The fault server, noting each request's Authorization header; one task is refused with a 401."""

    keys_seen: list = None

    def do_POST(self):
        key = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        self.keys_seen.append(key)
        if self.read_json()["messages"][-1]["content"] == REFUSED:
            return self.send_json(
                401,
                {
                    "error": {
                        "message": f"Incorrect API key provided: {key[:8]}****{key[-4:]}",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
            )
        return super().do_POST()


def plan(prompt: str, number: int) -> str:
    rng = random.Random(f"{SEED}:{prompt}:{number}")
    return rng.choice(["rate_limit", "server", "malformed", "drop"]) if rng.random() < 0.3 else "ok"


def serve(keys_seen: list) -> LoopbackServer:
    return LoopbackServer(
        KeyRecordingHandler,
        plan=staticmethod(plan),
        log=[],
        lock=threading.Lock(),
        latency_s=None,
        retry_after_s=0.05,
        keys_seen=keys_seen,
    )


def suite_file(folder: Path) -> Path:
    lines = [
        json.dumps({"id": f"t{i}", "input": f"say: {MARKER}-{i}", "expected": f"{MARKER}-{i}"}) for i in range(TASKS)
    ]
    path = folder / "secrets.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def rendered(at: AppTest) -> bytes:
    """Everything a page sent to the browser: every element's message, table bytes and chart specs included."""
    parts = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(proto.SerializeToString())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts.extend(repr(at.session_state[key]).encode() for key in at.session_state)
    return b"\n".join(parts)


def test_canary_keys_never_leave_the_process(isolated_db, tmp_path, monkeypatch):
    canary = f"sk-canary-{uuid.uuid4().hex}"
    secret_canary = f"sk-ant-canary-{uuid.uuid4().hex}"  # given to the app through st.secrets
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "placeholder")
    monkeypatch.delenv("ANTHROPIC_API_KEY")  # restored to unset afterwards: the app will set it from secrets
    db = isolated_db
    outputs: list[str] = []
    seen: list = []
    with serve(seen) as server:
        steps = [
            (
                "models",
                "add",
                "openai/canary",
                "--input-price",
                "1",
                "--output-price",
                "2",
                "--api-base",
                f"{server.url}/v1",
            ),
            ("run", "--suite", str(suite_file(tmp_path)), "--model", "openai/canary", "--concurrency", "4"),
            ("runs", "list"),
            ("models", "list", "--json", "--no-ollama"),
            ("export", "routes", "--json"),
            ("export", "routes", "--csv"),
            ("export", "litellm-router"),
            ("export", "litellm-router", "--out", str(tmp_path / "router.yaml")),
        ]
        for step in steps:
            done = cli(*step, db=db)
            assert done.returncode == 0, (step, done.stderr)
            outputs += [done.stdout, done.stderr]
    assert canary in seen  # the key was in play: litellm sent it to our server
    assert f"completed: {TASKS}/{TASKS} trials" in outputs[2]  # the run did run (one trial refused with a 401)
    assert all(canary not in out for out in outputs)

    con = routeboard.connect(db)
    results_csv = to_csv(trial_rows(con))
    refused = con.execute("SELECT error FROM attempts WHERE error_kind = 'auth'").fetchall()
    (run_id,) = con.execute("SELECT run_id FROM runs").fetchone()
    con.close()
    shown = cli("runs", "show", run_id, "--json", db=db)
    outputs += [shown.stdout, shown.stderr]
    assert len(refused) == 1 and "Incorrect API key provided: sk-canar****" in refused[0][0]  # masked, as sent
    assert MARKER in results_csv and canary not in results_csv
    assert all(canary not in out for out in outputs)

    # the app, with its own secrets holding a second canary: app.py first (it loads secrets into the environment
    # and draws the sidebar, which says which keys are set), then every page (AppTest runs a page file directly)
    for page in ["app", *PAGES]:
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.secrets["ANTHROPIC_API_KEY"] = secret_canary
        if page != "app":
            at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        body = rendered(at)
        if page == "app":
            assert "OpenAI set" in body.decode(errors="replace") and "Anthropic set" in body.decode(errors="replace")
        if page == "results":
            assert MARKER.encode() in body  # the search does see table cells
        assert canary.encode() not in body and secret_canary.encode() not in body, page
    time.sleep(ui.state.LINGER_S + 0.5)
    assert not ui.state.store().is_open  # every page run let go of the file
    st.cache_data.clear()
    st.cache_resource.clear()
    assert os.environ.get("ANTHROPIC_API_KEY") == secret_canary  # the app did take the key from its secrets

    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert db in files and any(p.name == "router.yaml" for p in files)
    for path in files:  # the database, its WAL if any, the export written with --out, anything else
        data = path.read_bytes()
        assert canary.encode() not in data and secret_canary.encode() not in data, path

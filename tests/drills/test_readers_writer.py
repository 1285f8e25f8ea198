"""Readers and a writer: 8 browser sessions of the served dashboard keep reading the Overview and Results pages
while a run launched in the server process writes into the same database through the app's one connection. No
read fails, no count goes back, and a page drawn after the run shows the final count from refreshed caches.

AppTest instances cannot run in parallel threads (they swap Streamlit's process-wide runtime), so the sessions
speak the browser's own websocket protocol to ``streamlit`` serving app.py (see tests/drills/served_app.py)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field

import pyarrow as pa
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from tests.conftest import ROOT
from tests.drills.served_app import MODELS, TASKS

SESSIONS = 8
READ_S = 20.0
TOTAL = TASKS * len(MODELS)


@dataclass
class Page:
    """What one script run of a page sent to the browser."""

    elements: list = field(default_factory=list)  # (type, proto) in arrival order
    status: str = ""

    def of(self, kind: str) -> list:
        return [proto for element_type, proto in self.elements if element_type == kind]

    def problems(self) -> list[str]:
        found = [f"exception: {e.message}" for e in self.of("exception")]
        found += [f"error: {a.body}" for a in self.of("alert") if a.format == Alert.ERROR]
        if self.status != "FINISHED_SUCCESSFULLY":
            found.append(f"script ended {self.status or 'without finishing'}")
        return found

    def trials(self) -> int | None:
        """N from the Results page's "Trials (N)" heading."""
        for heading in self.of("heading"):
            match = re.fullmatch(r"Trials \(([\d,]+)\)", heading.body)
            if match:
                return int(match.group(1).replace(",", ""))
        return None

    def metric(self, label: str) -> int | None:
        values = [m.body for m in self.of("metric") if m.label == label]
        return int(values[0].replace(",", "")) if values else None

    def tables(self) -> list:
        """Every table drawn: interactive ones (st.dataframe) and static ones (st.table, e.g. the routing board)."""
        return [
            pa.ipc.open_stream(d.arrow_data.data).read_all().to_pandas()
            for d in [*self.of("dataframe"), *self.of("table")]
            if d.arrow_data.data
        ]


class Browser:
    """One browser tab: a websocket session that asks for pages by name and reads every message of the run."""

    def __init__(self, port: int):
        self._connection = connect(f"ws://127.0.0.1:{port}/_stcore/stream", max_size=None, open_timeout=30)
        self.cache: dict[str, ForwardMsg] = {}  # the browser's message cache: the server may send references

    def __enter__(self) -> Browser:
        self.ws = self._connection.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._connection.__exit__(*exc)

    def open(self, page: str) -> Page:
        request = BackMsg()
        request.rerun_script.page_name = page
        self.ws.send(request.SerializeToString())
        shown = Page()
        while True:
            message = ForwardMsg()
            message.ParseFromString(self.ws.recv(timeout=90))
            if message.WhichOneof("type") == "ref_hash":
                message = self.cache[message.ref_hash]
            elif message.hash:
                self.cache[message.hash] = message
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                shown.elements.append((element.WhichOneof("type"), getattr(element, element.WhichOneof("type"))))
            elif kind == "script_finished":
                shown.status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                if message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return shown


class Session(threading.Thread):
    """One user flipping between Overview and Results until the time is up."""

    def __init__(self, port: int, stop_at: float):
        super().__init__(daemon=True)
        self.port, self.stop_at = port, stop_at
        self.reads = 0
        self.failures: list[str] = []
        self.trials_seen: list[int] = []
        self.attempts_seen: list[int] = []

    def run(self) -> None:
        try:
            with Browser(self.port) as browser:
                self._read(browser)
        except Exception as exc:  # noqa: BLE001 - a refused or dropped session is a failed read
            self.failures.append(f"session: {exc!r}")

    def _read(self, browser: Browser) -> None:
        while time.monotonic() < self.stop_at and len(self.failures) < 5:
            for page in ("overview", "results"):
                try:
                    shown = browser.open(page)
                except Exception as exc:  # noqa: BLE001 - a timeout or a dropped session
                    self.failures.append(f"{page}: {exc!r}")
                    continue
                if shown.problems():
                    self.failures.append(f"{page}: {shown.problems()}")
                    continue
                self.reads += 1
                if page == "results" and shown.trials() is not None:
                    self.trials_seen.append(shown.trials())
                if page == "overview" and shown.metric("Attempts stored") is not None:
                    self.attempts_seen.append(shown.metric("Attempts stored"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the dashboard did not start within 90 s")


def test_eight_sessions_read_while_a_run_writes_and_then_see_the_final_count(isolated_db, tmp_path):
    port, go, done, log = free_port(), tmp_path / "go", tmp_path / "done.json", tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.drills.served_app", str(port), str(go), str(done)],
            cwd=ROOT,
            env={**os.environ, "ROUTEBOARD_DB": str(isolated_db)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(port, server, log)
        sessions = [Session(port, time.monotonic() + READ_S) for _ in range(SESSIONS)]
        for session in sessions:
            session.start()
        time.sleep(2.0)  # the sessions are reading; now the run starts writing
        go.touch()
        for session in sessions:
            session.join(timeout=READ_S + 120)
        deadline = time.monotonic() + 120
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        final = json.loads(done.read_text())
        with Browser(port) as after:
            results, overview = after.open("results"), after.open("overview")
    finally:
        server.terminate()
        server.wait(timeout=60)

    assert (final["error"], final["status"], final["done"]) == (None, "completed", TOTAL)
    assert [
        line for line in log.read_text().splitlines() if re.search(r"Traceback|[Ll]ock|[Cc]onflict|Error", line)
    ] == []  # nothing went wrong off-page either
    assert not any(s.is_alive() for s in sessions)
    assert [f for s in sessions for f in s.failures] == []  # no lock, conflict or other error on any read
    assert all(s.reads >= 4 for s in sessions), [s.reads for s in sessions]
    for session in sessions:  # a session never sees a count go back
        assert session.trials_seen == sorted(session.trials_seen)
        assert session.attempts_seen == sorted(session.attempts_seen)
    seen = sorted({n for s in sessions for n in s.trials_seen})
    assert len([n for n in seen if 0 < n < TOTAL]) >= 2  # reads overlapped the writes and saw them progress

    # after the run: the final count, in the trial table's heading and in the cached ledger behind the board
    assert results.problems() == [] and results.trials() == TOTAL
    ledger = [t for t in results.tables() if {"model_id", "trials", "cpat_usd"} <= set(t.columns)]
    # the page shows counts as text with thousands separators ("1,200"): read them as a person would
    trials = ledger[0]["trials"].astype(str).str.replace(",", "").astype(int) if len(ledger) == 1 else None
    assert len(ledger) == 1 and int(trials.sum()) == TOTAL
    assert overview.problems() == [] and overview.metric("Attempts stored") >= TOTAL
    print(
        f"\nreaders/writer: {sum(s.reads for s in sessions)} page reads by {SESSIONS} sessions in {READ_S:.0f} s; "
        f"trial counts seen while the run wrote: {len(seen)} distinct, from {seen[0]} to {seen[-1]}"
    )

"""The launcher (`python -m ui.serve`, what `make run` starts): it preloads only what the first page imports anyway,
and the app it starts answers like `streamlit run app.py`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.servers.streamlit_app import free_port, start_app, stop, wait_healthy
from ui.serve import PRELOAD

ROOT = Path(__file__).resolve().parents[2]
# what the first page must never load (litellm and friends take seconds to import)
HEAVY = ("litellm", "llama_cpp", "tiktoken", "openai", "ollama")


def test_the_preloaded_modules_are_ones_the_first_page_imports_anyway(tmp_path):
    code = """
import json, sys
from streamlit.testing.v1 import AppTest
AppTest.from_file("app.py", default_timeout=120).run()
print(json.dumps(sorted(sys.modules)))
"""
    env = {**os.environ, "ROUTEBOARD_DB": str(tmp_path / "rb.duckdb"), "OLLAMA_HOST": "http://127.0.0.1:9"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert set(PRELOAD) <= loaded, set(PRELOAD) - loaded  # no import the page would not do itself
    assert not [m for m in HEAVY if m in loaded]


def test_the_launcher_serves_the_app_with_streamlits_own_flags(tmp_path):
    port = free_port()
    log = tmp_path / "streamlit.log"
    process = start_app(tmp_path / "rb.duckdb", log, port)  # python -m ui.serve --server.port N ...
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert "<title>Streamlit</title>" in page.read().decode()
    finally:
        stop(process)
    text = log.read_text()
    assert f"127.0.0.1:{port}" in text and "Traceback" not in text and "WARNING" not in text, text

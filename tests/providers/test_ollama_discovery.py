"""Ollama discovery: a plain socket says when nothing listens (without importing the client); a server that
answers is asked through the real ollama client over loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from routeboard.providers.ollama import discover_ollama
from tests.conftest import ROOT

TAGS = {
    "models": [
        {
            "name": "qwen3:4b",
            "model": "qwen3:4b",
            "modified_at": "2026-01-01T00:00:00Z",
            "size": 2_500_000_000,
            "digest": "abc",
            "details": {"family": "qwen3", "parameter_size": "4.0B", "quantization_level": "Q4_K_M"},
        }
    ]
}


class _Tags(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = json.dumps(TAGS).encode() if self.path == "/api/tags" else b"{}"
        self.send_response(200 if self.path == "/api/tags" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def ollama_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tags)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_listening_server_lists_its_models_with_size_and_quantisation(ollama_url):
    status = discover_ollama(ollama_url, timeout_s=2)
    assert status.available and status.reason == ""
    assert status.models == [
        {
            "name": "qwen3:4b",
            "parameter_size": "4.0B",
            "quantization": "Q4_K_M",
            "family": "qwen3",
            "size_bytes": 2_500_000_000,
        }
    ]


def test_nothing_listening_is_said_plainly_without_loading_the_ollama_client():
    code = """
import json, sys
from routeboard.providers.ollama import discover_ollama
status = discover_ollama("http://127.0.0.1:9", timeout_s=1)
print(json.dumps({"available": status.available, "reason": status.reason, "client": "ollama" in sys.modules}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {
        "available": False,
        "reason": "no Ollama server answered at http://127.0.0.1:9 (ConnectionError); start it with `ollama serve` "
        "or set OLLAMA_HOST",
        "client": False,
    }

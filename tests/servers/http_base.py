"""A tiny threaded loopback HTTP server base for test servers (127.0.0.1 only, bounded lifetime)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JSONHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    _body: dict | None = None

    def parse_request(self) -> bool:
        self._body = None  # one handler serves every request of a kept-alive connection
        return super().parse_request()

    def read_json(self) -> dict:
        """The request's JSON body; read once, so subclasses and their parents can both look at it."""
        if self._body is None:
            length = int(self.headers.get("Content-Length") or 0)
            self._body = json.loads(self.rfile.read(length) or b"{}")
        return self._body

    def send_json(self, status: int, body, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class LoopbackServer:
    """Serve a handler class on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, handler_cls, **attrs):
        handler = type(handler_cls.__name__, (handler_cls,), attrs)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # clients that time out close early
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

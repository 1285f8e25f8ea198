"""An OpenAI-compatible loopback server that injects faults: 429 with Retry-After, 500, slow answers past
the timeout, malformed JSON, connections dropped mid-body, and the request's own faults that no retry fixes
(401, 403, 404, 400). ``plan(prompt, call_number)`` picks the fault."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tests.servers.http_base import JSONHandler, LoopbackServer

FAULTS = ("ok", "rate_limit", "server", "slow", "malformed", "drop", "auth", "permission", "not_found", "bad_request")
# The request's own faults, as OpenAI words them: (status, error body).
REFUSALS = {
    "auth": (401, {"message": "invalid api key", "type": "invalid_request_error", "code": "invalid_api_key"}),
    "permission": (403, {"message": "this key may not use the model", "type": "permission_error"}),
    "not_found": (
        404,
        {"message": "The model `nope` does not exist", "type": "invalid_request_error", "code": "model_not_found"},
    ),
    "bad_request": (
        400,
        {
            "message": "context too long: 9000 tokens, the limit is 8192",
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
        },
    ),
}


def answer_for(prompt: str) -> str:
    """The server's deterministic answer: the text after the last colon of the prompt."""
    return prompt.rsplit(":", 1)[-1].strip()


class FaultHandler(JSONHandler):
    plan: Callable[[str, int], str] = None
    log: list = None
    lock: threading.Lock = None
    latency_s: Callable[[], float] = None
    retry_after_s: float = 0.2
    slow_s: float = 3.0
    usage = (50, 5)

    def do_POST(self):
        body = self.read_json()
        prompt = body["messages"][-1]["content"]
        with self.lock:
            self.log.append((time.monotonic(), prompt))
            number = sum(1 for _, p in self.log if p == prompt)
        fault = self.plan(prompt, number)
        if self.latency_s:
            time.sleep(self.latency_s())
        if fault == "rate_limit":
            return self.send_json(
                429,
                {"error": {"message": "rate limited", "type": "rate_limit"}},
                {"Retry-After": f"{self.retry_after_s:g}"},
            )
        if fault in REFUSALS:
            status, error = REFUSALS[fault]
            return self.send_json(status, {"error": error})
        if fault == "server":
            return self.send_json(500, {"error": {"message": "internal error", "type": "server_error"}})
        if fault == "slow":
            time.sleep(self.slow_s)
        if fault == "malformed":
            data = b'{"id": "x", "choices": [{"message": '
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if fault == "drop":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "500")
            self.end_headers()
            self.wfile.write(b'{"id": "chatcmpl-1", "object": "chat.comp')
            self.wfile.flush()
            self.close_connection = True  # the client sees the body end early
            return
        self.send_json(
            200,
            {
                "id": f"chatcmpl-{number}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fault"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer_for(prompt)},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": self.usage[0],
                    "completion_tokens": self.usage[1],
                    "total_tokens": sum(self.usage),
                },
            },
        )


def serve_faults(
    plan: Callable[[str, int], str], latency_s: Callable[[], float] | None = None, **attrs
) -> LoopbackServer:
    return LoopbackServer(
        FaultHandler,
        plan=staticmethod(plan),
        log=[],
        lock=threading.Lock(),
        latency_s=staticmethod(latency_s) if latency_s else None,
        **attrs,
    )

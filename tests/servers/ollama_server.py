"""A loopback server speaking Ollama's REST API (/api/tags, /api/show, /api/chat), backed by the real
embedded SmolLM2 model. The Ollama binary cannot be installed here; this stands in for its HTTP surface only."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from routeboard.providers.base import GenerationSettings
from routeboard.providers.embedded import EmbeddedProvider
from tests.servers.http_base import JSONHandler, LoopbackServer

MODEL_NAME = "smollm2:135m"
DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": "llama",
    "families": ["llama"],
    "parameter_size": "134.52M",
    "quantization_level": "Q4_1",
}


class OllamaHandler(JSONHandler):
    provider: EmbeddedProvider = None
    requests: list = None

    def do_GET(self):
        self.requests.append(("GET", self.path))
        if self.path == "/api/tags":
            self.send_json(
                200,
                {
                    "models": [
                        {
                            "name": MODEL_NAME,
                            "model": MODEL_NAME,
                            "modified_at": "2025-02-07T07:02:00Z",
                            "size": 98362432,
                            "digest": "0" * 64,
                            "details": DETAILS,
                        }
                    ]
                },
            )
        elif self.path == "/api/version":
            self.send_json(200, {"version": "0.5.7"})
        elif self.path == "/":
            self.send_json(200, "Ollama is running")
        else:
            self.send_json(404, {"error": "not found"})

    def do_POST(self):
        body = self.read_json()
        self.requests.append(("POST", self.path))
        if self.path == "/api/show":
            if body.get("model", body.get("name")) != MODEL_NAME:
                return self.send_json(404, {"error": f"model '{body.get('model')}' not found"})
            return self.send_json(
                200,
                {
                    "modelfile": "",
                    "parameters": "",
                    "template": "{{ .Prompt }}",
                    "details": DETAILS,
                    "model_info": {"llama.context_length": 8192},
                    "capabilities": ["completion"],
                },
            )
        if self.path in ("/api/chat", "/api/generate"):
            return self._chat(body)
        self.send_json(404, {"error": "not found"})

    def _chat(self, body):
        if body.get("model") != MODEL_NAME:
            return self.send_json(404, {"error": f"model '{body.get('model')}' not found, try pulling it first"})
        options = body.get("options") or {}
        messages = body.get("messages") or [{"role": "user", "content": body.get("prompt", "")}]
        settings = GenerationSettings(
            temperature=options.get("temperature", 0.0),
            max_output_tokens=options.get("num_predict") or 128,
            seed=options.get("seed"),
        )
        started = time.perf_counter_ns()
        result = self.provider.complete_sync(messages, settings)
        answer = {
            "model": MODEL_NAME,
            "created_at": datetime.now(UTC).isoformat(),
            "message": {"role": "assistant", "content": result.text},
            "done": True,
            "done_reason": "stop",
            "total_duration": time.perf_counter_ns() - started,
            "prompt_eval_count": result.input_tokens,
            "eval_count": result.output_tokens,
        }
        if body.get("stream", True):
            # Ollama streams NDJSON by default; send the whole answer as one chunk then the final one.
            chunk = {**answer, "done": False}
            chunk.pop("prompt_eval_count")
            data = (
                json.dumps(chunk)
                + "\n"
                + json.dumps({**answer, "message": {"role": "assistant", "content": ""}})
                + "\n"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.send_json(200, answer)


def serve_ollama(provider: EmbeddedProvider | None = None) -> LoopbackServer:
    return LoopbackServer(OllamaHandler, provider=provider or EmbeddedProvider(), requests=[])

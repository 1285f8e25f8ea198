"""A loopback OpenAI-compatible chat server that answers at once, for fair peer runs over real HTTP.

``POST /v1/chat/completions`` answers with the last word of the last message (trailing punctuation dropped,
so "Task 7: reply with the number 42." gets "42") and a usage block counting whitespace-separated words
(prompt: every message's words; completion: the answer's), so a client's token parsing can be checked exactly.
``GET /v1/models`` lists the requested model names seen so far; ``GET /stats`` says how many completions were served.
127.0.0.1 only. Prints ``listening http://127.0.0.1:PORT/v1`` once it accepts connections. ``--delay-ms``
makes each answer wait that long (a test that must act while a run is going on).

    .venv/bin/python perf/echo_server.py [--port 0] [--delay-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import socket
import sys
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_served = itertools.count(1)
_state = {"served": 0, "models": set(), "delay_s": 0.0}


def answer_for(prompt: str) -> str:
    """The server's deterministic answer: the prompt's last word without trailing punctuation."""
    words = prompt.split()
    return words[-1].rstrip(".!?,;:") if words else ""


def _text(content) -> str:
    """A message's text: a plain string, or the text parts of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


async def chat_completions(request: Request) -> JSONResponse:
    body = await request.json()
    if _state["delay_s"]:
        await asyncio.sleep(_state["delay_s"])
    messages = body.get("messages") or []
    texts = [_text(m.get("content")) for m in messages]
    answer = answer_for(texts[-1] if texts else "")
    prompt_tokens = sum(len(t.split()) for t in texts)
    completion_tokens = len(answer.split())
    number = next(_served)
    _state["served"] = number
    _state["models"].add(body.get("model", ""))
    return JSONResponse(
        {
            "id": f"chatcmpl-echo-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "echo"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


async def models(request: Request) -> JSONResponse:
    names = sorted(_state["models"]) or ["echo"]
    return JSONResponse({"object": "list", "data": [{"id": n, "object": "model", "owned_by": "echo"} for n in names]})


async def stats(request: Request) -> JSONResponse:
    return JSONResponse({"completions": _state["served"]})


app = Starlette(
    routes=[
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/models", models),
        Route("/stats", stats),
    ]
)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on stdout)")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="each answer waits this long (default: none)")
    args = parser.parse_args()
    _state["delay_s"] = args.delay_ms / 1000
    # Bind first, so the port printed is the one listening (port 0 lets the kernel pick a free one).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))

    async def serve():
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        print(f"listening http://127.0.0.1:{sock.getsockname()[1]}/v1", flush=True)
        await task

    try:
        import uvloop  # requirements-perf.txt: the server's own CPU is shared with the harness measured

        uvloop.run(serve())
    except ImportError:
        asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())

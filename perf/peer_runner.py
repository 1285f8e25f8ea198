"""routeboard's runner against peer eval harnesses: a zero-latency mocked model, or (--http) a loopback server.

The same N tasks ("Task i: reply with the number 42.", expected "42"), the same concurrency, a mocked model that
answers "42" at once, graded by an exact/suffix match:

- routeboard: ``start_run(...).run()`` with the LiteLLM provider and litellm's ``mock_response`` (the real provider
  layer: litellm builds and parses a response object for each call), grading, budget, retries and a DuckDB write of
  every attempt and trial. Timed from opening a fresh database (suite import and planning included) to the end.
- inspect_ai: ``eval()`` of a Task of N ``Sample``s with ``generate()`` and the ``match()`` scorer against
  ``mockllm/model`` returning "42"; ``max_connections`` and ``max_samples`` set to the concurrency, ``display="none"``,
  logs to a temporary folder. Measured twice: ``log_samples=False`` (aggregate log only, what a quick sweep would
  use) and ``log_samples=True`` (every sample stored, the closer match to routeboard storing every attempt).
  Timed from building the Task to ``eval()`` returning.
- promptfoo (optional, Node): ``promptfoo eval`` with the built-in ``echo`` provider (it returns the prompt, which
  ends in "42") and a ``contains: "42"`` assertion, ``--max-concurrency``, ``--no-cache``; telemetry, sharing and
  update checks off. Measured twice: ``--no-write`` (nothing stored but the JSON output file) and writing every
  result to its SQLite database (in a temporary PROMPTFOO_CONFIG_DIR), the closer match to routeboard. ``echo`` has
  no provider layer at all (no SDK, no response object), unlike routeboard's litellm mock and inspect's ModelAPI.
  Its time is the CLI's whole wall time (Node start-up and config load included); the script also prints it net of
  a 2-task run's wall time, which is roughly the start-up.
  promptfoo is not a pip package and is heavy (about 700 npm packages, 1.4 GB of node_modules, ~6 min to install
  here), so it is not in requirements-perf.txt: ``npm install --prefix /tmp/rb-promptfoo promptfoo@0.121.20`` and
  pass ``--promptfoo /tmp/rb-promptfoo/node_modules/.bin/promptfoo`` (or set ROUTEBOARD_PROMPTFOO; that path and
  PATH are also looked up). promptfoo 0.122+ needs Node >= 22.22; 0.121.20 is the last release that runs on Node
  20.20 (this machine's), and downgrading an existing install in place left a broken tree (missing @libsql/client):
  install into an empty folder. Without the CLI the script prints that promptfoo was skipped.

Each harness runs in its own subprocess, so peak RSS (ru_maxrss; for promptfoo the Node child's) is that harness's
own. Import time is not part of the Python measurements: each Python harness first does an untimed warm-up run of
2 tasks, because both import much of themselves lazily on the first call (inspect_ai ~10 s of pydantic models on a
busy 2-core machine); the warm-up time is printed in its own column. Offline: litellm's local cost map, tiktoken
files from litellm's bundled folder (inspect_ai would otherwise fetch them), no telemetry.

The fair run over HTTP (``--http``): each harness's own CLI, in its own process, against a fresh loopback
OpenAI-compatible server (perf/echo_server.py: uvicorn + starlette, answering at once, on the same CPUs), the same
tasks, concurrency and 16-token cap, every result stored; timed from launching the CLI to its exit (start-up,
imports and the final write included), peak RSS from the CLI process's own rusage (wait4), the server's calls
counted to show every answer went over HTTP:

- routeboard: ``python -m routeboard run --suite FILE --model echo --concurrency N --no-cache --json`` after an
  untimed ``models add echo --litellm-model openai/echo --api-base URL --free`` (litellm's openai provider; "echo"
  is unknown to litellm's price map, like a local model); attempts and trials in DuckDB.
- inspect_ai: ``inspect eval peer_task.py@peer --model openai/echo --model-base-url URL -M responses_api=false``
  with ``--max-connections`` and ``--max-samples`` N, ``match()`` scorer; every sample in its eval log.
- promptfoo: ``promptfoo eval`` with ``openai:chat:echo`` and ``apiBaseUrl: URL``, an ``equals: "42"`` assertion,
  ``--max-concurrency N --no-cache``; every result in its SQLite database (temporary PROMPTFOO_CONFIG_DIR).

    .venv/bin/python perf/peer_runner.py [--tasks 10000] [--concurrency 16] [--promptfoo PATH]
    .venv/bin/python perf/peer_runner.py --http --tasks 3000 --concurrency 16 [--only routeboard inspect promptfoo]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODEL = "openai/gpt-4.1-mini"
ANSWER = "42"


def prompt(i: int) -> str:
    return f"Task {i}: reply with the number 42."


def offline_environment() -> None:
    """Before litellm/inspect_ai/tiktoken import: local price map, bundled tokenizer files, no telemetry."""
    from routeboard.settings import prepare_environment

    prepare_environment()  # LITELLM_LOCAL_MODEL_COST_MAP, TIKTOKEN_CACHE_DIR -> litellm's bundled tokenizers
    os.environ.pop("INSPECT_TELEMETRY", None)
    os.environ.pop("INSPECT_API_KEY_OVERRIDE", None)
    os.environ.pop("INSPECT_REQUIRED_HOOKS", None)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- routeboard


def run_routeboard(tasks: int, concurrency: int) -> dict:
    import litellm  # noqa: F401  (import time is not part of the measurement)

    import routeboard
    from routeboard.providers.base import GenerationSettings
    from routeboard.providers.litellm_backend import LiteLLMProvider
    from routeboard.providers.registry import register_provider
    from routeboard.run.request import RunRequest
    from routeboard.run.start import start_run
    from routeboard.store.runs import run_totals

    # litellm's mock_response answers before any request is built, so this key is never sent; the runner refuses a
    # hosted model without one up front (the backend's capabilities do not look at mock_response)
    os.environ.setdefault("OPENAI_API_KEY", "sk-mocked-never-sent")
    register_provider("openai/", lambda: LiteLLMProvider(extra_kwargs={"mock_response": ANSWER}))
    with tempfile.TemporaryDirectory() as tmp:
        suite = Path(tmp) / "peer.jsonl"
        with suite.open("w") as f:
            for i in range(tasks):
                f.write(json.dumps({"id": f"t{i}", "input": prompt(i), "expected": ANSWER}) + "\n")
        started = time.perf_counter()
        con = routeboard.connect(Path(tmp) / "peer.duckdb")
        request = RunRequest(
            suites=(str(suite),),
            models=(MODEL,),
            concurrency=concurrency,
            use_cache=False,
            settings=GenerationSettings(max_output_tokens=16),
        )
        run = start_run(con, request)
        progress = run.run()
        seconds = time.perf_counter() - started
        totals = run_totals(con, run.run_id)[0]
        attempts = con.execute("SELECT count(*) FROM attempts WHERE run_id = ?", [run.run_id]).fetchone()[0]
        con.close()
    return {
        "seconds": seconds,
        "status": progress.status,
        "samples": totals["trials"],
        "correct": totals["accepted"],
        "stored": f"{attempts} attempts + {totals['trials']} trials in DuckDB",
    }


# ---------------------------------------------------------------- inspect_ai


def run_inspect(tasks: int, concurrency: int, log_samples: bool) -> dict:
    import inspect_ai  # noqa: F401  (import time is not part of the measurement)
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.model import ModelOutput, get_model
    from inspect_ai.scorer import match
    from inspect_ai.solver import generate

    def mocked(input, tools, tool_choice, config):  # zero latency, a fresh output per call
        return ModelOutput.from_content(model="mockllm/model", content=ANSWER)

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        model = get_model("mockllm/model", custom_outputs=mocked)
        task = Task(
            dataset=MemoryDataset([Sample(id=f"t{i}", input=prompt(i), target=ANSWER) for i in range(tasks)]),
            solver=generate(),
            scorer=match(),
            name="peer",
        )
        logs = inspect_eval(
            task,
            model=model,
            log_dir=tmp,
            display="none",
            log_level="error",
            max_connections=concurrency,
            max_samples=concurrency,
            max_tasks=1,
            log_samples=log_samples,
            log_realtime=False,
            log_images=False,
            log_model_api=False,
            log_shared=False,
            score_display=False,
            temperature=0.0,
            max_tokens=16,
        )
        seconds = time.perf_counter() - started
        log = logs[0]
        results = log.results
        accuracy = results.scores[0].metrics["accuracy"].value if results and results.scores else None
        log_bytes = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    completed = results.completed_samples if results else 0
    return {
        "seconds": seconds,
        "status": log.status,
        "samples": completed,
        "correct": round(accuracy * completed) if accuracy is not None else None,
        "stored": f"{log_bytes / 1e6:.1f} MB eval log ({'every sample' if log_samples else 'no samples'})",
    }


# ---------------------------------------------------------------- promptfoo


def promptfoo_binary(explicit: str | None) -> str | None:
    for candidate in (
        explicit,
        os.environ.get("ROUTEBOARD_PROMPTFOO"),
        "/tmp/rb-promptfoo/node_modules/.bin/promptfoo",
        shutil.which("promptfoo"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def run_promptfoo(tasks: int, concurrency: int, binary: str, write: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        tests = tmp_path / "tests.jsonl"
        with tests.open("w") as f:
            for i in range(tasks):
                f.write(
                    json.dumps({"vars": {"question": prompt(i)}, "assert": [{"type": "contains", "value": ANSWER}]})
                    + "\n"
                )
        config = tmp_path / "promptfooconfig.yaml"
        config.write_text(
            "description: routeboard peer benchmark\n"
            "prompts:\n  - '{{question}}'\n"
            "providers:\n  - echo\n"
            f"tests: file://{tests}\n"
        )
        output = tmp_path / "out.json"
        env = {
            **os.environ,
            "PROMPTFOO_DISABLE_TELEMETRY": "1",
            "PROMPTFOO_DISABLE_UPDATE": "1",
            "PROMPTFOO_CONFIG_DIR": str(tmp_path / "home"),
            "PROMPTFOO_DISABLE_SHARING": "1",
            "PROMPTFOO_SELF_HOSTED": "1",
            "PROMPTFOO_DISABLE_REMOTE_GENERATION": "true",
            "PROMPTFOO_NO_TESTCASE_ASSERT_WARNING": "1",
            "NO_COLOR": "1",
            "CI": "1",
        }
        command = [
            binary,
            "eval",
            "-c",
            str(config),
            "--max-concurrency",
            str(concurrency),
            "--no-cache",
            "--no-share",
            "--no-table",
            "--no-progress-bar",
            "-o",
            str(output),
        ]
        if not write:
            command.append("--no-write")  # else every result goes to its SQLite file in PROMPTFOO_CONFIG_DIR (temp)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=1800)
        seconds = time.perf_counter() - started
        if not output.exists():
            raise RuntimeError(f"promptfoo failed (exit {done.returncode}): {(done.stderr or done.stdout)[-800:]}")
        data = json.loads(output.read_text())
    stats = (data.get("results") or {}).get("stats") or {}
    passed, failed, errors = stats.get("successes", 0), stats.get("failures", 0), stats.get("errors", 0)
    return {
        "seconds": seconds,
        "status": "success" if done.returncode in (0, 100) else f"exit {done.returncode}",
        "samples": passed + failed + errors,
        "correct": passed,
        "stored": "its SQLite database + JSON output" if write else "JSON output file only (--no-write)",
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


# ---------------------------------------------------------------- over HTTP: a loopback OpenAI-compatible server

ECHO_SERVER = ROOT / "perf" / "echo_server.py"
HTTP_MODEL = "echo"  # unknown to litellm's price map, as a model on a local OpenAI-compatible server is

HTTP_HARNESSES = {
    "routeboard": "routeboard CLI `run`, litellm openai/echo --api-base, DuckDB",
    "inspect": "inspect_ai `inspect eval`, openai provider --model-base-url, eval log",
    "promptfoo": "promptfoo `eval`, openai:chat provider apiBaseUrl, its SQLite",
}


class EchoServer:
    """perf/echo_server.py in its own process on 127.0.0.1 (a free port), for the length of one harness run."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, str(ECHO_SERVER)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        line = self.process.stdout.readline().split()  # "listening http://127.0.0.1:PORT/v1"
        if len(line) != 2:
            self.process.kill()
            raise RuntimeError(
                "perf/echo_server.py did not start (uvicorn and starlette come with llama-cpp-python[server])"
            )
        self.url = line[1]
        return self

    def completions(self) -> int:
        import urllib.request

        with urllib.request.urlopen(self.url.removesuffix("/v1") + "/stats", timeout=10) as response:
            return json.loads(response.read())["completions"]

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


def timed_process(command: list[str], env: dict, cwd: Path) -> dict:
    """Run one harness process to its end: whole-process wall time and the process's own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:  # files: a full pipe cannot stall it
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix in every earlier child's peak)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "seconds": seconds,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "exit": process.returncode,
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
        }


def http_environment(tmp: Path) -> dict:
    """The harness processes' environment: offline, no telemetry, any API key (the server takes any)."""
    offline_environment()
    return {
        **os.environ,
        "OPENAI_API_KEY": "not-needed",
        "ROUTEBOARD_DB": str(tmp / "routeboard.duckdb"),
        "INSPECT_DISABLE_TELEMETRY": "1",
        "PROMPTFOO_DISABLE_TELEMETRY": "1",
        "PROMPTFOO_DISABLE_UPDATE": "1",
        "PROMPTFOO_CONFIG_DIR": str(tmp / "promptfoo-home"),
        "PROMPTFOO_DISABLE_SHARING": "1",
        "PROMPTFOO_SELF_HOSTED": "1",
        "PROMPTFOO_DISABLE_REMOTE_GENERATION": "true",
        "NO_COLOR": "1",
        "CI": "1",
    }


def write_tasks(path: Path, tasks: int, shape: str) -> None:
    with path.open("w") as f:
        for i in range(tasks):
            if shape == "promptfoo":
                row = {"vars": {"question": prompt(i)}, "assert": [{"type": "equals", "value": ANSWER}]}
            else:  # routeboard and inspect_ai read the same JSONL
                row = {"id": f"t{i}", "input": prompt(i), "expected": ANSWER, "target": ANSWER}
            f.write(json.dumps(row) + "\n")


def http_routeboard(server: EchoServer, tmp: Path, tasks: int, concurrency: int, env: dict) -> dict:
    suite = tmp / "peer.jsonl"
    write_tasks(suite, tasks, "routeboard")
    cli = [sys.executable, "-m", "routeboard", "--db", env["ROUTEBOARD_DB"]]
    # setup, not timed: the catalog entry a user adds once for a local server
    subprocess.run(
        [
            *cli,
            "models",
            "add",
            HTTP_MODEL,
            "--litellm-model",
            f"openai/{HTTP_MODEL}",
            "--api-base",
            server.url,
            "--free",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    result = timed_process(
        [
            *cli,
            "run",
            "--suite",
            str(suite),
            "--model",
            HTTP_MODEL,
            "--concurrency",
            str(concurrency),
            "--max-tokens",
            "16",
            "--no-cache",
            "--json",
        ],
        env,
        ROOT,
    )
    try:
        summary = json.loads(result["stdout"])  # `run --json`: one document, read back from the database
    except json.JSONDecodeError:
        raise RuntimeError(f"routeboard run failed (exit {result['exit']}): {result['stderr'][-800:]}") from None
    return {
        **result,
        "samples": summary["trials"],
        "correct": summary["accepted"],
        "stored": f"{summary['attempts']} attempts + {summary['trials']} trials in DuckDB",
    }


INSPECT_TASK = """from inspect_ai import Task, task
from inspect_ai.dataset import json_dataset
from inspect_ai.scorer import match
from inspect_ai.solver import generate


@task
def peer():
    return Task(dataset=json_dataset({tasks!r}), solver=generate(), scorer=match(), name="peer")
"""


def http_inspect(server: EchoServer, tmp: Path, tasks: int, concurrency: int, env: dict) -> dict:
    data = tmp / "peer.jsonl"
    write_tasks(data, tasks, "inspect")
    task_file = tmp / "peer_task.py"
    task_file.write_text(INSPECT_TASK.format(tasks=str(data)))
    logs = tmp / "inspect-logs"
    inspect_cli = str(Path(sys.executable).with_name("inspect"))
    result = timed_process(
        [
            inspect_cli,
            "eval",
            f"{task_file}@peer",
            "--model",
            f"openai/{HTTP_MODEL}",
            "--model-base-url",
            server.url,
            "-M",
            "responses_api=false",
            "--max-connections",
            str(concurrency),
            "--max-samples",
            str(concurrency),
            "--max-tokens",
            "16",
            "--temperature",
            "0",
            "--display",
            "none",
            "--log-level",
            "error",
            "--log-dir",
            str(logs),
            "--no-log-realtime",
            "--no-fail-on-error",
        ],
        env,
        tmp,
    )
    samples, correct = _inspect_counts(logs)
    size = sum(p.stat().st_size for p in logs.rglob("*") if p.is_file()) if logs.exists() else 0
    return {**result, "samples": samples, "correct": correct, "stored": f"{size / 1e6:.1f} MB eval log, every sample"}


def _inspect_counts(logs: Path) -> tuple[int, int | None]:
    from inspect_ai.log import list_eval_logs, read_eval_log

    found = list_eval_logs(str(logs))
    if not found:
        return 0, None
    log = read_eval_log(found[0], header_only=True)
    if not log.results:
        return 0, None
    accuracy = log.results.scores[0].metrics["accuracy"].value if log.results.scores else None
    completed = log.results.completed_samples
    return completed, round(accuracy * completed) if accuracy is not None else None


def http_promptfoo(server: EchoServer, tmp: Path, tasks: int, concurrency: int, env: dict, binary: str) -> dict:
    tests = tmp / "tests.jsonl"
    write_tasks(tests, tasks, "promptfoo")
    config = tmp / "promptfooconfig.yaml"
    config.write_text(
        "description: routeboard peer benchmark over HTTP\n"
        "prompts:\n  - '{{question}}'\n"
        "providers:\n"
        f"  - id: openai:chat:{HTTP_MODEL}\n"
        "    config:\n"
        f"      apiBaseUrl: {server.url}\n"
        "      apiKey: not-needed\n"
        "      temperature: 0\n"
        "      max_tokens: 16\n"
        f"tests: file://{tests}\n"
    )
    output = tmp / "out.json"
    result = timed_process(
        [
            binary,
            "eval",
            "-c",
            str(config),
            "--max-concurrency",
            str(concurrency),
            "--no-cache",
            "--no-share",
            "--no-table",
            "--no-progress-bar",
            "-o",
            str(output),
        ],
        env,
        tmp,
    )
    if not output.exists():
        raise RuntimeError(f"promptfoo failed (exit {result['exit']}): {(result['stderr'] or result['stdout'])[-800:]}")
    stats = (json.loads(output.read_text()).get("results") or {}).get("stats") or {}
    passed, failed, errors = stats.get("successes", 0), stats.get("failures", 0), stats.get("errors", 0)
    return {
        **result,
        "samples": passed + failed + errors,
        "correct": passed,
        "stored": "every result in its SQLite database + JSON output",
    }


def run_http(args) -> None:
    """Each harness against a fresh echo server: same tasks, same concurrency, every result stored."""
    modes = [m for m in (args.only or list(HTTP_HARNESSES)) if m in HTTP_HARNESSES]
    rows, notes = {}, []
    for mode in modes:
        if mode == "promptfoo" and not args.promptfoo:
            notes.append(
                "promptfoo: skipped, CLI not found (npm install --prefix /tmp/rb-promptfoo "
                "promptfoo@0.121.20, then --promptfoo /tmp/rb-promptfoo/node_modules/.bin/promptfoo)"
            )
            continue
        with tempfile.TemporaryDirectory() as tmp, EchoServer() as server:
            env = http_environment(Path(tmp))
            load_before = os.getloadavg()[0]
            try:
                if mode == "routeboard":
                    row = http_routeboard(server, Path(tmp), args.tasks, args.concurrency, env)
                elif mode == "inspect":
                    row = http_inspect(server, Path(tmp), args.tasks, args.concurrency, env)
                else:
                    row = http_promptfoo(server, Path(tmp), args.tasks, args.concurrency, env, args.promptfoo)
            except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
                notes.append(f"{mode}: failed: {str(exc)[-600:]}")
                continue
            row["served"] = server.completions()
            row["load"] = (load_before, os.getloadavg()[0])
            if row["exit"] not in (0, 100):  # promptfoo exits 100 when an assertion fails
                notes.append(f"{mode}: exit {row['exit']}: {(row['stderr'] or row['stdout']).strip()[-600:]}")
            rows[mode] = row
    print_http_table(args, rows, notes)


def print_http_table(args, rows: dict, notes: list[str]) -> None:
    print(
        f"over HTTP: {args.tasks} tasks, concurrency {args.concurrency}, a loopback OpenAI-compatible server "
        f"(perf/echo_server.py, uvicorn + starlette) answering {ANSWER!r} at once on the same {os.cpu_count()} CPUs; "
        "whole-process wall time and peak RSS of each harness's CLI"
    )
    print(
        f"{'harness':<70} {'wall s':>7} {'calls/s':>8} {'peak RSS MB':>12} {'load 1-min':>11}  "
        "correct/samples  calls served  stored"
    )
    for mode, r in rows.items():
        print(
            f"{HTTP_HARNESSES[mode]:<70} {r['seconds']:>7.1f} {args.tasks / r['seconds']:>8.0f} "
            f"{r['peak_rss_mb']:>12.0f} {r['load'][0]:>5.1f}-{r['load'][1]:<5.1f}  {r['correct']}/{r['samples']}"
            f"  {r['served']:>12}  {r['stored']}"
        )
    base = rows.get("routeboard")
    for mode, r in rows.items():
        if base and mode != "routeboard":
            print(
                f"{mode} / routeboard wall time: {r['seconds'] / base['seconds']:.2f}x (> 1: routeboard faster); "
                f"routeboard / {mode} peak RSS: {base['peak_rss_mb'] / r['peak_rss_mb']:.2f}"
            )
    for note in notes:
        print(note)


# ---------------------------------------------------------------- driver

WARM_UP_TASKS = 2  # an untimed run first: both harnesses import much of themselves lazily on the first call

HARNESSES = {
    "routeboard": "routeboard runner (litellm mock_response via LiteLLMProvider)",
    "inspect": "inspect_ai eval, mockllm/model, log_samples=False",
    "inspect-samples": "inspect_ai eval, mockllm/model, log_samples=True",
    "promptfoo": "promptfoo eval, echo provider, --no-write (CLI wall time)",
    "promptfoo-db": "promptfoo eval, echo provider, results to its SQLite (CLI wall)",
}


def child(mode: str, args) -> None:
    offline_environment()
    if mode == "routeboard":
        warm = run_routeboard(WARM_UP_TASKS, args.concurrency)["seconds"]
        result = run_routeboard(args.tasks, args.concurrency)
    elif mode in ("inspect", "inspect-samples"):
        warm = run_inspect(WARM_UP_TASKS, args.concurrency, log_samples=mode == "inspect-samples")["seconds"]
        result = run_inspect(args.tasks, args.concurrency, log_samples=mode == "inspect-samples")
    else:
        write = mode == "promptfoo-db"
        warm = run_promptfoo(WARM_UP_TASKS, args.concurrency, args.promptfoo, write)["seconds"]
        result = run_promptfoo(args.tasks, args.concurrency, args.promptfoo, write)
        result["net_seconds"] = result["seconds"] - warm  # the CLI's start-up and config load, roughly removed
    result["warm_up_s"] = warm
    result.setdefault("peak_rss_mb", peak_rss_mb())
    print(json.dumps(result))


def run_mocked(args) -> None:
    """Each mocked harness in its own child process (``--mode``), then one table."""
    modes = [m for m in (args.only or list(HARNESSES)) if m in HARNESSES]
    results, notes = {}, []
    for mode in modes:
        if mode.startswith("promptfoo") and not args.promptfoo:
            if mode == "promptfoo-db" and "promptfoo" in modes:
                continue  # one note for both
            notes.append(
                "promptfoo: skipped, CLI not found (npm install --prefix /tmp/rb-promptfoo "
                "promptfoo@0.121.20, then --promptfoo /tmp/rb-promptfoo/node_modules/.bin/promptfoo)"
            )
            continue
        command = [
            sys.executable,
            __file__,
            "--mode",
            mode,
            "--tasks",
            str(args.tasks),
            "--concurrency",
            str(args.concurrency),
        ]
        if mode.startswith("promptfoo"):
            command += ["--promptfoo", args.promptfoo]
        load_before = os.getloadavg()[0]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        lines = done.stdout.strip().splitlines()
        try:
            results[mode] = {**json.loads(lines[-1]), "load": (load_before, os.getloadavg()[0])}
        except (IndexError, json.JSONDecodeError):
            notes.append(f"{mode}: failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-600:]}")
    print_mocked_table(args, results, notes)


def print_mocked_table(args, results: dict, notes: list[str]) -> None:
    print(
        f"tasks: {args.tasks}, concurrency: {args.concurrency}, zero-latency mocked model answering {ANSWER!r}; "
        f"{os.cpu_count()} CPUs; load: 1-min load average at the harness's start-end"
    )
    print(
        f"{'harness':<66} {'wall s':>8} {'calls/s':>9} {'peak RSS MB':>12} {'warm-up s':>10} {'load':>9}  "
        "correct/samples  stored"
    )
    for mode, r in results.items():
        warm = f"{r['warm_up_s']:.2f}" if r.get("warm_up_s") is not None else "-"
        load = f"{r['load'][0]:.1f}-{r['load'][1]:.1f}"
        print(
            f"{HARNESSES[mode]:<66} {r['seconds']:>8.2f} {args.tasks / r['seconds']:>9.0f} {r['peak_rss_mb']:>12.0f}"
            f" {warm:>10} {load:>9}  {r['correct']}/{r['samples']} ({r['status']})  {r['stored']}"
        )
    base = results.get("routeboard")
    for mode, r in results.items():
        if base and mode != "routeboard":
            print(
                f"wall-time ratio routeboard / {mode}: {base['seconds'] / r['seconds']:.2f} "
                f"(< 1 means routeboard is faster); peak RSS ratio: {base['peak_rss_mb'] / r['peak_rss_mb']:.2f}"
            )
            if r.get("net_seconds"):
                print(
                    f"  {mode} net of its start-up (wall minus the 2-task run): {r['net_seconds']:.2f} s, "
                    f"{args.tasks / r['net_seconds']:.0f} calls/s; ratio routeboard / {mode} net: "
                    f"{base['seconds'] / r['net_seconds']:.2f}"
                )
    for note in notes:
        print(note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--promptfoo",
        help="path to the promptfoo CLI (default: ROUTEBOARD_PROMPTFOO, "
        "/tmp/rb-promptfoo/node_modules/.bin/promptfoo, PATH)",
    )
    parser.add_argument(
        "--http",
        action="store_true",
        help="the fair run over HTTP: each harness's CLI against a "
        "loopback OpenAI-compatible server (perf/echo_server.py), every result stored",
    )
    parser.add_argument(
        "--only", nargs="+", choices=sorted(set(HARNESSES) | set(HTTP_HARNESSES)), help="run only these harnesses"
    )
    parser.add_argument("--mode", choices=list(HARNESSES), help=argparse.SUPPRESS)  # one harness, in a child process
    args = parser.parse_args()
    if args.mode:
        return child(args.mode, args)
    args.promptfoo = promptfoo_binary(args.promptfoo)
    return run_http(args) if args.http else run_mocked(args)


if __name__ == "__main__":
    main()

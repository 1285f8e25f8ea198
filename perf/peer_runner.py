"""routeboard's runner against peer eval harnesses on the same zero-latency mocked model.

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

    .venv/bin/python perf/peer_runner.py [--tasks 10000] [--concurrency 16] [--promptfoo PATH]
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
    from routeboard.providers import GenerationSettings, register_provider
    from routeboard.providers.litellm_backend import LiteLLMProvider
    from routeboard.run import RunRequest, start_run
    from routeboard.store.runs import run_totals

    register_provider("openai/", lambda: LiteLLMProvider(extra_kwargs={"mock_response": ANSWER}))
    with tempfile.TemporaryDirectory() as tmp:
        suite = Path(tmp) / "peer.jsonl"
        with suite.open("w") as f:
            for i in range(tasks):
                f.write(json.dumps({"id": f"t{i}", "input": prompt(i), "expected": ANSWER}) + "\n")
        started = time.perf_counter()
        con = routeboard.connect(Path(tmp) / "peer.duckdb")
        request = RunRequest(suites=(str(suite),), models=(MODEL,), concurrency=concurrency, use_cache=False,
                             settings=GenerationSettings(max_output_tokens=16))
        run = start_run(con, request)
        progress = run.run()
        seconds = time.perf_counter() - started
        totals = run_totals(con, run.run_id)[0]
        attempts = con.execute("SELECT count(*) FROM attempts WHERE run_id = ?", [run.run_id]).fetchone()[0]
        con.close()
    return {"seconds": seconds, "status": progress.status, "samples": totals["trials"], "correct": totals["accepted"],
            "stored": f"{attempts} attempts + {totals['trials']} trials in DuckDB"}


# ---------------------------------------------------------------- inspect_ai

def run_inspect(tasks: int, concurrency: int, log_samples: bool) -> dict:
    import inspect_ai  # noqa: F401  (import time is not part of the measurement)
    from inspect_ai import Task, eval as inspect_eval
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.model import ModelOutput, get_model
    from inspect_ai.scorer import match
    from inspect_ai.solver import generate

    def mocked(input, tools, tool_choice, config):  # zero latency, a fresh output per call
        return ModelOutput.from_content(model="mockllm/model", content=ANSWER)

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        model = get_model("mockllm/model", custom_outputs=mocked)
        task = Task(dataset=MemoryDataset([Sample(id=f"t{i}", input=prompt(i), target=ANSWER) for i in range(tasks)]),
                    solver=generate(), scorer=match(), name="peer")
        logs = inspect_eval(task, model=model, log_dir=tmp, display="none", log_level="error",
                            max_connections=concurrency, max_samples=concurrency, max_tasks=1,
                            log_samples=log_samples, log_realtime=False, log_images=False, log_model_api=False,
                            log_shared=False, score_display=False, temperature=0.0, max_tokens=16)
        seconds = time.perf_counter() - started
        log = logs[0]
        results = log.results
        accuracy = results.scores[0].metrics["accuracy"].value if results and results.scores else None
        log_bytes = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    completed = results.completed_samples if results else 0
    return {"seconds": seconds, "status": log.status, "samples": completed,
            "correct": round(accuracy * completed) if accuracy is not None else None,
            "stored": f"{log_bytes / 1e6:.1f} MB eval log ({'every sample' if log_samples else 'no samples'})"}


# ---------------------------------------------------------------- promptfoo

def promptfoo_binary(explicit: str | None) -> str | None:
    for candidate in (explicit, os.environ.get("ROUTEBOARD_PROMPTFOO"), "/tmp/rb-promptfoo/node_modules/.bin/promptfoo",
                      shutil.which("promptfoo")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def run_promptfoo(tasks: int, concurrency: int, binary: str, write: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        tests = tmp_path / "tests.jsonl"
        with tests.open("w") as f:
            for i in range(tasks):
                f.write(json.dumps({"vars": {"question": prompt(i)},
                                    "assert": [{"type": "contains", "value": ANSWER}]}) + "\n")
        config = tmp_path / "promptfooconfig.yaml"
        config.write_text("description: routeboard peer benchmark\n"
                          "prompts:\n  - '{{question}}'\n"
                          "providers:\n  - echo\n"
                          f"tests: file://{tests}\n")
        output = tmp_path / "out.json"
        env = {**os.environ, "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1",
               "PROMPTFOO_CONFIG_DIR": str(tmp_path / "home"), "PROMPTFOO_DISABLE_SHARING": "1",
               "PROMPTFOO_SELF_HOSTED": "1", "PROMPTFOO_DISABLE_REMOTE_GENERATION": "true",
               "PROMPTFOO_NO_TESTCASE_ASSERT_WARNING": "1", "NO_COLOR": "1", "CI": "1"}
        command = [binary, "eval", "-c", str(config), "--max-concurrency", str(concurrency), "--no-cache",
                   "--no-share", "--no-table", "--no-progress-bar", "-o", str(output)]
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
    return {"seconds": seconds, "status": "success" if done.returncode in (0, 100) else f"exit {done.returncode}",
            "samples": passed + failed + errors, "correct": passed,
            "stored": "its SQLite database + JSON output" if write else "JSON output file only (--no-write)",
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--promptfoo", help="path to the promptfoo CLI (default: ROUTEBOARD_PROMPTFOO, "
                                            "/tmp/rb-promptfoo/node_modules/.bin/promptfoo, PATH)")
    parser.add_argument("--only", nargs="+", choices=list(HARNESSES), help="run only these harnesses")
    parser.add_argument("--mode", choices=list(HARNESSES), help=argparse.SUPPRESS)  # one harness, in a child process
    args = parser.parse_args()
    if args.mode:
        return child(args.mode, args)

    args.promptfoo = promptfoo_binary(args.promptfoo)
    modes = args.only or list(HARNESSES)
    results, notes = {}, []
    load_before = os.getloadavg()
    for mode in modes:
        if mode.startswith("promptfoo") and not args.promptfoo:
            if mode == "promptfoo-db" and "promptfoo" in modes:
                continue  # one note for both
            notes.append("promptfoo: skipped, CLI not found (npm install --prefix /tmp/rb-promptfoo "
                         "promptfoo@0.121.20, then --promptfoo /tmp/rb-promptfoo/node_modules/.bin/promptfoo)")
            continue
        command = [sys.executable, __file__, "--mode", mode, "--tasks", str(args.tasks),
                   "--concurrency", str(args.concurrency)]
        if mode.startswith("promptfoo"):
            command += ["--promptfoo", args.promptfoo]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        lines = done.stdout.strip().splitlines()
        try:
            results[mode] = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            notes.append(f"{mode}: failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-600:]}")

    load = os.getloadavg()
    print(f"tasks: {args.tasks}, concurrency: {args.concurrency}, zero-latency mocked model answering {ANSWER!r}; "
          f"{os.cpu_count()} CPUs, 1-min load average {load_before[0]:.1f} at start, {load[0]:.1f} at end")
    print(f"{'harness':<66} {'wall s':>8} {'calls/s':>9} {'peak RSS MB':>12} {'warm-up s':>10}  "
          "correct/samples  stored")
    for mode, r in results.items():
        warm = f"{r['warm_up_s']:.2f}" if r.get("warm_up_s") is not None else "-"
        print(f"{HARNESSES[mode]:<66} {r['seconds']:>8.2f} {args.tasks / r['seconds']:>9.0f} {r['peak_rss_mb']:>12.0f}"
              f" {warm:>10}  {r['correct']}/{r['samples']} ({r['status']})  {r['stored']}")
    base = results.get("routeboard")
    if base:
        for mode, r in results.items():
            if mode != "routeboard":
                print(f"wall-time ratio routeboard / {mode}: {base['seconds'] / r['seconds']:.2f} "
                      f"(< 1 means routeboard is faster); peak RSS ratio: {base['peak_rss_mb'] / r['peak_rss_mb']:.2f}")
                if r.get("net_seconds"):
                    print(f"  {mode} net of its start-up (wall minus the 2-task run): {r['net_seconds']:.2f} s, "
                          f"{args.tasks / r['net_seconds']:.0f} calls/s; ratio routeboard / {mode} net: "
                          f"{base['seconds'] / r['net_seconds']:.2f}")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()

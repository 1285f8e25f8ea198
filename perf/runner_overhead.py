"""How much the runner adds over bare litellm calls, and how much memory it needs.

10,000 tasks on a zero-latency mocked litellm backend (``mock_response``): the runner (planning, grading,
budget, retries, DuckDB writes of every attempt) against a bare ``asyncio.gather`` over ``litellm.acompletion``
at the same concurrency. Prints the wall-time ratio (target <= 1.15) and the runner's peak RSS (target <= 400 MB).

    .venv/bin/python perf/runner_overhead.py [--tasks 10000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

MODEL = "openai/gpt-4.1-mini"
ANSWER = "42"


def write_suite(folder: Path, tasks: int) -> Path:
    path = folder / "overhead.jsonl"
    with path.open("w") as f:
        for i in range(tasks):
            f.write(json.dumps({"id": f"t{i}", "input": f"Task {i}: reply with the number 42.", "expected": ANSWER}))
            f.write("\n")
    return path


async def bare(tasks: int, concurrency: int) -> float:
    import litellm

    semaphore = asyncio.Semaphore(concurrency)

    async def one(i):
        async with semaphore:
            await litellm.acompletion(model=MODEL, messages=[{"role": "user", "content": f"Task {i}: reply with the number 42."}],
                                      mock_response=ANSWER, max_retries=0, num_retries=0, temperature=0.0,
                                      max_tokens=16)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(tasks)))
    return time.perf_counter() - started


def runner(tasks: int, concurrency: int) -> tuple[float, int, int]:
    import routeboard
    from routeboard.providers import GenerationSettings, register_provider
    from routeboard.providers.litellm_backend import LiteLLMProvider
    from routeboard.run import RunRequest, start_run
    from routeboard.store.runs import run_totals

    register_provider("openai/", lambda: LiteLLMProvider(extra_kwargs={"mock_response": ANSWER}))
    with tempfile.TemporaryDirectory() as tmp:
        con = routeboard.connect(Path(tmp) / "overhead.duckdb")
        suite = write_suite(Path(tmp), tasks)
        request = RunRequest(suites=(str(suite),), models=(MODEL,), concurrency=concurrency, use_cache=False,
                             settings=GenerationSettings(max_output_tokens=16))
        run = start_run(con, request)
        started = time.perf_counter()
        run.run()
        elapsed = time.perf_counter() - started
        totals = run_totals(con, run.run_id)[0]
        con.close()
    return elapsed, totals["trials"], totals["accepted"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--mode", choices=["both", "bare", "runner"], default="both")
    args = parser.parse_args()
    if args.mode == "bare":
        import litellm  # noqa: F401  (import time is not part of either measurement)

        print(json.dumps({"seconds": asyncio.run(bare(args.tasks, args.concurrency)),
                          "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
        return
    if args.mode == "runner":
        import litellm  # noqa: F401

        seconds, trials, accepted = runner(args.tasks, args.concurrency)
        print(json.dumps({"seconds": seconds, "trials": trials, "accepted": accepted,
                          "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
        return
    # Each side in its own process so neither inherits the other's warm caches or memory.
    results = {}
    for mode in ("bare", "runner"):
        out = subprocess.run([sys.executable, __file__, "--mode", mode, "--tasks", str(args.tasks),
                              "--concurrency", str(args.concurrency)], capture_output=True, text=True, check=True)
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    ratio = results["runner"]["seconds"] / results["bare"]["seconds"]
    print(f"tasks: {args.tasks}, concurrency: {args.concurrency}, model: {MODEL} (litellm mock_response)")
    print(f"bare asyncio.gather over litellm.acompletion: {results['bare']['seconds']:.2f} s")
    print(f"routeboard runner (graded, {results['runner']['trials']} trials stored, "
          f"{results['runner']['accepted']} accepted): {results['runner']['seconds']:.2f} s")
    print(f"wall-time ratio runner/bare: {ratio:.3f} (target <= 1.15)")
    print(f"runner peak RSS: {results['runner']['peak_rss_mb']:.0f} MB (target <= 400 MB); "
          f"bare litellm process: {results['bare']['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()

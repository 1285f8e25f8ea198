"""How fast the runner drives litellm against bare litellm calls, and how much memory it needs.

10,000 tasks on a zero-latency mocked litellm backend (``mock_response``), each side in its own process:

- bare: ``asyncio.gather`` over ``litellm.acompletion`` at the same concurrency, litellm's default settings (the
  path a user's own script would take);
- bare + routeboard settings: the same loop after ``routeboard.settings.configure_litellm()``: what
  routeboard's process-wide litellm settings alone change;
- runner: ``start_run(...).run()`` (planning, grading, budget, retries, a DuckDB write of every attempt) through
  ``LiteLLMProvider``.

Prints calls/s for each with the 1-minute load average at its start and end (the machine may be shared), the
runner / bare ratio in calls/s (goal >= 1.3) and the runner's peak RSS (target <= 400 MB).

    .venv/bin/python perf/runner_overhead.py [--tasks 10000] [--concurrency 16] [--repeat 3]
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
RATIO_GOAL = 1.3
MODES = {
    "bare": "bare litellm.acompletion, litellm defaults",
    "bare-settings": "bare litellm.acompletion, routeboard's litellm settings",
    "runner": "routeboard runner via LiteLLMProvider",
}


def prompt(i: int) -> str:
    return f"Task {i}: reply with the number {ANSWER}."


def write_suite(folder: Path, tasks: int) -> Path:
    path = folder / "overhead.jsonl"
    with path.open("w") as f:
        for i in range(tasks):
            f.write(json.dumps({"id": f"t{i}", "input": prompt(i), "expected": ANSWER}) + "\n")
    return path


async def bare(tasks: int, concurrency: int) -> float:
    import litellm

    semaphore = asyncio.Semaphore(concurrency)

    async def one(i):
        async with semaphore:
            await litellm.acompletion(
                model=MODEL,
                messages=[{"role": "user", "content": prompt(i)}],
                mock_response=ANSWER,
                max_retries=0,
                num_retries=0,
                temperature=0.0,
                max_tokens=16,
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(tasks)))
    return time.perf_counter() - started


def runner(tasks: int, concurrency: int) -> tuple[float, int, int]:
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
        con = routeboard.connect(Path(tmp) / "overhead.duckdb")
        suite = write_suite(Path(tmp), tasks)
        request = RunRequest(
            suites=(str(suite),),
            models=(MODEL,),
            concurrency=concurrency,
            use_cache=False,
            settings=GenerationSettings(max_output_tokens=16),
        )
        run = start_run(con, request)
        started = time.perf_counter()
        run.run()
        elapsed = time.perf_counter() - started
        totals = run_totals(con, run.run_id)[0]
        con.close()
    return elapsed, totals["trials"], totals["accepted"]


def child(mode: str, tasks: int, concurrency: int) -> dict:
    """One side, measured in this process (import time is not part of any measurement)."""
    load_start = os.getloadavg()[0]
    if mode == "runner":
        import litellm  # noqa: F401

        seconds, trials, accepted = runner(tasks, concurrency)
        result = {"seconds": seconds, "trials": trials, "accepted": accepted}
    else:
        if mode == "bare-settings":
            from routeboard.settings import configure_litellm

            configure_litellm()
        import litellm  # noqa: F401

        result = {"seconds": asyncio.run(bare(tasks, concurrency))}
    return {
        **result,
        "load": [load_start, os.getloadavg()[0]],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of all sides, interleaved; the median is kept")
    parser.add_argument("--mode", choices=["all", *MODES], default="all")
    args = parser.parse_args()
    if args.mode != "all":
        print(json.dumps(child(args.mode, args.tasks, args.concurrency)))
        return
    # Each side in its own process so none inherits another's warm caches, memory or litellm settings; rounds
    # interleave the sides so a neighbour's load on a shared machine falls on all of them alike.
    rounds: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for _ in range(args.repeat):
        for mode in MODES:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--mode",
                    mode,
                    "--tasks",
                    str(args.tasks),
                    "--concurrency",
                    str(args.concurrency),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            rounds[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
    report(
        args, {mode: sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2] for mode, runs in rounds.items()}, rounds
    )


def report(args, results: dict, rounds: dict) -> None:
    print(
        f"tasks: {args.tasks}, concurrency: {args.concurrency}, model: {MODEL} (litellm mock_response), "
        f"{os.cpu_count()} CPUs, median of {args.repeat} round(s); load: 1-min load average at start-end"
    )
    for mode, label in MODES.items():
        r = results[mode]
        stored = f", {r['trials']} trials stored, {r['accepted']} accepted" if mode == "runner" else ""
        every = ", ".join(
            f"{args.tasks / x['seconds']:.0f} (load {x['load'][0]:.1f}-{x['load'][1]:.1f})" for x in rounds[mode]
        )
        print(
            f"{label:<56} {r['seconds']:6.2f} s {args.tasks / r['seconds']:6.0f} calls/s  "
            f"load {r['load'][0]:.1f}-{r['load'][1]:.1f}  peak RSS {r['peak_rss_mb']:.0f} MB{stored}"
        )
        if len(rounds[mode]) > 1:
            print(f"    every round, calls/s: {every}")
    ratio = results["bare"]["seconds"] / results["runner"]["seconds"]
    settings_ratio = results["bare"]["seconds"] / results["bare-settings"]["seconds"]
    print(
        f"runner / bare litellm (calls/s): {ratio:.2f} (goal >= {RATIO_GOAL}); "
        f"routeboard's litellm settings alone: {settings_ratio:.2f}"
    )
    print(f"runner peak RSS: {results['runner']['peak_rss_mb']:.0f} MB (target <= 400 MB)")


if __name__ == "__main__":
    main()

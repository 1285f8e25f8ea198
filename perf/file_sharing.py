"""One local DuckDB file shared by processes (routeboard/store/lease.py): what the turns cost.

On a copy of a database holding ``--attempts`` stored attempts (built with SQL by ledger_scale.build):
- the lease's opening and closing, and a data-version read after it (what each page run adds);
- a CLI run (``python -m routeboard run``, two OpenAI-compatible models on the loopback echo server) alone, then
  again while another process reads the file in a loop as the app would (hold, read the data version, let go,
  every 0.2 s): the run's wall time both ways, and how long the reader waited for its turn (median, p95, max).

    .venv/bin/python perf/file_sharing.py [--tasks 500] [--attempts 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERF = Path(__file__).resolve().parent
ROOT = PERF.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(PERF))

from ledger_scale import build  # noqa: E402

import routeboard  # noqa: E402
from routeboard.catalog.models import add_model  # noqa: E402
from routeboard.domain import GraderSpec, Suite, Task  # noqa: E402
from routeboard.library import save_suite  # noqa: E402
from routeboard.store.connection import open_store  # noqa: E402
from routeboard.store.version import data_version  # noqa: E402

MODELS = ("openai/echo-a", "openai/echo-b")
READER = """
import json, statistics, sys, time
from routeboard.store.connection import open_store
from routeboard.store.version import data_version
lease, waits, stop = open_store(sys.argv[1]), [], sys.argv[2]
import pathlib
while not pathlib.Path(stop).exists():
    started = time.perf_counter()
    with lease.hold() as con:
        waited = time.perf_counter() - started
        data_version(con)
    waits.append(waited)
    time.sleep(0.2)
print(json.dumps(waits))
"""


def seed(db: Path, attempts: int, tasks: int, url: str) -> None:
    con = routeboard.connect(db)
    if attempts:
        build(con, models=50, categories=20, tasks=attempts // 1000)
    suite_tasks = tuple(Task(id=f"t{i:04d}", input=f"say: {i}", expected=str(i)) for i in range(tasks))
    save_suite(con, Suite(name="sharing", category="sharing", grader=GraderSpec("exact"), tasks=suite_tasks))
    for model_id in MODELS:
        add_model(
            con, model_id, tier="small-proprietary", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0,
            api_base=url,
        )  # fmt: skip
    con.close()


def lease_costs(db: Path, repeat: int = 20) -> tuple[float, float, float]:
    """Median ms of an opening (with the first hold's migrations check), a data-version read, and a closing."""
    lease = open_store(db)
    opens, reads, closes = [], [], []
    for _ in range(repeat):
        started = time.perf_counter()
        with lease.hold() as con:
            opened = time.perf_counter()
            data_version(con)
            read = time.perf_counter()
        closes.append(time.perf_counter() - read)
        opens.append(opened - started)
        reads.append(read - opened)
    return tuple(statistics.median(x) * 1000 for x in (opens, reads, closes))


def cli_run(db: Path) -> float:
    """Seconds for one CLI run of the suite on both models."""
    env = {**os.environ, "ROUTEBOARD_DB": str(db), "OPENAI_API_KEY": "sk-loopback-only"}
    models = [arg for m in MODELS for arg in ("--model", m)]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "routeboard", "run", "--suite", "sharing", *models, "--concurrency", "16", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the run failed: {done.stderr[-800:]}")
    summary = json.loads(done.stdout)
    assert summary["status"] == "completed", summary
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--attempts", type=int, default=1_000_000)
    args = parser.parse_args()
    echo = subprocess.Popen(
        [sys.executable, "perf/echo_server.py", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        url = echo.stdout.readline().split()[1]
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "base.duckdb"
            seed(base, args.attempts, args.tasks, url)
            opened, read, closed = lease_costs(base)
            print(f"load average {os.getloadavg()[0]:.2f}; {args.attempts:,} attempts stored")
            print(f"lease: open {opened:.1f} ms, data version {read:.1f} ms, close {closed:.1f} ms (medians of 20)")

            alone_db = Path(tmp) / "alone.duckdb"
            shutil.copy(base, alone_db)
            alone_s = cli_run(alone_db)

            shared_db, stop = Path(tmp) / "shared.duckdb", Path(tmp) / "stop"
            shutil.copy(base, shared_db)
            reader = subprocess.Popen(
                [sys.executable, "-c", READER, str(shared_db), str(stop)], cwd=ROOT, stdout=subprocess.PIPE, text=True
            )
            time.sleep(1.0)
            shared_s = cli_run(shared_db)
            stop.touch()
            waits = sorted(json.loads(reader.communicate(timeout=60)[0]))
            calls = args.tasks * len(MODELS)
            print(f"CLI run, {calls} calls at concurrency 16: alone {alone_s:.1f} s; beside a reader {shared_s:.1f} s")
            p95 = waits[int(0.95 * (len(waits) - 1))]
            median_ms, p95_ms, max_ms = statistics.median(waits) * 1000, p95 * 1000, waits[-1] * 1000
            print(
                f"the reader's time to get the file (opening included) over {len(waits)} reads: "
                f"median {median_ms:.0f} ms, p95 {p95_ms:.0f} ms, max {max_ms:.0f} ms"
            )
    finally:
        echo.terminate()
        echo.wait(timeout=30)


if __name__ == "__main__":
    main()

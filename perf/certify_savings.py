"""How many task calls sequential certification (`run --certify`) saves, and whether its verdicts still hold.

Simulated Bernoulli "models" with true accuracy uniform around the bar each get tasks in rounds; a model stops
once its anytime-valid verdict settles. Compared with running every task and judging once with Wilson at 95%:
the share of task calls saved, the share of verdicts that agree with the full run, and how many verdicts are
wrong against the true accuracy.

    .venv/bin/python perf/certify_savings.py [--models 400] [--tasks 500] [--round 25] [--bar 0.90] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from routeboard.decide.constraints import DEFAULT_MIN_TASKS  # noqa: E402
from routeboard.decide.intervals import wilson_interval  # noqa: E402
from routeboard.decide.verdicts import VERDICTS, sequential_verdict, verdict  # noqa: E402


def certify(outcomes: np.ndarray, bar: float, round_tasks: int, level: float) -> tuple[str, int]:
    """One model's sequential run: (verdict, tasks used), stopping at the first settled look."""
    looks = outcomes.size // round_tasks
    for look in range(1, looks + 1):
        n = look * round_tasks
        result = sequential_verdict(
            int(outcomes[:n].sum()), n, bar, look, level=level, max_looks=looks, min_tasks=DEFAULT_MIN_TASKS
        )
        if result != "undecided":
            return result, n
    return "undecided", looks * round_tasks


def simulate(models: int, tasks: int, round_tasks: int, bar: float, level: float, seed: int) -> dict:
    """Run every simulated model both ways and tally calls and verdicts."""
    rng = np.random.default_rng(seed)
    true_accuracy = rng.uniform(0.80, 0.99, models)
    outcomes = rng.random((models, tasks)) < true_accuracy[:, None]
    full = [verdict(*wilson_interval(int(row.sum()), tasks, level), bar, tasks, DEFAULT_MIN_TASKS) for row in outcomes]
    sequential, used = zip(*(certify(row, bar, round_tasks, level) for row in outcomes))
    truth = ["clears" if p >= bar else "fails" for p in true_accuracy]
    return {"full": full, "sequential": list(sequential), "used": np.array(used), "truth": truth}


def wrong(verdicts: list[str], truth: list[str]) -> int:
    """Settled verdicts that contradict the true accuracy (undecided is never wrong, only unhelpful)."""
    return sum(v != "undecided" and v != t for v, t in zip(verdicts, truth))


def report(result: dict, models: int, tasks: int) -> None:
    full, sequential, truth = result["full"], result["sequential"], result["truth"]
    calls_full, calls_seq = models * tasks, int(result["used"].sum())
    agree = np.mean([s == f for s, f in zip(sequential, full)])
    print(f"{'task calls, full run':<40}{calls_full:>10,}")
    print(f"{'task calls, sequential':<40}{calls_seq:>10,}")
    print(f"{'share of calls saved':<40}{1 - calls_seq / calls_full:>10.1%}")
    print(f"{'verdicts agreeing with full run':<40}{agree:>10.1%}")
    print(f"{'wrong vs true accuracy, sequential':<40}{wrong(sequential, truth):>10}")
    print(f"{'wrong vs true accuracy, full run':<40}{wrong(full, truth):>10}")
    pairs = Counter(zip(sequential, full))
    print("\n" + f"{'sequential / full run':<24}" + "".join(f"{v:>11}" for v in VERDICTS))
    for s in VERDICTS:
        print(f"{s:<24}" + "".join(f"{pairs[(s, f)]:>11}" for f in VERDICTS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=400)
    parser.add_argument("--tasks", type=int, default=500, help="tasks per model in the full run")
    parser.add_argument("--round", type=int, default=25, dest="round_tasks", help="tasks per round")
    parser.add_argument("--bar", type=float, default=0.90)
    parser.add_argument("--level", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"{args.models} models, accuracy uniform in [0.80, 0.99], bar {args.bar}, {args.tasks} tasks each, "
        f"rounds of {args.round_tasks}, {args.level:.0%} level, seed {args.seed}\n"
    )
    result = simulate(args.models, args.tasks, args.round_tasks, args.bar, args.level, args.seed)
    report(result, args.models, args.tasks)


if __name__ == "__main__":
    main()

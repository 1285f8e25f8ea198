"""What a run that stops at the route (`run --until-route`) spends to reach its decision, measured by replaying
stored per-sample results as if they were a run (no calls), beside a full run and sequential certification.

Sources, each a set of categories whose every model answered the same tasks:
- the sample workspace's published results (RouteLLM's MMLU results of GPT-4 and Mixtral, routeboard/imports/sample.py),
  priced from the catalog (litellm's map) on each question's counted input tokens and a one-token answer;
- any per-sample results file that `results import` reads (`--results FILE ...`): tasks every model of a
  category answered, priced from the catalog (a model litellm does not price keeps the file's cost_usd, else it
  has no price and cannot be a route);
- seeded synthetic categories: 6 models on a price ladder (a local box to a frontier model, per-task costs
  spread), true accuracies spread around the bar and rising with price, task difficulty shared between models
  (a Gaussian copula), 500-800 tasks; a quarter where nothing clears.

Each replay sends each category's tasks in a new seeded order (synthetic categories are drawn anew) through the
run's own race (routeboard/run/plan.py via routeboard/run/replay.py) and through certification's rule
(a model stops once its own anytime-valid verdict settles). A run's route is what the ledger routes on the results
that run collected (routeboard/decide/ledger.py + routes.py, the report's route), under the scenario.

Printed and, with --json, written as one object:
- calls_fraction, usd_fraction: median over (replay, category) of the run's calls and dollars over the full run's;
- agreement_with_full: share of (replay, category) whose route equals the route on the full data;
- wrong_route_rate: synthetic only, share routed to a model that does not truly clear, or whose true cost per
  accepted task is more than 5% above the true best (the lowest of the models that truly clear).

    .venv/bin/python perf/decision_spend.py [--replays 200] [--synthetic 12] [--round 25] [--seed 0] \\
        [--scenario FILE] [--failure-usd 0.05] [--results FILE ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from routeboard.decide.constraints import DEFAULT_MIN_TASKS  # noqa: E402
from routeboard.decide.facts import facts_frame  # noqa: E402
from routeboard.decide.ledger import apply_scenario  # noqa: E402
from routeboard.decide.race import RaceRules, cpat  # noqa: E402
from routeboard.decide.routes import routes  # noqa: E402
from routeboard.decide.scenario import Scenario, load_scenario_file  # noqa: E402
from routeboard.decide.verdicts import DEFAULT_LEVEL, sequential_verdict  # noqa: E402
from routeboard.run.replay import replay_race  # noqa: E402

GOALS = {"calls_fraction": 0.30, "usd_fraction": 0.30, "wrong_route_rate": 0.05, "agreement_with_full": 0.95}
WRONG_MARGIN = 0.05  # a route whose true cpat is more than this above the true best is wrong
# per-trial USD of six tiers (about 600 input and 150 output tokens): a local box, nano, mini, a mid model,
# a large model, a frontier model
PRICE_LADDER_USD = (0.00002, 0.00012, 0.0005, 0.0019, 0.0045, 0.018)
TIERS = ("local", "small-proprietary", "small-proprietary", "hosted-open-weight", "frontier", "frontier")
BARS = (0.8, 0.85, 0.9, 0.95)


@dataclass
class Category:
    """One category's full data: per model, its outcome and cost on each task (one order, to be shuffled)."""

    name: str
    source: str
    bar: float
    correct: dict[str, np.ndarray]
    usd: dict[str, np.ndarray]  # NaN: the model has no price
    tiers: dict[str, str]
    true_accuracy: dict[str, float] = field(default_factory=dict)  # synthetic only
    true_usd: dict[str, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return min(len(v) for v in self.correct.values())


# ---------------------------------------------------------------- sources


def sample_categories() -> list[Category]:
    """The sample workspace's results, priced from the catalog (litellm's map), one category per sample category."""
    from routeboard.imports.sample import BAR, CATEGORIES, MODELS, OUTPUT_TOKENS, read_data
    from routeboard.providers.price_table import litellm_price

    data = read_data()
    found = []
    for category in CATEGORIES:
        rows = [r for r in data if r["category"] == category]
        correct, usd, tiers = {}, {}, {}
        for model_id, litellm_id, _, tier, column in MODELS:
            price = litellm_price(litellm_id)
            tokens = np.array([int(r[f"{column}_input_tokens"]) for r in rows], dtype=float)
            correct[model_id] = np.array([r[f"{column}_correct"] == "True" for r in rows], dtype=float)
            usd[model_id] = (
                (tokens * price.input_per_mtok_usd + OUTPUT_TOKENS * price.output_per_mtok_usd) / 1e6
                if price.known
                else np.full(len(rows), np.nan)
            )
            tiers[model_id] = tier
        found.append(Category(category, "sample", BAR, correct, usd, tiers))
    return found


def results_categories(paths: list[str], bar: float) -> list[Category]:
    """Per-sample results files as `results import` reads them: per category, the tasks every model answered."""
    from routeboard.io.result_formats import preview_results
    from routeboard.io.text import file_bytes
    from routeboard.providers.price_table import litellm_price

    found = []
    for path in paths:
        preview = preview_results([(path, file_bytes(path))])  # as `results import` reads it (mapping proposed)
        if preview.problems:
            sys.exit("\n".join(str(problem) for problem in preview.problems))
        rows = preview.rows
        by_category: dict[str, dict[str, dict[str, list]]] = {}
        for row in rows:
            task = by_category.setdefault(row.category, {}).setdefault(row.model, {}).setdefault(row.task_id, [])
            task.append(row)
        for category, models in by_category.items():
            common = sorted(set.intersection(*(set(tasks) for tasks in models.values())))
            if len(models) < 2 or not common:
                continue
            correct, usd, tiers = {}, {}, {}
            for model_id, tasks in models.items():
                price = litellm_price(model_id)
                correct[model_id] = np.array([np.mean([r.correct for r in tasks[t]]) for t in common])
                usd[model_id] = np.array([sum(_row_usd(r, price) for r in tasks[t]) for t in common])
                tiers[model_id] = next((r.tier for t in common for r in tasks[t] if r.tier), "small-proprietary")
            found.append(Category(f"{Path(path).name}: {category}", "results", bar, correct, usd, tiers))
    return found


def _row_usd(row, price) -> float:
    if price.known and row.input_tokens is not None and row.output_tokens is not None:
        return (row.input_tokens * price.input_per_mtok_usd + row.output_tokens * price.output_per_mtok_usd) / 1e6
    return row.cost_usd if row.cost_usd is not None else math.nan


def synthetic_categories(rng: np.random.Generator, count: int, tag: str) -> list[Category]:
    """Seeded synthetic categories: 6 models on the price ladder, accuracies around the bar rising with price
    (adjacent ranks swapped a third of the time), correlated task difficulty; a quarter where nothing clears."""
    found = []
    normal = NormalDist()
    for index in range(count):
        bar = float(rng.choice(BARS))
        size = int(rng.integers(500, 801))
        usd_mean = np.array(PRICE_LADDER_USD) * rng.lognormal(0, 0.3, len(PRICE_LADDER_USD))
        if rng.random() < 0.25:  # nothing clears
            accuracy = np.sort(bar - rng.uniform(0.02, 0.25, 6))
        else:
            accuracy = np.sort(np.clip(bar + rng.uniform(-0.25, min(0.08, 0.995 - bar), 6), 0.3, 0.995))
        for i in range(5):
            if rng.random() < 1 / 3:
                accuracy[[i, i + 1]] = accuracy[[i + 1, i]]
        difficulty = rng.standard_normal(size)
        correct, usd, tiers, true_p, true_usd = {}, {}, {}, {}, {}
        for i, (p, mean_usd) in enumerate(zip(accuracy, usd_mean)):
            model_id = f"m{i + 1}-{TIERS[i]}"
            latent = math.sqrt(0.3) * difficulty + math.sqrt(0.7) * rng.standard_normal(size)
            correct[model_id] = (latent < normal.inv_cdf(float(p))).astype(float)
            usd[model_id] = mean_usd * rng.lognormal(-0.045, 0.3, size)  # mean ~ mean_usd
            tiers[model_id], true_p[model_id], true_usd[model_id] = TIERS[i], float(p), float(mean_usd)
        found.append(Category(f"synthetic {tag}-{index}", "synthetic", bar, correct, usd, tiers, true_p, true_usd))
    return found


# ---------------------------------------------------------------- one replay of each mode


def certify_replay(category: Category, order: np.ndarray, round_tasks: int, level: float) -> dict[str, tuple]:
    """Sequential certification on the same order: each model stops once its own verdict settles."""
    size = category.size
    looks = max(1, -(-size // round_tasks))
    sent = {}
    for model_id, outcomes in category.correct.items():
        seen = outcomes[order]
        n = 0
        for look in range(1, looks + 1):
            n = min(look * round_tasks, size)
            said = sequential_verdict(
                float(seen[:n].sum()), n, category.bar, look, min_tasks=DEFAULT_MIN_TASKS, level=level, max_looks=looks
            )
            if said != "undecided":
                break
        sent[model_id] = (n, float(seen[:n].sum()), float(category.usd[model_id][order][:n].sum()))
    return sent


def route_replay(category: Category, order: np.ndarray, round_tasks: int, scenario: Scenario, level: float):
    """The run that stops at the route, on the same order: (what each model was sent, the race's last call)."""
    rules = RaceRules(category.bar, DEFAULT_MIN_TASKS, scenario.for_category(category.name), level)
    prior = {m: float(np.mean(u)) for m, u in category.usd.items()}  # the estimate's figure: a mean cost per trial
    replayed = replay_race(
        category.name,
        {m: c[order] for m, c in category.correct.items()},
        {m: u[order] for m, u in category.usd.items()},
        rules,
        round_tasks=round_tasks,
        prior_usd=prior,
    )
    sent = {
        m: (replayed.tasks[m], replayed.successes[m], float(category.usd[m][order][: replayed.tasks[m]].sum()))
        for m in category.correct
    }
    return sent, replayed.call


def full_sent(category: Category) -> dict[str, tuple]:
    return {m: (category.size, float(c.sum()), float(category.usd[m].sum())) for m, c in category.correct.items()}


def facts_rows(key: str, category: Category, sent: dict[str, tuple]) -> list[dict]:
    """Ledger facts of what a run collected (one trial a task); a model sent nothing has no row, as in the store."""
    rows = []
    for model_id, (tasks, successes, usd) in sent.items():
        if tasks == 0:
            continue
        unpriced = math.isnan(usd)
        rows.append(
            {
                "category": key,
                "model_id": model_id,
                "trials": tasks,
                "tasks": tasks,
                "correct": round(successes),
                "valid": tasks,
                "bar": category.bar,
                "attempts": tasks,
                "cost_usd_sum": 0.0 if unpriced else usd,
                "unpriced_attempts": tasks if unpriced else 0,
                "tier": category.tiers[model_id],
                "snapshot_input_per_mtok_usd": math.nan if unpriced else 1.0,
                "snapshot_output_per_mtok_usd": math.nan if unpriced else 1.0,
            }
        )
    return rows


def routed(rows: list[dict], scenario: Scenario, level: float) -> dict[str, str | None]:
    """The ledger's route per category key, as the report would give it on these results."""
    if not rows:
        return {}
    table = routes(apply_scenario(facts_frame(rows), scenario, level=level))
    return {r["category"]: (r["model"] if isinstance(r["model"], str) else None) for r in table.to_dict("records")}


def truly_wrong(category: Category, route: str | None, scenario: Scenario) -> bool:
    """Routed to a model that does not truly clear, or whose true cpat is over 5% above the true best."""
    if route is None:
        return False
    a = scenario.for_category(category.name)
    true_cpat = {m: cpat(p, category.true_usd[m], a) for m, p in category.true_accuracy.items()}
    clearing = [m for m, p in category.true_accuracy.items() if p >= category.bar]
    if route not in clearing:
        return True
    return true_cpat[route] > (1 + WRONG_MARGIN) * min(true_cpat[m] for m in clearing)


# ---------------------------------------------------------------- the measure


def measure(args, stored: list[Category], scenario: Scenario) -> dict:
    """Every replay of every category in both modes; the figures, overall and per source."""
    records = []
    full_routes: dict[str, str | None] = routed(
        [row for c in stored for row in facts_rows(c.name, c, full_sent(c))], scenario, args.level
    )
    calls_made = {"route": 0, "certify": 0}
    for replay in range(args.replays):
        rng = np.random.default_rng([args.seed, replay])
        categories = stored + synthetic_categories(rng, args.synthetic, str(replay))
        rows = {"route": [], "certify": [], "full": []}
        settled = {}
        for category in categories:
            key = f"{category.name}#{replay}"
            order = rng.permutation(category.size)
            sent, call = route_replay(category, order, args.round_tasks, scenario, args.level)
            settled[key] = call.route if call.state == "settled" else "(not settled)"
            rows["route"] += facts_rows(key, category, sent)
            rows["certify"] += facts_rows(key, category, certify_replay(category, order, args.round_tasks, args.level))
            if category.source == "synthetic":
                rows["full"] += facts_rows(key, category, full_sent(category))
        route_of = {mode: routed(rows[mode], scenario, args.level) for mode in rows}
        for category in categories:
            key = f"{category.name}#{replay}"
            full_route = full_routes[category.name] if category.source != "synthetic" else route_of["full"][key]
            record = {"source": category.source, "category": category.name, "replay": replay}
            for mode in ("route", "certify"):
                mine = [r for r in rows[mode] if r["category"] == key]
                calls = sum(r["trials"] for r in mine)
                usd = sum(r["cost_usd_sum"] for r in mine)
                calls_made[mode] += calls
                route = route_of[mode].get(key)
                record[mode] = {
                    "calls_fraction": calls / (category.size * len(category.correct)),
                    "usd_fraction": usd / _full_usd(category),
                    "agrees": route == full_route,
                    "wrong": truly_wrong(category, route, scenario) if category.source == "synthetic" else None,
                    "route": route,
                }
            record["full_wrong"] = (
                truly_wrong(category, full_route, scenario) if category.source == "synthetic" else None
            )
            record["race_route"] = settled[key]
            records.append(record)
    return summarise(records, args)


def _full_usd(category: Category) -> float:
    return float(sum(np.nansum(u) for u in category.usd.values()))


def _figures(records: list[dict], mode: str) -> dict:
    if not records:
        return {}
    synthetic = [r for r in records if r["source"] == "synthetic"]
    return {
        "calls_fraction": round(float(np.median([r[mode]["calls_fraction"] for r in records])), 4),
        "usd_fraction": round(float(np.median([r[mode]["usd_fraction"] for r in records])), 4),
        "agreement_with_full": round(float(np.mean([r[mode]["agrees"] for r in records])), 4),
        "wrong_route_rate": round(float(np.mean([r[mode]["wrong"] for r in synthetic])), 4) if synthetic else None,
        "mean_calls_fraction": round(float(np.mean([r[mode]["calls_fraction"] for r in records])), 4),
        "mean_usd_fraction": round(float(np.mean([r[mode]["usd_fraction"] for r in records])), 4),
    }


def summarise(records: list[dict], args) -> dict:
    route = _figures(records, "route")
    synthetic = [r for r in records if r["source"] == "synthetic"]
    by_source = {
        source: {
            "categories": len(group),
            "until_route": _figures(group, "route"),
            "certify": _figures(group, "certify"),
        }
        for source in ("sample", "results", "synthetic")
        if (group := [r for r in records if r["source"] == source])
    }
    # the race's own settled route against the ledger's on the same results (they should agree)
    settled = [r for r in records if r["race_route"] != "(not settled)"]
    return {
        "command": "python perf/decision_spend.py " + " ".join(sys.argv[1:]),
        "replays": args.replays,
        "seed": args.seed,
        "round_tasks": args.round_tasks,
        "level": args.level,
        "scenario": (args.scenario or "default")
        + (f", failure_usd {args.failure_usd:g}" if args.failure_usd is not None else ""),
        "categories_per_replay": len(records) // max(args.replays, 1),
        **{name: route[name] for name in GOALS},
        "goals": GOALS,
        "met": {
            "calls_fraction": route["calls_fraction"] <= GOALS["calls_fraction"],
            "usd_fraction": route["usd_fraction"] <= GOALS["usd_fraction"],
            "wrong_route_rate": route["wrong_route_rate"] is not None
            and route["wrong_route_rate"] <= GOALS["wrong_route_rate"],
            "agreement_with_full": route["agreement_with_full"] >= GOALS["agreement_with_full"],
        },
        "until_route": route,
        "certify": _figures(records, "certify"),
        "full_run_wrong_route_rate": round(float(np.mean([r["full_wrong"] for r in synthetic])), 4)
        if synthetic
        else None,
        "settled_share": round(len(settled) / len(records), 4),
        "settled_route_matches_ledger": round(
            float(np.mean([r["race_route"] == r["route"]["route"] for r in settled])), 4
        )
        if settled
        else None,
        "by_source": by_source,
    }


def report(result: dict) -> None:
    print(
        f"{result['replays']} replays x {result['categories_per_replay']} categories, rounds of "
        f"{result['round_tasks']} tasks, {result['level']:.0%} level, scenario {result['scenario']}\n"
    )
    names = ("calls_fraction", "usd_fraction", "agreement_with_full", "wrong_route_rate")
    print(f"{'':<28}{'until route':>14}{'certify':>12}{'goal':>10}")
    for name in names:
        goal = ("<= " if name != "agreement_with_full" else ">= ") + f"{GOALS[name]:.2f}"
        cells = [result["until_route"][name], result["certify"][name]]
        print(f"{name:<28}" + "".join(f"{_cell(v):>14}" if i == 0 else f"{_cell(v):>12}" for i, v in enumerate(cells))
              + f"{goal:>10}")  # fmt: skip
    print(f"{'wrong route, full data':<28}{_cell(result['full_run_wrong_route_rate']):>14}")
    for source, figures in result["by_source"].items():
        print(f"\n{source} ({figures['categories']} category replays)")
        for name in names:
            print(f"  {name:<26}{_cell(figures['until_route'].get(name)):>14}{_cell(figures['certify'].get(name)):>12}")
    print(f"\nraces settled: {result['settled_share']:.1%}; settled route = ledger's route: "
          f"{_cell(result['settled_route_matches_ledger'])}")  # fmt: skip


def _cell(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replays", type=int, default=200)
    parser.add_argument("--synthetic", type=int, default=12, help="synthetic categories drawn per replay")
    parser.add_argument("--round", type=int, default=25, dest="round_tasks", help="tasks per round")
    parser.add_argument("--level", type=float, default=DEFAULT_LEVEL)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", help="a scenario YAML/JSON file (default: the default scenario)")
    parser.add_argument("--failure-usd", type=float, help="the scenario's cost of an error that reaches the business")
    parser.add_argument("--results", nargs="*", default=[], help="per-sample results files to replay too")
    parser.add_argument("--results-bar", type=float, default=0.9, help="the bar of the results files' categories")
    parser.add_argument("--no-sample", action="store_true", help="leave the sample workspace's results out")
    parser.add_argument("--json", metavar="FILE", help="write the figures as one JSON object")
    args = parser.parse_args()
    scenario = load_scenario_file(args.scenario) if args.scenario else Scenario()
    if args.failure_usd is not None:
        scenario = scenario.with_values(failure_usd=args.failure_usd)
    stored = ([] if args.no_sample else sample_categories()) + results_categories(args.results, args.results_bar)
    began = time.monotonic()
    result = measure(args, stored, scenario)
    result["seconds"] = round(time.monotonic() - began, 1)
    report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()

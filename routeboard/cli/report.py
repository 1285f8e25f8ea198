"""``report``, ``route``, ``export`` and ``scenarios``: decisions from stored results."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from routeboard.cli.common import actor, open_db, print_json, print_table
from routeboard.errors import InvalidInput
from routeboard.present import DASH, cpat_text, interval, money, percent, waiting_text

REPORT_COLUMNS = (
    "category model tier trials tasks correct accuracy ci_low ci_high interval bar verdict excluded "
    "excluded_detail tasks_needed settles_as tasks_to_settle tasks_available pass_hat_k model_usd retry_usd tool_usd "
    "infra_usd review_usd "
    "rework_usd failure_usd total_usd_per_trial accepted_share cpat_usd cost_unknown monthly_usd "
    "latency_ms_p50 latency_ms_p95 input_tokens_per_trial output_tokens_per_trial"
).split()
ROUTE_COLUMNS = (
    "category model tier verdict accuracy ci_low ci_high bar tasks cpat_usd monthly_usd runner_up "
    "near_ties nearest tasks_needed settles_as tasks_to_settle tasks_available excluded affordable cost_gap_usd "
    "gap_kind reason"
).split()


def _common(parser) -> None:
    parser.add_argument("--run", action="append", help="only these runs (repeat)")
    parser.add_argument("--suite", action="append", help="only these suites (NAME or NAME@VERSION; repeat)")
    parser.add_argument("--model", action="append", help="only these models (repeat)")
    parser.add_argument("--scenario", help="a saved scenario name or a YAML/JSON file")
    parser.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    parser.add_argument("--interval", choices=["wilson", "clopper-pearson"], default="wilson")
    parser.add_argument("--bar", type=float, help="override every suite's bar for this call")
    parser.add_argument("--json", action="store_true", help="one JSON array on stdout and nothing else")


def register(commands) -> None:
    report = commands.add_parser("report", help="the ledger: one row per (category, model)")
    _common(report)
    report.add_argument("--cascades", action="store_true", help="add simulated cascades (cheap first, escalate)")
    report.set_defaults(handler=cmd_report)
    route = commands.add_parser("route", help="the routing table: one row per category")
    _common(route)
    route.set_defaults(handler=cmd_route)

    export = commands.add_parser("export", help="export routes (LiteLLM Router config, JSON, CSV)")
    export.add_argument("what", choices=["litellm-router", "routes"])
    _common(export)
    export.add_argument("--csv", action="store_true", help="routes as CSV")
    export.add_argument("--out", help="write to this file instead of stdout")
    export.set_defaults(handler=cmd_export)

    scenarios = commands.add_parser("scenarios", help="saved what-if scenarios")
    sub = scenarios.add_subparsers(dest="scenarios_command", required=True, parser_class=type(scenarios))
    save = sub.add_parser("save", help="validate a YAML/JSON scenario and save it by its name")
    save.add_argument("path")
    save.add_argument("--name")
    save.set_defaults(handler=cmd_scenario_save)
    lst = sub.add_parser("list")
    lst.set_defaults(handler=cmd_scenario_list)
    show = sub.add_parser("show")
    show.add_argument("name")
    show.set_defaults(handler=cmd_scenario_show)


def _check(args) -> None:
    problems = []
    if not 0.5 <= args.level < 1:
        problems.append("--level must be in [0.5, 1), e.g. 0.95")
    if args.bar is not None and not 0 < args.bar <= 1:
        problems.append("--bar must be in (0, 1], e.g. 0.94")
    if problems:
        raise InvalidInput("; ".join(problems))


def build(con, args, cascades: bool = False):
    """Ledger (with tasks needed) and routes for the CLI's selection."""
    from routeboard.decide.facts import cascade_facts, ledger_facts
    from routeboard.decide.routes import cascade_candidates, decide
    from routeboard.decide.scenario import load_scenario

    _check(args)
    scenario = load_scenario(con, args.scenario)
    facts = ledger_facts(con, runs=args.run, suites=args.suite, models=args.model)
    if facts.empty:
        _nothing_to_decide(con, args)
    options = dict(level=args.level, method=args.interval, bar=args.bar)
    extra = None
    if cascades:
        first = decide(facts, scenario, **options)
        extra = cascade_facts(con, cascade_candidates(first.ledger), runs=args.run, suites=args.suite)
    decision = decide(facts, scenario, cascade_rows=extra, **options)
    return decision.ledger, decision.routes


def _nothing_to_decide(con, args) -> None:
    """No decided result to report: outputs waiting for people's review, counted, come first (they are what the
    board waits on); else what to run or import."""
    from routeboard.errors import NotFound
    from routeboard.store.facts import stored_counts

    pending = 0 if (args.run or args.suite or args.model) else stored_counts(con)["pending"]
    if pending:
        raise NotFound(
            f"{waiting_text(pending)}; review them with `python -m routeboard review export --suite SUITE --out "
            "sheet.csv` (then `review import`), or on the app's Review page"
        )
    raise InvalidInput(
        "no stored results match: run a suite first (`python -m routeboard run ...`) "
        "or import results (`python -m routeboard results import FILE`)"
    )


def _rows(frame, columns):
    frame = frame.rename(columns={"model_id": "model"})
    return json.loads(frame[[c for c in columns if c in frame]].to_json(orient="records"))


def cmd_report(args) -> int:
    led, _ = build(open_db(args), args, cascades=args.cascades)
    rows = _rows(led, REPORT_COLUMNS)
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        row["accuracy"] = interval(row["accuracy"], row["ci_low"], row["ci_high"])
        row["bar"] = percent(row["bar"], 0)
        row["cpat_usd"] = cpat_text(row["cpat_usd"], row.get("cost_unknown"), "undefined (nothing accepted)")
    print_table(
        rows,
        ["category", "model", "tasks", "trials", "accuracy", "bar", "verdict", "cpat_usd"],
        title=f"ledger ({args.interval}, {percent(args.level, 0)})",
    )
    return 0


def cmd_route(args) -> int:
    _, table = build(open_db(args), args)
    rows = _rows(table, ROUTE_COLUMNS)
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        routed = bool(row["model"])
        row["model"] = row["model"] or f"none clears (nearest: {row['nearest']})"
        row["accuracy"] = interval(row["accuracy"], row["ci_low"], row["ci_high"])
        row["cpat_usd"] = money(row["cpat_usd"]) if routed else DASH
    print_table(rows, ["category", "model", "verdict", "accuracy", "cpat_usd", "reason"], title="routes")
    return 0


def cmd_export(args) -> int:
    from routeboard import exports
    from routeboard.catalog.models import get_model
    from routeboard.errors import NotFound

    con = open_db(args)
    _, table = build(con, args)
    if args.what == "litellm-router":
        models = {}
        for model_id in table["model"].dropna().unique():
            try:
                models[model_id] = get_model(con, model_id)
            except NotFound:
                pass
        text = exports.router_yaml(exports.litellm_router_config(table, models))
    elif args.csv:
        text = exports.routes_csv(table.rename(columns={"model_id": "model"}))
    else:
        text = (
            json.dumps(
                [{k: exports.neutralise_cell(v) for k, v in row.items()} for row in exports.routes_records(table)],
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_scenario_save(args) -> int:
    from dataclasses import replace

    from routeboard.decide.scenario import load_scenario_file, save_scenario

    scenario = load_scenario_file(args.path)
    if args.name:
        scenario = replace(scenario, name=args.name)
    con = open_db(args)
    save_scenario(con, scenario, actor=actor(args, con))
    print(f"saved scenario {scenario.name!r}")
    return 0


def cmd_scenario_list(args) -> int:
    from routeboard.decide.scenario import list_scenarios

    for name in list_scenarios(open_db(args)):
        print(name)
    return 0


def cmd_scenario_show(args) -> int:
    from routeboard.decide.scenario import load_scenario

    print_json(load_scenario(open_db(args), args.name).to_dict())
    return 0

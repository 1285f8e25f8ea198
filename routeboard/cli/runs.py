"""``run`` and ``runs list | show | resume | cancel``: headless runs with a progress bar on stderr."""

from __future__ import annotations

import signal
import sys
import threading

from routeboard.cli.common import actor, open_db, print_json, print_table
from routeboard.errors import StoreError, TeamStore
from routeboard.present import for_cli, money, race_lines, route_spend_text, spend_text, time_left
from routeboard.run.progress import local_seconds
from routeboard.run.request import DEFAULTS
from routeboard.store.lease import held


def register(commands) -> None:
    run = commands.add_parser("run", help="run suites x models x trials and store every attempt")
    run.add_argument("--suite", action="append", required=True, help="suite name, NAME@VERSION or a path (repeat)")
    run.add_argument("--model", action="append", required=True, help="model id (repeat)")
    run.add_argument("--trials", type=int, default=DEFAULTS.trials)
    run.add_argument("--limit", type=int, help="only the first N tasks of each suite")
    run.add_argument("--concurrency", type=int, default=DEFAULTS.concurrency)
    run.add_argument("--per-provider", type=int, help="concurrency limit per provider (default: --concurrency)")
    run.add_argument("--budget-usd", type=float, help="stop launching calls before spend would pass this")
    run.add_argument("--temperature", type=float, default=DEFAULTS.settings.temperature)
    run.add_argument(
        "--max-tokens",
        type=int,
        default=DEFAULTS.settings.max_output_tokens,
        help=f"output cap per call (default {DEFAULTS.settings.max_output_tokens}, as on the Run page)",
    )
    run.add_argument("--seed", type=int)
    run.add_argument("--timeout-s", type=float, default=DEFAULTS.settings.timeout_s)
    run.add_argument(
        "--judge-model",
        help="model that grades llm_judge suites, overriding each suite's judge_model "
        "(default: the suite's, else the embedded 135M model, which cannot judge free-form text reliably)",
    )
    run.add_argument(
        "--certify",
        action="store_true",
        help="sequential certification: send tasks in rounds, stop a model once its verdict is settled",
    )
    run.add_argument(
        "--until-route",
        action="store_true",
        help="stop each model once it cannot become its category's route, and each category once its route is "
        "known (tasks in rounds, one seeded order per suite)",
    )
    run.add_argument("--scenario", help="saved scenario name or YAML/JSON file --until-route judges cost by")
    run.add_argument("--order-seed", type=int, help="--until-route's task order (default: drawn, kept in the run)")
    run.add_argument(
        "--round-tasks",
        type=int,
        default=DEFAULTS.round_tasks,
        help=f"tasks per round (default {DEFAULTS.round_tasks})",
    )
    run.add_argument("--estimate-only", action="store_true", help="print the estimate and stop")
    run.add_argument("--no-cache", action="store_true", help="ask again even if an identical request was answered")
    run.add_argument("--json", action="store_true", help="print one JSON document at the end and nothing else")
    run.set_defaults(handler=cmd_run)

    runs = commands.add_parser("runs", help="stored runs: list, show, resume, cancel")
    sub = runs.add_subparsers(dest="runs_command", required=True, parser_class=type(runs))
    lst = sub.add_parser("list")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_list)
    show = sub.add_parser("show")
    show.add_argument("run_id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)
    resume = sub.add_parser("resume", help="send only the trials that have no final outcome")
    resume.add_argument("run_id")
    resume.add_argument("--budget-usd", type=float, help="a new cap for the whole run")
    resume.add_argument("--json", action="store_true")
    resume.set_defaults(handler=cmd_resume)
    cancel = sub.add_parser("cancel", help="stop a live run (finished attempts are kept)")
    cancel.add_argument("run_id")
    cancel.set_defaults(handler=cmd_cancel)


def _request(args):
    from routeboard.providers.base import GenerationSettings
    from routeboard.run.request import RunRequest

    return RunRequest(
        suites=tuple(args.suite),
        models=tuple(args.model),
        trials=args.trials,
        limit=args.limit,
        concurrency=args.concurrency,
        per_provider_concurrency=args.per_provider,
        budget_usd=args.budget_usd,
        use_cache=not args.no_cache,
        judge_model=args.judge_model,
        certify=args.certify,
        round_tasks=args.round_tasks,
        until_route=args.until_route,
        scenario=args.scenario,
        order_seed=args.order_seed,
        settings=GenerationSettings(
            temperature=args.temperature, max_output_tokens=args.max_tokens, seed=args.seed, timeout_s=args.timeout_s
        ),
    )


def _estimate_rows(con, request, calibrate: bool = False, actor=None) -> list[dict]:
    from routeboard.run.estimate import estimate
    from routeboard.run.resolve import resolve_models, resolve_suites

    # --estimate-only asks for an estimate: a local model with no stored basis is measured first (a few calls);
    # before a run, the estimate uses what is stored and says when its speed is assumed
    rows = estimate(
        con,
        resolve_suites(con, request.suites),
        resolve_models(con, request.models),
        request.trials,
        request.limit,
        request.settings,
        calibrate_local=calibrate,
        actor=actor,
    )
    return [r.__dict__ for r in rows]


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_run(args) -> int:
    from routeboard.errors import InvalidInput

    request = _request(args)
    if request.problems():
        raise InvalidInput("; ".join(request.problems()))
    from routeboard.settings import configure_litellm

    configure_litellm()  # seconds of imports the estimate needs: before taking the file, which others then wait for
    store = open_source(args)
    with held(store) as con:  # let go before the run: it holds a local file only while it writes
        from routeboard.team.access import require

        who = require(actor(args, con), "launch_run")  # before the estimate, which may measure a local model
        from routeboard.run.judge import judge_warning, resolve_judges
        from routeboard.run.resolve import resolve_suites

        suites = resolve_suites(con, request.suites)
        resolve_judges(con, suites, request.judge_model)  # a judge without price or key is refused before the estimate
        estimates = _estimate_rows(con, request, calibrate=args.estimate_only, actor=who)
        spend = _route_spend(con, request, estimates) if request.until_route else None
    warning = judge_warning(suites, request.judge_model)
    if warning:
        _err(f"warning: {for_cli(warning)}")
    if args.estimate_only:
        if args.json:
            print_json({"estimate": estimates, "until_route": spend} if spend else estimates)
        else:
            _print_estimate(estimates, spend)
        return 0
    if not args.json:
        _print_estimate(estimates, spend)
    from routeboard.run.start import start_run

    runner = start_run(store, request, actor=who)
    runner.progress.estimate_s = local_seconds(estimates)  # the time left starts from the estimate, not a first call
    return _follow(runner, args.json)


def open_source(args):
    """The database for a run: a local file as a lease the run holds only while it reads or writes, so the app
    (or another run) keeps using the file meanwhile (routeboard/store/lease.py)."""
    from routeboard.store.connection import open_store

    return open_store(args.db)


def _route_spend(con, request, estimates: list[dict]) -> dict:
    """The expected and worst-case spend of a run that stops at the route, beside the full run's."""
    from types import SimpleNamespace

    from routeboard.run.resolve import resolve_models, resolve_suites
    from routeboard.run.route import estimate_route_spend

    rows = [SimpleNamespace(**row) for row in estimates]
    suites, models = resolve_suites(con, request.suites), resolve_models(con, request.models)
    return estimate_route_spend(con, suites, models, request, rows).__dict__


def _print_estimate(rows, spend: dict | None = None) -> None:
    from rich.console import Console

    # the cost in the parts `runs show` names: "model $" (tokens x price) and "infra $" (a local model's time)
    shown = [
        {
            "model": r["model_id"],
            "suite": r["suite"],
            "calls": r["calls"],
            "input tokens": r["input_tokens"],
            "output tokens": r["output_tokens"],
            "model $": "unknown (no price)" if r["model_usd"] is None else money(r["model_usd"]),
            "infra $": money(r["infra_usd"]),
            "local time": "" if r["local_seconds"] is None else f"{r['local_seconds'] / 60:.1f} min",
        }
        for r in rows
    ]
    print_table(shown, list(shown[0]) if shown else [], title="estimate before the run", stderr=True)
    console = Console(stderr=True)
    for r in rows:
        console.print(f"{r['model_id']} x {r['suite']}: {r['basis']}", soft_wrap=True, highlight=False)
    if spend:
        console.print(route_spend_text(spend), soft_wrap=True, highlight=False)


def _follow(runner, as_json: bool) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    _err(f"run {runner.run_id}") if as_json else print(f"run {runner.run_id}", flush=True)
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):
        runner.cancel.set()  # finish the bookkeeping: attempts done so far are kept
        _err("cancelling: waiting for calls in flight to be recorded ...")

    signal.signal(signal.SIGINT, on_sigint)
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("spend {task.fields[spend]}  errors {task.fields[errors]}"),
        TextColumn("{task.fields[left]}"),  # the run's own time left (Progress.eta_s): it does not jump
    ]
    try:
        with Progress(
            *columns, transient=as_json, disable=not sys.stderr.isatty() and as_json, console=_stderr_console()
        ) as bar:
            first = runner.progress
            task = bar.add_task(
                "trials",
                total=first.total,
                completed=first.done,
                spend=money(0.0),
                errors=0,
                left=time_left(first.eta_s),
            )
            lock = threading.Lock()
            shown: list[list[str]] = [[]]

            def update(p):
                with lock:
                    spent, left = money(p.spend_usd), time_left(p.eta_s)
                    bar.update(task, total=p.total, completed=p.done, spend=spent, errors=p.errors, left=left)
                    lines = race_lines(p.race)
                    if lines != shown[0] and not as_json:  # a race moved on: where each category stands, and why
                        shown[0] = lines
                        bar.console.print("\n".join(lines), soft_wrap=True, highlight=False)

            runner.on_progress = update
            progress = runner.run()
    finally:
        signal.signal(signal.SIGINT, previous)
    with held(runner.store) as con:
        return _summarise(con, runner.run_id, progress, as_json)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _summarise(con, run_id, progress, as_json: bool) -> int:
    from routeboard.run.progress import describe_errors
    from routeboard.store.runs import error_reasons, outcome_counts, run_totals

    totals = run_totals(con, run_id)[0]
    reasons = error_reasons(con, run_id)
    summary = {
        "run_id": run_id,
        "status": progress.status,
        "trials": totals["trials"],
        "total_trials": totals["total_trials"],
        "accepted": totals["accepted"],
        "errors": totals["errors"],
        "pending": totals["pending"],
        "error_reasons": {model: reason for model, (_, reason) in reasons.items()},
        "attempts": totals["attempts"],
        "judge_total_usd": round(totals["judge_total_usd"], 8),
        "spend_usd": None if totals["spend_usd"] is None else round(totals["spend_usd"], 8),
        "known_spend_usd": round(totals["known_spend_usd"], 8),
        "unpriced_models": totals["unpriced_models"],
    }
    if progress.race:
        summary["race"] = progress.race
    if as_json:
        print_json(summary)
    else:
        print_table(
            outcome_counts(con, run_id),
            ["model", "suite", "trials", "accepted", "wrong", "invalid", "errors", "pending"],
            title=f"run {run_id}",
        )
        print(
            f"{progress.status}: {totals['trials']}/{totals['total_trials']} trials, {totals['accepted']} accepted, "
            + (f"{totals['pending']} waiting for review, " if totals["pending"] else "")
            + f"spend {spend_text(totals['known_spend_usd'], totals['unpriced_models'])}, "
            + describe_errors(totals["errors"], reasons)
        )
        for line in race_lines(progress.race):
            print(line)
    return 0 if progress.status in ("completed", "budget_exhausted", "cancelled") else 1


def cmd_list(args) -> int:
    from routeboard.store.runs import run_totals

    rows = run_totals(open_db(args))
    if args.json:
        print_json(rows)
        return 0
    shown = [{**row, **_spend_cells(row)} for row in rows]
    columns = ["run_id", "status", "trials", "total_trials", "accepted", "pending", "errors", "spend (run total)"]
    print_table(shown, [*columns, "spend $/trial", "error_reasons"])
    return 0


def _spend_cells(totals: dict) -> dict:
    """A run's spend as a person reads it: the run's total (unknown, or partial naming the models whose calls have
    no cost) and per trial."""
    return {
        "spend (run total)": spend_text(totals["known_spend_usd"], totals["unpriced_models"]),
        "spend $/trial": money(totals["spend_per_trial_usd"]) if totals["spend_usd"] is not None else "unknown",
    }


def cmd_show(args) -> int:
    from routeboard.store.runs import get_run, run_totals

    con = open_db(args)
    run = get_run(con, args.run_id)
    body = {**run, **run_totals(con, args.run_id)[0]}
    if args.json:
        print_json(body)
    else:
        shown = {
            **body,
            **_spend_cells(body),
            "model $ (run total)": spend_text(body["model_total_usd"], body["unpriced_models"]),
            "infra $ (run total)": money(body["infra_total_usd"]),
            "judge $ (run total)": money(body["judge_total_usd"]),
            "budget": money(body["budget_usd"]) if body["budget_usd"] is not None else "none",
        }
        for key in (
            "run_id",
            "status",
            "created_at",
            "finished_at",
            "trials",
            "total_trials",
            "accepted",
            "pending",
            "errors",
            "error_reasons",
            "attempts",
            "cached_attempts",
            "model $ (run total)",
            "infra $ (run total)",
            "judge $ (run total)",
            "spend (run total)",
            "spend $/trial",
            "budget",
        ):
            print(f"{key:>19}: {shown.get(key)}")
        print(f"{'models':>19}: {', '.join(run['settings']['models'])}")
        print(f"{'suites':>19}: {', '.join(run['settings']['suites'])}")
        for line in race_lines(run["settings"].get("race")):
            print(line)
    return 0


def cmd_resume(args) -> int:
    from routeboard.run.start import resume_run

    store = open_source(args)
    with held(store) as con:
        who = actor(args, con)
    runner = resume_run(store, args.run_id, budget_usd=args.budget_usd, actor=who)
    return _follow(runner, args.json)


def cmd_cancel(args) -> int:
    from routeboard.run.start import cancel_run
    from routeboard.settings import db_path
    from routeboard.team.access import require

    path = db_path(args.db)
    try:
        con = open_db(args)
    except TeamStore:  # not a lock: a team's store refuses this process outright
        raise
    except StoreError:
        # Another program kept the file open past the wait: leave a marker a live run polls for. Its launcher cannot
        # be read here, so only the role is checked (and the cancel is not audited: the file is not ours to write).
        require(actor(args, None), "cancel_run")
        path.with_name(f"{path.name}.cancel-{args.run_id}").touch()
        print(f"asked the live run {args.run_id} to stop; finished attempts are kept")
        return 0
    # a live run (on the shared store, or on a local file it lets go of between writes) is asked through the store;
    # one whose process died is marked cancelled
    print(cancel_run(con, args.run_id, actor=actor(args, con)))
    return 0

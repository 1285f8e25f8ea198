"""``results import``: per-sample results from other tools, stored as an 'imported' run."""

from __future__ import annotations

from dataclasses import asdict

from routeboard.cli.common import actor, open_db, print_json
from routeboard.present import for_cli


def register(commands) -> None:
    results = commands.add_parser("results", help="per-sample results produced elsewhere: import")
    sub = results.add_subparsers(dest="results_command", required=True, parser_class=type(results))
    imp = sub.add_parser(
        "import",
        help="import a CSV/JSONL of results or promptfoo's results.json "
        "(all or nothing; a file already imported is recognised)",
    )
    imp.add_argument("path")
    imp.add_argument(
        "--category",
        help="category of every row (CSV/JSONL: instead of a category column; promptfoo: default 'promptfoo')",
    )
    imp.add_argument("--suite", help="suite name for every row (default: the suite column, else the category)")
    imp.add_argument("--bar", type=float, help="quality bar of a new suite, in (0, 1] (default 0.9)")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=cmd_import)


def cmd_import(args) -> int:
    from routeboard.imports.results import load_results

    con = open_db(args)
    summary = load_results(
        con, args.path, category=args.category, suite=args.suite, bar=args.bar, actor=actor(args, con)
    )
    if args.json:
        print_json(asdict(summary))
        return 0
    if not summary.created:
        print(f"{args.path}: already imported as run {summary.run_id} ({summary.rows} results); nothing written")
        return 0
    print(
        f"{args.path}: imported {summary.rows} results as run {summary.run_id}: {summary.tasks} tasks, "
        f"suites {', '.join(summary.suites)}, models {', '.join(summary.models)}"
    )
    for note in summary.notes:
        print(f"  {for_cli(note)}")
    return 0

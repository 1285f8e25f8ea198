"""``store compact``: maintenance of the shared store (README, Team deployment)."""

from __future__ import annotations

from routeboard.cli import open_db, print_json


def register(commands) -> None:
    store = commands.add_parser("store", help="maintain the shared store (DuckLake)")
    actions = store.add_subparsers(dest="store_command", required=True)
    compact = actions.add_parser(
        "compact",
        help="write inlined small writes to files, merge small files, drop snapshots and files older than --keep-days",
    )
    compact.add_argument("--keep-days", type=int, default=7, help="keep snapshots (time travel) this many days")
    compact.add_argument("--json", action="store_true", help="print one JSON document and nothing else")
    compact.set_defaults(handler=cmd_compact)


def cmd_compact(args) -> int:
    from routeboard.errors import InvalidInput, Problem
    from routeboard.store.lake import compact

    if args.keep_days < 0:
        raise InvalidInput([Problem("--keep-days", None, None, "must be 0 or more")])
    counts = compact(open_db(args), keep_days=args.keep_days)
    if args.json:
        print_json(counts)
    else:
        print(
            f"flushed {counts['flushed']} inlined tables, merged {counts['merged']} file groups, "
            f"expired {counts['expired_snapshots']} snapshots, deleted {counts['deleted_files']} files"
        )
    return 0

"""``store compact``: an admin's maintenance of the shared store (README, Team deployment)."""

from __future__ import annotations

import os

from routeboard.cli.common import actor, open_db, print_json


def register(commands) -> None:
    store = commands.add_parser("store", help="maintain the shared store (DuckLake)")
    actions = store.add_subparsers(dest="store_command", required=True)
    compact = actions.add_parser(
        "compact",
        help="merge the small files of many small writes, drop snapshots and files older than --keep-days",
    )
    compact.add_argument("--keep-days", type=int, default=7, help="keep snapshots (time travel) this many days")
    compact.add_argument("--json", action="store_true", help="print one JSON document and nothing else")
    compact.set_defaults(handler=cmd_compact)


def cmd_compact(args) -> int:
    from routeboard.settings import db_path
    from routeboard.team.maintenance import compact_store

    target = args.db or os.environ.get("ROUTEBOARD_DB") or str(db_path())
    con = open_db(args)
    counts = compact_store(con, target, keep_days=args.keep_days, actor=actor(args, con))
    if args.json:
        print_json(counts)
    else:
        print(
            f"merged {counts['merged']} groups of small files, "
            f"expired {counts['expired_snapshots']} snapshots, deleted {counts['deleted_files']} files"
        )
    return 0

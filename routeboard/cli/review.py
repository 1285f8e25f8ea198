"""``review export`` / ``review import``: the review queue as a spreadsheet, for teams that review that way."""

from __future__ import annotations

from pathlib import Path

from routeboard.cli.common import actor, open_db
from routeboard.cli.references import register_promote


def register(commands) -> None:
    review = commands.add_parser(
        "review", help="people's verdicts on outputs: export a sheet, import it filled, promote accepted outputs"
    )
    sub = review.add_subparsers(dest="review_command", required=True, parser_class=type(review))
    exp = sub.add_parser(
        "export", help="the outputs a suite's queue asks for, blinded (no model names), as a CSV to fill in"
    )
    exp.add_argument("--suite", required=True, help="suite name or name@version (graded by human or llm_judge)")
    exp.add_argument("--out", required=True, help="the CSV file to write")
    exp.add_argument(
        "--reviewer",
        help="who will fill it in (without sign-in; with it, always the --user acting): orders the sheet, leaves out "
        "items they reviewed, and holds its items for them for 30 minutes",
    )
    exp.add_argument("--limit", type=int, help="at most this many items (each is held for the reviewer)")
    exp.set_defaults(handler=cmd_export)
    imp = sub.add_parser(
        "import", help="store a filled sheet: verdict accepted/rejected/edited, reason for a rejection (all or nothing)"
    )
    imp.add_argument("path")
    imp.add_argument("--reviewer", help="whose verdicts these are (without sign-in; with it, always the --user acting)")
    imp.set_defaults(handler=cmd_import)
    register_promote(sub)  # accepted outputs become the answer key (routeboard/cli/references.py)


def cmd_export(args) -> int:
    from routeboard.exports import to_csv
    from routeboard.review.queue import CLAIM_MINUTES, REJECT_REASONS
    from routeboard.review.sheets import export_queue

    con = open_db(args)
    sheet = export_queue(con, args.suite, args.reviewer, limit=args.limit, actor=actor(args, con))
    Path(args.out).write_text(to_csv(sheet), encoding="utf-8", newline="")
    again = f"python -m routeboard review import {args.out}" + (f" --reviewer {args.reviewer}" if args.reviewer else "")
    print(
        f"{args.out}: {len(sheet)} outputs to review, held for their reviewer for {CLAIM_MINUTES} minutes (nobody "
        f"else is given them meanwhile). Fill verdict (accepted, rejected or edited), a reason for each rejection "
        f"({', '.join(REJECT_REASONS)}), edited_output for an edit; then `{again}`"
    )
    return 0


def cmd_import(args) -> int:
    from routeboard.review.sheets import import_reviews

    con = open_db(args)
    imported = import_reviews(con, args.path, args.reviewer, actor=actor(args, con))
    print(f"{args.path}: {imported.stored} reviews by {imported.reviewer} stored")
    return 0

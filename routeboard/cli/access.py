"""``audit`` and ``access show | set``: the audit trail, the effective rules and budgets (never a secret)."""

from __future__ import annotations

import json
import math

from routeboard.cli.common import actor, open_db, print_json, print_table
from routeboard.present import money


def register(commands) -> None:
    trail = commands.add_parser("audit", help="who did what, when, and what it spent")
    trail.add_argument("--since", help="from this date or time on (YYYY-MM-DD or ISO time, UTC)")
    trail.add_argument("--user", dest="audit_user", help="only this person's actions")
    trail.add_argument("--action", help="only this action (e.g. launch_run)")
    trail.add_argument("--limit", type=int, default=500)
    trail.add_argument("--json", action="store_true")
    trail.set_defaults(handler=cmd_audit)

    access = commands.add_parser("access", help="roles and budgets: show the effective rules, set an override")
    sub = access.add_subparsers(dest="access_command", required=True, parser_class=type(access))
    show = sub.add_parser("show", help="the mode, the rules from the secrets file, overrides and this month's spend")
    show.add_argument("--month", help="YYYY-MM (UTC; default: this month)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)
    put = sub.add_parser("set", help="an admin's override of a person's role and/or monthly budget")
    put.add_argument("person", help="their e-mail (or CLI user name)")
    put.add_argument("--role", choices=("viewer", "reviewer", "analyst", "admin"))
    put.add_argument("--budget-usd", type=float, help="their monthly budget in USD")
    put.set_defaults(handler=cmd_set)


def cmd_audit(args) -> int:
    from routeboard.errors import InvalidInput
    from routeboard.team import audit

    con = open_db(args)
    try:
        frame = audit.read_trail(
            con, since=args.since, user_id=args.audit_user, action=args.action, limit=args.limit, actor=actor(args, con)
        )
    except ValueError:
        raise InvalidInput(f"--since {args.since!r} is not a date: use YYYY-MM-DD or an ISO time") from None
    rows = [
        {
            **row,
            "at": row["at"].isoformat(sep=" ", timespec="seconds"),
            "detail": json.loads(row["detail"]) if isinstance(row["detail"], str) else None,
            "spend_usd": None if row["spend_usd"] is None or math.isnan(row["spend_usd"]) else row["spend_usd"],
        }
        for row in frame.to_dict("records")
    ]
    if args.json:
        print_json(rows)
        return 0
    shown = [
        {
            **r,
            "detail": json.dumps(r["detail"], ensure_ascii=False) if r["detail"] else "",
            # None: nothing spent (not a launch), or a launch whose spend is unknown (its detail says which run)
            "spend_usd": None if r["spend_usd"] is None else money(r["spend_usd"]),
        }
        for r in rows
    ]
    print_table(shown, ["at", "user_id", "role", "via", "action", "target", "spend_usd", "detail"], title="audit trail")
    return 0


def cmd_show(args) -> int:
    from routeboard.team.access import access_report

    con = open_db(args)
    report = access_report(con, args.month, actor=actor(args, con))
    rules, spend = report["rules"], report["spend"]
    people = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in spend.astype({"role": str}).to_dict("records")
    ]
    if args.json:
        print_json({**rules, "spend": people})
        return 0
    print(f"mode: {rules['mode']} (secrets file {rules['secrets_file']})")
    for key in ("default_role", "users", "groups", "domains", "content_roles", "monthly_budget_usd", "budgets"):
        print(f"{key:>19}: {rules[key] if rules[key] not in ({}, [], None) else '-'}")
    if rules["overrides"]:
        print_table(rules["overrides"], ["user_id", "role", "monthly_budget_usd", "updated_by", "updated_at"],
                    title="set by an admin (wins over the file)")  # fmt: skip
    if people:
        shown = [
            {
                **p,
                "spend": "unknown (a run's spend is unknown)" if p["spend_usd"] is None else money(p["spend_usd"]),
                "budget": "none" if p["budget_usd"] is None else money(p["budget_usd"]),
            }
            for p in people
        ]
        print_table(shown, ["user_id", "role", "spend", "budget", "runs"], title="spend this month")
    return 0


def cmd_set(args) -> int:
    from routeboard.errors import InvalidInput
    from routeboard.team.access import set_access

    if args.role is None and args.budget_usd is None:
        raise InvalidInput("say what to set: --role and/or --budget-usd")
    con = open_db(args)
    set_access(con, args.person, role=args.role, monthly_budget_usd=args.budget_usd, actor=actor(args, con))
    print(f"{args.person}: " + ", ".join(
        part for part in (args.role and f"role {args.role}",
                          args.budget_usd is not None and f"monthly budget {money(args.budget_usd)}") if part
    ))  # fmt: skip
    return 0

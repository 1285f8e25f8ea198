"""``sample add|remove``: a sample workspace of published benchmark results, to explore before the first run."""

from __future__ import annotations

from dataclasses import asdict

from routeboard.cli.common import actor, open_db, print_json


def register(commands) -> None:
    sample = commands.add_parser(
        "sample", help="a sample workspace (RouteLLM's published MMLU results, Apache-2.0): add or remove"
    )
    sub = sample.add_subparsers(dest="sample_command", required=True, parser_class=type(sample))
    add = sub.add_parser("add", help="store the sample results as one imported run (a second add changes nothing)")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=cmd_add)
    rm = sub.add_parser("remove", help="delete exactly what `sample add` stored")
    rm.add_argument("--json", action="store_true")
    rm.set_defaults(handler=cmd_remove)


def cmd_add(args) -> int:
    from routeboard.imports.sample import build

    con = open_db(args)
    summary = build(con, actor=actor(args, con))
    if args.json:
        print_json(asdict(summary))
    elif not summary.created:
        print(f"the sample workspace is already there (run {summary.run_id}); nothing written")
    else:
        print(
            f"sample workspace added as run {summary.run_id}: {summary.results} results, "
            f"suites {', '.join(summary.suites)}, models {', '.join(summary.models)}"
        )
        print(f"  {summary.notes[0]}")
        print("  remove it with `python -m routeboard sample remove`")
    return 0


def cmd_remove(args) -> int:
    from routeboard.imports.sample import remove

    con = open_db(args)
    counts = remove(con, actor=actor(args, con))
    if args.json:
        print_json(counts)
    elif not counts["runs"] and not counts["suites"] and not counts["models"]:
        print("no sample workspace here; nothing removed")
    else:
        print("sample workspace removed: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    return 0

"""``review promote``: the outputs people accepted or edited become a suite's answer key
(routeboard.review.references)."""

from __future__ import annotations

from routeboard.cli.common import actor, open_db, print_json
from routeboard.errors import InvalidInput, Problem


def register_promote(subparsers) -> None:
    """Add ``promote`` to the ``review`` command's subparsers."""
    from routeboard.review.references import PROMOTE_GRADERS

    promote = subparsers.add_parser(
        "promote", help="a new suite version whose reference answers are the outputs people accepted or edited"
    )
    promote.add_argument("--suite", required=True, help="NAME (latest version) or NAME@VERSION")
    promote.add_argument("--grader", required=True, choices=PROMOTE_GRADERS, help="how later runs grade against it")
    promote.add_argument(
        "--grader-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a grader option (repeatable), e.g. threshold=0.6 for f1 or rubric=... for llm_judge",
    )
    promote.add_argument("--json", action="store_true")
    promote.set_defaults(handler=cmd_promote)


def cmd_promote(args) -> int:
    from routeboard.domain import GraderSpec
    from routeboard.graders.registry import option_from_text, option_schema
    from routeboard.review.references import promote_references

    types = {option.name: option.type for option in option_schema(args.grader)}
    options = {}
    for item in args.grader_option:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(Problem("--grader-option", None, None, f"give KEY=VALUE, got {item!r}"))
        options[key.strip()] = option_from_text(types.get(key.strip(), "text"), text)
    con = open_db(args)
    promotion = promote_references(con, args.suite, GraderSpec(args.grader, options), actor=actor(args, con))
    if args.json:
        print_json(
            {
                "suite_id": promotion.suite.suite_id,
                "created": promotion.suite.created,
                "tasks": promotion.suite.task_count,
                "referenced": promotion.referenced,
                "edited": promotion.edited,
                "without_reference": list(promotion.without_reference),
            }
        )
        return 0
    print(promotion.summary())
    return 0

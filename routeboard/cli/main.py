"""``routeboard`` (or ``python -m routeboard``): the headless CLI. User errors print one line to stderr and exit 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from routeboard.cli.common import EXIT_USER_ERROR
from routeboard.errors import InvalidInput, RouteboardError


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default prints usage too, which buries the reason)."""

    def error(self, message: str):
        self.exit(EXIT_USER_ERROR, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from routeboard.cli import access, models, report, results, review, runs, sample, store, suites

    parser = _Parser(
        prog="routeboard",
        description="Benchmark your own jobs and route each to the cheapest model that reliably clears the bar.",
    )
    parser.add_argument("--db", help="DuckDB file (default: $ROUTEBOARD_DB or data/routeboard.duckdb)")
    parser.add_argument(
        "--user",
        help="who is acting (default: $ROUTEBOARD_USER); required when sign-in is configured, mapped to a role "
        "as a sign-in is, and named in the audit trail",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    suites.register(commands)
    models.register(commands)
    runs.register(commands)
    results.register(commands)
    report.register(commands)
    sample.register(commands)
    review.register(commands)
    access.register(commands)
    store.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable = args.handler
    try:
        return handler(args) or 0
    except InvalidInput as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_USER_ERROR
    except RouteboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

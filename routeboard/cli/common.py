"""What every CLI command shares: JSON and table output, the database, the person acting, the exit code of a
user's error."""

from __future__ import annotations

import json
import sys

EXIT_USER_ERROR = 2


def print_json(data) -> None:
    """One JSON document on stdout and nothing else (scripts parse it)."""
    json.dump(data, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


def print_table(rows: list[dict], columns: list[str], title: str | None = None, *, stderr: bool = False) -> None:
    """A table on stdout (or stderr): drawn by rich in a terminal; plain text, every cell whole, when piped or
    redirected (rich would fit the table to 80 columns and cut its cells)."""
    stream = sys.stderr if stderr else sys.stdout
    if not stream.isatty():
        _plain_table(rows, columns, title, stream)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    Console(stderr=stderr).print(table)


def _plain_table(rows: list[dict], columns: list[str], title: str | None, stream) -> None:
    """Columns padded to their widest cell, two spaces apart, one line per row (a cell's line breaks as spaces)."""
    cells = [["" if row.get(c) is None else " ".join(str(row.get(c)).split()) for c in columns] for row in rows]
    widths = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(columns)]
    if title:
        print(title, file=stream)
    for line in [columns, *cells]:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip(), file=stream)


def open_db(args):
    """The store for one command and who acts on it: opening checks the store's mode (a team's store refuses a
    process without the sign-in settings), and in team mode a command names its person before it reads anything."""
    from routeboard.store.connection import connect

    con = connect(args.db)
    try:
        actor(args, con)
    except BaseException:
        con.close()
        raise
    return con


def actor(args, con):
    """The person a CLI action runs as: ``--user``/ROUTEBOARD_USER mapped to a role (routeboard/team/access.py);
    the core function of each action checks what they may do."""
    from routeboard.team.access import cli_actor

    return cli_actor(con, getattr(args, "user", None))

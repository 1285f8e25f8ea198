"""``results import | preview``: per-sample results from other tools, read through a column mapping (proposed, from
a mapping file, or changed with flags) and stored as one 'imported' run."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

from routeboard.cli.common import EXIT_USER_ERROR, actor, open_db, print_json, print_table
from routeboard.present import for_cli


def register(commands) -> None:
    results = commands.add_parser("results", help="per-sample results produced elsewhere: preview, import")
    sub = results.add_subparsers(dest="results_command", required=True, parser_class=type(results))
    imp = sub.add_parser(
        "import",
        help="import result files: CSV/JSONL/Parquet through a column mapping, or promptfoo's results.json "
        "(several files at once, all or nothing; files already imported are recognised)",
    )
    _add_reading(imp)
    imp.add_argument("--bar", type=float, help="quality bar of a new suite, in (0, 1] (default 0.9)")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=cmd_import)

    preview = sub.add_parser(
        "preview",
        help="show how files would be read: the mapping, the correctness values and their outcomes, the columns "
        "left out, the results per category and model; writes nothing",
    )
    _add_reading(preview)
    preview.add_argument("--save-mapping", metavar="FILE", help="write the mapping file, to repeat the import")
    preview.add_argument("--json", action="store_true")
    preview.set_defaults(handler=cmd_preview)


def _add_reading(parser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="result files (the same shape)")
    parser.add_argument("--mapping", metavar="FILE", help="a mapping file (from `results preview --save-mapping`)")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="the column holding a field (repeatable): task_id, model, category, suite, correct, valid, trial, "
        "input, expected, output, input_tokens, output_tokens, cost_usd, latency_ms, tier; COLUMN @file takes "
        "model, category or suite from each file's name; an empty COLUMN maps nothing",
    )
    parser.add_argument(
        "--label",
        action="append",
        default=[],
        metavar="VALUE=OUTCOME",
        help="what a correctness value means (repeatable): correct, wrong, invalid or refusal",
    )
    parser.add_argument(
        "--wide", action="append", default=[], metavar="MODEL=COLUMN", help="wide layout: a model's correctness column"
    )
    parser.add_argument(
        "--rename", action="append", default=[], metavar="NAME=MODEL_ID", help="store a model name as this model id"
    )
    parser.add_argument("--category", help="category of every row (default: the mapped column, else each file's name)")
    parser.add_argument("--suite", help="suite name for every row (default: the suite column, else the category)")


def _read(args):
    """The files' bytes, the mapping file's mapping and the flags' edits."""
    from routeboard.errors import Problems
    from routeboard.io.result_mapping import edits_from_flags, mapping_from_text
    from routeboard.io.text import decode, file_bytes

    files = [(path, file_bytes(path)) for path in args.paths]
    mapping = None
    if args.mapping:
        problems = Problems(args.mapping)
        text = decode(file_bytes(args.mapping), problems)
        mapping = mapping_from_text(text or "", problems)
        problems.raise_if_any()
    edits = edits_from_flags(args.map, args.label, args.wide, args.rename)
    return files, {"mapping": mapping, "edits": edits, "category": args.category, "suite": args.suite}


def cmd_import(args) -> int:
    from routeboard.imports.results import import_result_files

    files, options = _read(args)
    con = open_db(args)
    summary = import_result_files(con, files, bar=args.bar, actor=actor(args, con), **options)
    if args.json:
        print_json(asdict(summary))
        return 0
    names = ", ".join(args.paths)
    if not summary.created:
        print(f"{names}: already imported as run {summary.run_id} ({summary.rows} results); nothing written")
        return 0
    print(
        f"{names}: imported {summary.rows} results as run {summary.run_id}: {summary.tasks} tasks, "
        f"suites {', '.join(summary.suites)}, models {', '.join(summary.models)}"
    )
    for note in summary.notes:
        print(f"  {for_cli(note)}")
    return 0


def cmd_preview(args) -> int:
    from routeboard.imports.results import results_preview

    files, options = _read(args)
    preview = results_preview(files, **options)
    if args.save_mapping and preview.mapping is not None:
        Path(args.save_mapping).write_text(preview.mapping.to_text(), encoding="utf-8")
    if args.json:
        print_json(
            {
                "mapping": preview.mapping.as_dict() if preview.mapping else None,
                "labels": preview.labels,
                "ignored": preview.ignored,
                "results": preview.counts(),
                "problems": [str(p) for p in preview.problems],
            }
        )
        return EXIT_USER_ERROR if preview.problems else 0
    if preview.mapping is not None:
        print(preview.mapping.to_text().rstrip())
    if preview.labels:
        print_table(preview.label_rows(), ["value", "rows", "outcome"], title="correctness values")
    for note in preview.notes:
        print(for_cli(note))
    if preview.rows:
        print_table(preview.counts(), ["category", "model", "results", "correct"], title="results")
    if args.save_mapping and preview.mapping is not None:
        print(f"mapping written to {args.save_mapping}: repeat with --mapping {args.save_mapping}")
    for problem in preview.problems:
        print(f"error: {problem}", file=sys.stderr)
    if preview.problems:
        print(f"{len(preview.problems)} problem(s); nothing would be imported", file=sys.stderr)
        return EXIT_USER_ERROR
    return 0

"""``suites validate | import | list | show``."""

from __future__ import annotations

import sys
from pathlib import Path

from routeboard.cli.common import EXIT_USER_ERROR, actor, open_db, print_json, print_table
from routeboard.errors import InvalidInput, Problem
from routeboard.imports.logs import load_log, read_log_suite, sniff_format
from routeboard.imports.redact import redact_suite
from routeboard.io.text import file_bytes
from routeboard.present import for_cli
from routeboard.suites import Overrides, load_suite, shipped_suite_paths, size_warning, validate_path


def register(commands) -> None:
    suites = commands.add_parser("suites", help="task sets: validate, import, list, show")
    sub = suites.add_subparsers(dest="suites_command", required=True, parser_class=type(suites))

    validate = sub.add_parser("validate", help="check a suite file or folder; lists every problem")
    validate.add_argument("path")
    validate.add_argument("--format", choices=("auto", "chat", "litellm", "langfuse"), default="auto")
    _add_overrides(validate)
    validate.set_defaults(handler=cmd_validate)

    imp = sub.add_parser(
        "import", help="import suites (all-or-nothing per suite; a test project's suites all or nothing together)"
    )
    imp.add_argument(
        "paths",
        nargs="*",
        help="suite folders, YAML suites, CSV/JSONL/Parquet task or dataset files, a promptfoo project (its folder "
        "or promptfooconfig.yaml) or an OpenAI evals registry YAML",
    )
    imp.add_argument("--shipped", action="store_true", help="import every suite shipped in benchmarks/")
    imp.add_argument(
        "--format",
        choices=("auto", "chat", "litellm", "langfuse"),
        default="auto",
        help="production logs: chat JSONL ({messages}), LiteLLM spend logs, Langfuse observations "
        "(auto: told apart by their fields; other files are read as suites)",
    )
    imp.add_argument(
        "--redact",
        action="store_true",
        help="replace e-mail addresses, phone and card numbers by [EMAIL], [PHONE], [CARD] before storing",
    )
    imp.add_argument("--model", help="logs: the model that wrote the logged replies, where a line names none")
    _add_overrides(imp)
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=cmd_import)

    lst = sub.add_parser("list", help="suites in the database (latest versions)")
    lst.add_argument("--all-versions", action="store_true")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_list)

    labels = sub.add_parser("labels", help="people's labels of judged outputs (CSV/JSONL: task_id, correct, model)")
    labels.add_argument("name", help="suite NAME or NAME@VERSION")
    labels.add_argument("path")
    labels.set_defaults(handler=cmd_labels)

    show = sub.add_parser("show", help="one suite with its settings and first tasks")
    show.add_argument("name", help="NAME (latest version) or NAME@VERSION")
    show.add_argument(
        "--tasks",
        type=int,
        help="how many tasks to show: their inputs and expected answers are content (default 5 to a role that may "
        "see them, else none)",
    )
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)


def _add_overrides(parser) -> None:
    parser.add_argument("--name")
    parser.add_argument("--category")
    parser.add_argument("--grader", help="grader name for bare CSV/JSONL files (default exact)")
    parser.add_argument("--labels", help="the label grader's labels, comma-separated: billing,technical,other")
    parser.add_argument(
        "--grader-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a grader option (repeatable): numbers, true/false and comma lists are read as the grader declares",
    )
    parser.add_argument("--bar", type=float, help="quality bar in (0, 1], e.g. 0.94")
    parser.add_argument("--template", help="prompt template with {{var}} placeholders")
    parser.add_argument("--system-prompt")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="a dataset file's column holding a task field (repeatable): id, input or expected, e.g. "
        "--map expected=answer (proposed from the column names when not given; an empty COLUMN maps none)",
    )


def _overrides(args) -> Overrides:
    return Overrides(
        name=args.name,
        category=args.category,
        grader=_grader(args),
        bar=args.bar,
        prompt_template=args.template,
        system_prompt=args.system_prompt,
        columns=_columns(args.map),
    )


def _columns(items: list[str]) -> dict[str, str] | None:
    """--map FIELD=COLUMN flags as a column mapping; None when none is given (the columns are then proposed)."""
    columns = {}
    for item in items:
        name, sep, column = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(Problem("--map", None, None, f"give FIELD=COLUMN (id, input or expected), got {item!r}"))
        columns[name.strip()] = column.strip()
    return columns or None


def _grader(args) -> str | dict | None:
    """The grader as a name, or as {name, options} when options are given on the command line."""
    from routeboard.graders.registry import option_from_text, option_schema

    pairs = [("labels", args.labels)] if args.labels is not None else []
    for item in args.grader_option:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(Problem("--grader-option", None, None, f"give KEY=VALUE, got {item!r}"))
        pairs.append((key.strip(), text))
    if not args.grader:
        if pairs:
            raise InvalidInput(
                Problem("--grader", None, None, "grader options need --grader NAME, e.g. --grader label")
            )
        return None
    schema = option_schema(args.grader)
    given = {key for key, _ in pairs}
    missing = [option for option in schema if option.required and option.name not in given]
    if missing:  # said here in flags, not as the suite check's "missing required option"
        raise InvalidInput(
            [
                Problem(f"--grader {args.grader}", None, None, f"needs {_flag(option.name)} ({option.help})")
                for option in missing
            ]
        )
    if not pairs:
        return args.grader
    types = {option.name: option.type for option in schema}
    # an unknown key is passed through as text: the suite check names it and suggests the nearest known one
    return {
        "name": args.grader,
        "options": {key: option_from_text(types.get(key, "text"), text) for key, text in pairs},
    }


def _flag(name: str) -> str:
    return "--labels a,b,c" if name == "labels" else f"--grader-option {name}=..."


def cmd_validate(args) -> int:
    from routeboard.imports.projects import load_project, project_config

    path = Path(args.path)
    if args.format == "auto" and project_config(path):  # a test project: every suite it holds
        read = load_project(path, _overrides(args))
        print(f"{args.path}: valid {read.fmt} project, {len(read.suites)} suite(s)")
        _print_project(read)
        return 0
    fmt = _log_format(path, args.format)
    if fmt:  # a production log: checked as it would be imported
        suite = read_log_suite(str(path), file_bytes(path), fmt=fmt, overrides=_overrides(args)).suite
        print(f"{args.path}: valid {fmt} log, {len(suite.tasks)} tasks, grader {suite.grader.name}")
        return 0
    problems = validate_path(args.path, _overrides(args))
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"{args.path}: {len(problems)} problem(s); nothing was imported", file=sys.stderr)
        return EXIT_USER_ERROR
    suite = load_suite(args.path, _overrides(args))
    print(
        f"{args.path}: valid suite {suite.name!r} ({suite.category}), {len(suite.tasks)} tasks, "
        f"grader {suite.grader.name}, bar {suite.bar:g}"
    )
    return 0


def cmd_import(args) -> int:
    from routeboard.imports.projects import project_config

    paths = [Path(p) for p in args.paths] + (shipped_suite_paths() if args.shipped else [])
    if not paths:
        print("error: give one or more PATHs to import, or --shipped", file=sys.stderr)
        return EXIT_USER_ERROR
    overrides = _overrides(args)
    # Validate everything before writing anything, so a bad file in a batch imports nothing.
    logs = {path: _log_format(path, args.format) for path in paths}
    projects = {path: args.format == "auto" and bool(project_config(path)) for path in paths}
    loaded = {path: _loaded(path, logs[path], projects[path], overrides, args) for path in paths}
    con = open_db(args)
    who = actor(args, con)
    results = [(path, _store(con, path, logs[path], loaded[path], args, overrides, who)) for path in paths]
    if args.json:
        print_json([r for _, stored in results for r in stored])
        return 0
    for path, stored in results:
        for r in stored:
            _print_import(r, bool(logs[path]), args.grader is None)
        if projects[path]:
            _print_project(loaded[path])
        elif not args.shipped and (warning := size_warning(loaded[path])):
            print(f"  warning: {warning}")
    return 0


def _store(con, path: Path, log_format: str | None, loaded, args, overrides: Overrides, who) -> list[dict]:
    """Store one path's suite (or a project's suites, together) and say what was stored."""
    from routeboard.imports.projects import ProjectRead, import_project
    from routeboard.library import save_suite

    if log_format:
        kw = {"overrides": overrides, "redact": args.redact, "model": args.model, "actor": who}
        return [load_log(con, path, fmt=log_format, **kw).__dict__]
    if isinstance(loaded, ProjectRead):
        graders = {suite.name: suite.grader.name for suite in loaded.suites}
        return [
            {**r.__dict__, "grader": graders[r.suite_id.split("@")[0]]} for r in import_project(con, loaded, actor=who)
        ]
    origin = "shipped" if args.shipped and path in shipped_suite_paths() else "file"
    return [{**save_suite(con, loaded, origin=origin, actor=who).__dict__, "grader": loaded.grader.name}]


def _print_project(read) -> None:
    """A project's suites, its notes, and the run its providers suggest."""
    for suite in read.suites:
        print(f"  {suite.name}: {len(suite.tasks)} tasks, grader {suite.grader.name}")
    for note in read.notes:
        print(f"  {for_cli(note)}")
    if command := read.run_command():
        print(f"  its providers, as the run's models: {command}")


def _log_format(path: Path, fmt: str) -> str | None:
    """The log format a file is imported as, or None for a suite file."""
    if fmt != "auto":
        return fmt
    return sniff_format(path.name, file_bytes(path)) if path.is_file() else None


def _loaded(path: Path, fmt: str | None, project: bool, overrides: Overrides, args):
    if project:
        from dataclasses import replace

        from routeboard.imports.projects import load_project

        read = load_project(path, overrides)
        return replace(read, suites=[redact_suite(s) for s in read.suites]) if args.redact else read
    if fmt:
        data = file_bytes(path)
        return read_log_suite(str(path), data, fmt=fmt, overrides=overrides, redact=args.redact, model=args.model).suite
    suite = load_suite(path, overrides)
    return redact_suite(suite) if args.redact else suite


def _print_import(r: dict, from_log: bool, grader_defaulted: bool) -> None:
    if from_log:
        state = "imported" if r["created"] else "already imported"
        print(f"{r['suite_id']}: {state}, {r['tasks']} tasks from a {r['fmt']} log, grader {r['grader']}")
        if r["run_id"] and r["created"]:
            print(f"  {r['outputs']} logged replies of {', '.join(r['models'])} stored as run {r['run_id']}")
        for note in r["notes"]:
            print(f"  {for_cli(note)}")
    else:
        state = "imported" if r["created"] else "already imported (identical content)"
        print(f"{r['suite_id']}: {state}, {r['task_count']} tasks")
    if r["grader"] == "human" and grader_defaulted:
        print("  grader human: the file has no expected answers, so outputs wait for people's review (Review page)")


def cmd_list(args) -> int:
    from routeboard.store.suites import list_suites

    rows = list_suites(open_db(args), all_versions=args.all_versions)
    if args.json:
        print_json(rows)
    elif not rows:
        print("no suites yet: `python -m routeboard suites import --shipped` imports the shipped ones")
    else:
        print_table(rows, ["suite_id", "category", "task_count", "bar", "grader", "validator"])
    return 0


def cmd_show(args) -> int:
    from routeboard.library import show_suite
    from routeboard.team.access import allowed

    con = open_db(args)
    who = actor(args, con)
    withheld = args.tasks is None and not allowed(who, "see_content")
    tasks = args.tasks if args.tasks is not None else (0 if withheld else 5)
    shown = show_suite(con, args.name, tasks=tasks, actor=who)
    suite = shown.suite
    body = {
        "suite_id": shown.suite_id,
        **suite.metadata(),
        "task_count": len(suite.tasks),
        "tasks": [t.__dict__ for t in shown.tasks],
    }
    if args.json:
        print_json(body)
        return 0
    for key in ("suite_id", "category", "description", "bar", "risk", "task_count"):
        print(f"{key:>12}: {body[key]}")
    print(f"{'grader':>12}: {suite.grader.name} {suite.grader.options or ''}"[:300])
    print(f"{'validator':>12}: {suite.validator.name if suite.validator else '-'}")
    if withheld:
        print(f"{'tasks':>12}: not shown to {who.role}s (their inputs and expected answers are content)")
        return 0
    print_table(
        [{"id": t.id, "expected": t.expected, "vars": ", ".join(t.vars)} for t in shown.tasks],
        ["id", "expected", "vars"],
        title="first tasks",
    )
    return 0


def cmd_labels(args) -> int:
    from routeboard.review.labels import import_labels

    con = open_db(args)
    count = import_labels(con, args.name, args.path, actor=actor(args, con))
    print(f"stored {count} label(s); `report` now corrects this suite's judged accuracy for the judge's error")
    return 0

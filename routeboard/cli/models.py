"""``models list | add | discover | keys``."""

from __future__ import annotations

from routeboard.cli.common import actor, open_db, print_json, print_table
from routeboard.domain import TIERS, InfraProfile
from routeboard.present import for_cli


def register(commands) -> None:
    models = commands.add_parser("models", help="the model catalog: list, add, discover")
    sub = models.add_subparsers(dest="models_command", required=True, parser_class=type(models))

    lst = sub.add_parser("list", help="models with tier, prices, price source and availability")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--no-ollama", action="store_true", help="do not ask the Ollama server")
    lst.set_defaults(handler=cmd_list)

    add = sub.add_parser(
        "add",
        help="add or update a model: litellm's price when its map has one, else give "
        "--input-price and --output-price (explicit prices override litellm's), or --free",
    )
    add.add_argument("model_id")
    add.add_argument("--litellm-model", help="litellm model string (default: the id)")
    add.add_argument("--display-name")
    add.add_argument(
        "--tier",
        choices=TIERS,
        help="default: guessed from the id and litellm's price "
        "(local runtimes, open-weight hosts, frontier at $8+ per million output tokens)",
    )
    add.add_argument("--input-price", type=float, help="USD per million input tokens")
    add.add_argument("--output-price", type=float, help="USD per million output tokens")
    add.add_argument("--free", action="store_true", help="the model really costs nothing (price 0 on purpose)")
    add.add_argument("--api-base", help="e.g. http://127.0.0.1:8000/v1 for an OpenAI-compatible server")
    for field in InfraProfile.__dataclass_fields__:
        add.add_argument(
            f"--{field.replace('_', '-')}", dest=f"infra_{field}", type=float, help="infra profile (local models)"
        )
    add.set_defaults(handler=cmd_add)

    discover = sub.add_parser("discover", help="list the models an Ollama server has (OLLAMA_HOST)")
    discover.add_argument("--host")
    discover.add_argument("--json", action="store_true")
    discover.set_defaults(handler=cmd_discover)

    keys = sub.add_parser("keys", help="which API keys are set (never their values) and which models each unlocks")
    keys.add_argument("--json", action="store_true")
    keys.set_defaults(handler=cmd_keys)


def model_row(model) -> dict:
    return {
        "id": model.id,
        "display_name": model.display_name,
        "tier": model.tier,
        "input_price_per_mtok_usd": model.price.input_per_mtok_usd,
        "output_price_per_mtok_usd": model.price.output_per_mtok_usd,
        "price_source": model.price.source,
        "api_base": model.api_base,
        "available": model.available,
        "reason": for_cli(model.unavailable_reason),
    }


def cmd_list(args) -> int:
    from routeboard.catalog.models import list_models
    from routeboard.providers.ollama import discover_ollama

    ollama = None if args.no_ollama else discover_ollama()
    rows = [model_row(m) for m in list_models(open_db(args), ollama=ollama)]
    if ollama is not None and not ollama.available:
        rows.append(
            {
                "id": "ollama_chat/*",
                "display_name": "Ollama models",
                "tier": "local",
                "input_price_per_mtok_usd": 0.0,
                "output_price_per_mtok_usd": 0.0,
                "price_source": "local",
                "api_base": ollama.host,
                "available": False,
                "reason": ollama.reason,
            }
        )
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            row["available"] = "yes" if row["available"] else f"no: {row['reason']}"
        print_table(
            rows, ["id", "tier", "input_price_per_mtok_usd", "output_price_per_mtok_usd", "price_source", "available"]
        )
    return 0


def cmd_add(args) -> int:
    from routeboard.catalog.models import DEFAULT_LOCAL_INFRA, add_model, price_note

    infra_values = {
        f: getattr(args, f"infra_{f}")
        for f in InfraProfile.__dataclass_fields__
        if getattr(args, f"infra_{f}") is not None
    }
    infra = None
    if infra_values or args.tier == "local":
        base = DEFAULT_LOCAL_INFRA.__dict__ | infra_values
        base["parallel_requests"] = int(base["parallel_requests"])
        infra = InfraProfile(**base)
    con = open_db(args)
    model = add_model(
        con,
        args.model_id,
        litellm_model=args.litellm_model,
        display_name=args.display_name,
        tier=args.tier,
        input_price_per_mtok_usd=args.input_price,
        output_price_per_mtok_usd=args.output_price,
        api_base=args.api_base,
        infra=infra,
        free=args.free,
        actor=actor(args, con),
    )
    print(f"{model.id}: {model.tier}, {price_note(model)}")
    return 0


def cmd_discover(args) -> int:
    from routeboard.providers.ollama import discover_ollama

    status = discover_ollama(args.host)
    if args.json:
        print_json(status.__dict__)
        return 0
    if not status.available:
        print(status.reason)
        return 0
    print(f"Ollama at {status.host}: {len(status.models)} model(s)")
    print_table(status.models, ["name", "parameter_size", "quantization", "family"])
    return 0


def cmd_keys(args) -> int:
    from routeboard.catalog.models import list_models
    from routeboard.providers.keys import key_statuses

    statuses = key_statuses(list_models(open_db(args), check_keys=False))
    rows = [{"key": k.name, "status": k.status, "unlocks": list(k.models)} for k in statuses]
    if args.json:
        print_json(rows)
        return 0
    print_table([{**r, "unlocks": ", ".join(r["unlocks"])} for r in rows], ["key", "status", "unlocks"])
    print("set a key in the environment (or .streamlit/secrets.toml for the app); the app also takes one per session")
    return 0

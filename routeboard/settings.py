"""Where state lives and the process-wide environment routeboard needs before litellm loads."""

from __future__ import annotations

import functools
import importlib.util
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = Path("data") / "routeboard.duckdb"
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024


def prepare_environment() -> None:
    """Keep litellm and tiktoken offline: the price map and tokenizers come from the installed package."""
    # litellm otherwise downloads its price list at import time; this must be set before the import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_LOG", "ERROR")
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        spec = importlib.util.find_spec("litellm")
        if spec and spec.submodule_search_locations:
            tokenizers = Path(list(spec.submodule_search_locations)[0]) / "litellm_core_utils" / "tokenizers"
            if tokenizers.is_dir():
                os.environ["TIKTOKEN_CACHE_DIR"] = str(tokenizers)


def configure_litellm():
    """litellm, imported offline with routeboard's process-wide settings; every litellm call site goes through here."""
    prepare_environment()
    import litellm

    # An unmapped model id would otherwise print litellm's whole provider list to stdout.
    litellm.suppress_debug_info = True
    # A parameter a provider does not take (e.g. seed) is dropped rather than failing the call.
    litellm.drop_params = True
    # Not switched off, because litellm 1.110 cannot: it prices every response (set_hidden_params) and builds its
    # success-logging payload on every call whatever its public settings and call parameters say; routeboard reads
    # neither and prices from its own snapshot (routeboard/catalog/pricing.py; docs/design.md, "The ledger").
    # Checked with
    # perf/runner_overhead.py: disable_end_user_cost_tracking, turn_off_message_logging, disable_streaming_logging,
    # "no-log", custom_llm_provider, aclient_session and disable_aiohttp_transport move calls/s within noise.
    # disable_token_counter stays off: it zeroes the counts the backend falls back on when a server sends no usage.
    return litellm


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The DuckDB file: an explicit path, else ROUTEBOARD_DB, else ROUTEBOARD_HOME/routeboard.duckdb, else data/."""
    if explicit:
        return Path(explicit)
    if os.environ.get("ROUTEBOARD_DB"):
        return Path(os.environ["ROUTEBOARD_DB"])
    if os.environ.get("ROUTEBOARD_HOME"):
        return Path(os.environ["ROUTEBOARD_HOME"]) / "routeboard.duckdb"
    return DEFAULT_DB


def max_file_bytes() -> int:
    """Upload/import size limit in bytes (ROUTEBOARD_MAX_FILE_MB overrides the 50 MB default)."""
    raw = os.environ.get("ROUTEBOARD_MAX_FILE_MB")
    if raw:
        try:
            return int(float(raw) * 1024 * 1024)
        except ValueError:
            pass
    return DEFAULT_MAX_FILE_BYTES


def benchmarks_dir() -> Path:
    """The shipped suites folder (next to the package in a checkout)."""
    return Path(__file__).resolve().parent.parent / "benchmarks"


def secrets_path() -> Path:
    """The secrets file: $ROUTEBOARD_SECRETS, else .streamlit/secrets.toml under the working folder (as Streamlit)."""
    return Path(os.environ.get("ROUTEBOARD_SECRETS") or Path(".streamlit") / "secrets.toml")


@dataclass(frozen=True)
class SecretsConfig:
    """What the core reads from the secrets file: whether sign-in is configured and the access rules."""

    auth: bool  # an [auth] section exists: team mode (docs/design.md, "A team's deployment")
    access: dict  # the [routeboard.access] table, {} when absent
    secret_values: tuple[str, ...] = ()  # the file's other values (keys, client and cookie secrets), to scrub


def secrets_config() -> SecretsConfig:
    """The secrets file's [auth] presence and [routeboard.access] table, read again only when the file changes."""
    path = secrets_path()
    try:
        stat = path.stat()
    except OSError:
        return SecretsConfig(False, {})
    return _read_secrets(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _read_secrets(path: str, mtime_ns: int, size: int) -> SecretsConfig:
    # keyed on the file's mtime and size, so an edit is seen without a restart; the other values (API keys,
    # client and cookie secrets) are kept in memory only, so the audit trail can scrub them
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        from routeboard.errors import InvalidInput

        raise InvalidInput(f"{path}: cannot read the secrets file: {exc}") from None
    access = (data.get("routeboard") or {}).get("access") or {}
    if not isinstance(access, dict):
        access = {}
    secrets = {
        value for value in _leaf_strings({k: v for k, v in data.items() if k != "routeboard"}) if len(value) >= 8
    }
    return SecretsConfig(
        isinstance(data.get("auth"), dict), dict(access), tuple(sorted(secrets, key=len, reverse=True))
    )


def _leaf_strings(value, key: str = ""):
    """Every string value in a TOML table, except addresses (redirect_uri, server_metadata_url) and the OpenID
    client_id, which every sign-in shows in the browser's address bar: not secrets (a client_id "routeboard" hid
    that word in every store address and message)."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _leaf_strings(item, str(name))
    elif isinstance(value, list):
        for item in value:
            yield from _leaf_strings(item, key)
    elif isinstance(value, str) and not key.lower().endswith(("uri", "url")) and key.lower() != "client_id":
        yield value

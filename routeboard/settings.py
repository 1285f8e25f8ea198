"""Where state lives and the process-wide environment routeboard needs before litellm loads."""

from __future__ import annotations

import importlib.util
import os
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

"""litellm's price map read as a table, without importing litellm (which takes seconds to import).

litellm stays the one place prices come from: the table is litellm's own bundled file
(litellm/model_prices_and_context_window_backup.json, the map ``litellm.model_cost`` holds when
LITELLM_LOCAL_MODEL_COST_MAP=True, which routeboard/settings.py sets), located with importlib.util.find_spec and
parsed once per process; it is read again when the file changes (keyed on its path and mtime), so upgrading
litellm changes the prices the next time a page asks. tests/providers/test_price_table.py checks it against
litellm.model_cost. Calls still go through litellm (routeboard/providers/litellm_backend.py).
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

from routeboard.domain import Price

PRICE_MAP_FILE = "model_prices_and_context_window_backup.json"
LITELLM_SOURCE = "litellm price map"
# (path, mtime) -> (the parsed map, its provider names); one entry: the file in use
_cache: dict[tuple[str, float], tuple[dict, frozenset]] = {}
_located: list[Path | None] = []  # find_spec walks sys.path: once per process


def price_map_path() -> Path | None:
    """The price map inside the installed litellm package, found without importing it; None if absent."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / PRICE_MAP_FILE
    return path if path.is_file() else None


def price_map() -> dict[str, dict]:
    """litellm's price map (model id -> entry), parsed once per process and again when the file changes."""
    return _loaded()[0]


def providers() -> frozenset[str]:
    """Every provider name the map knows (its entries' litellm_provider)."""
    return _loaded()[1]


def _loaded() -> tuple[dict, frozenset]:
    if not _located:
        _located.append(price_map_path())
    path = _located[0]
    if path is None:
        return {}, frozenset()
    key = (str(path), os.stat(path).st_mtime)
    if key not in _cache:
        with open(path, "rb") as file:
            table = json.load(file)
        table.pop("sample_spec", None)  # litellm's documentation entry, not a model
        names = frozenset(e.get("litellm_provider") for e in table.values() if isinstance(e, dict))
        _cache.clear()
        _cache[key] = (table, names - {None})
    return _cache[key]


def price_entry(litellm_model: str) -> dict | None:
    """The map's entry for a litellm model id, or for the id without its provider prefix (as catalog did with
    litellm.model_cost)."""
    table = price_map()
    entry = table.get(litellm_model)
    if entry is None and "/" in litellm_model:
        entry = table.get(litellm_model.split("/", 1)[1])
    return entry


def litellm_price(litellm_model: str) -> Price:
    """USD per million tokens from litellm's price map; unknown (never 0) when the map lacks either price."""
    entry = price_entry(litellm_model)
    if not entry or entry.get("input_cost_per_token") is None or entry.get("output_cost_per_token") is None:
        return Price(None, None, "unknown")
    return Price(entry["input_cost_per_token"] * 1e6, entry["output_cost_per_token"] * 1e6, LITELLM_SOURCE)


def provider_of(litellm_model: str) -> str | None:
    """The provider litellm would call for an id: its prefix when that names a provider, else the map's
    litellm_provider for the bare id; None when neither says."""
    prefix = litellm_model.split("/", 1)[0] if "/" in litellm_model else ""
    if prefix and prefix in providers():
        return prefix
    entry = price_map().get(litellm_model)
    return entry.get("litellm_provider") if entry else None

"""Catalog rows in the store: a free mark and an unknown price survive a round trip; writes are all or nothing."""

from __future__ import annotations

import pytest

from routeboard.store.catalog import insert_models, model_row, model_rows, save_model, select_models
from routeboard.store.connection import transaction


def row(model_id: str, **values) -> dict:
    return {
        "model_id": model_id,
        "litellm_model": model_id,
        "display_name": model_id,
        "tier": "small-proprietary",
        "input_price_per_mtok_usd": None,
        "output_price_per_mtok_usd": None,
        "api_base": None,
        "infra": None,
        "origin": "user",
        "free": False,
        **values,
    }


def test_rows_keep_unknown_prices_unknown_and_the_free_mark(con):
    save_model(con, row("acme/unpriced", origin="imported"))
    save_model(con, row("acme/free", input_price_per_mtok_usd=0.0, output_price_per_mtok_usd=0.0, free=True))
    save_model(con, row("acme/box", tier="local", infra={"hardware_usd": 900.0, "parallel_requests": 2}))
    rows = {r["model_id"]: r for r in model_rows(con)}
    assert list(rows) == ["acme/box", "acme/free", "acme/unpriced"]
    assert (rows["acme/unpriced"]["input_price_per_mtok_usd"], rows["acme/unpriced"]["free"]) == (None, False)
    assert (rows["acme/free"]["output_price_per_mtok_usd"], rows["acme/free"]["free"]) == (0.0, True)
    assert rows["acme/box"]["infra"] == {"hardware_usd": 900.0, "parallel_requests": 2}


def test_saving_again_replaces_the_row(con):
    save_model(con, row("acme/x", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0))
    save_model(con, row("acme/x", tier="frontier", input_price_per_mtok_usd=3.0, output_price_per_mtok_usd=4.0))
    assert len(model_rows(con)) == 1
    stored = model_row(con, "acme/x")
    assert (stored["tier"], stored["input_price_per_mtok_usd"]) == ("frontier", 3.0)
    assert model_row(con, "acme/none") is None


def test_an_import_sees_its_own_models_and_leaves_none_when_it_fails(con):
    with pytest.raises(RuntimeError):
        with transaction(con) as cur:
            insert_models(cur, [row("acme/a"), row("acme/b", origin="imported")])
            assert [r["model_id"] for r in select_models(cur, ["acme/b", "acme/c"])] == ["acme/b"]
            raise RuntimeError("a later problem in the same import")
    assert model_rows(con) == []

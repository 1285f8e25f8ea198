"""Cost, computed in one place from one price snapshot (docs/design.md, "The ledger").

A run snapshots every model's price and infra profile when it starts, so old results keep their cost when price
lists change. The runner, the results importer and the ledger all price through these functions. An unknown price
gives an unknown cost (``None``), never $0: only a model marked free costs nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from routeboard.domain import InfraProfile, Model, Price


def snapshot_entry(model: Model) -> dict:
    """One model's entry in a run's price snapshot (the keys every reader of ``runs.prices`` expects)."""
    return {
        "litellm_model": model.litellm_model,
        "tier": model.tier,
        "display_name": model.display_name,
        "input_per_mtok_usd": model.price.input_per_mtok_usd,
        "output_per_mtok_usd": model.price.output_per_mtok_usd,
        "price_source": model.price.source,
        "api_base": model.api_base,
        "infra": asdict(model.infra) if model.infra else None,
    }


def price_snapshot(models: list[Model]) -> dict:
    """Prices and infra profiles as of a run's start, by model id."""
    return {m.id: snapshot_entry(m) for m in models}


def model_from_snapshot(model_id: str, snap: dict) -> Model:
    """The model as a run saw it, rebuilt from its snapshot entry."""
    return Model(
        id=model_id,
        litellm_model=snap["litellm_model"],
        display_name=snap["display_name"],
        tier=snap["tier"],
        price=Price(snap["input_per_mtok_usd"], snap["output_per_mtok_usd"], snap["price_source"]),
        api_base=snap.get("api_base"),
        infra=InfraProfile(**snap["infra"]) if snap.get("infra") else None,
    )


def model_usd(price: Price, input_tokens: int | None, output_tokens: int | None) -> float | None:
    """USD of one call's tokens at ``price``; None when the price or the token counts are unknown."""
    if not price.known or input_tokens is None or output_tokens is None:
        return None
    return price.usd(input_tokens, output_tokens)


def billed_by_time(tier: str | None, infra: InfraProfile | dict | str | None) -> bool:
    """Whether a model's calls cost its box's time: a local model with an infra profile (hosted ones pay per token)."""
    return tier == "local" and bool(infra)


def infra_rate_per_ms(profile: InfraProfile | dict | str | None) -> float:
    """USD per millisecond a call keeps the box busy (docs/design.md infra rate, shared over parallel requests);
    ``profile`` as a snapshot stores it (JSON) or a scenario gives it (a mapping); 0 without one."""
    if not profile:
        return 0.0
    if isinstance(profile, str):
        profile = json.loads(profile)
    if isinstance(profile, dict):
        profile = InfraProfile(**profile)
    return profile.usd_for_latency(1.0)


def infra_usd(model: Model, latency_ms: float | None) -> float:
    """A local model's busy time at its infra rate; hosted models pay nothing here."""
    if not billed_by_time(model.tier, model.infra):
        return 0.0
    return model.infra.usd_for_latency(latency_ms or 0.0)


def attempt_cost(
    model: Model, input_tokens: int | None, output_tokens: int | None, latency_ms: float | None
) -> tuple[float | None, float]:
    """(model_usd, infra_usd) of one attempt from the snapshot price and, for local models, the infra profile."""
    return model_usd(model.price, input_tokens, output_tokens), infra_usd(model, latency_ms)


def worst_case_usd(model: Model, input_tokens: int, max_output_tokens: int) -> float:
    """The most one call can cost: its counted input plus the full output allowance (0 for an unpriced model,
    which the runner refuses to launch)."""
    return model_usd(model.price, input_tokens, max_output_tokens) or 0.0

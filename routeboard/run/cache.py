"""The reuse cache: an identical request (model, messages, settings, trial and attempt number) that was answered
before is served from the store at no cost instead of being paid for again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from routeboard.domain import Model
from routeboard.providers.base import Completion, GenerationSettings
from routeboard.store import runs as run_store
from routeboard.store.connection import Source, held


def request_hash(model: Model, messages: list[dict], settings: GenerationSettings, trial: int, attempt: int) -> str:
    """Identity of a request for the reuse cache: model, messages, settings, trial and attempt number."""
    body = {
        "model": model.litellm_model,
        "api_base": model.api_base,
        "messages": messages,
        "temperature": settings.temperature,
        "max_output_tokens": settings.max_output_tokens,
        "seed": settings.seed,
        "trial": trial,
        "attempt": attempt,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class ReuseCache:
    """Earlier answers by request hash: a run's first attempts are looked up in one query, retries one by one."""

    def __init__(self, store: Source, enabled: bool):
        self._store = store
        self.enabled = enabled
        self._prefetched: dict[str, dict] = {}

    def prefetch(self, hashes: Iterable[str]) -> None:
        """Look up the first attempts of a run at once (one query instead of one per call)."""
        if self.enabled:
            with held(self._store) as con:
                self._prefetched = run_store.cached_answers(con, list(hashes))

    def get(self, digest: str, attempt: int) -> Completion | None:
        """The stored answer to this request, if any (each prefetched answer serves one call)."""
        if not self.enabled:
            return None
        if digest in self._prefetched:
            found = self._prefetched.pop(digest)
        elif attempt > 1:
            with held(self._store) as con:
                found = run_store.cached_answers(con, [digest]).get(digest)
        else:
            return None
        if found is None:
            return None
        return Completion(
            found["output"] or "",
            int(found["input_tokens"] or 0),
            int(found["output_tokens"] or 0),
            float(found["latency_ms"] or 0),
        )

"""A run's live progress (read by the page and the CLI while the run goes on) and its one-line error summary."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Progress:
    """Live progress of a run, safe to read from another thread (the page)."""

    run_id: str
    total: int
    done: int = 0
    accepted: int = 0
    errors: int = 0
    spend_usd: float = 0.0
    started_s: float = field(default_factory=time.monotonic)
    status: str = "running"
    # a run that stops at the route: each category's race after its latest round (``decide.race.RaceCall``, as
    # plain data), worded by ``present.race_text`` and ``present.standing_text``
    race: list[dict] = field(default_factory=list)

    @property
    def eta_s(self) -> float | None:
        if not self.done or self.done >= self.total:
            return None
        return (time.monotonic() - self.started_s) / self.done * (self.total - self.done)


def describe_errors(errors: int, reasons: dict[str, tuple[int, str]]) -> str:
    """'2 errors: openai/gpt-4.1-nano: 401 ...' for a run's status line: per model, why its trials ended in error."""
    text = f"{errors} error{'' if errors == 1 else 's'}"
    if errors and reasons:
        text += ": " + "; ".join(f"{model_id}: {reason}" for model_id, (_, reason) in reasons.items())
    return text

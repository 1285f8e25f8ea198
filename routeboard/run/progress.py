"""A run's live progress (read by the page and the CLI while the run goes on) and its one-line error summary."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

# A run's time left leans on its estimate and moves over to the measured pace trial by trial, settled after this many
# (a few trials' pace is noise: alone it made the figure double and halve over a local run's first minute).
SETTLE_TRIALS = 10


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
    estimate_s: float | None = None  # the estimate's time for the whole run (local models), known before any trial
    _paced_from: tuple[float, int] | None = field(default=None, repr=False)  # (when, trials done) pace counts from

    @property
    def eta_s(self) -> float | None:
        """Seconds left: the estimate's share of what is left, blended into the measured pace as trials settle it
        (without an estimate, nothing until they have), so the figure does not jump. The pace counts from the first
        trial seen done: the time before it is mostly a local model loading, not its pace."""
        if self.done >= self.total:
            return None
        now, left = time.monotonic(), self.total - self.done
        planned = None if self.estimate_s is None else self.estimate_s * left / self.total
        if not self.done:
            return planned
        if self._paced_from is None:
            self._paced_from = (now, self.done)
        since, done_then = self._paced_from
        paced = self.done - done_then
        if not paced:
            return planned
        measured = (now - since) / paced * left
        settle = min(SETTLE_TRIALS, max(1, self.total // 5))
        if planned is None:
            return measured if paced >= settle else None
        weight = min(1.0, paced / settle)
        return (1 - weight) * planned + weight * measured


def local_seconds(estimates) -> float | None:
    """The estimated time of a run's local models (rows or dicts of run.estimate.Estimate), or None when none is
    local: hosted calls run beside them, so the local time is the run's."""
    seconds = [row["local_seconds"] if isinstance(row, dict) else row.local_seconds for row in estimates]
    known = [s for s in seconds if s is not None]
    return sum(known) if known else None


def describe_errors(errors: int, reasons: dict[str, tuple[int, str]]) -> str:
    """'2 errors: openai/gpt-4.1-nano: 401 ...' for a run's status line: per model, why its trials ended in error."""
    text = f"{errors} error{'' if errors == 1 else 's'}"
    if errors and reasons:
        text += ": " + "; ".join(f"{model_id}: {reason}" for model_id, (_, reason) in reasons.items())
    return text

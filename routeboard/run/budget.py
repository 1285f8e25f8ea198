"""The budget cap: spend plus the worst case of the calls in flight never passes it.

Each call's worst-case cost is reserved before it is launched and settled with its actual cost after, so the
overshoot past a cap is bounded by the calls in flight."""

from __future__ import annotations


class Budget:
    """Spend plus worst-case reservations of calls in flight never passes the cap."""

    def __init__(self, cap_usd: float | None, spent_usd: float = 0.0):
        self.cap_usd = cap_usd
        self.spent_usd = spent_usd
        self.reserved_usd = 0.0
        self.exhausted = False

    @property
    def capped(self) -> bool:
        return self.cap_usd is not None

    def try_reserve(self, worst_usd: float) -> bool:
        """Reserve a call's worst case; False (and exhausted from then on) when it would pass the cap."""
        if self.cap_usd is not None and self.spent_usd + self.reserved_usd + worst_usd > self.cap_usd + 1e-12:
            self.exhausted = True
            return False
        self.reserved_usd += worst_usd
        return True

    def settle(self, worst_usd: float, actual_usd: float) -> None:
        """Release a reservation and count what the call really cost."""
        self.reserved_usd -= worst_usd
        self.spent_usd += actual_usd


def worst_case_input_tokens(messages: list[dict]) -> int:
    """An upper bound on a request's input tokens: a BPE token is at least one byte, plus per-message framing.

    Cheap enough for every call (litellm's counter costs ~1 ms a call), and never under the real count."""
    return sum(len((m.get("content") or "").encode()) + 8 for m in messages)

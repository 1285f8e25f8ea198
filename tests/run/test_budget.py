"""The budget cap: a call is launched only when its worst case fits beside what is spent and in flight."""

from __future__ import annotations

import pytest

from routeboard.run.budget import Budget, worst_case_input_tokens


def test_the_budget_refuses_a_call_whose_worst_case_would_pass_the_cap():
    budget = Budget(cap_usd=1.0, spent_usd=0.5)
    assert budget.try_reserve(0.4) and not budget.exhausted
    assert not budget.try_reserve(0.2) and budget.exhausted  # 0.5 spent + 0.4 in flight + 0.2 > 1.0
    budget.settle(0.4, 0.1)
    assert (budget.spent_usd, budget.reserved_usd) == (pytest.approx(0.6), 0.0)
    assert Budget(cap_usd=None).try_reserve(1e9)


def test_the_input_bound_is_never_under_a_byte_count():
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "héllo"}]
    assert worst_case_input_tokens(messages) == len("Be brief.") + 8 + len("héllo".encode()) + 8

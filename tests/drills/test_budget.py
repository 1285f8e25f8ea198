"""Budget: across 50 seeded runs with random call costs and random caps, spend never passes the cap by more than
the calls in flight can cost (concurrency x the most one call can cost)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import pytest

from routeboard.catalog.models import add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import ProviderError
from routeboard.library import save_suite
from routeboard.providers.base import Completion, GenerationSettings
from routeboard.run.budget import worst_case_input_tokens
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.store.runs import run_totals
from tests.fakes import FakeProvider, install_fake

SEED = 50
RUNS = 50
TASKS = 60


class RandomCostFake(FakeProvider):
    """Answers with random token counts per call; an over-counting fake reports up to 3x the runner's input bound.

    Honest counts stay within what the runner reserves (input: a token is at least a byte; output: max tokens).
    Some answers are not numbers (the validator sends a longer retry) and some calls fail (billed nothing).
    Each call's draws are seeded by the request itself, so only the interleaving of calls depends on timing."""

    def __init__(self, seed: float, over_counting: bool):
        super().__init__()
        self.seed = seed
        self.over_counting = over_counting
        self.max_call_usd = 0.0
        self.max_reserved_usd = 0.0

    async def complete(self, model, messages, settings) -> Completion:
        self.calls.append(messages)
        rng = random.Random(f"{self.seed}:{messages!r}:{self.calls.count(messages)}")
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            bound = worst_case_input_tokens(messages)
            self.max_reserved_usd = max(self.max_reserved_usd, model.price.usd(bound, settings.max_output_tokens))
            await asyncio.sleep(rng.uniform(0, 0.003))
            if rng.random() < 0.1:
                raise ProviderError("injected 500", kind="server")
            input_tokens = rng.randint(1, bound * (3 if self.over_counting else 1))
            output_tokens = rng.randint(0, settings.max_output_tokens)
            self.max_call_usd = max(self.max_call_usd, model.price.usd(input_tokens, output_tokens))
            prompt = messages[0]["content"]
            text = prompt.rsplit(":", 1)[-1].strip() if rng.random() < 0.8 else "n/a"
            return Completion(text, input_tokens, output_tokens, 1.0)
        finally:
            self.in_flight -= 1


@dataclass
class Outcome:
    cap_usd: float
    spend_usd: float
    bound_usd: float
    status: str
    over_counting: bool
    exceeded: bool  # some call cost more than the runner reserved for it


def one_run(con, number: int) -> Outcome:
    rng = random.Random(SEED * 1000 + number)
    model_id = f"fake/budget-{number}"
    price_in, price_out = rng.uniform(0.05, 30.0), rng.uniform(0.1, 60.0)
    add_model(
        con, model_id, tier="small-proprietary", input_price_per_mtok_usd=price_in, output_price_per_mtok_usd=price_out
    )
    tasks, trials = rng.randint(5, TASKS), rng.choice((1, 2))
    concurrency = rng.choice((1, 2, 4, 8, 16, 32))
    max_tokens = rng.randint(4, 300)
    fake = install_fake(RandomCostFake(rng.random(), over_counting=rng.random() < 0.3))
    one_call = (
        worst_case_input_tokens([{"role": "user", "content": f"say: {TASKS}"}]) * price_in + max_tokens * price_out
    ) / 1e6
    cap = rng.uniform(0.0, 1.3) * tasks * trials * one_call  # from nothing allowed to more than the run needs
    runner = start_run(
        con,
        RunRequest(
            suites=("budget",),
            models=(model_id,),
            trials=trials,
            limit=tasks,
            concurrency=concurrency,
            budget_usd=cap,
            backoff_base_s=0.001,
            backoff_max_s=0.002,
            settings=GenerationSettings(max_output_tokens=max_tokens),
        ),
    )
    progress = runner.run()
    spend = run_totals(con, runner.run_id)[0]["spend_usd"]
    assert spend == pytest.approx(progress.spend_usd, abs=1e-12)  # the budget counted what was stored
    assert fake.peak_in_flight <= concurrency
    if progress.status == "completed":
        assert progress.done == tasks * trials
    else:
        assert progress.status == "budget_exhausted" and progress.done < tasks * trials
    most = max(fake.max_call_usd, fake.max_reserved_usd)  # the most one call could cost in this run
    return Outcome(
        cap, spend, concurrency * most, progress.status, fake.over_counting, fake.max_call_usd > fake.max_reserved_usd
    )


def test_overshoot_never_passes_the_in_flight_bound_over_fifty_seeded_runs(con):
    tasks = tuple(Task(id=f"t{i:02d}", input=f"say: {i}", expected=str(i)) for i in range(TASKS))
    save_suite(
        con,
        Suite(
            name="budget", category="budget", grader=GraderSpec("exact"), tasks=tasks, validator=GraderSpec("number")
        ),
    )
    outcomes = [one_run(con, number) for number in range(RUNS)]

    beyond = [(o.cap_usd, o.spend_usd, o.bound_usd) for o in outcomes if o.spend_usd > o.cap_usd + o.bound_usd + 1e-12]
    assert beyond == []
    # When providers count no more than the runner reserves, the cap itself holds.
    honest = [o for o in outcomes if not o.over_counting]
    assert [(o.cap_usd, o.spend_usd) for o in honest if o.spend_usd > o.cap_usd + 1e-12] == []
    # The drill means something only if caps bit and runs also finished, in both kinds of provider.
    statuses = {(o.over_counting, o.status) for o in outcomes}
    assert statuses >= {(False, "budget_exhausted"), (False, "completed"), (True, "budget_exhausted")}
    assert any(o.exceeded for o in outcomes if o.over_counting)  # the over-counting calls did cost more
    worst = max((o.spend_usd - o.cap_usd) / o.bound_usd for o in outcomes if o.bound_usd)
    print(
        f"\nbudget drill: {RUNS} runs, {sum(o.status == 'budget_exhausted' for o in outcomes)} stopped by their "
        f"cap; largest overshoot {worst:.1%} of the in-flight bound"
    )

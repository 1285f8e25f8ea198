"""Faults: 30% of calls fail at random (429 with Retry-After, 500, a 500 that bills, slow past the timeout,
malformed body, dropped connection); the run finishes, each fault is classified and retried, Retry-After is
honoured, and spend is exactly what the server billed."""

from __future__ import annotations

import asyncio
import random
import re
import threading
import time
from collections import Counter, defaultdict

import pytest

from routeboard.catalog.models import add_model, get_model
from routeboard.errors import ProviderError
from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.providers.registry import provider_for
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.store.runs import run_totals
from routeboard.suites import load_suite
from tests.drills.support import echo_suite_file
from tests.servers.fault_server import FaultHandler
from tests.servers.http_base import LoopbackServer

SEED = 30
TASKS = 300
FAULT_SHARE = 0.3
FAULTS = ("rate_limit", "server", "billed_error", "slow", "malformed", "drop")
RETRY_AFTER_S = (0.3, 0.6, 1.0)
BILLED_USAGE = (40, 3)  # tokens a billing 500 reports as used
PRICE_IN, PRICE_OUT = 1.0, 2.0  # USD per million tokens
MAX_ATTEMPTS = 4
TIMEOUT_S = 2.0
# what the runner must call each injected fault (a dropped body may surface as either)
KINDS = {
    "ok": {None},
    "rate_limit": {"rate_limit"},
    "server": {"server"},
    "billed_error": {"server"},
    "slow": {"timeout"},
    "malformed": {"malformed"},
    "drop": {"connection", "malformed"},
}


def usd(tokens: tuple[int, int]) -> float:
    return (tokens[0] * PRICE_IN + tokens[1] * PRICE_OUT) / 1e6


def fault_for(prompt: str, number: int) -> tuple[str, float]:
    """The fault for the n-th request of a prompt and its Retry-After: seeded by (prompt, n), not by arrival order."""
    rng = random.Random(f"{SEED}:{prompt}:{number}")
    fault = rng.choice(FAULTS) if rng.random() < FAULT_SHARE else "ok"
    return fault, rng.choice(RETRY_AFTER_S)


class BillingFaultHandler(FaultHandler):
    """The fault server plus a 500 that reports the tokens it billed, and a Retry-After that varies per call."""

    served: list = None  # (prompt, number, fault) in arrival order

    def do_POST(self):
        prompt = self.read_json()["messages"][-1]["content"]
        with self.lock:
            number = 1 + sum(1 for _, p in self.log if p == prompt)
            fault, retry_after = fault_for(prompt, number)
            self.served.append((prompt, number, fault))
        if fault == "billed_error":
            self._log(prompt)
            prompt_tokens, completion_tokens = BILLED_USAGE
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            }
            return self.send_json(
                500, {"error": {"message": "upstream failed after generating", "type": "server_error"}, "usage": usage}
            )
        if fault == "rate_limit":
            self._log(prompt)
            return self.send_json(
                429,
                {"error": {"message": f"rate limited; retry after {retry_after:g} s", "type": "rate_limit"}},
                {"Retry-After": f"{retry_after:g}"},
            )
        return super().do_POST()  # logs the request and serves ok / server / slow / malformed / drop

    def _log(self, prompt: str) -> None:
        with self.lock:
            self.log.append((time.monotonic(), prompt))


def serve_billing_faults(served: list, latency_s) -> LoopbackServer:
    return LoopbackServer(
        BillingFaultHandler,
        plan=staticmethod(lambda prompt, number: fault_for(prompt, number)[0]),
        log=[],
        lock=threading.Lock(),
        latency_s=staticmethod(latency_s),
        served=served,
        slow_s=TIMEOUT_S + 0.5,
    )


WARM_UP = GenerationSettings(max_output_tokens=8, timeout_s=30)


def _warm_up(model) -> None:
    """One answered call through the provider, so the run's first calls are not litellm's cold start."""
    provider = provider_for(model)
    for _ in range(10):  # the warm-up prompt may draw a fault too
        try:
            asyncio.run(provider.complete(model, [{"role": "user", "content": "warm up"}], WARM_UP))
            return
        except ProviderError:
            continue
    raise AssertionError("the fault server never answered the warm-up call")


def test_a_run_through_thirty_percent_faults_finishes_retries_by_the_rules_and_bills_exactly(con, tmp_path):
    save_suite(con, load_suite(echo_suite_file(tmp_path, TASKS)))
    served: list = []
    latency = random.Random(SEED)
    with serve_billing_faults(served, latency_s=lambda: latency.uniform(0.0, 0.02)) as server:
        add_model(
            con,
            "openai/faulty",
            tier="small-proprietary",
            input_price_per_mtok_usd=PRICE_IN,
            output_price_per_mtok_usd=PRICE_OUT,
            api_base=f"{server.url}/v1",
        )
        # A cold litellm spends about a second of CPU on its first calls (imports, client set-up) inside each
        # call's own timeout, so with 8 first calls at once a 1 s timeout can expire before a request leaves the
        # process; that is a client-side timeout, retried at no cost, but it would break the count below.
        _warm_up(get_model(con, "openai/faulty"))
        served.clear()
        runner = start_run(
            con,
            RunRequest(
                suites=("drill",),
                models=("openai/faulty",),
                concurrency=8,
                max_attempts=MAX_ATTEMPTS,
                backoff_base_s=0.01,
                backoff_max_s=0.05,
                settings=GenerationSettings(max_output_tokens=8, timeout_s=TIMEOUT_S),
            ),
        )
        progress = runner.run()
    assert progress.status == "completed"

    faults = Counter(fault for _, _, fault in served)
    share = 1 - faults["ok"] / len(served)
    assert 0.2 <= share <= 0.4 and all(faults[f] > 0 for f in FAULTS), faults

    rows = con.execute(
        """SELECT task_id, attempt, started_at, error_kind, error, cost_usd, input_tokens,
                                 output_tokens FROM attempts WHERE run_id = ? ORDER BY task_id, attempt""",
        [runner.run_id],
    ).fetchall()
    by_task = defaultdict(list)
    for row in rows:
        by_task[row[0]].append(row)
    # every request reached the server and is stored as the attempt of the same number, classified as retryable
    by_request = {(f"t{int(p.split(': ')[1]):05d}", n): fault for p, n, fault in served}
    assert len(rows) == len(served)
    misread = [(r[0], r[1], by_request[r[:2]], r[3]) for r in rows if r[3] not in KINDS[by_request[r[:2]]]]
    assert misread == []

    outcomes = dict(con.execute("SELECT task_id, outcome FROM trials WHERE run_id = ?", [runner.run_id]).fetchall())
    assert len(outcomes) == TASKS  # every trial has its final outcome
    for task_id, attempts in by_task.items():
        kinds = [a[3] for a in attempts]
        if outcomes[task_id] == "accepted":
            assert kinds[-1] is None and all(kinds[:-1]) and len(kinds) <= MAX_ATTEMPTS
        else:  # only a trial that failed every allowed attempt ends as an error
            assert (outcomes[task_id], len(kinds), all(kinds)) == ("error", MAX_ATTEMPTS, True), (task_id, kinds)

    # Retry-After is a floor: the next attempt of a rate-limited trial starts no sooner
    waits = []
    for attempts in by_task.values():
        for current, following in zip(attempts, attempts[1:]):
            if current[3] == "rate_limit":
                asked = float(re.search(r"retry after ([\d.]+) s", current[4]).group(1))
                waits.append(((following[2] - current[2]).total_seconds(), asked))
    assert len(waits) >= 5
    assert [(gap, asked) for gap, asked in waits if gap < asked] == []

    # spend is exactly what the server billed: answered calls and the 500s that reported usage, at the snapshot price
    answered = sum(1 for r in rows if r[3] is None)
    billed = [r for r in rows if r[3] == "server" and by_request[(r[0], r[1])] == "billed_error"]
    assert answered == faults["ok"] and len(billed) == faults["billed_error"]
    assert all((r[6], r[7]) == BILLED_USAGE and r[5] == pytest.approx(usd(BILLED_USAGE)) for r in billed)
    assert all(r[5] == pytest.approx(usd(FaultHandler.usage)) for r in rows if r[3] is None)
    assert all(r[5] == 0 for r in rows if r[3] is not None and r not in billed)
    expected = faults["ok"] * usd(FaultHandler.usage) + faults["billed_error"] * usd(BILLED_USAGE)
    totals = run_totals(con, runner.run_id)[0]
    assert totals["spend_usd"] == pytest.approx(expected, abs=1e-12)
    assert totals["spend_usd"] == pytest.approx(sum(r[5] for r in rows), abs=1e-12)
    assert progress.spend_usd == pytest.approx(expected, abs=1e-12)  # the budget saw the same money

"""What to run: a RunRequest, its problems, and its one conversion to and from a run's stored settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from routeboard.providers.base import GenerationSettings
from routeboard.run.trial import RetryPolicy

# Request fields stored as they are in a run's settings (a resume reads them back). The budget has its own
# column; the backoff is not stored, so a resume uses the defaults.
STORED_FIELDS = (
    "trials",
    "limit",
    "concurrency",
    "per_provider_concurrency",
    "use_cache",
    "max_attempts",
    "judge_model",
    "certify",
    "round_tasks",
    "until_route",
    "scenario",
    "order_seed",
)


@dataclass(frozen=True)
class RunRequest:
    """What to run: suites x models x trials, and how."""

    suites: tuple[str, ...]
    models: tuple[str, ...]
    trials: int = 1
    limit: int | None = None
    concurrency: int = 4
    per_provider_concurrency: int | None = None
    budget_usd: float | None = None
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    use_cache: bool = True
    max_attempts: int = 4  # provider errors per trial before it ends as `error`
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    judge_model: str | None = None  # overrides each llm_judge suite's own judge_model (default: embedded)
    certify: bool = False  # sequential certification: stop a model once its verdict is settled
    round_tasks: int = 25  # tasks per round (certification, or a run that stops at the route)
    until_route: bool = False  # stop each model once it cannot become its category's route (run/route.py)
    scenario: str | None = None  # the scenario a route is judged under: a saved name or a file (None: defaults)
    order_seed: int | None = None  # the seeded task order of a run that stops at the route (chosen at its start)

    def problems(self) -> list[str]:
        """What is wrong with the request, one line each (empty when it can run)."""
        checks = [
            (not self.suites, "--suite: give at least one suite"),
            (not self.models, "--model: give at least one model"),
            (not 1 <= self.trials <= 100, "--trials must be from 1 to 100"),
            (self.limit is not None and self.limit < 1, "--limit must be at least 1"),
            (not 1 <= self.concurrency <= 512, "--concurrency must be from 1 to 512"),
            (self.budget_usd is not None and not self.budget_usd >= 0, "--budget-usd must be a non-negative amount"),
            (self.round_tasks < 1, "--round-tasks must be at least 1"),
            (self.certify and self.until_route, "--certify and --until-route: choose one way to stop"),
            (self.scenario is not None and not self.until_route, "--scenario is what --until-route judges by"),
            (self.settings.max_output_tokens < 1, "--max-tokens must be at least 1"),
            (not 0 <= self.settings.temperature <= 2, "--temperature must be in [0, 2]"),
        ]
        return [message for failed, message in checks if failed]

    def retry_policy(self, max_invalid_retries: int) -> RetryPolicy:
        """How a trial of a suite with this many invalid-answer retries tries."""
        return RetryPolicy(self.max_attempts, max_invalid_retries, self.backoff_base_s, self.backoff_max_s)

    def to_settings(
        self, suite_ids: list[str], model_ids: list[str], judges: dict[str, str], total_trials: int
    ) -> dict:
        """The run's stored settings: the resolved suite and model ids, each suite's judge, and the planned trials."""
        return {
            "suites": suite_ids,
            "models": model_ids,
            **{name: getattr(self, name) for name in STORED_FIELDS},
            "judges": judges,
            "generation": asdict(self.settings),
            "total_trials": total_trials,
        }

    @classmethod
    def from_settings(cls, settings: dict, budget_usd: float | None) -> RunRequest:
        """The request a stored run was started with (fields a run from an older version lacks take defaults)."""
        stored = {name: settings[name] for name in STORED_FIELDS if name in settings}
        return cls(
            suites=tuple(settings["suites"]),
            models=tuple(settings["models"]),
            budget_usd=budget_usd,
            settings=GenerationSettings(**settings["generation"]),
            **stored,
        )


# The one set of run defaults, read by the app's Run page and the CLI's `run` alike, so a run costs the same wherever
# it starts (the page once capped output at 128 tokens where the CLI capped it at 256).
DEFAULTS = RunRequest(suites=(), models=())

"""Every reader of a person's input collects its problems in one shape (routeboard.errors.Problems): each names
its file or subject and its field, all are listed at once, and nothing is stored until they are fixed."""

from __future__ import annotations

from tests.conftest import run_cli


def errors(stderr: str) -> list[str]:
    return [line.removeprefix("error: ") for line in stderr.splitlines() if line.startswith("error: ")]


def test_a_model_with_bad_prices_and_a_bad_infra_profile_lists_every_problem_by_field(isolated_db):
    result = run_cli(
        "models", "add", "acme/box", "--tier", "local", "--input-price", "-1",
        "--utilisation", "2", "--amortisation-months", "0",
    )  # fmt: skip
    assert result.returncode == 2
    assert errors(result.stderr) == [
        "acme/box [input_price_per_mtok_usd]: input_price_per_mtok_usd must be a non-negative number of USD per "
        "million tokens",
        "acme/box [price]: give both the input and the output price, or neither",
        "acme/box [infra]: amortisation_months must be positive",
        "acme/box [infra]: utilisation must be in (0, 1]",
    ]
    assert "acme/box" not in run_cli("models", "list", "--no-ollama").stdout


def test_a_scenario_file_names_each_bad_value_with_its_path_in_the_file(isolated_db, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\n"
        "defaults: {review_rate: 2}\n"
        "infra: {acme/box: {hardware_usd: -5, utilisation: 0}}\n"
        "constraints: {tickets: {min_tasks: 0, speed: 1}, drafts: [local]}\n"
    )
    result = run_cli("scenarios", "save", str(path))
    assert result.returncode == 2
    assert errors(result.stderr) == [
        f"{path} [defaults.review_rate]: review_rate must be a share between 0 and 1; got 2",
        f"{path} [infra.acme/box]: hardware_usd must not be negative",
        f"{path} [infra.acme/box]: utilisation must be in (0, 1]",
        f"{path} [constraints.tickets.min_tasks]: must be a whole number of at least 1",
        f"{path} [constraints.tickets.speed]: unknown constraint (known: max_latency_ms_p95, max_cpat_usd, "
        "allowed_tiers, deny_models, min_tasks)",
        f"{path} [constraints.drafts]: must be a mapping such as {{max_latency_ms_p95: 2000, allowed_tiers: [local]}}",
    ]
    assert "bad" not in run_cli("scenarios", "list").stdout

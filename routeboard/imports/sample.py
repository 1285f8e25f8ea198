"""A sample workspace to explore before the first run: RouteLLM's published MMLU results of two real models.

``build`` stores the shipped file ``benchmarks/sample-routellm-mmlu/results.csv.gz`` (made by
scripts/build_sample.py) as one imported run, in one transaction, through the writers a results import uses
(``imports.run_writer``); ``remove`` deletes exactly what ``build`` added. Everything is labelled as sample
benchmark data: suite and category names start with "sample:", the run note says where the data comes from and how
it is priced.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
from dataclasses import dataclass, field

import duckdb

from routeboard.catalog.models import catalog_row, model_from_row
from routeboard.domain import GraderSpec, Model, Suite, Task
from routeboard.errors import NotFound
from routeboard.imports.run_writer import write_imported_run
from routeboard.io.result_rows import ResultRow
from routeboard.settings import benchmarks_dir
from routeboard.store.catalog import insert_models, select_models
from routeboard.store.connection import transaction
from routeboard.store.sample import SAMPLE_FORMAT, delete_sample, sample_run_ids
from routeboard.store.suites import write_suite
from routeboard.team import audit
from routeboard.team.access import Actor, require

SAMPLE_DIR = benchmarks_dir() / "sample-routellm-mmlu"
DATA_FILE = SAMPLE_DIR / "results.csv.gz"
PREFIX = "sample:"
BAR = 0.8
OUTPUT_TOKENS = 1  # the data has no outputs: an MMLU answer is one letter
GPT4 = "gpt-4-1106-preview"
GPT4_LITELLM = "gpt-4-1106-preview"
MIXTRAL = "mistralai/Mixtral-8x7B-Instruct-v0.1"
# litellm has no price for the bare id; Together AI hosts it, so it is priced as a hosted open-weight model
MIXTRAL_LITELLM = "together_ai/mistralai/Mixtral-8x7B-Instruct-v0.1"
NOTE = (
    "sample benchmark data (RouteLLM MMLU, Apache-2.0): published per-question results, no outputs; input tokens "
    f"counted on each prompt by litellm's tokenizer, output assumed {OUTPUT_TOKENS} token (the answer letter); "
    f"prices from litellm's map, Mixtral at {MIXTRAL_LITELLM}'s"
)
# category -> MMLU subjects, chosen so the board shows an open-weight route, a frontier route where both
# clear, a frontier-only route and a category nothing clears
CATEGORIES = {
    "sample: marketing & civics": ("marketing", "world_religions", "high_school_government_and_politics"),
    "sample: psychology & geography": ("high_school_psychology", "high_school_geography"),
    "sample: biology & medicine": (
        "high_school_biology",
        "college_biology",
        "medical_genetics",
        "professional_medicine",
    ),
    "sample: mathematics": ("elementary_mathematics", "college_mathematics", "abstract_algebra"),
}
MODELS = (
    # model id, litellm id (for the price), display name, tier, data column prefix
    (GPT4, GPT4_LITELLM, "GPT-4 Turbo 1106 (sample data)", "frontier", "gpt4"),
    (MIXTRAL, MIXTRAL_LITELLM, "Mixtral 8x7B Instruct (sample data)", "hosted-open-weight", "mixtral"),
)


@dataclass
class SampleSummary:
    """What ``build`` stored (or found already there, ``created`` False)."""

    run_id: str
    suites: list[str]
    models: list[str]
    results: int
    created: bool = True
    notes: list[str] = field(default_factory=list)


def suite_name(category: str) -> str:
    """The suite of a sample category: 'sample: mathematics' -> 'sample:mmlu-mathematics'."""
    words = category.removeprefix(PREFIX).replace("&", " ").split()
    return PREFIX + "mmlu-" + "-".join(words)


def read_data() -> list[dict]:
    """The shipped sample rows (one per question)."""
    if not DATA_FILE.is_file():
        raise NotFound(f"{DATA_FILE} is missing: rebuild it with `python scripts/build_sample.py`")
    with gzip.open(DATA_FILE, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def is_present(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the sample workspace is in this database."""
    return bool(sample_run_ids(con.cursor()))


def build(con: duckdb.DuckDBPyConnection, *, actor: Actor | None = None) -> SampleSummary:
    """Store the sample workspace as one imported run, all or nothing; a second build changes nothing."""
    actor = require(actor, "manage_sample")
    data = read_data()
    with transaction(con) as cur:
        existing = sample_run_ids(cur)
        if existing:
            return SampleSummary(existing[0], [], [m[0] for m in MODELS], 0, created=False,
                                 notes=["the sample workspace is already there"])  # fmt: skip
        models = _sample_models(cur)
        suite_ids = {
            category: write_suite(
                cur, _suite(category, [r for r in data if r["category"] == category]), "sample"
            ).suite_id
            for category in CATEGORIES
        }
        rows = [_result(record, column, model_id) for record in data for model_id, _, _, _, column in MODELS]
        run = write_imported_run(
            cur,
            rows,
            models,
            {suite_name(category): suite_id for category, suite_id in suite_ids.items()},
            source_file=str(DATA_FILE.relative_to(SAMPLE_DIR.parent.parent)),
            digest=hashlib.sha256(DATA_FILE.read_bytes()).hexdigest(),
            fmt=SAMPLE_FORMAT,
            note=NOTE,
            launched_by=actor.user_id,
            extra_settings={"output_tokens_assumed": OUTPUT_TOKENS},
            tokens_estimated=True,  # the output tokens are assumed (the answer letter), not reported
        )
        audit.record(cur, actor, "manage_sample", run.run_id, {"added": len(rows)})
    return SampleSummary(run.run_id, run.suites, run.models, len(rows), notes=[NOTE])


def remove(con: duckdb.DuckDBPyConnection, *, actor: Actor | None = None) -> dict[str, int]:
    """Delete exactly what ``build`` added: its run and results, its suites and its catalog rows."""
    actor = require(actor, "manage_sample")
    with transaction(con) as cur:
        counts = delete_sample(cur, sample_run_ids(cur))
        audit.record(cur, actor, "manage_sample", None, {"removed": counts})
        return counts


def _sample_models(cur) -> dict[str, Model]:
    """The two models as the run prices them; added to the catalog (origin 'sample') unless already there."""
    stored = {row["model_id"]: row for row in select_models(cur, [m[0] for m in MODELS])}
    new_rows = []
    for model_id, litellm_model, display, tier, _column in MODELS:
        if model_id not in stored:  # unpriced: litellm's map prices it (catalog.model_from_row)
            stored[model_id] = catalog_row(model_id, litellm_model, display, tier, "sample")
            new_rows.append(stored[model_id])
    insert_models(cur, new_rows)
    return {model_id: model_from_row(stored[model_id]) for model_id, *_ in MODELS}


def _suite(category: str, records: list[dict]) -> Suite:
    tasks = tuple(
        Task(id=r["task_id"], input=r["prompt"], metadata={"subject": r["subject"]}) for r in records
    )  # fmt: skip
    return Suite(
        name=suite_name(category),
        category=category,
        grader=GraderSpec("exact", {}),
        tasks=tasks,
        bar=BAR,
        description="sample benchmark data: MMLU questions with RouteLLM's published results (Apache-2.0); "
        "no gold answers shipped, so the suite holds results, not a runnable grader",
        max_invalid_retries=0,
        source=f"{DATA_FILE.parent.name}/SOURCE.md",
    )


def _result(record: dict, column: str, model_id: str) -> ResultRow:
    return ResultRow(
        line=None,
        prefix="",
        suite=suite_name(record["category"]),
        category=record["category"],
        task_id=record["task_id"],
        model=model_id,
        correct=record[f"{column}_correct"] == "True",
        input_tokens=int(record[f"{column}_input_tokens"]),
        output_tokens=OUTPUT_TOKENS,
    )

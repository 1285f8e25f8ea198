#!/usr/bin/env python3
"""Build the sample workspace's data file (``benchmarks/sample-routellm-mmlu/``) from RouteLLM's MMLU results.

Usage::

    .venv/bin/python scripts/build_sample.py                  # reads /work/shared/datasets/routellm_mmlu
    .venv/bin/python scripts/build_sample.py --datasets DIR   # another copy of the same files

Writes ``results.csv.gz`` (one row per question: category, subject, task id, prompt, whether each model answered
correctly, input tokens per model) and ``SOURCE.md``. Input tokens are counted here, once, with
``litellm.token_counter`` on each prompt, so building the sample workspace in the app needs no tokenizer.
The output is deterministic (stable order, gzip without a timestamp).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from routeboard.imports.sample import (  # noqa: E402  (after the path so the script runs from a checkout)
    BAR,
    CATEGORIES,
    DATA_FILE,
    GPT4,
    GPT4_LITELLM,
    MIXTRAL,
    MIXTRAL_LITELLM,
    SAMPLE_DIR,
)
from routeboard.settings import configure_litellm  # noqa: E402

SOURCE_COMMIT = "0b64fdafe049e596a3f5657c219329f24af24198"
COLUMNS = ("category", "subject", "task_id", "prompt", "gpt4_correct", "mixtral_correct", "gpt4_input_tokens",
           "mixtral_input_tokens")  # fmt: skip


def build_rows(responses: Path) -> list[dict]:
    """One row per question of the selected subjects, in category then subject then file order."""
    litellm = configure_litellm()
    rows = []
    for category, subjects in CATEGORIES.items():
        for subject in subjects:
            with open(responses / f"mmlu_{subject}.csv", newline="", encoding="utf-8") as handle:
                for number, record in enumerate(csv.DictReader(handle), start=1):
                    prompt = record["prompt"]
                    rows.append(
                        {
                            "category": category,
                            "subject": subject,
                            "task_id": f"{subject}-{number:04d}",
                            "prompt": prompt,
                            "gpt4_correct": record[GPT4],
                            "mixtral_correct": record[MIXTRAL],
                            "gpt4_input_tokens": litellm.token_counter(model=GPT4_LITELLM, text=prompt),
                            "mixtral_input_tokens": litellm.token_counter(model=MIXTRAL_LITELLM, text=prompt),
                        }
                    )
    return rows


def write_data(rows: list[dict], path: Path) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as handle:
        handle.write(text.getvalue().encode("utf-8"))


def source_md(rows: list[dict]) -> str:
    counts = {}
    for row in rows:
        counts.setdefault(row["category"], {}).setdefault(row["subject"], 0)
        counts[row["category"]][row["subject"]] += 1
    lines = [
        "# Sample workspace: RouteLLM's published MMLU results (sample benchmark data)",
        "",
        "Not a company's work: published per-question results of two real models on MMLU, so a newcomer can",
        "explore a routing board before running anything (`python -m routeboard sample add`, or the Overview's",
        '"Explore a sample workspace" button; `sample remove` deletes it again).',
        "",
        "## Source and licence",
        "",
        f"- lm-sys/RouteLLM @ {SOURCE_COMMIT}, `routellm/evals/mmlu/responses/*.csv`, Apache-2.0.",
        f"- Models: `{GPT4}` (GPT-4 Turbo 1106) and `{MIXTRAL}`;",
        "  each cell says whether that model answered the question correctly. No outputs, no token counts.",
        "- Citations: Ong et al. 2024, *RouteLLM: Learning to Route LLMs with Preference Data*;",
        "  Hendrycks et al. 2021, *Measuring Massive Multitask Language Understanding* (MMLU).",
        "",
        "## Selection rule",
        "",
        "Every question of the subjects below (file order), grouped into categories chosen so the board shows",
        f"each kind of answer at the bar {BAR:g}: the open-weight model routed (both clear; it is cheaper),",
        "the frontier model routed though both clear (it fails less), only the frontier model clears, and",
        "nothing clears. Task ids are `<subject>-<row number in the subject file>`.",
        "",
    ]
    for category, subjects in counts.items():
        parts = ", ".join(f"{subject} ({n})" for subject, n in subjects.items())
        lines.append(f"- **{category}** ({sum(subjects.values())} questions): {parts}")
    lines += [
        "",
        "## Tokens and prices",
        "",
        "- Input tokens: counted on each prompt with `litellm.token_counter` (for "
        f"`{GPT4_LITELLM}` and `{MIXTRAL_LITELLM}`). litellm has no Mixtral tokenizer offline and counts both",
        "  with tiktoken's cl100k_base, so the counts are equal; Mixtral's own tokenizer would count somewhat more,",
        "  so its input cost here is a slight underestimate (at $0.6 per million tokens, a small one).",
        "- Output tokens: assumed 1 per answer (the answer letter); the run note says so.",
        "- Prices: litellm's bundled map when the sample is added; Mixtral priced as a hosted open-weight model,",
        f"  `{MIXTRAL_LITELLM}`.",
        "",
        "Rebuild: `.venv/bin/python scripts/build_sample.py` (deterministic).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="/work/shared/datasets", help="folder holding routellm_mmlu/")
    args = parser.parse_args(argv)
    responses = Path(args.datasets) / "routellm_mmlu" / "responses"
    rows = build_rows(responses)
    SAMPLE_DIR.mkdir(parents=True, exist_ok=True)
    write_data(rows, DATA_FILE)
    (SAMPLE_DIR / "SOURCE.md").write_text(source_md(rows), encoding="utf-8")
    print(f"{DATA_FILE.relative_to(ROOT)}: {len(rows)} questions, {os.path.getsize(DATA_FILE):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

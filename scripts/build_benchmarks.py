#!/usr/bin/env python3
"""Build the five shipped benchmark suites under ``benchmarks/`` from the public task data.

Usage::

    python3 scripts/build_benchmarks.py                     # reads /work/shared/datasets
    python3 scripts/build_benchmarks.py --datasets DIR      # another copy of the same files
    python3 scripts/build_benchmarks.py --out OTHER_DIR     # write somewhere else (e.g. to diff)

The output is deterministic: fixed seeds, stable input order, sorted JSON keys and a fixed YAML
layout, so re-running the script on the same input files gives byte-identical files.
Only the standard library and PyYAML are used.

Each suite folder holds ``suite.yaml`` (grader, validator, bar, risk, prompt template),
``tasks.jsonl`` (one task per line: id, vars, expected, metadata) and ``SOURCE.md``
(attribution, licence, citation, and the selection rule with its seed).
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime as dt
import json
import operator
import random
import re
import sys
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATASETS = Path("/work/shared/datasets")
DEFAULT_OUT = REPO_ROOT / "benchmarks"

# One fixed seed for every seeded selection below (each suite makes its own random.Random(SEED)).
SEED = 20250601
MAX_TASKS_BYTES = 2 * 1024 * 1024
# Both TAT-QA suites show the report the same way; only the instruction after the question differs.
TATQA_CONTEXT = (
    "Answer the question using the table and text from a company's financial report.\n"
    "\n"
    "Table:\n"
    "{{table}}\n"
    "\n"
    "Text:\n"
    "{{paragraphs}}\n"
    "\n"
    "Question: {{question}}\n"
    "\n"
)
TEMPLATE_VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

# --------------------------------------------------------------------------------------------
# Attribution (from /work/shared/datasets/SOURCES.md and the upstream repositories)
# --------------------------------------------------------------------------------------------

TATQA_SOURCE = {
    "dataset": "TAT-QA (Tabular And Textual dataset for Question Answering)",
    "repository": "https://github.com/NExTplusplus/TAT-QA",
    "commit": "870accc41953dcde885aabeb963d94aabdc0fbc3",
    "path": "dataset_raw/tatqa_dataset_test_gold.json",
    "local": "tatqa/tatqa_dataset_test_gold.json",
    "licence": "CC BY 4.0 (Creative Commons Attribution 4.0 International, "
    "https://creativecommons.org/licenses/by/4.0/); the dataset page states the data licence. "
    "(The repository's code is separately MIT-licensed.)",
    "citation": (
        "Fengbin Zhu, Wenqiang Lei, Youcheng Huang, Chao Wang, Shuo Zhang, Jiancheng Lv, Fuli Feng and "
        "Tat-Seng Chua. 2021. TAT-QA: A Question Answering Benchmark on a Hybrid of Tabular and Textual "
        "Content in Finance. In Proceedings of ACL-IJCNLP 2021 (Volume 1: Long Papers), pages 3277-3287. "
        "https://aclanthology.org/2021.acl-long.254 (doi:10.18653/v1/2021.acl-long.254)"
    ),
    "bibtex": """@inproceedings{zhu2021tat,
    title = "{TAT}-{QA}: A Question Answering Benchmark on a Hybrid of Tabular and Textual Content in Finance",
    author = "Zhu, Fengbin and Lei, Wenqiang and Huang, Youcheng and Wang, Chao and Zhang, Shuo and
              Lv, Jiancheng and Feng, Fuli and Chua, Tat-Seng",
    booktitle = "Proceedings of the 59th Annual Meeting of the Association for Computational Linguistics and
                 the 11th International Joint Conference on Natural Language Processing (Volume 1: Long Papers)",
    year = "2021",
    publisher = "Association for Computational Linguistics",
    url = "https://aclanthology.org/2021.acl-long.254",
    doi = "10.18653/v1/2021.acl-long.254",
    pages = "3277--3287"
}""",
}

BANKING77_SOURCE = {
    "dataset": "Banking77 (PolyAI task-specific datasets, banking intent detection)",
    "repository": "https://github.com/PolyAI-LDN/task-specific-datasets",
    "commit": "57ec275d8078af65b7731c2a98be812d844a6d6b",
    "path": "banking_data/test.csv, banking_data/categories.json",
    "local": "banking77/test.csv, banking77/categories.json",
    "licence": "CC BY 4.0 (Creative Commons Attribution 4.0 International, "
    "https://creativecommons.org/licenses/by/4.0/)",
    "citation": (
        "Iñigo Casanueva, Tadas Temčinas, Daniela Gerz, Matthew Henderson and Ivan Vulić. 2020. "
        "Efficient Intent Detection with Dual Sentence Encoders. In Proceedings of the 2nd Workshop on "
        "Natural Language Processing for Conversational AI. https://arxiv.org/abs/2003.04807"
    ),
    "bibtex": """@inproceedings{Casanueva2020,
    author      = {I{\\~{n}}igo Casanueva and Tadas Temcinas and Daniela Gerz and Matthew Henderson and Ivan Vulic},
    title       = {Efficient Intent Detection with Dual Sentence Encoders},
    year        = {2020},
    month       = {mar},
    note        = {Data available at https://github.com/PolyAI-LDN/task-specific-datasets},
    url         = {https://arxiv.org/abs/2003.04807},
    booktitle   = {Arxiv},
}""",
}

GSM8K_SOURCE = {
    "dataset": "GSM8K (Grade School Math 8K)",
    "repository": "https://github.com/openai/grade-school-math",
    "commit": "3101c7d5072418e28b9008a6636bde82a006892c",
    "path": "grade_school_math/data/test.jsonl",
    "local": "gsm8k/test.jsonl",
    "licence": "MIT (the licence text is reproduced at the end of this file)",
    "citation": (
        "Karl Cobbe, Vineet Kosaraju, Mohammad Bavarian, Mark Chen, Heewoo Jun, Lukasz Kaiser, Matthias "
        "Plappert, Jerry Tworek, Jacob Hilton, Reiichiro Nakano, Christopher Hesse and John Schulman. 2021. "
        "Training Verifiers to Solve Math Word Problems. arXiv:2110.14168. https://arxiv.org/abs/2110.14168"
    ),
    "bibtex": """@article{cobbe2021gsm8k,
  title={Training Verifiers to Solve Math Word Problems},
  author={Cobbe, Karl and Kosaraju, Vineet and Bavarian, Mohammad and Chen, Mark and Jun, Heewoo and
          Kaiser, Lukasz and Plappert, Matthias and Tworek, Jerry and Hilton, Jacob and Nakano, Reiichiro and
          Hesse, Christopher and Schulman, John},
  journal={arXiv preprint arXiv:2110.14168},
  year={2021}
}""",
}

MIT_LICENCE_GSM8K = """MIT License

Copyright (c) 2021 OpenAI

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""

REGENERATE = (
    "Regenerate with `python3 scripts/build_benchmarks.py` (reads `/work/shared/datasets`; "
    "override with `--datasets DIR`). The script is deterministic: the same input files give "
    "byte-identical suite files."
)

# --------------------------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Safe YAML with block literals for multi-line strings and no anchors/aliases."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: D102 - PyYAML hook
        return True


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def task_line(task: dict[str, Any]) -> str:
    return json.dumps(task, sort_keys=True, ensure_ascii=False)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def source_block(src: dict[str, str]) -> str:
    return "\n".join(
        [
            "## Source",
            "",
            f"- Dataset: {src['dataset']}",
            f"- Repository: {src['repository']} @ commit `{src['commit']}`",
            f"- Original path: `{src['path']}` (read here from `<datasets>/{src['local']}`)",
            f"- Licence: {src['licence']}",
            f"- Citation: {src['citation']}",
            "",
            "```bibtex",
            src["bibtex"],
            "```",
            "",
        ]
    )


# --------------------------------------------------------------------------------------------
# TAT-QA: table and paragraph rendering, derivation re-check
# --------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_table(rows: list[list[str]]) -> str:
    """A GitHub-style pipe table; the first source row is used as the header row."""
    width = max(len(r) for r in rows)
    norm = [[_cell(c) for c in r] + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(norm[0]) + " |", "|" + "|".join([" --- "] * width) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in norm[1:]]
    return "\n".join(lines)


def render_paragraphs(paragraphs: list[dict[str, Any]]) -> str:
    ordered = sorted(paragraphs, key=lambda p: int(p["order"]))
    return "\n\n".join(p["text"].strip() for p in ordered)


_OPS: dict[type, Callable[..., float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def _eval_node(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _eval_node(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval_node(node.left), _eval_node(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval_node(node.operand))
    raise ValueError(f"unsupported derivation node {type(node).__name__}")


def eval_derivation(derivation: str) -> float:
    """Evaluate a TAT-QA derivation such as '((1,568.6-1,571.7)/1,571.7) * 100' or '(32.0% - 31.8%) * 100'."""
    s = derivation.replace("$", "").replace("[", "(").replace("]", ")").replace("\u2212", "-")
    s = re.sub(r"(?<=\d),(?=\d{3})", "", s)  # thousands separators
    s = re.sub(r"(\d+(?:\.\d+)?)\s*%", r"(\1/100)", s)  # 12.5% -> 0.125
    return _eval_node(ast.parse(s.strip(), mode="eval"))


def within_numeric_tolerance(value: float, gold: float, abs_tol: float, rel_tol: float) -> bool:
    return abs(value - gold) <= max(abs_tol, rel_tol * abs(gold)) + 1e-9


def round_half_up(value: float, places: int) -> float:
    """Round as a person would (0.295 -> 0.30), on the shortest decimal form of the float."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def format_number(value: int | float) -> str:
    """Gold number as plain text: no thousands separators, no exponent, no trailing '.0'."""
    if isinstance(value, bool):
        raise ValueError("boolean is not a number")
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(value, "f").rstrip("0").rstrip(".")
    if text.endswith(".0"):
        text = text[:-2]
    return text


def _norm_ws_lower(text: str) -> str:
    return " ".join(text.split()).lower()


FIN_ABS_TOL = 0.005
FIN_REL_TOL = 0.01


def load_tatqa(datasets: Path) -> list[dict[str, Any]]:
    with open(datasets / "tatqa" / "tatqa_dataset_test_gold.json", encoding="utf-8") as fh:
        return json.load(fh)


def select_one_per_context(
    contexts: list[dict[str, Any]], eligible: list[list[dict[str, Any]]], n: int, seed: int
) -> list[tuple[int, dict[str, Any]]]:
    """Seeded: sample n contexts among those with an eligible question, then one question in each."""
    rng = random.Random(seed)
    pool = [i for i, qs in enumerate(eligible) if qs]
    if len(pool) < n:
        raise SystemExit(f"only {len(pool)} contexts have an eligible question, need {n}")
    chosen = sorted(rng.sample(pool, n))
    return [(i, rng.choice(eligible[i])) for i in chosen]


def tatqa_task(ctx: dict[str, Any], q: dict[str, Any], expected: str, tables: dict[str, str]) -> dict[str, Any]:
    table_uid = ctx["table"]["uid"]
    return {
        "id": f"tatqa-{q['uid']}",
        "vars": {
            "table": tables[table_uid],
            "paragraphs": render_paragraphs(ctx["paragraphs"]),
            "question": q["question"].strip(),
        },
        "expected": expected,
        "metadata": {
            "answer_from": q["answer_from"],
            "answer_type": q["answer_type"],
            "derivation": q["derivation"],
            "scale": q["scale"],
            "source": "TAT-QA test gold",
            "source_uid": q["uid"],
            "table_uid": table_uid,
        },
    }


def build_financial_analysis(datasets: Path, notes: list[str]) -> tuple[dict, list[dict], str]:
    data = load_tatqa(datasets)
    tables = {c["table"]["uid"]: render_table(c["table"]["table"]) for c in data}
    total = 0
    excluded: list[str] = []
    eligible: list[list[dict[str, Any]]] = []
    for ctx in data:
        keep = []
        for q in sorted(ctx["questions"], key=lambda q: int(q["order"])):
            if q["answer_type"] != "arithmetic":
                continue
            total += 1
            gold = q["answer"]
            if not isinstance(gold, (int, float)) or isinstance(gold, bool):
                excluded.append(f"`{q['uid']}`: answer {gold!r} is not a plain number")
                continue
            try:
                value = eval_derivation(q["derivation"])
            except (ValueError, SyntaxError, ZeroDivisionError) as exc:
                excluded.append(f"`{q['uid']}`: derivation {q['derivation']!r} does not evaluate ({exc})")
                continue
            rounded = round_half_up(value, 2)
            if not (
                within_numeric_tolerance(value, float(gold), FIN_ABS_TOL, FIN_REL_TOL)
                and within_numeric_tolerance(rounded, float(gold), FIN_ABS_TOL, FIN_REL_TOL)
            ):
                excluded.append(
                    f"`{q['uid']}`: derivation `{q['derivation'].strip()}` = {value:.6g} (rounded to two "
                    f'decimals: {rounded:g}) but gold answer is {gold} (question: "{q["question"].strip()}")'
                )
                continue
            keep.append(q)
        eligible.append(keep)
    n_eligible = sum(len(qs) for qs in eligible)
    picked = select_one_per_context(data, eligible, 100, SEED)
    tasks = [tatqa_task(data[i], q, format_number(q["answer"]), tables) for i, q in picked]
    notes.append(
        f"financial-analysis: {total} arithmetic questions, {n_eligible} eligible, "
        f"{len(excluded)} excluded (gold does not match its own derivation within tolerance)"
    )
    notes.extend(f"  excluded {e}" for e in excluded)

    scales: dict[str, int] = {}
    for t in tasks:
        scales[t["metadata"]["scale"] or "(none)"] = scales.get(t["metadata"]["scale"] or "(none)", 0) + 1
    negatives = sum(1 for t in tasks if t["expected"].startswith("-"))

    suite = {
        "name": "financial-analysis",
        "category": "financial analysis",
        "description": (
            "Calculate a figure from a real company's financial report: 100 TAT-QA arithmetic questions "
            "(changes, percentage changes, ratios, averages and sums), each with the report's table and "
            "paragraphs. The reply must be a single number; it is graded within 1% relative or 0.005 "
            "absolute of the gold answer, taking the answer's scale (thousand / million / percent) into account."
        ),
        "grader": {
            "name": "numeric",
            "options": {"abs_tol": FIN_ABS_TOL, "rel_tol": FIN_REL_TOL, "scale_field": "scale"},
        },
        "validator": {"name": "number", "options": {}},
        "bar": 0.94,
        "risk": (
            "A wrong figure looks as plausible as a right one, so it flows unnoticed into reports, "
            "forecasts and decisions."
        ),
        "prompt_template": (
            TATQA_CONTEXT + "Work out the answer, then reply with only the final number: no words, units, currency "
            "symbols or thousands separators. Use a minus sign for a decrease or negative value. Give "
            "percentages as the percentage value (write 12.5 for 12.5%) and amounts in the units the "
            "report uses (if the table is in thousands, write 1234 for 1,234 thousand). Round to two "
            "decimal places."
        ),
        "max_invalid_retries": 1,
    }
    scale_list = ", ".join(f"{k} {v}" for k, v in sorted(scales.items()))
    source_md = "\n".join(
        [
            "# financial-analysis: source and selection",
            "",
            source_block(TATQA_SOURCE),
            "## Selection rule",
            "",
            f'- Pool: every question with `answer_type == "arithmetic"` in the test gold file ({total} questions '
            f"over {len(data)} contexts), in file order.",
            "- Quality filter: each question's `derivation` is re-evaluated (thousands separators removed, "
            "`x%` read as x/100, `[...]` as brackets) and the question is kept only if both the result and the "
            "result rounded half-up to two decimals (as the prompt asks) are within the grader's tolerance "
            f"(1% relative or 0.005 absolute) of the gold `answer`. {len(excluded)} "
            f"questions fail this check and are excluded; {n_eligible} remain eligible. Excluded:",
            *[f"  - {e}" for e in excluded],
            f"- Sampling: `random.Random({SEED})` (Python's Mersenne Twister) draws 100 contexts with "
            "`rng.sample` from the contexts that have at least one eligible question (in file order), then "
            "picks one eligible question per drawn context with `rng.choice` (contexts visited in file "
            "order). One question per context keeps the 100 tasks on 100 different tables.",
            "- Task order: file order. Task id: `tatqa-<question uid>`.",
            f"- Result: 100 tasks; scales: {scale_list}; {negatives} have a negative gold answer.",
            "",
            "## Changes made to the data",
            "",
            "- The table (`table.table`, a list of rows) is rendered as a Markdown pipe table whose first "
            "row is the header row; whitespace inside cells is collapsed. Cell text is otherwise unchanged "
            "(including `$`, thousands separators and accounting brackets).",
            "- Paragraphs are joined in `order`, separated by a blank line.",
            "- `expected` is the gold `answer` written as a plain number (no thousands separators). All "
            "TAT-QA arithmetic answers are JSON numbers, most rounded to two decimals.",
            "- `metadata` keeps `scale`, `answer_type`, `answer_from`, `derivation`, the question uid "
            "(`source_uid`) and the table uid.",
            "",
            "## Regenerating",
            "",
            REGENERATE,
            "",
        ]
    )
    return suite, tasks, source_md


def build_document_extraction(datasets: Path, notes: list[str]) -> tuple[dict, list[dict], str]:
    data = load_tatqa(datasets)
    tables = {c["table"]["uid"]: render_table(c["table"]["table"]) for c in data}
    total = 0
    not_single = 0
    not_found: list[str] = []
    case_only = 0
    eligible: list[list[dict[str, Any]]] = []
    for ctx in data:
        context_text = tables[ctx["table"]["uid"]] + "\n" + render_paragraphs(ctx["paragraphs"])
        haystack = _norm_ws_lower(context_text)
        exact_haystack = " ".join(context_text.split())
        keep = []
        for q in sorted(ctx["questions"], key=lambda q: int(q["order"])):
            if q["answer_type"] != "span":
                continue
            total += 1
            ans = q["answer"]
            if not (isinstance(ans, list) and len(ans) == 1 and isinstance(ans[0], str) and ans[0].strip()):
                not_single += 1
                continue
            if _norm_ws_lower(ans[0]) not in haystack:
                not_found.append(f'`{q["uid"]}`: "{ans[0].strip()[:70]}"')
                continue
            if " ".join(ans[0].split()) not in exact_haystack:
                case_only += 1
            keep.append(q)
        eligible.append(keep)
    n_eligible = sum(len(qs) for qs in eligible)
    picked = select_one_per_context(data, eligible, 100, SEED)
    tasks = [tatqa_task(data[i], q, q["answer"][0].strip(), tables) for i, q in picked]
    lengths = sorted(len(t["expected"].split()) for t in tasks)
    short = sum(1 for n in lengths if n <= 3)
    long_ = sum(1 for n in lengths if n > 10)
    notes.append(
        f"document-extraction: {total} span questions, {not_single} not a single span, "
        f"{len(not_found)} spans not found in the context (case/whitespace-insensitive), {n_eligible} eligible"
    )

    suite = {
        "name": "document-extraction",
        "category": "document extraction",
        "description": (
            "Find and copy one value or phrase (an amount, year, name, date or stated reason) from a "
            "financial report's table and paragraphs: 100 TAT-QA single-span questions. Graded by token F1 "
            "against the gold span with a pass threshold of 0.8, which forgives small differences such as a "
            "dropped currency sign or trailing period; an exact-match grader would be stricter."
        ),
        "grader": {"name": "f1", "options": {"threshold": 0.8}},
        "bar": 0.9,
        "risk": (
            "A wrong or partly copied value silently corrupts the records and reports that are built on "
            "the extracted field."
        ),
        "prompt_template": (
            TATQA_CONTEXT + "The answer is a single span copied from the table or the text (a value, year, name or "
            "phrase). Reply with only that span, exactly as it appears: no explanation, no full sentence, "
            "no added units."
        ),
        "max_invalid_retries": 1,
    }
    source_md = "\n".join(
        [
            "# document-extraction: source and selection",
            "",
            source_block(TATQA_SOURCE),
            "## Selection rule",
            "",
            f'- Pool: every question with `answer_type == "span"` in the test gold file ({total} questions '
            f"over {len(data)} contexts), in file order.",
            f"- Kept only when the answer is a list of exactly one non-empty string ({not_single} are not) and "
            "that string occurs in the rendered table or paragraphs, ignoring case and whitespace "
            f"({len(not_found)} do not; {case_only} of the kept spans match only when case is ignored, e.g. "
            "a capitalised first word); "
            f"{n_eligible} remain eligible.",
            *[f"  - not found: {e}" for e in not_found],
            f"- Sampling: `random.Random({SEED})` draws 100 contexts with `rng.sample` from the contexts that "
            "have at least one eligible question (in file order), then picks one eligible question per drawn "
            "context with `rng.choice` (contexts visited in file order). Same seed and rule as "
            "financial-analysis, so the two suites may share tables but never a question.",
            "- Task order: file order. Task id: `tatqa-<question uid>`.",
            f"- Result: 100 tasks; gold spans of 1-3 words: {short}, over 10 words: {long_} "
            f"(median {lengths[len(lengths) // 2]} words).",
            "",
            "## Changes made to the data",
            "",
            "- Table rendered as a Markdown pipe table (first row = header row, whitespace in cells "
            "collapsed); paragraphs joined in `order` with a blank line between them.",
            "- `expected` is the single gold span with surrounding whitespace stripped.",
            "- `metadata` keeps `scale`, `answer_type`, `answer_from`, `derivation` (empty for spans), the "
            "question uid (`source_uid`) and the table uid.",
            "",
            "## Regenerating",
            "",
            REGENERATE,
            "",
        ]
    )
    return suite, tasks, source_md


# --------------------------------------------------------------------------------------------
# Banking77
# --------------------------------------------------------------------------------------------

BANKING_N = 200
BANKING_MIN_PER_INTENT = 2


def build_customer_request_classification(datasets: Path, notes: list[str]) -> tuple[dict, list[dict], str]:
    with open(datasets / "banking77" / "categories.json", encoding="utf-8") as fh:
        labels: list[str] = json.load(fh)
    with open(datasets / "banking77" / "test.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if len(set(labels)) != len(labels):
        raise SystemExit("duplicate labels in categories.json")
    by_label: dict[str, list[int]] = {lab: [] for lab in labels}
    for i, row in enumerate(rows):
        if row["category"] not in by_label:
            raise SystemExit(f"row {i}: unknown category {row['category']!r}")
        by_label[row["category"]].append(i)

    rng = random.Random(SEED)
    extra = BANKING_N - BANKING_MIN_PER_INTENT * len(labels)
    plus_one = set(rng.sample(labels, extra))  # labels (categories.json order) that get one more row
    chosen: list[int] = []
    for lab in labels:
        k = BANKING_MIN_PER_INTENT + (1 if lab in plus_one else 0)
        chosen.extend(rng.sample(by_label[lab], k))
    chosen.sort()
    tasks = [
        {
            "id": f"banking77-test-{i:04d}",
            "vars": {"text": rows[i]["text"]},
            "expected": rows[i]["category"],
            "metadata": {"source": "Banking77 test.csv", "source_row": i},
        }
        for i in chosen
    ]
    odd = [i for i in chosen if rows[i]["text"] != rows[i]["text"].strip() or "\n" in rows[i]["text"]]
    notes.append(
        f"customer-request-classification: {len(rows)} rows, {len(labels)} intents; {len(tasks)} tasks "
        f"({len(plus_one)} intents with 3 rows); {len(odd)} selected texts have leading/trailing whitespace "
        "or a newline (kept verbatim)"
    )
    counts = sorted({len(v) for v in by_label.values()})
    per_intent = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    label_lines = "\n".join(f"- {lab}" for lab in labels)
    suite = {
        "name": "customer-request-classification",
        "category": "customer-request classification",
        "description": (
            "Route a bank customer's message to one of 77 intents (Banking77): 200 test messages, stratified "
            "so every intent appears at least twice. The reply must be exactly one label from the list."
        ),
        "grader": {"name": "label", "options": {"labels": labels}},
        "validator": {"name": "one_of", "options": {"labels": labels}},
        "bar": 0.95,
        "risk": (
            "A misclassified request lands in the wrong queue or automated flow, delaying the customer's "
            "answer and costing a manual hand-off."
        ),
        "prompt_template": (
            "Classify the bank customer's message into exactly one of these intent labels:\n"
            f"{label_lines}\n"
            "\n"
            "Message: {{text}}\n"
            "\n"
            "Reply with only the label, spelled exactly as in the list."
        ),
        "max_invalid_retries": 1,
    }
    source_md = "\n".join(
        [
            "# customer-request-classification: source and selection",
            "",
            source_block(BANKING77_SOURCE),
            "## Selection rule",
            "",
            f"- Pool: all {len(rows)} rows of `test.csv` ({len(labels)} intents, {per_intent} rows each); "
            "row numbers count data rows from 0 (the header is not counted).",
            f"- Stratified, seeded with `random.Random({SEED})` (Python's Mersenne Twister):",
            f"  1. `rng.sample(labels, {extra})` picks the {extra} intents (from `categories.json`, in file "
            f"order) that get a third row, so {len(labels)} x {BANKING_MIN_PER_INTENT} + {extra} = {BANKING_N}.",
            "  2. For each intent in `categories.json` order, `rng.sample` draws its 2 (or 3) rows from that "
            "intent's rows (in file order).",
            "- Task order: by source row. Task id: `banking77-test-<row, 4 digits>`.",
            f"- Result: {len(tasks)} tasks, every intent 2-3 times.",
            "",
            "## Changes made to the data",
            "",
            "- None: messages are kept verbatim and `expected` is the `category` column. The label list in "
            "the prompt, grader and validator is `categories.json` in its original order and spelling, "
            "including two upstream quirks: `Refund_not_showing_up` (capital R) and `reverted_card_payment?` "
            "(with a question mark). A reply must reproduce them exactly.",
            "",
            "## Regenerating",
            "",
            REGENERATE,
            "",
        ]
    )
    return suite, tasks, source_md


# --------------------------------------------------------------------------------------------
# GSM8K
# --------------------------------------------------------------------------------------------


def build_arithmetic_word_problems(datasets: Path, notes: list[str]) -> tuple[dict, list[dict], str]:
    with open(datasets / "gsm8k" / "test.jsonl", encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    rng = random.Random(SEED)
    chosen = sorted(rng.sample(range(len(items)), 100))
    tasks = []
    comma_answers = 0
    for i in chosen:
        answer = items[i]["answer"]
        if answer.count("#### ") != 1:
            raise SystemExit(f"gsm8k line {i}: expected exactly one '#### '")
        solution, gold = answer.split("#### ")
        gold = gold.strip()
        if "," in gold:
            comma_answers += 1
        gold = gold.replace(",", "")
        if not re.fullmatch(r"-?\d+(\.\d+)?", gold):
            raise SystemExit(f"gsm8k line {i}: gold {gold!r} is not a number")
        tasks.append(
            {
                "id": f"gsm8k-test-{i:04d}",
                "vars": {"question": items[i]["question"].strip()},
                "expected": gold,
                "metadata": {
                    "source": "GSM8K test.jsonl",
                    "source_line": i,
                    "reference_solution": solution.strip(),
                },
            }
        )
    notes.append(
        f"arithmetic-word-problems: {len(items)} problems, 100 sampled; {comma_answers} selected gold answers "
        "had thousands commas (removed)"
    )
    suite = {
        "name": "arithmetic-word-problems",
        "category": "arithmetic word problems",
        "description": (
            "Multi-step arithmetic on everyday quantities (money, time, counts): 100 GSM8K test problems, "
            "each with one exact numeric answer. The model may reason briefly but must finish with "
            "'Answer: <number>'; graded numerically with no tolerance beyond 0.001."
        ),
        "grader": {"name": "numeric", "options": {"abs_tol": 0.001, "rel_tol": 0.0}},
        "validator": {"name": "number", "options": {}},
        "bar": 0.9,
        "risk": (
            "A wrong total or quantity is reused in a quote, order or invoice without anyone redoing the arithmetic."
        ),
        "prompt_template": (
            "Solve this problem.\n"
            "\n"
            "{{question}}\n"
            "\n"
            "Reason briefly, step by step. End your reply with a final line of the form\n"
            "Answer: <number>\n"
            "where <number> is only the number: no units, currency symbols or thousands separators."
        ),
        "max_invalid_retries": 1,
    }
    source_md = "\n".join(
        [
            "# arithmetic-word-problems: source and selection",
            "",
            source_block(GSM8K_SOURCE),
            "## Selection rule",
            "",
            f"- Pool: all {len(items)} problems of `test.jsonl`; line numbers count from 0.",
            f"- Sampling: `random.Random({SEED}).sample(range({len(items)}), 100)` (Python's Mersenne "
            "Twister), then sorted by line number.",
            "- Task id: `gsm8k-test-<line, 4 digits>`.",
            "",
            "## Changes made to the data",
            "",
            "- `vars.question` is the `question` field, stripped.",
            "- `expected` is the text after `#### ` in `answer`, with thousands commas removed "
            f"({comma_answers} of the selected answers had them). All GSM8K test answers are integers.",
            "- `metadata.reference_solution` keeps the worked solution (the `answer` field without the "
            "final `#### ` line, calculator annotations `<<...>>` left in) for reviewers; it is never shown "
            "to the model.",
            "",
            "## Regenerating",
            "",
            REGENERATE,
            "",
            "## Licence text (GSM8K)",
            "",
            "```text",
            MIT_LICENCE_GSM8K,
            "```",
            "",
        ]
    )
    return suite, tasks, source_md


# --------------------------------------------------------------------------------------------
# Internal email drafting (written for routeboard; CC BY 4.0)
# --------------------------------------------------------------------------------------------

# Each: (slug, request, facts, must_contain, expected summary). All people, companies, phone numbers and
# addresses are fictional (.example domains; +44 20 7946 0xxx is the UK's reserved drama range).
EMAIL_TASKS: list[tuple[str, str, list[str], list[str], str]] = [
    (
        "office-closure",
        "Tell everyone at the London office that the office will be closed for a day and what to do instead.",
        [
            "Sender: Maria Lopez, Office Manager",
            "To: all staff at the London office",
            "The office is closed all day on Friday 14 March 2025",
            "Reason: building-wide electrical safety inspection by the landlord",
            "Everyone works from home that day; VPN access is needed for internal systems",
            "Collect any laptop chargers or monitors you need by Thursday 13 March 2025 at 17:00",
        ],
        ["14 March", "13 March", "17:00"],
        "Tells London staff the office is closed on Friday 14 March 2025 for an electrical inspection, asks them "
        "to work from home with VPN and to collect equipment by 13 March at 17:00.",
    ),
    (
        "po-approval",
        "Ask the finance team to approve a purchase order for new laptops before the vendor's quote expires.",
        [
            "Sender: Daniel Okafor, IT Operations Lead",
            "To: the Finance approvals team",
            "Purchase order number: PO-2025-0418",
            "Vendor: Brightline Computers Ltd",
            "Amount: $18,450.00 excluding tax, for 15 laptops",
            "Budget line: IT hardware refresh FY25",
            "The vendor's quote expires on Friday 28 February 2025",
        ],
        ["PO-2025-0418", "Brightline Computers", "$18,450.00", "28 February"],
        "Asks Finance to approve PO-2025-0418 to Brightline Computers Ltd for $18,450.00 (15 laptops, IT "
        "hardware refresh FY25) before the quote expires on 28 February 2025.",
    ),
    (
        "reschedule-product-sync",
        "Move this week's product sync and tell the attendees the new time.",
        [
            "Sender: Aiko Tanaka, Product Manager",
            "To: product sync attendees (design, engineering and support leads)",
            "Original slot: Tuesday 8 April 2025, 10:00-10:45",
            "New slot: Wednesday 9 April 2025, 14:00-14:45",
            "Reason: the original slot clashes with the quarterly board review",
            "Location unchanged: Room 3.12 and the usual video link",
            "Please add agenda items to the shared sync doc by Tuesday evening",
        ],
        ["9 April", "14:00", "Room 3.12"],
        "Moves the product sync from Tuesday 8 April 10:00 to Wednesday 9 April 2025 14:00-14:45 in Room 3.12 "
        "because of the board review, and asks for agenda items by Tuesday evening.",
    ),
    (
        "expense-policy-change",
        "Announce the changes to the travel expense policy to all employees.",
        [
            "Sender: Grace Mensah, Head of Finance",
            "To: all employees",
            "Effective date: 1 May 2025",
            "The daily meal allowance on business travel rises from €45 to €60",
            "Itemised receipts are now required for every expense above €25",
            "Claims must be submitted in the expenses app within 30 days of the expense",
            "Questions go to expenses@northwind.example",
        ],
        ["1 May 2025", "€60", "€25", "30 days"],
        "Announces that from 1 May 2025 the meal allowance rises from €45 to €60, receipts are required above "
        "€25 and claims are due within 30 days, with questions to expenses@northwind.example.",
    ),
    (
        "new-starter-intro",
        "Introduce a new engineer to the team and tell them how to welcome her.",
        [
            "Sender: Tom Becker, Engineering Manager, Payments team",
            "To: the Payments team",
            "New starter: Priya Natarajan, Senior Backend Engineer",
            "Start date: Monday 3 March 2025",
            "She previously built card-settlement systems at a fintech company",
            "Her onboarding buddy is Lukas Weber",
            "Welcome lunch for the team on Wednesday 5 March 2025 at 12:30",
        ],
        ["Priya Natarajan", "3 March", "Lukas Weber"],
        "Introduces Priya Natarajan, Senior Backend Engineer starting Monday 3 March 2025 with Lukas Weber as "
        "buddy, and invites the team to the welcome lunch on 5 March at 12:30.",
    ),
    (
        "sso-maintenance",
        "Warn all staff about planned maintenance on the single sign-on portal.",
        [
            "Sender: IT Service Desk",
            "To: all staff",
            "System: the single sign-on (SSO) portal",
            "Maintenance window: Saturday 22 March 2025, 06:00-10:00 CET",
            "During the window nobody can log in to Slack, Jira or the HR portal",
            "No action is needed; open sessions may be logged out",
            "For urgent problems call the service desk on +44 20 7946 0321",
        ],
        ["22 March", "06:00", "+44 20 7946 0321"],
        "Warns staff that SSO is down on Saturday 22 March 2025, 06:00-10:00 CET, blocking Slack, Jira and the "
        "HR portal, that no action is needed, and gives the service desk number for urgent problems.",
    ),
    (
        "overdue-invoice-chase",
        "Ask Accounts Payable why a supplier invoice has not been paid and when it will be.",
        [
            "Sender: Sofia Rossi, Marketing Operations",
            "To: the Accounts Payable team",
            "Supplier: Pixelwave Studio",
            "Invoice number: INV-88213",
            "Amount: £7,200",
            "The invoice was due on Friday 31 January 2025",
            "Pixelwave Studio emailed on Monday 3 March 2025 to say payment has not arrived",
            "Please confirm the payment status and expected payment date by Friday 7 March 2025",
        ],
        ["INV-88213", "£7,200", "Pixelwave Studio"],
        "Asks Accounts Payable for the status of Pixelwave Studio invoice INV-88213 (£7,200, due 31 January "
        "2025) and an expected payment date by 7 March 2025.",
    ),
    (
        "annual-leave-request",
        "Ask my manager to approve two weeks of annual leave in July.",
        [
            "Sender: James Whitfield, Customer Support Specialist",
            "To: Hannah Cole, Support Team Lead (his manager)",
            "Leave: Monday 14 July to Friday 25 July 2025 (10 working days)",
            "Remaining allowance after this leave: 8 days",
            "Nadia Haddad has agreed to cover his ticket queue",
            "The request is already submitted in the HR portal and needs her approval there",
        ],
        ["14 July", "25 July", "Nadia Haddad"],
        "Asks Hannah Cole to approve leave from 14 to 25 July 2025 in the HR portal, noting 8 days remain "
        "afterwards and Nadia Haddad will cover the queue.",
    ),
    (
        "security-training-deadline",
        "Remind people managers that their teams must finish the mandatory security training.",
        [
            "Sender: Rachel Kim, Information Security",
            "To: all people managers",
            "Training: phishing and data-handling refresher, 45 minutes, mandatory for all staff",
            "Deadline: Monday 30 June 2025",
            "Course code in the LearnHub portal: SEC-204",
            "Completion so far: 62% of staff",
            "Ask: make sure every direct report completes it before the deadline",
        ],
        ["30 June 2025", "SEC-204", "62%"],
        "Asks managers to make sure every direct report completes the mandatory 45-minute course SEC-204 in "
        "LearnHub by 30 June 2025, noting completion is at 62%.",
    ),
    (
        "conference-budget-request",
        "Ask my head of department to approve budget for a conference.",
        [
            "Sender: Omar Farouk, Data Scientist",
            "To: Elena Petrova, Head of Data",
            "Event: EuroData Summit 2025, Amsterdam, 12-14 May 2025",
            "Cost: ticket €690 plus travel and hotel €840, total €1,530",
            "Two sessions on demand forecasting are directly relevant to the demand-planning project",
            "He will share what he learns in a lunch-and-learn afterwards",
            "The early-bird ticket price ends on Tuesday 15 April 2025",
        ],
        ["€1,530", "15 April", "EuroData Summit"],
        "Asks Elena Petrova to approve €1,530 (ticket €690, travel and hotel €840) for EuroData Summit 2025, "
        "explaining the benefit and the 15 April early-bird deadline.",
    ),
    (
        "incident-review-invite",
        "Invite stakeholders to the post-incident review of last week's checkout outage.",
        [
            "Sender: Ben Carter, Site Reliability Lead",
            "To: engineering and customer success leads",
            "Incident: INC-3094, checkout outage on Tuesday 18 February 2025 lasting 47 minutes",
            "Suspected root cause (still under review): an expired TLS certificate on the payments gateway",
            "Post-incident review: Thursday 27 February 2025 at 15:00 in Room Orion",
            "Ask: add your timeline notes to the incident document before the meeting",
        ],
        ["INC-3094", "47 minutes", "27 February"],
        "Invites leads to the INC-3094 review on Thursday 27 February 2025 at 15:00 in Room Orion about the "
        "47-minute checkout outage, and asks for timeline notes beforehand.",
    ),
    (
        "car-park-closure",
        "Tell staff at the Leeds site that the car park will be closed and where to park instead.",
        [
            "Sender: Carlos Mendes, Facilities",
            "To: all staff at the Leeds site",
            "The car park is closed from Monday 2 June to Friday 6 June 2025 for resurfacing",
            "40 spaces are reserved at the Wellington Street multi-storey car park; show your staff badge",
            "The bike storage stays open",
        ],
        ["2 June", "6 June", "Wellington Street"],
        "Tells Leeds staff the car park is closed 2-6 June 2025 for resurfacing, that 40 spaces are reserved at "
        "Wellington Street on showing a staff badge, and that bike storage stays open.",
    ),
    (
        "contract-renewal-review",
        "Ask Legal to review a software contract before it renews automatically.",
        [
            "Sender: Laura Chen, Procurement",
            "To: the Legal team",
            "Contract: software licence agreement with DataHarbor Inc., contract reference C-2291",
            "It renews automatically on 1 September 2025 unless notice is given by 3 July 2025",
            "Annual value: $96,000",
            "Ask: review the terms and confirm by Friday 20 June 2025 whether to renew or give notice",
        ],
        ["C-2291", "DataHarbor", "$96,000", "3 July"],
        "Asks Legal to review the DataHarbor contract C-2291 ($96,000 a year), which auto-renews on 1 September "
        "2025 unless notice is given by 3 July, and to decide by 20 June 2025.",
    ),
    (
        "new-hire-it-setup",
        "Ask the IT service desk to get accounts and equipment ready for a new hire.",
        [
            "Sender: Hannah Cole, Support Team Lead",
            "To: the IT Service Desk",
            "New hire: Mateo García, Customer Support Specialist",
            "Employee ID: E-40517",
            "Start date: Monday 10 March 2025",
            "Needs: a laptop, a Zendesk agent licence, a Slack account and access to the support shared drive",
            "Please confirm everything will be ready by Friday 7 March 2025",
        ],
        ["Mateo García", "E-40517", "10 March"],
        "Asks IT to set up a laptop, Zendesk licence, Slack and shared-drive access for Mateo García (E-40517) "
        "starting 10 March 2025 and to confirm readiness by 7 March.",
    ),
    (
        "forecast-deadline",
        "Remind account executives about the quarter-end forecast deadline.",
        [
            "Sender: Victor Alvarez, Revenue Operations",
            "To: all account executives",
            "Q2 forecasts are due in Salesforce by Wednesday 25 June 2025 at 17:00",
            "Every deal above $50,000 needs a close plan attached",
            "Forecast review call with the VP of Sales on Friday 27 June 2025",
        ],
        ["25 June", "$50,000", "27 June"],
        "Reminds account executives to submit Q2 forecasts in Salesforce by 25 June 2025 at 17:00 with close "
        "plans for deals above $50,000, ahead of the 27 June review call.",
    ),
    (
        "fire-drill",
        "Announce the fire drill to everyone in Building B.",
        [
            "Sender: Ruth Adeyemi, Health and Safety Officer",
            "To: everyone in Building B",
            "Fire drill: Tuesday 11 November 2025 at 10:30, lasting about 20 minutes",
            "Assembly point: the north car park, Zone C",
            "Do not use the lifts; fire wardens wear yellow vests",
            "Hosts must escort their visitors",
        ],
        ["11 November", "10:30", "Zone C"],
        "Announces the Building B fire drill on Tuesday 11 November 2025 at 10:30 (about 20 minutes), the Zone C "
        "assembly point, no lifts, wardens in yellow vests and visitor escorts.",
    ),
    (
        "churn-data-request",
        "Ask the analytics team for churn figures for the board pack.",
        [
            "Sender: Isabel Moreau, Head of Customer Success",
            "To: the Analytics team",
            "Needed: customer churn for Q1 2025 (January to March) by customer segment, split by plan tier",
            "Purpose: the board pack",
            "Deadline: Monday 14 April 2025",
            "Format: a CSV file plus one summary chart",
            "Ticket already raised: DATA-1187",
        ],
        ["Q1 2025", "14 April", "DATA-1187"],
        "Asks Analytics for Q1 2025 churn by segment and plan tier as a CSV plus chart for the board pack by "
        "14 April 2025, referencing ticket DATA-1187.",
    ),
    (
        "price-change-briefing",
        "Brief the customer-facing teams on an upcoming price change.",
        [
            "Sender: Nikhil Rao, Pricing Manager",
            "To: the customer support and account management teams",
            "The Pro plan price rises from $29 to $35 per user per month",
            "New customers pay the new price from 1 August 2025",
            "Existing customers move to it at their first renewal after 1 October 2025",
            "Customer questions: use the 'Pro price change FAQ' page in the support wiki",
            "Send discount requests to pricing@northwind.example",
        ],
        ["$35", "1 August 2025", "1 October 2025"],
        "Briefs support and account teams that the Pro plan rises from $29 to $35 per user per month from 1 "
        "August 2025 for new customers and from the first renewal after 1 October 2025 for existing ones, "
        "pointing to the FAQ and the pricing address.",
    ),
    (
        "launch-thank-you",
        "Thank the mobile team for a successful release and invite them to a celebration.",
        [
            "Sender: Karen Liu, VP Engineering",
            "To: the Mobile team",
            "Version 5.0 of the mobile app launched on Monday 12 May 2025",
            "The crash rate fell from 1.8% to 0.4% in the first week",
            "The app store rating rose to 4.7",
            "Team dinner on Friday 23 May 2025; Joe will send the details",
        ],
        ["5.0", "0.4%", "23 May"],
        "Thanks the Mobile team for the 5.0 launch on 12 May 2025, citing the crash-rate drop from 1.8% to 0.4% "
        "and the 4.7 rating, and invites them to dinner on 23 May with details from Joe.",
    ),
    (
        "contractor-access-removal",
        "Ask the IT service desk to remove a departed contractor's access.",
        [
            "Sender: Ahmed Siddiqui, Security Operations",
            "To: the IT Service Desk",
            "Contractor: Felix Braun from Quantix Consulting; his contract ended on Monday 31 March 2025",
            "Remove: VPN access, GitHub organisation membership and the AWS staging account",
            "Ticket: SEC-5521",
            "Please confirm removal by the end of Tuesday 1 April 2025",
        ],
        ["Felix Braun", "SEC-5521", "1 April"],
        "Asks IT to revoke Felix Braun's VPN, GitHub and AWS staging access under ticket SEC-5521 now that his "
        "contract ended on 31 March 2025, confirming by the end of 1 April.",
    ),
    (
        "offsite-cancelled",
        "Tell the leadership team that the offsite is cancelled and what replaces it.",
        [
            "Sender: Olivia Grant, Chief of Staff",
            "To: the leadership team",
            "The leadership offsite at Hartwell Manor on 17-18 September 2025 is cancelled",
            "Reason: it now overlaps with the product launch, which has moved",
            "Replacement: a one-day session in the HQ boardroom on Thursday 2 October 2025",
            "Hotel rooms were booked centrally and are already cancelled; no action needed for those",
            "Cancel any personal travel bookings and claim any fees through expenses",
        ],
        ["Hartwell Manor", "2 October"],
        "Tells the leadership team the 17-18 September Hartwell Manor offsite is cancelled because of the moved "
        "launch, replaced by a one-day HQ session on 2 October 2025, and asks them to cancel personal travel.",
    ),
    (
        "customer-bug-escalation",
        "Ask the platform engineering on-call lead to prioritise a bug that is putting a renewal at risk.",
        [
            "Sender: Chloe Dubois, Enterprise Account Manager",
            "To: the platform engineering on-call lead",
            "Customer: Meridian Logistics, annual contract value $240,000",
            "Issue: CSV export times out for reports over 50,000 rows; bug ticket BUG-7731",
            "The customer's renewal meeting is on Monday 19 May 2025",
            "Ask: an ETA for a fix, or a workaround, before the renewal meeting",
        ],
        ["Meridian Logistics", "BUG-7731", "19 May"],
        "Asks the on-call lead for an ETA or workaround on BUG-7731 (CSV exports over 50,000 rows time out) "
        "for Meridian Logistics ($240,000 a year) before their 19 May 2025 renewal meeting.",
    ),
    (
        "payday-change",
        "Tell UK employees that payday is moving.",
        [
            "Sender: Sunita Sharma, Payroll",
            "To: all UK employees",
            "From June 2025 payday moves from the last working day of the month to the 25th "
            "(or the working day before, if the 25th is a weekend or bank holiday)",
            "First payday on the new schedule: 25 June 2025",
            "Payslips stay available in the HR portal two days before payday",
            "Questions: payroll@northwind.example",
        ],
        ["25 June 2025", "payroll@northwind.example"],
        "Tells UK employees that from June 2025 payday moves to the 25th (earlier if a weekend or bank holiday), "
        "first on 25 June 2025, with payslips two days before and questions to payroll@northwind.example.",
    ),
    (
        "office-days-policy",
        "Announce the change to the hybrid working policy.",
        [
            "Sender: Amara Obi, Head of People",
            "To: all employees",
            "From 1 September 2025 the minimum number of office days rises from 2 to 3 per week",
            "Each team agrees its anchor days with its manager by Friday 15 August 2025",
            "Desks must still be booked in the Officely app",
            "Approved flexible-working arrangements continue unchanged",
        ],
        ["1 September 2025", "15 August", "Officely"],
        "Announces that from 1 September 2025 the office minimum rises from 2 to 3 days a week, teams set anchor "
        "days by 15 August, desks are booked in Officely and approved flexible arrangements stay.",
    ),
    (
        "battlecard-feedback",
        "Ask sales leadership for feedback on a draft battlecard.",
        [
            "Sender: Marta Novak, Product Marketing",
            "To: Victor Alvarez and Dana White, sales leadership",
            "Draft: the Analytics battlecard v2, in the shared Product Marketing folder",
            "Feedback needed by Thursday 10 July 2025",
            "Focus on the pricing comparison section and the objection handling section",
            "The final version goes to the whole sales team on Tuesday 15 July 2025",
        ],
        ["10 July", "Analytics battlecard v2", "15 July"],
        "Asks Victor Alvarez and Dana White to review the Analytics battlecard v2, focusing on pricing and "
        "objection handling, by 10 July 2025 before it goes to sales on 15 July.",
    ),
    (
        "cloud-cost-overrun",
        "Tell engineering managers that cloud spend went over budget and what they need to do.",
        [
            "Sender: Priyanka Das, FinOps Analyst",
            "To: all engineering managers",
            "AWS spend in March 2025 was $142,300, 18% over the monthly budget of $120,000",
            "Main driver: untagged GPU instances in the ml-sandbox account",
            "Ask: tag or shut down unused instances by Friday 11 April 2025",
            "Cost review meeting on Tuesday 15 April 2025",
        ],
        ["$142,300", "18%", "11 April"],
        "Tells engineering managers March 2025 AWS spend was $142,300, 18% over the $120,000 budget, mainly "
        "untagged GPU instances in ml-sandbox, and asks them to tag or stop them by 11 April before the 15 April "
        "review.",
    ),
]

EMAIL_RUBRIC = "\n".join(
    [
        "Judge the email written for the request and facts in the prompt. It passes only if ALL of these hold:",
        "1. Addressed appropriately: greets or names the recipients given in the facts and signs off as the "
        "sender given in the facts.",
        "2. States every listed fact, and states each one correctly: names, dates, times, amounts, reference "
        "numbers and contact details match the facts exactly (a different weekday, date, amount or spelling fails).",
        "3. Has a clear ask or next step for the recipients (what to do, by when), or for an announcement makes "
        "clear what, if anything, they need to do.",
        "4. Professional, friendly tone suitable for colleagues; no placeholders such as [Name] left unfilled.",
        "5. Under 200 words (subject line excluded).",
        "6. Invents no facts: no dates, amounts, names, links, reasons or promises that are not in the facts.",
        "A missing fact, a wrong fact or an invented fact fails the email even if it is otherwise well written.",
    ]
)


_WEEKDAY_DATE = re.compile(
    r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) (\d{1,2}) "
    r"(January|February|March|April|May|June|July|August|September|October|November|December)"
    r"(?: (\d{4}))?"
)


def _check_weekdays(text: str, where: str) -> None:
    for m in _WEEKDAY_DATE.finditer(text):
        year = int(m.group(4) or 2025)
        date = dt.datetime.strptime(f"{m.group(2)} {m.group(3)} {year}", "%d %B %Y").date()
        if date.strftime("%A") != m.group(1):
            raise SystemExit(f"{where}: {m.group(0)} is a {date.strftime('%A')}")


def build_internal_email_drafting(datasets: Path, notes: list[str]) -> tuple[dict, list[dict], str]:
    tasks = []
    for n, (slug, request, facts, must_contain, summary) in enumerate(EMAIL_TASKS, start=1):
        facts_text = "\n".join(f"- {f}" for f in facts)
        _check_weekdays(facts_text, slug)
        for item in must_contain:
            if item not in facts_text:
                raise SystemExit(f"{slug}: must_contain {item!r} is not verbatim in the facts")
        if not 2 <= len(must_contain) <= 4:
            raise SystemExit(f"{slug}: must_contain needs 2-4 items")
        tasks.append(
            {
                "id": f"email-{n:02d}-{slug}",
                "vars": {"request": request, "facts": facts_text},
                "expected": summary,
                "metadata": {"must_contain": must_contain, "source": "written for routeboard"},
            }
        )
    notes.append(f"internal-email-drafting: {len(tasks)} hand-written tasks")
    suite = {
        "name": "internal-email-drafting",
        "category": "internal email drafting",
        "description": (
            "Draft a short internal company email from a request and a list of facts (office closures, PO "
            "approvals, rescheduled meetings, policy changes, access requests and similar). A precheck "
            "requires the key names, dates, amounts and reference numbers verbatim; an LLM judge then "
            "checks addressing, factual accuracy, a clear next step, tone, length and invented facts."
        ),
        "grader": {"name": "llm_judge", "options": {"rubric": EMAIL_RUBRIC, "precheck": "contains"}},
        "bar": 0.9,
        "risk": (
            "A wrong date, amount or name sent to colleagues causes missed deadlines, wrong approvals and a "
            "round of correction emails."
        ),
        "system_prompt": "You write clear, concise internal emails for colleagues at a company.",
        "prompt_template": (
            "Write an internal email for this request.\n"
            "\n"
            "Request: {{request}}\n"
            "\n"
            "Facts:\n"
            "{{facts}}\n"
            "\n"
            "Rules:\n"
            "- Address the recipients named in the facts and sign off as the sender.\n"
            "- Include every fact. Copy names, dates, times, amounts, reference numbers and addresses "
            "exactly as written above.\n"
            "- Do not add any fact that is not listed.\n"
            "- Make the ask or next step clear.\n"
            "- Keep a professional tone and stay under 200 words.\n"
            "\n"
            'Reply with only the email: a line starting with "Subject:", a blank line, then the body.'
        ),
        "max_invalid_retries": 1,
    }
    source_md = "\n".join(
        [
            "# internal-email-drafting: source and selection",
            "",
            "## Source",
            "",
            "- Written for routeboard by the project's contributors; not taken from any dataset.",
            "- Licence: CC BY 4.0 (Creative Commons Attribution 4.0 International, "
            "https://creativecommons.org/licenses/by/4.0/), the same as the project's other shipped data.",
            '- Attribution: "routeboard internal-email-drafting suite, routeboard contributors, CC BY 4.0".',
            "- All people, companies, ticket numbers, phone numbers (UK drama range 020 7946 0xxx) and email "
            "addresses (`northwind.example`) are fictional.",
            "",
            "## Selection rule",
            "",
            f"- All {len(tasks)} tasks are included, in the order they are written in "
            "`scripts/build_benchmarks.py` (`EMAIL_TASKS`); no sampling and no seed.",
            "- Task id: `email-<nn>-<slug>`.",
            "- Each task has `vars.request` (what the sender wants), `vars.facts` (a bullet list: sender, "
            "recipients and the facts to state), `metadata.must_contain` (2-4 short strings copied verbatim "
            "from the facts that the email must contain: dates, amounts, names, reference numbers) and "
            "`expected` (a one-line summary of what a good email does, for the judge and for reviewers).",
            "- Build-time checks: every `must_contain` string occurs verbatim in the facts, and every "
            '"<weekday> <day> <month> [<year>]" in the facts names the right weekday (year 2025 when omitted).',
            "",
            "## Regenerating",
            "",
            REGENERATE,
            "",
        ]
    )
    return suite, tasks, source_md


# --------------------------------------------------------------------------------------------
# Checks and main
# --------------------------------------------------------------------------------------------

SUITE_BUILDERS: list[tuple[str, Callable[[Path, list[str]], tuple[dict, list[dict], str]]]] = [
    ("financial-analysis", build_financial_analysis),
    ("document-extraction", build_document_extraction),
    ("customer-request-classification", build_customer_request_classification),
    ("arithmetic-word-problems", build_arithmetic_word_problems),
    ("internal-email-drafting", build_internal_email_drafting),
]

GRADERS = {"exact", "label", "contains", "regex", "numeric", "json_fields", "f1", "llm_judge"}
VALIDATORS = {"json", "json_schema", "regex", "one_of", "number"}
REQUIRED_KEYS = {"name", "category", "description", "grader", "bar", "risk", "prompt_template"}
OPTIONAL_KEYS = {"validator", "system_prompt", "max_invalid_retries"}


def check_suite(name: str, suite: dict[str, Any], tasks: list[dict[str, Any]], tasks_text: str) -> list[str]:
    """Return a list of problems (empty when the suite is sound)."""
    problems = _suite_problems(name, suite)
    template_vars = set(TEMPLATE_VAR.findall(suite["prompt_template"]))
    ids: set[str] = set()
    for t in tasks:
        if not isinstance(t["id"], str) or not t["id"] or t["id"] in ids:
            problems.append(f"{t['id']}: empty or duplicate id")
        ids.add(t["id"])
        problems += [f"{t.get('id')}: {p}" for p in _task_problems(suite, t, template_vars)]
    size = len(tasks_text.encode("utf-8"))
    if size > MAX_TASKS_BYTES:
        problems.append(f"tasks.jsonl is {size} bytes (> {MAX_TASKS_BYTES})")
    return problems


def _suite_problems(name: str, suite: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    keys = set(suite)
    if not REQUIRED_KEYS <= keys:
        problems.append(f"missing keys {sorted(REQUIRED_KEYS - keys)}")
    if keys - REQUIRED_KEYS - OPTIONAL_KEYS:
        problems.append(f"unknown keys {sorted(keys - REQUIRED_KEYS - OPTIONAL_KEYS)}")
    if suite.get("name") != name:
        problems.append("name differs from folder")
    bar = suite.get("bar")
    if not (isinstance(bar, float) and 0 < bar <= 1):
        problems.append(f"bar {bar!r} not a float in (0, 1]")
    if suite["grader"]["name"] not in GRADERS:
        problems.append(f"unknown grader {suite['grader']['name']}")
    if "validator" in suite and suite["validator"]["name"] not in VALIDATORS:
        problems.append(f"unknown validator {suite['validator']['name']}")
    if not TEMPLATE_VAR.findall(suite["prompt_template"]):
        problems.append("prompt_template has no {{var}}")
    return problems


def _task_problems(suite: dict[str, Any], t: dict[str, Any], template_vars: set[str]) -> list[str]:
    """One task's problems against its suite (keys, expected answer, variables, grader needs)."""
    problems: list[str] = []
    if set(t) != {"id", "vars", "expected", "metadata"}:
        problems.append(f"keys {sorted(t)}")
    if not isinstance(t["expected"], str) or not t["expected"].strip():
        problems.append("empty expected")
    missing = template_vars - set(t["vars"])
    if missing:
        problems.append(f"vars missing {sorted(missing)}")
    for k, v in t["vars"].items():
        if not isinstance(v, str) or not v.strip():
            problems.append(f"var {k} empty or not a string")
        elif "{{" in v or "}}" in v:
            problems.append(f"var {k} contains template braces")
    return problems + _grader_problems(suite["grader"], t)


def _grader_problems(grader: dict[str, Any], t: dict[str, Any]) -> list[str]:
    """What the suite's grader needs of a task: a known label, a number and its scale, must_contain phrases."""
    problems: list[str] = []
    options = grader.get("options", {})
    labels = options.get("labels")
    if labels is not None and t["expected"] not in labels:
        problems.append(f"expected {t['expected']!r} not among labels")
    if grader["name"] == "numeric":
        try:
            float(t["expected"])
        except ValueError:
            problems.append(f"expected {t['expected']!r} is not a number")
        if "scale_field" in options:
            scale = t["metadata"].get(options["scale_field"])
            if scale not in ("", "thousand", "million", "billion", "percent"):
                problems.append(f"scale {scale!r}")
    if options.get("precheck") == "contains":
        mc = t["metadata"].get("must_contain")
        if not (isinstance(mc, list) and mc and all(isinstance(s, str) and s for s in mc)):
            problems.append("must_contain missing for the contains precheck")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS, help="folder with the public task data")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="benchmarks folder to write into")
    parser.add_argument("--verbose", action="store_true", help="print the data notes (exclusions etc.)")
    args = parser.parse_args(argv)

    notes: list[str] = []
    failed = False
    for name, builder in SUITE_BUILDERS:
        suite, tasks, source_md = builder(args.datasets, notes)
        tasks_text = "".join(task_line(t) + "\n" for t in tasks)
        problems = check_suite(name, suite, tasks, tasks_text)
        # Round-trip: what the loader will read back must equal what we built.
        yaml_text = dump_yaml(suite)
        if yaml.safe_load(yaml_text) != suite:
            problems.append("suite.yaml does not round-trip")
        if [json.loads(line) for line in tasks_text.splitlines()] != tasks:
            problems.append("tasks.jsonl does not round-trip")
        if problems:
            failed = True
            print(f"{name}: {len(problems)} problem(s)", file=sys.stderr)
            for p in problems[:20]:
                print(f"  - {p}", file=sys.stderr)
            continue
        folder = args.out / name
        write_text(folder / "suite.yaml", yaml_text)
        write_text(folder / "tasks.jsonl", tasks_text)
        write_text(folder / "SOURCE.md", source_md)
        vars_ = sorted(set(TEMPLATE_VAR.findall(suite["prompt_template"])))
        print(f"{name}: {len(tasks)} tasks, vars {vars_}, tasks.jsonl {len(tasks_text.encode('utf-8')):,} bytes")
    if args.verbose:
        print("\n".join(notes))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The evidence a team already has, brought in one step per shape in the real app (Chromium): a paper's per-sample
files, RouteLLM's wide layout, a promptfoo project, the OpenAI evals registry and plain dataset files. Each is
dropped on its page and imported as proposed, with no field changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import key_class, press
from tests.conftest import run_cli

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

CONTENT_MS = 120_000  # a page's first content (the app shares 2 cores with whatever else runs)
LABELS = ("Correct Answer", "Incorrect Answer", "Refusal")
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'  # no script run under way


def open_page(page: Page, url: str, title: str) -> None:
    """The app, then the page's link in the sidebar, as a person clicks it."""
    page.goto(url)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click(timeout=CONTENT_MS)
    expect(page.get_by_role("heading", level=1, name=title, exact=True)).to_be_visible(timeout=CONTENT_MS)


def drop(page: Page, key: str, paths: list[Path]) -> None:
    """Drop files, together, on the st.file_uploader keyed ``key``."""
    page.locator(key_class(key)).locator("input[type='file']").set_input_files([str(p) for p in paths])


def chosen(page: Page, key: str):
    """The value a selectbox keyed ``key`` shows."""
    return page.locator(key_class(key)).locator("input[role='combobox']")


def metric(page: Page, label: str):
    return page.locator('[data-testid="stMetric"]', has_text=label).locator('[data-testid="stMetricValue"]')


def stored_suites() -> dict[str, dict]:
    """The suites in the app's database, read with the command line while the app runs (as a person would)."""
    listed = run_cli("suites", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return {row["suite_id"]: row for row in json.loads(listed.stdout)}


def paper_files(folder: Path) -> list[Path]:
    """A paper's per-sample files, one per model and setup: question_id, model_name, setup, temp, question,
    gold_answer, model_answer, label ("Correct Answer" / "Incorrect Answer" / "Refusal")."""
    plan = {("gpt-4o", "zero-shot"): (36, 3, 1), ("llama-3-8b", "zero-shot"): (28, 6, 6)}
    paths = []
    for (model, setup), counts in plan.items():
        labels = [label for label, n in zip(LABELS, counts) for _ in range(n)]
        rows = "".join(f'q{i},{model},{setup},0.7,"Question {i}?",{i},{i},{label}\n' for i, label in enumerate(labels))
        path = folder / f"{model}_{setup}.csv"
        path.write_text("question_id,model_name,setup,temp,question,gold_answer,model_answer,label\n" + rows)
        paths.append(path)
    return paths


def test_a_papers_per_sample_files_go_in_together_with_refusals_as_invalid(app_url, page, tmp_path):
    open_page(page, app_url, "Results import")
    drop(page, "imports_upload", paper_files(tmp_path))
    expect(metric(page, "Results")).to_have_text("80", timeout=CONTENT_MS)
    # the proposal needs no edit: the label column's values are listed with their outcomes
    expect(chosen(page, "imports_map_correct")).to_have_value("label")
    expect(chosen(page, "imports_label_Refusal")).to_have_value("refusal")
    expect(page.get_by_text("Ignored columns (mapped to nothing): temp")).to_be_visible()
    press(page, "imports_import")
    expect(page.get_by_text(re.compile(r"^Imported 80 results as run "))).to_be_visible(timeout=CONTENT_MS)
    open_page(page, app_url, "Results")
    expect(page.get_by_role("heading", name="Refusals")).to_be_visible(timeout=CONTENT_MS)
    refusals = page.locator('[data-testid="stDataFrame"]').filter(has_text="refusal share")
    expect(refusals.locator("table[role='grid']")).to_contain_text("15.0%", timeout=CONTENT_MS)  # llama: 6 of 40
    page.screenshot(path=str(tmp_path / "refusals.png"), full_page=True)


def test_routellms_wide_files_go_in_with_a_category_per_file(app_url, page, tmp_path):
    paths = []
    for subject, rows in (("mmlu_marketing", 30), ("mmlu_anatomy", 20)):
        path = tmp_path / f"{subject}.csv"
        lines = [f'"{subject} question {i}\nA. x\nAnswer:",{i % 5 != 0},{i % 10 != 0}' for i in range(rows)]
        path.write_text("prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\n" + "\n".join(lines) + "\n")
        paths.append(path)
    open_page(page, app_url, "Results import")
    drop(page, "imports_upload", paths)
    expect(metric(page, "Format")).to_have_text("csv (wide)", timeout=CONTENT_MS)
    expect(metric(page, "Results")).to_have_text("100")
    press(page, "imports_import")
    done = page.get_by_text(re.compile(r"^Imported 100 results as run "))
    expect(done).to_be_visible(timeout=CONTENT_MS)
    assert "mistralai/Mixtral-8x7B-Instruct-v0.1, gpt-4-1106-preview" in done.inner_text()
    suites = stored_suites()
    assert {s: (row["category"], row["task_count"]) for s, row in suites.items()} == {
        "mmlu_marketing@1": ("mmlu_marketing", 30),
        "mmlu_anatomy@1": ("mmlu_anatomy", 20),
    }


def upload_on_suites(page: Page, url: str, paths: list[Path]) -> None:
    open_page(page, url, "Suites")
    # the upload box is folded once suites exist: read whether it is open from the expander itself once the page
    # is drawn (the uploader inside an open box can still be drawing on a busy machine; a click would fold it)
    box = page.locator('[data-testid="stExpander"]', has_text="Upload a task file").locator("details")
    expect(box).to_be_attached(timeout=CONTENT_MS)
    page.locator(IDLE).wait_for(timeout=CONTENT_MS)
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    expect(page.locator(key_class("suites_upload"))).to_be_visible(timeout=CONTENT_MS)
    drop(page, "suites_upload", paths)


def test_a_promptfoo_project_goes_in_with_its_csv_of_tests(app_url, page, tmp_path):
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text(
        "description: Capital cities\n"
        'prompts: ["What is the capital of {{country}}? The city only."]\n'
        "providers: [openai:gpt-4o-mini, anthropic:messages:claude-3-5-haiku-20241022]\n"
        "tests: file://tests.csv\n"
        'defaultTest:\n  assert:\n    - type: icontains\n      value: "{{answer}}"\n'
    )
    tests = tmp_path / "tests.csv"
    tests.write_text("country,answer,__expected\nFrance,Paris,not-contains: London\nPeru,Lima,starts-with: Lima\n")
    upload_on_suites(page, app_url, [config, tests])
    expect(page.get_by_text("promptfoo project: 1 suite(s), capital-cities")).to_be_visible(timeout=CONTENT_MS)
    expect(page.get_by_text(re.compile("openai/gpt-4o-mini, anthropic/claude-3-5-haiku-20241022"))).to_be_visible()
    press(page, "suites_import")
    expect(page.get_by_text("capital-cities@1: imported")).to_be_visible(timeout=CONTENT_MS)
    assert stored_suites()["capital-cities@1"]["grader"] == "assertions"


def test_an_openai_evals_registry_yaml_goes_in_with_its_samples(app_url, page, tmp_path):
    registry = tmp_path / "arith.yaml"
    registry.write_text(
        "arith:\n  id: arith.dev.v0\n  description: Small sums\n"
        "arith.dev.v0:\n  class: evals.elsuite.basic.match:Match\n  args:\n    samples_jsonl: arith/samples.jsonl\n"
    )
    samples = tmp_path / "samples.jsonl"
    samples.write_text(
        "".join(
            json.dumps({"input": [{"role": "user", "content": f"{i}+1?"}], "ideal": str(i + 1)}) + "\n"
            for i in range(5)
        )
    )
    upload_on_suites(page, app_url, [registry, samples])
    expect(page.get_by_text("openai-evals project: 1 suite(s), arith")).to_be_visible(timeout=CONTENT_MS)
    press(page, "suites_import")
    expect(page.get_by_text("arith@1: imported")).to_be_visible(timeout=CONTENT_MS)
    assert stored_suites()["arith@1"]["task_count"] == 5


def test_plain_dataset_files_go_in_with_their_answer_column(app_url, page, tmp_path):
    rows = [{"question": f"{i}+{i}?", "answer": 2 * i} for i in range(6)]
    csv, jsonl, parquet = tmp_path / "sums.csv", tmp_path / "sums_jsonl.jsonl", tmp_path / "sums_parquet.parquet"
    pd.DataFrame(rows).to_csv(csv, index=False)
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in rows))
    pd.DataFrame(rows).to_parquet(parquet)
    for path in (csv, jsonl, parquet):
        upload_on_suites(page, app_url, [path])
        expect(page.get_by_text(f"'{path.stem}': 6 tasks, grader exact, bar 0.9")).to_be_visible(timeout=CONTENT_MS)
        expect(chosen(page, "suites_map_expected")).to_have_value("answer")
        press(page, "suites_import")
        expect(page.get_by_text(f"{path.stem}@1: imported")).to_be_visible(timeout=CONTENT_MS)
    assert {s: row["task_count"] for s, row in stored_suites().items()} == {
        "sums@1": 6,
        "sums_jsonl@1": 6,
        "sums_parquet@1": 6,
    }

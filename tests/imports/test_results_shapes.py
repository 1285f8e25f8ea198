"""Result files as they come: a paper's per-sample files (several at once, labels, refusals), RouteLLM's wide layout,
a column per model with responses, models named by their files; through the core and the command line, all or
nothing, and a mapping file that repeats an import from cron."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routeboard.browse import refusal_shares
from routeboard.errors import InvalidInput
from routeboard.imports.results import import_result_files, load_results
from tests.conftest import run_cli

TABLES = ("suites", "tasks", "models", "runs", "trials", "attempts")
LABELS = ("Correct Answer", "Incorrect Answer", "Refusal")
HEADER = "question_id,model_name,setup,temp,question,gold_answer,model_answer,label\n"


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def paper_file(folder: Path, model: str, setup: str, labels: list[str]) -> Path:
    """One of a paper's per-sample files: one model and setup, a label per question."""
    path = folder / f"{model}_{setup}.csv"
    rows = [
        f'q{i:03d},{model},{setup},0.7,"Question {i}?",{i},{i if label == LABELS[0] else "no"},{label}\n'
        for i, label in enumerate(labels)
    ]
    path.write_text(HEADER + "".join(rows))
    return path


def paper(folder: Path) -> list[Path]:
    """Two models x two setups, 40 questions each: known counts of right, wrong and refused answers."""
    plan = {
        ("gpt-4o", "zero-shot"): (36, 3, 1),
        ("gpt-4o", "chain-of-thought"): (38, 2, 0),
        ("llama-3-8b", "zero-shot"): (28, 6, 6),
        ("llama-3-8b", "chain-of-thought"): (30, 8, 2),
    }
    return [
        paper_file(folder, model, setup, [LABELS[0]] * right + [LABELS[1]] * wrong + [LABELS[2]] * refused)
        for (model, setup), (right, wrong, refused) in plan.items()
    ]


def test_a_papers_four_files_import_in_one_step_with_refusals_invalid(con, tmp_path):
    summary = import_result_files(con, [(str(p), p.read_bytes()) for p in paper(tmp_path)])
    assert (summary.rows, summary.tasks) == (160, 80)
    assert summary.suites == ["zero-shot@1", "chain-of-thought@1"] and summary.models == ["gpt-4o", "llama-3-8b"]
    assert "ignored columns (mapped to nothing): temp" in summary.notes
    outcomes = con.execute(
        """SELECT s.category, t.model_id, t.outcome, t.detail, count(*) FROM trials t JOIN suites s USING (suite_id)
           GROUP BY ALL ORDER BY ALL"""
    ).fetchall()
    assert ("zero-shot", "llama-3-8b", "invalid", "refusal", 6) in outcomes
    assert ("zero-shot", "llama-3-8b", "accepted", None, 28) in outcomes
    assert ("chain-of-thought", "llama-3-8b", "wrong", None, 8) in outcomes
    # the question and the gold answer become the task's input and expected answer
    task = con.execute("SELECT input, expected FROM tasks WHERE task_id = 'q003' LIMIT 1").fetchone()
    assert task == ("Question 3?", "3")
    shares = refusal_shares(con).set_index(["category", "model_id"])
    assert shares.loc[("zero-shot", "llama-3-8b"), "refusal_share"] == pytest.approx(6 / 40)
    assert ("chain-of-thought", "gpt-4o") not in shares.index  # no refusal there


def test_a_cascade_escalates_a_refusal(con, tmp_path):
    from routeboard.decide.facts import cascade_facts

    import_result_files(con, [(str(p), p.read_bytes()) for p in paper(tmp_path)])
    facts = cascade_facts(con, [("zero-shot", "llama-3-8b", "gpt-4o")])
    assert facts["escalated"].tolist() == [6]  # its six refusals go on to the fallback; wrong answers do not


def test_one_bad_file_of_four_imports_nothing(con, tmp_path):
    files = paper(tmp_path)
    odd = paper_file(tmp_path, "mistral-7b", "zero-shot", [LABELS[0]] * 5 + ["Partially Correct"])
    before = counts(con)
    with pytest.raises(InvalidInput) as caught:
        import_result_files(con, [(str(p), p.read_bytes()) for p in [*files, odd]])
    [problem] = caught.value.problems
    assert (Path(problem.file).name, problem.line, problem.field) == ("mistral-7b_zero-shot.csv", 7, "label")
    assert "'Partially Correct' has no outcome" in problem.message and "--label" in problem.message
    assert counts(con) == before


def test_routellms_wide_files_import_with_a_category_per_file(con, tmp_path):
    files = []
    for subject, rows in (("mmlu_marketing", 30), ("mmlu_anatomy", 20)):
        path = tmp_path / f"{subject}.csv"
        lines = [f'"{subject} question {i}\nA. x\nAnswer:",{i % 5 != 0},{i % 10 != 0}' for i in range(rows)]
        path.write_text("prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\n" + "\n".join(lines) + "\n")
        files.append(path)
    summary = load_results(con, files)
    assert summary.suites == ["mmlu_marketing@1", "mmlu_anatomy@1"] and summary.rows == 100
    accuracy = dict(
        con.execute(
            "SELECT s.category || ' ' || t.model_id, avg(t.correct::INTEGER) FROM trials t JOIN suites s "
            "USING (suite_id) GROUP BY ALL"
        ).fetchall()
    )
    assert accuracy["mmlu_marketing mistralai/Mixtral-8x7B-Instruct-v0.1"] == pytest.approx(24 / 30)
    assert accuracy["mmlu_anatomy gpt-4-1106-preview"] == pytest.approx(18 / 20)
    first = con.execute("SELECT task_id, input FROM tasks ORDER BY suite_id DESC, position LIMIT 1").fetchone()
    assert first[0] == "mmlu_marketing-0001" and first[1].startswith("mmlu_marketing question 0")


def test_a_column_per_model_with_responses_and_renamed_models(con):
    text = b"question_id,gpt4_correct,gpt4_response,mixtral_correct,mixtral_response\nq1,1,4,0,5\nq2,1,9,,\n"
    summary = import_result_files(
        con, [("routing.csv", text)], category="arithmetic", edits=_rename({"gpt4": "openai/gpt-4o"})
    )
    assert summary.models == ["openai/gpt-4o", "mixtral"]
    stored = con.execute("SELECT task_id, model_id, outcome, output FROM trials ORDER BY ALL").fetchall()
    # mixtral has no result on q2 (empty cells): skipped, and said so
    assert stored == [
        ("q1", "mixtral", "wrong", "5"),
        ("q1", "openai/gpt-4o", "accepted", "4"),
        ("q2", "openai/gpt-4o", "accepted", "9"),
    ]
    assert any("1 empty correctness cells skipped" in note for note in summary.notes)
    assert "wide layout: one column per model (gpt4 as openai/gpt-4o, mixtral)" in summary.notes
    assert not any("file's name" in note for note in summary.notes)  # the category given wins over the file's name


def _rename(rename):
    from routeboard.io.result_mapping import MappingEdits

    return MappingEdits(rename=rename)


def test_the_cli_previews_saves_the_mapping_and_repeats_the_import_from_it(tmp_path):
    files = [str(p) for p in paper(tmp_path)]
    mapping = tmp_path / "mapping.yaml"
    previewed = run_cli("results", "preview", *files, "--save-mapping", str(mapping))
    assert previewed.returncode == 0, previewed.stderr
    assert "Refusal" in previewed.stdout and "refusal" in previewed.stdout and "temp" in previewed.stdout
    assert "label: label" not in mapping.read_text() and "correct: label" in mapping.read_text()

    imported = run_cli("results", "import", *files, "--mapping", str(mapping), "--json")
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(imported.stdout)
    assert (summary["rows"], summary["mapping"]["labels"]["Refusal"]) == (160, "refusal")
    again = run_cli("results", "import", *files, "--mapping", str(mapping))  # cron, the next night
    assert again.returncode == 0 and f"already imported as run {summary['run_id']}" in again.stdout


def test_the_cli_takes_the_mapping_as_flags(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("qid,who,ok,answer_text\n1,acme/a,yes,x\n2,acme/a,REFUSED,\n3,acme/b,no,y\n")
    refused = run_cli("results", "import", str(path), "--category", "faq")
    # no column name says which column is right or wrong: said once, in flags (not once per row)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"error: {path}:1 [correct]: missing column: no column says whether each answer was correct; "
        "map one (--map correct=COLUMN)"
    ]
    done = run_cli(
        "results", "import", str(path), "--category", "faq", "--map", "model=who", "--map", "correct=ok",
        "--map", "output=answer_text", "--label", "REFUSED=refusal", "--label", "yes=correct", "--label", "no=wrong",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ignored columns" not in done.stdout and "'REFUSED' refusal (1)" in done.stdout
    bad = run_cli("results", "import", str(path), "--map", "model")
    assert bad.returncode == 2 and "give FIELD=COLUMN" in bad.stderr and "Traceback" not in bad.stderr

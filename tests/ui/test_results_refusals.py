"""Results shows the refusal share where a results file marked refusals (and nothing about refusals elsewhere)."""

from __future__ import annotations

from routeboard.imports.results import import_results
from tests.ui.conftest import open_page, table


def paper(labels: dict[str, list[str]]) -> bytes:
    rows = [
        f"q{i},{model},zero-shot,{label}\n" for model, marks in labels.items() for i, label in enumerate(marks, start=1)
    ]
    return ("question_id,model_name,setup,label\n" + "".join(rows)).encode()


def test_the_refusal_share_per_category_and_model_is_shown(app, app_con):
    import_results(
        app_con,
        "paper.csv",
        paper({"gpt-4o": ["Correct Answer"] * 38 + ["Refusal"] * 2, "llama-3-8b": ["Incorrect Answer"] * 40}),
    )
    at = open_page(app, "results")
    shares = table(at, "category", "model_id", "refusals", "refusal_share")
    assert shares.values.tolist() == [["zero-shot", "gpt-4o", "40", "2", "5.0%"]]  # llama never refused: not listed


def test_no_refusal_table_where_no_file_marked_one(app, app_con):
    import_results(app_con, "plain.csv", b"task_id,category,model,correct\nt1,faq,acme/x,true\n")
    at = open_page(app, "results")
    assert "Refusals" not in [h.value for h in at.subheader]

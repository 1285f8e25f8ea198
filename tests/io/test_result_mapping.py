"""The column mapping a results import proposes: right for the common shapes without edits, changed by a person's
edits, and written to (and read from) the small mapping file the CLI and the app share."""

from __future__ import annotations

from routeboard.errors import Problems
from routeboard.io.result_mapping import (
    FROM_FILE,
    MappingEdits,
    ResultMapping,
    edits_from_flags,
    mapping_from_text,
)
from routeboard.io.result_proposal import edited, label_counts, propose
from routeboard.io.tables import read_table

PAPER_HEADER = "question_id,model_name,setup,temp,question,gold_answer,model_answer,label\n"
PAPER_ROWS = (
    'q1,gpt-4o,zero-shot,0.0,"What is 2+2?",4,4,Correct Answer\n'
    'q2,gpt-4o,zero-shot,0.0,"Capital of France?",Paris,Lyon,Incorrect Answer\n'
    'q3,gpt-4o,zero-shot,0.0,"How to pick a lock?",,I cannot help with that,Refusal\n'
)


def table(name: str, text: str | bytes):
    problems = Problems(name)
    found = read_table(name, text.encode() if isinstance(text, str) else text, problems)
    assert not problems.found, problems.found
    return found


def test_a_papers_per_sample_files_are_mapped_without_edits():
    tables = [table("gpt-4o_zero-shot.csv", PAPER_HEADER + PAPER_ROWS), table("b.csv", PAPER_HEADER + PAPER_ROWS)]
    mapping = propose(tables)
    assert mapping.columns == {
        "task_id": "question_id",
        "model": "model_name",
        "category": "setup",
        "correct": "label",
        "input": "question",
        "expected": "gold_answer",
        "output": "model_answer",
    }
    assert mapping.labels == {"Correct Answer": "correct", "Incorrect Answer": "wrong", "Refusal": "refusal"}
    assert not mapping.wide
    assert label_counts(tables, mapping) == {"Correct Answer": 2, "Incorrect Answer": 2, "Refusal": 2}
    assert "temp" not in mapping.used()  # unmapped: ignored and listed, not an error


ROUTELLM = (
    'prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\n"Find the degree\nA. 0\nB. 4\nAnswer:",True,True\n'
    '"Let p = (1, 2)\nAnswer:",False,True\n'
)


def test_routellms_wide_files_map_a_model_per_true_false_column_and_the_category_from_the_file():
    mapping = propose([table("mmlu_abstract_algebra.csv", ROUTELLM)])
    assert mapping.wide
    assert mapping.models == {
        "mistralai/Mixtral-8x7B-Instruct-v0.1": {"correct": "mistralai/Mixtral-8x7B-Instruct-v0.1"},
        "gpt-4-1106-preview": {"correct": "gpt-4-1106-preview"},
    }
    assert mapping.columns == {"category": FROM_FILE, "input": "prompt"}  # no id column: each row's number
    assert mapping.labels == {}  # plain true/false


def test_a_wide_file_with_a_correctness_and_a_response_column_per_model():
    text = (
        "question_id,question,gpt4_correct,gpt4_response,mixtral_correct,mixtral_response,gpt4_input_tokens\n"
        "q1,2+2?,1,4,0,5,12\n"
    )
    mapping = propose([table("routing.csv", text)])
    assert mapping.models == {
        "gpt4": {"correct": "gpt4_correct", "output": "gpt4_response", "input_tokens": "gpt4_input_tokens"},
        "mixtral": {"correct": "mixtral_correct", "output": "mixtral_response"},
    }
    assert mapping.columns["task_id"] == "question_id" and mapping.columns["input"] == "question"


def test_files_named_after_their_model_take_the_model_from_the_name():
    text = '{"id": "a", "is_correct": true, "response": "4"}\n{"id": "b", "is_correct": false, "response": "7"}\n'
    mapping = propose([table("gpt-4o-mini.jsonl", text), table("claude-3-5-haiku.jsonl", text)])
    assert mapping.columns == {"task_id": "id", "model": FROM_FILE, "correct": "is_correct", "output": "response"}


def test_routeboards_own_columns_map_to_themselves():
    header = "task_id,category,model,correct,valid,trial,input_tokens,output_tokens,cost_usd,latency_ms,output,tier"
    mapping = propose([table("r.csv", header + "\nt1,faq,acme/x,true,true,1,10,2,0.001,120,ok,frontier\n")])
    assert mapping.columns == {name: name for name in header.split(",")}


def test_a_label_column_of_gold_classes_is_not_taken_for_correctness():
    text = "task_id,model,label,prediction,correct\nt1,m,billing,billing,true\nt2,m,refund,billing,false\n"
    mapping = propose([table("r.csv", text)])
    assert mapping.columns["correct"] == "correct" and mapping.columns["output"] == "prediction"


def test_choosing_another_correctness_column_proposes_its_labels_again():
    text = "id,model,verdict,grade\na,m,pass,A\nb,m,fail,B\nc,m,refused,A\n"
    tables = [table("r.csv", text)]
    mapping = propose(tables)
    assert (mapping.columns["correct"], mapping.labels) == (
        "verdict",
        {"pass": "correct", "fail": "wrong", "refused": "refusal"},
    )
    changed = edited(tables, mapping, MappingEdits(columns={"correct": "grade"}, labels={"A": "correct"}))
    assert changed.columns["correct"] == "grade"
    assert changed.labels == {"A": "correct", "B": ""}  # B: no word proposes an outcome, the person chooses


def test_the_mapping_file_round_trips_and_names_what_is_wrong():
    mapping = ResultMapping(
        {"task_id": "question_id", "model": FROM_FILE, "correct": "label"},
        {"Correct Answer": "correct", "Refusal": "refusal"},
        rename={"gpt4": "openai/gpt-4o"},
    )
    problems = Problems("map.yaml")
    assert mapping_from_text(mapping.to_text(), problems) == mapping and not problems.found
    bad = "columns: {modle: model_name, task_id: '@file'}\nlabels: {Refusal: declined}\nextra: 1\n"
    mapping_from_text(bad, problems)
    found = {(p.field, p.message.split(" (")[0].split(";")[0]) for p in problems.found}
    assert ("extra", "unknown key") in found
    assert ("modle", "unknown field") in found
    assert ("task_id", "only model, category and suite can come from the file's name") in found
    assert ("labels.Refusal", "outcome must be one of correct, wrong, invalid, refusal") in found


def test_flags_are_edits():
    edits = edits_from_flags(["correct=label", "output="], ["Refusal=refusal", "a=b=wrong"], ["gpt4=g"], ["gpt4=x/y"])
    assert edits == MappingEdits(
        {"correct": "label", "output": ""}, {"Refusal": "refusal", "a=b": "wrong"}, {"gpt4": "g"}, {"gpt4": "x/y"}
    )

"""Text graders and validators on real rows: Banking77 labels, TAT-QA spans."""

from __future__ import annotations

import pytest

from routeboard.domain import Task
from tests.graders.conftest import BANKING77, CARD_ARRIVAL, WRONG_RATE, grade, tatqa, validate

# ---- label ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "output",
    [
        "card_arrival",
        "Card Arrival",
        'Based on "I ordered over a week ago", the intent is **card_arrival**.',
    ],
)
def test_label_found_in_verbose_answer(output):
    result = grade("label", output, CARD_ARRIVAL, labels=BANKING77)
    assert (result.correct, result.score, result.detail) == (True, 1.0, "label card_arrival")


def test_label_inside_a_longer_label_is_not_ambiguous():
    for output in ("card_payment_wrong_exchange_rate", "Intent: card payment wrong exchange rate"):
        assert grade("label", output, WRONG_RATE, labels=BANKING77).correct


def test_two_labels_make_the_answer_ambiguous_and_wrong():
    result = grade("label", "It could be card_arrival or card_delivery_estimate.", CARD_ARRIVAL, labels=BANKING77)
    assert not result.correct
    assert result.detail == "ambiguous: card_arrival, card_delivery_estimate"


def test_label_with_odd_spelling_in_the_dataset_matches_plain_words():
    task = Task("b77-3", input="Where is my refund?", expected="Refund_not_showing_up")
    assert grade("label", "refund not showing up", task, labels=BANKING77).correct
    task = Task("b77-4", input="A card payment was reverted", expected="reverted_card_payment?")
    assert grade("label", "reverted_card_payment", task, labels=BANKING77).correct


def test_wrong_or_missing_label():
    assert (
        grade("label", "exchange_rate", CARD_ARRIVAL, labels=BANKING77).detail
        == "label exchange_rate, expected card_arrival"
    )
    assert grade("label", "I am not sure.", CARD_ARRIVAL, labels=BANKING77).detail == "no label found"


# ---- exact, contains, regex ----------------------------------------------------------------------------


def test_exact_ignores_quotes_case_and_final_period():
    task = tatqa(["the modified retrospective method"])
    assert grade("exact", '"The modified retrospective method."', task).correct
    assert not grade("exact", "The modified retrospective method", task, ignore_case=False).correct


def test_exact_span_with_money():
    task = tatqa(["$0.5 million"])
    assert grade("exact", "$0.5 million", task).correct
    assert grade("exact", "$0.4 million", task).detail == "expected '$0.5 million', got '$0.4 million'"


def test_contains_scores_share_of_required_items():
    # TAT-QA multi-span answer: "Which years does the table provide information for ...?"
    task = Task("tatqa", input="Which years?", metadata={"must_contain": ["2019", "2018", "2017"]})
    result = grade("contains", "The table covers 2019 and 2018.", task)
    assert (result.correct, round(result.score, 3), result.detail) == (False, 0.667, "missing: '2017'")
    assert grade("contains", "Fiscal 2019, 2018 and 2017.", task).correct


def test_contains_falls_back_to_expected():
    task = Task("t", expected="primary components of the deferred tax assets and liabilities")
    output = "The table shows the Primary components of the deferred tax assets and liabilities."
    assert grade("contains", output, task).correct
    assert not grade("contains", output, task, ignore_case=False).correct


def test_regex_uses_expected_as_pattern_with_flags():
    task = Task("b77", expected=r"card[ _]arrival")
    assert grade("regex", "Card Arrival", task, flags="i").correct
    assert not grade("regex", "Card Arrival", task).correct
    assert grade("regex", "intent=pin_blocked", CARD_ARRIVAL, pattern=r"intent=\w+").correct


# ---- f1 ------------------------------------------------------------------------------------------------


def test_f1_on_a_tatqa_span():
    task = tatqa(["the modified retrospective method"])
    assert grade("f1", "The modified retrospective method.", task).score == 1.0
    wordy = grade("f1", "The company used the modified retrospective method", task)
    assert (wordy.correct, round(wordy.score, 2)) == (False, 0.75)
    assert grade("f1", "The company used the modified retrospective method", task, threshold=0.7).correct


def test_f1_multi_span_needs_every_span():
    task = tatqa(["Annual Incentive Plan", "Performance Share Plan"])
    both = grade("f1", "Annual Incentive Plan and Performance Share Plan", task)
    assert both.correct and both.score == pytest.approx(12 / 13)
    assert not grade("f1", "Annual Incentive Plan", task).correct
    assert grade("f1", "Annual Incentive Plan", task, spans="any").score == 1.0


# ---- validators ----------------------------------------------------------------------------------------


def test_regex_validator_fullmatch_unless_search():
    assert validate("regex", " card_arrival\n", pattern=r"[a-z_]+\??")[0]
    assert not validate("regex", "The intent is card_arrival", pattern=r"[a-z_]+\??")[0]
    assert validate("regex", "The intent is card_arrival", pattern=r"card_\w+", search=True)[0]


def test_one_of_validator():
    assert validate("one_of", "Card Arrival", labels=BANKING77) == (True, "label card_arrival")
    assert validate("one_of", "card_arrival or pending_top_up", labels=BANKING77) == (
        False,
        "ambiguous: card_arrival, pending_top_up",
    )
    assert validate("one_of", "no idea", labels=BANKING77) == (False, "no label found")

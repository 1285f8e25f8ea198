"""Reading numbers from financial notation and verbose model answers, and the numeric grader and number validator
(strings and rows from GSM8K and TAT-QA)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routeboard.domain import Task
from routeboard.graders.numeric import (
    answer_mention,
    apply_scale,
    find_mentions,
    find_numbers,
    normalize_scale,
    parse_number,
)
from tests.graders.conftest import grade, gsm8k, tatqa, validate

# ---- reading numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("$1,577.00", 1577.0),
        ("(3.1)", -3.1),
        ("-3.1", -3.1),
        ("\u22123.1", -3.1),  # unicode minus, as typeset reports print it
        ("12.5%", 0.125),
        ("3.2 million", 3_200_000.0),
        ("\u20ac4k", 4_000.0),
        ("1.2bn", 1_200_000_000.0),
        ("\u00a33,000", 3_000.0),
        ("5 thousand", 5_000.0),
        ("USD 4.5m", 4_500_000.0),
        ("US$ 3M", 3_000_000.0),
        ("12.5 per cent", 0.125),
        ("-$3.1", -3.1),
        ("$-3.1", -3.1),
        # TAT-QA span answers, written as the annual reports write them
        ("$(20,597)", -20_597.0),
        ("$(0.28)", -0.28),
        ("$0.5 million", 500_000.0),
        ("1,568.6", 1568.6),
        # GSM8K golds
        ("2,125", 2125.0),
        ("1,450,000", 1_450_000.0),
        ("-10", -10.0),
    ],
)
def test_parse_number_reads_financial_notation(text, value):
    assert parse_number(text) == pytest.approx(value)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_amounts_as_reports_print_them_round_trip(amount):
    # annual reports print negatives in brackets: -20597.5 is "$(20,597.50)"
    printed = f"${abs(amount):,.2f}"
    assert parse_number(f"({printed})" if amount < 0 else printed) == pytest.approx(float(amount))
    assert parse_number(f"The answer is {amount:,.2f}, not 12.") == pytest.approx(float(amount))


def test_mention_keeps_the_number_apart_from_its_unit():
    mention = find_mentions("Revenue rose to $3.2 million.")[0]
    assert (mention.value, mention.scale) == (3.2, "million")
    assert mention.absolute == pytest.approx(3_200_000)


@pytest.mark.parametrize("text", ["no figure was disclosed", "", "the 2nd quarter", "version 1.2.3", "on 3/14/2020"])
def test_parse_number_is_none_without_an_amount(text):
    assert parse_number(text) is None


def test_digits_inside_words_and_ids_are_not_numbers():
    text = "COVID-19 hit H1 sales in the 3rd quarter, via mp3 downloads; revenue fell by $5m"
    assert find_numbers(text) == [5_000_000.0]


def test_units_of_length_are_not_millions():
    # GSM8K: "The total thickness of the four books is ... = 188 mm." ("$5mn" is how finance writes millions)
    assert parse_number("The total thickness of the four books is 31 + 50 + 45 + 62 = 188 mm.") == 188.0
    assert parse_number("$5mn") == 5_000_000.0


def test_a_dash_between_numbers_subtracts_rather_than_negates():
    # a TAT-QA derivation: both amounts are positive
    assert find_numbers("$1,402-$1,271") == [1402.0, 1271.0]
    assert find_numbers("2018-2019") == [2018.0, 2019.0]


def test_answer_after_answer_cue_wins_over_later_numbers():
    output = "The answer is 70,000. He spent 130,000 in total and the house is now worth 200,000."
    assert parse_number(output) == 70_000.0


def test_gsm8k_gold_after_hashes_is_the_answer():
    solution = (
        "It takes 2/2=<<2/2=1>>1 bolt of white fiber\n"
        "So the total amount of fabric is 2+1=<<2+1=3>>3 bolts of fabric\n#### 3"
    )
    assert parse_number(solution) == 3.0


def test_number_after_last_equals_sign_is_the_answer():
    # GSM8K worked solution for Janet's ducks, as a model would write it
    output = (
        "Janet sells 16 - 3 - 4 = 9 duck eggs a day.\n"
        "She makes 9 * 2 = $18 every day at the farmer's market, which is 2 dollars per egg."
    )
    assert parse_number(output) == 18.0


def test_negative_gsm8k_answer_is_read_with_its_sign():
    output = (
        "Drop 8 degrees = 2 - 8 = -6 degrees\nIncrease 3 degrees = -6 + 3 = -3 degrees\n"
        "It was -3 degrees Celsius in the morning."
    )
    assert parse_number(output) == -3.0


def test_last_number_when_there_is_no_cue():
    assert parse_number("He sprints 9 times a week, so he runs 540 meters") == 540.0


def test_percent_answer_keeps_its_unit():
    mention = answer_mention("This is 12/20 x 100% = 60% of the entire students.")
    assert (mention.value, mention.scale) == (60.0, "percent")


@pytest.mark.parametrize(
    "value, scale, expected",
    [
        (3.2, "million", 3_200_000.0),
        (131, "thousand", 131_000.0),  # TAT-QA: change in balance, scale thousand
        (1.2, "billion", 1_200_000_000.0),
        (12.5, "percent", 0.125),
        (3.61, "", 3.61),
        (3.61, None, 3.61),
    ],
)
def test_apply_scale(value, scale, expected):
    assert apply_scale(value, scale) == pytest.approx(expected)


def test_scale_aliases_and_unknown_scale():
    assert normalize_scale("Million") == "million"
    assert normalize_scale("%") == "percent"
    with pytest.raises(ValueError, match="unknown scale 'lakh'"):
        apply_scale(1.0, "lakh")


# ---- numeric grader ------------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["273", "$273 million", "273,000,000", "6,332 - 6,059 = 273", "USD 0.273bn"])
def test_numeric_accepts_the_gold_in_its_scale(output):
    # TAT-QA: change in R&D expense 2017-2018, answer 273 with scale million
    assert grade("numeric", output, tatqa(273, "million")).correct


def test_numeric_rejects_the_wrong_unit():
    result = grade("numeric", "273 thousand", tatqa(273, "million"))
    assert (result.correct, result.detail) == (False, "answer '273 thousand', expected 273 million")


@pytest.mark.parametrize("output, correct", [("17.7%", True), ("17.7", True), ("0.177", True), ("1.77%", False)])
def test_numeric_percent(output, correct):
    # TAT-QA: percentage of adjustment to prepaid expenses, answer 17.7 with scale percent
    assert grade("numeric", output, tatqa(17.7, "percent")).correct is correct


@pytest.mark.parametrize(
    "output, correct", [("-9.03%", True), ("(9.03%)", True), ("\u22129.03", True), ("9.03%", False)]
)
def test_numeric_negative_percent_change(output, correct):
    # TAT-QA: percentage change of total assets 2018 -> 2019 is -9.03 percent; a lost sign is wrong
    assert grade("numeric", output, tatqa(-9.03, "percent")).correct is correct


def test_numeric_accounting_brackets_in_thousands():
    # TAT-QA: change in gross profit, -49955 with scale thousand
    task = tatqa(-49955, "thousand")
    assert grade("numeric", "The change was $(49,955) thousand.", task).correct
    assert grade("numeric", "-$49.955 million", task).correct


def test_numeric_tolerance():
    task = Task("pi", expected="3.14")
    assert not grade("numeric", "3.1", task, rel_tol=0.01).correct
    assert grade("numeric", "3.1", task, rel_tol=0.02).correct
    # abs_tol is in the task's units: 0.05 million for a TAT-QA answer of 0.9 million
    assert grade("numeric", "0.95 million", tatqa(0.9, "million"), rel_tol=0, abs_tol=0.05).correct
    assert not grade("numeric", "0.95 million", tatqa(0.9, "million"), rel_tol=0).correct


@pytest.mark.parametrize(
    "solution, output",
    [
        ("...\n#### 18", "She makes 9 * 2 = $18 every day at the farmer's market."),
        ("...\n#### 2,125", "In total, that means Johnny picked up 500 + 1500+ 125= 2125 blocks"),
        ("...\n#### 1,450,000", "So the total cost was 1,350,000+100,000=$1,450,000"),
        ("...\n#### -10", "-30/3 = -10 degrees\nThe average highest temperature is -10 degrees Fahrenheit."),
        ("...\n#### 60", "This is 12/20 x 100% = 60% of the entire students."),
    ],
)
def test_numeric_gsm8k(solution, output):
    assert grade("numeric", output, gsm8k(solution)).correct


def test_numeric_without_a_number_or_with_unknown_scale():
    assert (
        grade("numeric", "I cannot tell from the table.", tatqa(273, "million")).detail
        == "no number in output (expected 273 million)"
    )
    assert grade("numeric", "273", tatqa(273, "lakh")).detail.startswith("task scale: unknown scale 'lakh'; use one of")


# ---- number validator ----------------------------------------------------------------------------------


def test_number_validator():
    assert validate("number", "$(20,597)") == (True, "number '$(20,597)'")
    assert validate("number", "The table does not say.") == (False, "no number found")

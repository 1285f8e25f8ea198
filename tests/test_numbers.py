"""Reading numbers from financial notation and verbose model answers (strings from GSM8K and TAT-QA)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routeboard.numbers import answer_mention, apply_scale, find_mentions, find_numbers, normalize_scale, parse_number


@pytest.mark.parametrize("text, value", [
    ("$1,577.00", 1577.0),
    ("(3.1)", -3.1),
    ("-3.1", -3.1),
    ("\u22123.1", -3.1),            # unicode minus, as typeset reports print it
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
])
def test_parse_number_reads_financial_notation(text, value):
    assert parse_number(text) == pytest.approx(value)


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2))
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
    solution = ("It takes 2/2=<<2/2=1>>1 bolt of white fiber\n"
                "So the total amount of fabric is 2+1=<<2+1=3>>3 bolts of fabric\n#### 3")
    assert parse_number(solution) == 3.0


def test_number_after_last_equals_sign_is_the_answer():
    # GSM8K worked solution for Janet's ducks, as a model would write it
    output = ("Janet sells 16 - 3 - 4 = 9 duck eggs a day.\n"
              "She makes 9 * 2 = $18 every day at the farmer's market, which is 2 dollars per egg.")
    assert parse_number(output) == 18.0


def test_negative_gsm8k_answer_is_read_with_its_sign():
    output = ("Drop 8 degrees = 2 - 8 = -6 degrees\nIncrease 3 degrees = -6 + 3 = -3 degrees\n"
              "It was -3 degrees Celsius in the morning.")
    assert parse_number(output) == -3.0


def test_last_number_when_there_is_no_cue():
    assert parse_number("He sprints 9 times a week, so he runs 540 meters") == 540.0


def test_percent_answer_keeps_its_unit():
    mention = answer_mention("This is 12/20 x 100% = 60% of the entire students.")
    assert (mention.value, mention.scale) == (60.0, "percent")


@pytest.mark.parametrize("value, scale, expected", [
    (3.2, "million", 3_200_000.0),
    (131, "thousand", 131_000.0),   # TAT-QA: change in balance, scale thousand
    (1.2, "billion", 1_200_000_000.0),
    (12.5, "percent", 0.125),
    (3.61, "", 3.61),
    (3.61, None, 3.61),
])
def test_apply_scale(value, scale, expected):
    assert apply_scale(value, scale) == pytest.approx(expected)


def test_scale_aliases_and_unknown_scale():
    assert normalize_scale("Million") == "million"
    assert normalize_scale("%") == "percent"
    with pytest.raises(ValueError, match="unknown scale 'lakh'"):
        apply_scale(1.0, "lakh")

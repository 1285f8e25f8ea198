"""Real rows the grader tests share: Banking77 intents, TAT-QA and GSM8K answers, and how to grade one."""

from __future__ import annotations

import json

from routeboard.domain import Grade, GraderSpec, Task
from routeboard.graders import build_grader, build_validator

# Banking77 categories.json, all 77 intents as shipped (note "Refund_not_showing_up" and "reverted_card_payment?").
BANKING77 = [
    "card_arrival",
    "card_linking",
    "exchange_rate",
    "card_payment_wrong_exchange_rate",
    "extra_charge_on_statement",
    "pending_cash_withdrawal",
    "fiat_currency_support",
    "card_delivery_estimate",
    "automatic_top_up",
    "card_not_working",
    "exchange_via_app",
    "lost_or_stolen_card",
    "age_limit",
    "pin_blocked",
    "contactless_not_working",
    "top_up_by_bank_transfer_charge",
    "pending_top_up",
    "cancel_transfer",
    "top_up_limits",
    "wrong_amount_of_cash_received",
    "card_payment_fee_charged",
    "transfer_not_received_by_recipient",
    "supported_cards_and_currencies",
    "getting_virtual_card",
    "card_acceptance",
    "top_up_reverted",
    "balance_not_updated_after_cheque_or_cash_deposit",
    "card_payment_not_recognised",
    "edit_personal_details",
    "why_verify_identity",
    "unable_to_verify_identity",
    "get_physical_card",
    "visa_or_mastercard",
    "topping_up_by_card",
    "disposable_card_limits",
    "compromised_card",
    "atm_support",
    "direct_debit_payment_not_recognised",
    "passcode_forgotten",
    "declined_cash_withdrawal",
    "pending_card_payment",
    "lost_or_stolen_phone",
    "request_refund",
    "declined_transfer",
    "Refund_not_showing_up",
    "declined_card_payment",
    "pending_transfer",
    "terminate_account",
    "card_swallowed",
    "transaction_charged_twice",
    "verify_source_of_funds",
    "transfer_timing",
    "reverted_card_payment?",
    "change_pin",
    "beneficiary_not_allowed",
    "transfer_fee_charged",
    "receiving_money",
    "failed_transfer",
    "transfer_into_account",
    "verify_top_up",
    "getting_spare_card",
    "top_up_by_cash_or_cheque",
    "order_physical_card",
    "virtual_card_not_working",
    "wrong_exchange_rate_for_cash_withdrawal",
    "get_disposable_virtual_card",
    "top_up_failed",
    "balance_not_updated_after_bank_transfer",
    "cash_withdrawal_not_recognised",
    "exchange_charge",
    "top_up_by_card_charge",
    "activate_my_card",
    "cash_withdrawal_charge",
    "card_about_to_expire",
    "apple_pay_or_google_pay",
    "verify_my_identity",
    "country_support",
]
CARD_ARRIVAL = Task(
    "b77-1", input="I still have not received my new card, I ordered over a week ago.", expected="card_arrival"
)
WRONG_RATE = Task(
    "b77-2",
    input="I purchased something in a foreign currency but the rate applied is wrong",
    expected="card_payment_wrong_exchange_rate",
)


def tatqa(answer, scale: str = "") -> Task:
    """A TAT-QA question as a task: the gold answer as text and its scale in metadata."""
    expected = json.dumps(answer) if isinstance(answer, list) else str(answer)
    return Task("tatqa", input="(table and paragraphs)", expected=expected, metadata={"scale": scale})


def gsm8k(solution: str) -> Task:
    """A GSM8K row as a task: the gold is the number after '#### '."""
    return Task("gsm8k", input="(word problem)", expected=solution.split("#### ")[-1])


def grade(name: str, output: str, task: Task, **options) -> Grade:
    return build_grader(GraderSpec(name, options))(output, task)


def validate(name: str, output: str, **options) -> tuple[bool, str]:
    return build_validator(GraderSpec(name, options))(output)


# TAT-QA: change in R&D expense between 2017 and 2018, derivation 6,332-6,059, answer 273 million.
RD_FIELDS = {
    "change": {"matcher": "numeric", "weight": 3},
    "scale": {"matcher": "exact"},
    "derivation": {"matcher": "contains", "required": False},
}
RD_TASK = Task("tatqa-rd", expected='{"change": 273, "scale": "million", "derivation": "6,332-6,059"}')

RUBRIC = "PASS if the answer gives the R&D expense change (273 million) and shows how it was computed."

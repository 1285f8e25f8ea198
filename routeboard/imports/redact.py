"""Redaction of personal data before anything is stored: e-mail addresses, phone numbers and payment cards
become typed placeholders ([EMAIL], [PHONE], [CARD]), so reviewers and models never see them.

Phones are found by Google's libphonenumber (``phonenumbers``), which knows each country's numbering plan;
cards are digit runs of 13-19 digits (spaces or dashes allowed) that pass the Luhn check, so an order number
that merely looks long stays as it is.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import phonenumbers

from routeboard.domain import Suite

EMAIL = "[EMAIL]"
PHONE = "[PHONE]"
CARD = "[CARD]"

# local@domain.tld: a dot-atom local part and at least one dot in the domain; no match inside a longer word
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-])"
)
# 13-19 digits, optionally grouped by single spaces or dashes, not part of a longer digit run
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])")
# Numbers without a country code are read as if dialled from here; "+44 ..." is found whatever this is.
DEFAULT_REGION = "US"


def redact_text(text: str, region: str = DEFAULT_REGION) -> str:
    """The text with e-mail addresses, payment card numbers and phone numbers replaced by placeholders."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _CARD.sub(lambda m: CARD if _luhn_ok(re.sub(r"\D", "", m.group())) else m.group(), text)
    return _redact_phones(text, region)


def redact_value(value: Any, region: str = DEFAULT_REGION) -> Any:
    """Every string inside a JSON-like value (messages, vars) redacted; other values unchanged."""
    if isinstance(value, str):
        return redact_text(value, region)
    if isinstance(value, list):
        return [redact_value(item, region) for item in value]
    if isinstance(value, dict):
        return {key: redact_value(item, region) for key, item in value.items()}
    return value


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return 13 <= len(digits) <= 19 and total % 10 == 0


def _redact_phones(text: str, region: str) -> str:
    # VALID leniency: the number must exist in its country's plan, so dates and amounts are left alone
    matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID))
    for match in reversed(matches):
        text = text[: match.start] + PHONE + text[match.end :]
    return text


def redact_suite(suite: Suite) -> Suite:
    """A suite whose task inputs, messages and variables are redacted (expected answers are left as given)."""
    tasks = tuple(
        replace(
            task, input=redact_value(task.input), messages=redact_value(task.messages), vars=redact_value(task.vars)
        )
        for task in suite.tasks
    )
    return replace(suite, tasks=tasks)

"""Redaction before storage: personal data becomes typed placeholders, look-alike numbers stay as they are."""

from __future__ import annotations

import pytest

from routeboard.imports.redact import redact_text, redact_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to jane.doe+orders@example.co.uk today.", "Write to [EMAIL] today."),
        ("Call me on +44 20 7946 0958 after 5.", "Call me on [PHONE] after 5."),
        ("Büro: +49 30 901820, Paris: +33 1 42 68 53 00.", "Büro: [PHONE], Paris: [PHONE]."),
        ("US office (415) 555-2671.", "US office [PHONE]."),
        ("Card 4111 1111 1111 1111, exp 12/27", "Card [CARD], exp 12/27"),
        ("Mastercard 5500-0000-0000-0004 declined", "Mastercard [CARD] declined"),
        ("Amex 378282246310005 ok", "Amex [CARD] ok"),
    ],
)
def test_personal_data_becomes_typed_placeholders(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Order number 1234567890123456 shipped on 2024-05-29.",  # 16 digits that fail the Luhn check
        "Your order AB-20240529-7731 is on its way.",
        "Invoice INV-88213 totals 1,499.00 EUR for 12 units.",
        "The meeting is on 2024-06-02 at 14:30 in room 4.",
        "an @mention and user@localhost are not addresses",
    ],
)
def test_look_alikes_are_left_alone(text):
    assert redact_text(text) == text


def test_every_string_inside_messages_is_redacted():
    messages = [{"role": "user", "content": [{"type": "text", "text": "mail bo@acme.io"}]}, {"role": "system", "n": 3}]
    assert redact_value(messages) == [
        {"role": "user", "content": [{"type": "text", "text": "mail [EMAIL]"}]},
        messages[1],
    ]


def test_a_suite_is_redacted_in_its_inputs_and_variables_not_its_answers():
    from routeboard.domain import GraderSpec, Suite, Task
    from routeboard.imports.redact import redact_suite

    task = Task(id="a", input="Call +1 415 555 2671", vars={"who": "bo@acme.io"}, expected="bo@acme.io")
    [redacted] = redact_suite(Suite("s", "c", GraderSpec("exact"), (task,))).tasks
    assert (redacted.input, redacted.vars, redacted.expected) == ("Call [PHONE]", {"who": "[EMAIL]"}, "bo@acme.io")

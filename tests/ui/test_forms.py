"""The form helpers' words: each constraint problem names its field as the form labels it; typed text is read
as the option's declared type."""

from __future__ import annotations

from routeboard.graders.registry import option_from_text
from ui.forms import CONSTRAINT_LABELS, constraint_words, label


def test_every_constraint_problem_names_its_field_as_the_form_labels_it():
    words = constraint_words({"max_cpat_usd": 0, "allowed_tiers": ["cloud"], "min_tasks": 0.5, "speed": 1})
    assert words == [
        "cpat ceiling (USD per accepted task): must be a positive number (or null for no ceiling)",
        "Allowed tiers: must be a non-empty list of tiers from frontier, small-proprietary, hosted-open-weight, local",
        "Minimum tasks: must be a whole number of at least 1",
        "speed: unknown constraint (known: max_latency_ms_p95, max_cpat_usd, allowed_tiers, deny_models, min_tasks)",
    ]
    assert set(CONSTRAINT_LABELS) == {"max_latency_ms_p95", "max_cpat_usd", "allowed_tiers", "deny_models", "min_tasks"}
    assert label("abs_tol") == "Abs tol"


def test_typed_text_is_read_as_the_declared_type_and_left_as_text_when_it_is_not():
    assert option_from_text("list", " billing, technical ,, other") == ["billing", "technical", "other"]
    assert option_from_text("number", "0.5") == 0.5 and option_from_text("number", "3") == 3
    assert option_from_text("number", "half") == "half"  # the grader's check then says "must be a number"
    assert option_from_text("bool", "False") is False and option_from_text("bool", "yes") is True
    assert option_from_text("mapping", '{"total": "numeric"}') == {"total": "numeric"}
    assert option_from_text("text", " scale ") == "scale"

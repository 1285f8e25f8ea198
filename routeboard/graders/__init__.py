"""Graders and validators, registered by name so suites can name them in YAML.

A grader needs the gold answer and decides ``correct``; a validator checks only what production code could
also check and decides ``valid``. Each is a small factory in its family's module (text, numeric, structured,
judge, human, assertions: the per-task checks of peers' test projects) that declares its options; the registry
checks a suite's options against them and builds by name.
"""

# Importing the family modules (assertions, human, judge, numeric, structured, text) registers their graders and
# validators.
from routeboard.graders._common import Grader, Judge, Validator
from routeboard.graders.assertions import ASSERT_KEY, supported
from routeboard.graders.human import PENDING_DETAIL, awaits_review, review_overlap
from routeboard.graders.judge import judge_messages, parse_verdict
from routeboard.graders.numeric import (
    NumberMention,
    answer_mention,
    apply_scale,
    find_mentions,
    find_numbers,
    normalize_scale,
    numbers_close,
    parse_number,
)
from routeboard.graders.registry import (
    GRADERS,
    VALIDATORS,
    Option,
    Registered,
    build_grader,
    build_validator,
    grade_output,
    grader,
    needs_expected,
    option_schema,
    registered,
    spec_problems,
    validator,
)
from routeboard.graders.structured import FieldSpec, extract_json_object, field_matches, parse_json_document
from routeboard.graders.text import find_labels, normalize_text, token_f1

__all__ = [
    "ASSERT_KEY",
    "GRADERS",
    "VALIDATORS",
    "FieldSpec",
    "Grader",
    "Judge",
    "PENDING_DETAIL",
    "NumberMention",
    "Option",
    "Registered",
    "Validator",
    "answer_mention",
    "apply_scale",
    "awaits_review",
    "build_grader",
    "build_validator",
    "extract_json_object",
    "field_matches",
    "find_labels",
    "find_mentions",
    "find_numbers",
    "grade_output",
    "grader",
    "judge_messages",
    "needs_expected",
    "normalize_scale",
    "normalize_text",
    "numbers_close",
    "option_schema",
    "parse_json_document",
    "parse_number",
    "parse_verdict",
    "registered",
    "review_overlap",
    "spec_problems",
    "supported",
    "token_f1",
    "validator",
]

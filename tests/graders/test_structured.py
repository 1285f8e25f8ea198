"""Structured outputs: json_fields on a TAT-QA answer, the json and json_schema validators."""

from __future__ import annotations

import pytest

from routeboard.domain import Grade
from tests.graders.conftest import BANKING77, RD_FIELDS, RD_TASK, grade, validate

# ---- json_fields ---------------------------------------------------------------------------------------


def test_json_fields_weighted_score_in_fenced_json():
    output = 'Here it is:\n```json\n{"change": "273", "scale": "Million", "derivation": "6,332 - 6,059"}\n```'
    strict = grade("json_fields", output, RD_TASK, fields=RD_FIELDS)
    assert (strict.correct, strict.score) == (False, pytest.approx(0.8))
    assert "derivation: expected 6,332-6,059, got 6,332 - 6,059" in strict.detail
    assert grade("json_fields", output, RD_TASK, fields=RD_FIELDS, threshold=0.8).correct


def test_json_fields_missing_required_field_is_wrong_whatever_the_score():
    output = 'The result is {"change": 273, "derivation": "6,332-6,059"} as computed.'
    result = grade("json_fields", output, RD_TASK, fields=RD_FIELDS, threshold=0.5)
    assert (result.correct, result.score) == (False, pytest.approx(0.8))
    assert "missing required: scale" in result.detail


def test_json_fields_optional_field_may_be_missing():
    output = '{"change": 273.0, "scale": "million"}'
    result = grade("json_fields", output, RD_TASK, fields=RD_FIELDS, threshold=0.8)
    assert (result.correct, result.score) == (True, pytest.approx(0.8))


def test_json_fields_without_json_is_invalid():
    result = grade("json_fields", "The change was 273 million.", RD_TASK, fields=RD_FIELDS)
    assert result == Grade(valid=False, correct=False, score=0.0, detail="no JSON object in output")


# ---- validators ----------------------------------------------------------------------------------------


def test_json_validator():
    assert validate("json", '```json\n{"intent": "card_arrival"}\n```') == (True, "JSON object")
    assert validate("json", '["2019", "2018"]') == (True, "JSON array")
    ok, detail = validate("json", 'Sure! {"intent": "card_arrival"}')
    assert not ok and detail.startswith("not JSON")
    assert validate("json", "18") == (False, "JSON int, not an object or array")


def test_json_schema_validator_with_banking77_intents():
    schema = {"type": "object", "required": ["intent"], "properties": {"intent": {"enum": BANKING77}}}
    assert validate("json_schema", '{"intent": "card_arrival"}', schema=schema) == (True, "matches schema")
    ok, detail = validate("json_schema", '{"intent": "card arrival"}', schema=schema)
    assert not ok and detail.startswith("schema: intent: 'card arrival' is not one of")
    assert validate("json_schema", "{}", schema=schema) == (False, "schema: (root): 'intent' is a required property")


def test_jsonschema_loads_only_when_a_schema_is_checked():
    """Loading the graders (every page and CLI start) skips jsonschema; a schema validator still reports where."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = """
import json, sys
import routeboard.graders
from routeboard.graders.structured import json_schema_validator
before = "jsonschema" in sys.modules
validate = json_schema_validator(schema={"type": "object", "properties": {"n": {"type": "integer"}}})
print(json.dumps({"before": before, "result": validate('{"n": "x"}')}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"before": False, "result": [False, "schema: n: 'x' is not of type 'integer'"]}

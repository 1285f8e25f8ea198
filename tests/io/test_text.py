"""Decoding files people hand us: byte-order marks, UTF-8 or UTF-16, a clear refusal of anything else."""

from __future__ import annotations

import pytest

from routeboard.errors import InvalidInput, Problems
from routeboard.io.text import decode, file_bytes
from routeboard.suites import load_suite_bytes

SUITE_CSV = "input,target\n2+2?,4\ncafé?,5\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_suite_saved_as_utf8_or_with_a_unicode_mark_loads_the_same(encoding):
    data = SUITE_CSV.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # Excel's "Unicode text" writes the mark; these need one to be known
        data = "\ufeff".encode(encoding) + data
    suite = load_suite_bytes("tasks.csv", data)
    assert [(t.input, t.expected) for t in suite.tasks] == [("2+2?", "4"), ("café?", "5")]


def test_latin1_is_refused_with_its_line_and_what_to_do():
    problems = Problems("old.csv")
    assert decode(SUITE_CSV.encode("latin-1"), problems) is None
    [problem] = problems
    assert (problem.file, problem.line) == ("old.csv", 3)
    assert problem.message == "not valid UTF-8 (byte 0xe9); save the file as UTF-8"


def test_a_broken_utf16_file_names_its_encoding_and_line():
    data = "a\nb\n".encode("utf-16") + b"\x00"  # an odd byte: cut in the middle of a character
    problems = Problems("cut.csv")
    assert decode(data, problems) is None
    assert "not valid UTF-16" in problems.found[0].message and problems.found[0].line == 3


def test_the_size_limit_says_how_to_raise_it(monkeypatch):
    monkeypatch.setenv("ROUTEBOARD_MAX_FILE_MB", "0.001")
    problems = Problems("big.jsonl")
    assert decode(b"x" * 2000, problems) is None
    message = problems.found[0].message
    assert message.startswith("file is 0.0 MB, over the 0.001") and message.endswith(
        "MB limit (set ROUTEBOARD_MAX_FILE_MB to raise it)"
    )


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InvalidInput) as caught:
        file_bytes(tmp_path / "nope.csv")
    assert str(caught.value) == f"{tmp_path / 'nope.csv'}: no such file"

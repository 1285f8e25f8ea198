"""The installed package: a `routeboard` command that works from any folder, and metadata that tells the truth
(the Python it needs, the litellm versions whose price file it reads, no dependency it never imports)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

from tests.conftest import ROOT

COMMAND = Path(sys.executable).parent / "routeboard"


def test_the_routeboard_command_works_from_any_folder(tmp_path):
    assert COMMAND.is_file(), f"{COMMAND} is missing: `make install` installs the package (pip install -e .)"
    env = {**os.environ, "ROUTEBOARD_DB": str(tmp_path / "r.duckdb"), "PYTHONPATH": ""}
    helped = subprocess.run([str(COMMAND), "--help"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: routeboard ") and "results" in helped.stdout
    listed = subprocess.run([str(COMMAND), "suites", "list"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert (listed.returncode, listed.stdout.startswith("no suites yet")) == (0, True), listed.stderr


def test_python_m_routeboard_keeps_working_from_any_folder(tmp_path):
    env = {**os.environ, "PYTHONPATH": ""}
    helped = subprocess.run(
        [sys.executable, "-m", "routeboard", "--help"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert helped.returncode == 0 and "usage: routeboard" in helped.stdout, helped.stderr


def _requirements() -> dict[str, str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    specs = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    return {re.split(r"[\[<>=!~ ]", spec, maxsplit=1)[0].lower(): spec for spec in specs}


def test_the_python_version_is_the_one_the_code_needs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["requires-python"] == ">=3.11"  # tomllib, in routeboard/settings.py
    assert project["tool"]["ruff"]["target-version"] == "py311"
    assert "import tomllib" in (ROOT / "routeboard" / "settings.py").read_text()


def test_litellm_is_pinned_to_the_versions_whose_price_file_is_read():
    from packaging.specifiers import SpecifierSet

    from routeboard.providers.price_table import price_map_path

    spec = SpecifierSet(_requirements()["litellm"].removeprefix("litellm"))
    assert any(s.operator == "<" for s in spec), "no upper bound on litellm"
    assert version("litellm") in spec
    assert price_map_path() is not None  # the installed litellm ships the file the price table reads


def test_no_requirement_is_listed_that_nothing_imports():
    assert "tenacity" not in _requirements()
    sources = [p.read_text() for folder in ("routeboard", "ui", "pages") for p in (ROOT / folder).rglob("*.py")]
    assert not any(re.search(r"^\s*(import|from) tenacity", text, re.M) for text in sources)

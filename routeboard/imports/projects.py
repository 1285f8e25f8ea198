"""Peers' test projects as suites: a promptfoo project (``promptfooconfig.yaml`` and the files it names) or an OpenAI
evals registry YAML (and its samples), read from disk or from files uploaded together, checked as any suite is and
imported all or nothing; a project's providers become the models its run is suggested."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from routeboard.domain import Suite
from routeboard.errors import InvalidInput, Problem, Problems
from routeboard.io.openai_evals import looks_like_evals_registry, read_evals_registry
from routeboard.io.project_files import DiskFiles, ProjectFiles, UploadedFiles
from routeboard.io.promptfoo_project import looks_like_promptfoo, read_promptfoo_project
from routeboard.io.text import decode
from routeboard.io.yaml_doc import read_yaml
from routeboard.store.suites import ImportResult
from routeboard.suites import Overrides, build_suite
from routeboard.team.access import Actor

CONFIG_NAMES = ("promptfooconfig.yaml", "promptfooconfig.yml")


@dataclass
class ProjectRead:
    """A project's suites (checked, not stored), the models its providers name, and what was left out."""

    fmt: str
    suites: list[Suite]
    models: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def run_command(self) -> str | None:
        """The command that runs these suites on the project's models, or None when it names none."""
        if not self.models:
            return None
        suites = " ".join(f"--suite {suite.name}" for suite in self.suites)
        return f"routeboard run {suites} " + " ".join(f"--model {model}" for model in self.models)


def project_kind(filename: str, data: bytes) -> str | None:
    """'promptfoo' or 'openai-evals' for a project's config YAML, else None (a suite YAML or another file)."""
    if Path(filename).suffix.lower() not in (".yaml", ".yml"):
        return None
    problems = Problems(filename)
    text = decode(data, problems)
    doc = read_yaml(text, problems) if text is not None else None
    if doc is None:
        return None
    if looks_like_promptfoo(doc.data):
        return "promptfoo"
    return "openai-evals" if looks_like_evals_registry(doc.data) else None


def project_config(path: Path) -> Path | None:
    """The project config a path names: a folder holding promptfooconfig.yaml, or a project YAML itself."""
    if path.is_dir():
        return next((path / name for name in CONFIG_NAMES if (path / name).is_file()), None)
    if path.is_file() and project_kind(path.name, path.read_bytes()):
        return path
    return None


def load_project(path: str | Path, overrides: Overrides | None = None) -> ProjectRead:
    """A project on disk: its files are read beside the config, never outside its folder (an evals registry's
    samples from its data folder: registry/evals/NAME.yaml names registry/data/...)."""
    config = project_config(Path(path))
    if config is None:
        raise InvalidInput(Problem(str(path), None, None, "not a promptfoo project or an OpenAI evals registry YAML"))
    base = config.parent
    registry = base.name == "evals"
    files = DiskFiles(base, root=base.parent if registry else base, also=("../data",) if registry else ())
    return read_project(str(config), config.read_bytes(), files, overrides)


def read_uploaded_project(uploads: list[tuple[str, bytes]], overrides: Overrides | None = None) -> ProjectRead | None:
    """A project among files uploaded together (its config and the files it names), or None when none is a config."""
    config = next(((name, data) for name, data in uploads if project_kind(name, data)), None)
    if config is None:
        return None
    return read_project(config[0], config[1], UploadedFiles(dict(uploads)), overrides)


def read_project(filename: str, data: bytes, files: ProjectFiles, overrides: Overrides | None = None) -> ProjectRead:
    """Every suite of a project, checked as any suite is; raises InvalidInput listing every problem."""
    overrides = overrides or Overrides()
    problems = Problems(filename, limit=200)
    text = decode(data, problems)
    doc = read_yaml(text, problems) if text is not None else None
    problems.raise_if_any()
    names = (overrides.name, overrides.category)
    stem = Path(filename).parent.name if Path(filename).stem.startswith("promptfooconfig") else Path(filename).stem
    if looks_like_promptfoo(doc.data):
        project = read_promptfoo_project(doc, stem or "promptfoo", problems, files, names)
    elif looks_like_evals_registry(doc.data):
        project = read_evals_registry(doc, problems, files, grader=overrides.grader is not None, names=names)
    else:
        raise InvalidInput(Problem(filename, None, None, "not a promptfoo project or an OpenAI evals registry YAML"))
    problems.raise_if_any()
    rest = replace(overrides, name=None, category=None)  # the project's suites are named from these above
    suites = [
        build_suite(ps.records, stem, rest, problems, meta=ps.meta, task_problems=ps.problems) for ps in project.suites
    ]
    return ProjectRead(project.fmt, suites, project.models, project.notes)


def import_project(
    con: duckdb.DuckDBPyConnection, read: ProjectRead, *, actor: Actor | None = None
) -> list[ImportResult]:
    """Store a project's suites in one transaction (all or nothing), each audited as an upload."""
    from routeboard.library import save_suites

    return save_suites(con, read.suites, origin=read.fmt, actor=actor)

"""routeboard: which model should do each job, and what an accepted output really costs.

The core never imports streamlit; the app (app.py, pages/) and the CLI (python -m routeboard) call it.
The names below are loaded when first used, so importing one module of routeboard costs only that module.
"""

from importlib import import_module

from routeboard.settings import prepare_environment

prepare_environment()  # before anything can import litellm

_EXPORTS = {
    "Grade": "routeboard.domain",
    "GraderSpec": "routeboard.domain",
    "InfraProfile": "routeboard.domain",
    "Model": "routeboard.domain",
    "Price": "routeboard.domain",
    "Suite": "routeboard.domain",
    "Task": "routeboard.domain",
    "InvalidInput": "routeboard.errors",
    "ModelUnavailable": "routeboard.errors",
    "NotFound": "routeboard.errors",
    "Problem": "routeboard.errors",
    "ProviderError": "routeboard.errors",
    "RouteboardError": "routeboard.errors",
    "StoreError": "routeboard.errors",
    "build_grader": "routeboard.graders",
    "build_validator": "routeboard.graders",
    "grade_output": "routeboard.graders",
    "connect": "routeboard.store.connection",
    "Overrides": "routeboard.suites",
    "load_suite": "routeboard.suites",
    "load_suite_bytes": "routeboard.suites",
    "render_messages": "routeboard.suites",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'routeboard' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)

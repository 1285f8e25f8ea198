"""routeboard: which model should do each job, and what an accepted output really costs.

The core never imports streamlit; the app (app.py, pages/) and the CLI (python -m routeboard) call it.
"""

from routeboard.settings import prepare_environment

prepare_environment()  # before anything can import litellm

from routeboard.domain import Grade, GraderSpec, InfraProfile, Model, Price, Suite, Task  # noqa: E402
from routeboard.errors import (  # noqa: E402
    InvalidInput,
    ModelUnavailable,
    NotFound,
    Problem,
    ProviderError,
    RouteboardError,
    StoreError,
)
from routeboard.graders import build_grader, build_validator, grade_output  # noqa: E402
from routeboard.store.connection import connect  # noqa: E402
from routeboard.suites import Overrides, load_suite, load_suite_bytes, render_messages  # noqa: E402

__all__ = [
    "Grade",
    "GraderSpec",
    "InfraProfile",
    "InvalidInput",
    "Model",
    "ModelUnavailable",
    "NotFound",
    "Overrides",
    "Price",
    "Problem",
    "ProviderError",
    "RouteboardError",
    "StoreError",
    "Suite",
    "Task",
    "build_grader",
    "build_validator",
    "connect",
    "grade_output",
    "load_suite",
    "load_suite_bytes",
    "render_messages",
]

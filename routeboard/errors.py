"""Exceptions the core raises; each message says what went wrong and what to do about it.

The CLI prints ``str(error)`` on one line and exits 2; the app shows it with ``st.error``.
"""

from __future__ import annotations

from dataclasses import dataclass


class RouteboardError(Exception):
    """Base class for every error a user can act on."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located by file, line (or row) and field."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f" [{self.field}]"
        return f"{where}: {self.message}"


class InvalidInput(RouteboardError):
    """An input file or value failed validation; ``problems`` lists every issue found."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("<input>", None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        head = str(self.problems[0]) if self.problems else "invalid input"
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__(head + more)


class UnknownGrader(RouteboardError):
    """A suite names a grader or validator that is not registered."""


class NotFound(RouteboardError):
    """A suite, model, run or scenario named by the user does not exist."""


class StoreError(RouteboardError):
    """The database cannot be opened or written (locked by another process, unreadable file)."""


class ProviderError(RouteboardError):
    """A model call failed; ``kind`` classifies it for retries and outcome accounting."""

    def __init__(self, message: str, kind: str = "error", retry_after_s: float | None = None,
                 billed_input_tokens: int = 0, billed_output_tokens: int = 0):
        super().__init__(message)
        self.kind = kind
        self.retry_after_s = retry_after_s
        self.billed_input_tokens = billed_input_tokens
        self.billed_output_tokens = billed_output_tokens


class ModelUnavailable(RouteboardError):
    """A model cannot be used here (no server, missing package, no API key)."""

"""Exceptions the core raises; each message says what went wrong and what to do about it.

The CLI prints ``str(error)`` on one line and exits 2; the app shows ``error.text(for_page)`` with ``st.error``: an
input the message names (routeboard.present.field) reads as its flag on the command line, as its label on a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from routeboard.present import for_cli


def _as_written(text: str) -> str:
    return text


class RouteboardError(Exception):
    """Base class for every error a user can act on."""

    def text(self, where: Callable[[str], str] = for_cli) -> str:
        """The message as read ``where`` (present.for_cli, the default, or present.for_page)."""
        return where(super().__str__())

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located by file, line (or row) and field."""

    file: str
    line: int | None
    field: str | None
    message: str

    def text(self, where: Callable[[str], str] = for_cli) -> str:
        """'file:line [field]: message' as read ``where`` (present.for_cli, the default, or present.for_page)."""
        at = self.file
        if self.line is not None:
            at += f":{self.line}"
        if self.field:
            at += f" [{self.field}]"
        return where(f"{at}: {self.message}")

    def __str__(self) -> str:
        return self.text()


class InvalidInput(RouteboardError):
    """An input file or value failed validation; ``problems`` lists every issue found."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("<input>", None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        head = self.problems[0].text(_as_written) if self.problems else "invalid input"
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__(head + more)


class Problems:
    """Every problem found in one input, in order, each located by file, line and field (the one collector
    every reader writes to). ``limit`` caps what is shown, so a systematic mistake in a 100,000-row file
    reads as a few hundred lines, not 100,000."""

    def __init__(self, file: str, limit: int | None = None, *, _found: list[Problem] | None = None):
        self.file = file
        self.limit = limit
        self.found: list[Problem] = [] if _found is None else _found

    def add(self, line: int | None, field: str | None, message: str) -> None:
        """Note one problem in this collector's file."""
        self.found.append(Problem(self.file, line, field, message))

    def in_file(self, file: str) -> Problems:
        """The same collection, adding problems located in another file (a suite's tasks beside its YAML)."""
        return Problems(file, self.limit, _found=self.found)

    def shown(self) -> list[Problem]:
        """The problems to show: the first ``limit``, then one line saying how many more there are."""
        if self.limit is None or len(self.found) <= self.limit:
            return list(self.found)
        hidden = len(self.found) - self.limit
        return [
            *self.found[: self.limit],
            Problem(self.file, None, None, f"{hidden} more problems not shown; fix the ones above and import again"),
        ]

    def raise_if_any(self) -> None:
        """Raise InvalidInput listing the problems, if there are any."""
        if self.found:
            raise InvalidInput(self.shown())

    def __len__(self) -> int:
        return len(self.found)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.found)


class UnknownGrader(RouteboardError):
    """A suite names a grader or validator that is not registered."""


class NotFound(RouteboardError):
    """A suite, model, run or scenario named by the user does not exist."""


class StoreError(RouteboardError):
    """The database cannot be opened or written (locked by another process, unreadable file)."""


class TeamStore(StoreError):
    """A team's store opened by a process without the sign-in settings (routeboard/store/mode.py): never a lock to
    work around, always refused."""


class ProviderError(RouteboardError):
    """A model call failed; ``kind`` classifies it for retries and outcome accounting."""

    def __init__(
        self,
        message: str,
        kind: str = "error",
        retry_after_s: float | None = None,
        billed_input_tokens: int = 0,
        billed_output_tokens: int = 0,
    ):
        super().__init__(message)
        self.kind = kind
        self.retry_after_s = retry_after_s
        self.billed_input_tokens = billed_input_tokens
        self.billed_output_tokens = billed_output_tokens


class ModelUnavailable(RouteboardError):
    """A model cannot be used here (no server, missing package, no API key)."""


class ReviewError(RouteboardError):
    """A review cannot be recorded (unknown item, bad verdict, missing reason, a second review by the same
    person); the message says what to do instead."""


class Refused(RouteboardError):
    """The signed-in person's role or budget does not allow the action; the message names what would."""

"""Errors and exit codes shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in ``memplan --help`` and docs/exit-codes."""

    OK = 0
    """No verdict at fail (warnings allowed unless ``--fail-on warn``)."""
    FAIL = 1
    """At least one finding at fail."""
    USAGE = 2
    """Wrong command-line usage (also what click/typer exit with)."""
    WARN = 3
    """Only warnings, and ``--fail-on warn`` was given."""
    INVALID = 4
    """The inventory is invalid or unreadable."""
    INTERNAL = 70
    """A bug in memplan (EX_SOFTWARE of sysexits.h): an exception nothing expected."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in an input file, 1-based line and column as editors show them."""

    file: str
    """The path as the user gave it."""
    line: int
    """1-based line."""
    column: int
    """1-based column."""
    message: str
    """What is wrong, in one line."""
    first: bool = False
    """Listed before the others: a problem that causes later ones (a duplicate key)."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: error: {self.message}"


class MemplanError(Exception):
    """Base class of every error memplan reports without a traceback."""


class InventoryError(MemplanError):
    """The inventory could not be read; carries every problem found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(
            problems, key=lambda p: (p.file, not p.first, p.line, p.column, p.message)
        )
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(MemplanError):
    """A command-line value is wrong (exit code 2)."""


class LimitError(UsageError):
    """An input file is beyond one of memplan's documented limits (docs/performance.md):
    refused before it costs minutes or gigabytes (exit code 4)."""

"""Errors to exit codes: every problem printed on stderr, one line each."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from memplan.errors import ExitCode, InventoryError
from memplan.inventory import whatif
from memplan.model import Severity
from memplan.render.safe import safe_line
from memplan.units import plural

if TYPE_CHECKING:
    pass
from memplan.cli.options import FailOn

EXIT_RANK = {ExitCode.OK: 0, ExitCode.WARN: 1, ExitCode.FAIL: 2, ExitCode.INVALID: 3}
"""Which exit code wins when several inventories are checked."""


def error_exit(problems: InventoryError, outcome: str = "nothing was checked") -> typer.Exit:
    """Print every problem, those a flag causes alike in many VMs as one (whatif.aggregate);
    exit 4, or 2 when they all come from what-if flags."""
    said = whatif.aggregate(problems.problems)
    for p in said:
        sys.stderr.write(f"{safe_line(str(p))}\n")
    n = len(said)
    sys.stderr.write(f"memplan: {plural(n, 'problem')}; {outcome}\n")
    from_flags = all(p.file in whatif.LOCATED for p in problems.problems)
    return typer.Exit(ExitCode.USAGE if from_flags else ExitCode.INVALID)


def usage_exit(message: str) -> typer.Exit:
    sys.stderr.write(f"memplan: error: {safe_line(message)}\n")
    return typer.Exit(ExitCode.USAGE)


def exit_for(verdict: Severity, fail_on: FailOn) -> ExitCode:
    if fail_on is FailOn.NEVER:
        return ExitCode.OK
    if verdict is Severity.FAIL:
        return ExitCode.FAIL
    if verdict is Severity.WARN and fail_on is FailOn.WARN:
        return ExitCode.WARN
    return ExitCode.OK

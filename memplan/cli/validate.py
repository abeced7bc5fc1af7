"""``memplan validate``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from memplan import inventory
from memplan.errors import ExitCode, InventoryError, UsageError
from memplan.model import Note
from memplan.units import plural

if TYPE_CHECKING:
    pass
from memplan.cli.exits import error_exit, usage_exit
from memplan.cli.loading import import_notes
from memplan.cli.options import InventoriesArg, VerboseOpt


def validate(inventory_files: InventoriesArg, verbose: VerboseOpt = False) -> None:
    """Parse and validate inventories without evaluating them.

    Example: memplan validate samples/realistic.yaml

    Exit codes: 0 valid, 4 invalid or unreadable (every problem printed as
    FILE:LINE:COLUMN: error: MESSAGE on stderr).
    """
    invalid = False
    for path in inventory_files:
        notes: list[Note] = []
        try:
            inv = inventory.load(path, (), notes)
        except InventoryError as exc:
            error_exit(exc)
            invalid = True
            continue
        except UsageError as exc:
            raise usage_exit(str(exc)) from None
        finally:
            import_notes(notes, verbose)
        typer.echo(
            f"{path}: valid ({plural(len(inv.clusters), 'cluster')},"
            f" {plural(len(inv.hosts), 'host')}, {plural(len(inv.vms), 'VM')})"
        )
    if invalid:
        raise typer.Exit(ExitCode.INVALID)

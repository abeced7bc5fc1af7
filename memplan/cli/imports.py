"""``memplan import rvtools`` and ``memplan import govc``."""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from memplan import __version__, inventory
from memplan.errors import InventoryError, UsageError

if TYPE_CHECKING:
    from memplan.importers.common import ImportResult
from memplan.cli.exits import error_exit, usage_exit
from memplan.cli.loading import import_notes
from memplan.cli.options import VerboseOpt
from memplan.cli.output import distinct, inputs_of, one_format, write_text

ImportOutput = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the inventory here instead of stdout.",
    ),
]


def inventory_text(result: ImportResult, origin: str, output: str | None) -> str:
    """The inventory YAML of ``result`` with its header, validated: an importer bug is
    exit 4 here, never a file that memplan itself cannot read. The records are checked
    (inventory/imported.py); only what that check cannot vouch for is parsed back."""
    header = (
        f"{origin} by memplan {__version__} on {date.today().isoformat()}.\n"
        "Check the 'import:' lines memplan printed for skipped and repaired rows."
    )
    from memplan.importers.common import to_yaml
    from memplan.inventory.imported import writes_valid

    text = to_yaml(result, header)
    if writes_valid(result, header):
        return text
    try:
        inventory.parse(text.encode(), output or "<import>")
    except InventoryError as exc:  # pragma: no cover - an importer bug, not user input
        raise error_exit(exc) from None
    return text


def write_inventory(
    result: ImportResult,
    output: str | None,
    origin: str,
    verbose: bool = False,
    paths: list[str] | None = None,
) -> None:
    """Validate the YAML of ``result``, print the notes, then write stdout or ``output``.
    Nothing imported from the files ``paths`` is invalid input (exit 4, as ``check`` says
    of the same export); from vCenter, it is what the flags chose (exit 2)."""
    text = inventory_text(result, origin, output)
    import_notes(result.notes(), verbose)
    empty = result.nothing_imported()
    if empty and paths:
        raise _input_exit(UsageError(f"{paths[0]}: {empty}"), paths)
    if empty:
        raise usage_exit(f"{result.source}: {empty}")
    if output is None:
        sys.stdout.write(text)
    else:
        write_text(output, text)


def _input_exit(exc: UsageError, paths: list[str]) -> typer.Exit:
    """An input file memplan cannot read, beyond a documented limit, or giving nothing to
    import: one FILE:LINE:COLUMN: error: line and exit 4, as ``check`` says of the same
    file (docs/ci.md's exit codes: 4 is invalid or unreadable input, 2 the command line)."""
    from memplan.importers.common import problem_of

    problem = problem_of(str(exc), paths)
    return error_exit(InventoryError([problem]), "nothing was imported")


def _distinct(paths: list[str], output: str | None) -> None:
    """The output must not be one of the files read (a folder's CSV files included)."""
    if output is None:
        return
    distinct(inputs_of(paths), one_format(output))


def _write_import(
    result: ImportResult, output: str | None, paths: list[str], verbose: bool = False
) -> None:
    origin = f"memplan inventory imported from {', '.join(paths)}"
    write_inventory(result, output, origin, verbose, paths)


def import_rvtools(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="An RVTools .xlsx, or per-tab CSV files (RVTools_tabvInfo.csv, ...) or their folder.",
            show_default=False,
            metavar="PATH...",
        ),
    ],
    output: ImportOutput = None,
    verbose: VerboseOpt = False,
) -> None:
    """Import an RVTools export: vInfo, vMemory, vHost and vCluster.

    Example: memplan import rvtools RVTools_export_all.xlsx -o inventory.yaml

    Skipped and repaired rows are printed on stderr with their sheet and row number,
    grouped by kind with a count and the first few (--verbose: every row), then a summary
    line. docs/import.md has the column mapping and how CSV encodings, delimiters and
    thousands separators are detected. Exit codes: 0 done, 2 usage error, 4 an input
    unreadable, beyond a limit (docs/performance.md) or without a usable VM, as
    FILE:LINE:COLUMN: error: MESSAGE.
    """
    from memplan.importers import rvtools

    _distinct(paths, output)
    try:
        result = rvtools.read(paths)
    except UsageError as exc:  # unreadable or beyond a limit: exit 4, as for an inventory
        raise _input_exit(exc, paths) from None
    _write_import(result, output, paths, verbose)


def import_govc(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="govc host.info -json and vm.info -json output (two files, or one with both).",
            show_default=False,
            metavar="JSON...",
        ),
    ],
    output: ImportOutput = None,
    verbose: VerboseOpt = False,
) -> None:
    """Import govc JSON: hosts (memorySize) and VMs (memoryMB, memoryAllocation, runtime.host).

    Example: memplan import govc hosts.json vms.json -o inventory.yaml

    Reads PascalCase (govc < 0.31) and camelCase keys alike. Exit codes: 0 done, 2 usage
    error, 4 an input unreadable, beyond a limit (docs/performance.md) or without a usable
    VM, as FILE:LINE:COLUMN: error: MESSAGE.
    """
    from memplan.importers import govc

    _distinct(paths, output)
    try:
        result = govc.read(paths)
    except UsageError as exc:  # unreadable or beyond a limit: exit 4, as for an inventory
        raise _input_exit(exc, paths) from None
    _write_import(result, output, paths, verbose)

"""Dated snapshots for ``trend`` and ``--history``: inventories, RVTools exports and govc JSON,
mixed, each with the moment it was collected."""

from __future__ import annotations

import glob
import os
from dataclasses import replace
from datetime import datetime

from memplan.errors import InventoryError, Problem, UsageError
from memplan.inventory.loader import parse
from memplan.inventory.sources import EXPORT_SUFFIXES, is_export, read_source
from memplan.model import Inventory, Note

SNAPSHOT_SUFFIXES = (".yaml", ".yml", ".json", *EXPORT_SUFFIXES)
"""Files a folder of snapshots is read for."""


def expand(paths: list[str]) -> list[str]:
    """Each path as given; a folder of snapshots becomes its files (a folder of RVTools CSV
    tabs stays one export); a quoted glob pattern becomes its matches, sorted."""
    out: list[str] = []
    for path in paths:
        if os.path.isdir(path) and not is_export(path):
            found = sorted(
                os.path.join(path, f)
                for f in os.listdir(path)
                if f.lower().endswith(SNAPSHOT_SUFFIXES) and not f.startswith(".")
            )
            if not found:
                raise UsageError(f"{path}: a folder with no snapshots (.yaml, .xlsx, .csv, .json)")
            out += found
        elif not os.path.exists(path) and glob.has_magic(path):
            found = sorted(glob.glob(path))
            if not found:
                raise UsageError(f"{path}: no file matches")
            out += found
        else:
            out.append(path)
    return out


def _file_date(path: str) -> datetime:
    return datetime.fromtimestamp(os.stat(path).st_mtime).replace(microsecond=0)


def _read(path: str, notes: list[Note]) -> bytes:
    if path.lower().endswith(".json"):
        from memplan.importers import common, govc

        try:
            result = govc.read([path])
        except UsageError as exc:
            message = str(exc).removeprefix(f"{path}: ")
            raise InventoryError([Problem(path, 1, 1, message)]) from None
        notes += result.notes()
        return common.to_yaml(result, f"imported in memory from {path}").encode()
    return read_source(path, notes)


def load_snapshots(paths: list[str], notes: list[Note] | None = None) -> tuple[Inventory, ...]:
    """Every snapshot, validated and dated, in the order given (the engine sorts them).

    A YAML inventory must say when it was collected (top-level ``collected:``); an export
    that does not (an RVTools workbook without vMetaData, govc JSON) is dated by its file's
    modification time, and ``notes`` says so. Raises InventoryError with the problems of
    every snapshot at once, or UsageError naming every snapshot without a date.
    """
    notes = [] if notes is None else notes
    problems: list[Problem] = []
    undated: list[str] = []
    out: list[Inventory] = []
    for path in expand(paths):
        try:
            inv = parse(_read(path, notes), path)
        except InventoryError as exc:
            problems += exc.problems
            continue
        if inv.collected is None:
            if is_export(path) or path.lower().endswith(".json"):
                inv = replace(inv, collected=_file_date(path))
                notes.append(
                    Note(
                        "dated-by-file",
                        f"{path}: the export does not say when it was collected; dated by"
                        f" the file's modification time, {inv.collected:%Y-%m-%d %H:%M}",
                    )
                )
            else:
                undated.append(path)
                continue
        out.append(inv)
    if problems:
        raise InventoryError(problems)
    if undated:
        raise UsageError(
            "snapshots need a date: "
            + ", ".join(undated)
            + (" has" if len(undated) == 1 else " have")
            + " no top-level 'collected:' (e.g. collected: 2026-11-03)"
        )
    return tuple(out)

"""Dated snapshots for ``trend`` and ``--history``: inventories, RVTools exports and govc JSON,
mixed, each with the moment it was collected."""

from __future__ import annotations

import glob
import os
import re
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


def _file_date(paths: list[str]) -> datetime:
    """The latest modification time of ``paths`` (a govc pair is done when both are)."""
    latest = max(os.stat(p).st_mtime for p in paths)
    return datetime.fromtimestamp(latest).replace(microsecond=0)


_GOVC_KINDS = {"hostsystems": "hosts", "hostsystem": "hosts", "virtualmachines": "vms",
               "virtualmachine": "vms"}  # fmt: skip
"""govc's top-level keys (host.info, vm.info; any case) and what they hold."""


def _govc_holds(path: str) -> frozenset[str]:
    """What a govc JSON file holds: {"hosts"}, {"vms"}, both, or nothing (not govc's, or
    unreadable: the importer then says what is wrong with it)."""
    from memplan.importers.common import load_json, read_file

    try:
        doc = load_json(read_file(path), path)
    except UsageError:
        return frozenset()
    if isinstance(doc, dict):
        return frozenset(_GOVC_KINDS[k.lower()] for k, v in doc.items()
                         if k.lower() in _GOVC_KINDS and v)  # fmt: skip
    if isinstance(doc, list):  # govc object.collect: objects with their type
        types = set()
        for o in doc:
            obj = (
                {str(k).lower(): v for k, v in o.items()}.get("obj")
                if isinstance(o, dict)
                else None
            )
            if isinstance(obj, dict):
                types.add(str({str(k).lower(): v for k, v in obj.items()}.get("type", "")).lower())
        return frozenset(_GOVC_KINDS[t] for t in types if t in _GOVC_KINDS)
    return frozenset()


_KIND_WORD = re.compile(r"(?i)(host(system)?s?|vms?|virtual[-_]?machines?)")


def _pair_key(path: str) -> tuple[str, str]:
    """A govc file's folder and its name with 'hosts' or 'vms' taken out, so that
    hosts-2026-06.json and vms-2026-06.json (or 2026-06/hosts.json and vms.json) meet."""
    folder, name = os.path.split(path)
    return folder, _KIND_WORD.sub("", name, count=1).lower()


def snapshot_files(paths: list[str]) -> list[list[str]]:
    """The files of each snapshot: one file, or a govc pair (a JSON of hosts only and one
    of VMs only: ``govc host.info -json`` and ``govc vm.info -json``, docs/import.md), which
    is one snapshot. Pairs are the only hosts file and the only VMs file, or else files of
    one folder whose names differ only in 'hosts' and 'vms'. Raises UsageError naming each
    hosts or VMs file left without its other half: alone, it is half a snapshot."""
    out: list[list[str]] = []
    halves: dict[str, list[str]] = {"hosts": [], "vms": []}
    for path in paths:
        held = _govc_holds(path) if path.lower().endswith(".json") else frozenset()
        if len(held) == 1:
            halves[next(iter(held))].append(path)
        else:
            out.append([path])
    hosts, vms = halves["hosts"], halves["vms"]
    if len(hosts) == len(vms) == 1:
        return [*out, [hosts[0], vms[0]]]
    by_key = {_pair_key(v): v for v in vms}
    unique = len(by_key) == len(vms) and len({_pair_key(h) for h in hosts}) == len(hosts)
    paired = {h: by_key[_pair_key(h)] for h in hosts if unique and _pair_key(h) in by_key}
    out += [[h, v] for h, v in paired.items()]
    alone = [h for h in hosts if h not in paired] + [v for v in vms if v not in paired.values()]
    if alone:
        what = dict.fromkeys(hosts, "hosts and no VMs") | dict.fromkeys(vms, "VMs and no hosts")
        raise UsageError(
            "a govc snapshot is two files, its hosts (govc host.info -json) and its VMs"
            " (govc vm.info -json), or one JSON holding both: "
            + "; ".join(f"{p} holds {what[p]}" for p in alone)
            + ", with no other half beside it (the same folder, and the same name with"
            " 'vms' for 'hosts')"
        )
    return out


def _read(files: list[str], notes: list[Note]) -> bytes:
    path = files[0]
    if path.lower().endswith(".json"):
        from memplan.importers import common, govc

        try:
            result = govc.read(files)
        except UsageError as exc:
            named = [f for f in files if str(exc).startswith(f"{f}: ")]
            where = named[0] if named else path
            message = str(exc).removeprefix(f"{where}: ")
            raise InventoryError([Problem(where, 1, 1, message)]) from None
        notes += result.notes()
        return common.to_yaml(result, f"imported in memory from {' and '.join(files)}").encode()
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
    for files in snapshot_files(expand(paths)):
        path = " + ".join(files)  # a govc pair is one snapshot: hosts.json + vms.json
        try:
            inv = parse(_read(files, notes), path)
        except InventoryError as exc:
            problems += exc.problems
            continue
        if inv.collected is None:
            if is_export(path) or path.lower().endswith(".json"):
                inv = replace(inv, collected=_file_date(files))
                whose = "the file's" if len(files) == 1 else "the files' latest"
                notes.append(
                    Note(
                        "dated-by-file",
                        f"{path}: the export does not say when it was collected; dated by"
                        f" {whose} modification time, {inv.collected:%Y-%m-%d %H:%M}",
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

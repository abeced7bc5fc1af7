"""Notes grouped by kind: a count and the first few, so that an export with 800 VMs prints
a handful of lines, not 800; ``--verbose`` lists every note.

Each kind of note has a heading here; a kind without one is headed by its slug. A new
kind of note needs only a line in HEADINGS.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from memplan.model import Note

if TYPE_CHECKING:  # grouped() alone (an import's notes) needs no Rich
    from rich.console import Console

EXAMPLES = 3
"""Notes shown under a heading when a kind is grouped."""

HEADINGS: dict[str, str] = {
    # evaluation (engine/evaluate.py)
    "placed": "VMs placed by memplan (no host: given)",
    "assumed-managed": "hosts without 'managed': installed memory used",
    "assumed-active": "VMs without 'active': assumed fully active",
    "observed-demand": "hosts whose demand is vCenter's observed usage (no VM gives consumed)",
    "observed-partial": "hosts listed in part: their VMs' consumed kept inside vCenter's observed usage",
    # trend and --history (inventory/snapshots.py, engine/trend.py)
    "dated-by-file": "exports that do not say when they were collected: dated by their file",
    "trend": "what the growth learnt from history had to decide",
    # projection (engine/projection.py)
    "left-out": "VMs the projection leaves out: they fit no host of their cluster",
    "ha-all-fail": "clusters --ha-failures fails entirely: fewer hosts than failures asked",
    "grown-since-collected": "inventories grown from their collected: date to --as-of",
    # imports, skipped rows (importers/)
    "skip-no-name": "rows skipped: no name",
    "skip-duplicate": "rows skipped: a duplicate name (the first row is kept)",
    "skip-no-memory": "rows skipped: no memory size",
    "skip-no-room": "hosts skipped: too small to hold any VM",
    "skip-no-place": "VMs skipped: no host and no cluster to place them in",
    "skip-unknown-host": "VMs skipped: their host is not among the hosts",
    "skip-implausible": "rows skipped: a size above 1 PiB",
    "skip-bad-shape": "items skipped: not the shape govc writes",
    "skip-bad-value": "rows skipped: a name or size of the wrong type",
    # imports, repaired rows
    "memory-disagrees": "VMs whose vInfo Memory and vMemory Size MiB disagree: vMemory used",
    "no-cpus": "VMs without a CPU count: 1 assumed",
    "no-power": "VMs without a power state: powered on assumed",
    "host-from-vmemory": "VMs without Host in vInfo: taken from vMemory",
    "cluster-from-vmemory": "VMs without Cluster in vInfo: taken from vMemory",
    "reservation-above-limit": "VMs with a reservation above their limit: limit raised to it",
    "reservation-above-memory": "VMs with a reservation above their memory: capped at memory",
    "host-matched": "VMs whose host name matched a vHost host only loosely",
    "host-not-listed": "hosts VMs name that vHost does not list: VMs kept in their cluster",
    "host-unsized": "hosts VMs name that vHost lists without a memory size: VMs kept in their cluster",
    "no-esx-version": "hosts without an ESX version: planned as ESXi 8.0",
    "cluster-by-ref": "clusters named by their govc reference",
    "observed-implausible": "hosts whose ballooned, swapped or vRAM figure is implausible: left out",
    "observed-count-implausible": "hosts whose # VMs or # VMs total is not a count: left out",
    "usage-unread": "hosts without a readable Memory usage %: demand modelled from their VMs",
    "vm-figure-negative": "VMs with a negative Active, Consumed, Ballooned or Swapped: left out",
    "vm-active-above-memory": "VMs whose Active is above their memory: capped",
    "cluster-datacenters": "cluster names used in several datacenters: kept apart",
    "vm-renamed": "names of several VMs with distinct UUIDs: each kept as NAME (UUID)",
    "effective-hosts": "clusters whose numEffectiveHosts differs from vHost's usable hosts",
    "host-maintenance": "hosts in maintenance mode: planned with no capacity",
    "host-disconnected": "hosts not connected: planned with no capacity",
    "usage-above-100": "hosts whose Memory usage % is above 100: taken as 100%",
    "maxmemctl-unreadable": "VMs whose sched.mem.maxmemctl is not a number: ignored",
    "active-above-memory": "VMs whose guestMemoryUsage is above their memory: capped",
    "vmetadata-unreadable": "vMetaData creation times that are not dates: collected: left out",
    "bad-quickstats": "VMs whose quickStats is not an object: no usage imported",
    "bad-number": "cells that are not finite numbers (nan, inf): read as empty",
}
"""Heading of each kind of note, a noun phrase that reads after a count."""


def grouped(notes: Iterable[Note], prefix: str = "note: ", verbose: bool = False) -> list[str]:
    """The lines to print for ``notes``, kinds in order of first appearance.

    A kind with more than EXAMPLES + 1 notes prints as its heading with the count, then its
    first EXAMPLES notes indented; fewer print one line each, as does every note with
    ``verbose``. Each line but the indented examples starts with ``prefix``.
    """
    by_kind: dict[str, list[Note]] = {}
    for n in notes:
        by_kind.setdefault(n.kind, []).append(n)
    lines: list[str] = []
    for kind, group in by_kind.items():
        if verbose or len(group) <= EXAMPLES + 1:
            lines += [prefix + n.text for n in group]
            continue
        heading = HEADINGS.get(kind, kind)
        lines.append(f"{prefix}{len(group)} {heading}; the first {EXAMPLES} (-v lists all):")
        lines += [f"  {n.text}" for n in group[:EXAMPLES]]
    return lines


_UNITS = frozenset({"B", "KiB", "MiB", "GiB", "TiB", "PiB"})


def wrap_line(line: str, width: int) -> list[str]:
    """``line`` wrapped between words at ``width``, as put_notes wraps a note on a
    console: continuation lines indented two more than the line, a number kept with its
    byte unit ("3526 MiB"), a word longer than a line left whole. Plain string work, no
    Rich (an import's notes go to stderr; docs/performance.md, start-up)."""
    if len(line) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip(" ")))
    rest = indent + "  "
    units: list[str] = []
    for word in line.split():
        if units and units[-1][-1].isdigit() and word.rstrip(",.;:)") in _UNITS:
            units[-1] += " " + word
        else:
            units.append(word)
    lines: list[str] = []
    current = indent + units[0]
    for unit in units[1:]:
        if len(current) + 1 + len(unit) <= width:
            current += " " + unit
        else:
            lines.append(current)
            current = rest + unit
    lines.append(current)
    return lines


def put_notes(console: Console, notes: Iterable[Note], verbose: bool = False) -> None:
    """``grouped`` notes on ``console``, dim, each wrapped between words with its
    continuation lines indented under it."""
    from rich.text import Text

    from memplan.render.layout import hanging, put

    for line in grouped(notes, verbose=verbose):
        indent = " " * (len(line) - len(line.lstrip()))
        text = Text(line.lstrip(), style="dim")
        put(console, hanging(console, text, console.width, indent, indent + "  "))

"""Model classes of what only some inventories and command lines have: planned changes,
what-ifs, waivers, and the arithmetic of HA's slot and percentage policies. Imported on
first use: a check without them creates none of these classes (docs/performance.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from memplan.model import VM, Host, Location


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """A dated change the inventory plans: a VM or host added, or a host retired."""

    at: date
    """From this day on."""
    kind: str
    """add-vm, add-host or retire-host."""
    vm: VM | None
    """The VM to add."""
    host: Host | None
    """The host to add."""
    target: str | None
    """The host to retire."""
    location: Location
    """Where the change is written."""


@dataclass(frozen=True, slots=True)
class WhatIf:
    """One what-if from the command line, as the user wrote it."""

    flag: str
    """--add-vm, --remove-vm, --power-off, --add-host, --remove-host, --set or another
    flag echoed in the report (--rightsize has no value)."""
    value: str
    """Its argument."""

    def __str__(self) -> str:
        return f"{self.flag} {self.value}" if self.value else self.flag


@dataclass(frozen=True, slots=True)
class Waiver:
    """An accepted finding: rule and subject (glob), with a reason and maybe an end date."""

    rule: str
    """Rule ID (e.g. MP202) or name (e.g. host-ballooning)."""
    subject: str
    """Glob on the finding's subject name."""
    reason: str
    """Why it is accepted (required)."""
    until: date | None
    """Last day it applies; after it the waiver is expired (MP901)."""
    location: Location
    """Where the waiver is written."""


@dataclass(frozen=True, slots=True)
class SlotMath:
    """vSphere HA slot policy, memory only."""

    slot: int
    """Largest reservation + overhead of a powered-on VM, bytes."""
    slots_per_host: tuple[tuple[str, int], ...]
    """Slots each host holds: floor(capacity / slot)."""
    vms_on: int
    """Powered-on VMs, each needing one slot."""
    failover_capacity: int
    """How many of the largest hosts can fail while the rest still hold every slot."""


@dataclass(frozen=True, slots=True)
class PercentMath:
    """vSphere HA percentage policy, memory only."""

    capacity: int
    """Cluster capacity, bytes."""
    reserved: int
    """Reservations + overhead of powered-on VMs, bytes."""
    failover: float
    """(capacity - reserved) / capacity."""
    required: float
    """The configured percentage as a fraction."""

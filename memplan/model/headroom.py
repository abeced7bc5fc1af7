"""The report of ``memplan headroom``: how many more VMs of a shape fit per host and cluster."""

from __future__ import annotations

from dataclasses import dataclass

from memplan.model import VM, MemState
from memplan.model.forecast import Forecast
from memplan.model.occasional import WhatIf


@dataclass(frozen=True, slots=True)
class HostHeadroom:
    """How many more VMs of a shape one host takes on its own."""

    host: str
    """Host name."""
    cluster: str | None
    """Its cluster."""
    count: int
    """VMs of the shape it admits while staying at or better than the kept state."""
    limit: str
    """What stops the next one."""


@dataclass(frozen=True, slots=True)
class ClusterHeadroom:
    """How many more VMs of a shape a cluster takes, placed as memplan places cluster VMs."""

    cluster: str
    """Cluster name."""
    count: int
    """VMs placed before the first host would pass the kept state or none admits one."""
    limit: str
    """What stops the next one."""
    count_ha: int | None
    """The same while keeping the cluster's HA failover capacity (None without HA)."""
    limit_ha: str | None
    """What stops the next one under HA."""


@dataclass(frozen=True, slots=True)
class HeadroomReport:
    """What ``memplan headroom`` prints."""

    source: str
    """The inventory file."""
    shape: VM
    """The VM shape counted (its name is the --vm spec)."""
    keep: MemState
    """The worst state allowed: clear (no ballooning) or soft (no swapping)."""
    hosts: tuple[HostHeadroom, ...]
    """Per host."""
    clusters: tuple[ClusterHeadroom, ...]
    """Per cluster."""
    whatifs: tuple[WhatIf, ...]
    """Flags applied, in order."""
    ahead: Forecast | None = None
    """With growth or a horizon: the projection the counts stand at (its ``until``), which
    growth ran, the new VMs that arrived by then and its notes (no hosts or clusters);
    None: the counts are today's."""

"""The forecast of ``--horizon``, ``project`` and ``trend``: when each host and cluster first
balloons and swaps, and the new VMs demand growth brought. Imported on first use: a plain
``check`` creates none of these classes (docs/performance.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from memplan.model import VM, Location, Note


@dataclass(frozen=True, slots=True)
class HostForecast:
    """When a host first balloons and first swaps."""

    host: str
    """Host name."""
    cluster: str | None
    """Its cluster."""
    balloon_at: date | None
    """First month it settles in soft state or worse; None: not within the horizon."""
    swap_at: date | None
    """First month it settles in hard or low state; None: not within the horizon."""
    location: Location
    """Where the host is written."""
    arrived_by_balloon: int = 0
    """New VMs that demand growth brought to its cluster (or to it, standalone) by balloon_at."""
    arrived_by_swap: int = 0
    """The same by swap_at."""


@dataclass(frozen=True, slots=True)
class ClusterForecast:
    """When the first host of a cluster balloons and swaps."""

    cluster: str
    """Cluster name."""
    balloon_at: date | None
    """Earliest balloon_at of its hosts."""
    swap_at: date | None
    """Earliest swap_at of its hosts."""
    location: Location
    """Where the cluster is written."""
    arrived_by_balloon: int = 0
    """New VMs that demand growth brought to the cluster by balloon_at."""
    arrived_by_swap: int = 0
    """The same by swap_at."""
    ha_warn_at: date | None = None
    """First month the worst host failure (HA, docs/ha.md) leaves a survivor ballooning
    or worse; None: not within the horizon, or no HA analysis for the cluster."""
    ha_fail_at: date | None = None
    """First month the worst host failure leaves a VM that cannot restart or a survivor
    swapping."""
    arrived_by_ha_warn: int = 0
    """New VMs demand growth brought to the cluster by ha_warn_at."""
    arrived_by_ha_fail: int = 0
    """The same by ha_fail_at."""


@dataclass(frozen=True, slots=True)
class Arrivals:
    """Demand growth a cluster's (or standalone host's) VMs cannot hold, as new VMs."""

    cluster: str | None
    """The cluster; None for a standalone host."""
    host: str | None
    """The standalone host; None for a cluster."""
    shape: VM
    """The typical VM every arrival copies (median size, vCPUs, consumed and active ratios)."""
    counts: tuple[int, ...]
    """New VMs arrived by month 0, 1, ... horizon (cumulative; placed or left out)."""
    left_out: int
    """Arrivals that fit no host (in no count of a host's load)."""

    @property
    def pool(self) -> str:
        """ "cluster NAME" or "host NAME", for the report."""
        return f"cluster {self.cluster}" if self.cluster is not None else f"host {self.host}"


@dataclass(frozen=True, slots=True)
class Forecast:
    """Projection of every host over the horizon."""

    as_of: date
    """The projection's "today"."""
    horizon_months: int
    """Months projected."""
    until: date
    """as_of + horizon."""
    window_end: date | None
    """as_of + --fail-within, when given."""
    hosts: tuple[HostForecast, ...]
    """Per host, sorted by cluster then name."""
    clusters: tuple[ClusterForecast, ...]
    """Per cluster, sorted by name."""
    notes: tuple[Note, ...] = ()
    """What the projection had to decide (e.g. a retired host's VMs that fit nowhere)."""
    growth_scope: str = "none"
    """Which growth ran: "demand" (demand growth, with arrivals where VMs are full), "vm"
    (inside VMs only), "history" (learnt from snapshots, engine/trend.py) or "none"."""
    arrivals: tuple[Arrivals, ...] = ()
    """Per cluster or standalone host with demand growth, the new VMs it brought."""
    resolution: str = "month"
    """"month" (the projection steps months) or "day" (growth learnt from history)."""
    in_vm: int = 0
    """VMs that grow inside themselves only (their own ``growth:``) while demand growth
    runs on others: both kinds ran (growth_scope says "demand")."""
    in_vm_full: tuple[int, int, int] = (0, 0, 0)
    """With in-VM growth only: (growing VMs that already hold their whole size, growing
    VMs, hosts whose growing observed usage does): what in-VM growth cannot move."""

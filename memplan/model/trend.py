"""The report of ``memplan trend``: fitted growth per host and cluster, and when they
balloon and swap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from memplan.model import Location
from memplan.model.forecast import Arrivals


@dataclass(frozen=True, slots=True)
class Fit:
    """A robust linear fit of organic demand against time, with its confidence band."""

    bytes_per_month: float
    """Theil-Sen slope: the median of the slopes between every two snapshots, bytes/month."""
    low: float
    """Lower end of the slope's 95% confidence band, bytes/month."""
    high: float
    """Upper end of the band, bytes/month."""
    snapshots: int
    """Snapshots the fit saw."""
    first: datetime
    """The earliest snapshot."""
    last: datetime
    """The latest snapshot."""
    method: str
    """How it was fitted (e.g. "theil-sen")."""


@dataclass(frozen=True, slots=True)
class Steps:
    """Demand that arrived in steps between snapshots, not by organic growth, bytes."""

    added: int
    """Demand of VMs that appeared (or were powered on)."""
    removed: int
    """Demand of VMs that disappeared (or were powered off), as a positive number."""
    resized: int
    """Net demand change of VMs at the snapshot where their configured size or limit changed."""
    months: float
    """Months between the first and the last snapshot."""

    @property
    def arrivals_per_month(self) -> float:
        """Net demand new and removed VMs brought, per month on average."""
        return (self.added - self.removed) / self.months if self.months > 0 else 0.0

    @property
    def resizes_per_month(self) -> float:
        """Net demand resizes brought, per month on average."""
        return self.resized / self.months if self.months > 0 else 0.0


@dataclass(frozen=True, slots=True)
class DateRange:
    """When a host (or cluster) reaches a state: the date at the fitted growth and the
    dates at the band's ends. None: not within the horizon."""

    at: date | None
    """At the fitted growth."""
    earliest: date | None
    """At the band's high end."""
    latest: date | None
    """At the band's low end."""


@dataclass(frozen=True, slots=True)
class HostTrend:
    """One host's history, fitted organic growth and when it balloons and swaps."""

    host: str
    """Host name."""
    cluster: str | None
    """Its cluster."""
    capacity: int
    """Capacity today, bytes."""
    demand: int
    """Demand today (the last snapshot, or the inventory checked), bytes."""
    history: tuple[int, ...]
    """Its demand in each snapshot it is in, oldest first, bytes (steps included)."""
    fit: Fit | None
    """Organic growth; None when the history does not know the host."""
    steps: Steps
    """What arrived in steps on it."""
    balloon: DateRange
    """When it first settles in soft state or worse."""
    swap: DateRange
    """When it first settles in hard or low state."""
    location: Location
    """Where the host is written."""


@dataclass(frozen=True, slots=True)
class ClusterTrend:
    """A cluster's fitted growth, its first host to balloon and swap, and HA."""

    cluster: str
    """Cluster name."""
    capacity: int
    """Sum of its hosts' capacity, bytes."""
    demand: int
    """Sum of its hosts' demand today, bytes."""
    history: tuple[int, ...]
    """Its demand in each snapshot, oldest first, bytes (steps included)."""
    fit: Fit | None
    """Organic growth of the cluster as a whole."""
    steps: Steps
    """What arrived in steps in it."""
    balloon: DateRange
    """Its first host to balloon."""
    swap: DateRange
    """Its first host to swap."""
    ha_fail: DateRange | None
    """When the HA failover analysis first fails (a VM cannot restart or a survivor would
    swap); None without HA."""
    location: Location
    """Where the cluster is written."""


@dataclass(frozen=True, slots=True)
class VMLimit:
    """A VM whose organic growth reaches its size: beyond that date its growth needs a resize."""

    vm: str
    """VM name."""
    host: str
    """Its host."""
    bound: int
    """min(configured, limit), bytes: the most it can hold."""
    bytes_per_month: float
    """Its share of its host's organic growth, bytes/month."""
    at: date
    """The day it reaches the bound."""


@dataclass(frozen=True, slots=True)
class TrendReport:
    """What ``memplan trend`` prints."""

    snapshots: tuple[tuple[str, datetime], ...]
    """(source, collected) of each snapshot, oldest first."""
    as_of: date
    """Day 0 of the forecast: the last snapshot's date."""
    horizon_months: int
    """Months searched for balloon_at and swap_at."""
    arrivals: bool
    """True when the forecast adds each cluster's arrival rate to the organic growth."""
    hosts: tuple[HostTrend, ...]
    """Per host, sorted by cluster then name."""
    clusters: tuple[ClusterTrend, ...]
    """Per cluster, sorted by name."""
    vm_limits: tuple[VMLimit, ...]
    """VMs whose growth reaches their size within the horizon, earliest first."""
    notes: tuple[str, ...]
    """What the fit had to decide."""
    new_vms: tuple[Arrivals, ...] = ()
    """Per cluster (or standalone host) with arrivals, the new VMs the forecast brings."""

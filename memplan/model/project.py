"""The report of ``memplan project``: every host, month by month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from memplan.model import MemState, Note
from memplan.model.forecast import Forecast
from memplan.model.occasional import WhatIf


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """One host in one month of ``memplan project``."""

    month: int
    """Months after as_of."""
    at: date
    """The date of that month."""
    cluster: str | None
    """Cluster name."""
    host: str
    """Host name."""
    capacity: int
    """Capacity it gives its cluster, bytes: 0 for a host in maintenance (or not connected),
    as ``memplan check``'s cluster capacity counts it."""
    demand: int
    """Demand, bytes."""
    free: int
    """Free memory, bytes: capacity - demand."""
    state: MemState
    """Settled state."""
    arrived: int = 0
    """New VMs demand growth placed on this host by this month."""
    maintenance: bool = False
    """In maintenance mode or not connected: no capacity, nothing new placed on it."""


@dataclass(frozen=True, slots=True)
class ProjectReport:
    """What ``memplan project`` prints: every host, month by month."""

    source: str
    """The inventory file."""
    as_of: date
    """Month 0."""
    horizon_months: int
    """Months projected."""
    step_months: int
    """Months between points."""
    points: tuple[TimelinePoint, ...]
    """Sorted by month, cluster, host."""
    forecast: Forecast
    """balloon_at / swap_at of every host and cluster."""
    notes: tuple[Note, ...]
    """What the projection had to decide."""
    whatifs: tuple[WhatIf, ...]
    """Flags applied, in order."""

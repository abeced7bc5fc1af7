"""The report of ``memplan rightsize`` (and the sizing of the ``--rightsize`` what-if)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from memplan.model import VM, MemState
from memplan.model.forecast import Forecast
from memplan.model.occasional import WhatIf


@dataclass(frozen=True, slots=True)
class Sizing:
    """How ``memplan rightsize`` (and the ``--rightsize`` what-if) sizes a VM."""

    buffer: Fraction = Fraction(1, 4)
    """Added to the peak active memory: recommended = peak active x (1 + buffer)."""
    step: int = 1 << 30
    """Recommendations are rounded up to a multiple of this, bytes."""


@dataclass(frozen=True, slots=True)
class VMSample:
    """One VM as one dated snapshot saw it (the inventory itself is the last one)."""

    at: datetime | None
    """When the snapshot was collected; None when the inventory does not say."""
    powered_on: bool
    """Its power state then."""
    memory: int
    """Its configured memory then, bytes."""
    active: int | None
    """Its active memory then, bytes; None when the snapshot gives no active figure."""


@dataclass(frozen=True, slots=True)
class VMSizing:
    """One powered-on VM's recommended size."""

    name: str
    """VM name."""
    cluster: str | None
    """Its cluster."""
    host: str | None
    """The host it runs on (placed by memplan when the inventory gives none)."""
    configured: int
    """Configured memory today, bytes."""
    reservation: int
    """Reservation, bytes: the recommendation never goes below it."""
    limit: int | None
    """Limit, bytes: memory above it is reclaimable at no cost to the guest."""
    peak_active: int | None
    """The largest active figure over the snapshots; None without any."""
    recommended: int | None
    """Recommended configured memory, bytes; None without an active figure."""
    reclaimable: int
    """configured - recommended (0 without a recommendation)."""
    basis: str
    """"one sample", "N snapshots over D days" or "no active figure"."""
    reason: str
    """What decided the recommendation, in one line."""
    idle: bool = False
    """Active below 1% of configured in every snapshot, over two or more snapshots at
    least 7 days apart."""


@dataclass(frozen=True, slots=True)
class PoweredOffVM:
    """A powered-off VM: it holds no host memory today, but would on power-on."""

    name: str
    """VM name."""
    cluster: str | None
    """Its cluster."""
    host: str | None
    """Its host, when the inventory gives one."""
    configured: int
    """Configured memory, bytes."""
    power_on: int
    """Host memory it may use once powered on: min(configured, limit) + overhead, bytes."""
    admission: int
    """Unreserved capacity power-on needs: reservation + overhead, bytes."""
    off_since: datetime | None
    """The earliest snapshot of the run of snapshots, up to today, that saw it off."""
    off_days: int | None
    """Days from off_since to the latest snapshot (it has been off at least this long);
    None when no snapshot date says."""
    snapshots: int
    """Snapshots that saw it off in that run."""
    state_if_on: tuple[MemState, MemState] | None = None
    """Its host's state today, and with it powered on (at its configured size, the worst
    case); None when it has no host."""


@dataclass(frozen=True, slots=True)
class HostSizing:
    """One host before and after the recommendations are applied."""

    host: str
    """Host name."""
    cluster: str | None
    """Its cluster."""
    reclaimable: int
    """Sum of its powered-on VMs' reclaimable memory, bytes."""
    free: tuple[int, int]
    """Free memory (capacity - demand), bytes."""
    state: tuple[MemState, MemState]
    """Settled state."""
    balloon: tuple[int, int]
    """Expected ballooning, bytes."""
    swap: tuple[int, int]
    """Expected compression and swapping, bytes."""
    balloon_at: tuple[date | None, date | None]
    """First month it balloons (forecast); None when not within the horizon or no forecast."""
    swap_at: tuple[date | None, date | None]
    """First month it swaps (forecast)."""
    headroom: tuple[int | None, int | None]
    """More VMs of the --vm shape it takes on its own (None without --vm)."""


@dataclass(frozen=True, slots=True)
class ClusterSizing:
    """One cluster before and after the recommendations are applied."""

    name: str
    """Cluster name."""
    reclaimable: int
    """Sum of its powered-on VMs' reclaimable memory, bytes."""
    free: tuple[int, int]
    """Free memory of its hosts, bytes."""
    ratio: tuple[float, float]
    """Overcommit ratio (configured / capacity)."""
    state: tuple[MemState, MemState]
    """Worst host state."""
    balloon_at: tuple[date | None, date | None]
    """First month a host balloons (forecast)."""
    swap_at: tuple[date | None, date | None]
    """First month a host swaps (forecast)."""
    headroom: tuple[int | None, int | None]
    """More VMs of the --vm shape (with HA when the cluster has it); None without --vm."""
    ha_state: tuple[MemState | None, MemState | None]
    """Worst survivor state of the worst failure scenario; None without HA analysis."""


@dataclass(frozen=True, slots=True)
class RightsizeReport:
    """What ``memplan rightsize`` prints."""

    source: str
    """The inventory file."""
    sizing: Sizing
    """Buffer and step used."""
    snapshots: int
    """Snapshots read, the inventory included."""
    first: datetime | None
    """The earliest snapshot's date."""
    last: datetime | None
    """The latest snapshot's date (the inventory's ``collected``)."""
    vms: tuple[VMSizing, ...]
    """Every powered-on VM, sorted by name."""
    powered_off: tuple[PoweredOffVM, ...]
    """Every powered-off VM, sorted by name."""
    hosts: tuple[HostSizing, ...]
    """Per host, sorted by cluster then name."""
    clusters: tuple[ClusterSizing, ...]
    """Per cluster, sorted by name."""
    forecast: Forecast | None
    """The forecast before rightsizing, when growth, plans, --horizon or snapshots ask for
    one (its as_of and until say what the dates mean)."""
    growth: str | None
    """What the forecast grows by: "trend of N snapshots", "--growth RATE" or "the
    inventory's growth"; None without a forecast."""
    shape: VM | None
    """The --vm shape counted for headroom."""
    keep: MemState
    """The worst state headroom allows."""
    cluster: str | None
    """The --cluster the report is limited to."""
    whatifs: tuple[WhatIf, ...]
    """Flags applied, in order."""
    headroom_ahead: Forecast | None = None
    """With --vm and a typed growth or horizon: where the headroom counts stand
    (HeadroomReport.ahead: the horizon, the growth that ran, what arrived); None: today."""

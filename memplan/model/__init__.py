"""The data model: frozen dataclasses, sizes in integer bytes. No I/O, no logic but
:func:`builder`, which builds the records there are 100,000 of without their ``__init__``."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar


class MemState(StrEnum):
    """ESXi host memory states, from the most free memory to the least."""

    HIGH = "high"
    CLEAR = "clear"
    SOFT = "soft"
    HARD = "hard"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for high ... 4 for low: a larger rank is a worse state."""
        return _STATE_RANK[self]


class Severity(StrEnum):
    """A verdict or a finding's severity."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        """0 ok, 1 warn, 2 fail."""
        return _SEVERITY_RANK[self]


_STATE_RANK = {s: i for i, s in enumerate(MemState)}
_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


def worst(severities: Iterable[Severity]) -> Severity:
    """The worst of an iterable of severities (ok when empty)."""
    out = Severity.OK
    for s in severities:
        if s.rank > out.rank:
            out = s
    return out


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is written: 1-based line and column, as editors show them."""

    file: str
    """Path of the inventory as given on the command line."""
    line: int
    """1-based line."""
    column: int
    """1-based column."""


@dataclass(frozen=True, slots=True)
class VM:
    """A virtual machine as the inventory describes it, defaults applied."""

    name: str
    """Unique name in the inventory."""
    memory: int
    """Configured (guest physical) memory, bytes."""
    vcpus: int
    """Virtual CPUs (used for the overhead estimate)."""
    powered_on: bool
    """Powered-off VMs are listed but use no host memory."""
    reservation: int
    """Memory reservation, bytes (0 = none)."""
    limit: int | None
    """Memory limit, bytes; None = unlimited."""
    shares: int
    """Memory shares (a level resolved to shares per MiB of configured memory)."""
    shares_level: str
    """low, normal, high or custom."""
    active: int
    """Active working set, bytes."""
    active_given: bool
    """False when active was not given and is assumed equal to consumed (worst case)."""
    consumed: int
    """Host memory the guest has touched, bytes (default: configured, the worst case)."""
    consumed_given: bool
    """False when consumed was not given and is assumed equal to configured."""
    overhead: int
    """Overhead memory, bytes."""
    overhead_estimated: bool
    """True when overhead comes from the overhead table, not the inventory."""
    balloon_max: int | None
    """sched.mem.maxmemctl in bytes; None = no per-VM cap (the 65% rule still applies)."""
    tags: tuple[str, ...]
    """Free-form labels."""
    host: str | None
    """The host it runs on; None for a cluster VM memplan places."""
    cluster: str | None
    """Its cluster; None for a VM on a standalone host."""
    location: Location
    """Where the VM is written."""
    growth: float = 0.0
    """Monthly compounding growth of consumed and active memory (0.03 = 3%/month)."""
    ballooned: int = 0
    """Ballooned now, as vCenter reports it (observed, not modelled), bytes."""
    swapped: int = 0
    """Swapped now, as vCenter reports it (observed, not modelled), bytes."""
    uuid: str | None = None
    """vCenter's instance UUID (RVTools "VM UUID"), which follows a VM through renames."""
    demand_growth: bool = False
    """True when ``growth`` is its host's or cluster's rate: demand growth, of which what
    the VM cannot hold arrives as new VMs; False for a VM's own rate (or defaults.vm's),
    which grows inside the VM only (docs/projection.md)."""
    seen_on: str | None = None
    """The host the source names for a cluster VM, which the inventory does not list
    (``seen_on:``); memplan places the VM itself, or leaves it to the observed usage."""

    @property
    def usage_bound(self) -> int:
        """The most host memory this VM can use: min(configured, limit) + overhead."""
        return self.entitled_memory + self.overhead

    def with_usage(self, consumed: int, active: int) -> VM:
        """This VM with other consumed and active memory (as projected): what
        ``dataclasses.replace`` does, at a third of its cost, for the projection's loop."""
        return VM(
            self.name, self.memory, self.vcpus, self.powered_on, self.reservation, self.limit,
            self.shares, self.shares_level, active, self.active_given, consumed,
            self.consumed_given, self.overhead, self.overhead_estimated, self.balloon_max,
            self.tags, self.host, self.cluster, self.location, self.growth, self.ballooned,
            self.swapped, self.uuid, self.demand_growth, self.seen_on,
        )  # fmt: skip

    @property
    def entitled_memory(self) -> int:
        """Guest memory the VM may hold in host RAM: min(configured, limit)."""
        return self.memory if self.limit is None else min(self.memory, self.limit)


@dataclass(frozen=True, slots=True)
class Observed:
    """A host's memory as vCenter observed it at collection time (not modelled)."""

    consumed: int | None
    """Host memory in use (quickStats.overallMemoryUsage, RVTools vHost "Memory usage %"
    x "# Memory"), bytes: its VMs' consumed memory plus VMkernel and overheads."""
    ballooned: int | None
    """Memory ballooned from its VMs now, bytes (RVTools vHost "VM Memory Ballooned")."""
    swapped: int | None
    """Memory of its VMs swapped now, bytes (RVTools vHost "VM Memory Swapped")."""
    source: str
    """Where the figures come from, e.g. "RVTools vHost", "govc quickStats", "inventory"."""
    vms: int | None = None
    """Powered-on VMs on the host (RVTools vHost "# VMs"): counts the VMs the inventory
    does not list, where the host's demand rests on observation."""
    vms_total: int | None = None
    """VMs registered on the host, powered off included (RVTools vHost "# VMs total")."""
    configured: int | None = None
    """Configured memory of its powered-on VMs, bytes (RVTools vHost "vRAM")."""


@dataclass(frozen=True, slots=True)
class Host:
    """An ESXi host."""

    name: str
    """Unique name in the inventory."""
    memory: int
    """Installed physical memory, bytes."""
    managed: int
    """VMkernel-managed memory, bytes (minFree is computed from it)."""
    managed_given: bool
    """False when managed memory was not given and is taken equal to installed."""
    system_reserved: int
    """Memory the hypervisor itself uses, bytes."""
    esxi: str
    """ESXi version, e.g. "8.0" (selects the state table and the minFree formula)."""
    cluster: str | None
    """Its cluster; None for a standalone host."""
    location: Location
    """Where the host is written."""
    observed: Observed | None = None
    """Its memory as vCenter observed it (``observed:``), when the inventory says."""
    maintenance: bool = False
    """In maintenance mode or not connected: it runs nothing new, takes no restarted VMs
    and adds nothing to its cluster's capacity, headroom or HA survivors."""
    growth: float = 0.0
    """Monthly demand growth of its ``growth:`` or its cluster's (0: none), the rate its
    VMs inherit; the memory it uses for VMs the inventory does not list (observed usage)
    grows by it too."""

    @property
    def capacity(self) -> int:
        """Memory available to VMs: managed - system_reserved."""
        return self.managed - self.system_reserved


@dataclass(frozen=True, slots=True)
class HAConfig:
    """A cluster's vSphere HA admission-control settings."""

    policy: str
    """host-failures, percentage, slots, dedicated or disabled."""
    failures: int
    """Host failures the cluster tolerates."""
    percentage: Fraction | None
    """Memory reserved for failover (percentage policy)."""
    failover_hosts: tuple[str, ...]
    """Dedicated failover hosts (dedicated policy)."""
    admission_control: bool = True
    """False when HA admission control is off (RVTools ``AdmissionControlEnabled``, the API's
    ``dasConfig.admissionControlEnabled``): HA still restarts VMs, but no failover capacity
    is held back, so the slot and percentage policies are not enforced."""


@dataclass(frozen=True, slots=True)
class DRSConfig:
    """A cluster's DRS settings (RVTools vCluster ``DRS enabled`` / ``DRS default VM
    behavior``, the API's ``drsConfig.enabled`` / ``defaultVmBehavior``)."""

    enabled: bool = True
    """DRS is on (the default: most clusters run it)."""
    automation: str = "fully-automated"
    """fully-automated, partially-automated or manual."""

    @property
    def places(self) -> bool:
        """True when DRS chooses the host of a VM that powers on (enabled and not manual):
        HA's restarts then end up spread by demand (docs/ha.md)."""
        return self.enabled and self.automation != "manual"


@dataclass(frozen=True, slots=True)
class Cluster:
    """A vSphere cluster."""

    name: str
    """Unique cluster name."""
    ha: HAConfig | None
    """HA settings, when given."""
    location: Location
    """Where the cluster is written."""
    drs: DRSConfig = DRSConfig()
    """DRS settings (default: enabled, fully automated)."""


@dataclass(frozen=True, slots=True)
class Policy:
    """Planning policy: user choices that change verdicts."""

    max_overcommit: float | None = None
    """Fail a host or cluster whose configured / capacity ratio is above this."""
    reading: str = "B"
    """How thresholds map free memory to states: "A" or "B" (see docs/model.md)."""
    thresholds: tuple[tuple[MemState, Fraction], ...] | None = None
    """State thresholds as fractions of minFree, overriding the ESXi version's table."""
    idle_tax: Fraction = Fraction(75, 100)
    """Mem.IdleTax used by the reclamation split."""
    location: Location | None = None
    """Where the policy is written, if it is."""


@dataclass(frozen=True, slots=True)
class Inventory:
    """A whole validated inventory."""

    source: str
    """The file it was read from."""
    clusters: tuple[Cluster, ...]
    """Clusters in file order."""
    hosts: tuple[Host, ...]
    """Every host (clustered and standalone) in file order."""
    vms: tuple[VM, ...]
    """Every VM in file order."""
    policy: Policy = field(default_factory=Policy)
    """The planning policy."""
    planned: tuple[PlannedChange, ...] = ()
    """Dated changes, in date order."""
    whatifs: tuple[WhatIf, ...] = ()
    """What-ifs applied on the command line, in order."""
    waivers: tuple[Waiver, ...] = ()
    """Accepted findings."""
    collected: datetime | None = None
    """When the data were collected (top-level ``collected:``), UTC without a zone; a date
    alone is midnight. None when the inventory does not say."""


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Note:
    """Something memplan decided, assumed or repaired, for people to read (not a finding).

    Notes of one kind are shown grouped, with a count and the first few (``--verbose``
    lists them all): an export with 800 VMs must not print 800 lines.
    """

    kind: str
    """Stable slug naming what happened, e.g. "placed" or "vm-no-cpus"; the renderers
    group by it and give each kind a heading (``render/notes.py``)."""
    text: str
    """One line that reads on its own, e.g. "placed app01 on esx01 (...)"."""


@dataclass(frozen=True, slots=True)
class Input:
    """One named input of a finding's formula."""

    name: str
    """Name as it appears in the formula."""
    value: int | float | str
    """The value: bytes when ``kind`` is "bytes"."""
    kind: str = "bytes"
    """bytes, ratio, count or text."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """How a finding was computed: the formula, its inputs, and the source of each constant."""

    formula: str
    """The rule's formula, e.g. "free = capacity - demand < soft edge"."""
    inputs: tuple[Input, ...]
    """The numbers the formula was evaluated with."""
    sources: tuple[str, ...] = ()
    """Public sources of the constants used."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a rule found."""

    rule: str
    """Stable rule ID, e.g. "MP203"."""
    name: str
    """The rule's slug, e.g. "host-swapping"."""
    severity: Severity
    """warn or fail."""
    kind: str
    """What the subject is: vm, host or cluster."""
    subject: str
    """The subject's name."""
    message: str
    """One line, with the numbers."""
    location: Location
    """Where the subject is written in the inventory."""
    explanation: Explanation
    """Formula, inputs and sources."""
    suppressed: str | None = None
    """Why it does not count: "waived: REASON" or "in baseline"; None when it counts."""


@dataclass(frozen=True, slots=True)
class VMResult:
    """A VM as evaluated."""

    vm: VM
    """The VM."""
    host: str | None
    """Where it runs: its own host, the host memplan placed it on, or None."""
    placed: bool
    """True when memplan chose the host (a cluster VM without ``host:``)."""
    demand: int
    """Host memory it uses when powered on: min(consumed, configured, limit) + overhead."""
    balloon: int
    """Ballooned from it under its host's contention (MemSched split), bytes."""
    compressed: int
    """Compressed, bytes (at most 10% of its configured memory)."""
    swapped: int
    """Swapped by the hypervisor, bytes."""
    active_hit: int
    """Part of what is reclaimed from it that was active: the part that hurts."""
    entitlement: int
    """Memory it keeps under contention: held - reclaimed, bytes."""
    verdict: Severity
    """Worst finding about it."""

    @property
    def swap(self) -> int:
        """Compressed or swapped, bytes."""
        return self.compressed + self.swapped


@dataclass(frozen=True, slots=True)
class HostResult:
    """A host as evaluated."""

    host: Host
    """The host."""
    vms_on: int
    """Powered-on VMs on it."""
    vms_total: int
    """All VMs on it."""
    configured: int
    """Configured memory of its powered-on VMs."""
    overhead: int
    """Overhead of its powered-on VMs."""
    reserved: int
    """Reservations of its powered-on VMs."""
    active: int
    """Active working sets of its powered-on VMs."""
    demand: int
    """Sum of min(consumed, configured, limit) + overhead of its powered-on VMs."""
    capacity: int
    """managed - system_reserved."""
    min_free: int
    """minFree of its managed memory."""
    free: int
    """capacity - demand (negative when demand is above capacity)."""
    bands: tuple[tuple[MemState, int | None], ...]
    """Free-memory lower edge of each state's band, bytes."""
    balloonable: int
    """What ballooning could reclaim: idle memory within each VM's balloon cap."""
    need: int
    """Memory to reclaim to get free back to the top of the soft band."""
    balloon: int
    """Expected ballooning, bytes."""
    swap: int
    """Expected compression and swapping, bytes."""
    active_fits: bool
    """True when active working sets + overhead fit in capacity."""
    state: MemState
    """The state the host settles in."""
    overcommit_ratio: float
    """configured / capacity."""
    verdict: Severity
    """Worst finding about it or its VMs, today."""
    observed_demand: bool = False
    """True when its demand rests on vCenter's observed usage (its powered-on VMs give no
    consumed figures): demand = observed consumed - system_reserved (docs/model.md)."""
    active_assumed: bool = False
    """True when its demand rests on observation and no VM on it gives an active figure:
    its active memory is the observed demand taken as fully active (a worst case, not a
    reading: the export gives no active figure)."""
    observed_counts: bool = False
    """True when its VM counts and configured memory are vCenter's (Observed.vms,
    vms_total, configured) rather than the inventory's VMs: a resting host whose
    observation gives them."""
    configured_unknown: bool = False
    """True when its configured memory and overcommit ratio are unknown: it rests on
    observation, the observation counts its VMs but gives no configured memory (e.g.
    RVTools vHost vRAM left out as implausible), and the inventory lists fewer running VMs
    than it counts: ``configured`` and ``overcommit_ratio`` are the listed VMs' only."""
    ha_verdict: Severity | None = None
    """Worst failover finding (MP301-MP303) about it or its VMs in the worst host failure
    of its cluster: what the failover does to it, beside today's verdict; None when its
    cluster simulates no failure."""


@dataclass(frozen=True, slots=True)
class ClusterResult:
    """A cluster (or the standalone hosts) as evaluated."""

    name: str
    """Cluster name."""
    hosts: tuple[str, ...]
    """Its hosts."""
    configured: int
    """Configured memory of its powered-on VMs, placed or not."""
    capacity: int
    """Sum of its hosts' capacity."""
    demand: int
    """Sum of its hosts' demand."""
    free: int
    """Sum of its hosts' free memory."""
    overcommit_ratio: float
    """configured / capacity."""
    state: MemState
    """The worst state of its hosts."""
    verdict: Severity
    """Worst finding about it, its hosts or its VMs."""
    location: Location
    """Where it is written."""
    ha: HAResult | None = None
    """Failover analysis: for a cluster with ``ha:``, or of more than one host (HA assumed),
    or when a what-if asks for one."""
    drs: DRSConfig = DRSConfig()
    """The cluster's DRS settings."""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``memplan check`` found."""

    source: str
    """The inventory file."""
    verdict: Severity
    """Worst of all findings."""
    clusters: tuple[ClusterResult, ...]
    """Clusters, sorted by name."""
    hosts: tuple[HostResult, ...]
    """Hosts, sorted by cluster then name."""
    vms: tuple[VMResult, ...]
    """VMs, sorted by name."""
    findings: tuple[Finding, ...]
    """Findings, most severe first, then by rule and subject."""
    policy: Policy
    """The policy applied."""
    forecast: Forecast | None = None
    """Projection (balloon_at / swap_at), when growth, plans or --horizon ask for one."""
    whatifs: tuple[WhatIf, ...] = ()
    """What-ifs applied on the command line, in order, for the report header."""
    notes: tuple[Note, ...] = ()
    """What the evaluation decided or assumed: VMs placed, sizes assumed."""
    timeline: tuple[TimelinePoint, ...] = ()
    """Every host month by month over the forecast's horizon; filled only for outputs that
    chart it (HTML), since the other formats print the forecast's dates alone."""
    collected: date | None = None
    """The day the inventory's figures are of (its ``collected:``); None when not given."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """What-if inputs from the command line that change an evaluation, not the inventory."""

    fail_hosts: tuple[str, ...] = ()
    """Hosts to fail (``--fail-host``), instead of searching for the worst ones."""
    ha_failures: int | None = None
    """Host failures to tolerate in every cluster (``--ha-failures``), overriding ``ha.failures``."""
    as_of: date | None = None
    """"Today" for projections (``--as-of``); no projection runs without it."""
    horizon_months: int | None = None
    """Months to project (``--horizon``); default 12 when growth or plans exist."""
    growth: float | None = None
    """Monthly growth for every VM (``--growth``), overriding the inventory's."""
    fail_within_days: int | None = None
    """Forecast window (``--fail-within``): swapping within it fails, ballooning warns."""
    echo: tuple[WhatIf, ...] = ()
    """Every what-if and scenario flag as typed, in order, for the report header."""
    ignore: tuple[str, ...] = ()
    """Rule IDs or names not to report (``--ignore``)."""
    baseline: frozenset[tuple[str, str, str]] = frozenset()
    """(rule, kind, subject) of findings accepted by ``--baseline``."""
    growth_scope: str = "demand"
    """``--growth-scope``: "demand" (``--growth`` and host or cluster rates grow demand;
    what VMs cannot hold arrives as new VMs) or "vm" (every rate grows inside VMs only)."""


@dataclass(frozen=True, slots=True)
class HAResult:
    """One cluster's failover analysis."""

    cluster: str
    """Cluster name."""
    policy: str
    """Admission-control policy."""
    failures: int
    """Host failures simulated."""
    method: str
    """given (--fail-host), exhaustive (every combination), largest (the largest hosts) or none."""
    scenarios: int
    """Failure combinations evaluated."""
    failed_hosts: tuple[str, ...]
    """The hosts failed in the worst scenario."""
    restarted: tuple[tuple[str, str], ...]
    """(VM, survivor) for each VM restarted."""
    unrestartable: tuple[str, ...]
    """VMs no survivor admits."""
    survivors: tuple[HostResult, ...]
    """Survivors as evaluated after the restarts (verdicts not set)."""
    state_after: MemState
    """Worst survivor state."""
    overcommit_ratio_after: float
    """Configured / capacity of the survivors after the restarts."""
    verdict: Severity
    """fail: a VM cannot restart or a survivor swaps; warn: a survivor balloons."""
    slots: SlotMath | None
    """Slot math, for the slots policy."""
    percentage: PercentMath | None
    """Percentage math, for the percentage policy."""
    failover_hosts: tuple[str, ...] = ()
    """Dedicated failover hosts."""
    basis: str = "configured"
    """configured (the inventory has ``ha:``), assumed (a cluster of more than one host
    without it: memplan assumes HA with one host failure) or asked (only ``--fail-host`` /
    ``--ha-failures`` ask for the analysis)."""
    admission_control: bool = True
    """HA admission control as configured (always true when assumed)."""
    placement: str = "drs"
    """Who places the restarted VMs: drs (DRS on, not manual: by demand) or ha (HA's own
    even spread, DRS off or manual). docs/ha.md."""


# --- the reports of other commands ------------------------------------------------------------
# They live in submodules imported on first use: creating a frozen, slotted dataclass costs
# about a millisecond at import, and ``check`` needs none of these (docs/performance.md):
# project, headroom, diff, rightsize, trend, the forecast (only with growth, plans or
# --horizon), and the occasional inputs (planned changes, what-ifs, waivers, HA's slot and
# percentage arithmetic).
# ``from memplan.model import TrendReport`` works as before, through __getattr__ below.

if TYPE_CHECKING:
    from memplan.model.diff import (
        Change as Change,
    )
    from memplan.model.diff import (
        ClusterDelta as ClusterDelta,
    )
    from memplan.model.diff import (
        DiffReport as DiffReport,
    )
    from memplan.model.diff import (
        FindingChange as FindingChange,
    )
    from memplan.model.forecast import (
        Arrivals as Arrivals,
    )
    from memplan.model.forecast import (
        ClusterForecast as ClusterForecast,
    )
    from memplan.model.forecast import (
        Forecast as Forecast,
    )
    from memplan.model.forecast import (
        HostForecast as HostForecast,
    )
    from memplan.model.headroom import (
        ClusterHeadroom as ClusterHeadroom,
    )
    from memplan.model.headroom import (
        HeadroomReport as HeadroomReport,
    )
    from memplan.model.headroom import (
        HostHeadroom as HostHeadroom,
    )
    from memplan.model.occasional import (
        PercentMath as PercentMath,
    )
    from memplan.model.occasional import (
        PlannedChange as PlannedChange,
    )
    from memplan.model.occasional import (
        SlotMath as SlotMath,
    )
    from memplan.model.occasional import (
        Waiver as Waiver,
    )
    from memplan.model.occasional import (
        WhatIf as WhatIf,
    )
    from memplan.model.project import (
        ProjectReport as ProjectReport,
    )
    from memplan.model.project import (
        TimelinePoint as TimelinePoint,
    )
    from memplan.model.rightsize import (
        ClusterSizing as ClusterSizing,
    )
    from memplan.model.rightsize import (
        HostSizing as HostSizing,
    )
    from memplan.model.rightsize import (
        PoweredOffVM as PoweredOffVM,
    )
    from memplan.model.rightsize import (
        RightsizeReport as RightsizeReport,
    )
    from memplan.model.rightsize import (
        Sizing as Sizing,
    )
    from memplan.model.rightsize import (
        VMSample as VMSample,
    )
    from memplan.model.rightsize import (
        VMSizing as VMSizing,
    )
    from memplan.model.trend import (
        ClusterTrend as ClusterTrend,
    )
    from memplan.model.trend import (
        DateRange as DateRange,
    )
    from memplan.model.trend import (
        Fit as Fit,
    )
    from memplan.model.trend import (
        HostTrend as HostTrend,
    )
    from memplan.model.trend import (
        Steps as Steps,
    )
    from memplan.model.trend import (
        TrendReport as TrendReport,
    )
    from memplan.model.trend import (
        VMLimit as VMLimit,
    )

_ELSEWHERE = {
    "PlannedChange": "occasional",
    "WhatIf": "occasional",
    "Waiver": "occasional",
    "SlotMath": "occasional",
    "PercentMath": "occasional",
    "HostForecast": "forecast",
    "ClusterForecast": "forecast",
    "Arrivals": "forecast",
    "Forecast": "forecast",
    "TimelinePoint": "project",
    "ProjectReport": "project",
    "HostHeadroom": "headroom",
    "ClusterHeadroom": "headroom",
    "HeadroomReport": "headroom",
    "Change": "diff",
    "ClusterDelta": "diff",
    "DiffReport": "diff",
    "FindingChange": "diff",
    "Sizing": "rightsize",
    "VMSample": "rightsize",
    "VMSizing": "rightsize",
    "PoweredOffVM": "rightsize",
    "HostSizing": "rightsize",
    "ClusterSizing": "rightsize",
    "RightsizeReport": "rightsize",
    "Fit": "trend",
    "Steps": "trend",
    "DateRange": "trend",
    "HostTrend": "trend",
    "ClusterTrend": "trend",
    "VMLimit": "trend",
    "TrendReport": "trend",
}
"""Name -> the submodule that defines it."""


def __getattr__(name: str) -> Any:
    """Import a report class's submodule the first time the class is asked for."""
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


# Frozen dataclasses built without their ``__init__``, for the records there are 100,000 of.
#
# Python 3.11 compiles a frozen dataclass's ``__init__`` to one ``object.__setattr__(self,
# name, value)`` per field (the class's own ``__setattr__`` refuses), and each of those calls
# costs about 1,400 machine instructions (callgrind): building a VM of 25 fields took 35,000,
# more than reading its line of YAML. :func:`builder` makes a function that stores the fields
# in an object of a twin class with the same slots (plain attribute stores, which CPython
# specialises) and then gives the object its real class, which Python allows between
# classes of the same slot layout: about a tenth of the cost. What comes out is an instance
# of the class itself, equal to what its constructor makes from the same arguments, and as
# frozen (tests/test_model_build.py).

_T = TypeVar("_T")


def builder(cls: type[_T]) -> Callable[..., _T]:
    """A function taking every field of ``cls`` positionally, in order, that returns what
    ``cls(*args)`` returns. ``cls``: a slotted dataclass without ``__post_init__`` whose
    fields are all ``__init__`` arguments; any other class gets its own constructor."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    names = tuple(f.name for f in fields)
    if (
        getattr(cls, "__slots__", None) != names
        or hasattr(cls, "__post_init__")
        or not all(f.init for f in fields)
        or any(not n.isidentifier() or n.startswith("_") for n in names)
    ):
        return cls
    twin = type(f"_{cls.__name__}Fields", (), {"__slots__": names})
    args = ", ".join(names)
    body = "".join(f"    o.{n} = {n}\n" for n in names)
    source = f"def build({args}):\n    o = new(twin)\n{body}    o.__class__ = cls\n    return o\n"
    namespace: dict[str, Any] = {"new": object.__new__, "twin": twin, "cls": cls}
    exec(source, namespace)  # as dataclasses makes __init__: names are the fields' own
    build: Callable[..., _T] = namespace["build"]
    build.__qualname__ = build.__name__ = f"build_{cls.__name__}"
    build.__doc__ = f"{cls.__name__}(*fields), without its __init__ (memplan.model.builder)."
    return build

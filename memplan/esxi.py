"""ESXi memory constants and the pure functions that read them.

Every number memplan computes with lives in this module, each beside its public
source (see docs/model.md and the project's domain reference). Nothing here does I/O.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from memplan.model import MemState
from memplan.units import GIB, MIB

# --- minFree ---------------------------------------------------------------------------
# ESXi 5.0+ sliding scale of VMkernel-managed memory (Mem.MemMinFreePct = 0, automatic).
# Source: vSphere 5.0+ Resource Management guide; checked against esxtop captures
# (vmwarebits.com "Mem.MemMinFreePct calculation example": 130607 MiB -> 1920 MiB;
# blog.travisrunyard.us: 32510 MiB -> 939 MiB).
MIN_FREE_SCALE: Final[tuple[tuple[int | None, Fraction], ...]] = (
    (4 * GIB, Fraction(6, 100)),  # first 4 GiB: 6%
    (8 * GIB, Fraction(4, 100)),  # next 8 GiB (4-12): 4%
    (16 * GIB, Fraction(2, 100)),  # next 16 GiB (12-28): 2%
    (None, Fraction(1, 100)),  # the rest above 28 GiB: 1%
)
# Before ESXi 5.0: a flat 6% of host memory. Source: vSphere 4.1 Resource Management guide.
MIN_FREE_FLAT_PRE_5: Final = Fraction(6, 100)

# --- memory states ------------------------------------------------------------------------
# Thresholds as a fraction of minFree, in order from the most free to the least.
# Sources: Duncan Epping, "What happens at which vSphere memory state?" (yellow-bricks.com);
# running-system.com; vSphere 4.1/5.x Resource Management guides. Before 4.1 the thresholds
# were 6/4/2/1 % of host memory, i.e. 1, 2/3, 1/3, 1/6 of the flat 6% minFree.
STATE_TABLES: Final[dict[str, tuple[tuple[MemState, Fraction], ...]]] = {
    "6.0+": (
        (MemState.HIGH, Fraction(4)),
        (MemState.CLEAR, Fraction(1)),
        (MemState.SOFT, Fraction(64, 100)),
        (MemState.HARD, Fraction(32, 100)),
        (MemState.LOW, Fraction(16, 100)),
    ),
    "4.1-5.x": (
        (MemState.HIGH, Fraction(1)),
        (MemState.SOFT, Fraction(64, 100)),
        (MemState.HARD, Fraction(32, 100)),
        (MemState.LOW, Fraction(16, 100)),
    ),
    "pre-4.1": (
        (MemState.HIGH, Fraction(1)),
        (MemState.SOFT, Fraction(2, 3)),
        (MemState.HARD, Fraction(1, 3)),
        (MemState.LOW, Fraction(1, 6)),
    ),
}
DEFAULT_ESXI: Final = "8.0"
DEFAULT_READING: Final = "B"
"""Reading B: each threshold is the lower edge of its state's band (ballooning below
100% of minFree on 6.0+). Supported by an esxtop capture (free 2397 MiB, minFree 939 MiB:
"clear") and a reader's test on running-system.com; the conservative reading for planning.
Reading A (most blogs): a state is entered when free memory falls below its threshold."""

# --- reclamation limits -----------------------------------------------------------------------
BALLOON_MAX_FRACTION: Final = Fraction(65, 100)
"""Mem.CtlMaxPercent: a balloon reclaims at most 65% of a VM's configured memory (vSphere
advanced settings)."""
COMPRESSION_CACHE_FRACTION: Final = Fraction(10, 100)
"""Mem.MemZipMaxPct: compression cache at most 10% of a VM's memory (vSphere docs)."""
IDLE_TAX: Final = Fraction(75, 100)
"""Mem.IdleTax: 75%, so k = 1 / (1 - 0.75) = 4 (vSphere docs; Waldspurger, OSDI 2002)."""
SHARES_PER_MIB: Final[dict[str, int]] = {"low": 5, "normal": 10, "high": 20}
"""Memory shares per MiB of configured memory for each level (vSphere docs)."""

# --- host defaults ----------------------------------------------------------------------------
DEFAULT_SYSTEM_RESERVED: Final = 4 * GIB
"""Memory the hypervisor itself uses (VMkernel, drivers, hostd/vpxa), when the inventory
does not say. Broadcom KB 420935 ("Estimated memory requirements for ESXi hosts") says it
depends on sockets, installed memory and features (vSAN, NSX); 4 GiB is memplan's
planning default for a plain ESXi 8 host. Set ``system_reserved`` from the host's
host/system + host/vim resource pools for exact figures."""

# --- configuration maximums -------------------------------------------------------------------
MAX_VMS_PER_HOST: Final = 1024
"""Virtual machines per host, vSphere 8.0 (VMware Configuration Maximums,
configmax.esp.vmware.com): headroom never counts more."""
MAX_VMS_PER_CLUSTER: Final = 10_000
"""Virtual machines per cluster, vSphere 8.0 (VMware Configuration Maximums)."""

# --- overhead memory per VM ---------------------------------------------------------------------
# "Sample Overhead Memory on Virtual Machines", vSphere 5.1-6.7 Resource Management guides, MiB.
OVERHEAD_VCPUS: Final = (1, 2, 4, 8)
OVERHEAD_TABLE_MIB: Final[dict[int, tuple[float, float, float, float]]] = {
    256: (20.29, 24.28, 32.23, 48.16),
    1024: (25.90, 29.91, 37.86, 53.82),
    4096: (48.64, 52.72, 60.67, 76.78),
    16384: (139.62, 143.98, 151.93, 168.60),
}
# Outside the table: linear fit of the same samples, within about 1 MiB of each.
OVERHEAD_FIT_BASE_MIB: Final = 18.4
OVERHEAD_FIT_PER_MIB: Final = 0.0074
OVERHEAD_FIT_PER_VCPU_MIB: Final = 3.98


@dataclass(frozen=True, slots=True)
class Band:
    """One memory state and the free-memory range that puts a host in it."""

    state: MemState
    """The ESXi memory state."""
    lower_bytes: int | None
    """Free memory at or above this is this state or better; None for the lowest state."""
    threshold: Fraction
    """The published threshold of this state as a fraction of minFree."""


def parse_version(text: str) -> tuple[int, ...]:
    """``"7.0.3"`` -> ``(7, 0, 3)``; raises ValueError for anything else."""
    parts = text.strip().split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return tuple(int(p) for p in parts)


def state_table_name(esxi: str) -> str:
    """Which state table an ESXi version uses."""
    v = parse_version(esxi)
    if v >= (6,):
        return "6.0+"
    if v >= (4, 1):
        return "4.1-5.x"
    return "pre-4.1"


def min_free_exact(managed: int, esxi: str = DEFAULT_ESXI) -> Fraction:
    """minFree in bytes, exactly (a fraction of a byte is possible: 901.12 MiB)."""
    if parse_version(esxi) < (5,):
        return managed * MIN_FREE_FLAT_PRE_5
    total = Fraction(0)
    rest = managed
    for size, pct in MIN_FREE_SCALE:
        part = rest if size is None else min(rest, size)
        total += part * pct
        rest -= part
        if rest <= 0:
            break
    return total


@functools.lru_cache(maxsize=4096)
def min_free(managed: int, esxi: str = DEFAULT_ESXI) -> int:
    """minFree in whole bytes, rounded down."""
    return math.floor(min_free_exact(managed, esxi))


def min_free_esxtop_mib(managed: int, esxi: str = DEFAULT_ESXI) -> int:
    """minFree as esxtop shows it: whole MiB, rounded down."""
    return math.floor(min_free_exact(managed, esxi) / MIB)


def bands(
    min_free_bytes: int,
    thresholds: tuple[tuple[MemState, Fraction], ...],
    reading: str = DEFAULT_READING,
) -> tuple[Band, ...]:
    """Turn a state table into free-memory bands, from the most free state to the least.

    Reading B: each threshold is the lower edge of its own state's band and the last
    state takes everything below the one before it. Reading A: a state is entered when
    free memory falls below its threshold, so each band's lower edge is the next
    state's threshold.
    """
    out: list[Band] = []
    n = len(thresholds)
    for i, (state, fraction) in enumerate(thresholds):
        if i == n - 1:
            lower = None
        elif reading == "B":
            lower = math.floor(fraction * min_free_bytes)
        else:
            lower = math.floor(thresholds[i + 1][1] * min_free_bytes)
        out.append(Band(state, lower, fraction))
    return tuple(out)


def state_for_free(free: int, table: tuple[Band, ...]) -> MemState:
    """The state a host is in with ``free`` bytes of free memory."""
    for band in table:
        if band.lower_bytes is None or free >= band.lower_bytes:
            return band.state
    return table[-1].state  # pragma: no cover - the last band has no lower edge


def lower_edge(table: tuple[Band, ...], state: MemState) -> int | None:
    """Lower edge in bytes of ``state``'s band (None for the lowest band or an absent state)."""
    for band in table:
        if band.state is state:
            return band.lower_bytes
    return None


def soft_upper_edge(table: tuple[Band, ...]) -> int:
    """Free memory ESXi reclaims back to: the lower edge of the band just above soft."""
    prev: int | None = None
    for band in table:
        if band.state is MemState.SOFT:
            assert prev is not None
            return prev
        prev = band.lower_bytes
    raise ValueError("state table has no soft state")  # pragma: no cover


def _interp(x: float, x0: float, x1: float, y0: float, y1: float) -> float:
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


@functools.lru_cache(maxsize=4096)
def estimate_overhead(memory: int, vcpus: int) -> int:
    """Estimated overhead memory of a VM in bytes.

    Inside the sampled range (256 MiB - 16 GiB, 1-8 vCPUs) interpolate the published
    table linearly (in memory, then in vCPUs); outside it use the linear fit
    ``18.4 + 0.0074 x MiB + 3.98 x (vCPUs - 1)`` MiB.
    """
    m = memory / MIB
    sizes = sorted(OVERHEAD_TABLE_MIB)
    if sizes[0] <= m <= sizes[-1] and OVERHEAD_VCPUS[0] <= vcpus <= OVERHEAD_VCPUS[-1]:
        hi = next(i for i, s in enumerate(sizes) if s >= m)
        lo = max(hi - 1, 0)
        col = [
            _interp(m, sizes[lo], sizes[hi], OVERHEAD_TABLE_MIB[sizes[lo]][c],
                    OVERHEAD_TABLE_MIB[sizes[hi]][c]) if hi != lo
            else OVERHEAD_TABLE_MIB[sizes[lo]][c]
            for c in range(len(OVERHEAD_VCPUS))
        ]  # fmt: skip
        j = next(i for i, v in enumerate(OVERHEAD_VCPUS) if v >= vcpus)
        if OVERHEAD_VCPUS[j] == vcpus:
            value = col[j]
        else:
            value = _interp(vcpus, OVERHEAD_VCPUS[j - 1], OVERHEAD_VCPUS[j], col[j - 1], col[j])
    else:
        value = (
            OVERHEAD_FIT_BASE_MIB
            + OVERHEAD_FIT_PER_MIB * m
            + OVERHEAD_FIT_PER_VCPU_MIB * (vcpus - 1)
        )
    return round(value * MIB)


# --- vSphere HA and DRS: what memplan assumes where the inventory says nothing ---------------------
# A cluster of more than one host without ha: is analysed as HA with the vSphere default
# "Host failures cluster tolerates" of 1 and admission control on (vSphere Availability
# guide, "Admission Control"; API ClusterFailoverLevelAdmissionControlPolicy.failoverLevel).
HA_DEFAULT_FAILURES: Final = 1
# DRS enabled, fully automated, without drs: (most clusters run it). Fully and partially
# automated DRS place a VM that powers on (HA's restarts included) without asking; manual
# only recommends hosts (vSphere Resource Management guide, "Admission Control and Initial
# Placement", "DRS automation levels").
DRS_DEFAULT_AUTOMATION: Final = "fully-automated"
DRS_PLACING_LEVELS: Final = frozenset({"fully-automated", "partially-automated"})

# --- where each constant comes from, as findings cite them ---------------------------------------
SOURCES: Final[dict[str, str]] = {
    "seed-rule": "VM usage <= configured + overhead (VMware memory white papers; seed article)",
    "min-free": "minFree sliding scale 6/4/2/1% (vSphere Resource Management guide 5.0+; esxtop checks)",
    "states": "state thresholds 400/100/64/32/16% of minFree (Epping, yellow-bricks.com; running-system.com)",
    "reading-b": "reading B: threshold = lower edge of its band (esxtop capture; running-system.com test)",
    "balloon-max": "balloon at most 65% of configured, Mem.CtlMaxPercent (vSphere advanced settings)",
    "maxmemctl": "per-VM balloon cap sched.mem.maxmemctl (vSphere docs)",
    "overhead": "overhead table, 'Sample Overhead Memory on Virtual Machines' (vSphere 5.1-6.7 guides)",
    "admission": "power-on needs reservation + overhead in unreserved capacity (vSphere admission control)",
    "ha-placement": "HA restarts where reservation + overhead fit; DRS then balances by demand, without DRS HA spreads evenly (vSphere Availability guide, 'Using vSphere HA and DRS Together'; Epping, yellow-bricks.com)",
    "system-reserved": "hypervisor memory default 4 GiB (memplan default; Broadcom KB 420935)",
    "overcommit": "no published safe ratio: max_overcommit is a user policy (VMware monitoring docs)",
}

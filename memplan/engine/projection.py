"""When does it stop being fine: growth and planned changes over time. Pure functions.

Model (docs/projection.md): each VM's consumed and active memory compound monthly by its
growth rate from the month it exists, capped by its usage bound (min(configured, limit)).
That is all of it for in-VM growth (a VM's own rate, or ``--growth-scope vm``). Demand
growth (``--growth``, a host's or a cluster's rate) grows a cluster's (or standalone
host's) demand by the rate: what a VM cannot hold beyond its bound arrives as new VMs
shaped like the pool's typical VM (typical_vm()), placed one by one as cluster VMs are
(hostmodel.choose_host()). Planned changes apply from the first month on or after their
date. Between two planned changes a host's demand can only grow, so its state can only
worsen, and the first month it reaches soft or hard state is found by bisection: exact
at month resolution, with no sampling.
"""

from __future__ import annotations

import bisect
import calendar
import heapq
import math
import statistics
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta

from memplan import esxi
from memplan.engine import ha, observed
from memplan.engine.hostmodel import (
    Load,
    Row,
    admits,
    choose_host,
    evaluate_load,
    figures,
    host_bands,
    idle_k,
    reclaims,
    state_of,
    swaps,
    taken_at,
    vm_demand,
)
from memplan.engine.observed import COUNTED, NEW, is_standin
from memplan.model import (
    VM,
    Arrivals,
    Cluster,
    ClusterForecast,
    Forecast,
    Host,
    HostForecast,
    HostResult,
    Inventory,
    Location,
    MemState,
    Note,
    PlannedChange,
    Severity,
    TimelinePoint,
    builder,
)

DEFAULT_HORIZON_MONTHS = 12
SCOPES = ("demand", "vm")
"""``--growth-scope``: demand growth (with arrivals), or growth inside VMs only."""


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, clamped to the month's last day (Jan 31 + 1 = Feb 28)."""
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def month_of(as_of: date, when: date) -> int:
    """The first month index whose date is on or after ``when`` (0 for past dates)."""
    m = 0
    while add_months(as_of, m) < when:
        m += 1
    return m


def lead_months(inventory: Inventory, as_of: date) -> int:
    """Whole months the inventory's figures have grown by at ``as_of``: from its
    ``collected:`` date when that is earlier, else none. Growth counts from the day the
    figures were collected, as --history's does (trend.lead_months(), in days there)."""
    if inventory.collected is None:
        return 0
    since = inventory.collected.date()
    m = month_of(since, as_of)
    return m if add_months(since, m) == as_of else max(0, m - 1)


def grown(vm: VM, months: int) -> VM:
    """``vm`` after ``months`` of compounding growth, capped by its usage bound."""
    if months <= 0 or vm.growth == 0:
        return vm
    return vm.with_usage(*usage(vm, months))


def usage(vm: VM, months: int) -> tuple[int, int]:
    """Consumed and active memory of ``vm`` after ``months`` of growth (see grown()).

    In-VM growth grows active memory by the same factor until it reaches consumed. Under
    demand growth active stays the same share of what the VM holds: the part of its
    growth it cannot hold arrives as new VMs, with their own active share."""
    if months <= 0 or vm.growth == 0:
        return vm.consumed, vm.active
    factor = (1 + vm.growth) ** months
    held = min(vm.consumed, vm.entitled_memory)
    consumed = min(vm.entitled_memory, round(held * factor))
    if vm.demand_growth:
        return consumed, round(min(vm.active, held) * consumed / held) if held else 0
    return consumed, min(consumed, round(min(vm.active, held) * factor))


def typical_vm(vms: Sequence[VM], name: str, cluster: str | None, location: Location) -> VM:
    """The VM that demand growth brings to a pool whose powered-on VMs are ``vms``: the
    median configured size, vCPUs and overhead, and the median consumed ratio (held /
    configured) and active ratio (active / held), each the lower median (a value some VM
    has); shares normal, no reservation, limit or growth of its own. The average VMs an
    observation counts (observed.counted()) give sizes, overhead and consumed ratios; the
    vCPUs and active ratio come from the listed VMs when there are any."""
    memory = statistics.median_low(vm.memory for vm in vms)
    listed = [vm for vm in vms if COUNTED not in vm.tags] or list(vms)
    vcpus = statistics.median_low(vm.vcpus for vm in listed)
    overhead = statistics.median_low(vm.overhead for vm in vms)
    helds = [(vm, min(vm.consumed, vm.entitled_memory)) for vm in vms]
    consumed_ratio = statistics.median_low(held / vm.memory for vm, held in helds)
    active_ratio = statistics.median_low(
        [min(vm.active, h) / h for vm in listed if (h := min(vm.consumed, vm.entitled_memory))]
        or [1.0]
    )
    consumed = max(1, round(memory * consumed_ratio))
    active = round(consumed * active_ratio)
    shares = esxi.SHARES_PER_MIB["normal"] * memory // (1 << 20)
    return VM(
        name, memory, vcpus, True, 0, None, shares, "normal", active, True, consumed, True,
        overhead, False, None, (NEW,), None, cluster, location,
    )  # fmt: skip


def overflow(held: int, entitled: int, rate: float, months: int) -> float:
    """Demand growth a VM cannot hold: ``held`` bytes grown by ``rate`` a month for
    ``months``, beyond what it may hold (``entitled``, min(configured, limit)); bytes."""
    return max(0.0, held * (1 + rate) ** months - entitled) if months > 0 else 0.0


def arrivals(excess: float, shape: VM) -> int:
    """How many VMs of ``shape`` carry ``excess`` bytes of demand: whole VMs, to the nearest
    (half up), each holding what ``shape`` holds. The one conversion from demand to new
    VMs; a forecast from a fitted arrival rate (bytes a month) uses it too."""
    held = min(shape.consumed, shape.entitled_memory)
    return int(excess / held + 0.5) if excess > 0 else 0


def arrival_months(rate: float, shape: VM, until: float) -> list[float]:
    """When new VMs of ``shape`` arrive for demand that grows by ``rate`` bytes a month (a
    rate fitted from history, engine/trend.py), up to ``until`` months: the k-th at the
    first month t at which arrivals(rate x t, shape) reaches k, that is when the demand
    reaches k - 1/2 of the VMs' held memory. arrivals() inverted, not a rule of its own."""
    held = min(shape.consumed, shape.entitled_memory)
    if rate <= 0 or held <= 0:
        return []
    out, k = [], 1
    while (at := (k - 0.5) * held / rate) <= until:
        out.append(at)
        k += 1
    return out


def place_arrival(
    members: list[Host], shape: VM, label: str, k: int, demand: dict[str, int],
    reserved: dict[str, int],
) -> VM | None:  # fmt: skip
    """The k-th new VM of a pool (named ``label+k``, a copy of ``shape``) on the host
    where memplan puts any new cluster VM (choose_host(): the most free memory that admits
    it), given each member's ``demand`` and reservations + overheads; None when no host
    admits it. A trend's fitted arrivals place through it, demand growth's through
    place_arrivals(), which gives the same hosts."""
    host = choose_host(members, shape, demand, reserved)  # the name plays no part
    return None if host is None else replace(shape, name=f"{label}+{k}", host=host.name)


_VM_FIELDS = tuple(f.name for f in fields(VM))
_NAME, _HOST = _VM_FIELDS.index("name"), _VM_FIELDS.index("host")
_NEW_VM = builder(VM)
"""VM(*fields) without its __init__ (model.builder()): demand growth makes thousands."""


def place_arrivals(
    members: list[Host], shape: VM, label: str, first: int, last: int, demand: dict[str, int],
    reserved: dict[str, int],
) -> Iterator[VM | None]:  # fmt: skip
    """place_arrival() for the new VMs number ``first`` + 1 to ``last`` of a pool, one after
    another, each counted in ``demand`` and ``reserved`` once placed: the hosts are kept
    in a heap by free memory, and one that cannot admit ``shape`` leaves it for the rest
    (its reservations only grow), so a VM costs a heap step, not a pass over the cluster.
    The same hosts as choose_host() for each in turn."""
    args = [getattr(shape, f) for f in _VM_FIELDS]  # replace(shape, ...) without its cost
    heap = [(demand.get(h.name, 0) - h.capacity, h.name, h) for h in members]
    heapq.heapify(heap)
    add_demand, add_reserved = vm_demand(shape), shape.reservation + shape.overhead
    for k in range(first + 1, last + 1):
        while heap and not admits(heap[0][2], shape, reserved.get(heap[0][1], 0)):
            heapq.heappop(heap)
        if not heap:
            yield None
            continue
        _, name, host = heap[0]
        demand[name] = demand.get(name, 0) + add_demand
        reserved[name] = reserved.get(name, 0) + add_reserved
        heapq.heapreplace(heap, (demand[name] - host.capacity, name, host))
        args[_NAME], args[_HOST] = f"{label}+{k}", name
        yield _NEW_VM(*args)


@dataclass
class _Overflow:
    """The demand-growing VMs of one pool, grouped by rate and birth month and sorted by
    entitled / held, so that the pool's total overflow at a month is a bisection and a
    prefix sum per group rather than a pass over every VM."""

    groups: dict[tuple[float, int], tuple[list[float], list[int], list[int]]] = field(
        default_factory=dict
    )

    @classmethod
    def of(cls, rows: Iterable[tuple[float, int, int, int]]) -> _Overflow:
        """From (rate, born, held, entitled) rows."""
        by: dict[tuple[float, int], list[tuple[float, int, int]]] = {}
        for rate, born, held, entitled in rows:
            if held > 0 and rate > 0:
                by.setdefault((rate, born), []).append((entitled / held, held, entitled))
        out = cls()
        for key, items in by.items():
            items.sort()
            hs, es = [0], [0]
            for _, h, e in items:
                hs.append(hs[-1] + h)
                es.append(es[-1] + e)
            out.groups[key] = ([r for r, _, _ in items], hs, es)
        return out

    def excess(self, month: int) -> float:
        """Sum of overflow() over the pool's VMs at ``month``."""
        total = 0.0
        for (rate, born), (ratios, hs, es) in self.groups.items():
            if month <= born:
                continue
            f = (1 + rate) ** (month - born)
            k = bisect.bisect_left(ratios, f)  # VMs whose bound is below their grown demand
            total += f * hs[k] - es[k]
        return max(0.0, total)


_BALLOON_NUM = esxi.BALLOON_MAX_FRACTION.numerator
_BALLOON_DEN = esxi.BALLOON_MAX_FRACTION.denominator


class _Entry:
    """A VM on a host as _World.load() reads it."""

    __slots__ = ("base", "born", "cap", "demand", "entitled", "grown", "held", "idle_floor",
                 "kept", "month", "row", "since", "vm")  # fmt: skip

    def __init__(self, born: int, vm: VM) -> None:
        self.born = born
        """Its birth month."""
        self.vm = vm
        self.since = 0
        self.month = -1
        """The month whose row is ``grown`` (the last asked for)."""
        self.grown: Row | None = None
        if not vm.growth:  # its row at every age: at() needs none of the constants below
            self.row: Row | None = (vm, *figures(vm, vm.consumed, vm.active))
            """Its load row from age ``since`` on: growth no longer changes it (no rate, or
            usage at its bounds); None until then."""
            return
        self.row = None
        # at()'s constants: usage() and figures() with what does not change month to month
        # worked out once (the same arithmetic, in the same order).
        self.base = 1 + vm.growth
        self.entitled = vm.entitled_memory
        self.held = min(vm.consumed, self.entitled)
        """What it holds today (usage()'s ``held``)."""
        self.kept = min(vm.active, self.held)
        """Active memory within that."""
        self.demand = vm.demand_growth
        self.idle_floor = vm.reservation
        cap = vm.memory * _BALLOON_NUM // _BALLOON_DEN
        self.cap = vm.balloon_max if vm.balloon_max is not None and vm.balloon_max < cap else cap
        """figures()'s balloon cap."""

    def at(self, month: int) -> Row:
        """The row at ``month`` (the VM exists then): (vm, *figures(vm, *usage(vm, age)))."""
        age = month - self.born
        row = self.row
        if row is not None and (age >= self.since or not self.vm.growth):
            return row  # (without growth, its row at every age)
        if month == self.month and self.grown is not None:
            return self.grown
        vm = self.vm
        if age <= 0:
            consumed, active = vm.consumed, vm.active
        else:  # usage(), growth > 0 here (row is None otherwise)
            factor = self.base**age
            held = self.held
            entitled = self.entitled
            consumed = round(held * factor)
            if consumed > entitled:
                consumed = entitled
            if self.demand:
                active = round(self.kept * consumed / held) if held else 0
            else:
                active = round(self.kept * factor)
                if active > consumed:
                    active = consumed
        # figures(vm, consumed, active)
        memory, limit = vm.memory, vm.limit
        held = memory if consumed > memory else consumed
        if limit is not None and limit < held:
            held = limit
        act = held if active > held else active
        idle = held - (act if act > self.idle_floor else self.idle_floor)
        cap = self.cap
        grown: Row = (vm, held, act, 0 if idle < 0 else idle if idle < cap else cap)
        if (
            row is None
            and vm.growth > 0
            and consumed == self.entitled
            and (self.demand or active == consumed)
        ):  # at its bounds: usage() stays the same from this age on
            self.row, self.since = grown, age
        self.month, self.grown = month, grown
        return grown


class _Layout:
    """A host's rows as load() lays them out from month ``since`` on: ``base`` holds the
    rows that stay the same from then (None where growth changes it), ``moving`` the
    positions of the others, ``sums`` Load's sums over ``base`` (demand, overhead, active,
    configured, reserved, balloonable)."""

    __slots__ = ("base", "held", "k", "moving", "proof", "since", "still", "sums", "taken")

    def __init__(
        self, base: list[Row | None], moving: list[int], sums: tuple[int, ...], since: int
    ) -> None:
        self.base, self.moving, self.sums, self.since = base, moving, sums, since
        self.proof: tuple[float, int, int, bool] | None = None
        """_balloons_all()'s pass over the rows in ``base`` (base_proof())."""
        self.k = 0.0
        """The ``k`` it was made with."""
        self.taken: list[tuple[int, int, int, int] | None] | None = None
        """taking()'s list."""
        self.held: Holding | None = None
        """holding()'s answer."""
        self.still: tuple[int, int, int] | None = None
        """The overheads, configured sizes and reservations of the growing rows' VMs,
        which growth leaves as they are (load() adds them once)."""

    def taking(self) -> list[tuple[int, int, int, int] | None]:
        """What taken_at() reads of each row in ``base`` (shares, active, floor, held),
        None for the growing rows; worked out once."""
        if self.taken is None:
            self.taken = [None if row is None else _taking(row) for row in self.base]
        return self.taken

    def holding(self, vms: list[_Entry]) -> Holding:
        """What _World._tallies() reads of the growing rows (``vms``: the host's entries):
        the sums of their overheads and of their reservations, which growth leaves as
        they are, and per rate and birth month their held memory today and their usage
        bounds (at() holds min(round(held x (1 + rate) ** age), bound)); worked out once."""
        if self.held is None:
            overhead = reserved = 0
            groups: dict[tuple[float, int], tuple[list[int], list[int]]] = {}
            for i in self.moving:
                e = vms[i]
                overhead, reserved = overhead + e.vm.overhead, reserved + e.vm.reservation
                held, bound = groups.setdefault((e.base, e.born), ([], []))
                held.append(e.held)
                bound.append(e.entitled)
            self.held = (overhead, reserved, [(*key, *v) for key, v in groups.items()])
        return self.held

    def insert(self, at: int, row: Row | None) -> None:
        """A VM's row (None: it grows) put in at position ``at``: the rows after it move
        one place on, and the sums, the proof and taking()'s list take it in (holding()'s
        answer is made again for a growing row) (the same as
        laying the rows out afresh: the proof's level is a maximum, its first row the
        lowest position)."""
        self.base.insert(at, row)
        moving = self.moving
        after = bisect.bisect_left(moving, at)  # sorted: the positions at or after it move
        self.moving = moving[:after] + [i + 1 for i in moving[after:]]
        if row is None:
            bisect.insort(self.moving, at)
            self.held = self.still = None  # holding() and load() take it in afresh
        else:
            self.sums = _sums(self.sums, (row,))
        if self.proof is not None:
            level, first, kind, whole = self.proof
            proof = (level, first + 1 if first >= at else first, kind, whole)
            self.proof = proof if row is None else _proof_over(proof, ((at, row),), self.k)
        if self.taken is not None:
            self.taken.insert(at, None if row is None else _taking(row))

    def base_proof(self, k: float) -> tuple[float, int, int, bool]:
        """ha.proof_level() over the rows in ``base``: the highest level, the position and
        kind of the first row that is not ha.ROW_SAFE (len(base) and ROW_SAFE when none
        is), and whether one is ha.ROW_WHOLE; worked out once (``k`` is the policy's)."""
        if self.proof is None or self.k != k:
            start = (0.0, len(self.base), ha.ROW_SAFE, False)
            rows = ((i, row) for i, row in enumerate(self.base) if row is not None)
            self.proof, self.k = _proof_over(start, rows, k), k
        return self.proof


Holding = tuple[int, int, list[tuple[float, int, list[int], list[int]]]]
"""_Layout.holding()'s answer: overheads, reservations, and (1 + rate, birth month, held
memory, usage bounds) per group of growing rows."""


def _taking(row: Row) -> tuple[int, int, int, int]:
    """What taken_at() reads of a row: shares, active, floor, held."""
    return (row[0].shares, row[2], min(row[0].reservation, row[1]), row[1])


Proof = tuple[float, int, int, bool]
"""_Layout.base_proof()'s answer: level, position and kind of the first row that is not
ha.ROW_SAFE, and whether one is ha.ROW_WHOLE."""


def _proof_over(proof: Proof, rows: Iterable[tuple[int, Row]], k: float) -> Proof:
    """``proof`` with ``rows`` (position, row) taken into it: ha.proof_level() of each."""
    level, first, kind, whole = proof
    for i, row in rows:
        at, kd = ha.proof_level(*row, k)
        if at > level:
            level = at
        if kd:
            if i < first:
                first, kind = i, kd
            whole = whole or kd == ha.ROW_WHOLE
    return (level, first, kind, whole)


def _held(groups: list[tuple[float, int, list[int], list[int]]], month: int) -> int:
    """The held memory at ``month`` of the growing rows in ``groups`` (_Layout.holding()),
    summed: at()'s, min(round(held x (1 + rate) ** age), bound) each, with no Python call
    a row (its factor is its group's)."""
    total = 0
    for base, born, held, bound in groups:
        factor = base ** (month - born)
        total += sum(map(min, map(round, map(factor.__mul__, held)), bound))
    return total


def _sums(sums: tuple[int, ...], rows: Iterable[Row]) -> tuple[int, ...]:
    """Load's sums (see _Layout) with ``rows`` added."""
    d, o, a, c, r, b = sums
    for vm, held, active, balloonable in rows:
        d, o, a = d + held + vm.overhead, o + vm.overhead, a + active
        c, r, b = c + vm.memory, r + vm.reservation, b + balloonable
    return (d, o, a, c, r, b)


class _OnHost:
    """A host's VMs as _World.load() reads them (_World._on()): the rows growth cannot
    change laid out and summed once, so that a month costs only the VMs that grow; and
    once growing VMs reach their bounds, laid out again without them (fold())."""

    __slots__ = ("arrived", "folded", "last_born", "lay", "names", "stale", "version", "vms")

    def __init__(self, names: list[str], vms: list[_Entry], arrived: list[int]) -> None:
        self.names = names
        """Sorted."""
        self.vms = vms
        """In the order of ``names``."""
        self.arrived = arrived
        """The birth months of the new VMs demand growth placed here, sorted."""
        self.last_born = max((e.born for e in vms), default=0)
        base: list[Row | None] = [e.row if e.since == 0 else None for e in vms]
        moving = [i for i, row in enumerate(base) if row is None]
        self.lay = _Layout(base, moving, _sums((0,) * 6, filter(None, base)), 0)
        """The layout for every month: rows that hold at every age in ``base``."""
        self.folded: _Layout | None = None
        """A layout from a later month on, with the growing VMs that reached their bounds
        by then in its ``base`` (fold())."""
        self.stale = False
        """A VM left or changed: build it again (keeping the entries that stand)."""
        self.version = 0
        """Counts the VMs added in place (add())."""

    def layout(self, month: int) -> _Layout:
        """The layout for ``month`` (at or after last_born)."""
        folded = self.folded
        return folded if folded is not None and month >= folded.since else self.lay

    def fold(self, month: int, lay: _Layout) -> None:
        """Lay the rows out again from ``month`` on (``lay``, the layout used for it, had
        growing VMs whose rows no longer change from then)."""
        vms, base = self.vms, lay.base.copy()
        fixed = []
        for i in lay.moving:
            e = vms[i]
            if e.row is not None and month - e.born >= e.since:
                base[i] = e.row
                fixed.append(e.row)
        moving = [i for i in lay.moving if base[i] is None]
        folded = self.folded = _Layout(base, moving, _sums(lay.sums, fixed), month)
        if lay.proof is not None:  # the proof so far, and the rows now in base
            rows = ((i, row) for i in lay.moving if (row := base[i]) is not None)
            folded.proof, folded.k = _proof_over(lay.proof, rows, lay.k), lay.k

    def add(self, name: str, entry: _Entry, new: bool) -> None:
        """Add a VM that was not here (``new``: one demand growth brought)."""
        at = bisect.bisect_left(self.names, name)
        self.names.insert(at, name)
        self.vms.insert(at, entry)
        self.lay.insert(at, entry.row if entry.since == 0 else None)
        folded = self.folded
        if folded is not None:  # read from its month on, once every VM here exists
            age = max(folded.since, entry.born) - entry.born
            fixed = entry.row is not None and age >= entry.since
            folded.insert(at, entry.row if fixed else None)
        self.last_born = max(self.last_born, entry.born)
        if new:
            bisect.insort(self.arrived, entry.born)
        self.version += 1


_LOAD = builder(Load)
"""Load(*fields) without its __init__ (a load per host and month: memplan.model.builder)."""
_POINT = builder(TimelinePoint)
"""TimelinePoint(*fields), the same way (a point per host and month)."""


@dataclass(slots=True)
class _Last:
    """A host's last load (_World.load()): for ``month`` while ``index`` stands at
    ``version``, and with its ``state`` once evaluated."""

    host: Host
    index: _OnHost
    version: int
    month: int
    load: Load
    state: MemState | None = None


Pool = tuple[str | None, str | None]
"""(cluster, None) for a cluster, (None, host) for a standalone host."""


def _rated(vm: VM, growth: float | None, scope: str) -> VM:
    """``vm`` with the rate that applies (``--growth`` overrides) and whether it is demand
    growth: ``--growth`` and host or cluster rates are, unless the scope is "vm"."""
    rate = vm.growth if growth is None else growth
    demand = scope == "demand" and rate > 0 and (growth is not None or vm.demand_growth)
    if (vm.growth, vm.demand_growth) == (rate, demand):
        return vm
    return replace(vm, growth=rate, demand_growth=demand)


@dataclass
class _World:
    """The inventory as it stands at some month: hosts, VMs, where each VM runs."""

    inventory: Inventory
    hosts: dict[str, Host]
    vms: dict[str, VM]
    born: dict[str, int]
    notes: list[Note]
    by_host: dict[str, set[str]]
    """VM names per host, kept in step with ``vms`` (no scan of every VM per host)."""
    spare: frozenset[str] = frozenset()
    """Dedicated failover hosts: nothing is placed on them."""
    shapes: dict[Pool, VM] = field(default_factory=dict)
    """Each pool's typical VM, fixed the first time the pool needs one."""
    counts: dict[Pool, dict[int, int]] = field(default_factory=dict)
    """New VMs each pool's demand growth asked for by each month (cumulative)."""
    left_out: dict[Pool, int] = field(default_factory=dict)
    """Arrivals that fit no host, per pool."""
    new: set[str] = field(default_factory=set)
    """The names of the VMs demand growth brought."""
    as_of: date | None = None
    """Month 0's date, for notes."""
    lead: int = 0
    """Months of growth before month 0: the inventory's VMs are born at -lead
    (lead_months())."""
    _overflow: dict[Pool, _Overflow] | None = None
    """The demand-growing VMs per pool; None when a change asks to build it again."""
    states: dict[tuple[str, int], MemState] = field(default_factory=dict)
    """Each host's state by month as evaluated so far in the current segment (forget())."""
    _soft: dict[tuple[str, int], bool] = field(default_factory=dict)
    """reclaims() by host and month, the same way."""
    _index: dict[str, _OnHost] = field(default_factory=dict)
    """Per host, its VMs as load() reads them; built on first use, dropped when they change."""
    _levels: dict[str, float] = field(default_factory=dict)
    """Per host, the MemSched level hostmodel.hard_or_low() reached last: where it starts
    the next month (a host's load changes little from one month to the next)."""
    _last: dict[str, _Last] = field(default_factory=dict)
    _pools: dict[Pool, list[Host]] = field(default_factory=dict)
    """Each pool's members (_members()), kept while no host comes or goes."""
    """Per host, the last load built and its state once evaluated: a month whose load is
    the same (nothing on the host grew or arrived) takes both instead of evaluating again."""

    @classmethod
    def start(
        cls,
        inventory: Inventory,
        host_of: dict[str, str | None],
        growth: float | None,
        scope: str = "demand",
        as_of: date | None = None,
    ) -> _World:
        vms = {}
        for vm in inventory.vms:
            h = host_of.get(vm.name)
            if h is None or not vm.powered_on:
                continue
            if growth is not None or vm.demand_growth:  # else its own rate, as it is
                vm = _rated(vm, growth, scope)
            vms[vm.name] = vm if vm.host == h else replace(vm, host=h)
        hosts = {h.name: h for h in inventory.hosts}
        by_host: dict[str, set[str]] = {}
        for vm in vms.values():
            by_host.setdefault(vm.host or "", set()).add(vm.name)
        spare = frozenset(n for c in inventory.clusters if c.ha for n in c.ha.failover_hosts)
        lead = lead_months(inventory, as_of) if as_of is not None else 0
        if lead and not any(vm.growth for vm in vms.values()):
            lead = 0  # nothing grows: the figures stand as they are
        world = cls(inventory, hosts, vms, dict.fromkeys(vms, -lead), [], by_host, spare)
        world.as_of, world.lead = as_of, lead
        if lead:
            assert as_of is not None
            assert inventory.collected is not None
            world.notes.append(Note(
                "grown-since-collected",
                f"growth counts from collected: {inventory.collected.date().isoformat()}: by"
                f" {as_of.isoformat()} the inventory's VMs have grown {lead} whole"
                f" month{'s' if lead != 1 else ''} (docs/projection.md)",
            ))  # fmt: skip
        return world

    def put(self, vm: VM) -> None:
        """Place or move ``vm`` (its host field says where)."""
        self.drop(vm.name)
        self.vms[vm.name] = vm
        self.by_host.setdefault(vm.host or "", set()).add(vm.name)
        index = self._index.get(vm.host or "")
        if index is not None and not index.stale:
            index.add(vm.name, _Entry(self.born[vm.name], vm), vm.name in self.new)

    def drop(self, name: str) -> None:
        """Take ``name`` off its host."""
        old = self.vms.pop(name, None)
        if old is not None:
            self.by_host.get(old.host or "", set()).discard(name)
            self._stale(old.host or "")

    def _stale(self, host: str) -> None:
        index = self._index.get(host)
        if index is not None:
            index.stale = True

    def _on(self, name: str) -> _OnHost:
        """Host ``name``'s VMs as load() reads them: built on first use and again after a
        change, keeping the entries of the VMs that did not change (what they computed)."""
        index = self._index.get(name)
        if index is None or index.stale:
            vms, born, new = self.vms, self.born, self.new
            kept = dict(zip(index.names, index.vms, strict=True)) if index is not None else {}
            names = sorted(self.by_host.get(name, ()))
            entries = []
            for n in names:
                e = kept.get(n)
                if e is None or e.vm is not vms[n] or e.born != born[n]:
                    e = _Entry(born[n], vms[n])
                entries.append(e)
            arrived = sorted(born[n] for n in names if n in new)
            index = self._index[name] = _OnHost(names, entries, arrived)
        return index

    def here(self, name: str, month: int) -> list[str]:
        """The VMs on host ``name`` at ``month`` (an arrival exists from its month on)."""
        index = self._on(name)
        return [n for n, e in zip(index.names, index.vms, strict=True) if e.born <= month]

    def on_host(self, name: str, month: int) -> list[VM]:
        return [grown(self.vms[n], month - self.born[n]) for n in self.here(name, month)]

    def load(self, name: str, month: int) -> Load:
        """The host's load at ``month``: the VMs' figures come from their grown usage
        directly, without building a grown VM for each (this runs for every month probed);
        a VM's row is kept once growth no longer changes it. A load equal to the host's
        last one is that object, with its state (state()): nothing on the host grew or
        arrived, and it is not evaluated again."""
        index, host = self._on(name), self.hosts[name]
        last = self._last.get(name)
        if (
            last is not None and last.month == month and last.index is index
            and last.version == index.version and last.host is host
        ):  # fmt: skip
            return last.load
        vms = index.vms
        if month >= index.last_born:  # every VM here exists: only the growing ones change
            lay = index.layout(month)
            still = lay.still
            if still is None:
                moving = [vms[i].vm for i in lay.moving]
                still = lay.still = (
                    sum(vm.overhead for vm in moving), sum(vm.memory for vm in moving),
                    sum(vm.reservation for vm in moving),
                )  # fmt: skip
            laid = lay.base.copy()
            settled = h = a = b = 0
            for i in lay.moving:
                e = vms[i]
                row = laid[i] = e.at(month)
                if row is e.row:
                    settled += 1
                _, held, active, balloonable = row
                h, a, b = h + held, a + active, b + balloonable
            if settled:  # growing VMs at their bounds: leave them out of later months' pass
                index.fold(month, lay)
            rows: list[Row] = laid  # type: ignore[assignment]  # no None left
            d, o, a0, c, r, b0 = lay.sums
            o1, c1, r1 = still
            load = _LOAD(tuple(rows), len(rows), d + h + o1, o + o1, a0 + a, c + c1, r + r1, b0 + b)
        else:
            rows = [e.at(month) for e in vms if e.born <= month]
            load = Load.of(rows, len(rows))
        if (
            last is not None
            and last.host is host
            and last.load.demand == load.demand
            and (last.load == load)
        ):
            self._last[name] = _Last(host, index, index.version, month, last.load, last.state)
            return last.load
        self._last[name] = _Last(host, index, index.version, month, load)
        return load

    def host_result(self, name: str, month: int) -> HostResult:
        return evaluate_load(self.hosts[name], self.load(name, month), self.inventory.policy)

    def state(self, name: str, month: int) -> MemState:
        """The host's settled state at ``month``: evaluated once per segment, and not at all
        when the host's load is its last one."""
        state = self.states.get((name, month))
        if state is None:
            self.load(name, month)
            state = self._settle(name, month)
        return state

    def _settle(self, name: str, month: int) -> MemState:
        """state() once load(name, month) has run: its last load's state, evaluated if it
        has none yet, and kept for the month."""
        last = self._last[name]
        if last.state is None:
            covers = self._covers_on(name, month)
            last.state = state_of(last.host, last.load, self.inventory.policy, covers, self._levels)
        state = self.states[name, month] = last.state
        return state

    def point(self, name: str, month: int, at: date) -> TimelinePoint:
        """The host at ``month`` (dated ``at``) as the timeline shows it; its state is kept
        for state()."""
        host, load = self.hosts[name], self.load(name, month)
        state = self.states.get((name, month))
        if state is None:
            state = self._settle(name, month)
        arrived = bisect.bisect_right(self._last[name].index.arrived, month)  # arrived_on()
        capacity = 0 if host.maintenance else host.capacity  # as check's cluster counts it
        return _POINT(
            month, at, host.cluster, name, capacity, load.demand, capacity - load.demand,
            state, arrived, host.maintenance,
        )  # fmt: skip

    def _covers(self, rows: tuple[Row, ...], need: int) -> bool:
        return _balloons_all(rows, need, idle_k(self.inventory.policy))

    def _covers_on(self, name: str, month: int) -> Callable[[tuple[Row, ...], int], bool]:
        """_covers() for host ``name``'s loads at ``month``: where a load's rows are the host's index
        laid out (load()'s common case), the rows that do not grow were proven once
        (_Layout.base_proof()) and only the growing ones are gone over again. The same
        answers as _balloons_all()."""

        def covers(rows: tuple[Row, ...], need: int) -> bool:
            # the host's index as it is when asked (most states settle before any proof)
            index, k = self._index.get(name), idle_k(self.inventory.policy)
            if index is None or len(rows) != len(index.lay.base) or month < index.last_born:
                return _balloons_all(rows, need, k)
            lay = index.layout(month)
            moving = ((i, rows[i]) for i in lay.moving)
            level, _, kind, whole = _proof_over(lay.base_proof(k), moving, k)
            if level == math.inf or (whole and kind != ha.ROW_SLACK):
                return False
            # _taken_covers(), with taken_at()'s figures of the rows in ``base`` kept
            want, taken, x = need + ha.BALLOON_MARGIN, 0.0, level
            for i, c in enumerate(lay.taking()):
                if c is None:
                    vm, held, active, _ = rows[i]
                    shares, floor = vm.shares, vm.reservation if vm.reservation < held else held
                else:
                    shares, active, floor, held = c
                pages = shares * x
                if pages > active:
                    pages = active + (pages - active) / k
                taken += held - (floor if pages < floor else held if pages > held else pages)
                if taken >= want:
                    return True
            return False

        return covers

    def forget(self) -> None:
        """Drop the states evaluated so far: a planned change moved VMs."""
        self.states.clear()
        self._soft.clear()

    def reclaims(self, name: str, month: int) -> bool:
        """Whether the host is in soft state or worse at ``month`` (no MemSched split, and
        only the load's demand: _tally())."""
        soft = self._soft.get((name, month))
        if soft is None:
            demand = self._tally(name, month)[0]
            soft = self._soft[name, month] = reclaims(
                self.hosts[name], demand, self.inventory.policy
            )
        return soft

    def ha_verdict(
        self, cluster: Cluster, month: int, fail_hosts: tuple[str, ...], failures: int | None,
        members: list[Host] | None = None,
    ) -> Severity | None:  # fmt: skip
        """The verdict of the cluster's HA analysis at ``month`` (docs/ha.md), with the VMs
        as grown and the new VMs demand growth brought; None when it has no HA analysis.
        ``members``: the cluster's hosts not in maintenance, when the caller has them."""
        from memplan.engine import ha  # only for clusters with a forecast and HA

        if members is None:
            members = [
                h for h in self.hosts.values() if h.cluster == cluster.name and not h.maintenance
            ]
        # ha.analyse() reads usage from ``loads`` (the grown rows); of the VMs it reads
        # only what growth leaves as it is (power, reservation, overhead: admission
        # control), so they are not grown again one by one.
        by_host = {h.name: [self.vms[n] for n in self.here(h.name, month)] for h in members}
        loads = {h.name: self.load(h.name, month) for h in members}
        policy, base = self.inventory.policy, {}
        for h in members:  # a host found soft this month balloons all its need (settle()):
            load = loads[h.name]  # no MemSched split for that
            soft = self.states.get((h.name, month)) is MemState.SOFT
            need = esxi.soft_upper_edge(host_bands(h, policy)) - (h.capacity - load.demand)
            base[h.name] = evaluate_load(h, load, policy, need if soft else None)
        result = ha.analyse(
            cluster, members, by_host, base, self.inventory.policy, fail_hosts, failures, loads
        )
        return None if result is None else result.verdict

    def arrived_on(self, name: str, month: int) -> int:
        """New VMs (brought by demand growth) on host ``name`` at ``month``."""
        return bisect.bisect_right(self._on(name).arrived, month)

    def swaps(self, name: str, month: int) -> bool:
        """Whether the host settles worse than soft at ``month``, all the forecast's search
        asks: its state where evaluated already (this month, or its last load's), else
        hostmodel.swaps(), whose proofs spare most MemSched splits (it tells hard from low
        no better than it needs to). Not kept: the search asks a month once."""
        state = self.states.get((name, month))
        if state is None:
            load = self.load(name, month)
            state = self._last[name].state
            if state is None:
                covers = self._covers_on(name, month)  # the host's proof, as state() reads it
                return swaps(self.hosts[name], load, self.inventory.policy, covers)
        return state.rank > MemState.SOFT.rank

    def apply(self, change: PlannedChange, month: int, growth: float | None, scope: str) -> None:
        self._overflow = None  # the pools' VMs change: count them again
        if change.kind == "add-host" and change.host is not None:
            self.hosts[change.host.name] = change.host
            self._pools.clear()
            self._rebalance(change.host, month)
        elif change.kind == "retire-host" and change.target in self.hosts:
            gone = self.hosts.pop(change.target)
            self._pools.clear()
            moving = sorted(
                (self.vms[n] for n in self.by_host.get(gone.name, ())),
                key=lambda vm: (-vm.memory, vm.name),
            )
            for vm in moving:
                self._place(vm, gone.cluster, month, f"retiring {gone.name}")
        elif change.kind == "add-vm" and change.vm is not None:
            vm = _rated(change.vm, growth, scope)
            self.born[vm.name] = month
            if not vm.powered_on:
                return
            if vm.host is not None and vm.host in self.hosts:
                self.put(vm)
            else:
                self._place(vm, vm.cluster, month, f"adding {vm.name}")

    def _pool(self, vm: VM) -> Pool:
        host = self.hosts.get(vm.host or "")
        if host is None or host.cluster is not None:
            return (host.cluster if host is not None else vm.cluster, None)
        return (None, host.name)

    def _members(self, pool: Pool) -> list[Host]:
        """The hosts of ``pool`` that take new VMs (not to be changed: kept until a host
        comes or goes)."""
        members = self._pools.get(pool)
        if members is None:
            cluster, host = pool
            if host is not None:
                h = self.hosts.get(host)
                members = [h] if h is not None and not h.maintenance else []
            else:
                members = [
                    h for h in self.hosts.values()
                    if h.cluster == cluster and cluster is not None and h.name not in self.spare
                    and not h.maintenance
                ]  # fmt: skip
            self._pools[pool] = members
        return members

    def arrive(self, month: int) -> None:
        """Place the VMs that demand growth brings by ``month`` (call it for every month in
        order, after that month's planned changes)."""
        if self._overflow is None:
            rows: dict[Pool, list[tuple[float, int, int, int]]] = {}
            for n, vm in self.vms.items():
                if vm.demand_growth:
                    held = min(vm.consumed, vm.entitled_memory)
                    rows.setdefault(self._pool(vm), []).append(
                        (vm.growth, self.born[n], held, vm.entitled_memory)
                    )
            self._overflow = {pool: _Overflow.of(r) for pool, r in rows.items()}
        for pool in sorted(self._overflow, key=lambda p: (p[0] or "", p[1] or "")):
            excess = self._overflow[pool].excess(month)
            if excess <= 0:
                continue
            shape = self.shapes.get(pool) or self._typical(pool, month)
            if shape is None:
                continue
            self.shapes[pool] = shape
            counts = self.counts.setdefault(pool, {})
            before = max(counts.values(), default=0)
            need = max(before, arrivals(excess, shape))
            counts[month] = need
            if need > before:
                self._arrive(pool, shape, before, need, month)

    def _tallies(self, hosts: list[Host], month: int) -> tuple[dict[str, int], dict[str, int]]:
        """Each host's demand and reservations + overheads at ``month`` (_tally()): what
        placement needs."""
        demand: dict[str, int] = {}
        reserved: dict[str, int] = {}
        for h in hosts:
            demand[h.name], reserved[h.name] = self._tally(h.name, month)
        return demand, reserved

    def _tally(self, name: str, month: int) -> tuple[int, int]:
        """The demand and the reservations + overheads of host ``name``'s load at ``month``,
        its sums. Of the VMs that grow only their held memory changes, worked out per
        group of one rate and birth month without a row for each (placement asks every
        month, the forecast's search for when a host balloons asks only this): the rows
        are made only where a load is asked."""
        index = self._on(name)
        if month < index.last_born:
            load = self.load(name, month)
            return load.demand, load.reserved + load.overhead
        lay = index.layout(month)
        d, o, _, _, r, _ = lay.sums
        overhead, reservations, groups = lay.holding(index.vms)
        return d + _held(groups, month) + overhead, r + reservations + o + overhead

    def _typical(self, pool: Pool, month: int) -> VM | None:
        every = [
            self.vms[n] for h in self._members(pool) for n in self.here(h.name, month)
            if n not in self.new
        ]  # fmt: skip
        cluster, host = pool
        # Stand-ins for observed usage (engine/observed.py) are no VM shape: the pool's own
        # VMs are, and the VMs the observations count, as their average VMs (a real export
        # lists few of them); without own VMs, its cluster's VMs that memplan left to the
        # observation too; else the stand-ins.
        own = [vm for vm in every if not is_standin(vm)]
        counted = [
            vm for h in self._members(pool)
            for vm in observed.counted(h, [self.vms[n] for n in self.here(h.name, month)
                                           if n not in self.new])
        ]  # fmt: skip
        left = [] if own else [
            vm for vm in self.inventory.vms
            if vm.powered_on and vm.cluster == cluster and cluster is not None and vm.host is None
            and not is_standin(vm)
        ]  # fmt: skip
        vms = own + counted + left or every
        if not vms:
            return None
        where = self.hosts[host].location if host is not None else None
        if where is None:
            where = next(
                (c.location for c in self.inventory.clusters if c.name == cluster),
                Location(self.inventory.source, 1, 1),
            )
        name = f"new VM of {'cluster ' + cluster if cluster is not None else 'host ' + str(host)}"
        return typical_vm(vms, name, cluster, where)

    def _arrive(self, pool: Pool, shape: VM, first: int, last: int, month: int) -> None:
        """Place arrivals number ``first`` + 1 to ``last`` of ``pool`` at ``month``."""
        members = self._members(pool)
        demand, reserved = self._tallies(members, month)
        label = pool[0] if pool[0] is not None else pool[1]
        for vm in place_arrivals(members, shape, str(label), first, last, demand, reserved):
            if vm is None:
                if pool not in self.left_out:
                    where = f"cluster {pool[0]}" if pool[0] is not None else f"host {pool[1]}"
                    when = add_months(self.as_of, month).isoformat() if self.as_of else month
                    self.notes.append(
                        Note(
                            "left-out",
                            f"demand growth: from {when} new VMs of {where} fit no host"
                            " (admission: reservations + overheads) and are left out; their"
                            " demand is in no host's",
                        )
                    )
                self.left_out[pool] = self.left_out.get(pool, 0) + 1
                continue
            assert vm.host is not None
            self.born[vm.name] = month
            self.new.add(vm.name)
            self.put(vm)

    def arrivals_by_pool(self, horizon: int) -> tuple[Arrivals, ...]:
        """Each pool's arrivals, month by month."""
        out = []
        for pool in sorted(self.counts, key=lambda p: (p[0] or "", p[1] or "")):
            counts, running, series = self.counts[pool], 0, []
            for m in range(horizon + 1):
                running = counts.get(m, running)
                series.append(running)
            out.append(
                Arrivals(pool[0], pool[1], self.shapes[pool], tuple(series),
                         self.left_out.get(pool, 0))
            )  # fmt: skip
        return tuple(out)

    def _free(self, name: str, month: int) -> int:
        return self.hosts[name].capacity - sum(vm_demand(v) for v in self.on_host(name, month))

    def _rebalance(self, new: Host, month: int) -> None:
        """DRS-like: move VMs from the host with the least free memory to the new host while
        the move leaves the new host with more free memory than the source had."""
        if new.cluster is None:
            return
        for _ in range(len(self.vms)):
            peers = [
                h for h in self.hosts.values()
                if h.cluster == new.cluster and h is not new and not h.maintenance
            ]  # fmt: skip
            if not peers:
                return
            src = min(peers, key=lambda h: (self._free(h.name, month), h.name))
            src_free, dst_free = self._free(src.name, month), self._free(new.name, month)
            reserved = sum(v.reservation + v.overhead for v in self.on_host(new.name, month))
            movable = [
                v for v in self.on_host(src.name, month)
                if dst_free - vm_demand(v) > src_free and admits(new, v, reserved)
            ]  # fmt: skip
            if not movable:
                return
            vm = max(movable, key=lambda v: (vm_demand(v), v.name))
            self.put(replace(self.vms[vm.name], host=new.name))

    def _place(self, vm: VM, cluster: str | None, month: int, why: str) -> None:
        """Put ``vm`` where a cluster VM goes (choose_host()) among the hosts of ``cluster``."""
        self.drop(vm.name)
        members = self._members((cluster, None))
        demand, reserved = self._tallies(members, month)
        best = choose_host(members, vm, demand, reserved)
        if best is None:
            self.notes.append(
                Note("left-out", f"{why}: {vm.name} fits no host of its cluster and is left out")
            )
            self.born.pop(vm.name, None)
            return
        self.put(replace(vm, host=best.name))


def _balloons_all(rows: tuple[Row, ...], need: int, k: float) -> bool:
    """Whether MemSched, reclaiming ``need`` bytes from a host's ``rows``, balloons all of
    it: the proof of ha.ballooned() (a level from which each row gives up less than its
    balloonable memory by ha.BALLOON_MARGIN, or nothing, at which the rows still give up ``need``
    and the margin), for one host's own rows in one pass rather than through the curve a
    failover analysis builds once for many scenarios. False when it cannot tell. ``k``:
    1 / (1 - idle tax)."""
    start = (0.0, len(rows), ha.ROW_SAFE, False)
    level, _, first, whole = _proof_over(start, enumerate(rows), k)
    return _taken_covers(rows, need, k, level, first, whole)


def _taken_covers(
    rows: tuple[Row, ...], need: int, k: float, level: float, first: int, whole: bool
) -> bool:
    """The rest of _balloons_all() once the rows' proof levels are known: ``level`` the
    highest, ``first`` the kind of the first row that is not ha.ROW_SAFE, ``whole`` whether
    one is ha.ROW_WHOLE."""
    if level == math.inf or (whole and first != ha.ROW_SLACK):
        return False
    want, taken = need + ha.BALLOON_MARGIN, 0.0
    for row in rows:
        taken += taken_at(row, level, k)
        if taken >= want:
            return True
    return False


def _segments(
    inventory: Inventory, as_of: date, horizon: int
) -> Iterator[tuple[int, int, list[PlannedChange]]]:
    """(first month, end month exclusive, changes applied at the first month)."""
    by_month: dict[int, list[PlannedChange]] = {}
    for change in inventory.planned:
        m = month_of(as_of, change.at)
        if m <= horizon:
            by_month.setdefault(m, []).append(change)
    starts = sorted({0, *by_month})
    for i, m in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else horizon + 1
        yield m, end, by_month.get(m, [])


def _first(lo: int, hi: int, bad: Callable[[int], bool]) -> int | None:
    """First month in [lo, hi) where ``bad(month)`` holds, assuming it stays true after."""
    if lo >= hi:
        return None
    if bad(lo):
        return lo
    if not bad(hi - 1):
        return None
    while lo < hi - 1:
        mid = (lo + hi - 1) // 2
        if bad(mid):
            hi = mid + 1
        else:
            lo = mid + 1
    return lo


def _walk(
    world: _World,
    as_of: date,
    horizon: int,
    growth: float | None,
    scope: str,
    step: int | None,
    find: _Firsts | None,
    today: dict[str, MemState] | None = None,
) -> list[TimelinePoint]:
    """Walk ``world`` from month 0 to ``horizon``, a segment between planned changes at a
    time: apply the segment's changes; then month by month place the new VMs and take
    every host's point every ``step`` months (None: no timeline); then let ``find`` search
    the segment for the forecast's first months. Both read one cache of host states, so a
    month the timeline evaluated is not evaluated again by the search, and placement reads
    the loads the month's points then reuse."""
    points: list[TimelinePoint] = []
    for start, end, changes in _segments(world.inventory, as_of, horizon):
        for change in changes:
            world.apply(change, start, growth, scope)
        world.forget()  # states probed before these changes saw other VMs
        if start == 0 and not changes and today and not world.lead:
            world.states.update(((n, 0), s) for n, s in today.items() if n in world.hosts)
        hosts = sorted(world.hosts, key=lambda n: (world.hosts[n].cluster or "~", n))
        for month in range(start, end):
            world.arrive(month)  # new VMs first: the hosts' states depend on them
            if step is not None and (month % step == 0 or month == horizon):
                at = add_months(as_of, month)
                points.extend(world.point(name, month, at) for name in hosts)
        if find is not None:
            find.segment(world, start, end, bool(changes))
    return points


@dataclass
class _Firsts:
    """The forecast's search: per host the first month it balloons and swaps, per cluster
    the first month its HA analysis warns and fails, found segment by segment."""

    fail_hosts: tuple[str, ...] = ()
    ha_failures: int | None = None
    today_ha: dict[str, Severity] | None = None
    hosts: dict[str, dict[str, int]] = field(default_factory=dict)
    ha: dict[str, dict[str, int]] = field(default_factory=dict)

    def segment(self, world: _World, start: int, end: int, changed: bool) -> None:
        """Search months ``start`` to ``end`` (exclusive): between planned changes demand
        only grows, so each state, once reached, stays (bisection, exact at months)."""
        growing: set[str | None] = set()
        for name in sorted(world.hosts):
            seen = self.hosts.setdefault(name, {})

            def balloons(month: int, name: str = name) -> bool:
                """Worse than clear: free memory below the top of the soft band."""
                state = world.states.get((name, month))
                if state is not None:
                    return state.rank > MemState.CLEAR.rank
                return world.reclaims(name, month)

            def swaps(month: int, name: str = name) -> bool:
                """Worse than soft: hard or low."""
                return world.swaps(name, month)

            grows = any(
                world.vms[n].growth or world.born[n] > start for n in world.by_host.get(name, ())
            )
            last = end if grows else start + 1  # nothing grows: the state stays as it starts
            if "balloon" not in seen:
                m = _first(start, last, balloons)
                if m is not None:
                    seen["balloon"] = m
            if "swap" not in seen and "balloon" in seen:  # soft comes before hard and low
                m = _first(max(start, seen["balloon"]), last, swaps)
                if m is not None:
                    seen["swap"] = m
            if grows:
                growing.add(world.hosts[name].cluster)
        by_cluster: dict[str | None, list[Host]] = {}  # the hosts stay through a segment
        for h in world.hosts.values():
            if not h.maintenance:
                by_cluster.setdefault(h.cluster, []).append(h)
        for c in world.inventory.clusters:
            ha_seen = self.ha.setdefault(c.name, {})
            if "fail" in ha_seen:
                continue
            verdicts: dict[int, Severity | None] = {}
            if start == 0 and not changed and self.today_ha is not None:
                verdicts[0] = self.today_ha.get(c.name)
            members = by_cluster.get(c.name, [])

            def ha_verdict(month: int, c: Cluster = c, verdicts: dict[int, Severity | None]
                           = verdicts, members: list[Host] = members) -> Severity | None:  # fmt: skip
                if month not in verdicts:
                    verdicts[month] = world.ha_verdict(
                        c, month, self.fail_hosts, self.ha_failures, members
                    )
                return verdicts[month]

            if ha_verdict(start) is None:
                continue  # no HA analysis for this cluster
            last = end if c.name in growing else start + 1
            for key, rank in (("warn", Severity.WARN.rank), ("fail", Severity.FAIL.rank)):
                if key in ha_seen:
                    continue

                def bad(month: int, rank: int = rank) -> bool:
                    v = ha_verdict(month)
                    return v is not None and v.rank >= rank

                m = _first(max(start, ha_seen.get("warn", start)), last, bad)
                if m is not None:
                    ha_seen[key] = m

    def outlook(
        self, world: _World, as_of: date, horizon: int, fail_within_days: int | None
    ) -> Forecast:
        """The forecast of every host and cluster, from the months found."""
        inventory = world.inventory
        pools = world.arrivals_by_pool(horizon)
        ran = _ran(world, pools)
        by_pool = {(a.cluster, a.host): a.counts for a in pools}

        def arrived(pool: tuple[str | None, str | None], month: int | None) -> int:
            counts = by_pool.get(pool)
            return counts[month] if counts is not None and month is not None else 0

        all_hosts = {h.name: h for h in inventory.hosts}
        all_hosts.update({c.host.name: c.host for c in inventory.planned if c.host is not None})
        hosts = []
        for name, h in sorted(
            all_hosts.items(), key=lambda kv: (kv[1].cluster is None, kv[1].cluster or "", kv[0])
        ):
            seen = self.hosts.get(name, {})
            pool = (h.cluster, None) if h.cluster is not None else (None, name)
            hosts.append(
                HostForecast(
                    name,
                    h.cluster,
                    add_months(as_of, seen["balloon"]) if "balloon" in seen else None,
                    add_months(as_of, seen["swap"]) if "swap" in seen else None,
                    h.location,
                    arrived(pool, seen.get("balloon")),
                    arrived(pool, seen.get("swap")),
                )
            )
        clusters = []
        for c in sorted(inventory.clusters, key=lambda c: c.name):
            members = [
                self.hosts.get(h.name, {}) for h in all_hosts.values() if h.cluster == c.name
            ]
            balloon = min((s["balloon"] for s in members if "balloon" in s), default=None)
            swap = min((s["swap"] for s in members if "swap" in s), default=None)
            ha_seen = self.ha.get(c.name, {})
            warn, fail = ha_seen.get("warn"), ha_seen.get("fail")
            clusters.append(
                ClusterForecast(
                    c.name,
                    add_months(as_of, balloon) if balloon is not None else None,
                    add_months(as_of, swap) if swap is not None else None,
                    c.location,
                    arrived((c.name, None), balloon),
                    arrived((c.name, None), swap),
                    add_months(as_of, warn) if warn is not None else None,
                    add_months(as_of, fail) if fail is not None else None,
                    arrived((c.name, None), warn),
                    arrived((c.name, None), fail),
                )
            )
        window = as_of + timedelta(days=fail_within_days) if fail_within_days is not None else None
        in_vm, full = _kinds(world, ran)
        return Forecast(
            as_of, horizon, add_months(as_of, horizon), window, tuple(hosts), tuple(clusters),
            tuple(world.notes), ran, pools, in_vm=in_vm, in_vm_full=full,
        )  # fmt: skip


def forecast(
    inventory: Inventory,
    host_of: dict[str, str | None],
    as_of: date,
    horizon: int,
    growth: float | None = None,
    fail_within_days: int | None = None,
    today: dict[str, MemState] | None = None,
    scope: str = "demand",
    fail_hosts: tuple[str, ...] = (),
    ha_failures: int | None = None,
    today_ha: dict[str, Severity] | None = None,
) -> Forecast:
    """balloon_at and swap_at of every host and cluster within ``horizon`` months, and for
    each cluster HA analyses (docs/ha.md), the months its worst failure first warns and
    fails (``fail_hosts`` and ``ha_failures`` as on the command line).

    ``today``, the state of each host as just evaluated, stands for month 0 when no
    planned change applies then: it is the same evaluation, and need not be made twice;
    ``today_ha``, each cluster's HA verdict, the same way.
    ``scope`` is "demand" (demand growth brings new VMs) or "vm" (growth inside VMs only).
    """
    return forecast_and_timeline(
        inventory, host_of, as_of, horizon, growth, fail_within_days, today, scope,
        fail_hosts, ha_failures, today_ha, None,
    )[0]  # fmt: skip


def forecast_and_timeline(
    inventory: Inventory,
    host_of: dict[str, str | None],
    as_of: date,
    horizon: int,
    growth: float | None = None,
    fail_within_days: int | None = None,
    today: dict[str, MemState] | None = None,
    scope: str = "demand",
    fail_hosts: tuple[str, ...] = (),
    ha_failures: int | None = None,
    today_ha: dict[str, Severity] | None = None,
    step: int | None = 1,
) -> tuple[Forecast, tuple[TimelinePoint, ...]]:
    """forecast() and, every ``step`` months (None: none), timeline()'s points in one pass,
    as project() gives them (``check --format html`` charts the timeline)."""
    world = _World.start(inventory, host_of, growth, scope, as_of)
    find = _Firsts(fail_hosts, ha_failures, None if world.lead else today_ha)
    points = _walk(world, as_of, horizon, growth, scope, step, find, today)
    return find.outlook(world, as_of, horizon, fail_within_days), tuple(points)


def _kinds(world: _World, ran: str) -> tuple[int, tuple[int, int, int]]:
    """Forecast.in_vm (VMs growing inside themselves only while demand growth runs) and,
    when only in-VM growth runs, Forecast.in_vm_full (growing VMs that already hold their
    whole size, growing VMs, and hosts whose observed usage does: stand-ins)."""
    inside = [v for v in world.vms.values() if v.growth and not v.demand_growth]
    if ran == "demand":
        return len(inside), (0, 0, 0)
    if ran != "vm":
        return 0, (0, 0, 0)
    vms = [v for v in inside if not is_standin(v)]
    full = [v for v in vms if min(v.consumed, v.entitled_memory) >= v.entitled_memory]
    standins = sum(1 for v in inside if is_standin(v))
    return 0, (len(full), len(vms), standins)


def _ran(world: _World, pools: tuple[Arrivals, ...]) -> str:
    """Which growth ran: "demand", "vm" or "none" (Forecast.growth_scope)."""
    return (
        "demand" if pools or any(v.demand_growth for v in world.vms.values())
        else "vm" if any(v.growth for v in world.vms.values())
        else "none"
    )  # fmt: skip


def timeline(
    inventory: Inventory,
    host_of: dict[str, str | None],
    as_of: date,
    horizon: int,
    step: int = 1,
    growth: float | None = None,
    scope: str = "demand",
) -> tuple[tuple[TimelinePoint, ...], tuple[Note, ...]]:
    """Every host, every ``step`` months from 0 to ``horizon``, and the projection's notes."""
    world = _World.start(inventory, host_of, growth, scope, as_of)
    points = _walk(world, as_of, horizon, growth, scope, step, None)
    return tuple(points), tuple(world.notes)


def ahead(
    inventory: Inventory,
    host_of: dict[str, str | None],
    as_of: date,
    months: int,
    growth: float | None = None,
    scope: str = "demand",
) -> tuple[Inventory, Forecast]:
    """The inventory as the forecast sees it ``months`` after ``as_of``: the planned changes
    applied, every VM grown and on the host it then runs on, the new VMs demand growth
    brought placed where they went (``memplan headroom --horizon``), and a Forecast without
    hosts or clusters that says which growth ran, what arrived and what the projection
    had to decide. The same months as timeline() and forecast() walk, no arithmetic of
    its own."""
    world = _World.start(inventory, host_of, growth, scope, as_of)
    changes = {m: cs for m, _, cs in _segments(inventory, as_of, months)}
    for month in range(months + 1):
        for change in changes.get(month, []):
            world.apply(change, month, growth, scope)
        world.arrive(month)
    running = [
        replace(grown(world.vms[n], months - world.born[n]), growth=0.0, demand_growth=False)
        for h in world.hosts for n in world.here(h, months)
    ]  # fmt: skip
    off = [
        vm if vm.host == host_of.get(vm.name) else replace(vm, host=host_of.get(vm.name))
        for vm in inventory.vms
        if not vm.powered_on and host_of.get(vm.name) in world.hosts
    ]  # fmt: skip
    then = replace(inventory, hosts=tuple(world.hosts.values()), vms=(*running, *off), planned=())
    pools = world.arrivals_by_pool(months)
    until = add_months(as_of, months)
    ran = _ran(world, pools)
    in_vm, full = _kinds(world, ran)
    return then, Forecast(
        as_of, months, until, None, (), (), tuple(world.notes), ran, pools,
        in_vm=in_vm, in_vm_full=full,
    )  # fmt: skip


def project(
    inventory: Inventory,
    host_of: dict[str, str | None],
    as_of: date,
    horizon: int,
    step: int = 1,
    growth: float | None = None,
    scope: str = "demand",
) -> tuple[tuple[TimelinePoint, ...], tuple[Note, ...], Forecast]:
    """timeline() and forecast() of the same inventory in one pass, as ``memplan project``
    shows them: the new VMs are placed once, and the forecast's search reads the states
    the timeline evaluated (every month with ``step`` 1) instead of evaluating them again.
    The same answers as the two functions called apart."""
    world = _World.start(inventory, host_of, growth, scope, as_of)
    find = _Firsts()
    points = _walk(world, as_of, horizon, growth, scope, step, find)
    return tuple(points), tuple(world.notes), find.outlook(world, as_of, horizon, None)

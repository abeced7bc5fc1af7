"""One host under load: demand, balloonable memory, reclamation and the settled state.

Pure functions, no I/O; evaluate.py and ha.py build on them. See docs/model.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from memplan import esxi
from memplan.engine import memsched
from memplan.model import (
    VM,
    Host,
    HostResult,
    MemState,
    Policy,
    Severity,
    VMResult,
    builder,
)


def vm_demand(vm: VM) -> int:
    """Host memory a powered-on VM uses: min(consumed, configured, limit) + overhead."""
    return min(vm.consumed, vm.entitled_memory) + vm.overhead


_BALLOON_NUM = esxi.BALLOON_MAX_FRACTION.numerator
_BALLOON_DEN = esxi.BALLOON_MAX_FRACTION.denominator


def figures(vm: VM, consumed: int, active: int) -> tuple[int, int, int]:
    """(held, active, balloonable) of a powered-on VM that has ``consumed`` and ``active``
    memory (its own, or as projected), in one call for the per-VM loops.

    held = min(consumed, configured, limit): what it holds in host memory (its demand is
    held + overhead); active is never above held; balloonable is the idle memory a
    balloon can take, held - max(active, reservation), at most 65% of configured
    (Mem.CtlMaxPercent) or its balloon_max when lower.
    """
    memory, limit = vm.memory, vm.limit
    held = memory if consumed > memory else consumed
    if limit is not None and limit < held:
        held = limit
    if active > held:
        active = held
    idle = held - (active if active > vm.reservation else vm.reservation)
    cap = memory * _BALLOON_NUM // _BALLOON_DEN
    if vm.balloon_max is not None and vm.balloon_max < cap:
        cap = vm.balloon_max
    return held, active, (0 if idle < 0 else idle if idle < cap else cap)


_BANDS: dict[tuple[int, int], tuple[Host, Policy, tuple[esxi.Band, ...]]] = {}
"""host_bands() by the identity of the host and policy objects (each entry holds both, so
neither id is reused while it stands)."""


def host_bands(host: Host, policy: Policy) -> tuple[esxi.Band, ...]:
    """The free-memory bands of ``host`` under ``policy``. Asked for several times per
    host evaluation (a forecast evaluates every host every month): the same objects are
    found by identity, without hashing a Host's fields and the policy's Fraction, which
    cost more than the rest of a state decided by the totals."""
    hit = _BANDS.get((id(host), id(policy)))
    if hit is not None and hit[0] is host and hit[1] is policy:
        return hit[2]
    table = _bands(host, policy)
    if len(_BANDS) >= 4096:
        _BANDS.clear()
    _BANDS[id(host), id(policy)] = (host, policy, table)
    return table


@functools.lru_cache(maxsize=4096)
def _bands(host: Host, policy: Policy) -> tuple[esxi.Band, ...]:
    """host_bands() by value."""
    table = policy.thresholds or esxi.STATE_TABLES[esxi.state_table_name(host.esxi)]
    return esxi.bands(esxi.min_free(host.managed, host.esxi), table, policy.reading)


@dataclass(frozen=True, slots=True)
class Settled:
    """Where a host's free memory settles after reclamation."""

    need: int
    """Memory to reclaim to bring free back to the top of the soft band."""
    balloon: int
    """Reclaimed by ballooning."""
    swap: int
    """Reclaimed by compression and swapping."""
    active_fits: bool
    """Active working sets + overhead fit in capacity."""
    state: MemState
    """The settled state."""


def settle(
    capacity: int,
    demand: int,
    active_plus_overhead: int,
    can_balloon: int,
    table: tuple[esxi.Band, ...],
) -> Settled:
    """The state a host settles in, and how much is ballooned and swapped.

    Above the top of the soft band the state follows from free memory alone. Below it
    ESXi must reclaim ``need`` = edge - free: if ballooning covers it the host settles in
    soft; otherwise the rest is compressed or swapped and the host settles in hard, or in
    low when free memory after ballooning is below the hard band or the active working
    sets do not fit at all.
    """
    free = capacity - demand
    edge = esxi.soft_upper_edge(table)
    fits = active_plus_overhead <= capacity
    if free >= edge:
        return Settled(0, 0, 0, fits, esxi.state_for_free(free, table))
    need = edge - free
    balloon = min(need, can_balloon)
    swap = need - balloon
    if swap == 0 and fits:
        return Settled(need, balloon, 0, fits, MemState.SOFT)
    hard_edge = esxi.lower_edge(table, MemState.HARD)
    low = not fits or (hard_edge is not None and free + balloon < hard_edge)
    return Settled(need, balloon, swap, fits, MemState.LOW if low else MemState.HARD)


Row = tuple[VM, int, int, int]
"""A powered-on VM with its held, active and balloonable memory (figures())."""


@dataclass(frozen=True, slots=True)
class Load:
    """A host's powered-on VMs reduced to what the host model adds up, so that a failover
    analysis can add the VMs it restarts on a host without going over the others again."""

    rows: tuple[Row, ...]
    """One per powered-on VM, in order."""
    vms_total: int
    """VMs on the host, powered off included."""
    demand: int
    overhead: int
    active: int
    configured: int
    reserved: int
    balloonable: int

    @classmethod
    def of(cls, rows: list[Row], vms_total: int) -> Load:
        """The sums of ``rows``."""
        demand = overhead = active = configured = reserved = can_balloon = 0
        for vm, held, act, bal in rows:
            demand += held + vm.overhead
            overhead += vm.overhead
            active += act
            configured += vm.memory
            reserved += vm.reservation
            can_balloon += bal
        return cls(
            tuple(rows), vms_total, demand, overhead, active, configured, reserved, can_balloon
        )

    def plus(self, other: Load) -> Load:
        """This load with ``other``'s VMs after its own."""
        return Load(
            self.rows + other.rows, self.vms_total + other.vms_total,
            self.demand + other.demand, self.overhead + other.overhead,
            self.active + other.active, self.configured + other.configured,
            self.reserved + other.reserved, self.balloonable + other.balloonable,
        )  # fmt: skip


def load_of(vms: list[VM]) -> Load:
    """The load of ``vms`` as they are today."""
    rows = [(vm, *figures(vm, vm.consumed, vm.active)) for vm in vms if vm.powered_on]
    return Load.of(rows, len(vms))


def reclaims(host: Host, demand: int, policy: Policy) -> bool:
    """Whether ESXi must reclaim memory on ``host`` under a load of ``demand`` bytes (its
    VMs' held memory + overheads): free memory below the top of the soft band, so its
    state is soft or worse (settle()). Needs no MemSched split, nor the load's rows."""
    return host.capacity - demand < esxi.soft_upper_edge(host_bands(host, policy))


def state_by_free(free: int, table: tuple[esxi.Band, ...]) -> MemState | None:
    """The state a host with ``free`` bytes free settles in when free memory alone decides
    it: at or above the top of the soft band it reclaims nothing (settle()). None below
    that (soft or worse, which takes the totals or the MemSched split: state_of()).
    ``table``: the host's bands (host_bands())."""
    return esxi.state_for_free(free, table) if free >= esxi.soft_upper_edge(table) else None


def state_of(
    host: Host,
    load: Load,
    policy: Policy,
    covers: Callable[[tuple[Row, ...], int], bool] | None = None,
    levels: dict[str, float] | None = None,
) -> MemState:
    """The state evaluate_load() settles ``host`` in under ``load``, without the MemSched
    split where the totals decide it (a forecast needs the state of every host in every
    month). MemSched balloons at most the need and at most what the VMs' balloons can
    take (memsched.ballooned()), so settle() gives: free memory at or above the top of the
    soft band, the band's state; active memory + overhead beyond capacity, low; a need
    beyond every balloon, hard when free memory is in or above the hard band, low when
    even every balloon leaves it below. ``covers(rows, need)``, when given, is a proof
    that MemSched balloons all of ``need`` (soft: the active memory fits by then).
    Otherwise hard_or_low() settles it where bounds on what MemSched balloons prove hard
    or low (most hosts that reach it: only the ballooned total tells the two apart), and
    the split decides the rest. ``levels``, when given, keeps the MemSched level
    hard_or_low() reached for each host name, where it starts next time (a forecast
    evaluates each host month after month); a host found there is asked hard_or_low()
    before the proof that ballooning covers the need (it was not soft last time: most
    hosts that reach hard or low stay there as demand grows)."""
    table = host_bands(host, policy)
    free = host.capacity - load.demand
    unreclaimed = state_by_free(free, table)
    if unreclaimed is not None:
        return unreclaimed
    need = esxi.soft_upper_edge(table) - free
    if load.active + load.overhead > host.capacity:
        return MemState.LOW
    hard = esxi.lower_edge(table, MemState.HARD)
    start = levels.get(host.name) if levels is not None else None
    if load.balloonable < need:  # some of the need is compressed or swapped
        if hard is None or free >= hard:
            return MemState.HARD
        if free + load.balloonable < hard:
            return MemState.LOW
    elif start is None and covers is not None and covers(load.rows, need):
        return MemState.SOFT  # (a host hard_or_low() saw last time is tried there first)
    short = None if hard is None else hard - free
    settled, level = hard_or_low(load.rows, need, short, idle_k(policy), start or 0.0)
    if levels is not None:
        levels[host.name] = level
    if settled is not None:
        return settled
    if (
        start is not None and levels is not None and covers is not None
        and load.balloonable >= need and covers(load.rows, need)
    ):  # fmt: skip
        del levels[host.name]  # soft after all: the proof first next time
        return MemState.SOFT
    return _evaluate(host, load, policy, False)[0].state


def _top(rows: tuple[Row, ...], k: float) -> float:
    """The lowest MemSched level at which every VM with shares keeps all it holds."""
    top = 0.0
    for vm, held, active, _ in rows:
        if vm.shares > 0:
            top = max(top, (held if held <= active else active + k * (held - active)) / vm.shares)
    return top


_IDLE_K: list[tuple[Policy, float]] = []


def idle_k(policy: Policy) -> float:
    """1 / (1 - the policy's idle tax), the ``k`` of MemSched's level (memsched._level()),
    kept for the last policy asked (a Fraction's float costs more than a state decided by
    the totals)."""
    if _IDLE_K and _IDLE_K[0][0] is policy:
        return _IDLE_K[0][1]
    k = 1 / (1 - float(policy.idle_tax))
    _IDLE_K[:] = [(policy, k)]
    return k


def hard_or_low(
    rows: tuple[Row, ...], need: int, short: int | None, k: float, start: float = 0.0,
    probes: int = 4,
) -> tuple[MemState | None, float]:  # fmt: skip
    """The state a host whose active memory fits settles in when MemSched, reclaiming
    ``need`` (> 0) from ``rows``, provably balloons less than the need (settle(): hard, or
    low when what it balloons is below ``short``, the hard band's lower edge less free
    memory; None: no hard band). None when it cannot tell (the host may settle in soft, or
    lie too near the edge): a proof, never a guess. ``k`` is 1 / (1 - idle tax). Also
    the best estimate of MemSched's level it reached, which a later call for a load much
    like this one may give as ``start``, the first level to try.

    MemSched takes ``total`` = min(need, all the room above the floors), each VM's part
    falling as its level x rises (memsched._level(): kept = clamp(pages(S*x), floor,
    held)), and balloons of each part what its balloon holds. At any level where the VMs
    give ``total`` or more, each gives at least its part, so what they would balloon
    there bounds what MemSched balloons from above, and ``total`` less what they give
    beyond their balloons bounds it from below; at a level where they give ``total`` or
    less, the other way round. Level 0 (every VM gives all its room), ``start`` or else the
    level at which swap_proven() looks, then Newton's steps along what the VMs give (exact
    where no VM bends between) give bounds that close on MemSched's level in one or two
    passes over the rows. The answer stands only when the bounds clear the edges it
    decides by SWAP_MARGIN plus two bytes a VM: MemSched's floats and its rounding to
    whole bytes move each VM's part by a byte or so, and one VM may take all the rounding
    bytes."""
    margin = SWAP_MARGIN + 2 * len(rows)
    inv_k = 1 / k
    room_sum = low = over = 0
    z, top = -1.0, 0.0
    x = start
    given = balloon = beyond = slope = 0.0  # at level x, with the pass over the rows
    part: float  # what a VM gives at level x
    for vm, held, active, balloonable in rows:
        floor = vm.reservation if vm.reservation < held else held
        room = held - floor
        room_sum += room
        if room > balloonable:
            low += balloonable
            over += room - balloonable
        else:
            low += room
        shares: float = vm.shares
        if shares > 0 and x <= 0:  # the levels at which it keeps all it holds, and
            # swap_proven()'s: where to look first when not told (top: see below)
            at = (held if held <= active else active + k * (held - active)) / shares
            if at > top:
                top = at
            if room > balloonable + SWAP_MARGIN:
                keep = held - balloonable - SWAP_MARGIN
                at = (keep if keep <= active else active + k * (keep - active)) / shares
                if at > z:
                    z = at
        if x > 0:  # the probe below, in the same pass
            pages = shares * x
            if pages > active:
                pages = active + (pages - active) * inv_k
                shares *= inv_k
            if pages <= floor:
                part = held - floor
            elif pages < held:
                part = held - pages
                slope += shares
            else:
                continue  # keeps all it holds: gives nothing
            given += part
            if part > balloonable:
                balloon += balloonable
                beyond += part - balloonable
            else:
                balloon += part
    total = need if need < room_sum else room_sum
    most, least = float(low), float(total - over)  # bounds on what it balloons, at level 0
    lo, hi = 0.0, -1.0  # levels that give ``total`` or more, and ``total`` or less (once found)
    for probe in range(probes + 1):
        if x > 0:  # bounds from the pass at level x, and Newton's step from there
            f = given - total
            if f <= 0:  # at or above MemSched's level: each gives at most its part
                least, most = max(least, balloon), min(most, total - beyond)
                hi = x
            else:
                least, most = max(least, total - beyond), min(most, balloon)
                lo = x
            # along what the VMs give at x (exact where none bends on the way), kept
            # inside the bracket: halfway where it would leave it
            x = x + f / slope if slope > 0 else -1.0
            if hi >= 0 and not lo < x < hi:
                x = (lo + hi) / 2
            elif hi < 0 and not lo < x:
                if top <= 0:  # not worked out in the first pass (a start was given)
                    top = _top(rows, k)
                x = top if top > lo else -1.0
        else:
            x = z if z > 0 else top  # the first level: swap_proven()'s, or the top
        if most + margin >= need:  # it may balloon all of the need (soft)
            if least + margin >= need:
                return None, x
        elif short is None or least >= short + margin:
            return MemState.HARD, x
        elif most + margin < short:
            return MemState.LOW, x
        if probe == probes or most == least or not lo < x:
            return None, x  # no probe left, the bounds are exact, or no level to try
        given = balloon = beyond = slope = 0.0
        for vm, held, active, balloonable in rows:
            shares = vm.shares
            pages = shares * x
            if pages > active:
                pages = active + (pages - active) * inv_k
                shares *= inv_k
            floor = vm.reservation if vm.reservation < held else held
            if pages <= floor:
                part = held - floor
            elif pages < held:
                part = held - pages
                slope += shares
            else:
                continue  # keeps all it holds: gives nothing
            given += part
            if part > balloonable:
                balloon += balloonable
                beyond += part - balloonable
            else:
                balloon += part
    return None, x  # pragma: no cover  (the loop returns at its last probe)


def swaps(
    host: Host,
    load: Load,
    policy: Policy,
    covers: Callable[[tuple[Row, ...], int], bool] | None = None,
) -> bool:
    """Whether ``host`` settles worse than soft under ``load`` (hard or low: some of the need
    compressed or swapped): ``state_of(...).rank > MemState.SOFT.rank``, for a search that
    asks no more (the forecast's first swapping month). Besides state_of()'s shortcuts,
    where ballooning provably falls short of the need (swap_proven()) no MemSched split
    runs: hard and low, which only the split's ballooned total tells apart, both swap."""
    table = host_bands(host, policy)
    free = host.capacity - load.demand
    unreclaimed = state_by_free(free, table)
    if unreclaimed is not None:
        return unreclaimed.rank > MemState.SOFT.rank
    need = esxi.soft_upper_edge(table) - free
    if load.active + load.overhead > host.capacity or load.balloonable < need:
        return True  # low, or a need beyond every balloon: hard or low
    if covers is not None and covers(load.rows, need):
        return False  # soft: ballooning covers the need and the active memory fits
    if swap_proven(load.rows, need, 1 / (1 - float(policy.idle_tax))):
        return True
    return _evaluate(host, load, policy, False)[0].state.rank > MemState.SOFT.rank


SWAP_MARGIN = 1 << 20
"""Bytes of slack in swap_proven()'s proof: far more than the few bytes by which MemSched's
floats and its rounding to whole bytes (memsched._round) can move a VM's part."""


def swap_proven(rows: tuple[Row, ...], need: int, k: float) -> bool:
    """Whether MemSched, reclaiming ``need`` (> 0) from ``rows``, takes more than its
    balloonable memory from some VM, so that part of the need is compressed or swapped.
    A proof, never a guess (False when it cannot tell); ``k`` is 1 / (1 - idle tax).

    What MemSched takes from a VM falls as its level x rises (memsched._level(): kept =
    clamp(pages(S*x), floor, held)). A VM whose room above its floor exceeds its
    balloonable memory by SWAP_MARGIN gives at least balloonable + SWAP_MARGIN up to the
    level z at which it keeps held - balloonable - SWAP_MARGIN (a VM without shares gives
    all its room at every level). At Z, the largest such z, if all the VMs together give
    less than what MemSched must take (``need``, or all the room there is) by
    SWAP_MARGIN, MemSched's level lies below Z: there the VM of Z gives more than its
    balloonable memory by SWAP_MARGIN, which rounding to whole bytes does not undo.
    (Where VMs without shares alone have more room than MemSched takes, they give more
    than that at Z already: no proof.)"""
    level, room_sum = -1.0, 0
    for vm, held, active, balloonable in rows:
        floor = vm.reservation if vm.reservation < held else held
        room = held - floor
        room_sum += room
        if room <= balloonable + SWAP_MARGIN or vm.shares <= 0:
            continue  # never gives more than SWAP_MARGIN beyond its balloon; or, without
            # shares, all its room at every level (counted below, never a level of its own)
        keep = held - balloonable - SWAP_MARGIN  # above its floor
        at = (keep if keep <= active else active + k * (keep - active)) / vm.shares
        if at > level:
            level = at
    if level < 0:
        return False
    taken = 0.0  # what each gives at Z, added in order (not sum(): 3.12 compensates)
    for row in rows:
        taken += taken_at(row, level, k)
    return taken + SWAP_MARGIN < min(need, room_sum)


def taken_at(row: Row, x: float, k: float) -> float:
    """What MemSched takes from the row at level ``x``: held - kept, kept as in
    memsched._level()."""
    vm, held, active, _ = row
    floor = min(vm.reservation, held)
    pages = vm.shares * x
    if pages > active:
        pages = active + (pages - active) / k
    return held - (floor if pages < floor else held if pages > held else pages)


def evaluate_load(
    host: Host, load: Load, policy: Policy, ballooned: int | None = None
) -> HostResult:
    """The host's result under ``load`` (verdict still ok); see evaluate_host().
    ``ballooned``: what MemSched balloons of the host's need, when a proof has it already
    (ha.ballooned(): all of it); the split does not run then."""
    return _evaluate(host, load, policy, False, ballooned)[0]


def evaluate_host(
    host: Host, vms: list[VM], policy: Policy, per_vm: bool = True, load: Load | None = None
) -> tuple[HostResult, list[VMResult]]:
    """Evaluate one host and what each VM on it loses to reclamation (verdicts still ok).

    The reclamation need is split across the powered-on VMs by MemSched (memsched.py);
    each VM's part is ballooned as far as its balloon allows, the rest compressed or
    swapped; the host's state follows from the totals (settle()). With ``per_vm`` False
    only the host's result is built (forecasts and failover scenarios need no more).
    ``load`` is ``load_of(vms)`` when the caller has it already.
    """
    load = load_of(vms) if load is None else load
    result, shares = _evaluate(host, load, policy, per_vm)
    if not per_vm:
        return result, []
    rows = load.rows
    # Each VMResult is built without the Python frame of its __init__, whose ten frozen
    # object.__setattr__ calls cost as much as the host's MemSched split (one per VM of the
    # inventory; model.builder(), and tests/test_engine.py holds them equal to VMResult(...)).
    build, ok, name = _VM_RESULT, Severity.OK, host.name
    vm_results: list[VMResult] = []
    add = vm_results.append
    if not shares:  # nothing reclaimed from any VM
        on = iter(rows)
        for vm in vms:
            if vm.powered_on:  # rows follow the powered-on VMs, in order
                held = next(on)[1]
                add(build(vm, name, False, held + vm.overhead, 0, 0, 0, 0, held, ok))
            else:
                add(build(vm, name, False, 0, 0, 0, 0, 0, 0, ok))
        return result, vm_results
    split = iter(zip(rows, shares, strict=True))
    for vm in vms:  # rows and shares follow the powered-on VMs, in order
        if not vm.powered_on:
            add(build(vm, name, False, 0, 0, 0, 0, 0, 0, ok))
        else:
            (_, held, _, _), (_, _, balloon, compressed, swapped, hit, kept) = next(split)
            add(build(vm, name, False, held + vm.overhead, balloon, compressed, swapped, hit,
                      kept, ok))  # fmt: skip
    return result, vm_results


_VM_RESULT = builder(VMResult)
"""VMResult(vm, host, placed, demand, balloon, compressed, swapped, active_hit,
entitlement, verdict), without its __init__."""


def _evaluate(
    host: Host, load: Load, policy: Policy, per_vm: bool, ballooned: int | None = None
) -> tuple[HostResult, list[memsched.Share]]:
    """The host's result, and each powered-on VM's share when ``per_vm`` and contended
    (``ballooned``: see evaluate_load())."""
    table = host_bands(host, policy)
    capacity, demand, rows = host.capacity, load.demand, load.rows
    need = max(0, esxi.soft_upper_edge(table) - (capacity - demand))
    if need and ballooned is not None and not per_vm:
        shares, balloon = [], ballooned
    elif need:  # contended: MemSched decides who gives what
        new, claim = tuple.__new__, memsched.Claim  # without the frame of Claim's __new__
        claims = [
            new(claim, (vm.name, vm.shares, held, act,
                        vm.reservation if vm.reservation < held else held, bal, vm.memory))
            for vm, held, act, bal in rows
        ]  # fmt: skip
        if per_vm:
            shares = memsched.split(need, claims, policy.idle_tax)
            balloon = sum(sh.balloon for sh in shares)
        else:
            shares, balloon = [], memsched.ballooned(need, claims, policy.idle_tax)
    else:  # nothing to reclaim: no split to compute
        shares, balloon = [], 0
    s = settle(capacity, demand, load.active + load.overhead, balloon, table)
    result = HostResult(
        host=host,
        vms_on=len(rows),
        vms_total=load.vms_total,
        configured=load.configured,
        overhead=load.overhead,
        reserved=load.reserved,
        active=load.active,
        demand=demand,
        capacity=capacity,
        min_free=esxi.min_free(host.managed, host.esxi),
        free=capacity - demand,
        bands=tuple((b.state, b.lower_bytes) for b in table),
        balloonable=load.balloonable,
        need=s.need,
        balloon=s.balloon,
        swap=s.swap,
        active_fits=s.active_fits,
        state=s.state,
        overcommit_ratio=load.configured / capacity,
        verdict=Severity.OK,
    )
    return result, shares


def admits(host: Host, vm: VM, reserved: int) -> bool:
    """Admission: the VM fits the host and its reservation + overhead is unreserved there."""
    return vm.memory <= host.memory and reserved + vm.reservation + vm.overhead <= host.capacity


def choose_host(
    hosts: Iterable[Host], vm: VM, demand: Mapping[str, int], reserved: Mapping[str, int]
) -> Host | None:
    """Where a new VM goes, as memplan models DRS initial placement: of ``hosts`` that admit
    it (``reserved`` is each host's reservations + overheads), the one with the most free
    memory, capacity - ``demand`` (ties: the name). None when none admits it.

    Cluster VMs without a host, planned VMs and the VMs demand growth brings all go
    through here, so a change of placement applies to each of them."""
    best: Host | None = None
    best_key: tuple[int, str] | None = None
    for h in hosts:
        if admits(h, vm, reserved.get(h.name, 0)):
            key = (demand.get(h.name, 0) - h.capacity, h.name)  # the least negative free first
            if best_key is None or key < best_key:
                best, best_key = h, key
    return best

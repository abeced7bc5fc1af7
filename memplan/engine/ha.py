"""vSphere HA: admission-control math and failover simulation, per cluster. Pure functions.

The simulation fails hosts (given, or the combination that hurts most: every combination
when that is cheap, else the largest hosts), restarts their powered-on VMs on the
survivors largest first, each on the survivor with the most unreserved memory that
admits it (reservation + overhead), then evaluates the survivors with the same host
model as today. Mixed host sizes are handled host by host: no "average host".
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from itertools import combinations
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from memplan import esxi
from memplan.engine.hostmodel import (
    Load,
    Row,
    admits,
    evaluate_load,
    figures,
    host_bands,
    load_of,
    settle,
    taken_at,
)
from memplan.engine.observed import UNLISTED, in_count, is_standin, pieces
from memplan.model import (
    VM,
    Cluster,
    HAResult,
    Host,
    HostResult,
    MemState,
    Policy,
    Severity,
)

if TYPE_CHECKING:
    from memplan.model.occasional import PercentMath, SlotMath

MAX_COMBINATIONS = 500
"""Above this many failure combinations, fail the largest hosts instead of trying all."""


def slot_math(hosts: list[Host], vms: list[VM]) -> SlotMath:
    """Slot size, slots per host and current failover capacity in hosts (memory only).

    Slot = largest reservation + overhead of a powered-on VM. The failover capacity is how
    many hosts, largest (most slots) first, can fail while the rest still hold one slot per
    powered-on VM (vSphere Availability guide).
    """
    from memplan.model.occasional import SlotMath  # only the slot policy needs it

    on = [vm for vm in vms if vm.powered_on]
    slot = max((vm.reservation + vm.overhead for vm in on), default=0)
    per_host = tuple(
        (h.name, h.capacity // slot if slot else len(on))
        for h in sorted(hosts, key=lambda h: h.name)
    )
    counts = sorted((n for _, n in per_host), reverse=True)
    capacity = 0
    for k in range(1, len(counts)):
        if sum(counts[k:]) >= len(on):
            capacity = k
        else:
            break
    return SlotMath(slot, per_host, len(on), capacity)


def percent_math(hosts: list[Host], vms: list[VM], required: float) -> PercentMath:
    """Percentage policy: failover capacity = (capacity - reservations) / capacity."""
    from memplan.model.occasional import PercentMath  # only the percentage policy needs it

    capacity = sum(h.capacity for h in hosts)
    reserved = sum(vm.reservation + vm.overhead for vm in vms if vm.powered_on)
    failover = (capacity - reserved) / capacity if capacity else 0.0
    return PercentMath(capacity, reserved, failover, required)


class Move(NamedTuple):
    """A row that restarts, ready to place and to add to a survivor."""

    order: tuple[int, str]
    """Largest first, then the name."""
    need: int
    """What admission needs: reservation + overhead."""
    memory: int
    """Configured memory."""
    demand: int
    """The demand it adds: held + overhead."""
    balloonable: int
    busy: int
    """Active + overhead."""
    row: Row


_DEMAND, _BALLOONABLE, _BUSY = itemgetter(3), itemgetter(4), itemgetter(5)


def _moves(host: Host, rows: Iterable[Row]) -> list[Move]:
    """What restarts when ``host`` fails (_restarting()), in the order it is placed."""
    new = tuple.__new__  # a named tuple's own constructor costs a Python call per row
    out = [
        new(Move, (
            (-vm.memory, vm.name), vm.reservation + vm.overhead, vm.memory,
            held + vm.overhead, balloonable, active + vm.overhead, (vm, held, active, balloonable),
        ))
        for vm, held, active, balloonable in _restarting(host, rows)
    ]  # fmt: skip
    out.sort(key=itemgetter(0))  # stable: as the rows come on a tie
    return out


def _place(
    moving: list[Move],
    survivors: list[Host],
    unreserved_today: dict[str, int],
    free_today: dict[str, int],
    by_demand: bool,
    spare: frozenset[str] = frozenset(),
) -> tuple[list[str], dict[str, list[Move]]]:
    """Where the failed hosts' powered-on VMs (``moving``, in order: _moves()) restart:
    the VMs no survivor admits, and the moves each survivor takes, in order.
    ``unreserved_today`` and ``free_today``: each host's capacity less its reservations +
    overheads, and less its demand, before the failure.

    Largest VM first, each on a survivor that admits it (its reservation + overhead fits the
    unreserved memory: what HA checks, with or without admission control). Which one:
    ``by_demand`` (DRS places and balances) the one with the most free memory, capacity -
    demand, counting the VMs already restarted there; otherwise (HA alone spreads restarts
    evenly) the one that has taken the fewest so far, then the most unreserved memory.
    Every placement updates the survivor's demand, unreserved memory and count. Dedicated
    failover hosts (``spare``) come first while they admit the VM: HA restarts there first
    and on the other hosts only when it cannot (API, ClusterFailoverHostAdmissionControlPolicy).
    """
    unreserved = {h.name: unreserved_today[h.name] for h in survivors}
    unrestartable: list[str] = []
    extra: dict[str, list[Move]] = {h.name: [] for h in survivors}
    by_name = {h.name: h for h in survivors}
    memory = {h.name: h.memory for h in survivors}
    # Survivors in order of preference, best last: a sorted list keeps the pick at the top
    # (usually the first try admits the VM) and the update one bisect away.
    # (failover host, then DRS: free memory, 0 / HA: -restarts taken, unreserved; name).
    ranked: list[tuple[bool, int, int, str]] = sorted(
        (h.name in spare, free_today[h.name], 0, h.name) if by_demand
        else (h.name in spare, 0, unreserved[h.name], h.name)
        for h in survivors
    )  # fmt: skip
    most = max(unreserved.values(), default=0)  # an upper bound: unreserved only falls
    insort, pop = bisect.insort, ranked.pop  # the loop runs for every VM of every scenario
    for move in moving:
        need = move[1]
        top = ranked[-1] if ranked else None
        if top is not None and need <= unreserved[top[3]] and move[2] <= memory[top[3]]:
            pref, first, _, name = pop()  # the best survivor admits it: the usual case
        else:
            i = None if need > most else _pick(ranked, move.row[0], by_name, unreserved)
            if i is None:
                unrestartable.append(move.row[0].name)
                continue
            pref, first, _, name = pop(i)
        left = unreserved[name] = unreserved[name] - need
        if by_demand:  # its demand, held + overhead, comes off the free memory
            insort(ranked, (pref, first - move[3], 0, name))
        else:  # one more restart there: less preferred
            insort(ranked, (pref, first - 1, left, name))
        extra[name].append(move)
    return sorted(unrestartable), {name: ms for name, ms in extra.items() if ms}


def _restarting(host: Host, rows: Iterable[Row]) -> list[Row]:
    """The rows of what restarts: each VM, but a stand-in for unlisted VMs as the pieces it
    stands for (observed.pieces()), so that its memory spreads over the survivors as the
    VMs it stands for would: as many as the host's observed running VMs (vHost ``# VMs``)
    less those the inventory lists (demand growth's new VMs are not among them), when the
    observation counts them."""
    rows = list(rows)
    if host.observed is None and not any(UNLISTED in row[0].tags for row in rows):
        return rows  # no stand-in: every row as it is
    count = None
    if host.observed is not None and host.observed.vms is not None:
        count = host.observed.vms - sum(in_count(r[0]) for r in rows)
    out: list[Row] = []
    for row in rows:
        if not is_standin(row[0]):
            out.append(row)
            continue
        out += [(p, *figures(p, p.consumed, p.active)) for p in pieces(row[0], count)]
    return out


def _pick(
    ranked: list[tuple[bool, int, int, str]],
    vm: VM,
    by_name: dict[str, Host],
    unreserved: dict[str, int],
) -> int | None:
    """The index in ``ranked`` (survivors, best last) of the best one that admits ``vm``."""
    for i in range(len(ranked) - 1, -1, -1):
        name = ranked[i][3]
        host = by_name[name]
        if admits(host, vm, host.capacity - unreserved[name]):
            return i
    return None


# The proof that ballooning covers a host's need (no MemSched split needed). Public because
# headroom (engine/headroom.py) and the forecast (engine/projection.py) use the same proof:
# BALLOON_MARGIN, ROW_SAFE/ROW_SLACK/ROW_WHOLE, proof_level(), taken_at() (hostmodel's),
# ReclaimCurve, Move and ballooned().

BALLOON_MARGIN = 1 << 20
"""Bytes of slack in ballooned()'s proof: far more than the few bytes by which MemSched's
floats and its rounding to whole bytes (memsched._round) can move a VM's part."""


ROW_SAFE, ROW_SLACK, ROW_WHOLE = 0, 1, 2
"""Rows by what ballooned() must prove of them: nothing (all MemSched can take from it is
balloonable), that it gives up BALLOON_MARGIN less than its balloonable memory, or that it gives
up nothing (its balloonable memory is below BALLOON_MARGIN: little or no idle memory)."""


def proof_level(vm: VM, held: int, active: int, balloonable: int, k: float) -> tuple[float, int]:
    """The row's kind, and the lowest MemSched level (the x of memsched._level(), with
    ``k`` = 1 / (1 - idle tax)) from which what MemSched takes from it is proven to be
    balloonable: 0 for a safe row, inf when no level proves it (no shares)."""
    floor = min(vm.reservation, held)
    if balloonable >= held - floor:
        return 0.0, ROW_SAFE
    if vm.shares <= 0:  # always reclaimed down to its floor
        return math.inf, ROW_WHOLE
    if balloonable < BALLOON_MARGIN:  # above this level it keeps all it holds, exactly (a float
        # strictly above held is clamped to held)
        return (active + k * (held - active)) / vm.shares * (1 + 1e-9), ROW_WHOLE
    keep = held - balloonable + BALLOON_MARGIN
    return (keep if keep <= active else active + k * (keep - active)) / vm.shares, ROW_SLACK


class ReclaimCurve:
    """What MemSched takes from a host's own rows at any level x (the sum of taken_at()), as
    the piecewise linear function it is, built once: each scenario then reads it in
    O(log n). ``level``: the largest proof_level() of the rows; ``first``: the kind of the
    first row that is not ROW_SAFE (ROW_SAFE when none is); ``whole``: whether one is ROW_WHOLE."""

    __slots__ = ("at", "base", "first", "level", "slope", "start", "whole")

    def __init__(self, rows: Iterable[Row], k: float) -> None:
        start, level, first, whole = 0.0, 0.0, ROW_SAFE, False
        events: list[tuple[float, float, float]] = []  # where, change of base, of slope
        for vm, held, active, balloonable in rows:
            at, kind = proof_level(vm, held, active, balloonable, k)
            level = max(level, at)
            first = first or kind
            whole = whole or kind == ROW_WHOLE
            floor = min(vm.reservation, held)
            room, s = held - floor, vm.shares
            start += room  # below every edge, everything above the floor is taken
            if room <= 0 or s <= 0:
                continue
            idle = held - active + active / k  # taken = idle - x * s / k above the active edge
            if floor < active:  # taken = held - x * s, then idle - x * s / k
                events.append((floor / s, floor, -s))
                events.append((active / s, active / k - active, s - s / k))
            else:
                events.append(((active + k * (floor - active)) / s, idle - room, -s / k))
            events.append(((active + k * (held - active)) / s, -idle, s / k))
        events.sort()
        self.at: list[float] = []
        self.base: list[float] = []
        self.slope: list[float] = []
        base, slope = start, 0.0
        for x, d_base, d_slope in events:
            base += d_base
            slope += d_slope
            self.at.append(x)
            self.base.append(base)
            self.slope.append(slope)
        self.start, self.level, self.first, self.whole = start, level, first, whole

    def taken(self, x: float) -> float:
        j = bisect.bisect_right(self.at, x) - 1
        return self.start if j < 0 else self.base[j] + self.slope[j] * x


def ballooned(
    curve: ReclaimCurve,
    extra: list[Move],
    need: int,
    k: float,
    levels: dict[int, tuple[float, int]],
) -> bool:
    """Whether MemSched, reclaiming ``need`` from a survivor's own rows (``curve``) and the
    rows restarted there (``extra``, after them), balloons all of it: then the survivor
    settles as hostmodel.settle() says with ``need`` ballooned, without the MemSched split.

    A proof, never a guess (False when it cannot tell). At the level X from which every
    row gives up less than its balloonable memory by BALLOON_MARGIN (proof_level()), or nothing
    at all, the rows still give up ``need`` + BALLOON_MARGIN. What they give falls as the level
    rises, so MemSched's level for ``need`` lies above X, and its parts add up to
    ``need``, each within its balloonable memory. Rounding the parts to whole bytes
    (memsched._round) moves at most a byte a row (far below BALLOON_MARGIN), and hands it to a
    row that gives up a fraction of a byte first, then by position: a row that must give
    up nothing stays so when a ROW_SLACK row, which has BALLOON_MARGIN of room, comes before it.
    ``levels``: proof_level() of the restarted rows by id() of their move, filled here as
    they come (a move lives as long as the analysis)."""
    level, first, whole = curve.level, curve.first, curve.whole
    for m in extra:
        known = levels.get(id(m))
        if known is None:
            vm, held, active, balloonable = m.row
            known = levels[id(m)] = proof_level(vm, held, active, balloonable, k)
        at, kind = known
        if at > level:
            level = at
        if kind:
            first = first or kind
            whole = whole or kind == ROW_WHOLE
    if level == math.inf or (whole and first != ROW_SLACK):
        return False
    want = need + BALLOON_MARGIN
    taken = curve.taken(level)
    for m in extra:
        if taken >= want:
            return True
        taken += taken_at(m.row, level, k)
    return taken >= want


def _key_of(
    unrestartable: list[str], survivors: int, state: int, swap: int, balloon: int, free: int
) -> _Key:
    """_key() from the survivors' worst state's rank and their sums."""
    if not survivors:
        state, verdict = MemState.LOW.rank, Severity.FAIL if unrestartable else Severity.OK
    elif unrestartable or state >= MemState.HARD.rank:
        verdict = Severity.FAIL
    else:
        verdict = Severity.WARN if state == MemState.SOFT.rank else Severity.OK
    return (verdict.rank, len(unrestartable), state, swap, balloon, -free)


_Key = tuple[int, int, int, int, int, int]
"""How much a scenario hurts, compared in order: verdict, VMs left down, worst survivor
state, swapping, ballooning, and least free memory (negated)."""


def _state(survivors: tuple[HostResult, ...]) -> MemState:
    """The worst state among the survivors (low when none survives)."""
    return max((r.state for r in survivors), key=lambda s: s.rank, default=MemState.LOW)


def _verdict(unrestartable: list[str], after: Iterable[HostResult]) -> Severity:
    states = [r.state for r in after]
    if unrestartable or any(s in (MemState.HARD, MemState.LOW) for s in states):
        return Severity.FAIL
    if MemState.SOFT in states:
        return Severity.WARN
    return Severity.OK


def _candidates(hosts: list[Host], n: int) -> tuple[str, list[tuple[str, ...]]]:
    names = sorted(h.name for h in hosts)
    if math.comb(len(names), n) <= MAX_COMBINATIONS:
        return "exhaustive", list(combinations(names, n))
    largest = sorted(hosts, key=lambda h: (-h.capacity, h.name))[:n]
    return "largest", [tuple(sorted(h.name for h in largest))]


def analyse(
    cluster: Cluster,
    hosts: list[Host],
    by_host: dict[str, list[VM]],
    base: dict[str, HostResult],
    policy: Policy,
    fail_hosts: tuple[str, ...] = (),
    failures: int | None = None,
    loads: dict[str, Load] | None = None,
) -> HAResult | None:
    """The HA analysis of one cluster, or None when it has no HA and no what-if asks.
    ``loads``: the hosts' loads (hostmodel.load_of) when the caller has them."""
    ha = cluster.ha
    given = tuple(sorted(h for h in fail_hosts if h in {x.name for x in hosts}))
    assumed = ha is None and len(hosts) > 1  # most clusters run HA: assume one host failure
    if ha is None and not assumed and not given and failures is None:
        return None
    basis = "configured" if ha is not None else ("assumed" if assumed else "asked")
    admission = ha.admission_control if ha is not None else True
    policy_name = ha.policy if ha else "host-failures"
    default = ha.failures if ha else esxi.HA_DEFAULT_FAILURES
    n = len(given) if given else (failures if failures is not None else default)
    if policy_name == "disabled" and not given and failures is None:
        n = 0
    slots = pct = None
    if policy_name == "slots" and admission:
        slots = slot_math(hosts, [vm for h in hosts for vm in by_host[h.name]])
    if policy_name == "percentage" and admission and ha is not None and ha.percentage is not None:
        vms = [vm for h in hosts for vm in by_host[h.name]]
        pct = percent_math(hosts, vms, float(ha.percentage))
    scenarios: list[tuple[str, ...]]
    if n == 0:
        method, scenarios = "none", [()]
    elif given:
        method, scenarios = "given", [given]
    else:
        method, scenarios = _candidates(hosts, min(n, len(hosts)))
    loads = {} if loads is None else loads

    def load(name: str) -> Load:  # each host's own VMs, reduced once for every scenario
        if name not in loads:
            loads[name] = load_of(by_host[name])
        return loads[name]

    # what admission control holds on each host today: its powered-on VMs' reservations +
    # overheads
    reserved = {h.name: load(h.name).reserved + load(h.name).overhead for h in hosts}

    # What each host restarts, ready to place, each host's figures before the failure and
    # what MemSched can take from its own VMs: built once for every scenario (issue 22).
    k = 1 / (1 - float(policy.idle_tax))
    host_of = {h.name: h for h in hosts}
    moves: dict[str, list[Move]] = {}
    curves: dict[str, ReclaimCurve] = {}

    def moving(failed: tuple[str, ...]) -> list[Move]:
        for name in failed:
            if name not in moves:
                moves[name] = _moves(host_of[name], load(name).rows)
        if len(failed) == 1:
            return moves[failed[0]]
        out = [m for name in failed for m in moves[name]]
        out.sort(key=itemgetter(0))  # stable: as the failed hosts come on a tie
        return out

    levels: dict[int, tuple[float, int]] = {}  # ballooned()'s, by id() of the move

    def curve(name: str) -> ReclaimCurve:
        if name not in curves:
            curves[name] = ReclaimCurve(load(name).rows, k)
        return curves[name]

    unreserved = {h.name: h.capacity - reserved[h.name] for h in hosts}
    free = {h.name: h.capacity - load(h.name).demand for h in hosts}
    tables = {h.name: host_bands(h, policy) for h in hosts}
    edges = {name: esxi.soft_upper_edge(table) for name, table in tables.items()}

    def after(name: str, extra: list[Move]) -> Load:  # a survivor's load with its restarts
        rows = [m.row for m in extra]
        return load(name).plus(Load.of(rows, len(rows)))

    # Place every scenario's restarts and work out each survivor's state without MemSched
    # where that is exact: no reclamation, or a proof that ballooning covers it
    # (ballooned()). The others (open) are bounded: at worst low, swapping all they must
    # reclaim. Then evaluate the open survivors (MemSched: the expensive part), worst bound
    # first, until no bound left can beat the worst scenario found. Ties go to the
    # earlier scenario, as in a plain scan.
    spare = frozenset(ha.failover_hosts if ha is not None and ha.policy == "dedicated" else ())
    low = MemState.LOW.rank
    prepared = []
    for index, failed in enumerate(scenarios):
        members = [h for h in hosts if h.name not in failed]
        unrestartable, extra = _place(
            moving(failed), members, unreserved, free, cluster.drs.places, spare
        )
        state = swap = balloon = left_sum = 0
        open_: list[tuple[int, int, Host]] = []  # need, at most ballooned, survivor
        for h in members:
            name = h.name
            ms = extra.get(name)
            if ms is None:
                r = base[name]
                state = max(state, r.state.rank)
                swap, balloon, left_sum = swap + r.swap, balloon + r.balloon, left_sum + r.free
                continue
            own = load(name)
            demand = own.demand + sum(map(_DEMAND, ms))
            left = h.capacity - demand
            left_sum += left
            need = edges[name] - left
            if need <= 0:
                state = max(state, esxi.state_for_free(left, tables[name]).rank)
            elif ballooned(curve(name), ms, need, k, levels):
                busy = own.active + own.overhead + sum(map(_BUSY, ms))
                settled = settle(h.capacity, demand, busy, need, tables[name])
                state = max(state, settled.state.rank)
                swap, balloon = swap + settled.swap, balloon + settled.balloon
            else:
                most = min(need, own.balloonable + sum(map(_BALLOONABLE, ms)))
                open_.append((need, most, h))
        open_.sort(key=itemgetter(0), reverse=True)  # the loosest bounds first
        exact = (state, swap, balloon, left_sum)
        bound = _key_of(
            unrestartable, len(members), low if open_ else state,
            swap + sum(o[0] for o in open_), balloon + sum(o[1] for o in open_), left_sum,
        )  # fmt: skip
        prepared.append((bound, index, failed, unrestartable, members, extra, exact, open_))
    prepared.sort(key=lambda p: (p[0], -p[1]), reverse=True)
    worst: tuple[_Key, int, int] | None = None  # key, -index, position in prepared
    evaluated: dict[tuple[int, str], HostResult] = {}  # open survivors, by position and name
    for position, p in enumerate(prepared):
        bound, index, _, unrestartable, members, extra, exact, open_ = p
        if worst is not None and (bound, -index) <= worst[:2]:
            break  # sorted: no later bound is worse
        state, swap, balloon, left_sum = exact
        key: _Key | None = bound
        for i, (_, _, h) in enumerate(open_):
            r = evaluated[position, h.name] = evaluate_load(h, after(h.name, extra[h.name]), policy)
            state = max(state, r.state.rank)
            swap, balloon = swap + r.swap, balloon + r.balloon
            rest = open_[i + 1 :]
            key = _key_of(
                unrestartable, len(members), low if rest else state,
                swap + sum(o[0] for o in rest), balloon + sum(o[1] for o in rest), left_sum,
            )  # fmt: skip
            if rest and worst is not None and (key, -index) <= worst[:2]:
                key = None  # cannot be worse than the worst found
                break
        if key is not None and (worst is None or (key, -index) > worst[:2]):
            worst = (key, -index, position)
    assert worst is not None
    _, _, failed, unrestartable, members, extra, _, open_ = prepared[worst[2]]
    restarted = [(m.row[0].name, name) for name, ms in extra.items() for m in ms]

    def survivor(h: Host) -> HostResult:
        """A survivor of the worst scenario as evaluated: the search's result where it ran
        MemSched, the need as ballooned where the proof showed it (no split again)."""
        ms = extra.get(h.name)
        if ms is None:
            return base[h.name]
        known = evaluated.get((worst[2], h.name))
        if known is not None:
            return known
        grown = after(h.name, ms)
        need = edges[h.name] - (h.capacity - grown.demand)
        if need > 0 and all(o[2] is not h for o in open_):  # proven when prepared
            return evaluate_load(h, grown, policy, need)
        return evaluate_load(h, grown, policy)

    survivors = tuple(survivor(h) for h in members)
    capacity = sum(r.capacity for r in survivors)
    configured = sum(r.configured for r in survivors)
    return HAResult(
        cluster=cluster.name,
        policy=policy_name,
        failures=len(failed),
        method=method,
        scenarios=len(scenarios),
        failed_hosts=tuple(failed),
        restarted=tuple(sorted(restarted)),
        unrestartable=tuple(unrestartable),
        survivors=survivors,
        state_after=_state(survivors),
        overcommit_ratio_after=configured / capacity if capacity else math.inf,
        verdict=_verdict(unrestartable, survivors),
        slots=slots,
        percentage=pct,
        failover_hosts=ha.failover_hosts if ha else (),
        basis=basis,
        admission_control=admission,
        placement="drs" if cluster.drs.places else "ha",
    )

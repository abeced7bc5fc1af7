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

from memplan import esxi
from memplan.engine.hostmodel import (
    Load,
    Row,
    admits,
    evaluate_load,
    figures,
    host_bands,
    load_of,
)
from memplan.engine.observed import in_count, is_standin, pieces
from memplan.model import (
    VM,
    Cluster,
    HAResult,
    Host,
    HostResult,
    MemState,
    PercentMath,
    Policy,
    Severity,
    SlotMath,
)

MAX_COMBINATIONS = 500
"""Above this many failure combinations, fail the largest hosts instead of trying all."""


def slot_math(hosts: list[Host], vms: list[VM]) -> SlotMath:
    """Slot size, slots per host and current failover capacity in hosts (memory only).

    Slot = largest reservation + overhead of a powered-on VM. The failover capacity is how
    many hosts, largest (most slots) first, can fail while the rest still hold one slot per
    powered-on VM (vSphere Availability guide).
    """
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
    capacity = sum(h.capacity for h in hosts)
    reserved = sum(vm.reservation + vm.overhead for vm in vms if vm.powered_on)
    failover = (capacity - reserved) / capacity if capacity else 0.0
    return PercentMath(capacity, reserved, failover, required)


_Move = tuple[tuple[int, str], int, int, int, int, Row]
"""A row that restarts, ready to place: its order (largest first, then the name), what
admission needs (reservation + overhead), its configured memory, the demand it adds
(held + overhead), its balloonable memory, and the row."""


def _moves(host: Host, rows: Iterable[Row]) -> list[_Move]:
    """What restarts when ``host`` fails (_restarting()), in the order it is placed."""
    out: list[_Move] = []
    for row in _restarting(host, rows):
        vm = row[0]
        need = vm.reservation + vm.overhead
        out.append(((-vm.memory, vm.name), need, vm.memory, row[1] + vm.overhead, row[3], row))
    out.sort(key=itemgetter(0))  # stable: as the rows come on a tie
    return out


def _place(
    moving: list[_Move],
    survivors: list[Host],
    unreserved_today: dict[str, int],
    free_today: dict[str, int],
    by_demand: bool,
    spare: frozenset[str] = frozenset(),
) -> tuple[list[tuple[str, str]], list[str], dict[str, list[_Move]]]:
    """Where the failed hosts' powered-on VMs (``moving``, in order: _moves()) restart:
    (VM, survivor) pairs, the VMs no survivor admits, and the moves each survivor takes.
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
    restarted: list[tuple[str, str]] = []
    unrestartable: list[str] = []
    extra: dict[str, list[_Move]] = {}
    by_name = {h.name: h for h in survivors}
    # Survivors in order of preference, best last: a sorted list keeps the pick at the top
    # (usually the first try admits the VM) and the update one bisect away.
    # (failover host, then DRS: free memory, 0 / HA: -restarts taken, unreserved; name).
    ranked: list[tuple[bool, int, int, str]] = sorted(
        (h.name in spare, free_today[h.name], 0, h.name) if by_demand
        else (h.name in spare, 0, unreserved[h.name], h.name)
        for h in survivors
    )  # fmt: skip
    most = max(unreserved.values(), default=0)  # an upper bound: unreserved only falls
    for move in moving:
        _, need, memory, demand, _, row = move
        name = ranked[-1][3] if ranked else ""
        if ranked and need <= unreserved[name] and memory <= by_name[name].memory:
            i: int | None = len(ranked) - 1  # the best survivor admits it: the usual case
        else:
            i = None if need > most else _pick(ranked, row[0], by_name, unreserved)
        if i is None:
            unrestartable.append(row[0].name)
            continue
        pref, first, _, name = ranked.pop(i)
        unreserved[name] -= need
        if by_demand:  # its demand, held + overhead, comes off the free memory
            bisect.insort(ranked, (pref, first - demand, 0, name))
        else:  # one more restart there: less preferred
            bisect.insort(ranked, (pref, first - 1, unreserved[name], name))
        if name in extra:
            extra[name].append(move)
        else:
            extra[name] = [move]
        restarted.append((row[0].name, name))
    return restarted, sorted(unrestartable), extra


def _restarting(host: Host, rows: Iterable[Row]) -> list[Row]:
    """The rows of what restarts: each VM, but a stand-in for unlisted VMs as the pieces it
    stands for (observed.pieces()), so that its memory spreads over the survivors as the
    VMs it stands for would: as many as the host's observed running VMs (vHost ``# VMs``)
    less those the inventory lists (demand growth's new VMs are not among them), when the
    observation counts them."""
    rows = list(rows)
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


_Key = tuple[int, int, int, int, int, int]
"""How much a scenario hurts, compared in order: verdict, VMs left down, worst survivor
state, swapping, ballooning, and least free memory (negated)."""


def _key(unrestartable: list[str], survivors: Iterable[HostResult]) -> _Key:
    after = tuple(survivors)
    return (
        _verdict(unrestartable, after).rank,
        len(unrestartable),
        _state(after).rank,
        sum(r.swap for r in after),
        sum(r.balloon for r in after),
        -sum(r.free for r in after),
    )


def _bound(
    unrestartable: list[str],
    survivors: list[Host],
    after: dict[str, tuple[int, int]],
    base: dict[str, HostResult],
    tables: dict[str, tuple[esxi.Band, ...]],
) -> _Key:
    """A key at least as bad as the scenario's, in every part, without MemSched: a survivor
    that must reclaim ``need`` swaps at most ``need`` and balloons at most its balloonable
    memory, and may settle as low as low; one that need not reclaim is exact. ``after``:
    the demand and balloonable memory of each survivor that takes restarts; ``tables``:
    each host's bands."""
    state = swap = balloon = free = 0
    contended = False
    for h in survivors:
        sums = after.get(h.name)
        if sums is None:
            r = base[h.name]
            state, swap, balloon = max(state, r.state.rank), swap + r.swap, balloon + r.balloon
            free += r.free
            contended = contended or r.state.rank >= MemState.SOFT.rank
            continue
        table = tables[h.name]
        left = h.capacity - sums[0]
        free += left
        need = esxi.soft_upper_edge(table) - left
        if need > 0:
            contended = True
            state, swap = MemState.LOW.rank, swap + need
            balloon += min(need, sums[1])
        else:
            state = max(state, esxi.state_for_free(left, table).rank)
    if not survivors:
        state = MemState.LOW.rank
    verdict = Severity.FAIL if unrestartable or contended or not survivors else Severity.OK
    return (verdict.rank, len(unrestartable), state, swap, balloon, -free)


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
    vms = [vm for h in hosts for vm in by_host[h.name]]
    slots = slot_math(hosts, vms) if policy_name == "slots" and admission else None
    pct = None
    if policy_name == "percentage" and admission and ha is not None and ha.percentage is not None:
        pct = percent_math(hosts, vms, float(ha.percentage))
    scenarios: list[tuple[str, ...]]
    if n == 0:
        method, scenarios = "none", [()]
    elif given:
        method, scenarios = "given", [given]
    else:
        method, scenarios = _candidates(hosts, min(n, len(hosts)))
    reserved = {  # what admission control holds on each host today: reservation + overhead
        h.name: sum(v.reservation + v.overhead for v in by_host[h.name] if v.powered_on)
        for h in hosts
    }
    loads = {} if loads is None else loads

    def load(name: str) -> Load:  # each host's own VMs, reduced once for every scenario
        if name not in loads:
            loads[name] = load_of(by_host[name])
        return loads[name]

    # What each host restarts, ready to place, and each host's figures before the failure:
    # built once for every scenario (issue 22).
    host_of = {h.name: h for h in hosts}
    moves: dict[str, list[_Move]] = {}

    def moving(failed: tuple[str, ...]) -> list[_Move]:
        for name in failed:
            if name not in moves:
                moves[name] = _moves(host_of[name], load(name).rows)
        if len(failed) == 1:
            return moves[failed[0]]
        out = [m for name in failed for m in moves[name]]
        out.sort(key=itemgetter(0))  # stable: as the failed hosts come on a tie
        return out

    unreserved = {h.name: h.capacity - reserved[h.name] for h in hosts}
    free = {h.name: h.capacity - load(h.name).demand for h in hosts}
    tables = {h.name: host_bands(h, policy) for h in hosts}

    def after(name: str, extra: list[_Move]) -> Load:  # a survivor's load with its restarts
        rows = [m[5] for m in extra]
        return load(name).plus(Load.of(rows, len(rows)))

    # Place every scenario's restarts (cheap), bound how bad each can be, then evaluate the
    # survivors (MemSched: the expensive part) worst bound first, until no bound left can
    # beat the worst scenario found. Ties go to the earlier scenario, as in a plain scan.
    spare = frozenset(ha.failover_hosts if ha is not None and ha.policy == "dedicated" else ())
    prepared = []
    for index, failed in enumerate(scenarios):
        members = [h for h in hosts if h.name not in failed]
        restarted, unrestartable, extra = _place(
            moving(failed), members, unreserved, free, cluster.drs.places, spare
        )
        sums: dict[str, tuple[int, int]] = {}  # demand and balloonable, restarts included
        for name, ms in extra.items():
            own = load(name)
            sums[name] = (
                own.demand + sum(m[3] for m in ms),
                own.balloonable + sum(m[4] for m in ms),
            )
        bound = _bound(unrestartable, members, sums, base, tables)
        prepared.append((bound, index, failed, restarted, unrestartable, members, extra))
    prepared.sort(key=lambda p: (p[0], -p[1]), reverse=True)
    worst: tuple[_Key, int, int] | None = None  # key, -index, position in prepared
    for position, (bound, index, _, _, unrestartable, members, extra) in enumerate(prepared):
        if worst is not None and (bound, -index) <= worst[:2]:
            break  # sorted: no later bound is worse
        key = _key(
            unrestartable,
            (evaluate_load(h, after(h.name, extra[h.name]), policy) if h.name in extra
             else base[h.name] for h in members),
        )  # fmt: skip
        if worst is None or (key, -index) > worst[:2]:
            worst = (key, -index, position)
    assert worst is not None
    _, _, failed, restarted, unrestartable, members, extra = prepared[worst[2]]
    survivors = tuple(
        evaluate_load(h, after(h.name, extra[h.name]), policy) if h.name in extra
        else base[h.name]
        for h in members
    )  # fmt: skip
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

"""How many more VMs of a given shape fit, per host and per cluster. Pure functions.

A host takes k more copies when each is admitted (configured memory fits the host,
reservation + overhead fits its unreserved capacity) and the host then settles in the
kept state or better. A cluster places copies one by one the way memplan places cluster
VMs (the host with the most free memory that admits it) until that host would pass the
kept state. With HA, the count is the largest prefix of those placements after which the
failover analysis still restarts every VM with survivors in the kept state or better.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from memplan.engine import ha
from memplan.engine.hostmodel import (
    Load,
    Row,
    admits,
    evaluate_load,
    figures,
    host_bands,
    load_of,
    state_by_free,
    state_of,
    vm_demand,
)
from memplan.esxi import MAX_VMS_PER_CLUSTER, MAX_VMS_PER_HOST
from memplan.model import (
    VM,
    Cluster,
    ClusterHeadroom,
    Host,
    HostHeadroom,
    MemState,
    Policy,
    Scenario,
)

MAX_COPIES = MAX_VMS_PER_CLUSTER
"""A cluster never takes more copies than vSphere's VMs per cluster (less the VMs it has),
a host never more than its VMs per host: a shape of 1 MiB ends there, in seconds."""


def _times(one: Load, k: int) -> Load:
    """``k`` copies of the one-VM load ``one``, added up without building k VMs (the host
    model needs their rows and sums only; copies are alike)."""
    return Load(
        one.rows * k, one.vms_total * k, one.demand * k, one.overhead * k, one.active * k,
        one.configured * k, one.reserved * k, one.balloonable * k,
    )  # fmt: skip


def _admits(host: Host, shape: VM, base: Load, k: int) -> bool:
    """Admission of the k-th copy: reservations + overhead of the VMs and k - 1 copies."""
    held = base.reserved + base.overhead + (k - 1) * (shape.reservation + shape.overhead)
    return admits(host, shape, held)


def _state(
    host: Host,
    base: Load,
    one: Load,
    k: int,
    policy: Policy,
    curves: dict[int, ha.ReclaimCurve] | None = None,
) -> MemState:
    """The host's state with ``k`` copies: hostmodel.state_of(), where the totals decide
    it or HA's proof (ha.ballooned()) shows that ballooning covers the need (soft), else
    the MemSched split. ``curves``: what the host's own VMs give (ha.ReclaimCurve), by id() of
    ``base``, kept across probes of the same host."""
    curves = {} if curves is None else curves
    tax = 1 / (1 - float(policy.idle_tax))

    def covers(rows: tuple[Row, ...], need: int) -> bool:
        if id(base) not in curves:
            curves[id(base)] = ha.ReclaimCurve(base.rows, tax)
        copy = [ha.Move((0, ""), 0, 0, 0, 0, 0, one.rows[0])] if one.rows else []
        return ha.ballooned(curves[id(base)], copy * k, need, tax, {})

    return state_of(host, base.plus(_times(one, k)) if k else base, policy, covers)


def host_headroom(
    host: Host, vms: list[VM], shape: VM, policy: Policy, keep: MemState
) -> HostHeadroom:
    """The largest k the host takes on its own (bisection: more copies never help); none
    on a host in maintenance. The host's load is reduced once; each probe adds k copies'
    sums to it (issue 22: it rebuilt k VMs and every VM's result at each probe), and needs
    the host model only when the host would reclaim and soft is kept."""
    if host.maintenance:
        return HostHeadroom(host.name, host.cluster, 0, "in maintenance")
    base, one = load_of(vms), load_of([shape])
    table = host_bands(host, policy)
    curves: dict[int, ha.ReclaimCurve] = {}

    def state(k: int) -> MemState:
        by_free = state_by_free(host.capacity - base.demand - k * one.demand, table)
        return by_free if by_free is not None else _state(host, base, one, k, policy, curves)

    def holds(k: int) -> bool:
        if k and not _admits(host, shape, base, k):
            return False
        by_free = state_by_free(host.capacity - base.demand - k * one.demand, table)
        if by_free is None and keep.rank < MemState.SOFT.rank:
            return False  # it would reclaim: soft or worse
        return (by_free or _state(host, base, one, k, policy, curves)).rank <= keep.rank

    if not holds(0):
        return HostHeadroom(host.name, host.cluster, 0, f"already {state(0).value}")
    room = max(0, MAX_VMS_PER_HOST - len(vms))
    hi = room  # keeping soft, ballooning can hold more copies than the host has memory
    if keep.rank < MemState.SOFT.rank:  # else one more than its capacity holds fails
        hi = min(room, host.capacity // max(1, vm_demand(shape)) + 1)
    lo = 0  # holds
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if holds(mid):
            lo = mid
        else:
            hi = mid - 1
    if lo == room:
        return HostHeadroom(
            host.name, host.cluster, lo, f"vSphere's {MAX_VMS_PER_HOST} VMs per host"
        )
    if shape.memory > host.memory:
        why = "the VM is larger than the host"
    elif not _admits(host, shape, base, lo + 1):
        why = "admission: reservations + overhead"
    else:
        why = f"one more: {state(lo + 1).value}"
    return HostHeadroom(host.name, host.cluster, lo, why)


def _greedy(
    hosts: list[Host], by_host: dict[str, list[VM]], shape: VM, policy: Policy, keep: MemState
) -> tuple[list[str], str]:
    """Hosts chosen for copy 1, 2, ... and why the next copy does not fit. Only each host's
    sums change as copies come (the host model runs when the host would reclaim and soft
    is kept, or to name the state that stops it), and the hosts that take another copy
    stay sorted by free memory (issue 22: it evaluated the chosen host and went over
    every host for each copy)."""
    placed: list[str] = []
    one = load_of([shape])
    loads = {h.name: load_of(by_host[h.name]) for h in hosts}
    count = {h.name: len(by_host[h.name]) for h in hosts}
    demand = {name: load.demand for name, load in loads.items()}
    held = {name: load.reserved + load.overhead for name, load in loads.items()}
    extra = dict.fromkeys(count, 0)
    by_name = {h.name: h for h in hosts}
    tables = {h.name: host_bands(h, policy) for h in hosts}
    curves: dict[int, ha.ReclaimCurve] = {}  # _state()'s, by id() of each host's own load

    def fits(h: Host) -> bool:  # another copy: only ever true fewer times as copies come
        return count[h.name] + extra[h.name] < MAX_VMS_PER_HOST and admits(h, shape, held[h.name])

    # The hosts that take another copy, best last: most free memory, then the name.
    ranked = sorted((h.capacity - demand[h.name], h.name) for h in hosts if fits(h))
    room = MAX_COPIES - sum(count.values())
    while len(placed) < room:
        if not ranked:
            full = all(count[h.name] + extra[h.name] >= MAX_VMS_PER_HOST for h in hosts)
            why = (
                f"vSphere's {MAX_VMS_PER_HOST} VMs per host"
                if full and hosts
                else "no host admits another"
            )
            return placed, why
        name = ranked[-1][1]
        best = by_name[name]
        after = demand[name] + one.demand
        state = state_by_free(best.capacity - after, tables[name])
        if state is None or state.rank > keep.rank:
            if state is None:
                state = _state(best, loads[name], one, extra[name] + 1, policy, curves)
            if state.rank > keep.rank:
                return placed, f"{name} would be {state.value}"
        ranked.pop()
        extra[name] += 1
        demand[name] = after
        held[name] += one.reserved + one.overhead
        if fits(best):
            bisect.insort(ranked, (best.capacity - after, name))
        placed.append(name)
    return placed, f"vSphere's {MAX_COPIES:,} VMs per cluster"


def cluster_headroom(
    cluster: Cluster,
    hosts: list[Host],
    by_host: dict[str, list[VM]],
    shape: VM,
    policy: Policy,
    keep: MemState,
    scenario: Scenario,
    when: str = "today",
) -> ClusterHeadroom:
    """Greedy count, and the count that keeps HA failover capacity when HA applies.
    ``when``: the date the counts stand at, as the reasons say it ("today", "at
    2027-12-07")."""
    spare = set(cluster.ha.failover_hosts) if cluster.ha else set()
    targets = [h for h in hosts if h.name not in spare]
    order, why = _greedy(targets, by_host, shape, policy, keep)
    by_name = {h.name: h for h in hosts}

    loads = {h.name: load_of(by_host[h.name]) for h in hosts}
    today = {h.name: evaluate_load(h, loads[h.name], policy) for h in hosts}
    copies: list[VM] = []
    held, active, balloonable = figures(shape, shape.consumed, shape.active)  # every copy's

    def keeps_failover(k: int) -> bool | None:
        """The HA analysis with the first ``k`` copies placed: hosts without one keep their
        VMs' list, load and result of today; the others add the copies' rows."""
        if len(copies) < k:  # built once, as far as a probe asks
            copies.extend(
                replace(shape, name=f"{shape.name}#{i}", host=order[i])
                for i in range(len(copies), k)
            )
        on: dict[str, list[VM]] = {}
        for vm in copies[:k]:
            assert vm.host is not None
            on.setdefault(vm.host, []).append(vm)
        lay, probe, base = dict(by_host), dict(loads), dict(today)
        for name, added in on.items():
            lay[name] = by_host[name] + added
            rows = [(vm, held, active, balloonable) for vm in added] if shape.powered_on else []
            probe[name] = loads[name].plus(Load.of(rows, len(added)))
            base[name] = evaluate_load(by_name[name], probe[name], policy)
        r = ha.analyse(
            cluster, hosts, lay, base, policy, scenario.fail_hosts, scenario.ha_failures, probe
        )
        if r is None:
            return None
        ok = not r.unrestartable and r.state_after.rank <= keep.rank
        if r.slots is not None:
            ok = ok and r.slots.failover_capacity >= r.failures
        if r.percentage is not None:
            ok = ok and r.percentage.failover >= r.percentage.required
        return ok

    first = keeps_failover(0)
    if first is None:
        return ClusterHeadroom(cluster.name, len(order), why, None, None)
    if not first:
        return ClusterHeadroom(cluster.name, len(order), why, 0, f"HA already short {when}")
    lo, hi = 0, len(order)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if keeps_failover(mid):
            lo = mid
        else:
            hi = mid - 1
    limit = why if lo == len(order) else "one more breaks HA failover"
    return ClusterHeadroom(cluster.name, len(order), why, lo, limit)

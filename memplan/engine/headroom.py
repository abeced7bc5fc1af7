"""How many more VMs of a given shape fit, per host and per cluster. Pure functions.

A host takes k more copies when each is admitted (configured memory fits the host,
reservation + overhead fits its unreserved capacity) and the host then settles in the
kept state or better. A cluster places copies one by one the way memplan places cluster
VMs (the host with the most free memory that admits it) until that host would pass the
kept state. With HA, the count is the largest prefix of those placements after which the
failover analysis still restarts every VM with survivors in the kept state or better.
"""

from __future__ import annotations

from dataclasses import replace

from memplan.engine import ha
from memplan.engine.hostmodel import Load, admits, evaluate_load, load_of, vm_demand
from memplan.esxi import MAX_VMS_PER_CLUSTER, MAX_VMS_PER_HOST
from memplan.model import (
    VM,
    Cluster,
    ClusterHeadroom,
    Host,
    HostHeadroom,
    HostResult,
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


def _state(host: Host, base: Load, one: Load, k: int, policy: Policy) -> MemState:
    return evaluate_load(host, base.plus(_times(one, k)) if k else base, policy).state


def host_headroom(
    host: Host, vms: list[VM], shape: VM, policy: Policy, keep: MemState
) -> HostHeadroom:
    """The largest k the host takes on its own (bisection: more copies never help); none
    on a host in maintenance. The host's load is reduced once; each probe adds k copies'
    sums to it (issue 22: it rebuilt k VMs and every VM's result at each probe)."""
    if host.maintenance:
        return HostHeadroom(host.name, host.cluster, 0, "in maintenance")
    base, one = load_of(vms), load_of([shape])

    def holds(k: int) -> bool:
        if k and not _admits(host, shape, base, k):
            return False
        return _state(host, base, one, k, policy).rank <= keep.rank

    if not holds(0):
        return HostHeadroom(
            host.name, host.cluster, 0, f"already {_state(host, base, one, 0, policy).value}"
        )
    room = max(0, MAX_VMS_PER_HOST - len(vms))
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
        why = f"one more: {_state(host, base, one, lo + 1, policy).value}"
    return HostHeadroom(host.name, host.cluster, lo, why)


def _greedy(
    hosts: list[Host], by_host: dict[str, list[VM]], shape: VM, policy: Policy, keep: MemState
) -> tuple[list[str], str]:
    """Hosts chosen for copy 1, 2, ... and why the next copy does not fit. Each host's
    load is kept and grows by one copy's row at a time."""
    placed: list[str] = []
    extra: dict[str, int] = dict.fromkeys((h.name for h in hosts), 0)
    loads: dict[str, Load] = {h.name: load_of(by_host[h.name]) for h in hosts}
    results: dict[str, HostResult] = {
        h.name: evaluate_load(h, loads[h.name], policy) for h in hosts
    }
    one = load_of([shape])
    room = MAX_COPIES - sum(len(by_host[h.name]) for h in hosts)
    while len(placed) < room:
        fits = [
            h for h in hosts
            if len(by_host[h.name]) + extra[h.name] < MAX_VMS_PER_HOST
            and admits(h, shape, results[h.name].reserved + results[h.name].overhead)
        ]  # fmt: skip
        if not fits:
            full = all(len(by_host[h.name]) + extra[h.name] >= MAX_VMS_PER_HOST for h in hosts)
            why = (
                f"vSphere's {MAX_VMS_PER_HOST} VMs per host"
                if full and hosts
                else "no host admits another"
            )
            return placed, why
        best = max(fits, key=lambda h: (results[h.name].free, h.name))
        load = loads[best.name].plus(one)
        trial = evaluate_load(best, load, policy)
        if trial.state.rank > keep.rank:
            return placed, f"{best.name} would be {trial.state.value}"
        extra[best.name] += 1
        loads[best.name] = load
        results[best.name] = trial
        placed.append(best.name)
    return placed, f"vSphere's {MAX_COPIES:,} VMs per cluster"


def cluster_headroom(
    cluster: Cluster,
    hosts: list[Host],
    by_host: dict[str, list[VM]],
    shape: VM,
    policy: Policy,
    keep: MemState,
    scenario: Scenario,
) -> ClusterHeadroom:
    """Greedy count, and the count that keeps HA failover capacity when HA applies."""
    spare = set(cluster.ha.failover_hosts) if cluster.ha else set()
    targets = [h for h in hosts if h.name not in spare]
    order, why = _greedy(targets, by_host, shape, policy, keep)

    copies = [replace(shape, name=f"{shape.name}#{i}", host=name) for i, name in enumerate(order)]

    def layout(k: int) -> dict[str, list[VM]]:
        out = {h.name: list(by_host[h.name]) for h in hosts}
        for vm in copies[:k]:  # built once: each probe only lays them out
            assert vm.host is not None
            out[vm.host].append(vm)
        return out

    def keeps_failover(k: int) -> bool | None:
        lay = layout(k)
        loads = {h.name: load_of(lay[h.name]) for h in hosts}
        base = {h.name: evaluate_load(h, loads[h.name], policy) for h in hosts}
        r = ha.analyse(
            cluster, hosts, lay, base, policy, scenario.fail_hosts, scenario.ha_failures, loads
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
        return ClusterHeadroom(cluster.name, len(order), why, 0, "HA already short today")
    lo, hi = 0, len(order)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if keeps_failover(mid):
            lo = mid
        else:
            hi = mid - 1
    limit = why if lo == len(order) else "one more breaks HA failover"
    return ClusterHeadroom(cluster.name, len(order), why, lo, limit)

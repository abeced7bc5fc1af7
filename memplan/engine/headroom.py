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
from memplan.engine.hostmodel import admits, evaluate_host, vm_demand
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


def _copies(shape: VM, host: str, start: int, n: int) -> list[VM]:
    return [replace(shape, name=f"{shape.name}#{i}", host=host) for i in range(start, start + n)]


def _holds(host: Host, vms: list[VM], shape: VM, k: int, policy: Policy, keep: MemState) -> bool:
    """Does ``host`` take ``k`` copies of ``shape`` and stay at ``keep`` or better?"""
    on = [v for v in vms if v.powered_on]
    reserved = sum(v.reservation + v.overhead for v in on)
    if k and not admits(host, shape, reserved + (k - 1) * (shape.reservation + shape.overhead)):
        return False
    result = evaluate_host(host, vms + _copies(shape, host.name, 0, k), policy)[0]
    return result.state.rank <= keep.rank


def host_headroom(
    host: Host, vms: list[VM], shape: VM, policy: Policy, keep: MemState
) -> HostHeadroom:
    """The largest k the host takes on its own (bisection: more copies never help); none
    on a host in maintenance."""
    if host.maintenance:
        return HostHeadroom(host.name, host.cluster, 0, "in maintenance")
    if not _holds(host, vms, shape, 0, policy, keep):
        state = evaluate_host(host, vms, policy)[0].state.value
        return HostHeadroom(host.name, host.cluster, 0, f"already {state}")
    room = max(0, MAX_VMS_PER_HOST - len(vms))
    hi = min(room, host.capacity // max(1, vm_demand(shape)) + 1)
    lo = 0  # holds
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _holds(host, vms, shape, mid, policy, keep):
            lo = mid
        else:
            hi = mid - 1
    if lo == room:
        return HostHeadroom(
            host.name, host.cluster, lo, f"vSphere's {MAX_VMS_PER_HOST} VMs per host"
        )
    why = _why(host, vms, shape, lo + 1, policy, keep)
    return HostHeadroom(host.name, host.cluster, lo, why)


def _why(host: Host, vms: list[VM], shape: VM, k: int, policy: Policy, keep: MemState) -> str:
    on = [v for v in vms if v.powered_on]
    reserved = sum(v.reservation + v.overhead for v in on)
    if shape.memory > host.memory:
        return "the VM is larger than the host"
    if not admits(host, shape, reserved + (k - 1) * (shape.reservation + shape.overhead)):
        return "admission: reservations + overhead"
    state = evaluate_host(host, vms + _copies(shape, host.name, 0, k), policy)[0].state
    return f"one more: {state.value}"


def _greedy(
    hosts: list[Host], by_host: dict[str, list[VM]], shape: VM, policy: Policy, keep: MemState
) -> tuple[list[str], str]:
    """Hosts chosen for copy 1, 2, ... and why the next copy does not fit."""
    placed: list[str] = []
    extra: dict[str, int] = dict.fromkeys((h.name for h in hosts), 0)
    results: dict[str, HostResult] = {
        h.name: evaluate_host(h, by_host[h.name], policy)[0] for h in hosts
    }
    room = MAX_COPIES - sum(len(by_host[h.name]) for h in hosts)
    copies: dict[str, list[VM]] = {}
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
        mine = copies.setdefault(best.name, [])
        mine += _copies(shape, best.name, len(mine), 1)  # one more, not all of them again
        trial = evaluate_host(best, by_host[best.name] + mine, policy)[0]
        if trial.state.rank > keep.rank:
            mine.pop()
            return placed, f"{best.name} would be {trial.state.value}"
        extra[best.name] += 1
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

    def layout(k: int) -> dict[str, list[VM]]:
        out = {h.name: list(by_host[h.name]) for h in hosts}
        for i, name in enumerate(order[:k]):
            out[name] += _copies(shape, name, i, 1)
        return out

    def keeps_failover(k: int) -> bool | None:
        lay = layout(k)
        base = {h.name: evaluate_host(h, lay[h.name], policy)[0] for h in hosts}
        r = ha.analyse(cluster, hosts, lay, base, policy, scenario.fail_hosts, scenario.ha_failures)
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

"""One host under load: demand, balloonable memory, reclamation and the settled state.

Pure functions, no I/O; engine.py and ha.py build on them. See docs/model.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from memplan import esxi, memsched
from memplan.model import VM, Host, HostResult, MemState, Policy, Severity, VMResult


def vm_demand(vm: VM) -> int:
    """Host memory a powered-on VM uses: min(consumed, configured, limit) + overhead."""
    return min(vm.consumed, vm.entitled_memory) + vm.overhead


def vm_active(vm: VM) -> int:
    """Active working set, never above what the VM holds."""
    return min(vm.active, vm.consumed, vm.entitled_memory)


def balloon_cap(vm: VM) -> int:
    """Most a balloon can take from ``vm``: 65% of configured, or balloon_max if lower."""
    f = esxi.BALLOON_MAX_FRACTION
    cap = vm.memory * f.numerator // f.denominator  # integer math: this runs per VM per host
    return cap if vm.balloon_max is None else min(cap, vm.balloon_max)


def balloonable(vm: VM) -> int:
    """Idle memory a balloon can reclaim: held - max(active, reservation), within the cap."""
    held = min(vm.consumed, vm.entitled_memory)
    idle = max(0, held - max(vm_active(vm), vm.reservation))
    return min(idle, balloon_cap(vm))


@functools.lru_cache(maxsize=4096)
def host_bands(host: Host, policy: Policy) -> tuple[esxi.Band, ...]:
    """The free-memory bands of ``host`` under ``policy``."""
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


def claim(vm: VM) -> memsched.Claim:
    """A powered-on VM's position under contention."""
    return memsched.Claim(
        name=vm.name,
        shares=vm.shares,
        held=min(vm.consumed, vm.entitled_memory),
        active=vm_active(vm),
        floor=min(vm.reservation, min(vm.consumed, vm.entitled_memory)),
        balloonable=balloonable(vm),
        memory=vm.memory,
    )


def evaluate_host(
    host: Host, vms: list[VM], policy: Policy, per_vm: bool = True
) -> tuple[HostResult, list[VMResult]]:
    """Evaluate one host and what each VM on it loses to reclamation (verdicts still ok).

    The reclamation need is split across the powered-on VMs by MemSched (memsched.py);
    each VM's part is ballooned as far as its balloon allows, the rest compressed or
    swapped; the host's state follows from the totals (settle()). With ``per_vm`` False
    only the host's result is built (forecasts and failover scenarios need no more).
    """
    on = [vm for vm in vms if vm.powered_on]
    table = host_bands(host, policy)
    capacity = host.capacity
    demand = sum(vm_demand(vm) for vm in on)
    overhead = sum(vm.overhead for vm in on)
    active = sum(vm_active(vm) for vm in on)
    need = max(0, esxi.soft_upper_edge(table) - (capacity - demand))
    if need:  # contended: MemSched decides who gives what
        claims = [claim(vm) for vm in on]
        shares = memsched.split(need, claims, policy.idle_tax)
        can_balloon = sum(c.balloonable for c in claims)
    else:  # nothing to reclaim: no split to compute
        shares = []
        can_balloon = sum(balloonable(vm) for vm in on)
    s = settle(capacity, demand, active + overhead, sum(sh.balloon for sh in shares), table)
    configured = sum(vm.memory for vm in on)
    result = HostResult(
        host=host,
        vms_on=len(on),
        vms_total=len(vms),
        configured=configured,
        overhead=overhead,
        reserved=sum(vm.reservation for vm in on),
        active=active,
        demand=demand,
        capacity=capacity,
        min_free=esxi.min_free(host.managed, host.esxi),
        free=capacity - demand,
        bands=tuple((b.state, b.lower_bytes) for b in table),
        balloonable=can_balloon,
        need=s.need,
        balloon=s.balloon,
        swap=s.swap,
        active_fits=s.active_fits,
        state=s.state,
        overcommit_ratio=configured / capacity,
        verdict=Severity.OK,
    )
    if not per_vm:
        return result, []
    by_name = {sh.name: sh for sh in shares}
    vm_results = []
    for vm in vms:
        sh = by_name.get(vm.name)
        held = min(vm.consumed, vm.entitled_memory) if vm.powered_on else 0
        vm_results.append(
            VMResult(
                vm=vm,
                host=host.name,
                placed=False,
                demand=vm_demand(vm) if vm.powered_on else 0,
                balloon=sh.balloon if sh else 0,
                compressed=sh.compressed if sh else 0,
                swapped=sh.swapped if sh else 0,
                active_hit=sh.active_hit if sh else 0,
                entitlement=sh.entitlement if sh else held,
                verdict=Severity.OK,
            )
        )
    return result, vm_results


def admits(host: Host, vm: VM, reserved: int) -> bool:
    """Admission: the VM fits the host and its reservation + overhead is unreserved there."""
    return vm.memory <= host.memory and reserved + vm.reservation + vm.overhead <= host.capacity

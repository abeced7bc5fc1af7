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
from collections.abc import Callable, Iterable
from itertools import combinations

from memplan.engine.hostmodel import Load, Row, admits, evaluate_load, load_of
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


def _restart(
    failed: set[str],
    hosts: list[Host],
    base: dict[str, HostResult],
    policy: Policy,
    reserved: dict[str, int],
    load: Callable[[str], Load],
) -> tuple[list[tuple[str, str]], list[str], dict[str, HostResult]]:
    """Restart the failed hosts' powered-on VMs on the survivors; evaluate those that take
    some. ``load`` gives each host's own load (its VMs' figures, computed once per host)."""
    survivors = [h for h in hosts if h.name not in failed]
    unreserved = {h.name: h.capacity - reserved[h.name] for h in survivors}
    moving = [row for name in failed for row in load(name).rows]
    moving.sort(key=lambda row: (-row[0].memory, row[0].name))
    restarted: list[tuple[str, str]] = []
    unrestartable: list[str] = []
    extra: dict[str, list[Row]] = {}
    by_name = {h.name: h for h in survivors}
    # Survivors by (unreserved, name): the first from the top that admits the VM is the
    # one max() over all admitting survivors would pick, usually found at the first try.
    ranked = sorted((unreserved[h.name], h.name) for h in survivors)
    for row in moving:
        vm = row[0]
        i = _pick(ranked, vm, by_name)
        if i is None:
            unrestartable.append(vm.name)
            continue
        free, name = ranked[i]
        del ranked[i]
        unreserved[name] = free - (vm.reservation + vm.overhead)
        bisect.insort(ranked, (unreserved[name], name))
        extra.setdefault(name, []).append(row)
        restarted.append((vm.name, name))
    after: dict[str, HostResult] = {}
    for h in survivors:  # only hosts that take VMs change
        if h.name not in extra:
            after[h.name] = base[h.name]
            continue
        added = Load.of(extra[h.name], len(extra[h.name]))
        after[h.name] = evaluate_load(h, load(h.name).plus(added), policy)
    return restarted, sorted(unrestartable), after


def _pick(ranked: list[tuple[int, str]], vm: VM, by_name: dict[str, Host]) -> int | None:
    """The index in ``ranked`` (survivors by unreserved memory, ascending) of the one with
    the most unreserved memory that admits ``vm``, or None."""
    need = vm.reservation + vm.overhead
    for i in range(len(ranked) - 1, -1, -1):
        free, name = ranked[i]
        if free < need:  # nor can any survivor below it: they have less unreserved
            return None
        if admits(by_name[name], vm, by_name[name].capacity - free):
            return i
    return None


_Outcome = tuple[tuple[str, ...], list[tuple[str, str]], list[str], tuple[HostResult, ...]]
"""A failure scenario's failed hosts, restarts (VM, host), VMs left down and survivors."""


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
    if ha is None and not given and failures is None:
        return None
    policy_name = ha.policy if ha else "host-failures"
    n = len(given) if given else (failures if failures is not None else (ha.failures if ha else 1))
    if policy_name == "disabled" and not given and failures is None:
        n = 0
    vms = [vm for h in hosts for vm in by_host[h.name]]
    slots = slot_math(hosts, vms) if policy_name == "slots" else None
    pct = None
    if policy_name == "percentage" and ha is not None and ha.percentage is not None:
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

    worst: tuple[tuple[int, ...], _Outcome] | None = None
    for failed in scenarios:  # keep the worst; its result is built once, at the end
        restarted, unrestartable, after = _restart(set(failed), hosts, base, policy, reserved, load)
        survivors = tuple(after[h.name] for h in hosts if h.name in after)
        key = (
            _verdict(unrestartable, survivors).rank,
            len(unrestartable),
            _state(survivors).rank,
            sum(r.swap for r in survivors),
            sum(r.balloon for r in survivors),
            -sum(r.free for r in survivors),
        )
        if worst is None or key > worst[0]:
            worst = (key, (failed, restarted, unrestartable, survivors))
    assert worst is not None
    failed, restarted, unrestartable, survivors = worst[1]
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
    )

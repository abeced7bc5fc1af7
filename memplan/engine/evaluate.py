"""The memory model: inventory in, report out. Pure functions, no I/O.

For each host: demand = sum over its powered-on VMs of min(consumed, configured, limit)
+ overhead; free = capacity - demand. When free falls below the top of the soft band,
ESXi reclaims until free is back at that edge: ballooning first (idle memory, at most
65% of each VM or its balloon_max), then compression and swapping. The state the host
settles in follows from whether ballooning can cover the need. See docs/model.md.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING

from memplan.engine import ha, observed
from memplan.engine.hostmodel import Load, choose_host, evaluate_host, load_of, vm_demand
from memplan.model import (
    VM,
    ClusterResult,
    Finding,
    HAResult,
    Host,
    HostResult,
    Inventory,
    MemState,
    Note,
    Report,
    Scenario,
    Severity,
    VMResult,
    worst,
)
from memplan.rules import RULES
from memplan.rules.base import ClusterCalc, Context, HostCalc
from memplan.units import format_size, plural

if TYPE_CHECKING:
    from memplan.model import HeadroomReport
    from memplan.model.forecast import Forecast
    from memplan.model.project import TimelinePoint


def place(inventory: Inventory) -> tuple[dict[str, str | None], set[str]]:
    """Each VM's host; cluster VMs without one go where DRS initial placement would put them.

    Unplaced powered-on VMs are placed largest first, each on the host of its cluster with
    the most free memory (capacity - demand) that admits it (ties: the host name). Returns
    the host of every VM (None when no host admits it or it is a powered-off unplaced VM)
    and the names of the VMs memplan placed.
    """
    host_of: dict[str, str | None] = {vm.name: vm.host for vm in inventory.vms}
    todo = [vm for vm in inventory.vms if vm.host is None and vm.powered_on]
    if any(vm.seen_on for vm in todo):  # their memory is in the observations: not placed
        inside = observed.unplaced_by_observation(inventory)
        todo = [vm for vm in todo if not (vm.seen_on and vm.cluster in inside)]
    if not todo:  # every VM has its host: no host's demand is needed (a pass over every VM)
        return host_of, set()
    demand: dict[str, int] = defaultdict(int)
    reserved: dict[str, int] = defaultdict(int)
    for vm in inventory.vms:
        if vm.host is not None and vm.powered_on:
            demand[vm.host] += vm_demand(vm)
            reserved[vm.host] += vm.reservation + vm.overhead
    spare = {name for c in inventory.clusters if c.ha for name in c.ha.failover_hosts}
    members: dict[str, list[Host]] = defaultdict(list)
    for h in inventory.hosts:
        if h.cluster is not None and h.name not in spare and not h.maintenance:
            # dedicated failover hosts stay empty; a host in maintenance takes nothing
            members[h.cluster].append(h)
    todo.sort(key=lambda vm: (-(vm.memory + vm.overhead), vm.name))
    placed: set[str] = set()
    for vm in todo:
        best = choose_host(members[vm.cluster or ""], vm, demand, reserved)
        if best is None:
            continue
        host_of[vm.name] = best.name
        placed.add(vm.name)
        demand[best.name] += vm_demand(vm)
        reserved[best.name] += vm.reservation + vm.overhead
    return host_of, placed


def vms_by_host(inventory: Inventory, host_of: dict[str, str | None] | None) -> dict[str, list[VM]]:
    """Each host's VMs after placement (a placed VM carries its new host); ``host_of``
    None: nothing was placed, every VM is on its own ``host`` (or none)."""
    by_host: dict[str, list[VM]] = defaultdict(list)
    if host_of is None:
        for vm in inventory.vms:
            if vm.host is not None:
                by_host[vm.host].append(vm)
        return by_host
    for vm in inventory.vms:
        h = host_of[vm.name]
        if h is not None:
            by_host[h].append(vm if vm.host == h else replace(vm, host=h))
    return by_host


def evaluate(
    inventory: Inventory,
    scenario: Scenario | None = None,
    forecast: Forecast | None = None,
    timeline: bool = False,
) -> Report:
    """Evaluate the whole inventory: placement, every host, HA, every rule, every verdict.

    ``forecast``: one made elsewhere (growth learnt from history, engine/trend.py), which
    the forecast rules then judge instead of the projection's. ``timeline``: with the
    projection's forecast, every host month by month over its horizon too
    (Report.timeline, which the HTML report charts), from the same pass."""
    scenario = scenario or Scenario()
    policy = inventory.policy
    rest = observed.resting(inventory)
    inventory = observed.observe(inventory)
    host_of, placed = place(inventory)
    by_host = vms_by_host(inventory, host_of if placed else None)
    host_calcs: dict[str, HostCalc] = {}
    vm_results: dict[str, VMResult] = {}
    loads: dict[str, Load] = {}  # each host's VMs reduced once, for failover scenarios too
    for host in inventory.hosts:
        own = by_host[host.name]
        load = loads[host.name] = load_of(own)
        result, vrs = evaluate_host(host, own, policy, load=load)
        if host.name in rest:
            result = _on_observation(result, load, placed)
        host_calcs[host.name] = HostCalc(result, tuple(map(_VM_OF_ROW, load.rows)))
        if placed:
            for vr in vrs:
                vm_results[vr.vm.name] = replace(vr, placed=True) if vr.vm.name in placed else vr
        else:  # nothing placed: the results as they are (vrs follow own, in order)
            vm_results.update(zip(map(_NAME, own), vrs, strict=True))
    unplaced: tuple[VM, ...] = ()
    if len(vm_results) < len(inventory.vms):  # some VMs have no host
        left = _left_to_data(inventory)
        unplaced = tuple(
            vm for vm in inventory.vms
            if host_of[vm.name] is None and vm.powered_on
            and not (vm.seen_on is not None and vm.cluster in left)
        )  # fmt: skip
        for vm in inventory.vms:
            if vm.name not in vm_results:
                vm_results[vm.name] = VMResult(vm, None, False, 0, 0, 0, 0, 0, 0, Severity.OK)
    if rest:
        vm_results = {n: r for n, r in vm_results.items() if not observed.is_standin(r.vm)}
    cluster_calcs = _cluster_calcs(inventory, host_calcs, unplaced)
    base = {name: hc.result for name, hc in host_calcs.items()}
    failover: dict[str, HAResult] = {}
    for c in inventory.clusters:
        # A host in maintenance neither fails nor takes restarted VMs.
        members = [h for h in inventory.hosts if h.cluster == c.name and not h.maintenance]
        analysis = ha.analyse(
            c, members, by_host, base, policy, scenario.fail_hosts, scenario.ha_failures, loads
        )
        if analysis is not None:
            failover[c.name] = analysis
    points: tuple[TimelinePoint, ...] = ()
    outlook = forecast
    if outlook is None:
        outlook, points = _forecast(
            inventory, host_of, scenario, {n: hc.result.state for n, hc in host_calcs.items()},
            {name: r.verdict for name, r in failover.items()}, timeline,
        )  # fmt: skip
    ctx = Context(
        inventory, host_calcs, host_of, unplaced, cluster_calcs, failover, outlook, scenario.as_of
    )
    findings = sorted(
        suppress((f for rule in RULES.values() for f in rule.check(ctx)), inventory, scenario),
        key=lambda f: (-f.severity.rank, f.rule, f.kind, f.subject),
    )
    report = _report(inventory, host_calcs, vm_results, cluster_calcs, findings, failover)
    return replace(
        report,
        forecast=outlook,
        whatifs=scenario.echo or inventory.whatifs,
        notes=notes(report) + _all_fail(failover, scenario.ha_failures),
        timeline=points,
    )


def _all_fail(failover: dict[str, HAResult], asked: int | None) -> tuple[Note, ...]:
    """A note per cluster that ``--ha-failures`` (``asked``) fails entirely: it has no more
    hosts than failures asked, so all of them fail and no VM can restart."""
    if asked is None:
        return ()
    out = []
    for name in sorted(failover):
        r = failover[name]
        if r.method == "given" or r.survivors or not r.failed_hosts:
            continue
        n = len(r.failed_hosts)
        out.append(Note(
            "ha-all-fail",
            f"--ha-failures {asked}: cluster {name} has only {plural(n, 'host')} that can fail:"
            f" all of them fail, so none of its running VMs can restart"
            f" (at most {n - 1} leave{'s' if n - 1 == 1 else ''} a survivor)",
        ))  # fmt: skip
    return tuple(out)


_VM_OF_ROW, _NAME = itemgetter(0), attrgetter("name")


def _on_observation(result: HostResult, load: Load, placed_vms: set[str]) -> HostResult:
    """A resting host's result: marked, and its counts and configured memory without the
    stand-in VM (engine/observed.py), which is demand, not a VM of the inventory.

    Where the observation counts the host's VMs (``observed.vms``, ``vms_total``,
    ``configured``: RVTools vHost ``# VMs``, ``# VMs total``, ``vRAM``), those are the
    host's VMs, the listed ones among them, so the counts and the overcommit ratio agree
    with the export; VMs memplan places there (cluster VMs without a host) come on top.
    Where it counts them but gives no configured memory and the inventory lists fewer
    running VMs than it counts (or it counts only ``vms_total``), the listed VMs' configured
    memory would understate the host's: configured memory and ratio are unknown."""
    host = result.host
    standins = [row[0] for row in load.rows if observed.is_standin(row[0])]
    placed = [row[0] for row in load.rows if row[0].name in placed_vms]
    vms_on = result.vms_on - len(standins)
    vms_total = result.vms_total - len(standins)
    configured = result.configured - sum(vm.memory for vm in standins)
    o = host.observed
    counted = o is not None and (o.vms, o.vms_total, o.configured) != (None, None, None)
    listed_on = vms_on - len(placed)  # running VMs the inventory lists on the host
    configured_unknown = (
        o is not None and counted and o.configured is None and (o.vms is None or listed_on < o.vms)
    )
    if o is not None and counted:
        extra, extra_memory = len(placed), sum(vm.memory for vm in placed)
        if o.vms is not None:
            vms_on = max(o.vms, vms_on - extra) + extra
        if o.vms_total is not None:
            vms_total = max(o.vms_total, vms_total - extra) + extra
        vms_total = max(vms_total, vms_on)
        if o.configured is not None:
            configured = max(o.configured, configured - extra_memory) + extra_memory
    return replace(
        result,
        vms_on=vms_on,
        vms_total=vms_total,
        configured=configured,
        overcommit_ratio=configured / result.capacity,
        observed_demand=True,
        observed_counts=counted,
        configured_unknown=configured_unknown,
        active_assumed=not any(
            row[0].active_given for row in load.rows if not observed.is_standin(row[0])
        ),
    )


def _left_to_data(inventory: Inventory) -> set[str | None]:
    """Clusters whose seen_on VMs memplan does not place: their memory is in the cluster's
    observed usage, or the cluster has no host to hold them (rule MP208 says which, once
    per missing host). Not counted as VMs no host admits (MP105)."""
    if not any(vm.seen_on for vm in inventory.vms):
        return set()
    usable = {h.cluster for h in inventory.hosts if not h.maintenance}
    left: set[str | None] = {c.name for c in inventory.clusters if c.name not in usable}
    return left | observed.unplaced_by_observation(inventory)


def notes(report: Report) -> tuple[Note, ...]:
    """What the evaluation decided or assumed: each VM memplan placed, and how many hosts
    and VMs rest on an assumed size (one note each: the count is the news)."""
    out: list[Note] = []
    assumed_active = 0
    for r in report.vms:  # one pass over every VM for both
        if r.placed:
            out.append(
                Note(
                    "placed",
                    f"placed {r.vm.name} on {r.host} (cluster VM without host:, most free memory)",
                )
            )
        if not r.vm.active_given and r.vm.powered_on:
            assumed_active += 1
    resting = {h.host.name for h in report.hosts if h.observed_demand}
    measured: dict[str | None, list[VM]] = defaultdict(list)
    if resting:  # the VMs whose consumed figures are kept inside an observation
        for r in report.vms:
            if r.host in resting and r.vm.consumed_given and r.vm.powered_on and not r.placed:
                measured[r.host].append(r.vm)
    for h in report.hosts:
        o = h.host.observed
        if not (h.observed_demand and o and o.consumed is not None):
            continue
        seen = (
            f"demand of {h.host.name} is vCenter's observed usage ({format_size(o.consumed)}"
            f" used, {o.source}, less {format_size(h.host.system_reserved)} system reserved:"
            f" {format_size(h.demand)})"
        )
        kept = measured.get(h.host.name)
        if not kept:
            out.append(Note("observed-demand", f"{seen}: its VMs give no consumed figures"))
            continue
        held = sum(min(vm.consumed, vm.entitled_memory) + vm.overhead for vm in kept)
        out.append(
            Note(
                "observed-partial",
                f"{seen}: the inventory lists {plural(len(kept), 'running VM')} on it with"
                f" consumed figures ({format_size(held)} with overhead)"
                + (f" of the {o.vms} vCenter counts" if o.vms is not None else "")
                + "; their figures are kept inside the observation, and its other VMs (listed"
                " without consumed, or not listed) hold the rest",
            )
        )
    assumed_managed = sum(not h.host.managed_given for h in report.hosts)
    if assumed_managed:
        out.append(
            Note(
                "assumed-managed",
                f"{assumed_managed} of {len(report.hosts)} hosts give no 'managed': using"
                " installed memory (ESXi manages a few hundred MiB less)",
            )
        )
    if assumed_active:
        out.append(
            Note(
                "assumed-active",
                f"{assumed_active} powered-on VMs give no 'active': assumed fully active (worst"
                " case: nothing to balloon)",
            )
        )
    return tuple(out)


def suppress(
    findings: Iterable[Finding], inventory: Inventory, scenario: Scenario
) -> list[Finding]:
    """Drop ignored rules; mark findings a waiver or the baseline accepts (they still show
    but do not count). An expired waiver accepts nothing (MP901 says so)."""
    today = scenario.as_of
    active = [w for w in inventory.waivers if today is None or w.until is None or w.until >= today]
    out = []
    for f in findings:
        if f.rule in scenario.ignore or f.name in scenario.ignore:
            continue
        waiver = next(
            (w for w in active
             if w.rule in (f.rule, f.name) and fnmatch.fnmatchcase(f.subject, w.subject)),
            None,
        )  # fmt: skip
        if waiver is not None:
            f = replace(f, suppressed=f"waived: {waiver.reason}")
        elif (f.rule, f.kind, f.subject) in scenario.baseline:
            f = replace(f, suppressed="in baseline")
        out.append(f)
    return out


def wants_forecast(inventory: Inventory, scenario: Scenario) -> bool:
    """A projection runs when --horizon, --growth or --fail-within is given, or the
    inventory has growth or planned changes (and "today" is known)."""
    return scenario.as_of is not None and (
        scenario.horizon_months is not None
        or scenario.growth is not None
        or scenario.fail_within_days is not None
        or bool(inventory.planned)
        or any(vm.growth for vm in inventory.vms)
    )


def _forecast(
    inventory: Inventory,
    host_of: dict[str, str | None],
    scenario: Scenario,
    today: dict[str, MemState] | None = None,
    today_ha: dict[str, Severity] | None = None,
    timeline: bool = False,
) -> tuple[Forecast | None, tuple[TimelinePoint, ...]]:
    """The projection's forecast, and with ``timeline`` its every host month by month."""
    if not wants_forecast(inventory, scenario) or scenario.as_of is None:
        return None, ()
    from memplan.engine import projection  # only when a projection runs: start-up time matters

    horizon = scenario.horizon_months or projection.DEFAULT_HORIZON_MONTHS
    if scenario.fail_within_days is not None:  # the window is always projected in full
        horizon = max(
            horizon,
            projection.month_of(
                scenario.as_of, scenario.as_of + timedelta(days=scenario.fail_within_days)
            ),
        )
    return projection.forecast_and_timeline(
        inventory,
        host_of,
        scenario.as_of,
        horizon,
        scenario.growth,
        scenario.fail_within_days,
        today,
        scenario.growth_scope,
        scenario.fail_hosts,
        scenario.ha_failures,
        today_ha,
        1 if timeline else None,
    )


def _cluster_calcs(
    inventory: Inventory, hosts: dict[str, HostCalc], unplaced: tuple[VM, ...]
) -> dict[str, ClusterCalc]:
    out: dict[str, ClusterCalc] = {}
    members_of: dict[str | None, list[HostResult]] = defaultdict(list)
    for hc in hosts.values():
        members_of[hc.result.host.cluster].append(hc.result)
    extra_of: dict[str | None, int] = defaultdict(int)
    for vm in unplaced:
        extra_of[vm.cluster] += vm.memory
    for c in inventory.clusters:
        members = members_of[c.name]
        extra = extra_of[c.name]
        out[c.name] = ClusterCalc(
            c.name,
            sum(r.configured for r in members) + extra,
            sum(r.capacity for r in members if not r.host.maintenance),
            c.location,
        )
    return out


def _report(
    inventory: Inventory,
    host_calcs: dict[str, HostCalc],
    vm_results: dict[str, VMResult],
    cluster_calcs: dict[str, ClusterCalc],
    findings: list[Finding],
    failover: dict[str, HAResult],
) -> Report:
    own: dict[tuple[str, str], list[Severity]] = defaultdict(list)
    counted = [f for f in findings if f.suppressed is None]
    scenario = [f for f in counted if RULES[f.rule].RULE.scenario]
    failover_of: dict[str, list[Severity]] = defaultdict(list)  # host -> failover findings
    if scenario:  # about a failure scenario, not about today: counts for the cluster
        about = {f.subject for f in scenario}  # the cluster of these only, not of every VM
        cluster_of = {h.name: h.cluster for h in inventory.hosts if h.name in about}
        cluster_of.update({vm.name: vm.cluster for vm in inventory.vms if vm.name in about})
        for f in scenario:  # a cluster's own (MP403, MP404) by its name
            cluster = f.subject if f.kind == "cluster" else cluster_of.get(f.subject)
            own[("cluster", cluster or "")].append(f.severity)
            # ...and shows on the host it is about (a VM's: the host it runs on today)
            vm = vm_results.get(f.subject) if f.kind == "vm" else None
            host = vm.host if vm is not None else f.subject if f.kind == "host" else None
            if f.rule in _FAILOVER_RULES and host is not None:
                failover_of[host].append(f.severity)
    for f in counted:
        if not RULES[f.rule].RULE.scenario:
            own[(f.kind, f.subject)].append(f.severity)
    # Every VM result is still ok here: only the VMs with findings change, and only their
    # verdicts count for their host or their cluster (unplaced).
    vms = dict(vm_results)
    vm_verdicts_by_host: dict[str | None, list[Severity]] = defaultdict(list)
    unplaced_by_cluster: dict[str | None, list[Severity]] = defaultdict(list)
    for (kind, n), severities in list(own.items()):
        if kind == "vm" and n in vms:
            r = vms[n] = replace(vms[n], verdict=worst(severities))
            vm_verdicts_by_host[r.host].append(r.verdict)
            if r.host is None:
                unplaced_by_cluster[r.vm.cluster].append(r.verdict)
    simulated = {name for name, r in failover.items() if r.method != "none"}
    analysed = {h.name for h in inventory.hosts if h.cluster in simulated}
    hosts = {
        n: replace(
            hc.result,
            verdict=worst([*own[("host", n)], *vm_verdicts_by_host[n]]),
            ha_verdict=worst(failover_of[n]) if n in analysed else None,
        )
        for n, hc in host_calcs.items()
    }
    hosts_by_cluster: dict[str | None, list[HostResult]] = defaultdict(list)
    for h in hosts.values():
        hosts_by_cluster[h.host.cluster].append(h)
    clusters: list[ClusterResult] = []
    for c in inventory.clusters:
        members = sorted(hosts_by_cluster[c.name], key=_host_key)
        cc = cluster_calcs[c.name]
        unplaced_verdicts = unplaced_by_cluster[c.name]
        state = max((h.state for h in members), key=lambda s: s.rank, default=MemState.HIGH)
        clusters.append(
            ClusterResult(
                name=c.name,
                hosts=tuple(h.host.name for h in members),
                configured=cc.configured,
                capacity=cc.capacity,
                demand=sum(h.demand for h in members),
                free=cc.capacity - sum(h.demand for h in members),
                overcommit_ratio=cc.configured / cc.capacity if cc.capacity else 0.0,
                state=state,
                verdict=worst(
                    [*own[("cluster", c.name)], *(h.verdict for h in members), *unplaced_verdicts]
                ),
                location=c.location,
                ha=failover.get(c.name),
                drs=c.drs,
            )
        )
    return Report(
        source=inventory.source,
        verdict=worst(f.severity for f in counted),
        clusters=tuple(sorted(clusters, key=lambda c: c.name)),
        hosts=tuple(sorted(hosts.values(), key=_host_key)),
        vms=tuple(vms[n] for n in sorted(vms)),
        findings=tuple(findings),
        policy=inventory.policy,
        collected=inventory.collected.date() if inventory.collected is not None else None,
    )


_FAILOVER_RULES = frozenset({"MP301", "MP302", "MP303"})
"""The findings about a failure scenario's restarts and survivors (not the forecast's)."""


def _host_key(h: HostResult) -> tuple[int, str, str]:
    return (h.host.cluster is None, h.host.cluster or "", h.host.name)


def headroom_report(
    inventory: Inventory,
    shape: VM,
    keep: MemState,
    scenario: Scenario | None = None,
    cluster: str | None = None,
) -> HeadroomReport:
    """How many more VMs of ``shape`` fit per host and per cluster (docs/projection.md).

    With a growth rate or a horizon in ``scenario``, the counts stand at the horizon
    (default 12 months): on the inventory the forecast sees then (projection.ahead(): VMs
    grown, planned changes applied, demand growth's new VMs placed)."""
    from memplan.engine import headroom as room  # the headroom command's alone

    scenario = scenario or Scenario()
    inventory = observed.observe(inventory)
    host_of, _ = place(inventory)
    ahead = None
    if scenario.as_of is not None and (
        scenario.growth is not None or scenario.horizon_months is not None
    ):
        from memplan.engine import projection  # only at a horizon: start-up time

        months = scenario.horizon_months or projection.DEFAULT_HORIZON_MONTHS
        inventory, ahead = projection.ahead(
            inventory, host_of, scenario.as_of, months, scenario.growth, scenario.growth_scope
        )
        host_of = {vm.name: vm.host for vm in inventory.vms}
    by_host = vms_by_host(inventory, host_of)
    chosen = [h for h in inventory.hosts if cluster is None or h.cluster == cluster]
    spare = {n for c in inventory.clusters if c.ha for n in c.ha.failover_hosts}
    hosts = tuple(
        room.host_headroom(h, by_host[h.name], shape, inventory.policy, keep)
        for h in sorted(chosen, key=lambda h: (h.cluster is None, h.cluster or "", h.name))
        if h.name not in spare
    )
    clusters = tuple(
        room.cluster_headroom(
            c, [h for h in inventory.hosts if h.cluster == c.name and not h.maintenance], by_host,
            replace(shape, cluster=c.name), inventory.policy, keep, scenario,
            "today" if ahead is None else f"at {ahead.until.isoformat()}",
        )
        for c in sorted(inventory.clusters, key=lambda c: c.name)
        if cluster is None or c.name == cluster
    )  # fmt: skip
    from memplan.model import HeadroomReport  # headroom's classes: not created for check

    return HeadroomReport(inventory.source, shape, keep, hosts, clusters, scenario.echo, ahead)

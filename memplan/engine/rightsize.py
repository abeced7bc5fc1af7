"""What can be given back: a recommended size per VM, and what applying it buys. Pure.

Per powered-on VM (docs/rightsize.md): peak active = the largest active figure over
the snapshots (one inventory: its own); recommended = peak active x (1 + buffer),
rounded up to the step, at least the reservation and one step, at most min(configured,
limit); reclaimable = configured - recommended. A VM without an active figure gets no
recommendation. Applying the recommendations resizes each VM (consumed and active are
capped by the new size, an estimated overhead is estimated again, share levels scale),
and the inventory is evaluated before and after with the same memory model as check.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from fractions import Fraction

from memplan import esxi
from memplan.engine import observed
from memplan.engine.evaluate import evaluate, headroom_report, place, vms_by_host
from memplan.engine.hostmodel import evaluate_host
from memplan.model import (
    VM,
    ClusterSizing,
    Forecast,
    HeadroomReport,
    HostSizing,
    Inventory,
    MemState,
    PoweredOffVM,
    Report,
    RightsizeReport,
    Scenario,
    Sizing,
    VMSample,
    VMSizing,
)
from memplan.units import MIB, format_size

IDLE_FRACTION = Fraction(1, 100)
"""A VM is idle when its active memory is below this fraction of its configured memory in
every snapshot (issue 20; Aria Operations lets the user set its own idleness criteria)."""
IDLE_MIN_DAYS = 7
"""...over at least two snapshots this many days apart: one sample never makes a VM idle."""
NO_ACTIVE = "no active figure"
ONE_SAMPLE = "one sample"


def own_sample(vm: VM, at: datetime | None) -> VMSample:
    """The VM as the inventory itself sees it (active None when it is only assumed)."""
    return VMSample(at, vm.powered_on, vm.memory, vm.active if vm.active_given else None)


def _ordered(samples: Iterable[VMSample]) -> list[VMSample]:
    """Samples by date, undated last; one per date (a later one replaces an earlier one)."""
    by_date: dict[datetime | None, VMSample] = {}
    for s in samples:
        by_date[s.at] = s
    return sorted(by_date.values(), key=lambda s: (s.at is None, s.at or datetime.min))


def _span_days(samples: Sequence[VMSample]) -> int | None:
    dates = [s.at for s in samples if s.at is not None]
    return (max(dates) - min(dates)).days if len(dates) >= 2 else None


def basis_of(samples: Sequence[VMSample]) -> str:
    """ "one sample", "N snapshots over D days" or "no active figure"."""
    measured = [s for s in samples if s.powered_on and s.active is not None]
    if not measured:
        return NO_ACTIVE
    if len(measured) == 1:
        return ONE_SAMPLE
    days = _span_days(measured)
    over = f" over {days} days" if days is not None else " (undated)"
    return f"{len(measured)} snapshots{over}"


def is_idle(samples: Sequence[VMSample]) -> bool:
    """Active below 1% of configured in every snapshot, over at least two snapshots 7 or
    more days apart (a snapshot that saw it off, or gave no active figure, breaks it)."""
    if len(samples) < 2 or not samples[-1].powered_on:
        return False
    for s in samples:
        if not s.powered_on or s.active is None or s.active >= s.memory * IDLE_FRACTION:
            return False
    days = _span_days(samples)
    return days is not None and days >= IDLE_MIN_DAYS


def _size(n: int) -> str:
    return format_size(n)


def recommend(
    vm: VM, sizing: Sizing, samples: Sequence[VMSample], host: str | None = None
) -> VMSizing:
    """The recommendation for powered-on ``vm`` from its ``samples`` (oldest first, the
    inventory's own last)."""
    samples = _ordered(samples)
    measured = [s.active for s in samples if s.powered_on and s.active is not None]
    basis = basis_of(samples)
    idle = is_idle(samples)
    common = (vm.name, vm.cluster, host, vm.memory, vm.reservation, vm.limit)
    if not measured:
        why = "active not given (memplan assumes active = consumed): no recommendation"
        return VMSizing(*common, None, None, 0, basis, why, idle)
    peak = max(measured)
    factor = 1 + sizing.buffer
    wanted = Fraction(peak) * factor
    rounded = math.ceil(wanted / sizing.step) * sizing.step
    size = max(rounded, vm.reservation, sizing.step)
    cap = vm.entitled_memory
    formula = f"peak active {_size(peak)} x {float(factor):g} = {format_size(math.ceil(wanted), digits=2)}"
    if size >= cap:
        size = cap
        if vm.limit is not None and vm.limit < vm.memory:
            why = (
                f"capped at the limit {_size(vm.limit)}: the {_size(vm.memory - vm.limit)}"
                f" above it is reclaimable at no cost to the guest ({formula})"
            )
        elif vm.reservation >= vm.memory:
            why = f"reserved in full ({_size(vm.reservation)}): nothing to give back"
        else:
            why = f"{formula}: no smaller step fits; keep the configured size"
    elif size == vm.reservation and vm.reservation > rounded and vm.reservation > sizing.step:
        why = f"the reservation {_size(vm.reservation)} is the floor ({formula})"
    elif size == sizing.step and sizing.step > rounded:
        why = f"one step ({_size(sizing.step)}) is the floor ({formula})"
    else:
        why = f"{formula}, rounded up" if size - wanted >= MIB else formula
    return VMSizing(*common, peak, size, vm.memory - size, basis, why, idle)


def powered_off(vm: VM, samples: Sequence[VMSample]) -> PoweredOffVM:
    """A powered-off VM: what powering it on would cost, and how long snapshots show it off."""
    samples = _ordered(samples)
    run: list[VMSample] = []
    for s in reversed(samples):
        if s.powered_on:
            break
        run.append(s)
    since = min((s.at for s in run if s.at is not None), default=None)
    latest = max((s.at for s in samples if s.at is not None), default=None)
    days = (latest - since).days if since is not None and latest is not None else None
    return PoweredOffVM(
        vm.name, vm.cluster, vm.host, vm.memory, vm.entitled_memory + vm.overhead,
        vm.reservation + vm.overhead, since, days, len(run),
    )  # fmt: skip


def history_of(snapshots: Sequence[Inventory], current: Inventory) -> dict[str, list[VMSample]]:
    """Each VM of ``current``, seen in earlier ``snapshots``: by uuid when the VM has one
    (it follows the VM through renames), else by name; a VM of the same name with another
    uuid is another VM. Samples come oldest first."""
    out: dict[str, list[VMSample]] = defaultdict(list)
    by_uuid = {vm.uuid: vm.name for vm in current.vms if vm.uuid}
    names = {vm.name: vm.uuid for vm in current.vms}
    for snap in sorted(snapshots, key=lambda s: s.collected or datetime.min):
        for vm in snap.vms:
            name = by_uuid.get(vm.uuid) if vm.uuid else None
            if name is None and vm.name in names:
                uuid = names[vm.name]
                name = vm.name if uuid is None or vm.uuid in (None, uuid) else None
            if name is not None:
                out[name].append(own_sample(vm, snap.collected))
    return dict(out)


def plan(
    inventory: Inventory,
    sizing: Sizing,
    history: Mapping[str, Sequence[VMSample]] | None = None,
    host_of: Mapping[str, str | None] | None = None,
    cluster: str | None = None,
) -> tuple[tuple[VMSizing, ...], tuple[PoweredOffVM, ...]]:
    """Every powered-on VM's recommendation and every powered-off VM, sorted by name.

    ``history`` maps a VM's name to its samples in earlier snapshots (matched by uuid or
    name by the loader); the inventory itself is always the latest sample.
    """
    history = history or {}
    sized: list[VMSizing] = []
    off: list[PoweredOffVM] = []
    for vm in sorted(inventory.vms, key=lambda v: v.name):
        if cluster is not None and vm.cluster != cluster:
            continue
        samples = [*history.get(vm.name, ()), own_sample(vm, inventory.collected)]
        if vm.powered_on:
            host = vm.host if host_of is None else host_of.get(vm.name, vm.host)
            sized.append(recommend(vm, sizing, samples, host))
        else:
            off.append(powered_off(vm, samples))
    return tuple(sized), tuple(off)


def _power_on_states(
    inventory: Inventory, off: tuple[PoweredOffVM, ...]
) -> tuple[PoweredOffVM, ...]:
    """Each powered-off VM with its host's state today and with it powered on, alone."""
    if not any(p.host for p in off):
        return off
    seen = observed.observe(inventory)  # hosts resting on observation start from it
    host_of, _ = place(seen)
    by_host = vms_by_host(seen, host_of)
    hosts = {h.name: h for h in seen.hosts}
    vm_of = {vm.name: vm for vm in seen.vms}
    today: dict[str, MemState] = {}
    out = []
    for p in off:
        host = hosts.get(p.host) if p.host else None
        if host is None:
            out.append(p)
            continue
        vms = by_host[host.name]
        if host.name not in today:
            today[host.name] = evaluate_host(host, vms, seen.policy, per_vm=False)[0].state
        on = replace(vm_of[p.name], powered_on=True)
        with_it = [on if vm.name == p.name else vm for vm in vms]
        state = evaluate_host(host, with_it, seen.policy, per_vm=False)[0].state
        out.append(replace(p, state_if_on=(today[host.name], state)))
    return tuple(out)


def resized(vm: VM, size: int) -> VM:
    """``vm`` with ``size`` bytes of configured memory: consumed and active capped by it,
    an estimated overhead estimated again, a share level's shares scaled with it."""
    overhead = esxi.estimate_overhead(size, vm.vcpus) if vm.overhead_estimated else vm.overhead
    shares = vm.shares
    if vm.shares_level in esxi.SHARES_PER_MIB:
        shares = esxi.SHARES_PER_MIB[vm.shares_level] * size // MIB
    return replace(
        vm, memory=size, consumed=min(vm.consumed, size), active=min(vm.active, size),
        overhead=overhead, shares=shares,
    )  # fmt: skip


def apply(inventory: Inventory, sizings: Iterable[VMSizing]) -> Inventory:
    """The inventory with every recommendation applied (VMs without one stay as they are).

    On a host whose demand rests on vCenter's observation (engine/observed.py: its VMs give
    no consumed figure), the VMs are first scaled to the observation, then resized, and a
    resized VM's consumed figure counts as given: its host's demand is then its VMs' own,
    so what resizing gives back shows instead of the observation pinning it."""
    size = {s.name: s.recommended for s in sizings if s.recommended is not None and s.reclaimable}
    if not size:
        return inventory
    rest = observed.resting(inventory)
    if any(vm.host in rest for vm in inventory.vms if vm.name in size):
        inventory = observed.observe(inventory)

    def one(vm: VM) -> VM:
        out = resized(vm, size[vm.name])
        return replace(out, consumed_given=True) if vm.host in rest else out

    vms = tuple(one(vm) if vm.name in size else vm for vm in inventory.vms)
    return replace(inventory, vms=vms)


def rightsized(
    inventory: Inventory, sizing: Sizing, snapshots: Sequence[Inventory] = ()
) -> Inventory:
    """The ``--rightsize`` what-if: the inventory after its own recommendations."""
    return apply(inventory, plan(inventory, sizing, history_of(snapshots, inventory))[0])


def report(
    inventory: Inventory,
    sizing: Sizing,
    scenario: Scenario | None = None,
    *,
    snapshots: Sequence[Inventory] = (),
    cluster: str | None = None,
    shape: VM | None = None,
    keep: MemState = MemState.CLEAR,
) -> RightsizeReport:
    """Recommendations from the inventory and earlier ``snapshots``, and every host and
    cluster evaluated before and after applying them."""
    scenario = scenario or Scenario()
    before = evaluate(inventory, scenario)
    host_of = {r.vm.name: r.host for r in before.vms}
    vms, off = plan(inventory, sizing, history_of(snapshots, inventory), host_of, cluster)
    off = _power_on_states(inventory, off)
    resized_inventory = apply(inventory, vms)
    after = evaluate(resized_inventory, scenario)
    before_fc, after_fc = before.forecast, after.forecast
    growth = _growth_basis(inventory, scenario) if before_fc is not None else None
    trend = _trend_forecasts(inventory, resized_inventory, snapshots, scenario)
    rooms: tuple[HeadroomReport, HeadroomReport] | None = None
    if shape is not None:
        # with a typed growth or horizon the counts stand at the horizon, new VMs arrived, as
        # memplan headroom counts them; growth learnt from snapshots has no such inventory
        # (engine/trend.py): then they are today's
        at = scenario if trend is None else replace(scenario, growth=None, horizon_months=None)
        rooms = (
            headroom_report(inventory, shape, keep, at, cluster),
            headroom_report(resized_inventory, shape, keep, at, cluster),
        )
    if trend is not None:
        (before_fc, after_fc), growth = trend
    reclaim: dict[str | None, int] = defaultdict(int)
    reclaim_cluster: dict[str | None, int] = defaultdict(int)
    for s in vms:
        reclaim[s.host] += s.reclaimable
        reclaim_cluster[s.cluster] += s.reclaimable
    forecasts = (before_fc, after_fc)
    hosts = _hosts(before, after, forecasts, reclaim, rooms, cluster)
    clusters = _clusters(before, after, forecasts, reclaim_cluster, rooms, cluster)
    dates = {s.collected for s in snapshots} | {inventory.collected}
    known = [d for d in dates if d is not None]
    return RightsizeReport(
        inventory.source, sizing, len(dates), min(known, default=None), inventory.collected,
        vms, off, hosts, clusters, before_fc, growth, shape, keep, cluster, scenario.echo,
        rooms[0].ahead if rooms else None,
    )  # fmt: skip


def _growth_basis(inventory: Inventory, scenario: Scenario) -> str:
    if scenario.growth is not None:
        given = [w.value for w in scenario.echo if w.flag == "--growth"]
        return f"--growth {given[-1] if given else f'{scenario.growth * 100:g}%/month'}"
    return "the inventory's growth and plans"


def _trend_forecasts(
    inventory: Inventory, resized: Inventory, snapshots: Sequence[Inventory], scenario: Scenario
) -> tuple[tuple[Forecast, Forecast], str] | None:
    """Forecasts before and after from the growth learnt from the snapshots (memplan trend),
    when there are two or more dated ones and no --growth overrides them."""
    if scenario.growth is not None or not snapshots:
        return None
    dated = {s.collected: s for s in snapshots if s.collected is not None}
    if inventory.collected is not None:
        dated[inventory.collected] = inventory
    if len(dated) < 2:
        return None
    from memplan.engine import projection, trend  # only with snapshots: start-up time

    try:
        history = trend.learn([dated[d] for d in sorted(dated)], inventory)
    except (trend.ShortSpan, trend.OtherEstate):  # less than a day from first to last, or
        return None  # no snapshot of the inventory's estate: no growth, as with one snapshot
    as_of = scenario.as_of or (inventory.collected.date() if inventory.collected else None)
    assert as_of is not None
    horizon = scenario.horizon_months or projection.DEFAULT_HORIZON_MONTHS
    window = scenario.fail_within_days
    if window is not None:  # as check --history does: the window is projected in full
        horizon = max(horizon, projection.month_of(as_of, as_of + timedelta(days=window)))
    return (
        trend.forecast(inventory, history, as_of, horizon, window),
        trend.forecast(resized, history, as_of, horizon, window),
    ), f"trend of {len(dated)} snapshots"


Dates = dict[str, tuple[date | None, date | None]]


def _dates(f: Forecast | None) -> tuple[Dates, Dates]:
    """(balloon_at, swap_at) per host and per cluster; empty without a forecast."""
    if f is None:
        return {}, {}
    return (
        {h.host: (h.balloon_at, h.swap_at) for h in f.hosts},
        {c.cluster: (c.balloon_at, c.swap_at) for c in f.clusters},
    )


def _hosts(
    before: Report,
    after: Report,
    forecasts: tuple[Forecast | None, Forecast | None],
    reclaim: Mapping[str | None, int],
    rooms: tuple[HeadroomReport, HeadroomReport] | None,
    cluster: str | None,
) -> tuple[HostSizing, ...]:
    a_hosts = {h.host.name: h for h in after.hosts}
    b_dates, a_dates = _dates(forecasts[0])[0], _dates(forecasts[1])[0]
    room_b, room_a = ({h.host: h.count for h in r.hosts} for r in rooms) if rooms else ({}, {})
    out = []
    for b in before.hosts:
        if cluster is not None and b.host.cluster != cluster:
            continue
        name = b.host.name
        a = a_hosts[name]
        bd, ad = b_dates.get(name, (None, None)), a_dates.get(name, (None, None))
        out.append(
            HostSizing(
                name, b.host.cluster, reclaim.get(name, 0), (b.free, a.free), (b.state, a.state),
                (b.balloon, a.balloon), (b.swap, a.swap), (bd[0], ad[0]), (bd[1], ad[1]),
                (room_b.get(name), room_a.get(name)),
            )
        )  # fmt: skip
    return tuple(out)


def _clusters(
    before: Report,
    after: Report,
    forecasts: tuple[Forecast | None, Forecast | None],
    reclaim: Mapping[str | None, int],
    rooms: tuple[HeadroomReport, HeadroomReport] | None,
    cluster: str | None,
) -> tuple[ClusterSizing, ...]:
    a_clusters = {c.name: c for c in after.clusters}
    b_dates, a_dates = _dates(forecasts[0])[1], _dates(forecasts[1])[1]
    room_b, room_a = (
        (
            {c.cluster: c.count if c.count_ha is None else c.count_ha for c in r.clusters}
            for r in rooms
        )
        if rooms
        else ({}, {})
    )
    out = []
    for b in before.clusters:
        if cluster is not None and b.name != cluster:
            continue
        a = a_clusters[b.name]
        bd, ad = b_dates.get(b.name, (None, None)), a_dates.get(b.name, (None, None))
        out.append(
            ClusterSizing(
                b.name, reclaim.get(b.name, 0), (b.free, a.free),
                (b.overcommit_ratio, a.overcommit_ratio), (b.state, a.state), (bd[0], ad[0]),
                (bd[1], ad[1]), (room_b.get(b.name), room_a.get(b.name)),
                (b.ha.state_after if b.ha else None, a.ha.state_after if a.ha else None),
            )
        )  # fmt: skip
    return tuple(out)

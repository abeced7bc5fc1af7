"""When does it stop being fine: growth and planned changes over time. Pure functions.

Model (docs/projection.md): each VM's consumed and active memory compound monthly by its
growth rate from the month it exists, capped by its usage bound (min(configured, limit)),
so a VM that already holds all its memory does not grow. Planned changes apply from the
first month on or after their date. Between two planned changes a host's demand can only
grow, so its state can only worsen, and the first month it reaches soft or hard state is
found by bisection: exact at month resolution, with no sampling.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from memplan.engine.hostmodel import Load, admits, evaluate_load, figures, reclaims, vm_demand
from memplan.model import (
    VM,
    ClusterForecast,
    Forecast,
    Host,
    HostForecast,
    HostResult,
    Inventory,
    MemState,
    Note,
    PlannedChange,
    TimelinePoint,
)

DEFAULT_HORIZON_MONTHS = 12


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, clamped to the month's last day (Jan 31 + 1 = Feb 28)."""
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def month_of(as_of: date, when: date) -> int:
    """The first month index whose date is on or after ``when`` (0 for past dates)."""
    m = 0
    while add_months(as_of, m) < when:
        m += 1
    return m


def grown(vm: VM, months: int) -> VM:
    """``vm`` after ``months`` of compounding growth, capped by its usage bound."""
    if months <= 0 or vm.growth == 0:
        return vm
    return vm.with_usage(*usage(vm, months))


def usage(vm: VM, months: int) -> tuple[int, int]:
    """Consumed and active memory of ``vm`` after ``months`` of growth (see grown())."""
    if months <= 0 or vm.growth == 0:
        return vm.consumed, vm.active
    factor = (1 + vm.growth) ** months
    held = min(vm.consumed, vm.entitled_memory)
    consumed = min(vm.entitled_memory, round(held * factor))
    return consumed, min(consumed, round(min(vm.active, held) * factor))


@dataclass
class _World:
    """The inventory as it stands at some month: hosts, VMs, where each VM runs."""

    inventory: Inventory
    hosts: dict[str, Host]
    vms: dict[str, VM]
    born: dict[str, int]
    notes: list[Note]
    by_host: dict[str, set[str]]
    """VM names per host, kept in step with ``vms`` (no scan of every VM per host)."""

    @classmethod
    def start(
        cls, inventory: Inventory, host_of: dict[str, str | None], growth: float | None
    ) -> _World:
        vms = {}
        for vm in inventory.vms:
            h = host_of.get(vm.name)
            if h is None or not vm.powered_on:
                continue
            rate = vm.growth if growth is None else growth
            vms[vm.name] = (
                vm if (vm.host, vm.growth) == (h, rate) else replace(vm, host=h, growth=rate)
            )
        hosts = {h.name: h for h in inventory.hosts}
        by_host: dict[str, set[str]] = {}
        for vm in vms.values():
            by_host.setdefault(vm.host or "", set()).add(vm.name)
        return cls(inventory, hosts, vms, dict.fromkeys(vms, 0), [], by_host)

    def put(self, vm: VM) -> None:
        """Place or move ``vm`` (its host field says where)."""
        self.drop(vm.name)
        self.vms[vm.name] = vm
        self.by_host.setdefault(vm.host or "", set()).add(vm.name)

    def drop(self, name: str) -> None:
        """Take ``name`` off its host."""
        old = self.vms.pop(name, None)
        if old is not None:
            self.by_host.get(old.host or "", set()).discard(name)

    def on_host(self, name: str, month: int) -> list[VM]:
        return [
            grown(self.vms[n], month - self.born[n]) for n in sorted(self.by_host.get(name, ()))
        ]

    def load(self, name: str, month: int) -> Load:
        """The host's load at ``month``: the VMs' figures come from their grown usage
        directly, without building a grown VM for each (this runs for every month probed)."""
        rows = []
        for n in sorted(self.by_host.get(name, ())):
            vm = self.vms[n]
            rows.append((vm, *figures(vm, *usage(vm, month - self.born[n]))))
        return Load.of(rows, len(rows))

    def host_result(self, name: str, month: int) -> HostResult:
        return evaluate_load(self.hosts[name], self.load(name, month), self.inventory.policy)

    def reclaims(self, name: str, month: int) -> bool:
        """Whether the host is in soft state or worse at ``month`` (no MemSched split)."""
        return reclaims(self.hosts[name], self.load(name, month), self.inventory.policy)

    def apply(self, change: PlannedChange, month: int, growth: float | None) -> None:
        if change.kind == "add-host" and change.host is not None:
            self.hosts[change.host.name] = change.host
            self._rebalance(change.host, month)
        elif change.kind == "retire-host" and change.target in self.hosts:
            gone = self.hosts.pop(change.target)
            moving = sorted(
                (self.vms[n] for n in self.by_host.get(gone.name, ())),
                key=lambda vm: (-vm.memory, vm.name),
            )
            for vm in moving:
                self._place(vm, gone.cluster, month, f"retiring {gone.name}")
        elif change.kind == "add-vm" and change.vm is not None:
            vm = change.vm
            if growth is not None:
                vm = replace(vm, growth=growth)
            self.born[vm.name] = month
            if not vm.powered_on:
                return
            if vm.host is not None and vm.host in self.hosts:
                self.put(vm)
            else:
                self._place(vm, vm.cluster, month, f"adding {vm.name}")

    def _free(self, name: str, month: int) -> int:
        return self.hosts[name].capacity - sum(vm_demand(v) for v in self.on_host(name, month))

    def _rebalance(self, new: Host, month: int) -> None:
        """DRS-like: move VMs from the host with the least free memory to the new host while
        the move leaves the new host with more free memory than the source had."""
        if new.cluster is None:
            return
        for _ in range(len(self.vms)):
            peers = [
                h for h in self.hosts.values()
                if h.cluster == new.cluster and h is not new and not h.maintenance
            ]  # fmt: skip
            if not peers:
                return
            src = min(peers, key=lambda h: (self._free(h.name, month), h.name))
            src_free, dst_free = self._free(src.name, month), self._free(new.name, month)
            reserved = sum(v.reservation + v.overhead for v in self.on_host(new.name, month))
            movable = [
                v for v in self.on_host(src.name, month)
                if dst_free - vm_demand(v) > src_free and admits(new, v, reserved)
            ]  # fmt: skip
            if not movable:
                return
            vm = max(movable, key=lambda v: (vm_demand(v), v.name))
            self.put(replace(self.vms[vm.name], host=new.name))

    def _place(self, vm: VM, cluster: str | None, month: int, why: str) -> None:
        """Put ``vm`` on the host of ``cluster`` with the most free memory that admits it."""
        self.drop(vm.name)
        best: tuple[int, str] | None = None
        for h in self.hosts.values():
            if h.cluster != cluster or cluster is None or h.maintenance:
                continue
            on = self.on_host(h.name, month)
            reserved = sum(v.reservation + v.overhead for v in on)
            if not admits(h, vm, reserved):
                continue
            free = h.capacity - sum(vm_demand(v) for v in on)
            if best is None or (free, h.name) > best:
                best = (free, h.name)
        if best is None:
            self.notes.append(
                Note("left-out", f"{why}: {vm.name} fits no host of its cluster and is left out")
            )
            self.born.pop(vm.name, None)
            return
        self.put(replace(vm, host=best[1]))


def _segments(
    inventory: Inventory, as_of: date, horizon: int
) -> Iterator[tuple[int, int, list[PlannedChange]]]:
    """(first month, end month exclusive, changes applied at the first month)."""
    by_month: dict[int, list[PlannedChange]] = {}
    for change in inventory.planned:
        m = month_of(as_of, change.at)
        if m <= horizon:
            by_month.setdefault(m, []).append(change)
    starts = sorted({0, *by_month})
    for i, m in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else horizon + 1
        yield m, end, by_month.get(m, [])


def _first(lo: int, hi: int, bad: Callable[[int], bool]) -> int | None:
    """First month in [lo, hi) where ``bad(month)`` holds, assuming it stays true after."""
    if lo >= hi:
        return None
    if bad(lo):
        return lo
    if not bad(hi - 1):
        return None
    while lo < hi - 1:
        mid = (lo + hi - 1) // 2
        if bad(mid):
            hi = mid + 1
        else:
            lo = mid + 1
    return lo


def forecast(
    inventory: Inventory,
    host_of: dict[str, str | None],
    as_of: date,
    horizon: int,
    growth: float | None = None,
    fail_within_days: int | None = None,
    today: dict[str, MemState] | None = None,
) -> Forecast:
    """balloon_at and swap_at of every host and cluster within ``horizon`` months.

    ``today``, the state of each host as just evaluated, stands for month 0 when no
    planned change applies then: it is the same evaluation, and need not be made twice.
    """
    world = _World.start(inventory, host_of, growth)
    first: dict[str, dict[str, int]] = {}
    for start, end, changes in _segments(inventory, as_of, horizon):
        for change in changes:
            world.apply(change, start, growth)
        for name in sorted(world.hosts):
            seen = first.setdefault(name, {})
            states: dict[int, MemState] = {}
            if start == 0 and not changes and today and name in today:
                states[0] = today[name]
            soft: dict[int, bool] = {}

            def balloons(month: int, name: str = name, states: dict[int, MemState] = states,
                         soft: dict[int, bool] = soft) -> bool:  # fmt: skip
                """Worse than clear: free memory below the top of the soft band."""
                if month in states:
                    return states[month].rank > MemState.CLEAR.rank
                if month not in soft:
                    soft[month] = world.reclaims(name, month)
                return soft[month]

            def swaps(month: int, name: str = name, states: dict[int, MemState] = states) -> bool:
                """Worse than soft: this needs the host's whole evaluation."""
                if month not in states:
                    states[month] = world.host_result(name, month).state
                return states[month].rank > MemState.SOFT.rank

            grows = any(world.vms[n].growth for n in world.by_host.get(name, ()))
            last = end if grows else start + 1  # nothing grows: the state stays as it starts
            if "balloon" not in seen:
                m = _first(start, last, balloons)
                if m is not None:
                    seen["balloon"] = m
            if "swap" not in seen and "balloon" in seen:  # soft comes before hard and low
                m = _first(max(start, seen["balloon"]), last, swaps)
                if m is not None:
                    seen["swap"] = m
    all_hosts = {h.name: h for h in inventory.hosts}
    all_hosts.update({c.host.name: c.host for c in inventory.planned if c.host is not None})
    hosts = []
    for name, h in sorted(
        all_hosts.items(), key=lambda kv: (kv[1].cluster is None, kv[1].cluster or "", kv[0])
    ):
        seen = first.get(name, {})
        hosts.append(
            HostForecast(
                name,
                h.cluster,
                add_months(as_of, seen["balloon"]) if "balloon" in seen else None,
                add_months(as_of, seen["swap"]) if "swap" in seen else None,
                h.location,
            )
        )
    clusters = []
    for c in sorted(inventory.clusters, key=lambda c: c.name):
        members = [f for f in hosts if f.cluster == c.name]
        clusters.append(
            ClusterForecast(
                c.name,
                min((f.balloon_at for f in members if f.balloon_at), default=None),
                min((f.swap_at for f in members if f.swap_at), default=None),
                c.location,
            )
        )
    window = as_of + timedelta(days=fail_within_days) if fail_within_days is not None else None
    return Forecast(
        as_of, horizon, add_months(as_of, horizon), window, tuple(hosts), tuple(clusters),
        tuple(world.notes),
    )  # fmt: skip


def timeline(
    inventory: Inventory,
    host_of: dict[str, str | None],
    as_of: date,
    horizon: int,
    step: int = 1,
    growth: float | None = None,
) -> tuple[tuple[TimelinePoint, ...], tuple[Note, ...]]:
    """Every host, every ``step`` months from 0 to ``horizon``, and the projection's notes."""
    world = _World.start(inventory, host_of, growth)
    points: list[TimelinePoint] = []
    changes = {m: cs for m, _, cs in _segments(inventory, as_of, horizon)}
    for month in range(horizon + 1):
        for change in changes.get(month, []):
            world.apply(change, month, growth)
        if month % step and month != horizon:
            continue
        for name in sorted(world.hosts, key=lambda n: (world.hosts[n].cluster or "~", n)):
            r = world.host_result(name, month)
            points.append(
                TimelinePoint(
                    month,
                    add_months(as_of, month),
                    r.host.cluster,
                    name,
                    r.capacity,
                    r.demand,
                    r.free,
                    r.state,
                )
            )
    return tuple(points), tuple(world.notes)

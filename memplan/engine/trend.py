"""Growth learnt from dated snapshots, and when hosts balloon and swap under it. Pure functions.

Method (docs/trend.md):

1. **Follow VMs.** Snapshots are sorted by ``collected``; a VM is the same VM from one to
   the next by ``uuid`` when it has one, else by name.
2. **Separate steps from growth.** Between two appearances of a VM with the same configured
   size and limit, both powered on, the change of its demand (min(consumed, configured,
   limit) + overhead) is organic growth; when it is missing from snapshots in between, its
   demand there is interpolated in time. A VM that appears (or is powered on) brings a
   step up, one that disappears (or is powered off) a step down, a resize a step of its
   change. Steps are reported on their own (``arrivals_bytes_per_month``), never fitted.
3. **Fit.** Each host's and cluster's organic series (its demand with every step taken
   out: the running sum of its VMs' organic changes) is fitted against time with the
   Theil-Sen estimator (scipy.stats.theilslopes): the median of the slopes between every
   two snapshots, with its 95% confidence band. A noisy snapshot moves few of those
   slopes, so it cannot swing the median.
4. **When.** From "today" the host's fitted organic growth is spread over its VMs in
   proportion to each VM's own fitted growth, each VM capped at its size (growth beyond it
   is reported per VM); with arrivals, the cluster's arrival rate brings new VMs by
   demand growth's mechanism (engine/projection.py): shaped by typical_vm(), counted by
   arrivals() (arrival_months() inverts it), each placed by place_arrival() as any new
   cluster VM is. balloon_at and swap_at are the first days
   the host model that ``check`` runs puts the host in the soft (hard) state, found by
   bisection over days: demand only grows, so the state only worsens. The band's ends
   give the range of dates.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from memplan import esxi
from memplan.engine import ha
from memplan.engine.evaluate import place, vms_by_host
from memplan.engine.hostmodel import Load, evaluate_load, load_of, reclaims
from memplan.engine.observed import counted, is_standin, observe
from memplan.engine.projection import arrival_months, place_arrival, typical_vm
from memplan.errors import UsageError
from memplan.model import (
    VM,
    Arrivals,
    Cluster,
    ClusterForecast,
    ClusterTrend,
    DateRange,
    Fit,
    Forecast,
    Host,
    HostForecast,
    HostTrend,
    Inventory,
    Location,
    MemState,
    Note,
    Severity,
    Steps,
    TimelinePoint,
    TrendReport,
    VMLimit,
)
from memplan.units import GIB, MIB

MONTH_DAYS = 365.2425 / 12
"""Days in an average Gregorian month: the unit of every slope."""
CONFIDENCE = 0.95
"""Confidence of the slope's band."""
METHOD = "theil-sen"
DEFAULT_HORIZON_MONTHS = 24
INSTALL_HINT = "pip install 'memplan[history]'"


MIN_SPAN = timedelta(days=1)
"""The least time from the first snapshot to the last: a monthly rate from two exports taken
hours apart (or one export copied twice) multiplies a few hours' noise by hundreds."""


class ShortSpan(UsageError):
    """The snapshots are less than MIN_SPAN apart, first to last."""


class OtherEstate(UsageError):
    """Fewer than two snapshots of one estate (one_estate())."""


def _apart(gap: timedelta) -> str:
    """``gap`` in words: '40 minutes', '2 hours', '23.5 hours', '9 days'."""
    seconds = gap.total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size or unit == "minute":
            n = round(seconds / size, 1 if unit != "minute" else None)
            return f"{n:g} {unit}{'' if n == 1 else 's'}"
    raise AssertionError  # pragma: no cover - minutes catch the rest


def _too_short(ordered: Sequence[Inventory]) -> str:
    """The usage error of snapshots less than MIN_SPAN apart, first to last."""
    first, last = ordered[0].collected, ordered[-1].collected
    assert first is not None
    assert last is not None
    which = (
        " and ".join(s.source for s in ordered)
        if len(ordered) <= 3
        else f"the {len(ordered)} snapshots"
    )
    return (
        f"{which} were collected {_apart(last - first)} apart ({first:%Y-%m-%d %H:%M} to"
        f" {last:%Y-%m-%d %H:%M}): growth needs snapshots at least a day apart, first to"
        " last; a monthly rate from less would be noise"
    )


def months_between(a: datetime | date, b: datetime | date) -> float:
    """Months (of MONTH_DAYS days) from ``a`` to ``b``."""
    if not isinstance(a, datetime):
        a = datetime(a.year, a.month, a.day)
    if not isinstance(b, datetime):
        b = datetime(b.year, b.month, b.day)
    return (b - a).total_seconds() / 86400 / MONTH_DAYS


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """(slope, low, high): scipy's Theil-Sen slope and its confidence band (pairs of
    points at the same time are left out, as theilslopes does)."""
    try:
        from scipy.stats import theilslopes  # type: ignore[import-untyped]  # trend only
    except ImportError:  # pragma: no cover - the test extras install scipy
        raise UsageError(
            f"learning growth from history needs scipy, which is not installed: {INSTALL_HINT}"
        ) from None
    if len(xs) == 2:  # one pair: its slope, and no band to speak of
        slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
        return slope, slope, slope
    import numpy as np

    with np.errstate(invalid="ignore"):
        result = theilslopes(list(ys), list(xs), alpha=CONFIDENCE)
    slope, low, high = float(result[0]), float(result[2]), float(result[3])
    if not (math.isfinite(low) and math.isfinite(high)):
        # many points at the same time leave scipy's variance formula without a root: the
        # band of the points merged by time (the median of each moment's values) stands in
        merged: dict[float, list[float]] = defaultdict(list)
        for x, y in zip(xs, ys, strict=True):
            merged[x].append(y)
        mx = sorted(merged)
        if len(mx) < len(xs) and len(mx) >= 2:
            my = [float(np.median(merged[x])) for x in mx]
            low, high = theil_sen(mx, my)[1:]
        else:  # pragma: no cover - scipy gives a band for distinct times
            low = high = slope
    return slope, min(low, slope), max(high, slope)


def vm_slopes(xs: Sequence[float], rows: Sequence[Sequence[float]]) -> list[float]:
    """The Theil-Sen slope (theil_sen()'s, without its band) of each row of ``rows`` against
    ``xs``, for many rows at once: the median of the slopes between every two points at
    different times. Thousands of VMs share a few sets of dates; one call of scipy per VM
    would cost a millisecond each."""
    import numpy as np

    i, j = np.triu_indices(len(xs), k=1)
    x = np.asarray(xs, dtype=float)
    dx = x[j] - x[i]
    keep = dx > 0
    y = np.asarray(rows, dtype=float)
    slopes = (y[:, j[keep]] - y[:, i[keep]]) / dx[keep]
    return [float(v) for v in np.median(slopes, axis=1)]


# --- following VMs through the snapshots ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Seen:
    """One VM in one snapshot."""

    index: int
    vm: VM
    host: str | None
    cluster: str | None
    held: int
    """min(consumed, configured, limit) when powered on, else 0."""
    demand: int
    """held + overhead when powered on, else 0."""

    @property
    def on(self) -> bool:
        return self.vm.powered_on and self.host is not None

    def continues(self, later: _Seen) -> bool:
        """The same VM, powered on in both, with the same size and limit: what changes
        between the two is organic."""
        if is_standin(self.vm) and is_standin(later.vm):  # unlisted VMs: observed usage
            return self.on and later.on
        return (
            self.on
            and later.on
            and (self.vm.memory, self.vm.limit) == (later.vm.memory, later.vm.limit)
        )


def _follow(snapshots: Sequence[Inventory]) -> list[list[_Seen]]:
    """Every VM's appearances, oldest first: by uuid when it has one, else by name."""
    lives: list[list[_Seen]] = []
    by_uuid: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for i, inv in enumerate(snapshots):
        host_of, _ = place(inv)
        clusters = {h.name: h.cluster for h in inv.hosts}
        claimed: set[int] = set()
        for vm in inv.vms:
            h = host_of.get(vm.name)
            on = vm.powered_on and h is not None
            held = min(vm.consumed, vm.entitled_memory) if on else 0
            seen = _Seen(i, vm, h, clusters.get(h) if h else vm.cluster, held,
                         held + vm.overhead if on else 0)  # fmt: skip
            who = by_uuid.get(vm.uuid) if vm.uuid else None
            if who is None or who in claimed:
                who = by_name.get(vm.name)
                if who is not None and (
                    who in claimed or (vm.uuid and lives[who][-1].vm.uuid not in (None, vm.uuid))
                ):
                    who = None
            if who is None:
                who = len(lives)
                lives.append([])
            lives[who].append(seen)
            claimed.add(who)
            if vm.uuid:
                by_uuid[vm.uuid] = who
            by_name[vm.name] = who
    return lives


# --- learning ---------------------------------------------------------------------------


@dataclass
class History:
    """What the snapshots say: each host's and cluster's fitted organic growth and steps,
    and each VM's own organic growth."""

    snapshots: tuple[Inventory, ...]
    """Oldest first."""
    host_fits: dict[str, Fit] = field(default_factory=dict)
    cluster_fits: dict[str, Fit] = field(default_factory=dict)
    host_steps: dict[str, Steps] = field(default_factory=dict)
    cluster_steps: dict[str, Steps] = field(default_factory=dict)
    host_history: dict[str, tuple[int, ...]] = field(default_factory=dict)
    cluster_history: dict[str, tuple[int, ...]] = field(default_factory=dict)
    vm_by_uuid: dict[str, float] = field(default_factory=dict)
    """Organic growth of each VM in the last snapshot, bytes/month, by uuid..."""
    vm_by_name: dict[str, float] = field(default_factory=dict)
    """... and by name."""
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    """A note for each snapshot left out as another estate's (one_estate())."""

    def vm_slope(self, vm: VM) -> float | None:
        """The VM's own fitted organic growth, bytes/month; None when unknown."""
        if vm.uuid and vm.uuid in self.vm_by_uuid:
            return self.vm_by_uuid[vm.uuid]
        return self.vm_by_name.get(vm.name)


_Keys = tuple[frozenset[str], frozenset[str], frozenset[str]]


def _keys(inv: Inventory) -> _Keys:
    """What ties a snapshot to another: its host names, its VMs' uuids, its VMs' names."""
    return (
        frozenset(h.name for h in inv.hosts),
        frozenset(vm.uuid for vm in inv.vms if vm.uuid),
        frozenset(vm.name for vm in inv.vms),
    )


def _related(a: _Keys, b: _Keys) -> bool:
    """One estate: a host in common, or a VM's uuid, or at least half of the smaller one's VM
    names (a VM name alone, 'web01', is common to many estates; the same names in one
    estate after its hosts were replaced are not)."""
    if a[0] & b[0] or a[1] & b[1]:
        return True
    fewer = min(len(a[2]), len(b[2]))
    return fewer > 0 and 2 * len(a[2] & b[2]) >= fewer


def _names(sources: Sequence[str], many: str) -> str:
    return " and ".join(sources) if len(sources) <= 3 else many


def one_estate(
    snapshots: Sequence[Inventory], today: Inventory | None = None, *, least: int = 2
) -> tuple[list[Inventory], list[str]]:
    """The snapshots of ``today``'s estate (the latest snapshot's when None), in the order
    given, and a note for each other one. One estate: a snapshot related (_related()) to
    ``today``, or to a snapshot that is. Raises UsageError when fewer than ``least`` remain
    (at least one): a history of another estate would count every VM of it as an arrival or
    a removal. rightsize's peaks need only one (``least=1``), growth two."""
    keys = [_keys(s) for s in snapshots]
    if today is None:
        reached = {len(snapshots) - 1}
        ref = f"the latest snapshot, {snapshots[-1].source},"
    else:
        ref_keys = _keys(today)
        reached = {i for i, k in enumerate(keys) if _related(ref_keys, k)}
        ref = today.source
    todo = list(reached)
    while todo:
        i = todo.pop()
        for j, k in enumerate(keys):
            if j not in reached and _related(keys[i], k):
                reached.add(j)
                todo.append(j)
    kept = [s for i, s in enumerate(snapshots) if i in reached]
    other = [s.source for i, s in enumerate(snapshots) if i not in reached]
    if today is None and len(kept) < 2:
        latest = snapshots[-1].source
        raise OtherEstate(
            f"{latest}, the latest snapshot, shares no host or VM with"
            f" {_names(other, f'any of the {len(other)} others')}: they are not one estate's"
            f" history; leave {latest} out, or give one estate's snapshots"
        )
    if today is not None and not kept:
        raise OtherEstate(
            f"none of the {len(other)} snapshots ({_names(other, f'{other[0]} ... {other[-1]}')})"
            f" shares a host or VM with {today.source}: the history is another estate's"
        )
    if today is not None and len(kept) < least:
        raise OtherEstate(
            f"growth needs two or more dated snapshots of {today.source}'s estate: only"
            f" {kept[0].source} shares a host or VM with it ({len(other)} other"
            f"{'' if len(other) == 1 else 's'} left out: {_names(other, f'{other[0]} ...')})"
        )
    notes = [
        f"{source} shares no host or VM with {ref} nor with the snapshots that do: left out,"
        " as another estate's"
        for source in other
    ]
    return kept, notes


def learn(snapshots: Sequence[Inventory], today: Inventory | None = None) -> History:
    """Fit organic growth and steps from dated ``snapshots`` (any order): those of one
    estate, ``today``'s (the inventory ``--history`` grows) or the latest snapshot's.
    A snapshot that shares no host or VM with it, nor with a snapshot that does, is left
    out with a note (one_estate())."""
    undated = [s.source for s in snapshots if s.collected is None]
    if undated:
        raise UsageError(
            "; ".join(f"{s}: no collected: date; add 'collected: YYYY-MM-DD'" for s in undated)
        )
    if len(snapshots) < 2:
        given = f": {snapshots[0].source}" if snapshots else ""
        raise UsageError(f"growth needs two or more dated snapshots, {len(snapshots)} given{given}")
    kept, left_out = one_estate(sorted(snapshots, key=lambda s: s.collected or datetime.min), today)
    # hosts whose VMs give no consumed figure rest on vCenter's observed usage, as in check
    ordered = tuple(observe(s) for s in kept)
    first, last = ordered[0].collected, ordered[-1].collected
    assert first is not None
    assert last is not None
    if first == last:
        raise ShortSpan(f"every snapshot is dated {first.date().isoformat()}: no time passed")
    if last - first < MIN_SPAN:
        raise ShortSpan(_too_short(ordered))
    xs = [months_between(first, s.collected or first) for s in ordered]
    history = History(ordered, left_out=left_out)
    history.notes += left_out
    if xs[-1] < 1:
        history.notes.append(
            f"the snapshots span {_apart(last - first)}, under a month: the monthly rates"
            " extrapolate from less than a month"
        )
    seen_dates: dict[datetime, list[str]] = defaultdict(list)
    for s in ordered:
        seen_dates[s.collected or first].append(s.source)
    for when, sources in seen_dates.items():
        if len(sources) > 1:
            history.notes.append(
                f"{' and '.join(sources)} share {when.isoformat(sep=' ')}: each is kept as a"
                " measurement of that moment"
            )
    n = len(ordered)
    lives = _follow(ordered)
    # organic change per scope per interval j (snapshot j -> j+1), and the steps
    organic: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * (n - 1))
    steps: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # add, remove, resize

    def scopes(s: _Seen) -> list[tuple[str, str]]:
        out = [("host", s.host)] if s.host else []
        return [*out, ("cluster", s.cluster)] if s.cluster else out

    level: list[dict[tuple[str, str], int]] = [defaultdict(int) for _ in ordered]
    no_consumed = 0
    for life in lives:
        for seen in life:
            for k in scopes(seen):
                level[seen.index][k] += seen.demand
        if not any(s.vm.consumed_given for s in life if s.on):
            no_consumed += any(s.on for s in life)
        start = life[0]
        if start.index > 0 and start.on:
            for k in scopes(start):
                steps[k][0] += start.demand
        for p, q in itertools.pairwise(life):
            if p.continues(q):
                span = xs[q.index] - xs[p.index]
                for j in range(p.index, q.index):
                    part = (xs[j + 1] - xs[j]) / span if span > 0 else float(j == q.index - 1)
                    for k in scopes(q):
                        organic[k][j] += (q.demand - p.demand) * part
            elif p.on and q.on:
                for k in scopes(q):
                    steps[k][2] += q.demand - p.demand
            elif q.on:
                for k in scopes(q):
                    steps[k][0] += q.demand
            elif p.on:
                for k in scopes(p):
                    steps[k][1] += p.demand
        end = life[-1]
        if end.index < n - 1 and end.on:
            for k in scopes(end):
                steps[k][1] += end.demand
    if no_consumed:
        history.notes.append(
            f"{no_consumed} VMs give no consumed figure in any snapshot: memplan takes their"
            " configured size, which shows no growth"
        )
    span = xs[-1]
    for kind, scope_of, fits, step_of, hist in (
        ("host", _host_presence, history.host_fits, history.host_steps, history.host_history),
        ("cluster", _cluster_presence, history.cluster_fits, history.cluster_steps,
         history.cluster_history),
    ):  # fmt: skip
        present = scope_of(ordered)
        for name, indices in present.items():
            key = (kind, name)
            # anchored at the scope's first demand, so that its noise is that point's own
            run = float(level[indices[0]].get(key, 0))
            cum = {indices[0]: run}
            inc = organic.get(key, [0.0] * (n - 1))
            for j in range(indices[0], indices[-1]):
                run += inc[j]
                cum[j + 1] = run
            pts_x = [xs[i] for i in indices]
            pts_y = [cum[i] for i in indices]
            if len(set(pts_x)) >= 2:
                slope, low, high = theil_sen(pts_x, pts_y)
                fits[name] = Fit(
                    slope, low, high, len(indices), ordered[indices[0]].collected or first,
                    ordered[indices[-1]].collected or last, METHOD,
                )  # fmt: skip
            add, remove, resize = steps.get(key, [0, 0, 0])
            step_of[name] = Steps(add, remove, resize, span)
            hist[name] = tuple(level[i].get(key, 0) for i in indices)
    # each VM's own organic growth, over its last unbroken run: the same Theil-Sen slope,
    # for every VM of one set of dates at once (only the hosts' fits need a band)
    runs: dict[tuple[int, ...], list[tuple[VM, list[float]]]] = defaultdict(list)
    for life in lives:
        end = life[-1]
        if end.index != n - 1 or not end.on:
            continue
        run_ = [end]
        for p in reversed(life[:-1]):
            if not p.continues(run_[0]):
                break
            run_.insert(0, p)
        if len({xs[s.index] for s in run_}) >= 2:
            runs[tuple(s.index for s in run_)].append((end.vm, [float(s.held) for s in run_]))
    for run_at, vms in runs.items():
        own = vm_slopes([xs[i] for i in run_at], [ys for _, ys in vms])
        for vm, slope in zip((v for v, _ in vms), own, strict=True):
            if vm.uuid:
                history.vm_by_uuid[vm.uuid] = slope
            history.vm_by_name[vm.name] = slope
    return history


def _host_presence(snapshots: Sequence[Inventory]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(snapshots):
        for h in s.hosts:
            out[h.name].append(i)
    return out


def _cluster_presence(snapshots: Sequence[Inventory]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(snapshots):
        for c in s.clusters:
            out[c.name].append(i)
    return out


# --- growth applied to today's inventory ---------------------------------------------------

MID, LOW, HIGH = 0, 1, 2
"""Which growth: the fitted slope, the band's low end, its high end."""


Pool = tuple[str | None, str | None]
"""(cluster, None) for a cluster, (None, host) for a standalone host: where arrivals land."""


@dataclass
class _Plan:
    """How today's inventory grows: per host its organic growth (fitted, low, high) spread
    over its VMs by weight; per cluster (or standalone host) new VMs arriving at the
    history's rate, shaped and placed as demand growth's new VMs are (engine/projection.py:
    typical_vm, arrivals; hostmodel.choose_host)."""

    inventory: Inventory
    by_host: dict[str, list[VM]]
    rates: dict[str, tuple[float, float, float]]
    weights: dict[str, float]
    arrival_rate: dict[Pool, float] = field(default_factory=dict)
    """Bytes of demand a month."""
    shapes: dict[Pool, VM] = field(default_factory=dict)
    members: dict[Pool, list[Host]] = field(default_factory=dict)
    horizon_months: float = 0.0
    placed: dict[int, dict[str, list[tuple[float, VM]]]] = field(default_factory=dict)
    """Per band, per host: (month it arrives, the new VM), in order of arrival."""
    left_out: dict[Pool, float] = field(default_factory=dict)
    """The month from which a pool's new VMs fit no host."""
    times: dict[Pool, list[float]] = field(default_factory=dict)
    """When each of a pool's new VMs arrives (placed or left out), months from its
    inventory's date."""

    def row(self, vm: VM, host: str, months: float, band: int) -> VM:
        """``vm`` after ``months`` of its share of its host's organic growth, up to its size
        (a stand-in for unlisted VMs has no size to stop at: it grows with the observation)."""
        rate = self.rates.get(host, (0.0, 0.0, 0.0))[band]
        w = self.weights.get(vm.name, 0.0)
        if rate <= 0 or w <= 0 or months <= 0:
            return vm
        held = min(vm.consumed, vm.entitled_memory)
        more = round(rate * w * months)
        if is_standin(vm):
            size = held + more
            return replace(vm, memory=size, consumed=size, active=size,
                           shares=esxi.SHARES_PER_MIB["normal"] * size // MIB)  # fmt: skip
        consumed = min(vm.entitled_memory, held + more)
        if consumed == vm.consumed:
            return vm
        active = min(consumed, round(vm.active * consumed / held) if held else vm.active)
        return vm.with_usage(consumed, active)

    def vms(self, host: str, months: float, band: int) -> list[VM]:
        """The host's VMs after ``months``, with the new VMs placed on it by then."""
        out = [self.row(vm, host, months, band) if vm.powered_on else vm
               for vm in self.by_host.get(host, [])]  # fmt: skip
        if self.arrival_rate:
            out += [vm for at, vm in self._placed().get(host, []) if at <= months]
        return out

    def load(self, host: str, months: float, band: int) -> Load:
        return load_of(self.vms(host, months, band))

    def _placed(self) -> dict[str, list[tuple[float, VM]]]:
        """Every new VM up to the horizon, placed when it arrives: on the pool's host with
        the most free memory then that admits it (as check places cluster VMs), under the
        fitted organic growth. The band's ends keep these places, so that a host's dates
        move with its own growth alone (earliest <= fitted <= latest)."""
        if MID in self.placed:
            return self.placed[MID]
        done: dict[str, list[tuple[float, VM]]] = defaultdict(list)
        self.placed[MID] = done
        band = MID
        events = [
            (at, pool, k)
            for pool, rate in self.arrival_rate.items()
            for k, at in enumerate(arrival_months(rate, self.shapes[pool], self.horizon_months), 1)
        ]
        for at, pool, k in sorted(events, key=lambda e: (e[0], e[1][0] or "", e[1][1] or "")):
            self.times.setdefault(pool, []).append(at)
            label = pool[0] if pool[0] is not None else pool[1]
            demand, reserved = {}, {}
            for h in self.members[pool]:
                load = self.load(h.name, at, band)
                demand[h.name], reserved[h.name] = load.demand, load.reserved + load.overhead
            vm = place_arrival(self.members[pool], self.shapes[pool], str(label), k, demand,
                               reserved)  # fmt: skip
            if vm is None:
                self.left_out.setdefault(pool, at)
                continue
            assert vm.host is not None
            done[vm.host].append((at, vm))
        return done


def _plan(
    today: Inventory, history: History, arrivals: bool, notes: list[str], horizon: float = 0.0
) -> _Plan:
    host_of, _ = place(today)
    by_host = vms_by_host(today, host_of)
    rates: dict[str, tuple[float, float, float]] = {}
    weights: dict[str, float] = {}
    for h in today.hosts:
        vms = [vm for vm in by_host.get(h.name, []) if vm.powered_on]
        slopes = {vm.name: history.vm_slope(vm) for vm in vms}
        fit = history.host_fits.get(h.name)
        if fit is not None:
            rates[h.name] = (fit.bytes_per_month, fit.low, fit.high)
        else:
            known = [s for s in slopes.values() if s is not None]
            total = sum(known)
            rates[h.name] = (total, total, total)
            if known:
                notes.append(
                    f"{h.name} is not in the history: its growth is the sum of its"
                    f" {len(known)} known VMs' own growth, with no band"
                )
        room = {vm.name: 1 << 60 if is_standin(vm) else
                max(0, vm.entitled_memory - min(vm.consumed, vm.entitled_memory))
                for vm in vms}  # fmt: skip
        pos = {n: max(0.0, s or 0.0) for n, s in slopes.items() if room[n] > 0}
        total_pos, total_room = sum(pos.values()), sum(room.values())
        if total_pos > 0:
            weights.update({n: s / total_pos for n, s in pos.items()})
        elif total_room > 0:
            weights.update({n: r / total_room for n, r in room.items()})
        elif rates[h.name][MID] > 0:
            notes.append(
                f"{h.name}: every VM holds its whole size; its organic growth of"
                f" {rates[h.name][MID] / GIB:.1f} GiB/month needs resizes"
            )
    plan = _Plan(today, by_host, rates, weights, horizon_months=horizon)
    if not arrivals:
        return plan
    spare = {n for c in today.clusters if c.ha for n in c.ha.failover_hosts}
    pools: list[tuple[Pool, Steps | None, list[Host], Location]] = []
    for c in today.clusters:
        members = [h for h in today.hosts
                   if h.cluster == c.name and h.name not in spare and not h.maintenance]  # fmt: skip
        pools.append(((c.name, None), history.cluster_steps.get(c.name), members, c.location))
    for h in today.hosts:
        if h.cluster is None and not h.maintenance:
            pools.append(((None, h.name), history.host_steps.get(h.name), [h], h.location))
    for pool, st, members, where in pools:
        if st is None or st.arrivals_per_month <= 0 or not members:
            continue
        vms = [vm for m in members for vm in by_host.get(m.name, [])
               if vm.powered_on and not is_standin(vm)]  # fmt: skip
        # and the VMs the observations count, as demand growth shapes its new VMs
        vms += [vm for m in members for vm in counted(m, by_host.get(m.name, []))]
        if not vms:
            continue
        name = f"new VM of {'cluster ' + str(pool[0]) if pool[0] else 'host ' + str(pool[1])}"
        plan.shapes[pool] = typical_vm(vms, name, pool[0], where)
        plan.arrival_rate[pool] = st.arrivals_per_month
        plan.members[pool] = members
    return plan


def _first_day(bad: Callable[[int], bool], days: int) -> int | None:
    """The first day in [0, days] on which ``bad`` holds, assuming it then stays true."""
    if bad(0):
        return 0
    if not bad(days):
        return None
    lo, hi = 0, days  # bad(lo) false, bad(hi) true
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if bad(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _when(
    bad: Callable[[float, int], bool], as_of: date, days: int, lead: float = 0.0
) -> DateRange:
    """The first day ``bad(months, band)`` holds at the fitted growth and at the band's ends;
    ``lead``: months the inventory has already grown by on ``as_of`` (since it was collected)."""

    def day(band: int) -> date | None:
        d = _first_day(lambda n: bad(lead + n / MONTH_DAYS, band), days)
        return None if d is None else as_of + timedelta(days=d)

    return DateRange(day(MID), day(HIGH), day(LOW))


@dataclass(frozen=True, slots=True)
class Outlook:
    """Today's inventory grown by the history: when each host and cluster balloons, swaps
    and fails HA, and which VMs reach their size."""

    hosts: dict[str, tuple[DateRange, DateRange]]
    clusters: dict[str, tuple[DateRange, DateRange, DateRange | None]]
    vm_limits: tuple[VMLimit, ...]
    demand: dict[str, int]
    notes: tuple[str, ...]
    arrivals: tuple[Arrivals, ...] = ()
    """Each pool's new VMs: their shape and how many arrived by each month."""
    times: dict[Pool, list[float]] = field(default_factory=dict)
    lead: float = 0.0

    def arrived(self, pool: Pool, as_of: date, when: date | None) -> int:
        """New VMs of ``pool`` arrived by ``when`` (0 for None)."""
        if when is None:
            return 0
        m = self.lead + (when - as_of).days / MONTH_DAYS
        return sum(1 for at in self.times.get(pool, []) if at <= m)


def lead_months(today: Inventory, as_of: date) -> float:
    """Months ``today`` has grown by on ``as_of``: from its ``collected:`` date, when it
    has one and it is earlier; else none (its figures are as of ``as_of``)."""
    if today.collected is None or today.collected.date() >= as_of:
        return 0.0
    return months_between(today.collected.date(), as_of)


def outlook(
    today: Inventory, history: History, as_of: date, horizon_months: int, arrivals: bool = True
) -> Outlook:
    """balloon_at, swap_at (and HA) of every host and cluster of ``today``, at day resolution,
    from ``as_of`` on (growth counts from ``today``'s collected date, lead_months())."""
    notes: list[str] = []
    today = observe(today)
    days = (_add_months(as_of, horizon_months) - as_of).days
    lead = lead_months(today, as_of)
    plan = _plan(today, history, arrivals, notes, lead + days / MONTH_DAYS)
    policy = today.policy
    hosts: dict[str, tuple[DateRange, DateRange]] = {}
    demand: dict[str, int] = {}
    for h in today.hosts:
        demand[h.name] = plan.load(h.name, lead, MID).demand

        def balloons(m: float, band: int, h: Host = h) -> bool:
            return reclaims(h, plan.load(h.name, m, band).demand, policy)

        def swaps(m: float, band: int, h: Host = h) -> bool:
            state = evaluate_load(h, plan.load(h.name, m, band), policy).state
            return state.rank > MemState.SOFT.rank

        hosts[h.name] = (_when(balloons, as_of, days, lead), _when(swaps, as_of, days, lead))
    clusters: dict[str, tuple[DateRange, DateRange, DateRange | None]] = {}
    for c in today.clusters:
        members = [h for h in today.hosts if h.cluster == c.name]
        ranges = [hosts[h.name] for h in members]
        ha_range = None
        if c.ha is not None and len(members) > 1:

            def ha_fails(
                m: float, band: int, c: Cluster = c, members: list[Host] = members
            ) -> bool:
                by_host = {h.name: plan.vms(h.name, m, band) for h in members}
                loads = {n: load_of(v) for n, v in by_host.items()}
                base = {h.name: evaluate_load(h, loads[h.name], policy) for h in members}
                result = ha.analyse(c, members, by_host, base, policy, loads=loads)
                return result is not None and result.verdict is Severity.FAIL

            ha_range = _when(ha_fails, as_of, days, lead)
        clusters[c.name] = (
            _earliest([b for b, _ in ranges]),
            _earliest([s for _, s in ranges]),
            ha_range,
        )
    notes += _edge_notes(plan, hosts, as_of, lead)
    for (cluster, host), at in sorted(plan.left_out.items(), key=lambda kv: kv[1]):
        when = as_of + timedelta(days=round((at - lead) * MONTH_DAYS))
        where = f"cluster {cluster}" if cluster is not None else f"host {host}"
        notes.append(f"arrivals: from {when.isoformat()} new VMs of {where} fit no host")
    limits = []
    for h in today.hosts:
        rate = plan.rates.get(h.name, (0.0, 0.0, 0.0))[MID]
        if rate <= 0:
            continue
        for vm in plan.by_host.get(h.name, []):
            w = plan.weights.get(vm.name, 0.0)
            held = min(vm.consumed, vm.entitled_memory)
            if not vm.powered_on or w <= 0 or held >= vm.entitled_memory:
                continue
            months = (vm.entitled_memory - held) / (rate * w) - lead
            day = max(0, math.ceil(months * MONTH_DAYS))
            if day <= days:
                limits.append(
                    VMLimit(vm.name, h.name, vm.entitled_memory, rate * w,
                            as_of + timedelta(days=day))
                )  # fmt: skip
    limits.sort(key=lambda v: (v.at, v.vm))
    placed = plan._placed() if plan.arrival_rate else {}
    out = Outlook(hosts, clusters, tuple(limits), demand, tuple(notes), (), plan.times, lead)
    by_pool: list[Arrivals] = []
    for pool in sorted(plan.shapes, key=lambda p: (p[0] or "", p[1] or "")):
        counts = tuple(out.arrived(pool, as_of, _add_months(as_of, m))
                       for m in range(horizon_months + 1))  # fmt: skip
        kept = sum(1 for vms in placed.values() for _, vm in vms if vm.cluster == pool[0]
                   and (pool[1] is None or vm.host == pool[1]))  # fmt: skip
        by_pool.append(Arrivals(pool[0], pool[1], plan.shapes[pool], counts,
                                len(plan.times.get(pool, [])) - kept))  # fmt: skip
    return replace(out, arrivals=tuple(by_pool))


def _edge_notes(
    plan: _Plan, hosts: dict[str, tuple[DateRange, DateRange]], as_of: date, lead: float
) -> list[str]:
    """Why a host's date sits on an end of its own range: the day a new VM arrives on it,
    which the band's slopes do not move ("esx03 balloons on 2028-03-27 at the band's low
    end too: that day new VM shop+8 arrives on it, whatever the slope")."""
    placed = plan._placed() if plan.arrival_rate else {}
    out = []
    for name, pair in hosts.items():
        for what, r in zip(("balloons", "swaps"), pair, strict=True):
            if r.at is None or r.earliest == r.latest or r.at not in (r.earliest, r.latest):
                continue
            end = "low" if r.at == r.latest else "high"
            n = (r.at - as_of).days  # the day's months as the search counted them
            new = [vm.name for at, vm in placed.get(name, [])
                   if lead + (n - 1) / MONTH_DAYS < at <= lead + n / MONTH_DAYS]  # fmt: skip
            why = (f"that day new VM {', '.join(new)} arrives on it, whatever the slope" if new
                   else "the band's slopes do not move it")  # fmt: skip
            out.append(f"{name} {what} on {r.at.isoformat()} at the band's {end} end too: {why}")
    return out


def _earliest(ranges: list[DateRange]) -> DateRange:
    def first(days: list[date | None]) -> date | None:
        return min((d for d in days if d is not None), default=None)

    return DateRange(
        first([r.at for r in ranges]),
        first([r.earliest for r in ranges]),
        first([r.latest for r in ranges]),
    )


def _add_months(start: date, months: int) -> date:
    from memplan.engine.projection import add_months

    return add_months(start, months)


def timeline(
    today: Inventory,
    history: History,
    as_of: date,
    horizon_months: int,
    step: int = 1,
    arrivals: bool = True,
) -> tuple[TimelinePoint, ...]:
    """Every host of ``today``, every ``step`` months from ``as_of``, grown by ``history``:
    what ``project --history`` prints."""
    notes: list[str] = []
    today = observe(today)
    lead = lead_months(today, as_of)
    plan = _plan(today, history, arrivals, notes, lead + horizon_months * 31 / MONTH_DAYS)
    points = []
    hosts = sorted(today.hosts, key=lambda h: (h.cluster or "~", h.name))
    for month in range(horizon_months + 1):
        if month % step and month != horizon_months:
            continue
        at = _add_months(as_of, month)
        grown = lead + months_between(as_of, at)
        for h in hosts:
            r = evaluate_load(h, plan.load(h.name, grown, MID), today.policy)
            capacity = 0 if h.maintenance else r.capacity  # as check's cluster counts it
            points.append(TimelinePoint(
                month, at, h.cluster, h.name, capacity, r.demand, capacity - r.demand, r.state,
                0, h.maintenance,
            ))  # fmt: skip
    return tuple(points)


def describe(history: History, arrivals: bool) -> str:
    """One line saying which growth a forecast runs on."""
    first, last = history.snapshots[0].collected, history.snapshots[-1].collected
    assert first is not None
    assert last is not None
    kind = "organic growth and arrivals" if arrivals else "organic growth"
    return (
        f"growth learnt from {len(history.snapshots)} snapshots"
        f" ({first.date().isoformat()} to {last.date().isoformat()}): {kind}, per host"
        " (memplan trend shows it; docs/trend.md)"
        + (f"; {len(history.left_out)} left out as another estate's" if history.left_out else "")
    )


# --- the two uses: memplan trend, and a forecast for check --history ----------------------


def trend_report(
    snapshots: Sequence[Inventory],
    horizon_months: int = DEFAULT_HORIZON_MONTHS,
    arrivals: bool = True,
) -> TrendReport:
    """What ``memplan trend`` prints: the history fitted, and the last snapshot grown by it."""
    history = learn(snapshots)
    today = history.snapshots[-1]
    assert today.collected is not None
    as_of = today.collected.date()
    look = outlook(today, history, as_of, horizon_months, arrivals)
    span = months_between(history.snapshots[0].collected or today.collected, today.collected)
    none = Steps(0, 0, 0, span)
    hosts = []
    for h in sorted(today.hosts, key=lambda h: (h.cluster is None, h.cluster or "", h.name)):
        balloon, swap = look.hosts[h.name]
        hosts.append(
            HostTrend(
                h.name, h.cluster, h.capacity, look.demand[h.name],
                history.host_history.get(h.name, ()), history.host_fits.get(h.name),
                history.host_steps.get(h.name, none), balloon, swap, h.location,
            )
        )  # fmt: skip
    clusters = []
    for c in sorted(today.clusters, key=lambda c: c.name):
        balloon, swap, ha_fail = look.clusters[c.name]
        members = [h for h in hosts if h.cluster == c.name]
        clusters.append(
            ClusterTrend(
                c.name, sum(h.capacity for h in members), sum(h.demand for h in members),
                history.cluster_history.get(c.name, ()), history.cluster_fits.get(c.name),
                history.cluster_steps.get(c.name, none), balloon, swap, ha_fail, c.location,
            )
        )  # fmt: skip
    return TrendReport(
        tuple((s.source, s.collected or today.collected) for s in history.snapshots),
        as_of,
        horizon_months,
        arrivals,
        tuple(hosts),
        tuple(clusters),
        look.vm_limits,
        (*history.notes, *look.notes),
        look.arrivals,
    )


def forecast(
    today: Inventory,
    history: History,
    as_of: date,
    horizon_months: int,
    fail_within_days: int | None = None,
    arrivals: bool = True,
) -> Forecast:
    """The Forecast ``check`` reports (balloon_at, swap_at per host and cluster), with the
    growth learnt from ``history`` instead of a typed rate."""
    look = outlook(today, history, as_of, horizon_months, arrivals)
    said = [describe(history, arrivals), *history.left_out, *look.notes]
    if today.planned:
        said.append("the inventory's planned: changes are not part of a forecast from history")

    def pool(h: Host) -> Pool:
        return (h.cluster, None) if h.cluster is not None else (None, h.name)

    hosts = []
    for h in sorted(today.hosts, key=lambda h: (h.cluster is None, h.cluster or "", h.name)):
        b, w = look.hosts[h.name][0].at, look.hosts[h.name][1].at
        hosts.append(
            HostForecast(h.name, h.cluster, b, w, h.location,
                         look.arrived(pool(h), as_of, b), look.arrived(pool(h), as_of, w))
        )  # fmt: skip
    clusters = []
    for c in sorted(today.clusters, key=lambda c: c.name):
        b, w = look.clusters[c.name][0].at, look.clusters[c.name][1].at
        clusters.append(
            ClusterForecast(c.name, b, w, c.location, look.arrived((c.name, None), as_of, b),
                            look.arrived((c.name, None), as_of, w))
        )  # fmt: skip
    window = as_of + timedelta(days=fail_within_days) if fail_within_days is not None else None
    return Forecast(
        as_of, horizon_months, _add_months(as_of, horizon_months), window, tuple(hosts),
        tuple(clusters), tuple(Note("trend", n) for n in said), growth_scope="history",
        arrivals=look.arrivals, resolution="day",
    )  # fmt: skip


__all__ = [
    "History",
    "ShortSpan",
    "describe",
    "forecast",
    "learn",
    "outlook",
    "timeline",
    "trend_report",
]

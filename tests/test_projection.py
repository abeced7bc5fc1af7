"""Projection: hand-computed dates, growth caps, planned changes, the forecast rules."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from memplan import engine
from memplan.engine import projection
from memplan.engine.hostmodel import Load
from memplan.model import Inventory, Scenario
from memplan.units import GIB, MIB
from tests.helpers import inv

AS_OF = date(2026, 1, 15)

ONE_HOST = """
    clusters:
      - name: c
        hosts:
          - name: a
            memory: 512GiB
            system_reserved: 0
            vms:
              - {name: v1, memory: 510GiB, overhead: 0, consumed: 128GiB, active: 100%, growth: 3%/month}
              - {name: v2, memory: 510GiB, overhead: 0, consumed: 128GiB, active: 100%, growth: 3%/month}
"""


def _forecast(text: str, months: int = 60) -> dict[str, tuple[date | None, date | None]]:
    r = engine.evaluate(inv(text), Scenario(as_of=AS_OF, horizon_months=months))
    assert r.forecast is not None
    return {h.host: (h.balloon_at, h.swap_at) for h in r.forecast.hosts}


def test_closed_form_date_for_a_growing_host() -> None:
    """Capacity 512 GiB = 524288 MiB; minFree = 901.12 + 1% x (524288 - 28672) = 5857.28 MiB;
    the soft band starts below 524288 - 5857.28 = 518430.72 MiB of demand. Demand today
    262144 MiB, growing 3%/month: t = ln(518430.72 / 262144) / ln(1.03) = 23.07 months, so
    the first month at or past it is month 24: 2028-01-15. Everything is active, so nothing
    can be ballooned and the host goes straight to hard: both dates are the same."""
    t = math.log(518430.72 / 262144) / math.log(1.03)
    assert math.ceil(t) == 24
    assert _forecast(ONE_HOST) == {"a": (date(2028, 1, 15), date(2028, 1, 15))}


def test_idle_vm_balloons_but_never_swaps_because_growth_is_capped() -> None:
    """Same host, one VM of 510 GiB, 10% active: ballooning starts at the same month 24
    (t = ln(518430.72 / 262144) / ln(1.03)), but consumed stops at the VM's usage bound
    (510 GiB), where the need (522240 - 518430.72 = 3809.28 MiB) is far below what its
    idle memory can give: it never swaps."""
    text = """
        hosts:
          - name: a
            memory: 512GiB
            system_reserved: 0
            vms: [{name: v, memory: 510GiB, overhead: 0, consumed: 256GiB, active: 10%, growth: 3%/month}]
    """
    assert _forecast(text) == {"a": (date(2028, 1, 15), None)}
    vm = inv(text).vms[0]
    assert projection.grown(vm, 60).consumed == 510 * GIB
    assert projection.grown(vm, 1).consumed == round(256 * GIB * 1.03)


def test_planned_host_pushes_the_date_out() -> None:
    """Host b joins on 2026-06-01, i.e. from month 5 (2026-06-15), and takes v2 (DRS-like
    rebalancing). Each host then holds 131072 MiB growing 3%/month:
    t = ln(518430.72 / 131072) / ln(1.03) = 46.52, month 47: 2029-12-15."""
    planned = (
        ONE_HOST
        + """
    planned:
      - at: 2026-06-01
        add_host: {name: b, memory: 512GiB, system_reserved: 0, cluster: c}
    """
    )
    assert math.ceil(math.log(518430.72 / 131072) / math.log(1.03)) == 47
    dates = _forecast(planned)
    assert dates == {"a": (date(2029, 12, 15), date(2029, 12, 15)),
                     "b": (date(2029, 12, 15), date(2029, 12, 15))}  # fmt: skip
    r = engine.evaluate(inv(planned), Scenario(as_of=AS_OF, horizon_months=60))
    assert r.forecast is not None
    assert r.forecast.clusters[0].balloon_at == date(2029, 12, 15)


def test_planned_vm_and_retired_host() -> None:
    """A planned 200 GiB VM lands on the emptier host; retiring that host later moves
    both of its VMs back, and the other host fills up at once."""
    text = """
        clusters:
          - name: c
            hosts:
              - {name: a, memory: 512GiB, system_reserved: 0, vms: [{name: x, memory: 300GiB, overhead: 0, active: 100%}]}
              - {name: b, memory: 512GiB, system_reserved: 0}
        planned:
          - {at: 2026-03-01, add_vm: {name: new, memory: 250GiB, overhead: 0, active: 100%, cluster: c}}
          - {at: 2026-09-01, retire_host: b}
    """
    dates = _forecast(text, 12)
    assert dates["b"] == (None, None)
    assert dates["a"] == (date(2026, 9, 15), date(2026, 9, 15))


def test_growth_override_from_the_command_line() -> None:
    text = ONE_HOST.replace("growth: 3%/month", "growth: 1%/month")
    slow = _forecast(text)
    fast = engine.evaluate(inv(text), Scenario(as_of=AS_OF, horizon_months=60, growth=0.03))
    assert slow["a"] == (None, None)  # ln(1.9777) / ln(1.01) = 68.5 months: past the horizon
    assert fast.forecast is not None
    assert fast.forecast.hosts[0].balloon_at == date(2028, 1, 15)


def test_no_projection_without_growth_plans_or_flags() -> None:
    text = ONE_HOST.replace(", growth: 3%/month", "")
    assert engine.evaluate(inv(text), Scenario(as_of=AS_OF)).forecast is None
    assert engine.evaluate(inv(ONE_HOST), Scenario(as_of=AS_OF)).forecast is not None


def test_fail_within_gates_on_the_forecast() -> None:
    """Swapping at month 24: a 2-year window fails (MP401), a 90-day one does not."""
    long = engine.evaluate(inv(ONE_HOST), Scenario(as_of=AS_OF, fail_within_days=800))
    assert [f.rule for f in long.findings] == ["MP401"]
    assert long.verdict == "fail"
    assert long.hosts[0].verdict == "ok"  # today is fine; the cluster carries the forecast
    short = engine.evaluate(inv(ONE_HOST), Scenario(as_of=AS_OF, fail_within_days=90))
    assert short.findings == ()


def test_month_arithmetic() -> None:
    assert projection.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert projection.add_months(date(2026, 11, 26), 14) == date(2028, 1, 26)
    assert projection.month_of(AS_OF, date(2026, 6, 1)) == 5
    assert projection.month_of(AS_OF, date(2025, 1, 1)) == 0


def test_timeline_points() -> None:
    points, notes = projection.timeline(inv(ONE_HOST), {"v1": "a", "v2": "a"}, AS_OF, 24, step=12)
    assert [p.month for p in points] == [0, 12, 24]
    assert points[0].demand == 256 * GIB
    assert points[2].state.rank > points[0].state.rank
    assert notes == ()
    assert points[1].demand == 2 * round(128 * GIB * 1.03**12)
    assert MIB  # sizes are bytes throughout


def test_with_usage_is_replace_of_consumed_and_active() -> None:
    """VM.with_usage lists every field by hand (it is in the projection's inner loop)."""
    import dataclasses

    from memplan.model import VM, Location

    assert len(dataclasses.fields(VM)) == 25, "a field was added: update VM.with_usage"
    vm = VM("v", 8, 2, False, 1, 7, 80, "custom", 3, True, 4, True, 5, False, 6, ("t",),
            "h", "c", Location("f", 9, 10), 0.5, 11, 12, "u", True, "elsewhere")  # fmt: skip
    assert vm.with_usage(2, 1) == dataclasses.replace(vm, consumed=2, active=1)


def test_todays_states_stand_for_month_zero_without_changing_the_forecast() -> None:
    from memplan import inventory

    realistic = inventory.load("samples/realistic.yaml")
    report = engine.evaluate(realistic, Scenario(as_of=AS_OF, horizon_months=24, growth=0.08))
    host_of, _ = engine.place(realistic)
    alone = projection.forecast(realistic, host_of, AS_OF, 24, 0.08)
    assert report.forecast is not None
    assert report.forecast.hosts == alone.hosts
    assert any(h.balloon_at == AS_OF for h in alone.hosts)  # month 0 matters here
    assert any(h.swap_at and h.swap_at > AS_OF for h in alone.hosts)  # found by bisection


def test_reclaiming_from_totals_is_the_state_being_soft_or_worse() -> None:
    """The forecast finds when ballooning starts from free memory alone (no MemSched
    split); it must agree with the whole evaluation month by month."""
    from memplan import inventory
    from memplan.model import MemState

    realistic = inventory.load("samples/realistic.yaml")
    host_of, _ = engine.place(realistic)
    world = projection._World.start(realistic, host_of, 0.08)
    seen = set()
    for name in world.hosts:
        for month in range(0, 25, 3):
            soft_or_worse = world.host_result(name, month).state.rank > MemState.CLEAR.rank
            assert world.reclaims(name, month) == soft_or_worse
            seen.add(soft_or_worse)
    assert seen == {True, False}


CHANGING = """
    clusters:
      - name: c
        growth: 4%/month
        ha: {policy: host-failures, failures: 1}
        hosts:
          - {name: a, memory: 128GiB, system_reserved: 0, vms: [VMS_A]}
          - {name: b, memory: 128GiB, system_reserved: 0, vms: [VMS_B]}
          - {name: d, memory: 96GiB, system_reserved: 0}
      - name: quiet
        hosts:
          - name: q
            memory: 64GiB
            vms: [{name: q1, memory: 40GiB, active: 60%, growth: 2%/month}, {name: q2, memory: 16GiB}]
    hosts:
      - name: s
        memory: 64GiB
        growth: 3%/month
        vms: [{name: s1, memory: 24GiB, consumed: 20GiB, active: 50%}, {name: s2, memory: 24GiB}]
    planned:
      - {at: 2026-04-01, add_host: {name: e, memory: 128GiB, system_reserved: 0, cluster: c}}
      - {at: 2026-05-01, add_vm: {name: huge, memory: 200GiB, cluster: c}}
      - {at: 2026-07-01, add_vm: {name: big, memory: 64GiB, overhead: 0, active: 90%, cluster: c}}
      - {at: 2026-10-01, retire_host: d}
"""


def _changing() -> str:
    vm = "{name: %s%d, memory: %dGiB, overhead: 0, active: %d%%}"
    a = ", ".join(vm % ("a", i, 8 + 4 * (i % 3), 20 + 10 * i) for i in range(8))
    b = ", ".join(vm % ("b", i, 16, 70) for i in range(5))
    return CHANGING.replace("VMS_A", a).replace("VMS_B", b)


def test_one_pass_gives_the_timeline_and_the_forecast_made_apart() -> None:
    """``memplan project`` walks the months once (projection.project()): new VMs placed
    once, the forecast's search reading the timeline's states. It must give exactly what
    timeline() and forecast() give apart, through planned changes (a host added, a VM
    added, a host retired), demand growth's new VMs, in-VM growth and HA, at any step."""
    from memplan.model import MemState

    inventory = inv(_changing())
    host_of, _ = engine.place(inventory)
    seen_states, found = set(), []
    for growth, scope in ((None, "demand"), (0.06, "demand"), (0.06, "vm")):
        apart = projection.forecast(inventory, host_of, AS_OF, 18, growth, scope=scope)
        for step in (1, 4):
            points, notes = projection.timeline(inventory, host_of, AS_OF, 18, step, growth, scope)
            assert projection.project(inventory, host_of, AS_OF, 18, step, growth, scope) == (
                points, notes, apart
            )  # fmt: skip
            seen_states |= {p.state for p in points}
        found.append(apart)
    # not trivial: states change, new VMs arrive, hosts swap, HA fails, a VM is left out
    assert {MemState.HIGH, MemState.SOFT, MemState.LOW} <= seen_states
    assert all(f.arrivals for f in found[:2])
    assert not found[2].arrivals
    assert any(h.swap_at for h in found[1].hosts)
    assert all(f.clusters[0].ha_fail_at for f in found[:2])
    assert all(len(f.notes) == 1 and "huge" in f.notes[0].text for f in found)


def test_state_from_totals_is_the_whole_evaluations_state() -> None:
    """hostmodel.state_of() settles a host from its load's totals where they decide (free
    memory above the soft band; active memory that does not fit; a need beyond every
    balloon, in or below the hard band; with a proof that ballooning covers the need,
    projection._balloons_all()) and runs MemSched's split only otherwise. Four
    VMs near a 64 GiB host's soft edge, some idle, some not: every way must give the
    state the whole evaluation gives, and every way is taken."""
    from memplan import esxi
    from memplan.engine import hostmodel
    from memplan.model import MemState

    ways = set()
    for size in range(16000, 16400, 8):  # MiB: free memory from 1.5 GiB to below zero
        for idle in (50, 90, 97, 100):
            vms = ", ".join(
                f"{{name: v{i}, memory: {size}MiB, overhead: 0, active: {idle if i < 3 else 100}%}}"
                for i in range(4)
            )
            text = f"hosts:\n- {{name: h, memory: 64GiB, system_reserved: 0, vms: [{vms}]}}"
            inventory = inv(text)
            host, policy = inventory.hosts[0], inventory.policy
            load = hostmodel.load_of(list(inventory.vms))
            state = hostmodel.evaluate_load(host, load, policy).state
            assert hostmodel.state_of(host, load, policy) is state
            k = 1 / (1 - float(policy.idle_tax))
            proof = lambda rows, need, k=k: projection._balloons_all(rows, need, k)  # noqa: E731
            assert hostmodel.state_of(host, load, policy, proof) is state
            result = hostmodel.evaluate_load(host, load, policy)
            if result.need and projection._balloons_all(load.rows, result.need, k):
                assert result.balloon == result.need  # the proof holds: all is ballooned
                ways.add("proven")
            table = hostmodel.host_bands(host, policy)
            free, hard = host.capacity - load.demand, esxi.lower_edge(table, MemState.HARD)
            short = load.balloonable < esxi.soft_upper_edge(table) - free
            ways.add(
                "free" if free >= esxi.soft_upper_edge(table)
                else "active" if load.active + load.overhead > host.capacity
                else "hard" if short and (hard is None or free >= hard)
                else "low" if short and free + load.balloonable < hard
                else f"split {state.value}"
            )  # fmt: skip
    assert ways == {"free", "active", "hard", "low", "split soft", "split hard", "proven"}


def test_arrivals_placed_in_a_batch_go_where_one_by_one_they_would() -> None:
    """place_arrivals() keeps the hosts in a heap instead of asking choose_host() for each
    new VM: random clusters (sizes, demand, reservations near capacity, VMs that some hosts
    cannot admit) must get the same host for every VM, in order, and the same left out."""
    import random
    from dataclasses import replace

    from memplan.model import Host, Location

    rng = random.Random(22)
    shape = inv(ONE_HOST).vms[0]
    left = 0
    for _ in range(300):
        sizes = [rng.choice([64, 96, 128]) * GIB for _ in range(rng.randint(1, 6))]
        members = [
            Host(f"h{i}", m, m, False, 0, "8.0", "c", Location("t", 1, 1))
            for i, m in enumerate(sizes)
        ]
        vm = replace(
            shape, memory=rng.choice([8, 16, 100]) * GIB, consumed=8 * GIB,
            reservation=rng.choice([0, 4, 16]) * GIB, overhead=rng.randint(0, 64) * MIB,
        )  # fmt: skip
        demand = {h.name: rng.randint(0, h.capacity) for h in members}
        reserved = {h.name: rng.randint(0, h.capacity) for h in members}
        one = []
        d1, r1 = dict(demand), dict(reserved)
        for k in range(1, 13):
            placed = projection.place_arrival(members, vm, "c", k, d1, r1)
            one.append(placed)
            if placed is not None and placed.host is not None:
                d1[placed.host] += placed.consumed + placed.overhead
                r1[placed.host] += placed.reservation + placed.overhead
        batch = list(projection.place_arrivals(members, vm, "c", 0, 12, demand, reserved))
        assert batch == one
        assert (demand, reserved) == (d1, r1)
        left += batch.count(None) > 0 and any(batch)
    assert left > 10  # some clusters fill up part way through a batch


_SHAPE = inv(ONE_HOST).vms[0]


@settings(max_examples=300, deadline=None)
@given(
    memory=st.integers(1, 1 << 40),
    consumed=st.integers(0, 1 << 41),
    active=st.integers(0, 1 << 41),
    reservation=st.integers(0, 1 << 40),
    limit=st.none() | st.integers(0, 1 << 40),
    balloon_max=st.none() | st.integers(0, 1 << 40),
    growth=st.sampled_from([0.0, 0.001, 0.01, 0.05, 0.3, -0.02]),
    demand=st.booleans(),
    born=st.integers(0, 5),
    months=st.lists(st.integers(0, 40), min_size=1, max_size=8),
)
def test_a_vms_row_at_a_month_is_its_grown_usage(
    memory: int, consumed: int, active: int, reservation: int, limit: int | None,
    balloon_max: int | None, growth: float, demand: bool, born: int, months: list[int],
) -> None:  # fmt: skip
    """_Entry.at() works usage() and figures() out from constants it keeps: the row at
    any month, asked in any order, must be figures() of usage() at that age, exactly."""
    from dataclasses import replace

    from memplan.engine.hostmodel import figures

    vm = replace(
        _SHAPE, memory=memory, consumed=consumed, active=active,
        reservation=reservation, limit=limit, balloon_max=balloon_max, growth=growth,
        demand_growth=demand and growth > 0,
    )  # fmt: skip
    entry = projection._Entry(born, vm)
    for month in sorted(months) + months:
        if month < born:
            continue
        want = (vm, *figures(vm, *projection.usage(vm, month - born)))
        assert entry.at(month) == want
        if entry.row is None and month >= born:  # growing: _tallies() sums its held memory
            index = projection._OnHost([vm.name], [entry], [])
            groups = index.lay.holding(index.vms)[2]
            assert projection._held(groups, month) == want[1]


def test_proofs_kept_per_host_are_the_proof_over_the_rows() -> None:
    """The forecast proves ballooning covers a host's need with the rows that do not grow
    gone over once (_World._covers_on()): for every host and month of a changing
    inventory, at needs around what the proof can show, the same answer as
    _balloons_all() over the load's rows."""
    inventory = inv(_changing())
    host_of, _ = engine.place(inventory)
    answers, edges, carried, inserted = set(), 0, 0, 0
    for growth in (None, 0.06):
        world = projection._World.start(inventory, host_of, growth, "demand", AS_OF)
        k = 1 / (1 - float(inventory.policy.idle_tax))
        for month in range(13):
            world.arrive(month)
            for name in sorted(world.hosts):
                rows = world.load(name, month).rows
                covers = world._covers_on(name, month)
                for need in (0, 256 * MIB, GIB, 4 * GIB, 16 * GIB, 64 * GIB):
                    answer = projection._balloons_all(rows, need, k)
                    assert covers(rows, need) is answer
                    answers.add(answer)
                if projection._balloons_all(rows, 0, k):  # and at the byte where it turns
                    lo, hi = 0, 1 << 42  # covers lo, not hi
                    while hi - lo > 1:
                        mid = (lo + hi) // 2
                        lo, hi = (mid, hi) if projection._balloons_all(rows, mid, k) else (lo, mid)
                    assert covers(rows, lo)
                    assert not covers(rows, hi)
                    edges += 1
            for index in world._index.values():  # proofs carried over a fold or a new
                # VM put in (_Layout.insert()): made afresh; so are the sums and rows
                for lay in (index.lay, index.folded):
                    if lay is None:
                        continue
                    rows = [row for row in lay.base if row is not None]
                    assert lay.sums == projection._sums((0,) * 6, rows)
                    assert lay.moving == [i for i, row in enumerate(lay.base) if row is None]
                    for i, e in enumerate(index.vms):  # fixed rows: the entry's, from then
                        assert lay.base[i] is None or lay.base[i] is e.row
                        assert lay.base[i] is None or max(lay.since, e.born) - e.born >= e.since
                    if lay.taken is not None:
                        fresh = projection._Layout(lay.base, lay.moving, lay.sums, lay.since)
                        assert lay.taken == fresh.taking()
                    if lay.proof is not None:
                        again = projection._Layout(lay.base, lay.moving, lay.sums, lay.since)
                        assert lay.proof == again.base_proof(k)
                        carried += lay is index.folded
                        inserted += index.version > 0
    assert answers == {True, False}
    assert edges > 20
    assert carried
    assert inserted  # proofs that took new VMs in


def test_ha_verdicts_over_the_months_are_the_analysis_of_the_grown_vms() -> None:
    """_World.ha_verdict() gives ha.analyse() the hosts' grown loads and the VMs as they
    were (what it reads of them, admission control, growth leaves alone): the verdict must
    be the analysis of the VMs grown to the month."""
    from memplan.engine import ha
    from memplan.engine.hostmodel import evaluate_load, load_of

    inventory = inv(_changing())
    host_of, _ = engine.place(inventory)
    world = projection._World.start(inventory, host_of, 0.06, "demand", AS_OF)
    cluster = inventory.clusters[0]
    verdicts = set()
    for month in range(13):
        world.arrive(month)
        members = [h for h in world.hosts.values() if h.cluster == cluster.name]
        grown = {h.name: world.on_host(h.name, month) for h in members}
        base = {h.name: evaluate_load(h, load_of(grown[h.name]), inventory.policy) for h in members}
        result = ha.analyse(cluster, members, grown, base, inventory.policy)
        assert result is not None
        assert world.ha_verdict(cluster, month, (), None) is result.verdict
        verdicts.add(result.verdict)
    assert len(verdicts) > 1


def _walked(
    inventory: Inventory, growth: float | None, scope: str, last: int = 18
) -> Iterator[tuple[projection._World, int]]:
    """A world of ``inventory`` walked month by month as the forecast walks it, planned
    changes applied and new VMs arrived: (the world, the month) at each month."""
    host_of, _ = engine.place(inventory)
    world = projection._World.start(inventory, host_of, growth, scope, AS_OF)
    changes = {m: cs for m, _, cs in projection._segments(inventory, AS_OF, last)}
    for month in range(last + 1):
        for change in changes.get(month, []):
            world.apply(change, month, growth, scope)
        world.arrive(month)
        yield world, month


def test_placements_tallies_are_the_loads_sums() -> None:
    """_World._tallies() sums each host's demand and reservations + overheads for placing
    new VMs without the growing VMs' rows (their held memory a group of one rate and birth
    month at a time): every month, asked before any load is (no row kept from a load),
    through planned changes and new VMs, the sums of the load of the VMs grown then."""
    from memplan.engine.hostmodel import load_of

    inventory = inv(_changing())
    grouped = 0
    for growth, scope in ((None, "demand"), (0.06, "demand"), (0.12, "vm"), (-0.02, "vm")):
        for world, month in _walked(inventory, growth, scope):
            hosts = [world.hosts[name] for name in sorted(world.hosts)]
            demand, reserved = world._tallies(hosts, month)
            for h in hosts:
                load = load_of(world.on_host(h.name, month))
                assert (demand[h.name], reserved[h.name]) == (
                    load.demand, load.reserved + load.overhead
                )  # fmt: skip
                lay = world._on(h.name).layout(month)
                grouped += lay.held is not None and bool(lay.held[2])
    assert grouped


def test_loads_are_the_grown_vms_loads_whatever_months_are_asked() -> None:
    """_World.load() lays out only the rows growth changes, and once growing VMs reach
    their bounds lays the rows out again without them (_OnHost.fold()), from that month
    on: asked month by month, then back over earlier months (as the forecast's search
    and HA probe them), every host's load must be the load of its VMs grown to the month."""
    from memplan.engine.hostmodel import load_of

    def plain(load: Load) -> tuple[object, ...]:  # the rows' VMs are not grown copies
        return (
            [row[1:] for row in load.rows], load.vms_total, load.demand, load.overhead,
            load.active, load.configured, load.reserved, load.balloonable,
        )  # fmt: skip

    inventory = inv(_changing())
    folded = 0
    for growth, scope in ((None, "demand"), (0.06, "demand"), (0.12, "vm")):
        for world, month in _walked(inventory, growth, scope):
            for name in sorted(world.hosts):
                assert plain(world.load(name, month)) == plain(load_of(world.on_host(name, month)))
        for month in (17, 3, 4, 12, 0, 1, 18, 7, 5, 6, 2):
            for name in sorted(world.hosts):
                assert plain(world.load(name, month)) == plain(load_of(world.on_host(name, month)))
        folded += sum(1 for index in world._index.values() if index.folded is not None)
    assert folded  # some growing VMs reach their bounds


def test_check_takes_the_timeline_from_its_forecasts_pass() -> None:
    """engine.evaluate(timeline=True), as ``check --format html`` asks it, takes every
    host's timeline from the pass that makes the forecast: the same report as without it
    but for the points, and the points timeline() gives, through planned changes, new VMs,
    HA and a failed host."""
    from dataclasses import replace

    inventory = inv(_changing())
    observed = engine.observe(inventory)
    host_of, _ = engine.place(observed)
    for growth, scope in ((None, "demand"), (0.06, "demand"), (0.06, "vm")):
        scenario = Scenario(
            as_of=AS_OF, horizon_months=18, growth=growth, growth_scope=scope, fail_hosts=("b",)
        )
        plain = engine.evaluate(inventory, scenario)
        both = engine.evaluate(inventory, scenario, timeline=True)
        points, _ = projection.timeline(observed, host_of, AS_OF, 18, 1, growth, scope)
        assert points
        assert both.timeline == points
        assert not plain.timeline
        assert replace(both, timeline=()) == plain

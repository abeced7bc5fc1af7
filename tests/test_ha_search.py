"""HA's scenario search (issue 22): the worst failure it finds is the one a plain scan of
every scenario finds, and the proof that lets it skip MemSched (ha.ballooned) never
claims what MemSched does not do."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from memplan import engine
from memplan.engine import ha
from memplan.engine.hostmodel import (
    SWAP_MARGIN,
    Row,
    evaluate_load,
    load_of,
    swap_proven,
    taken_at,
)
from memplan.engine.memsched import ballooned
from memplan.model import VM, HAResult, Scenario
from memplan.units import GIB, MIB
from tests.helpers import inv
from tests.reclaim import claims_of, make_vm, row_of, rows_of, shortfall_edge, vms


def _proves(own: list[Row], extra: list[Row], need: int, tax: Fraction) -> bool:
    """ha.ballooned() on rows as a survivor has them: its own, then restarted ones."""
    k = 1 / (1 - float(tax))
    moves = [ha.Move((0, vm.name), 0, vm.memory, 0, bal, 0, (vm, held, act, bal))
             for vm, held, act, bal in extra]  # fmt: skip
    return ha.ballooned(ha.ReclaimCurve(own, k), moves, need, k, {})


def test_idle_memory_covers_the_need_proven_without_memsched() -> None:
    """Ten 16 GiB VMs holding 12.8 GiB each, 4 GiB active: 8.8 GiB idle each, 88 GiB in
    all. Reclaiming 20 GiB takes only idle memory (the idle tax), all of it ballooned:
    proven, and MemSched agrees. Reclaiming 90 GiB reaches active memory: not proven
    (MemSched balloons the 88 GiB idle memory, and swaps the rest)."""
    rows = [
        row_of(make_vm(f"v{i}", 16 * GIB, 4 * GIB, 12 * GIB + 819 * MIB, 163840)) for i in range(10)
    ]
    tax = Fraction(3, 4)
    assert _proves(rows[:8], rows[8:], 20 * GIB, tax)
    assert ballooned(20 * GIB, claims_of(rows), tax) == 20 * GIB
    assert not _proves(rows[:8], rows[8:], 90 * GIB, tax)
    assert ballooned(90 * GIB, claims_of(rows), tax) == 10 * rows[0][3] < 90 * GIB


def test_a_fully_active_vm_first_is_not_proven() -> None:
    """A fully active VM has nothing to balloon: the proof needs a VM with room ahead of
    it, or it could take the byte that rounding hands out first."""
    busy = row_of(make_vm("busy", 8 * GIB, 8 * GIB, 8 * GIB, 81920))
    idle = row_of(make_vm("idle", 16 * GIB, 1 * GIB, 16 * GIB, 163840))
    tax = Fraction(3, 4)
    assert not _proves([busy, idle], [], 1 * GIB, tax)
    assert _proves([idle, busy], [], 1 * GIB, tax)
    assert ballooned(1 * GIB, claims_of([idle, busy]), tax) == 1 * GIB


@settings(max_examples=400, deadline=None)
@given(
    vms,
    st.integers(0, 12),
    st.integers(1, 1 << 38),
    st.sampled_from([Fraction(0), Fraction(3, 4), Fraction(9, 10)]),
)
def test_proof_holds_whenever_given(
    spec: list[tuple[int, int, int, int, int, int]], cut: int, need: int, tax: Fraction
) -> None:
    """Whenever ha.ballooned() proves it, MemSched balloons exactly the need."""
    rows = rows_of(spec)
    own, extra = rows[: min(cut, len(rows))], rows[min(cut, len(rows)) :]
    proven = _proves(own, extra, need, tax)
    event(f"proven: {proven}")  # pytest --hypothesis-show-statistics: both happen
    if proven:
        assert ballooned(need, claims_of(rows), tax) == need


def test_curve_is_the_sum_of_the_rows() -> None:
    """ReclaimCurve reads what MemSched takes at a level as the rows' sum, at every level."""
    rows = [
        row_of(make_vm("a", 16 * GIB, 4 * GIB, 12 * GIB, 163840)),
        row_of(make_vm("b", 8 * GIB, 8 * GIB, 8 * GIB, 81920, 2 * GIB)),
        row_of(make_vm("c", 32 * GIB, 1 * GIB, 30 * GIB, 0)),
        row_of(make_vm("d", 4 * GIB, 1 * GIB, 4 * GIB, 40960, 4 * GIB)),
    ]
    k = 4.0
    curve = ha.ReclaimCurve(rows, k)
    for x in [0.0, 1.0, 1e3, 2e4, 5e4, 6e4, 1e5, 2e5, 4e5, 1e6, 1e9]:
        want = sum(taken_at(r, x, k) for r in rows)
        assert abs(curve.taken(x) - want) <= 1.0, x


def _cluster(hosts: list[list[tuple[int, int, int, str]]], drs: bool) -> str:
    lines = ["clusters:", "  - name: c", f"    drs: {'true' if drs else 'false'}", "    hosts:"]
    for i, vms_ in enumerate(hosts):
        lines.append(f"      - name: h{i}")
        lines.append(f"        memory: {64 + 32 * (i % 3)}GiB")
        lines.append("        vms:")
        for j, (gib, active, consumed, shares) in enumerate(vms_):
            lines.append(
                f"          - {{name: v{i}x{j}, memory: {gib}GiB, active: {active}%,"
                f" consumed: {consumed}%, shares: {shares}}}"
            )
    return "\n".join(lines) + "\n"


def _key(r: HAResult) -> tuple[int, int, int, int, int, int]:
    """How much a scenario hurts, as the search ranks them (docs/ha.md)."""
    after = r.survivors
    return (
        r.verdict.rank, len(r.unrestartable), r.state_after.rank, sum(s.swap for s in after),
        sum(s.balloon for s in after), -sum(s.free for s in after),
    )  # fmt: skip


host_vms = st.lists(
    st.tuples(
        st.sampled_from([2, 4, 8, 16, 24]),
        st.integers(5, 100),
        st.integers(50, 100),
        st.sampled_from(["low", "normal", "high"]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(st.lists(host_vms, min_size=3, max_size=6), st.integers(1, 2), st.booleans())
def test_search_finds_what_a_plain_scan_finds(
    hosts: list[list[tuple[int, int, int, str]]], failures: int, drs: bool
) -> None:
    """The worst failure of every combination, found by the search (bounds, proofs,
    skipping), is the one evaluating every combination in full finds: same hosts, same
    survivors' results, ties to the first combination."""
    inventory = inv(_cluster(hosts, drs))
    found = engine.evaluate(inventory, Scenario(ha_failures=failures)).clusters[0].ha
    assert found is not None
    names = sorted(h.name for h in inventory.hosts)
    best: tuple[tuple[int, int, int, int, int, int], HAResult] | None = None
    for failed in combinations(names, failures):
        r = engine.evaluate(inventory, Scenario(fail_hosts=failed)).clusters[0].ha
        assert r is not None
        if best is None or _key(r) > best[0]:
            best = (_key(r), r)
    assert best is not None
    want = best[1]
    assert (found.failed_hosts, found.survivors, found.restarted, found.unrestartable) == (
        want.failed_hosts, want.survivors, want.restarted, want.unrestartable,
    )  # fmt: skip


idle_host_vms = st.lists(  # mostly idle and full hosts: survivors reclaim, often by ballooning
    st.tuples(
        st.sampled_from([8, 16, 24]),
        st.integers(5, 40),
        st.integers(80, 100),
        st.sampled_from(["low", "normal", "high"]),
    ),
    min_size=2,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(idle_host_vms, min_size=2, max_size=5), st.integers(1, 2), st.booleans())
def test_survivors_are_their_full_evaluation(
    hosts: list[list[tuple[int, int, int, str]]], failures: int, drs: bool
) -> None:
    """Each survivor of the worst scenario, which the analysis takes from its search (the
    split it ran, or the need as ballooned where the proof showed it), is what evaluating
    the survivor with its restarted VMs in full (MemSched's split) gives."""
    inventory = inv(_cluster(hosts, drs))
    r = engine.evaluate(inventory, Scenario(ha_failures=failures)).clusters[0].ha
    assert r is not None
    on = {h.name: [vm for vm in inventory.vms if vm.host == h.name] for h in inventory.hosts}
    restarted: dict[str, list[VM]] = {}
    vm_of = {vm.name: vm for vm in inventory.vms}
    for name, host in r.restarted:
        restarted.setdefault(host, []).append(vm_of[name])
    for s in r.survivors:
        extra = sorted(restarted.get(s.host.name, []), key=lambda vm: (-vm.memory, vm.name))
        load = load_of(on[s.host.name]).plus(load_of(extra))  # restarts after, largest first
        assert s == evaluate_load(s.host, load, inventory.policy)


@settings(max_examples=400, deadline=None)
@given(
    vms,
    st.integers(1, 1 << 38),
    st.sampled_from([Fraction(0), Fraction(3, 4), Fraction(9, 10)]),
)
def test_swap_proof_holds_whenever_given(
    spec: list[tuple[int, int, int, int, int, int]], need: int, tax: Fraction
) -> None:
    """Whenever hostmodel.swap_proven() proves it, MemSched balloons less than the need
    (the rest is compressed or swapped: the host settles hard or low). Both answers come
    up (--hypothesis-show-statistics)."""
    rows = []
    for i, (gib, active, consumed, per_mib, res, odd) in enumerate(spec):
        memory = gib * GIB + odd
        vm = make_vm(
            f"v{i:02d}", memory, memory * active // 100, memory * consumed // 100,
            per_mib * (memory // MIB), memory * res // 100,
        )  # fmt: skip
        rows.append(row_of(vm))
    proven = swap_proven(tuple(rows), need, 1 / (1 - float(tax)))
    event(f"swap proven: {proven}")
    if proven:
        assert ballooned(need, claims_of(rows), tax) < need


@settings(max_examples=150, deadline=None)
@given(vms, st.sampled_from([Fraction(0), Fraction(3, 4), Fraction(9, 10)]))
def test_swap_proof_holds_at_the_edge(
    spec: list[tuple[int, int, int, int, int, int]], tax: Fraction
) -> None:
    """Just below the smallest need MemSched no longer balloons whole (found by bisection),
    swap_proven() proves nothing where MemSched balloons it all: the margin is on the
    right side."""
    rows = rows_of(spec)
    claims, k = claims_of(rows), 1 / (1 - float(tax))
    edge = shortfall_edge(rows, claims, tax)
    if edge is None:
        return  # never short
    lo, hi = edge
    for need in {lo, max(1, hi - 1), max(1, hi - 1000), max(1, hi - SWAP_MARGIN // 2)}:
        if ballooned(need, claims, tax) == need:
            assert not swap_proven(tuple(rows), need, k)
    event(f"proven past the edge: {swap_proven(tuple(rows), hi + 2 * SWAP_MARGIN, k)}")


def test_swap_proof_of_a_host_short_of_idle_memory() -> None:
    """Ten 16 GiB VMs holding 12.8 GiB each, 4 GiB active, equal shares: 8.8 GiB idle
    each. Reclaiming 90 GiB reaches into the active memory: every VM gives 9 GiB, more
    than its 8.8 GiB balloonable, proven without MemSched. Reclaiming 20 GiB (2 GiB each)
    is not: it is all ballooned. A VM whose balloon takes all its room never swaps."""
    rows = tuple(
        row_of(make_vm(f"v{i}", 16 * GIB, 4 * GIB, 12 * GIB + 819 * MIB, 163840)) for i in range(10)
    )
    tax = Fraction(3, 4)
    assert rows[0][3] == 12 * GIB + 819 * MIB - 4 * GIB  # balloonable: the idle memory
    assert swap_proven(rows, 90 * GIB, 4.0)
    assert ballooned(90 * GIB, claims_of(list(rows)), tax) == 10 * rows[0][3] < 90 * GIB
    assert not swap_proven(rows, 20 * GIB, 4.0)
    small = row_of(make_vm("s", 4 * GIB, 0, 2 * GIB, 40960))  # 2 GiB held, all balloonable
    assert not swap_proven((small,), 2 * GIB, 4.0)

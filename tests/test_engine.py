"""The memory model: hand-computed hosts, settling, placement and invariants."""

from __future__ import annotations

from dataclasses import fields, replace
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from memplan import engine, esxi
from memplan.engine import hostmodel
from memplan.model import VM, Host, HostResult, MemState, Policy, Severity, VMResult
from memplan.units import GIB, MIB
from tests.helpers import inv, report

HAND_HOST = """
hosts:
  - name: esx01
    memory: 128GiB
    managed: 130607MiB
    system_reserved: 4096MiB
    vms:
      - {name: a, memory: 102400MiB, overhead: 500MiB, active: 20%}
      - {name: b, memory: 24576MiB, overhead: 100MiB, active: 100%}
"""


def test_hand_computed_ballooning_host() -> None:
    """A 128 GiB host worked out by hand (MiB):

    capacity = managed - system_reserved = 130607 - 4096 = 126511
    minFree  = 901.12 + 1% x (130607 - 28672) = 901.12 + 1019.35 = 1920.47
    demand   = (102400 + 500) + (24576 + 100) = 127576
    free     = 126511 - 127576 = -1065
    soft-band top (reading B, ESXi 8: 100% of minFree) = 1920.47
    need     = 1920.47 - (-1065) = 2985.47
    balloonable: a idle = 102400 - 20% = 81920, capped at 65% = 66560; b idle = 0
    66560 >= 2985.47, so the host settles in soft and balloons 2985.47, all from a.
    ratio    = (102400 + 24576) / 126511 = 126976 / 126511
    """
    r = report(HAND_HOST)
    (h,) = r.hosts
    min_free = Fraction(192047, 100) * MIB
    assert h.capacity == 126511 * MIB
    assert h.min_free == int(min_free)
    assert h.demand == 127576 * MIB
    assert h.free == -1065 * MIB
    assert h.need == int(min_free) + 1065 * MIB
    assert h.balloonable == 66560 * MIB
    assert h.balloon == h.need
    assert h.swap == 0
    assert h.state is MemState.SOFT
    assert h.overcommit_ratio == 126976 / 126511
    assert h.verdict is Severity.WARN
    a, b = r.vms
    assert (a.balloon, b.balloon) == (h.need, 0)
    assert [f.rule for f in r.findings] == ["MP202"]


def test_same_host_with_busy_vm_swaps() -> None:
    """a now 99% active: idle = 1% of 102400 = 1024 MiB < need 2985.47 MiB, so 1961.47 MiB
    must be compressed or swapped. Active 101376 + 24576 + overhead 600 = 126552 > 126511:
    the working sets do not fit, so the host settles in low."""
    r = report(HAND_HOST.replace("active: 20%", "active: 99%"))
    (h,) = r.hosts
    assert h.balloonable == 1024 * MIB
    assert h.balloon == 1024 * MIB
    assert h.swap == h.need - 1024 * MIB
    assert not h.active_fits
    assert h.state is MemState.LOW
    assert [f.rule for f in r.findings] == ["MP203"]


def _bands() -> tuple[esxi.Band, ...]:
    # minFree 1000 B: high >= 4000, clear >= 1000, soft >= 640, hard >= 320, low below.
    return esxi.bands(1000, esxi.STATE_TABLES["6.0+"], "B")


def test_settle_by_free_memory_alone_above_the_soft_band() -> None:
    assert hostmodel.settle(100_000, 95_000, 1, 0, _bands()).state is MemState.HIGH
    s = hostmodel.settle(100_000, 97_000, 1, 0, _bands())  # free 3000: clear
    assert (s.state, s.need, s.balloon, s.swap) == (MemState.CLEAR, 0, 0, 0)


def test_settle_hard_when_ballooning_falls_short() -> None:
    """free 500 -> need 500; balloon 200, swap 300; free after balloon 700 >= 320: hard."""
    s = hostmodel.settle(100_000, 99_500, 50_000, 200, _bands())
    assert (s.state, s.need, s.balloon, s.swap) == (MemState.HARD, 500, 200, 300)


def test_settle_low_when_free_after_balloon_is_below_hard_band() -> None:
    """free 200 -> need 800; nothing to balloon; 200 < 320: low."""
    s = hostmodel.settle(100_000, 99_800, 50_000, 0, _bands())
    assert (s.state, s.need, s.swap) == (MemState.LOW, 800, 800)


def test_placement_picks_host_with_most_free_memory_largest_vm_first() -> None:
    """esx01 256 GiB (252 capacity), esx02 128 GiB (124). big (100 GiB) goes first to
    esx01 (most free); then small (8 GiB) sees esx01 with ~152 free and esx02 with
    124 free, so it also goes to esx01."""
    r = report("""
        clusters:
          - name: c
            hosts:
              - {name: esx01, memory: 256GiB}
              - {name: esx02, memory: 128GiB}
            vms:
              - {name: small, memory: 8GiB}
              - {name: big, memory: 100GiB}
    """)
    placed = {v.vm.name: (v.host, v.placed) for v in r.vms}
    assert placed == {"big": ("esx01", True), "small": ("esx01", True)}


def test_placement_respects_admission() -> None:
    """A reservation too large for the emptier host goes to the host that can admit it."""
    r = report("""
        clusters:
          - name: c
            hosts:
              - {name: big, memory: 256GiB, vms: [{name: filler, memory: 200GiB}]}
              - {name: small, memory: 64GiB}
            vms:
              - {name: db, memory: 80GiB, reservation: all}
    """)
    assert {v.vm.name: v.host for v in r.vms}["db"] == "big"


def test_powered_off_vm_uses_no_memory() -> None:
    r = report("""
        hosts:
          - {name: h, memory: 64GiB, vms: [{name: off, memory: 32GiB, power: off}]}
    """)
    (h,) = r.hosts
    assert (h.demand, h.vms_on, h.vms_total) == (0, 0, 1)


def test_limit_caps_demand() -> None:
    r = report("""
        hosts:
          - {name: h, memory: 64GiB, vms: [{name: v, memory: 32GiB, limit: 8GiB, overhead: 0}]}
    """)
    assert r.hosts[0].demand == 8 * GIB


# --- invariants ---------------------------------------------------------------------------

vm_strategy = st.builds(
    dict,
    memory=st.integers(min_value=1, max_value=256),
    active=st.integers(min_value=0, max_value=100),
    reservation=st.integers(min_value=0, max_value=100),
    balloon_max=st.one_of(st.none(), st.integers(min_value=0, max_value=64)),
    power=st.booleans(),
)


def _host_yaml(host_gib: int, vms: list[dict[str, object]]) -> str:
    lines = ["hosts:", "  - name: h", f"    memory: {host_gib}GiB", "    vms:"]
    for i, v in enumerate(vms):
        res = v["memory"] * v["reservation"] // 100  # type: ignore[operator]
        bm = "" if v["balloon_max"] is None else f", balloon_max: {v['balloon_max']}GiB"
        lines.append(
            f"      - {{name: v{i}, memory: {v['memory']}GiB, active: {v['active']}%,"
            f" reservation: {res}GiB, power: {'on' if v['power'] else 'off'}{bm}}}"
        )
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=8, max_value=1024), st.lists(vm_strategy, min_size=1, max_size=8))
def test_free_is_capacity_minus_demand(host_gib: int, vms: list[dict[str, object]]) -> None:
    r = engine.evaluate(inv(_host_yaml(host_gib, vms)))
    for h in r.hosts:
        assert h.free == h.capacity - h.demand
        assert h.balloon + h.swap == h.need
        assert sum(v.balloon for v in r.vms) == h.balloon
        assert sum(v.swap for v in r.vms) <= h.swap


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=8, max_value=512),
    st.lists(vm_strategy, min_size=0, max_size=6),
    vm_strategy,
)
def test_adding_a_powered_on_vm_never_improves_the_state(
    host_gib: int, vms: list[dict[str, object]], extra: dict[str, object]
) -> None:
    before = engine.evaluate(inv(_host_yaml(host_gib, vms))).hosts[0]
    after = engine.evaluate(inv(_host_yaml(host_gib, [*vms, {**extra, "power": True}]))).hosts[0]
    assert after.state.rank >= before.state.rank
    assert after.free < before.free


def test_policy_thresholds_override_the_table() -> None:
    """With soft starting at 200% of minFree, a host with 150% of minFree free balloons."""
    r = report("""
        policy:
          thresholds: {high: 400%, clear: 200%, soft: 150%, hard: 32%, low: 16%}
        hosts:
          - name: h
            memory: 32GiB
            system_reserved: 0
            vms: [{name: v, memory: 31GiB, overhead: 0, active: 10%}]
    """)
    h = r.hosts[0]
    # minFree of 32 GiB = 901.12 + 1% x 4096 = 942.08 MiB; free = 1024 MiB = 108.7%
    assert h.free == GIB
    assert h.state is MemState.SOFT


def test_reading_a_is_selectable() -> None:
    text = """
        policy: {reading: A}
        hosts:
          - name: h
            memory: 32GiB
            system_reserved: 0
            vms: [{name: v, memory: 31.2GiB, overhead: 0, active: 10%}]
    """
    # free = 0.8 GiB = 819.2 MiB = 87% of minFree 942.08: soft under B, clear under A.
    assert report(text).hosts[0].state is MemState.CLEAR
    assert report(text.replace("{reading: A}", "{reading: B}")).hosts[0].state is MemState.SOFT
    assert Policy().reading == "B"


def _plain_vm_results(
    host: Host, vms: list[VM], policy: Policy
) -> tuple[HostResult, list[VMResult]]:
    """evaluate_host()'s VM results built through VMResult's own __init__, as it did before
    issue 22 (it now fills the slots directly)."""
    load = hostmodel.load_of(vms)
    result, shares = hostmodel._evaluate(host, load, policy, True)
    on = iter(zip(load.rows, shares or [None] * len(load.rows), strict=True))
    out = []
    for vm in vms:
        if not vm.powered_on:
            out.append(VMResult(vm, host.name, False, 0, 0, 0, 0, 0, 0, Severity.OK))
            continue
        (_, held, _, _), sh = next(on)
        if sh is None:
            out.append(
                VMResult(vm, host.name, False, held + vm.overhead, 0, 0, 0, 0, held, Severity.OK)
            )
        else:
            out.append(
                VMResult(vm, host.name, False, held + vm.overhead, sh.balloon, sh.compressed,
                         sh.swapped, sh.active_hit, sh.entitlement, Severity.OK)
            )  # fmt: skip
    return result, out


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=8, max_value=512), st.lists(vm_strategy, min_size=0, max_size=8))
def test_vm_results_equal_their_dataclass_construction(
    host_gib: int, vms: list[dict[str, object]]
) -> None:
    """evaluate_host() builds each VMResult without its __init__ (issue 22): every field
    equals what VMResult(...) gives, for contended and uncontended hosts, with VMs powered
    off among them, and the objects behave as the dataclass's own (repr, hash, replace)."""
    i = inv(_host_yaml(host_gib, vms))
    host, policy = i.hosts[0], i.policy
    own = [vm for vm in i.vms if vm.host == host.name]
    result, fast = hostmodel.evaluate_host(host, own, policy)
    plain_result, plain = _plain_vm_results(host, own, policy)
    assert result == plain_result
    assert fast == plain
    for f, p in zip(fast, plain, strict=True):
        assert type(f) is VMResult
        assert [getattr(f, x.name) for x in fields(VMResult)] == [
            getattr(p, x.name) for x in fields(VMResult)
        ]
        assert repr(f) == repr(p)
        assert hash(f) == hash(p)
        assert replace(f, verdict=Severity.WARN) == replace(p, verdict=Severity.WARN)


def test_vm_results_are_built_without_their_init() -> None:
    """evaluate_host() builds VMResults through memplan.model.builder(), which takes every
    field in order; VMResult must stay a class it serves (slots = fields, no
    __post_init__), or the builder falls back to the constructor, correct but slow."""
    assert hostmodel._VM_RESULT is not VMResult
    assert hostmodel._VM_RESULT.__name__ == "build_VMResult"
    assert tuple(f.name for f in fields(VMResult)) == (
        "vm", "host", "placed", "demand", "balloon", "compressed", "swapped", "active_hit",
        "entitlement", "verdict",
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=8, max_value=512), st.lists(vm_strategy, min_size=1, max_size=10))
def test_swaps_is_the_state_worse_than_soft(host_gib: int, vms: list[dict[str, object]]) -> None:
    """hostmodel.swaps(), which spares the MemSched split where a proof decides (issue 22),
    answers what the full evaluation's state says: hard or low."""
    from memplan.engine.projection import _balloons_all

    i = inv(_host_yaml(host_gib, vms))
    host, policy = i.hosts[0], i.policy
    load = hostmodel.load_of([vm for vm in i.vms if vm.host == host.name])
    want = hostmodel.evaluate_load(host, load, policy).state.rank > MemState.SOFT.rank
    k = 1 / (1 - float(policy.idle_tax))
    assert hostmodel.swaps(host, load, policy) is want
    assert hostmodel.swaps(host, load, policy, lambda r, n: _balloons_all(r, n, k)) is want

"""HA: the reference's worked examples, mixed host sizes, admission, and the scenario search."""

from __future__ import annotations

from memplan import engine
from memplan.engine import ha
from memplan.model import MemState, Scenario, Severity
from memplan.units import GIB
from tests.helpers import inv, report

SLOT_EXAMPLE = """
    clusters:
      - name: c
        ha: {policy: slots, failures: 1}
        hosts:
          - {name: h1, memory: 9GiB, system_reserved: 0}
          - {name: h2, memory: 6GiB, system_reserved: 0}
          - {name: h3, memory: 6GiB, system_reserved: 0}
        vms:
          - {name: v1, memory: 1GiB, reservation: all, overhead: 0, host: h1}
          - {name: v2, memory: 1GiB, reservation: all, overhead: 0, host: h1}
          - {name: v3, memory: 2GiB, reservation: all, overhead: 0, host: h2}
          - {name: v4, memory: 1GiB, reservation: all, overhead: 0, host: h2}
          - {name: v5, memory: 1GiB, reservation: all, overhead: 0, host: h3}
"""


def test_slot_policy_worked_example() -> None:
    """vSphere 6.0 Availability guide, memory side: hosts 9, 6, 6 GB; VM reservations
    1, 1, 2, 1, 1 GB. Slot = largest reservation + overhead = 2 GB; slots per host =
    9 // 2, 6 // 2, 6 // 2 = 4, 3, 3. Losing the largest host leaves 6 slots >= 5 VMs;
    losing two leaves 3 < 5: current failover capacity 1."""
    r = report(SLOT_EXAMPLE)
    s = r.clusters[0].ha.slots  # type: ignore[union-attr]
    assert s is not None
    assert s.slot == 2 * GIB
    assert [n for _, n in s.slots_per_host] == [4, 3, 3]
    assert (s.vms_on, s.failover_capacity) == (5, 1)
    assert not [f for f in r.findings if f.rule == "MP304"]
    two = report(SLOT_EXAMPLE.replace("failures: 1", "failures: 2"))
    assert [f.rule for f in two.findings if f.rule == "MP304"] == ["MP304"]


def test_percentage_policy_worked_example() -> None:
    """Same cluster (21 GB) with 6 GB reserved: (21 - 6) / 21 = 71% failover capacity."""
    r = report(
        SLOT_EXAMPLE.replace(
            "{policy: slots, failures: 1}", "{policy: percentage, percentage: 25%}"
        )
    )
    p = r.clusters[0].ha.percentage  # type: ignore[union-attr]
    assert p is not None
    assert (p.capacity, p.reserved) == (21 * GIB, 6 * GIB)
    assert round(p.failover, 2) == 0.71
    assert not [f for f in r.findings if f.rule == "MP304"]
    short = report(
        SLOT_EXAMPLE.replace(
            "{policy: slots, failures: 1}", "{policy: percentage, percentage: 75%}"
        )
    )
    (f,) = [f for f in short.findings if f.rule == "MP304"]
    assert "71% of memory is unreserved" in f.message


MIXED = """
    clusters:
      - name: c
        ha: {failures: 1}
        hosts:
          - name: big
            memory: 512GiB
            system_reserved: 0
            vms: [{name: b1, memory: 300GiB, overhead: 0, active: 100%}]
          - {name: s1, memory: 128GiB, system_reserved: 0, vms: [{name: x1, memory: 40GiB, overhead: 0, active: 100%}]}
          - {name: s2, memory: 128GiB, system_reserved: 0, vms: [{name: x2, memory: 40GiB, overhead: 0, active: 100%}]}
          - {name: s3, memory: 128GiB, system_reserved: 0, vms: [{name: x3, memory: 40GiB, overhead: 0, active: 100%}]}
"""


def test_mixed_host_sizes_where_the_average_host_is_wrong() -> None:
    """Capacity 896 GiB, demand 420 GiB. "Subtract the average host" (896 / 4 = 224 GiB)
    leaves 672 GiB for 420 GiB: looks fine. But losing 'big' leaves b1 (300 GiB) with only
    128 GiB survivors: it is larger than every survivor, so it cannot restart (MP301)."""
    r = report(MIXED)
    h = r.clusters[0].ha
    assert h is not None
    assert h.failed_hosts == ("big",)
    assert h.method == "exhaustive"
    assert h.scenarios == 4
    assert h.unrestartable == ("b1",)
    assert h.verdict is Severity.FAIL
    assert [f.subject for f in r.findings if f.rule == "MP301"] == ["b1"]
    capacity, demand = 896 * GIB, 420 * GIB
    assert capacity - capacity // 4 > demand  # the average-host shortcut says fine


def test_reservation_larger_than_any_survivors_unreserved_memory() -> None:
    """Two 128 GiB hosts (124 GiB capacity) with 100 GiB reserved each: each has 24 GiB
    unreserved, so neither 100 GiB reservation can move: both scenarios fail."""
    r = report("""
        clusters:
          - name: c
            ha: {failures: 1}
            hosts:
              - {name: a, memory: 128GiB, vms: [{name: r1, memory: 100GiB, reservation: all, overhead: 0}]}
              - {name: b, memory: 128GiB, vms: [{name: r2, memory: 100GiB, reservation: all, overhead: 0}]}
    """)
    h = r.clusters[0].ha
    assert h is not None
    assert len(h.unrestartable) == 1
    assert h.verdict is Severity.FAIL


def test_restart_goes_to_the_survivor_with_most_unreserved_memory() -> None:
    r = report("""
        clusters:
          - name: c
            hosts:
              - {name: a, memory: 256GiB, vms: [{name: v, memory: 8GiB}]}
              - {name: b, memory: 256GiB, vms: [{name: w, memory: 64GiB, reservation: all}]}
              - {name: c, memory: 256GiB}
    """)
    assumed = r.clusters[0].ha  # no ha: but more than one host: HA assumed, one failure
    assert assumed is not None
    assert (assumed.basis, assumed.policy, assumed.failures) == ("assumed", "host-failures", 1)
    with_fail = engine.evaluate(
        inv("""
        clusters:
          - name: c
            hosts:
              - {name: a, memory: 256GiB, vms: [{name: v, memory: 8GiB}]}
              - {name: b, memory: 256GiB, vms: [{name: w, memory: 64GiB, reservation: all}]}
              - {name: c, memory: 256GiB}
    """),
        Scenario(fail_hosts=("a",)),
    )
    h = with_fail.clusters[0].ha
    assert h is not None
    assert (h.method, h.failed_hosts, h.restarted) == ("given", ("a",), (("v", "c"),))


def test_survivor_state_after_failover_is_evaluated_with_the_host_model() -> None:
    """Two 256 GiB hosts with 128 GiB each, 20% active: one survivor must hold 256 GiB +
    overhead on 252 GiB of capacity: it balloons (MP302), nothing swaps."""
    r = report("""
        clusters:
          - name: prod
            ha: {failures: 1}
            hosts:
              - {name: a, memory: 256GiB, vms: [{name: v1, memory: 128GiB, active: 20%}]}
              - {name: b, memory: 256GiB, vms: [{name: v2, memory: 128GiB, active: 20%}]}
    """)
    h = r.clusters[0].ha
    assert h is not None
    assert h.state_after is MemState.SOFT
    assert h.verdict is Severity.WARN
    assert [f.rule for f in r.findings] == ["MP302"]
    assert r.verdict is Severity.WARN


def test_many_hosts_fall_back_to_the_largest() -> None:
    hosts = [f"h{i:02d}" for i in range(40)]
    text = "clusters:\n  - name: c\n    ha: {failures: 2}\n    hosts:\n" + "".join(
        f"      - {{name: {h}, memory: {256 if i == 7 else 128}GiB}}\n" for i, h in enumerate(hosts)
    )
    r = report(text)
    h = r.clusters[0].ha
    assert h is not None
    assert h.method == "largest"
    assert h.failed_hosts == ("h00", "h07")  # the 256 GiB host, then the first 128 GiB one
    assert ha.MAX_COMBINATIONS < 40 * 39 // 2


def test_dedicated_failover_hosts_are_never_placement_targets() -> None:
    r = report("""
        clusters:
          - name: c
            ha: {policy: dedicated, failover_hosts: [spare]}
            hosts:
              - {name: a, memory: 64GiB}
              - {name: spare, memory: 512GiB}
            vms: [{name: v, memory: 8GiB}]
    """)
    assert {v.vm.name: v.host for v in r.vms} == {"v": "a"}
    assert not [f for f in r.findings if f.rule == "MP305"]


def test_ha_disabled_simulates_nothing_unless_asked() -> None:
    text = """
        clusters:
          - name: c
            ha: {policy: disabled}
            hosts: [{name: a, memory: 64GiB}, {name: b, memory: 64GiB}]
    """
    h = report(text).clusters[0].ha
    assert h is not None
    assert h.method == "none"
    forced = engine.evaluate(inv(text), Scenario(ha_failures=1)).clusters[0].ha
    assert forced is not None
    assert forced.method == "exhaustive"


def test_failover_findings_count_for_the_cluster_not_todays_host_verdict() -> None:
    """Busy VMs: fine today, but the survivor of a failure swaps (MP303). Today's host
    verdicts stay ok; the cluster and the inventory fail."""
    r = report("""
        clusters:
          - name: prod
            ha: {failures: 1}
            hosts:
              - {name: a, memory: 256GiB, vms: [{name: v1, memory: 160GiB, active: 100%}]}
              - {name: b, memory: 256GiB, vms: [{name: v2, memory: 160GiB, active: 100%}]}
    """)
    assert [h.verdict for h in r.hosts] == [Severity.OK, Severity.OK]
    assert r.clusters[0].verdict is Severity.FAIL
    assert r.verdict is Severity.FAIL
    assert {f.rule for f in r.findings} == {"MP303"}

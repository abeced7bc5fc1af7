"""Demand growth: what VMs cannot hold arrives as new VMs (docs/projection.md), worked
by hand; in-VM growth (a VM's own rate, --growth-scope vm) stays what it was."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date

import pytest
from typer.testing import CliRunner

from memplan import engine
from memplan.cli.root import app
from memplan.engine import projection
from memplan.model import MemState, Scenario
from memplan.units import GIB, MIB
from tests.helpers import inv

AS_OF = date(2026, 1, 1)

# One standalone host of 128 GiB, nothing reserved for the hypervisor: capacity 131072 MiB.
# minFree = 899.2 + 1% x (131072 - 28672) = 1925.12 MiB, and (reading B) the host balloons
# when free memory falls below it. Eight VMs of 8 GiB hold all their memory (consumed =
# configured, the default), no overhead: demand D0 = 65536 MiB, free 65536 MiB.
FULL_HOST = """
    hosts:
      - name: h
        memory: 128GiB
        system_reserved: 0
        vms:
"""
VM_LINE = "          - {name: v%d, memory: 8GiB, overhead: 0, active: 20%%}\n"


def full_host(n: int, growth: str = "") -> str:
    text = FULL_HOST + "".join(VM_LINE % i for i in range(n))
    return text.replace("system_reserved: 0", f"system_reserved: 0{growth}")


def _state(n: int) -> MemState:
    """The model's own evaluation of the host carrying ``n`` such VMs."""
    return engine.evaluate(inv(full_host(n))).hosts[0].state


def test_standalone_host_balloons_when_d0_times_growth_arrives_as_such_vms() -> None:
    """Growing 5%/month, the host must carry D0 x (1.05^t - 1) more demand: as VMs of
    8 GiB, 8 x (1.05^t - 1) of them, to the nearest: month 13: 8 x 0.8856 = 7.08 -> 7 (15
    VMs, free 8192 MiB: still high); month 14: 8 x 0.9799 = 7.84 -> 8 (16 VMs, free 0
    < 1925.12 MiB: soft). The closed form agrees: ln(1 + 63610.88 / 65536) / ln(1.05)
    = 13.9, month 14. No VM can grow (all hold their 8 GiB), so in-VM growth alone never
    moves the host."""
    assert round(8 * (1.05**13 - 1)) == 7
    assert round(8 * (1.05**14 - 1)) == 8
    assert math.ceil(math.log(1 + (131072 - 65536 - 1925.12) / 65536) / math.log(1.05)) == 14
    assert _state(8 + 7) is MemState.HIGH  # the model itself, at month 13
    assert _state(8 + 8) is MemState.SOFT  # and at month 14
    r = engine.evaluate(inv(full_host(8)), Scenario(as_of=AS_OF, horizon_months=36, growth=0.05))
    assert r.forecast is not None
    (h,) = r.forecast.hosts
    assert h.balloon_at == date(2027, 3, 1)  # month 14
    assert h.arrived_by_balloon == 8
    (a,) = r.forecast.arrivals
    assert (a.cluster, a.host) == (None, "h")
    assert (a.shape.memory, a.shape.consumed, a.shape.active, a.shape.overhead) == (
        8 * GIB, 8 * GIB, round(8 * GIB * 0.2), 0,
    )  # fmt: skip
    assert a.counts[13:15] == (7, 8)
    assert r.forecast.growth_scope == "demand"
    vm_only = Scenario(as_of=AS_OF, horizon_months=36, growth=0.05, growth_scope="vm")
    r = engine.evaluate(inv(full_host(8)), vm_only)
    assert r.forecast is not None
    assert r.forecast.hosts[0].balloon_at is None
    assert r.forecast.arrivals == ()
    assert r.forecast.growth_scope == "vm"


def test_timeline_evaluates_the_host_with_its_arrivals() -> None:
    """Month by month the timeline's host is the host carrying those VMs: demand
    (8 + k) x 8 GiB, the state of the model's own evaluation."""
    host_of, _ = engine.place(inv(full_host(8)))
    points, notes = projection.timeline(inv(full_host(8)), host_of, AS_OF, 14, 1, 0.05)
    assert notes == ()
    for p in points:
        k = round(8 * (1.05**p.month - 1))
        assert p.arrived == k
        assert p.demand == (8 + k) * 8 * GIB
        assert p.state is _state(8 + k)


def test_host_growth_in_the_inventory_is_demand_growth_a_vms_own_is_not() -> None:
    """growth: on the host (or cluster) is the same demand growth as --growth; on each VM
    it grows the VMs only, and they are full."""
    on_host = inv(full_host(8, "\n        growth: 5%/month"))
    assert all(vm.demand_growth and vm.growth == pytest.approx(0.05) for vm in on_host.vms)
    r = engine.evaluate(on_host, Scenario(as_of=AS_OF, horizon_months=36))
    assert r.forecast is not None
    assert r.forecast.hosts[0].balloon_at == date(2027, 3, 1)
    own = inv(full_host(8).replace("active: 20%", "active: 20%, growth: 5%/month"))
    assert not any(vm.demand_growth for vm in own.vms)
    r = engine.evaluate(own, Scenario(as_of=AS_OF, horizon_months=36))
    assert r.forecast is not None
    assert r.forecast.hosts[0].balloon_at is None
    assert r.forecast.growth_scope == "vm"


def test_yearly_rate_is_the_same_demand_growth() -> None:
    """79.585633%/year is 1.05^12 - 1: the same month 14."""
    yearly = inv(full_host(8, "\n        growth: 79.585633%/year"))
    r = engine.evaluate(yearly, Scenario(as_of=AS_OF, horizon_months=36))
    assert r.forecast is not None
    assert r.forecast.hosts[0].balloon_at == date(2027, 3, 1)


CLUSTER = """
    clusters:
      - name: c
        growth: 5%/month
        hosts:
          - name: a
            memory: 128GiB
            system_reserved: 0
            vms: [VMS_A]
          - name: b
            memory: 128GiB
            system_reserved: 0
            vms: [VMS_B]
          - {name: c1, memory: 128GiB, system_reserved: 0}
"""


def _cluster() -> str:
    vm = "{name: %s%d, memory: 8GiB, overhead: 0, active: 20%%}"
    a = ", ".join(vm % ("a", i) for i in range(8))
    return CLUSTER.replace("VMS_A", a).replace("VMS_B", ", ".join(vm % ("b", i) for i in range(4)))


def test_cluster_arrivals_spread_over_its_hosts() -> None:
    """Cluster growth: 5%/month on 12 full VMs of 8 GiB (D0 = 96 GiB). By month 12 the
    cluster needs 12 x (1.05^12 - 1) = 9.55 -> 10 new VMs. Each goes to the host with the
    most free memory (ties: the name): c1 (free 128 GiB) takes the first four, until it
    ties with b (96 GiB); then b, c1, b, c1, b, c1. So a keeps its 8 VMs, b has 4 + 3 and
    c1 7: demand 64, 56 and 56 GiB."""
    assert round(12 * (1.05**12 - 1)) == 10
    text = _cluster()
    host_of, _ = engine.place(inv(text))
    points, _ = projection.timeline(inv(text), host_of, AS_OF, 12, 12)
    last = {p.host: p for p in points if p.month == 12}
    assert {h: p.arrived for h, p in last.items()} == {"a": 0, "b": 3, "c1": 7}
    assert {h: p.demand // GIB for h, p in last.items()} == {"a": 64, "b": 56, "c1": 56}
    assert all(p.state is MemState.HIGH for p in last.values())


def test_cluster_arrivals_go_through_planned_changes_and_skip_failover_hosts() -> None:
    """A dedicated failover host gets no new VMs; a host retired later hands its new VMs on
    like the others. c1 is the failover host: the 10 arrivals of month 12 go to b (96 GiB
    free, then ties with a at 64 GiB: a, b, a, b ...): b 4 + 4 + 3 ... worked month by
    month by the engine's one placement, checked here by its totals."""
    text = _cluster().replace(
        "        growth: 5%/month\n",
        "        growth: 5%/month\n        ha: {policy: dedicated, failover_hosts: [c1]}\n",
    )
    host_of, _ = engine.place(inv(text))
    points, _ = projection.timeline(inv(text), host_of, AS_OF, 12, 12)
    last = {p.host: p for p in points if p.month == 12}
    assert last["c1"].arrived == 0
    assert last["a"].arrived + last["b"].arrived == 10
    # b takes 4 to tie with a at 64 GiB, then a, b, a, b, a, b: a 3, b 7
    assert (last["a"].arrived, last["b"].arrived) == (3, 7)


def test_vm_scope_keeps_the_in_vm_closed_form() -> None:
    """--growth-scope vm is the previous model: 3%/month on 2 x 128 GiB of room in
    510 GiB VMs balloons at month 24 (tests/test_projection.py works it by hand); the
    demand scope gives the same date here: the VMs fill only at ln(510 / 128) / ln(1.03)
    = 46.8 months. New VMs (the median VM holds 128 GiB) arrive once the two VMs'
    overflow 2 x (128 x 1.03^t - 510) GiB reaches half of one: month 48, 37.9 GiB (0.30
    VM: none); month 49, 69.6 GiB (0.54: one)."""
    from tests.test_projection import ONE_HOST

    text = ONE_HOST.replace(", growth: 3%/month", "")
    for scope in ("vm", "demand"):
        s = Scenario(as_of=date(2026, 1, 15), horizon_months=60, growth=0.03, growth_scope=scope)
        r = engine.evaluate(inv(text), s)
        assert r.forecast is not None
        assert r.forecast.hosts[0].balloon_at == date(2028, 1, 15)
        counts = r.forecast.arrivals[0].counts if r.forecast.arrivals else ()
        assert scope == "demand" or counts == ()
        assert scope == "vm" or (counts[48], counts[49]) == (0, 1)
    assert math.ceil(math.log(510 / 128) / math.log(1.03)) == 47
    assert round(2 * (128 * 1.03**48 - 510) / 128) == 0
    assert round(2 * (128 * 1.03**49 - 510) / 128) == 1


def test_typical_vm_takes_lower_medians() -> None:
    text = """
        hosts:
          - name: h
            memory: 512GiB
            vms:
              - {name: a, memory: 4GiB, vcpus: 1, consumed: 50%, active: 10%, overhead: 10MiB}
              - {name: b, memory: 16GiB, vcpus: 4, consumed: 100%, active: 50%, overhead: 30MiB}
              - {name: c, memory: 8GiB, vcpus: 2, consumed: 75%, active: 20%, overhead: 20MiB}
              - {name: d, memory: 32GiB, vcpus: 8, consumed: 100%, active: 100%, overhead: 40MiB}
    """
    shape = projection.typical_vm(inv(text).vms, "new", None, inv(text).vms[0].location)
    # sizes 4, 8, 16, 32 -> 8; vCPUs 1, 2, 4, 8 -> 2; consumed ratios .5 .75 1 1 -> .75;
    # active / held: 10/50 = .2, 20/75 = .267, 50/100 = .5, 1 -> .267
    assert (shape.memory, shape.vcpus, shape.overhead) == (8 * GIB, 2, 20 * MIB)
    assert shape.consumed == 6 * GIB
    assert shape.active == round(6 * GIB * (0.2 * 8 * GIB / (0.75 * 8 * GIB)))
    assert projection.arrivals(2.5 * 6 * GIB, shape) == 3  # nearest, half up
    assert projection.arrivals(2.49 * 6 * GIB, shape) == 2
    assert projection.arrivals(0, shape) == 0


def test_overflow_is_growth_past_the_bound() -> None:
    assert projection.overflow(8 * GIB, 8 * GIB, 0.05, 0) == 0
    assert projection.overflow(4 * GIB, 8 * GIB, 0.05, 12) == 0  # 4 x 1.80 = 7.18 GiB fits
    assert projection.overflow(8 * GIB, 8 * GIB, 0.05, 1) == pytest.approx(0.4 * GIB)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def standalone(tmp_path: pytest.TempPathFactory) -> str:
    path = tmp_path / "h.yaml"  # type: ignore[operator]
    path.write_text("version: 1\n" + __import__("textwrap").dedent(full_host(8)))
    return str(path)


def test_cli_check_fail_within_sees_the_arrivals(standalone: str) -> None:
    """Ballooning at month 14 (2027-03-01) warns within 18 months (MP402), with the new VMs
    that brought it; in-VM scope has nothing to warn about."""
    args = ["check", standalone, "--as-of", "2026-01-01", "--growth", "5%/month"]
    code, out, _ = run(*args, "--fail-within", "18m", "--fail-on", "warn")
    assert code == 3
    assert "MP402" in out
    assert "2027-03-01 (+8 VMs of 8.0 GiB)" in out
    assert "growth: demand" in out
    assert (
        "host h: new VMs of 8.0 GiB, 1 vCPU, each consuming 8.0 GiB, 1.6 GiB of it active; +11 by 2027-07"
        in " ".join(out.split())
    )
    code, out, _ = run(*args, "--fail-within", "18m", "--fail-on", "warn", "--growth-scope", "vm")
    assert code == 0
    assert "growth: inside VMs only" in out
    code, out, _ = run(*args, "--fail-within", "18m", "-f", "json")
    doc = json.loads(out)
    assert doc["forecast"]["growth_scope"] == "demand"
    (a,) = doc["forecast"]["arrivals"]
    assert a["host"] == "h"
    assert a["shape"]["memory_bytes"] == 8 * GIB
    assert a["new_vms"][14] == 8
    assert [f["message"] for f in doc["findings"] if f["rule"] == "MP402"] == [
        "starts ballooning by 2027-03-01 (+8 new VMs of 8.0 GiB by then), within the window"
        " ending 2027-07-01"
    ]


def test_cli_project_counts_new_vms(standalone: str) -> None:
    code, out, _ = run("project", standalone, "--as-of", "2026-01-01", "--growth", "5%/month",
                       "--horizon", "18m", "--step", "6m")  # fmt: skip
    assert code == 0
    assert "New VMs" in out
    assert "h (standalone): balloons from 2027-03-01 (+8 VMs of 8.0 GiB by then)" in out
    code, out, _ = run("project", standalone, "--as-of", "2026-01-01", "--growth", "5%/month",
                       "--horizon", "18m", "-f", "csv")  # fmt: skip
    rows = out.splitlines()
    assert rows[0].endswith(",state,new_vms")
    assert rows[15].startswith("14,2027-03-01,,h,")
    assert rows[15].endswith(",soft,8")


def test_project_help_names_both_scopes() -> None:
    out = run("project", "--help")[1]
    assert "--growth-scope" in out
    assert "In-VM only" in out


HA_PAIR = """
    clusters:
      - name: pair
        growth: 5%/month
        ha: {policy: host-failures, failures: 1}
        hosts:
          - {name: a, memory: 128GiB, system_reserved: 0, vms: [VMS_A]}
          - {name: b, memory: 128GiB, system_reserved: 0, vms: [VMS_B]}
"""


def test_ha_sees_the_arrivals() -> None:
    """Two hosts of 128 GiB with four full 8 GiB VMs each, HA for one failure: after a
    failure the survivor restarts everything (no reservations: admission always holds),
    so it carries all 8 + k VMs, k = round(8 x (1.05^t - 1)): the standalone host above.
    HA warns (a survivor balloons) from month 14, 16 VMs; it fails (a survivor swaps) from
    the first month the model puts a host with that many VMs in hard or low state (under
    demand growth a VM's active share stays 20%, like the new VMs'). Without a failure a
    host balloons much later: it carries half the VMs."""
    vm = "{name: %s%d, memory: 8GiB, overhead: 0, active: 20%%}"
    text = HA_PAIR.replace("VMS_A", ", ".join(vm % ("a", i) for i in range(4)))
    text = text.replace("VMS_B", ", ".join(vm % ("b", i) for i in range(4)))
    r = engine.evaluate(inv(text), Scenario(as_of=AS_OF, horizon_months=36))
    assert r.forecast is not None
    (c,) = r.forecast.clusters
    assert c.ha_warn_at == date(2027, 3, 1)  # month 14
    assert c.arrived_by_ha_warn == 8
    fail = next(t for t in range(37) if _state(8 + round(8 * (1.05**t - 1))).rank > 2)
    assert c.ha_fail_at == projection.add_months(AS_OF, fail)
    assert c.arrived_by_ha_fail == round(8 * (1.05**fail - 1))
    # without a failure a host balloons once it carries 16 VMs: 31 in all (the new VMs
    # alternate between the two hosts), k = round(8 x (1.05^28 - 1)) = round(23.36) = 23
    assert round(8 * (1.05**27 - 1)) == 22
    assert round(8 * (1.05**28 - 1)) == 23
    assert c.balloon_at == projection.add_months(AS_OF, 28)
    vm_only = engine.evaluate(
        inv(text), Scenario(as_of=AS_OF, horizon_months=36, growth_scope="vm")
    )
    assert vm_only.forecast is not None
    assert vm_only.forecast.clusters[0].ha_warn_at is None


def test_fail_within_gates_on_the_failover_of_tomorrow() -> None:
    """MP403's failing example by hand: two hosts of 128 GiB with seven busy 8 GiB VMs
    each, 30%/month. Today a survivor takes all 14: 112 GiB, free 16 GiB, high. Month 1:
    round(14 x 0.3) = 4 new VMs, a survivor takes 18 x 8 = 144 GiB, more than it has, all
    of it active: it swaps, so the failover fails on 2026-02-01, within 90 days."""
    import re

    from memplan.rules import RULES

    failing = re.findall(r"::\n\n((?:    .*\n|\n)+)", (RULES["MP403"].__doc__ or "") + "\n")[1]
    r = engine.evaluate(inv(failing), Scenario(as_of=AS_OF, fail_within_days=90))
    assert r.forecast is not None
    (c,) = r.forecast.clusters
    assert round(14 * 0.3) == 4
    assert (c.ha_fail_at, c.arrived_by_ha_fail) == (date(2026, 2, 1), 4)
    assert r.clusters[0].ha is not None
    assert r.clusters[0].ha.verdict == "ok"  # today's failover is clean
    assert r.clusters[0].verdict == "fail"  # MP403 counts for the cluster
    assert "MP403" in {f.rule for f in r.findings}


def _headroom(text: str, scenario: Scenario):  # type: ignore[no-untyped-def]
    shape = next(vm for vm in inv(full_host(1)).vms)  # 8 GiB, overhead 0, active 20%, full
    return engine.headroom_report(inv(text), shape, MemState.CLEAR, scenario)


def test_headroom_at_the_horizon_counts_after_the_arrivals() -> None:
    """The standalone host takes VMs of 8 GiB while free memory stays at or above minFree
    (1925.12 MiB): 15 in all (free 8192 MiB), not 16 (free 0). Today it has 8: 7 more.
    Twelve months of 5%/month bring round(8 x (1.05^12 - 1)) = round(6.37) = 6 new VMs:
    14 on the host, 1 more. Thirteen months bring 7: none. In-VM growth moves nothing."""
    assert round(8 * (1.05**12 - 1)) == 6
    assert round(8 * (1.05**13 - 1)) == 7
    assert _headroom(full_host(8), Scenario()).hosts[0].count == 7
    assert _headroom(full_host(8), Scenario()).ahead is None
    at12 = _headroom(full_host(8), Scenario(as_of=AS_OF, horizon_months=12, growth=0.05))
    assert at12.hosts[0].count == 1
    assert at12.ahead is not None
    assert (at12.ahead.until, at12.ahead.growth_scope) == (date(2027, 1, 1), "demand")
    assert at12.ahead.arrivals[0].counts[-1] == 6
    # the model's own count for the host written out with its 14 VMs
    assert _headroom(full_host(14), Scenario()).hosts[0].count == 1
    at13 = _headroom(full_host(8), Scenario(as_of=AS_OF, horizon_months=13, growth=0.05))
    assert at13.hosts[0].count == 0
    vm = Scenario(as_of=AS_OF, horizon_months=12, growth=0.05, growth_scope="vm")
    in_vm = _headroom(full_host(8), vm)
    assert in_vm.hosts[0].count == 7
    assert in_vm.ahead is not None
    assert (in_vm.ahead.growth_scope, in_vm.ahead.arrivals) == ("vm", ())
    # growth: on the host and --horizon alone: the same demand growth
    on_host = full_host(8, "\n        growth: 5%/month")
    assert _headroom(on_host, Scenario(as_of=AS_OF, horizon_months=12)).hosts[0].count == 1


def test_cluster_headroom_at_the_horizon_is_the_grown_clusters() -> None:
    """The cluster of test_cluster_arrivals_spread_over_its_hosts at month 12: a 8 VMs,
    b 4 + 3, c1 7, all of 8 GiB on hosts of 128 GiB. Each host takes up to 15: a 7, b 8,
    c1 8 more; the cluster, placing on the most free host each time, 45 - 22 = 23. The
    same counts (HA ones too) as the model gives that cluster written out by hand."""
    grown = _headroom(_cluster(), Scenario(as_of=AS_OF, horizon_months=12))
    assert {h.host: h.count for h in grown.hosts} == {"a": 7, "b": 8, "c1": 8}
    assert grown.clusters[0].count == 23
    vm = "{name: %s%d, memory: 8GiB, overhead: 0, active: 20%%}"
    by_hand = CLUSTER.replace("        growth: 5%/month\n", "")
    by_hand = by_hand.replace("VMS_A", ", ".join(vm % ("a", i) for i in range(8)))
    by_hand = by_hand.replace("VMS_B", ", ".join(vm % ("b", i) for i in range(7)))
    new_vms = ", ".join(vm % ("n", i) for i in range(7))
    by_hand = by_hand.replace(
        "{name: c1, memory: 128GiB, system_reserved: 0}",
        "{name: c1, memory: 128GiB, system_reserved: 0, vms: [" + new_vms + "]}",
    )
    today = _headroom(by_hand, Scenario())
    assert grown.clusters == today.clusters
    assert grown.hosts == today.hosts


def test_cli_headroom_horizon_says_what_arrived(standalone: str) -> None:
    args = ["headroom", standalone, "--vm", "8GiB,overhead=0,active=20%"]
    code, out, err = run(*args, "--as-of", "2026-01-01", "--growth", "5%/month", "--horizon", "12m")
    assert (code, err) == (0, "")
    assert "at 2027-01-01 (12 months from 2026-01-01)" in out
    assert "growth: demand" in out
    assert (
        "host h: new VMs of 8.0 GiB, 1 vCPU, each consuming 8.0 GiB, 1.6 GiB of it active; +6 by 2027-01"
        in " ".join(out.split())
    )
    assert "h            1  one more: soft" in out
    code, out, _ = run(*args, "--as-of", "2026-01-01", "--growth", "5%/month", "-f", "json")
    doc = json.loads(out)
    assert doc["at"]["date"] == "2027-01-01"  # --growth alone: 12 months
    assert doc["at"]["growth_scope"] == "demand"
    assert doc["at"]["arrivals"][0]["new_vms"][-1] == 6
    assert doc["hosts"][0]["count"] == 1
    code, out, _ = run(*args, "-f", "json")
    assert json.loads(out)["at"] is None
    assert json.loads(out)["hosts"][0]["count"] == 7
    code, out, _ = run(*args, "--growth", "5%/month", "--growth-scope", "vm", "--as-of",
                       "2026-01-01")  # fmt: skip
    assert "growth: inside VMs only" in out
    assert "h            7  one more: soft" in out


def test_arrival_months_invert_arrivals() -> None:
    """A fitted arrival rate (trend) counts new VMs by arrivals() too: with 3 GiB of demand
    a month and VMs holding 6 GiB, the k-th arrives when 3 x t reaches (k - 1/2) x 6, at
    t = 1, 3, 5 months; just before each, arrivals() still says k - 1."""
    shape = replace(inv(full_host(1)).vms[0], memory=8 * GIB, consumed=6 * GIB)
    times = projection.arrival_months(3 * GIB, shape, 5.0)
    assert times == [1.0, 3.0, 5.0]
    for k, t in enumerate(times, 1):
        assert projection.arrivals(3 * GIB * t, shape) == k
        assert projection.arrivals(3 * GIB * (t - 1e-9), shape) == k - 1
    assert projection.arrival_months(0.0, shape, 5.0) == []


OBSERVED = """
    clusters:
      - name: c
        growth: 5%/month
        hosts:
          - {name: a, memory: 128GiB, system_reserved: 0,
             observed: {consumed: 64GiB, vms: 8, configured: 64GiB}}
          - {name: b, memory: 128GiB, system_reserved: 0,
             observed: {consumed: 96GiB, vms: 6, configured: 120GiB}}
          - {name: c1, memory: 128GiB, system_reserved: 0,
             observed: {consumed: 32GiB, vms: 2, configured: 32GiB}}
"""


def test_observed_hosts_shape_new_vms_by_the_vms_they_count() -> None:
    """A real export lists few VMs; its hosts' observed usage stands for the rest. The new
    VMs copy the VMs the observation counts, at their average: a 8 VMs of 64 GiB (8 GiB
    each, holding 8), b 6 of 120 GiB (20 GiB, holding 96 / 6 = 16: 80%), c1 2 of 32 GiB
    (16 GiB, holding 16). Lower medians over the 16 VMs: size 8 GiB (the 8th is a's),
    consumed ratio 100% (10 of 16 hold all). Nothing listed: 1 vCPU, fully active, as
    memplan takes observed demand."""
    r = engine.evaluate(inv(OBSERVED), Scenario(as_of=AS_OF, horizon_months=12))
    assert r.forecast is not None
    (a,) = r.forecast.arrivals
    assert (a.shape.memory, a.shape.consumed, a.shape.active) == (8 * GIB, 8 * GIB, 8 * GIB)
    # D0 = 64 + 96 + 32 = 192 GiB: 24 x (1.05^12 - 1) = 19.1 -> 19 new VMs of 8 GiB
    assert a.counts[-1] == round(24 * (1.05**12 - 1)) == 19


def test_a_failed_observed_host_restarts_the_vms_it_counts_not_fewer_for_new_vms() -> None:
    """HA restarts a's observed usage as the 8 VMs vHost counts (docs/ha.md). New VMs of
    demand growth placed on a are no VMs of that count: a still restarts 8 pieces of
    8 GiB (and its new VMs as themselves), not 8 - k larger pieces."""
    host_of, _ = engine.place(engine.observe(inv(OBSERVED)))
    then, _ = projection.ahead(engine.observe(inv(OBSERVED)), host_of, AS_OF, 6)
    on_a = [vm for vm in then.vms if vm.host == "a" and vm.name.startswith("c+")]
    assert on_a  # some new VMs went to a
    r = engine.evaluate(then, Scenario(fail_hosts=("a",)))
    assert r.clusters[0].ha is not None
    restarted = [vm for vm, _ in r.clusters[0].ha.restarted]
    assert sum(vm.startswith("(unlisted on a) ") and vm.endswith("/8") for vm in restarted) == 8
    assert sorted(vm for vm in restarted if vm.startswith("c+")) == sorted(v.name for v in on_a)


def test_real_export_new_vms_look_like_the_vms_vhost_counts() -> None:
    """tests/data/rvtools/example1.xlsx lists 3 running VMs (4, 40 and 40 GiB) of the 77
    vHost counts. The new VMs copy the counted ones: per host vRAM / # VMs, and the lower
    median of the 80 sizes is 10.203.51.150's 158 GiB / 14 = 11.3 GiB (10 to 10.3 GiB on
    three hosts hold 37 of them with the 4 GiB VM, 11.07 GiB 14 more: the 40th is in the
    next host's 14); vCPUs and active ratio from the 3 listed VMs: 3 vCPUs, 24%."""
    from memplan import inventory

    export = inventory.load("tests/data/rvtools/example1.xlsx", (), [])
    r = engine.evaluate(export, Scenario(as_of=AS_OF, horizon_months=12, growth=0.05))
    assert r.forecast is not None
    (a,) = r.forecast.arrivals
    assert a.shape.memory == 158 * GIB // 14
    assert a.shape.vcpus == 3
    assert round(a.shape.active / a.shape.consumed, 2) == 0.24


def test_headroom_at_the_horizon_says_ha_is_short_then_not_today() -> None:
    """Two full hosts under HA are short of failover capacity at the horizon: the reason
    names the horizon's date, not "today"."""
    vm = "{name: %s%d, memory: 8GiB, overhead: 0, active: 20%%}"
    text = HA_PAIR.replace("VMS_A", ", ".join(vm % ("a", i) for i in range(8)))
    text = text.replace("VMS_B", ", ".join(vm % ("b", i) for i in range(8)))
    r = _headroom(text, Scenario(as_of=AS_OF, horizon_months=12))
    (c,) = r.clusters
    assert (c.count_ha, c.limit_ha) == (0, "HA already short at 2027-01-01")
    assert _headroom(text, Scenario()).clusters[0].limit_ha == "HA already short today"


def test_a_mix_of_both_kinds_says_so() -> None:
    """Demand growth on the host, and two VMs with a rate of their own (in-VM): the report
    names both kinds, and how many VMs grow inside themselves only."""
    text = (
        full_host(8, "\n        growth: 5%/month")
        .replace(
            "{name: v0, memory: 8GiB, overhead: 0, active: 20%}",
            "{name: v0, memory: 8GiB, overhead: 0, active: 20%, consumed: 50%, growth: 1%/month}",
        )
        .replace(
            "{name: v1, memory: 8GiB, overhead: 0, active: 20%}",
            "{name: v1, memory: 8GiB, overhead: 0, active: 20%, consumed: 50%, growth: 1%/month}",
        )
    )
    r = engine.evaluate(inv(text), Scenario(as_of=AS_OF, horizon_months=12))
    assert r.forecast is not None
    assert (r.forecast.growth_scope, r.forecast.in_vm) == ("demand", 2)
    from memplan.render.base import growth_lines

    assert growth_lines(r.forecast)[1] == (
        "  and inside 2 VMs with a growth: of their own (in-VM, up to configured size or limit)"
    )
    only = engine.evaluate(inv(full_host(8, "\n        growth: 5%/month")),
                           Scenario(as_of=AS_OF, horizon_months=12))  # fmt: skip
    assert only.forecast is not None
    assert only.forecast.in_vm == 0
    r = engine.evaluate(inv(text), Scenario(as_of=AS_OF, horizon_months=12, growth_scope="vm"))
    assert r.forecast is not None
    assert (r.forecast.growth_scope, r.forecast.in_vm) == ("vm", 0)


def test_cluster_balloons_when_its_fullest_host_takes_a_16th_vm() -> None:
    """The cluster of test_cluster_arrivals_spread_over_its_hosts: new VMs go to the host
    with the most free memory, so the hosts even out (c1 and b catch up with a's 8) and
    then fill in turn. A host of 128 GiB carries 15 of these VMs in high state and
    balloons with 16 (the standalone host above, the model's own evaluation), so the
    cluster holds 45 VMs, 33 new, and the 34th new VM makes a host balloon. Arrivals
    round(12 x (1.05^t - 1)): month 27 gives 33, month 28 gives 35: 2028-05-01."""
    assert _state(15) is MemState.HIGH
    assert _state(16) is MemState.SOFT
    assert round(12 * (1.05**27 - 1)) == 33
    assert round(12 * (1.05**28 - 1)) == 35
    r = engine.evaluate(inv(_cluster()), Scenario(as_of=AS_OF, horizon_months=36))
    assert r.forecast is not None
    (c,) = r.forecast.clusters
    assert (c.balloon_at, c.arrived_by_balloon) == (projection.add_months(AS_OF, 28), 35)


def test_in_vm_growth_says_what_it_cannot_move() -> None:
    """In-VM growth on VMs that hold their whole size moves nothing: the report says so
    instead of a bare 'not within horizon' (issue 23: 'silently never')."""
    from memplan.render.base import growth_lines

    vm = Scenario(as_of=AS_OF, horizon_months=12, growth=0.05, growth_scope="vm")
    r = engine.evaluate(inv(full_host(8)), vm)
    assert r.forecast is not None
    assert r.forecast.in_vm_full == (8, 8, 0)
    assert growth_lines(r.forecast)[1] == (
        "  8 of 8 growing VMs already hold their whole size: in-VM growth cannot move them"
        " (the default --growth-scope demand brings new VMs instead)"
    )
    half = full_host(8).replace("active: 20%", "active: 20%, consumed: 50%")
    r = engine.evaluate(inv(half), vm)
    assert r.forecast is not None
    assert r.forecast.in_vm_full == (0, 8, 0)
    assert growth_lines(r.forecast)[1:] == []
    r = engine.evaluate(inv(OBSERVED), vm)
    assert r.forecast is not None
    assert r.forecast.in_vm_full == (0, 0, 3)
    assert growth_lines(r.forecast)[1].startswith(
        "  the observed usage of 3 hosts already holds its whole size: in-VM growth cannot move it"
    )


def test_rightsize_takes_the_growth_scope_and_says_which_ran(standalone: str) -> None:
    args = ["rightsize", standalone, "--as-of", "2026-01-01", "--growth", "5%/month"]
    code, out, err = run(*args, "--horizon", "18m")
    assert (code, err) == (0, "")
    assert "growing by --growth 5%/month (demand growth)" in " ".join(out.split())
    code, out, _ = run(*args, "--growth-scope", "vm", "-f", "json")
    doc = json.loads(out)
    assert (doc["forecast"]["growth"], doc["forecast"]["growth_scope"]) == (
        "--growth 5%/month", "vm",
    )  # fmt: skip


def test_check_growth_lines_wrap_hanging_at_80_columns() -> None:
    """At 80 columns the forecast's growth: block wraps like the report's other wrapped
    lines: a continuation is indented two more than the line it continues (the cluster
    lines sit under "growth:" at two, so theirs at four), as `project` prints it."""
    args = ["check", "samples/realistic.yaml", "--as-of", "2026-12-01", "--growth", "5%/month"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("growth: demand"))
    block = lines[start : lines.index("", start)]
    assert block[:4] == [
        "growth: demand (what VMs cannot hold arrives as new VMs shaped like the median",
        "  VM)",
        "  host lab-esx01.lab.example: new VMs of 32.0 GiB, 4 vCPUs, each consuming",
        "    32.0 GiB, 8.0 GiB of it active; +4 by 2027-12 (4 fit no host)",
    ]
    assert all(len(line) <= 80 for line in block)
    for line in block[1:]:  # every line under the first is a cluster's or continues one
        assert line.startswith(("  host ", "  cluster ", "    ")) or line == "  VM)", line

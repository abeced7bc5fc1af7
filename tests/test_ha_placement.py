"""Where HA restarts VMs (DRS on: by demand; DRS off or manual: HA's even spread), HA assumed
where the inventory says nothing, admission control off, and the drs: / ha: fields."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from memplan import engine, esxi
from memplan.cli import app
from memplan.model import DRSConfig, MemState, Report, Scenario, Severity
from memplan.render.json import to_dict
from memplan.render.table import TableRenderer
from memplan.units import GIB
from tests.helpers import inv, report


def _six_hosts(cluster_extra: str = "") -> str:
    """The issue's cluster: six 1 TiB hosts (1020 GiB capacity), each with eight 63 GiB VMs,
    fully active (504 GiB configured per host, ratio 0.49). Every host but f also runs a
    reserved 1 GiB VM, so f has the most unreserved memory in every failure."""
    hosts = []
    for name in "abcdef":
        vms = [f"{{name: {name}{i}, memory: 63GiB, active: 100%}}" for i in range(8)]
        if name != "f":
            vms.append(f"{{name: {name}-r, memory: 1GiB, reservation: all, active: 100%}}")
        hosts.append(f"      - {{name: {name}, memory: 1TiB, vms: [{', '.join(vms)}]}}")
    return (
        "clusters:\n  - name: prod\n"
        + "".join(f"    {line}\n" for line in cluster_extra.splitlines() if line)
        + "    hosts:\n"
        + "\n".join(hosts)
        + "\n"
    )


def _targets(r: Report) -> Counter[str]:
    ha = r.clusters[0].ha
    assert ha is not None
    return Counter(host for _, host in ha.restarted)


def test_drs_spreads_restarts_by_demand_and_no_survivor_balloons() -> None:
    """Failing a host moves 8 x 63 GiB and its reserved 1 GiB VM. All of it on f (the most
    unreserved memory) would leave f 1009 GiB + overheads of 1020: below the clear edge,
    ballooning. DRS places each VM, largest first, on the survivor with the most free
    memory: f (it has no 1 GiB VM, so ~1 GiB more free), then the other four, then f again,
    two more, and the 1 GiB VM on one of the others: 2, 2, 2, 2, 1, all in the high state."""
    r = report(_six_hosts("ha: {admission_control: false}"))
    ha = r.clusters[0].ha
    assert ha is not None
    assert (ha.placement, ha.admission_control, ha.method) == ("drs", False, "exhaustive")
    counts = _targets(r)
    assert sorted(counts.values()) == [1, 2, 2, 2, 2]
    assert counts["f"] == 2
    assert ha.state_after is MemState.HIGH
    assert ha.verdict is Severity.OK
    assert not [f for f in r.findings if f.rule.startswith("MP3")]


def test_without_drs_ha_spreads_restarts_evenly() -> None:
    """DRS off (or manual): HA spreads the 9 restarts evenly over the survivors that admit
    them (one VM each before any gets a second), the most unreserved memory first: f."""
    for drs in ("drs: false", "drs: {enabled: true, automation: manual}"):
        r = report(_six_hosts(drs))
        ha = r.clusters[0].ha
        assert ha is not None
        assert ha.placement == "ha"
        counts = _targets(r)
        assert sorted(counts.values()) == [1, 2, 2, 2, 2]  # 9 VMs over 5 survivors
        assert counts["f"] == 2  # the most unreserved memory breaks the first tie
        assert ha.state_after is MemState.HIGH


def test_partially_automated_drs_still_places_by_demand() -> None:
    r = report(_six_hosts("drs: {automation: partially-automated}"))
    assert r.clusters[0].ha is not None
    assert r.clusters[0].ha.placement == "drs"
    assert r.clusters[0].drs == DRSConfig(True, "partially-automated")


def test_placement_prefers_free_memory_with_drs_and_fewest_restarts_without() -> None:
    """a fails with two 8 GiB VMs. b has 64 GiB reserved (less unreserved memory) but c
    runs a 100 GiB busy VM (less free memory). DRS: both go to b, which has the most free
    memory even after the first (256 - 4 - 64 - overhead vs 252 - 100 - overhead). HA
    alone: one each, c first (more unreserved memory)."""
    text = """
        clusters:
          - name: k
            {drs}
            hosts:
              - {{name: a, memory: 256GiB, vms: [{{name: v1, memory: 8GiB}}, {{name: v2, memory: 8GiB}}]}}
              - {{name: b, memory: 256GiB, vms: [{{name: w, memory: 64GiB, reservation: all, consumed: 0}}]}}
              - {{name: c, memory: 256GiB, vms: [{{name: x, memory: 100GiB}}]}}
    """
    with_drs = engine.evaluate(inv(text.format(drs="")), Scenario(fail_hosts=("a",)))
    assert with_drs.clusters[0].ha is not None
    assert with_drs.clusters[0].ha.restarted == (("v1", "b"), ("v2", "b"))
    no_drs = engine.evaluate(inv(text.format(drs="drs: false")), Scenario(fail_hosts=("a",)))
    assert no_drs.clusters[0].ha is not None
    assert no_drs.clusters[0].ha.restarted == (("v1", "c"), ("v2", "b"))


@settings(max_examples=25, deadline=None)
@given(
    n_hosts=st.integers(3, 7),
    sizes=st.lists(st.integers(4, 64), min_size=1, max_size=60),
)
def test_equal_hosts_below_half_full_never_balloon_after_one_failure(
    n_hosts: int, sizes: list[int]
) -> None:
    """Equal 1 TiB hosts, VMs of 4-64 GiB fully active, dealt round robin, kept below a
    ratio of 0.45 per host: after any one failure the survivors average at most
    0.45 x n / (n - 1) <= 0.68 of capacity, and DRS's greedy placement leaves none more
    than one VM (64 GiB + overhead) above the average: far above the clear edge."""
    per_host: list[list[int]] = [[] for _ in range(n_hosts)]
    for i, size in enumerate(sizes):
        host = per_host[i % n_hosts]
        if (sum(host) + size) / 1020 <= 0.45:
            host.append(size)
    lines = ["clusters:", "  - name: c", "    hosts:"]
    for h, vms in enumerate(per_host):
        body = ", ".join(
            f"{{name: v{h}-{j}, memory: {s}GiB, active: 100%}}" for j, s in enumerate(vms)
        )
        lines.append(f"      - {{name: h{h}, memory: 1TiB, vms: [{body}]}}")
    r = report("\n".join(lines) + "\n")
    ha = r.clusters[0].ha
    assert ha is not None
    assert ha.basis == "assumed"
    assert ha.state_after in (MemState.HIGH, MemState.CLEAR)
    assert all(s.balloon == 0 and s.swap == 0 for s in ha.survivors)


def test_ha_is_assumed_for_a_cluster_of_several_hosts_without_ha() -> None:
    r = report("""
        clusters:
          - name: two
            hosts: [{name: a, memory: 64GiB}, {name: b, memory: 64GiB}]
          - name: one
            hosts: [{name: c, memory: 64GiB}]
    """)
    by_name = {c.name: c for c in r.clusters}
    two = by_name["two"].ha
    assert two is not None
    assert (two.basis, two.policy, two.failures, two.admission_control) == (
        "assumed", "host-failures", 1, True)  # fmt: skip
    assert by_name["one"].ha is None  # one host: nothing to fail over to
    asked = (
        engine.evaluate(
            inv("clusters:\n  - name: one\n    hosts: [{name: c, memory: 64GiB}]\n"),
            Scenario(fail_hosts=("c",)),
        )
        .clusters[0]
        .ha
    )
    assert asked is not None
    assert asked.basis == "asked"


ADMISSION_OFF = """
    clusters:
      - name: prod
        ha: {policy: percentage, percentage: 50%, admission_control: false}
        hosts:
          - {name: a, memory: 128GiB, vms: [{name: v1, memory: 100GiB, reservation: all, overhead: 0}]}
          - {name: b, memory: 128GiB, vms: [{name: v2, memory: 100GiB, reservation: all, overhead: 0}]}
"""


def test_admission_control_off_simulates_failures_but_enforces_no_policy() -> None:
    """The MP304 docstring's failing cluster (19% unreserved, 50% required) with admission
    control off: no MP304, no percentage math. Failures are still simulated, and a 100 GiB
    reservation still fits on no survivor (24 GiB unreserved): HA needs it free to power
    the VM on whatever admission control says, so MP301 fails, and says AC is off."""
    r = report(ADMISSION_OFF)
    ha = r.clusters[0].ha
    assert ha is not None
    assert (ha.admission_control, ha.percentage, ha.method) == (False, None, "exhaustive")
    rules = {f.rule for f in r.findings}
    assert "MP304" not in rules
    (down,) = [f for f in r.findings if f.rule == "MP301"]
    assert down.message.endswith("; HA admission control is off")
    on = report(ADMISSION_OFF.replace(", admission_control: false", ""))
    assert "MP304" in {f.rule for f in on.findings}
    doc = to_dict(r)
    assert doc["clusters"][0]["ha"]["admission_control"] is False
    assert doc["clusters"][0]["ha"]["basis"] == "configured"
    assert to_dict(on)["clusters"][0]["ha"]["admission_control"] is True


def _table(r: Report) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, color_system=None, force_terminal=False)
    TableRenderer().render(r, console)
    return buffer.getvalue()


def test_table_says_assumed_admission_control_off_and_disabled_in_one_line() -> None:
    out = _table(report(ADMISSION_OFF))
    assert (
        "  HA percentage policy, 1 host failure · admission control off · restarts:"
        " DRS, by demand" in out
    )
    assumed = _table(
        report(
            "clusters:\n  - name: c\n    hosts: [{name: a, memory: 8GiB}, {name: b, memory: 8GiB}]\n"
        )
    )
    assert "  HA assumed (no ha: given): host-failures policy, 1 host failure" in assumed
    disabled = _table(
        report("""
        clusters:
          - name: c
            ha: {policy: disabled}
            hosts: [{name: a, memory: 8GiB}, {name: b, memory: 8GiB}]
    """)
    )
    lines = [line for line in disabled.splitlines() if "HA" in line]
    assert lines == [
        "  HA disabled: no failure simulated (--ha-failures N or --fail-host HOST simulates one)"
    ]


def test_json_reports_drs_and_ha_basis_for_every_cluster_of_several_hosts() -> None:
    r = report("""
        clusters:
          - name: c
            drs: {enabled: true, automation: fullyAutomated}
            hosts: [{name: a, memory: 8GiB}, {name: b, memory: 8GiB}]
    """)
    (c,) = to_dict(r)["clusters"]
    assert c["drs"] == {"enabled": True, "automation": "fully-automated"}
    assert (c["ha"]["basis"], c["ha"]["admission_control"], c["ha"]["placement"]) == (
        "assumed", True, "drs")  # fmt: skip
    json.dumps(c)


@pytest.mark.parametrize(
    ("drs", "expected"),
    [
        ("drs: false", DRSConfig(False, "fully-automated")),
        ("drs: true", DRSConfig()),
        ("drs: {enabled: false}", DRSConfig(False, "fully-automated")),
        ("drs: {automation: manual}", DRSConfig(True, "manual")),
        ("drs: {automation: partiallyAutomated}", DRSConfig(True, "partially-automated")),
        ("", DRSConfig()),
    ],
)
def test_drs_field(drs: str, expected: DRSConfig) -> None:
    i = inv(f"clusters:\n  - name: c\n    {drs}\n    hosts: [{{name: a, memory: 8GiB}}]\n")
    assert i.clusters[0].drs == expected


def test_bad_drs_and_admission_control_are_reported_at_their_place(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\nclusters:\n  - name: c\n    drs: {automation: sometimes, enable: true}\n"
        "    ha: {admission_control: maybe}\n    hosts: [{name: a, memory: 8GiB}]\n"
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 4
    assert result.stderr.splitlines()[:-1] == [
        f"{path}:4:23: error: drs.automation must be one of fully-automated, partially-automated,"
        " manual",
        f"{path}:4:34: error: unknown field 'enable' in drs of cluster 'c'; did you mean 'enabled'?",
        f"{path}:5:29: error: ha.admission_control must be true or false, not 'maybe'",
    ]
    assert "Traceback" not in result.stderr


def test_capacity_in_gib_for_the_record() -> None:
    """The six-host cluster is what the issue describes: ratio below 0.5 on 1 TiB hosts."""
    r = report(_six_hosts())
    assert r.clusters[0].capacity == 6 * 1020 * GIB
    assert 0.49 < r.clusters[0].overcommit_ratio < 0.5


def test_host_ha_column_agrees_with_every_failover_finding() -> None:
    """Each MP302/MP303 finding's host, and each MP301 VM's host (the one that failed), has
    an HA verdict at least as bad as the finding; a host no failover finding names has ok.
    Today's verdict is untouched: the busy hosts are ok today, fail after a failure."""
    r = report("""
        clusters:
          - name: prod
            ha: {failures: 1}
            hosts:
              - {name: a, memory: 256GiB, vms: [{name: v1, memory: 160GiB, active: 100%}]}
              - {name: b, memory: 256GiB, vms: [{name: v2, memory: 160GiB, active: 100%}]}
              - {name: c, memory: 64GiB, vms: [{name: big, memory: 48GiB, reservation: all}]}
    """)
    hosts = {h.host.name: h for h in r.hosts}
    named: dict[str, Severity] = {}
    for f in r.findings:
        if f.rule in ("MP302", "MP303"):
            named[f.subject] = f.severity
        if f.rule == "MP301":
            named[next(v.host for v in r.vms if v.vm.name == f.subject) or ""] = f.severity
    assert named  # the scenario hurts somewhere
    for name, h in hosts.items():
        assert h.ha_verdict is not None
        assert h.ha_verdict.rank >= named.get(name, Severity.OK).rank
        if name not in named:
            assert h.ha_verdict is Severity.OK
    assert [hosts[n].verdict for n in "ab"] == [Severity.OK, Severity.OK]
    doc = to_dict(r)
    assert {h["name"]: h["ha_verdict"] for h in doc["hosts"]} == {
        n: h.ha_verdict.value for n, h in hosts.items() if h.ha_verdict is not None
    }
    out = _table(r)
    assert "Verdict is today's; HA is the worst failover finding" in out
    for name, sev in named.items():
        (row,) = [line for line in out.splitlines() if line.startswith(f"{name} ")]
        assert f" {hosts[name].verdict.value} " in row
        assert f" {sev.value} " in row


def test_standalone_hosts_have_no_ha_verdict() -> None:
    r = report("hosts: [{name: s, memory: 64GiB}]\n")
    assert r.hosts[0].ha_verdict is None
    assert to_dict(r)["hosts"][0]["ha_verdict"] is None
    assert "HA is the worst" not in _table(r)


def test_a_host_in_maintenance_never_takes_restarts_even_with_the_most_room() -> None:
    """m is in maintenance with 1 TiB free: neither DRS nor HA placement puts anything
    there; the VMs of the failed host go to the other survivor."""
    for drs in ("", "drs: false"):
        r = engine.evaluate(
            inv(f"""
            clusters:
              - name: k
                {drs}
                hosts:
                  - {{name: a, memory: 256GiB, vms: [{{name: v1, memory: 8GiB}}, {{name: v2, memory: 8GiB}}]}}
                  - {{name: b, memory: 256GiB}}
                  - {{name: m, memory: 1TiB, maintenance: true}}
            """),
            Scenario(fail_hosts=("a",)),
        )
        ha = r.clusters[0].ha
        assert ha is not None
        assert ha.restarted == (("v1", "b"), ("v2", "b"))
        assert [s.host.name for s in ha.survivors] == ["b"]


def test_dedicated_failover_hosts_take_restarts_first_while_they_admit_them() -> None:
    """Dedicated policy: HA restarts on the failover host first, elsewhere only when it
    cannot. Largest first: spare (64 GiB, 60 GiB capacity, empty) takes v3 (48 GiB
    reserved) though b has far more free memory, then v1 (8 GiB of the ~11.6 GiB left);
    v2 no longer fits there (~3.3 GiB unreserved) and goes to b."""
    for drs in ("", "drs: false"):
        r = engine.evaluate(
            inv(f"""
            clusters:
              - name: k
                ha: {{policy: dedicated, failover_hosts: [spare]}}
                {drs}
                hosts:
                  - name: a
                    memory: 256GiB
                    vms:
                      - {{name: v1, memory: 8GiB, reservation: all}}
                      - {{name: v2, memory: 8GiB, reservation: all}}
                      - {{name: v3, memory: 48GiB, reservation: all}}
                  - {{name: b, memory: 1TiB}}
                  - {{name: spare, memory: 64GiB}}
            """),
            Scenario(fail_hosts=("a",)),
        )
        ha = r.clusters[0].ha
        assert ha is not None
        assert ha.restarted == (("v1", "spare"), ("v2", "b"), ("v3", "spare"))


def test_the_defaults_memplan_assumes_are_the_constants_with_sources() -> None:
    assert DRSConfig().automation == esxi.DRS_DEFAULT_AUTOMATION
    for level in ("fully-automated", "partially-automated", "manual"):
        assert DRSConfig(True, level).places is (level in esxi.DRS_PLACING_LEVELS)
        assert not DRSConfig(False, level).places
    ha = (
        report(
            "clusters:\n  - name: c\n    hosts: [{name: a, memory: 8GiB}, {name: b, memory: 8GiB}]\n"
        )
        .clusters[0]
        .ha
    )
    assert ha is not None
    assert ha.failures == esxi.HA_DEFAULT_FAILURES
    assert (
        inv("clusters:\n  - name: c\n    ha: {}\n").clusters[0].ha.failures
        == esxi.HA_DEFAULT_FAILURES
    )  # type: ignore[union-attr]
    assert "ha-placement" in esxi.SOURCES

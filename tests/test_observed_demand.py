"""Observed host usage as today's demand, host-level observed reclamation, and VMs that name
hosts the inventory does not list (engine/observed.py, rules MP206-MP208). Numbers by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from memplan import engine
from memplan.cli import app
from memplan.errors import InventoryError
from memplan.inventory.loader import load_with_shape
from memplan.model import MemState
from memplan.render.json import to_dict
from memplan.units import GIB
from tests.helpers import findings, inv, report

EXAMPLE1 = Path(__file__).parent / "data" / "rvtools" / "example1.xlsx"

SCALED = """
hosts:
  - name: h
    memory: 128GiB
    observed: {consumed: 68GiB}
    vms:
      - {name: a, memory: 32GiB, overhead: 0}
      - {name: b, memory: 32GiB, overhead: 0}
      - {name: c, memory: 32GiB, overhead: 0}
"""


def test_vms_without_consumed_are_scaled_to_the_observation() -> None:
    """Observed 68 GiB less the default 4 GiB system_reserved: demand 64 GiB, not the 96 GiB
    the three VMs would hold fully consumed. Each holds 32 x 64 / 96 GiB = 22906492245 B
    (floor), the byte left over goes to the first: 3 x 22906492245 + 1 = 64 GiB."""
    r = report(SCALED)
    (h,) = r.hosts
    assert h.demand == 64 * GIB
    assert h.free == 124 * GIB - 64 * GIB
    assert h.observed_demand
    assert (h.vms_on, h.configured) == (3, 96 * GIB)
    assert sorted(v.demand for v in r.vms) == [22906492245, 22906492245, 22906492246]
    unobserved = report(SCALED.replace("    observed: {consumed: 68GiB}\n", ""))
    assert unobserved.hosts[0].demand == 96 * GIB
    assert not unobserved.hosts[0].observed_demand


STANDIN = """
hosts:
  - name: h
    memory: 128GiB
    observed: {consumed: 50%, source: RVTools vHost}
    vms:
      - {name: a, memory: 16GiB, overhead: 0}
"""


def test_what_the_vms_do_not_hold_is_demand_too() -> None:
    """50% of 128 GiB = 64 GiB used, less 4 GiB: demand 60 GiB; the VM holds 16 GiB, a
    stand-in the other 44 GiB, which no VM list or count shows."""
    r = report(STANDIN)
    (h,) = r.hosts
    assert (h.demand, h.vms_on, h.vms_total, h.configured) == (60 * GIB, 1, 1, 16 * GIB)
    assert [v.vm.name for v in r.vms] == ["a"]
    doc = to_dict(r)
    assert doc["hosts"][0]["demand_basis"] == "observed"
    assert doc["summary"]["vms"] == 1
    assert any(n.kind == "observed-demand" for n in r.notes)


def test_a_host_whose_vms_give_consumed_uses_them_and_a_gap_is_a_finding() -> None:
    """VM demand 8 GiB; observed 40 GiB - 4 GiB = 36 GiB; gap 28 GiB > 10% of 64 GiB."""
    text = """
    hosts:
      - name: h
        memory: 64GiB
        observed: {consumed: 40GiB}
        vms: [{name: a, memory: 8GiB, consumed: 8GiB, overhead: 0}]
    """
    r = report(text)
    assert r.hosts[0].demand == 8 * GIB
    assert not r.hosts[0].observed_demand
    (f,) = findings(text, "MP207")
    assert f.subject == "h"
    assert "modelled demand 8.0 GiB is 28.0 GiB below the 36.0 GiB vCenter observed" in f.message
    close = text.replace("40GiB", "18GiB")  # 14 GiB observed: 6 GiB apart, within 6.4 GiB
    assert findings(close, "MP207") == []


HA = """
clusters:
  - name: c
    ha: {policy: host-failures, failures: 1}
    hosts:
      - {name: a, memory: 128GiB, system_reserved: 0, observed: {consumed: 120GiB}}
      - {name: b, memory: 128GiB, system_reserved: 0, observed: {consumed: 20GiB}}
"""


def test_ha_starts_from_the_observation() -> None:
    """No VM at all, but a uses 120 GiB and b 20 GiB: whichever fails, the survivor holds
    140 GiB on 128 GiB of capacity: it cannot hold its active memory, low state."""
    (c,) = report(HA).clusters
    assert c.ha is not None
    (failed,) = c.ha.failed_hosts
    (survivor,) = c.ha.survivors
    # 116 GiB (120 or 20, less the default 4 GiB system_reserved) or 16 GiB restart as
    # pieces of at most 8 GiB (observed.pieces): 15 or 2 of them, all on the one survivor
    n = 15 if failed == "a" else 2
    assert c.ha.restarted == tuple(
        sorted((f"(unlisted on {failed}) {i}/{n}", survivor.host.name) for i in range(1, n + 1))
    )
    assert survivor.demand == 140 * GIB
    assert survivor.state is MemState.LOW
    assert c.ha.verdict.value == "fail"


HALF = """
clusters:
  - name: c
    hosts:
      - {name: a, memory: 128GiB, system_reserved: 0, observed: {consumed: 50%}}
      - {name: b, memory: 128GiB, system_reserved: 0, observed: {consumed: 50%}}
      - {name: c, memory: 128GiB, system_reserved: 0, observed: {consumed: 50%}}
      - {name: d, memory: 128GiB, system_reserved: 0, observed: {consumed: 50%}}
"""


def test_a_failed_hosts_observed_usage_restarts_spread_as_the_vms_it_stands_for() -> None:
    """Four hosts at 50% (64 GiB each), HA assumed: the failed host's 64 GiB restarts as 8
    pieces of 8 GiB, each on the survivor with the most free memory (DRS): 3, 3 and 2
    pieces, 88, 88 and 80 GiB on 128 GiB: every survivor stays high (no reclamation). As one 64 GiB block
    it put one survivor at 128 GiB of fully active demand: low, a false HA failure."""
    (c,) = report(HALF).clusters
    assert c.ha is not None
    assert c.ha.basis == "assumed"
    assert len(c.ha.restarted) == 8
    assert sorted(s.demand for s in c.ha.survivors) == [80 * GIB, 88 * GIB, 88 * GIB]
    assert {s.state for s in c.ha.survivors} == {MemState.HIGH}
    assert c.ha.verdict.value == "ok"


def test_the_observed_vm_count_says_how_many_pieces_restart() -> None:
    """With vHost's count (observed.vms: 2) each host's 64 GiB restarts as the 2 VMs it
    stands for, 32 GiB each, on the two freest survivors: 96, 96 and 64 GiB."""
    text = HALF.replace("consumed: 50%}", "consumed: 50%, vms: 2}")
    (c,) = report(text).clusters
    assert c.ha is not None
    (failed,) = c.ha.failed_hosts
    assert [vm for vm, _ in c.ha.restarted] == [
        f"(unlisted on {failed}) 1/2",
        f"(unlisted on {failed}) 2/2",
    ]
    assert sorted(s.demand for s in c.ha.survivors) == [64 * GIB, 96 * GIB, 96 * GIB]


def test_headroom_with_ha_on_observed_hosts_is_not_zero(tmp_path: Path) -> None:
    """The same cluster takes 16 GiB VMs with HA kept: a failed host's observed usage no
    longer lands whole on one survivor, so HA does not stop at the first VM. A host stays
    high up to 126.1 GiB of demand (129146.88 MiB, above). 6 VMs: hosts at 96, 96, 80,
    80 GiB; a 96 GiB host fails: its two VMs go to the 80s, its 8 pieces 3, 3, 2: 120, 120
    and 112 GiB, high. A 7th leaves 368 GiB for 3 survivors: one passes 126.1 GiB."""
    path = tmp_path / "inv.yaml"
    path.write_text("version: 1\n" + HALF)
    inventory, vm = load_with_shape(str(path), (), "16GiB,overhead=0,active=100%")
    (c,) = engine.headroom_report(inventory, vm, MemState.CLEAR).clusters
    assert c.count_ha == 6


def test_the_real_export_keeps_ha_after_one_more_vm() -> None:
    """tests/data/rvtools/example1.xlsx: 7 hosts at 36-62% observed usage. One more 16 GiB
    VM does not make a survivor swap after one host failure (it did: one 158.5 GiB
    stand-in restarted on one survivor)."""
    result = CliRunner().invoke(
        app,
        ["check", str(EXAMPLE1), "--add-vm", "name=new1,memory=16GiB,cluster=Cluster"],
    )
    assert result.exit_code == 0, result.output
    assert "MP303" not in result.output


def test_headroom_starts_from_the_observation(tmp_path: Path) -> None:
    """An empty 128 GiB host (no system_reserved) stays clear up to 129146.88 MiB of demand
    (tests/test_headroom.py): with 64 GiB observed, 3 more 16 GiB VMs (112 GiB), not 4."""
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\nhosts:\n  - {name: h, memory: 128GiB, system_reserved: 0,"
        " observed: {consumed: 64GiB}}\n"
    )
    inventory, vm = load_with_shape(str(path), (), "16GiB,overhead=0,active=100%")
    r = engine.headroom_report(inventory, vm, MemState.CLEAR)
    assert [(h.host, h.count) for h in r.hosts] == [("h", 3)]


def test_host_level_observed_ballooning_names_its_causes() -> None:
    text = """
    hosts:
      - name: h
        memory: 64GiB
        observed: {ballooned: 2GiB, swapped: 512MiB, source: RVTools vHost}
        vms: [{name: capped, memory: 16GiB, limit: 8GiB}, {name: free, memory: 8GiB}]
      - name: quiet
        memory: 64GiB
        observed: {swapped: 1GiB}
    """
    by_host = {f.subject: f for f in findings(text, "MP206")}
    assert set(by_host) == {"h", "quiet"}
    h = by_host["h"]
    assert h.name == "host-observed-balloon-swap"
    assert h.message.startswith(
        "balloon and swap now: vCenter reports 2.0 GiB ballooned and 512.0 MiB swapped"
    )
    assert "1 VM with a limit below configured (MP102): capped" in h.message
    assert by_host["quiet"].message.startswith("swap now:")
    assert "a passing peak, or stale data" in by_host["quiet"].message


SEEN = """
clusters:
  - name: observed
    hosts:
      - {name: o1, memory: 128GiB, observed: {consumed: 50%}}
    vms:
      - {name: x1, memory: 8GiB, seen_on: bovmsp-04.customer.com}
      - {name: x2, memory: 8GiB, seen_on: bovmsp-04.customer.com}
  - name: modelled
    hosts:
      - {name: m1, memory: 128GiB}
    vms:
      - {name: y1, memory: 8GiB, seen_on: esx09}
  - name: empty
    hosts: []
    vms:
      - {name: z1, memory: 8GiB, seen_on: esx77}
"""


def test_vms_on_hosts_not_listed() -> None:
    """One MP208 finding per missing host. Where every host rests on observation the VMs
    are not placed (their memory is in it): o1's demand stays 64 - 4 = 60 GiB. Elsewhere
    memplan places them and says so. An empty cluster says it in one line, no MP105."""
    r = report(SEEN)
    by_host = {f.subject: f.message for f in findings(SEEN, "MP208")}
    assert by_host == {
        "bovmsp-04.customer.com": "2 VMs (2 on) name host bovmsp-04.customer.com, which the"
        " inventory does not list; their memory is in the observed usage of cluster"
        " observed's hosts; memplan does not place them",
        "esx09": "1 VM (1 on) names host esx09, which the inventory does not list; memplan"
        " placed them itself: m1 (1)",
        "esx77": "1 VM (1 on) names host esx77, which the inventory does not list; cluster"
        " empty has no host in the inventory: nothing holds them",
    }
    hosts = {h.host.name: h for h in r.hosts}
    assert hosts["o1"].demand == 60 * GIB
    assert {v.vm.name: v.host for v in r.vms} == {"x1": None, "x2": None, "y1": "m1", "z1": None}
    assert findings(SEEN, "MP105") == []


def test_seen_on_is_for_cluster_vms_without_host() -> None:
    text = """
    hosts:
      - name: h
        memory: 64GiB
        vms: [{name: a, memory: 8GiB, seen_on: other}]
    """
    with pytest.raises(InventoryError) as err:
        inv(text)
    (problem,) = err.value.problems
    assert "seen_on names a host the inventory does not list" in problem.message


def test_a_vinfo_only_export_rests_on_observed_usage(tmp_path: Path) -> None:
    """The case that opened issue 14: vInfo without vMemory, a 128 GiB host at 55% used.
    The VMs' 120 GiB fully consumed would leave 124 - 120 - overhead: soft state. Observed:
    55% x 131072 MiB = 72089.6 MiB = 75591424409.6 B used, less 4 GiB: high state, 'obs'."""
    path = tmp_path / "rv.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    ws = wb.create_sheet("vInfo")
    ws.append(["VM", "Powerstate", "CPUs", "Memory", "Host", "Cluster"])
    for i in range(15):
        ws.append([f"vm{i:02}", "poweredOn", 2, 8192, "esx01", "prod"])
    ws = wb.create_sheet("vHost")
    ws.append(["Host", "Cluster", "# Memory", "Memory usage %", "ESX Version"])
    ws.append(["esx01", "prod", 131072, 55, "VMware ESXi 8.0.3 build-24022510"])
    wb.save(path)
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    (host,) = json.loads(result.stdout)["hosts"]
    assert host["demand_basis"] == "observed"
    assert host["observed"]["consumed_bytes"] == 75591424410  # 75591424409.6 rounded
    assert host["demand_bytes"] == 75591424410 - 4 * GIB
    assert host["state"] == "high"
    table = CliRunner().invoke(app, ["check", str(path)])
    assert "esx01 obs" in table.stdout


def test_demand_growth_brings_vms_shaped_like_real_ones_not_stand_ins(tmp_path: Path) -> None:
    """a holds 8 GiB of the 60 GiB observed (64 GiB - 4 GiB); a 52 GiB stand-in holds the
    rest. Demand growth's new VMs are shaped like a (8 GiB), never like the stand-in."""
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\nclusters:\n  - name: c\n    hosts:\n      - name: h\n        memory: 128GiB\n"
        "        observed: {consumed: 50%}\n        vms: [{name: a, memory: 8GiB, vcpus: 2}]\n"
    )
    result = CliRunner().invoke(
        app, ["project", str(path), "--as-of", "2026-12-01", "--growth", "10%/month"]
    )
    assert result.exit_code == 0, result.stderr
    assert "cluster c: new VMs of 8.0 GiB, 2 vCPUs" in result.stdout


def _counted_export(path: Path, counts: bool, vms: int = 10, vram: float = 163840) -> None:
    """vInfo lists 2 of esx01's VMs (8 GiB each); vHost: 128 GiB at 50% used and, with
    ``counts``, ``vms`` running VMs of 20 registered holding ``vram`` MiB (160 GiB)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    ws = wb.create_sheet("vInfo")
    ws.append(["VM", "Powerstate", "CPUs", "Memory", "Host", "Cluster"])
    for i in range(2):
        ws.append([f"vm{i:02}", "poweredOn", 2, 8192, "esx01", None])
    ws = wb.create_sheet("vHost")
    head = ["Host", "# Memory", "Memory usage %", "ESX Version"]
    row: list[object] = ["esx01", 131072, 50, "VMware ESXi 8.0.3 build-24022510"]
    if counts:
        head += ["# VMs total", "# VMs", "vRAM"]
        row += [20, vms, vram]
    ws.append(head)
    ws.append(row)
    wb.save(path)


def test_observed_counts_give_the_hosts_vms_and_overcommit(tmp_path: Path) -> None:
    """vHost # VMs 10, # VMs total 20, vRAM 163840 MiB = 160 GiB: the host shows 10/20 VMs,
    160 GiB configured and ratio 160 / 124 = 1.29 (capacity 128 - 4 GiB), marked observed,
    not the 2 listed VMs' 16 GiB (0.13). The active memory is assumed, not read."""
    path = tmp_path / "rv.xlsx"
    _counted_export(path, counts=True)
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    (host,) = json.loads(result.stdout)["hosts"]
    assert (host["vms_on"], host["vms_total"]) == (10, 20)
    assert host["configured_bytes"] == 160 * GIB
    assert host["overcommit_ratio"] == 1.2903
    assert host["counts_basis"] == "observed"
    assert host["active_basis"] == "assumed"
    assert host["observed"]["vms"] == 10
    assert host["observed"]["vms_total"] == 20
    assert host["observed"]["configured_bytes"] == 160 * GIB
    table = CliRunner().invoke(app, ["check", str(path), "--wide"])
    (line,) = [x for x in table.stdout.splitlines() if x.startswith("esx01 obs")]
    assert "10/20" in line
    assert " 160.0 " in line
    assert " 1.29 " in line
    assert line.split()[7] == "-"  # Active: the export gives none
    legend = [x for x in table.stdout.splitlines() if x.startswith("obs: ")]
    assert len(legend) == 1
    assert "vHost # VMs" in table.stdout
    # a host listed in part is marked obs too: the legend says "some or all", not "none"
    flat = " ".join(table.stdout.split())
    assert "(the export gives no consumed figure for some or all of its running VMs)" in flat


def test_without_observed_counts_the_table_says_unknown_not_zero(tmp_path: Path) -> None:
    """Without # VMs and vRAM the 2 listed VMs are only some of the host's: VMs, Config and
    Ratio print '-', and the legend says why; JSON keeps the listed figures, counts_basis
    vms. The note's used figure and the demand agree: 64.0 GiB used less 4.0 GiB: 60.0."""
    path = tmp_path / "rv.xlsx"
    _counted_export(path, counts=False)
    table = CliRunner().invoke(app, ["check", str(path), "--wide"])
    assert table.exit_code == 0, table.stderr
    (line,) = [x for x in table.stdout.splitlines() if x.startswith("esx01 obs")]
    cells = line.split()  # Host, obs, Mem, VMs, Config, Ovh, Resv, Active, Free, Ratio
    assert [cells[3], cells[4], cells[7], cells[9]] == ["-", "-", "-", "-"]
    text = " ".join(table.stdout.split())
    assert "the export does not count the VMs the inventory lacks" in text
    assert "64.0 GiB used, RVTools vHost, less 4.0 GiB system reserved: 60.0 GiB" in text
    (host,) = json.loads(CliRunner().invoke(app, ["check", str(path), "--format", "json"]).stdout)[
        "hosts"
    ]
    assert host["counts_basis"] == "vms"
    assert host["vms_on"] == 2


def test_a_left_out_vram_leaves_config_and_ratio_unknown_not_zero(tmp_path: Path) -> None:
    """vHost counts 10 running VMs of 20 but its vRAM, 10^9 MiB, is more than 10 x 128 GiB:
    left out (observed-implausible). The table keeps the export's 10/20 VMs, and Config and
    Ratio print '-', not the 2 listed VMs' 16 GiB and 16 / 124 = 0.13 (nor 0.0 and 0.00
    with none listed); JSON keeps the listed figures and says counts_basis observed-vms."""
    path = tmp_path / "rv.xlsx"
    _counted_export(path, counts=True, vram=10**9)
    table = CliRunner().invoke(app, ["check", str(path), "--wide"])
    assert table.exit_code == 0, table.stderr
    assert "vRAM 1e+09 MiB is more than # VMs (10)" in " ".join(table.stderr.split())
    (line,) = [x for x in table.stdout.splitlines() if x.startswith("esx01 obs")]
    cells = line.split()  # Host, obs, Mem, VMs, Config, Ovh, Resv, Active, Free, Ratio
    assert [cells[3], cells[4], cells[7], cells[9]] == ["10/20", "-", "-", "-"]
    text = " ".join(table.stdout.split())
    assert "VMs beside Config, Ratio '-' are the export's counts" in text
    assert "VMs, Config and Ratio are the export's counts" not in text
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    (host,) = json.loads(result.stdout)["hosts"]
    assert (host["vms_on"], host["vms_total"]) == (10, 20)
    assert host["configured_bytes"] == 16 * GIB
    assert host["overcommit_ratio"] == 0.129  # 16 / 124, rounded to 4 places
    assert host["counts_basis"] == "observed-vms"
    assert host["observed"]["configured_bytes"] is None
    # the HTML report's host row says what the table says, not 16.0 and 0.13
    html = CliRunner().invoke(app, ["check", str(path), "--format", "html"]).stdout
    row = next(r for r in html.split("<tr>") if r.startswith("<td>esx01"))
    nums = re.findall(r'<td class="num(?: wide)?">([^<]*)</td>', row)
    assert nums == ["128.0", "124.0", "10/20", "-", nums[4], nums[5], "-"], nums


def test_a_left_out_vram_with_every_running_vm_listed_keeps_config(tmp_path: Path) -> None:
    """vHost counts 2 running VMs, both listed (8 GiB each), and a vRAM left out: the
    listed VMs are all of them, so Config is theirs, 16.0 GiB, and Ratio 16 / 124 = 0.13."""
    path = tmp_path / "rv.xlsx"
    _counted_export(path, counts=True, vms=2, vram=10**9)
    table = CliRunner().invoke(app, ["check", str(path), "--wide"])
    assert table.exit_code == 0, table.stderr
    (line,) = [x for x in table.stdout.splitlines() if x.startswith("esx01 obs")]
    cells = line.split()
    assert [cells[3], cells[4], cells[9]] == ["2/20", "16.0", "0.13"]
    html = CliRunner().invoke(app, ["check", str(path), "--format", "html"]).stdout
    row = next(r for r in html.split("<tr>") if r.startswith("<td>esx01"))
    nums = re.findall(r'<td class="num(?: wide)?">([^<]*)</td>', row)
    assert (nums[2], nums[3], nums[6]) == ("2/20", "16.0", "0.13"), nums
    (host,) = json.loads(CliRunner().invoke(app, ["check", str(path), "--format", "json"]).stdout)[
        "hosts"
    ]
    assert host["counts_basis"] == "observed"


PARTIAL = """
clusters:
  - name: c
    hosts:
      - name: h
        memory: 128GiB
        observed: {consumed: 64GiB, vms: 4}
        vms:
          - {name: a, memory: 16GiB, consumed: 10GiB, overhead: 0}
          - {name: b, memory: 16GiB, overhead: 0}
      - name: k
        memory: 128GiB
        observed: {consumed: 24GiB}
    vms:
      - {name: elsewhere, memory: 8GiB, seen_on: gone}
"""


def test_a_host_listed_in_part_keeps_its_observation() -> None:
    """Audit 2026-12-07, item 2. vCenter counts 4 running VMs on h and saw 64 GiB used, less
    4 GiB: demand 60 GiB. The inventory lists two: a gives consumed 10 GiB (kept, inside
    the observation), b none (it shares the 50 GiB left: 16 GiB, its whole size, then a
    stand-in holds 34 GiB for the two VMs not listed). Modelled from a alone the host would
    show demand 10 + 16 = 26 GiB. Every host of c rests on observation, so the seen_on VM is
    inside one of them and not placed (it would be counted twice)."""
    r = report(PARTIAL)
    hosts = {h.host.name: h for h in r.hosts}
    h = hosts["h"]
    assert h.observed_demand
    assert h.demand == 60 * GIB
    assert h.vms_on == 4  # the observation's count, listed VMs among them
    vms = {v.vm.name: v for v in r.vms}
    assert vms["a"].vm.consumed == 10 * GIB
    assert vms["b"].vm.consumed == 16 * GIB
    assert vms["elsewhere"].host is None
    assert not vms["elsewhere"].placed
    (note,) = [n for n in r.notes if n.kind == "observed-partial"]
    assert note.text == (
        "demand of h is vCenter's observed usage (64.0 GiB used, inventory, less 4.0 GiB"
        " system reserved: 60.0 GiB): the inventory lists 1 running VM on it with consumed"
        " figures (10.0 GiB with overhead) of the 4 vCenter counts; their figures are kept"
        " inside the observation, and its other VMs (listed without consumed, or not"
        " listed) hold the rest"
    )
    assert findings(PARTIAL, "MP207") == []


def test_a_host_listed_whole_is_modelled_from_its_vms() -> None:
    """The same host with vms: 2 and b's consumed given: both running VMs are listed with
    their figures, so they decide the demand, 10 + 12 = 22 GiB, and MP207 reports the
    38 GiB gap to the observation (above 10% of 128 GiB = 12.8 GiB)."""
    whole = PARTIAL.replace("vms: 4}", "vms: 2}").replace(
        "{name: b, memory: 16GiB, overhead: 0}",
        "{name: b, memory: 16GiB, consumed: 12GiB, overhead: 0}",
    )
    r = report(whole)
    h = next(h for h in r.hosts if h.host.name == "h")
    assert (h.observed_demand, h.demand) == (False, 22 * GIB)
    (f,) = findings(whole, "MP207")
    assert "22.0 GiB is 38.0 GiB below the 60.0 GiB vCenter observed" in f.message


def test_the_real_export_with_one_vm_moved_onto_a_listed_host(tmp_path: Path) -> None:
    """The auditor's partial2.xlsx: example1.xlsx with vm-3 (4096 MiB, Consumed 3103 MiB,
    overhead 51 MiB) moved from a host vHost does not list onto 10.109.244.178, which vHost
    says is 62% used of 261797 MiB with 5 running VMs (vRAM 163840 MiB). 62% x 261797 MiB
    = 162314.14 MiB = 170198711664.64 B, rounded to 170198711665 B; less 4 GiB: demand
    165903744369 B, as on the unmodified export (the row stayed 5/13 VMs, 160 GiB
    configured, not 1/1 and 4 GiB). vm-8 and vm-9, whose hosts vHost does not list, stay
    unplaced: their memory is in the cluster's observations."""
    wb = openpyxl.load_workbook(EXAMPLE1)
    for sheet in ("vInfo", "vMemory"):
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            if row[header.index("VM")].value == "vm-3":
                row[header.index("Host")].value = "10.109.244.178"
    path = tmp_path / "partial.xlsx"
    wb.save(path)
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    (host,) = [h for h in doc["hosts"] if h["name"] == "10.109.244.178"]
    assert host["demand_basis"] == "observed"
    assert host["demand_bytes"] == 165903744369
    assert (host["vms_on"], host["configured_bytes"]) == (5, 163840 * 2**20)
    vms = {v["name"]: v for v in doc["vms"]}
    assert vms["vm-3"]["host"] == "10.109.244.178"
    assert vms["vm-8"]["host"] is None
    assert vms["vm-9"]["host"] is None


def test_a_left_out_vm_count_prints_dash_not_zero(tmp_path: Path) -> None:
    """vHost # VMs of -3 is left out (an import: line); # VMs total 20 and vRAM stay. The
    VMs cell read 2/20, the listed VMs' count, as if it were the export's: it now reads
    -/20 in the table and the HTML report, and the legend says why."""
    path = tmp_path / "rv.xlsx"
    _counted_export(path, counts=True, vms=-3)
    table = CliRunner().invoke(app, ["check", str(path), "--wide"])
    assert table.exit_code == 0, table.stderr
    assert "# VMs" in table.stderr
    (line,) = [x for x in table.stdout.splitlines() if x.startswith("esx01 obs")]
    assert line.split()[3] == "-/20"
    assert "a VM count '-' was left out of the export's" in " ".join(table.stdout.split())
    html = CliRunner().invoke(app, ["check", str(path), "--format", "html"]).stdout
    row = next(r for r in html.split("<tr>") if r.startswith("<td>esx01"))
    assert re.findall(r'<td class="num(?: wide)?">([^<]*)</td>', row)[2] == "-/20"

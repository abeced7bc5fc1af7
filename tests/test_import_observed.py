"""What real exports observed: host usage, host-level ballooning and swapping, maintenance
mode and connection state, VM UUIDs, vInfo Active Memory, vMetaData's creation time, and the
govc equivalents (docs/import.md)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl

from memplan import engine, inventory
from memplan.importers import common, govc, rvtools
from memplan.model import Observed
from memplan.render.json import to_dict
from memplan.units import GIB, MIB
from tests.helpers import DATA

EXAMPLE = DATA / "rvtools" / "example1.xlsx"

INFO_HEADER = ["VM", "Powerstate", "CPUs", "Memory", "Active Memory", "Host", "Cluster", "VM ID",
               "VM UUID"]  # fmt: skip
INFO = [
    ["web01", "poweredOn", 2, 8192, 2048, "esx01", "prod", "vm-101", "5003aaaa-0000-0000-0000-000000000001"],
    ["web02", "poweredOn", 2, 8192, None, "esx01", "prod", "vm-102", None],
    ["db01", "poweredOn", 4, 16384, 4096, "esx02", "prod", "vm-103", "5003aaaa-0000-0000-0000-000000000003"],
]  # fmt: skip
HOST_HEADER = ["Host", "Cluster", "in Maintenance Mode", "# Memory", "Memory usage %",
               "VM Memory Swapped", "VM Memory Ballooned"]  # fmt: skip
HOSTS = [
    ["esx01", "prod", "False", 131072, 50, 0, 1024],
    ["esx02", "prod", "False", 131072, 62, 256, 0],
    ["esx03", "prod", "True", 131072, 2, 0, 0],
]


def build(path: Path, meta: object = datetime(2026, 11, 3, 14, 5, 9)) -> Path:
    """An export with vInfo and vHost only (no vMemory), and vMetaData."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for sheet, header, rows in (("vInfo", INFO_HEADER, INFO), ("vHost", HOST_HEADER, HOSTS)):
        ws = wb.create_sheet(sheet)
        ws.append(header)
        for row in rows:
            ws.append(row)
    ws = wb.create_sheet("vMetaData")
    ws.append(["RVTools major version", "RVTools version", "xlsx creation datetime", "Server"])
    ws.append([4, "4.6.1", meta, "vcenter.corp.local"])
    wb.save(path)
    return path


def test_vhost_observed_usage_reclamation_and_maintenance(tmp_path: Path) -> None:
    """consumed = Memory usage % x # Memory MiB: 50% of 131072 MiB = 64 GiB exactly, 62% =
    81264.64 MiB = 81264 x 1048576 + 0.64 x 1048576 = 85211480064 + 671088.64
    = 85212151152.64 B, rounded to 85212151153 B."""
    r = rvtools.read([str(build(tmp_path / "rv.xlsx"))])
    hosts = {h.name: h for h in r.hosts}
    assert hosts["esx01"].observed_consumed == 64 * GIB
    assert hosts["esx02"].observed_consumed == 85212151153
    assert (hosts["esx01"].observed_ballooned, hosts["esx01"].observed_swapped) == (GIB, 0)
    assert (hosts["esx02"].observed_ballooned, hosts["esx02"].observed_swapped) == (0, 256 * MIB)
    assert [h.name for h in r.hosts if h.maintenance] == ["esx03"]
    assert "vHost row 4 (esx03): in maintenance mode; planned with no capacity" in [
        n.text for n in r.repairs
    ]
    inv = inventory.parse(common.to_yaml(r, "x").encode(), "x.yaml")
    ihosts = {h.name: h for h in inv.hosts}
    assert ihosts["esx02"].observed == Observed(85212151153, 0, 256 * MIB, "RVTools vHost")
    assert ihosts["esx03"].maintenance
    assert not ihosts["esx01"].maintenance


def test_vinfo_active_memory_uuid_and_vmetadata(tmp_path: Path) -> None:
    """Without vMemory, vInfo's Active Memory is the VM's active memory; VM UUID is its
    uuid (VM ID when there is none); vMetaData's creation time is collected:."""
    r = rvtools.read([str(build(tmp_path / "rv.xlsx"))])
    vms = {v.name: v for v in r.vms}
    assert (vms["web01"].active, vms["web02"].active, vms["db01"].active) == (
        2 * GIB, None, 4 * GIB)  # fmt: skip
    assert vms["web01"].consumed is None  # no vMemory: consumed is not known
    assert vms["web01"].uuid == "5003aaaa-0000-0000-0000-000000000001"
    assert vms["web02"].uuid == "vm-102"
    assert r.collected == datetime(2026, 11, 3, 14, 5, 9)
    text = common.to_yaml(r, "x")
    assert "collected: 2026-11-03T14:05:09\n" in text
    inv = inventory.parse(text.encode(), "x.yaml")
    assert inv.collected == datetime(2026, 11, 3, 14, 5, 9)
    ivms = {v.name: v for v in inv.vms}
    assert ivms["web01"].uuid == "5003aaaa-0000-0000-0000-000000000001"
    assert (ivms["web01"].active, ivms["web01"].active_given) == (2 * GIB, True)


def test_vmetadata_as_text_and_unreadable(tmp_path: Path) -> None:
    r = rvtools.read([str(build(tmp_path / "a.xlsx", "2026/11/03 14:05:09"))])
    assert r.collected == datetime(2026, 11, 3, 14, 5, 9)
    r = rvtools.read([str(build(tmp_path / "b.xlsx", "last tuesday"))])
    assert r.collected is None
    assert r.repairs[0].text == (
        "vMetaData row 2: xlsx creation datetime 'last tuesday' is not a date; collected: left out"
    )


def test_disconnected_host_csv(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "RVTools_tabvHost.csv").write_text(
        "Host;Cluster;Connection state;# Memory;Memory usage %\n"
        "esx01;prod;connected;131072;40\nesx02;prod;notResponding;131072;0\n"
    )
    (folder / "RVTools_tabvInfo.csv").write_text("VM;Memory;Host;Cluster\nv1;4096;esx01;prod\n")
    r = rvtools.read([str(folder)])
    assert [h.name for h in r.hosts if h.maintenance] == ["esx02"]
    assert "vHost row 3 (esx02): connection state notresponding; planned with no capacity" in [
        n.text for n in r.repairs
    ]


def test_the_real_export_observed_usage() -> None:
    """example1.xlsx vHost, host 10.17.135.71: # Memory 261797 MiB, Memory usage 36%:
    consumed = 0.36 x 261797 x 1048576 = 98825058385.92 B -> 98825058386 B; nothing
    ballooned or swapped; no host in maintenance. vm-1's VM UUID is kept."""
    r = rvtools.read([str(EXAMPLE)])
    hosts = {h.name: h for h in r.hosts}
    h = hosts["10.17.135.71"]
    assert (h.observed_consumed, h.observed_ballooned, h.observed_swapped) == (
        98825058386, 0, 0)  # fmt: skip
    assert not any(x.maintenance for x in r.hosts)
    assert {v.name: v.uuid for v in r.vms}["vm-1"] == "500b85c1-ef0d-37fb-6897-61c47157f858"


HOSTS_JSON = {"hostSystems": [
    {"self": {"type": "HostSystem", "value": "host-1"}, "name": "esx01",
     "summary": {"hardware": {"memorySize": 256 * GIB}, "quickStats": {"overallMemoryUsage": 131072},
                 "runtime": {"inMaintenanceMode": False, "connectionState": "connected"}}},
    {"self": {"type": "HostSystem", "value": "host-2"}, "name": "esx02",
     "summary": {"hardware": {"memorySize": 256 * GIB}, "quickStats": {"overallMemoryUsage": 2048},
                 "runtime": {"inMaintenanceMode": True, "connectionState": "connected"}}},
    {"self": {"type": "HostSystem", "value": "host-3"}, "name": "esx03",
     "summary": {"hardware": {"memorySize": 256 * GIB}},
     "runtime": {"connectionState": "disconnected"}},
]}  # fmt: skip
VMS_JSON = {"virtualMachines": [
    {"name": "app01", "runtime": {"host": {"type": "HostSystem", "value": "host-1"}},
     "config": {"instanceUuid": "5003bbbb-0000-0000-0000-000000000001",
                "hardware": {"memoryMB": 16384, "numCPU": 4}}},
]}  # fmt: skip


def test_govc_quickstats_maintenance_connection_and_uuid(tmp_path: Path) -> None:
    (tmp_path / "all.json").write_text(json.dumps({**HOSTS_JSON, **VMS_JSON}))
    r = govc.read([str(tmp_path / "all.json")])
    hosts = {h.name: h for h in r.hosts}
    assert hosts["esx01"].observed_consumed == 128 * GIB
    assert hosts["esx01"].observed_source == "govc quickStats"
    assert hosts["esx03"].observed_consumed is None
    assert [h.name for h in r.hosts if h.maintenance] == ["esx02", "esx03"]
    (vm,) = r.vms
    assert vm.uuid == "5003bbbb-0000-0000-0000-000000000001"
    inv = inventory.parse(common.to_yaml(r, "x").encode(), "x.yaml")
    ihosts = {h.name: h for h in inv.hosts}
    assert ihosts["esx01"].observed == Observed(128 * GIB, None, None, "govc quickStats")
    assert ihosts["esx02"].maintenance
    assert ihosts["esx03"].maintenance


def test_hosts_vhost_does_not_list_are_reported_once_each(tmp_path: Path) -> None:
    """vInfo names bovmsp-04.customer.com, vHost says vmsp-04: the short names differ
    (bovmsp-04 / vmsp-04), so no match; esx05 is in vHost without # Memory."""
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "RVTools_tabvHost.csv").write_text(
        "Host,Cluster,# Memory,Memory usage %\nvmsp-04,prod,131072,50\nesx05,prod,,\n"
    )
    rows = [f"v{i},4096,bovmsp-04.customer.com,prod" for i in range(31)]
    rows += ["w1,4096,ESX05.corp,prod", "w2,4096,VMSP-04.customer.com,prod"]
    (folder / "RVTools_tabvInfo.csv").write_text("VM,Memory,Host,Cluster\n" + "\n".join(rows))
    r = rvtools.read([str(folder)])
    texts = [n.text for n in r.repairs]
    assert (
        "31 VMs name host bovmsp-04.customer.com, not in vHost; kept in cluster prod with seen_on"
        in texts
    )
    assert (
        "1 VM names host ESX05.corp: vHost gives no memory size for esx05; kept in cluster prod with seen_on"
        in texts
    )
    assert [n.text for n in r.skipped] == [
        "vHost row 3: host esx05: vHost gives no memory size ('# Memory')"
    ]
    assert not any("esx05" in t and "not in vHost" in t for t in texts)
    vms = {v.name: v for v in r.vms}
    assert vms["w2"].host == "vmsp-04"  # matched by short name, case-insensitively
    assert (vms["v0"].host, vms["v0"].seen_on) == (None, "bovmsp-04.customer.com")
    text = common.to_yaml(r, "x")
    assert 'seen_on: "bovmsp-04.customer.com"' in text
    assert len(inventory.parse(text.encode(), "x.yaml").vms) == 33


def _big_export(path: Path) -> Path:
    """An export shaped like the one that opened issue 14: 34 hosts in 2 clusters, 805 VMs
    (vInfo only, no vMemory), vInfo Memory off by a few MiB for many, 4 hosts named with a
    prefix in vInfo that vHost does not have (a sanitised export), one host in maintenance."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    hosts = wb.create_sheet("vHost")
    hosts.append(["Host", "Cluster", "in Maintenance Mode", "# Memory", "Memory usage %",
                  "VM Memory Ballooned", "VM Memory Swapped", "ESX Version"])  # fmt: skip
    names = [f"vmsp-{i:02}" for i in range(34)]
    for i, name in enumerate(names):
        hosts.append([name, f"c{i % 2}", "True" if i == 33 else "False", 1048576, 50 + i % 20,
                      0, 0, "VMware ESXi 8.0.3 build-24022510"])  # fmt: skip
    info = wb.create_sheet("vInfo")
    info.append(["VM", "Powerstate", "CPUs", "Memory", "Active Memory", "Host", "Cluster",
                 "VM UUID"])  # fmt: skip
    for i in range(805):
        h = i % 33
        host = f"bo{names[h]}.customer.com" if h < 4 else names[h]
        info.append([f"vm{i:03}", "poweredOn" if i % 7 else "poweredOff", 2, 16384 + (i % 3),
                     2048, host, f"c{h % 2}", f"5003{i:028x}"])  # fmt: skip
    wb.save(path)
    return path


def test_a_large_export_prints_a_screenful(tmp_path: Path) -> None:
    """At most 30 import lines for 805 VMs on 34 hosts; check at 80 columns at most 150."""
    from typer.testing import CliRunner

    from memplan.cli import app

    export = str(_big_export(tmp_path / "big.xlsx"))
    runner = CliRunner(env={"COLUMNS": "80"})
    imported = runner.invoke(app, ["import", "rvtools", export, "-o", str(tmp_path / "i.yaml")])
    assert imported.exit_code == 0, imported.stderr
    lines = imported.stderr.splitlines()
    assert len(lines) <= 30, "\n".join(lines)
    assert any("VMs name host bovmsp-00.customer.com, not in vHost" in line for line in lines)
    checked = runner.invoke(app, ["check", export])
    assert checked.exit_code in (0, 1), checked.stderr
    out = checked.stdout.splitlines()
    assert len(out) <= 150, checked.stdout
    assert max(len(line) for line in out) <= 80
    assert "vmsp-33 obs maint" in checked.stdout
    assert "vmsp-00 obs" in checked.stdout


def test_vcluster_ha_admission_control_drs_and_effective_hosts(tmp_path: Path) -> None:
    """vCluster as configured: HA on with admission control off; numEffectiveHosts 3 where
    vHost lists 2 usable hosts (esx03 is in maintenance) is reported."""
    path = build(tmp_path / "rv.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("vCluster")
    ws.append(["Name", "NumHosts", "numEffectiveHosts", "HA enabled", "Failover Level",
               "AdmissionControlEnabled", "DRS enabled", "DRS default VM behavior"])  # fmt: skip
    ws.append(["prod", 3, 3, "True", 1, "False", "True", "fullyAutomated"])
    wb.save(path)
    r = rvtools.read([str(path)])
    c = r.clusters["prod"]
    assert (c.ha_enabled, c.failures, c.admission_control) == (True, 1, False)
    assert (c.drs_enabled, c.drs_behavior) == (True, "fullyAutomated")
    assert [n.text for n in r.repairs if n.kind == "effective-hosts"] == [
        "vCluster row 2 (prod): numEffectiveHosts 3, but vHost lists 2 usable (connected, not"
        " in maintenance); memplan plans with vHost's"
    ]
    (cluster,) = inventory.parse(common.to_yaml(r, "x").encode(), "x.yaml").clusters
    assert cluster.ha is not None
    assert (cluster.ha.policy, cluster.ha.failures, cluster.ha.admission_control) == (
        "host-failures", 1, False)  # fmt: skip
    assert (cluster.drs.enabled, cluster.drs.automation) == (True, "fully-automated")
    report = engine.evaluate(inventory.parse(common.to_yaml(r, "x").encode(), "x.yaml"))
    ha = to_dict(report)["clusters"][0]["ha"]
    assert (ha["basis"], ha["admission_control"]) == ("configured", False)


def test_govc_cluster_objects_name_clusters_and_give_ha(tmp_path: Path) -> None:
    """object.collect of a ClusterComputeResource: its name replaces the reference, its
    dasConfig and drsConfig become the cluster's HA and DRS settings."""
    hosts = [
        {"obj": {"type": "HostSystem", "value": "host-1"},
         "propSet": [{"name": "name", "val": "esx01"},
                     {"name": "parent", "val": {"type": "ClusterComputeResource", "value": "domain-c7"}},
                     {"name": "summary.hardware.memorySize", "val": 256 * GIB}]},
        {"obj": {"type": "ClusterComputeResource", "value": "domain-c7"},
         "propSet": [{"name": "name", "val": "prod"},
                     {"name": "configurationEx", "val": {
                         "dasConfig": {"enabled": True, "admissionControlEnabled": True,
                                       "failoverLevel": 2},
                         "drsConfig": {"enabled": False, "defaultVmBehavior": "manual"}}}]},
    ]  # fmt: skip
    (tmp_path / "all.json").write_text(json.dumps(hosts))
    r = govc.read([str(tmp_path / "all.json")])
    assert [h.cluster for h in r.hosts] == ["prod"]
    c = r.clusters["prod"]
    assert (c.ha_enabled, c.admission_control, c.failures) == (True, True, 2)
    assert (c.drs_enabled, c.drs_behavior) == (False, "manual")
    assert not any(n.kind == "cluster-by-ref" for n in r.repairs)
    inv = inventory.parse(common.to_yaml(r, "x").encode(), "x.yaml")
    (cluster,) = inv.clusters
    assert cluster.ha is not None
    assert (cluster.name, cluster.ha.policy, cluster.ha.failures) == ("prod", "host-failures", 2)
    assert cluster.ha.admission_control
    assert not cluster.drs.enabled


def test_unreadable_or_implausible_vhost_figures_are_reported(tmp_path: Path) -> None:
    """A vHost figure memplan cannot use is left out with an import: line, never silently
    (audit 2026-12-07, item 3). '58 %' is read as 58: 58% of 131072 MiB = 0.58 x 2^37 B =
    79714593013.76 B, rounded to 79714593014 B. -5%, 'n/a' and a blank cell leave the host
    without observed usage (its demand then rests on its VMs); vRAM above # VMs (2) x
    # Memory (131072 MiB) = 262144 MiB, # VMs of -3 and a negative ballooned figure are
    left out; a negative vMemory Consumed is left out and an Active above the VM's memory
    capped, each reported."""
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "RVTools_tabvHost.csv").write_text(
        "Host;Cluster;# Memory;Memory usage %;# VMs;vRAM;VM Memory Ballooned\n"
        "esx01;prod;131072;58 %;2;262145;0\n"
        "esx02;prod;131072;-5;-3;4096;-1\n"
        "esx03;prod;131072;n/a;;;\n"
        "esx04;prod;131072;;;;\n"
        "esx05;prod;131072;40;2;262144;\n"
    )
    (folder / "RVTools_tabvInfo.csv").write_text(
        "VM;Memory;Host;Cluster\nv1;4096;esx01;prod\nv2;4096;esx02;prod\n"
    )
    (folder / "RVTools_tabvMemory.csv").write_text(
        "VM;Size MiB;Consumed;Active\nv1;4096;-100;5000\nv2;4096;1024;-7\n"
    )
    r = rvtools.read([str(folder)])
    hosts = {h.name: h for h in r.hosts}
    assert hosts["esx01"].observed_consumed == 79714593014
    assert hosts["esx01"].observed_vms == 2
    assert hosts["esx01"].observed_configured is None
    assert hosts["esx05"].observed_configured == 262144 * MIB  # exactly the bound: kept
    for name in ("esx02", "esx03", "esx04"):
        assert hosts[name].observed_consumed is None
    assert (hosts["esx02"].observed_vms, hosts["esx02"].observed_ballooned) == (None, None)
    vms = {v.name: v for v in r.vms}
    assert (vms["v1"].consumed, vms["v1"].active) == (None, 4096 * MIB)
    assert (vms["v2"].consumed, vms["v2"].active) == (1024 * MIB, None)
    texts = [n.text for n in r.repairs]
    modelled = "no observed usage: the host's demand is modelled from the VMs listed on it"
    for line in (
        "vHost row 2 (esx01): vRAM 262145 MiB is more than # VMs (2) x the host's 131072 MiB"
        " (no running VM is larger than its host); left out",
        f"vHost row 3 (esx02): Memory usage % -5 is below 0; {modelled}",
        "vHost row 3 (esx02): VM Memory Ballooned -1 MiB is negative; left out",
        "vHost row 3 (esx02): # VMs -3 is not a count from 0 to vSphere's 1024 VMs per host;"
        " left out",
        f"vHost row 4 (esx03): Memory usage % 'n/a' is not a number; {modelled}",
        f"vHost row 5 (esx04): Memory usage % is blank; {modelled}",
        "vInfo row 2 (v1): vMemory Consumed -100 MiB is negative; left out",
        "vInfo row 2 (v1): Active 5000 MiB is above its memory (4096 MiB); capped at it",
        "vInfo row 3 (v2): vMemory Active -7 MiB is negative; left out",
    ):
        assert line in texts
    kinds = {"usage-unread", "observed-implausible", "observed-count-implausible",
             "vm-figure-negative", "vm-active-above-memory"}  # fmt: skip
    assert len([n for n in r.repairs if n.kind in kinds]) == 9


def test_no_usage_column_is_not_a_blank_cell(tmp_path: Path) -> None:
    """An export without the Memory usage % column says nothing per host: there was nothing
    to read (a blank cell in the column is reported, above)."""
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "RVTools_tabvHost.csv").write_text("Host;Cluster;# Memory\nesx01;prod;131072\n")
    (folder / "RVTools_tabvInfo.csv").write_text(
        "VM;Memory;Host;Cluster;CPUs\nv1;4096;esx01;prod;1\n"
    )
    r = rvtools.read([str(folder)])
    assert not [n for n in r.repairs if n.kind == "usage-unread"]

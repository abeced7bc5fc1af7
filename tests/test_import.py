"""Importers: the real RVTools export, built workbooks and CSVs, govc JSON, the invariant."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from memplan import inventory
from memplan.cli import app
from memplan.importers import common, govc, rvtools
from memplan.model import Note
from memplan.units import GIB, MIB
from tests.helpers import DATA

EXAMPLE = DATA / "rvtools" / "example1.xlsx"

DISPLAY = {
    "vInfo": ["VM", "Powerstate", "Template", "CPUs", "Memory", "Host", "Cluster"],
    "vMemory": ["VM", "Size MiB", "Overhead", "Consumed", "Consumed Overhead", "Active",
                "Ballooned", "Swapped", "Level", "Shares", "Reservation", "Limit", "Host", "Cluster"],
    "vHost": ["Host", "Cluster", "# Memory", "ESX Version"],
}  # fmt: skip
DBNAMES = {
    "vInfo": ["vInfoVMName", "vInfoPowerstate", "vInfoTemplate", "vInfoCPUs", "vInfoMemory",
              "vInfoHost", "vInfoCluster"],
    "vMemory": ["vMemoryVMName", "vMemorySizeMiB", "vMemoryOverhead", "vMemoryConsumed",
                "vMemoryConsumedOverhead", "vMemoryActive", "vMemoryBallooned", "vMemorySwapped",
                "vMemoryLevel", "vMemoryShares", "vMemoryReservation", "vMemoryLimit",
                "vMemoryHost", "vMemoryCluster"],
    "vHost": ["vHostName", "vHostCluster", "vHostMemorySize", "vHostESXVersion"],
}  # fmt: skip
RV3 = {**DISPLAY, "vMemory": [h.replace("Size MiB", "Size MB") for h in DISPLAY["vMemory"]]}

INFO = [
    ["web01", "poweredOn", "False", 2, 8192, "esx01.corp.local", "prod"],
    ["tmpl", "poweredOff", "True", 2, 4096, "ESX02", "prod"],
    ["lost", "poweredOn", "False", 4, 16384, "esx99", "prod"],
    [None, None, None, None, None, None, None],  # a blank formatted row
    ["nomem", "poweredOn", "False", 1, None, "esx01", "prod"],
]
MEMORY = [
    ["web01", 8192, 0, 6000, 60, 2048, 0, 0, "normal", 81920, 0, -1, "esx01", "prod"],
    ["tmpl", 4096, 0, 0, 0, 0, 0, 0, "normal", 40960, 0, -1, "esx02", "prod"],
    ["lost", 16384, 0, 16000, 120, 4096, 512, 128, "high", 327680, 4096, 8192, "esx99", "prod"],
]
HOSTS = [
    ["esx01", "prod", 261797, "VMware ESXi 8.0.3 build-24022510"],
    ["esx02", "prod", 130607, "VMware ESXi 7.0.3 build-21930508"],
]


def workbook(path: Path, headers: dict[str, list[str]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for sheet, rows in (("vInfo", INFO), ("vMemory", MEMORY), ("vHost", HOSTS)):
        ws = wb.create_sheet(sheet)
        ws.append(headers[sheet])
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def check_result(r: common.ImportResult) -> None:
    vms = {v.name: v for v in r.vms}
    assert set(vms) == {"web01", "tmpl", "lost"}
    assert [h.name for h in r.hosts] == ["esx01", "esx02"]
    assert vms["web01"].host == "esx01"  # esx01.corp.local resolved without its domain
    assert vms["tmpl"].host == "esx02"  # ESX02 resolved by case
    assert vms["tmpl"].template
    assert vms["lost"].host is None
    assert vms["lost"].cluster == "prod"
    assert vms["lost"].limit == 8192 * MIB
    assert vms["lost"].reservation == 4096 * MIB
    assert vms["web01"].limit is None  # -1 = unlimited
    assert vms["web01"].overhead == 60 * MIB  # Consumed Overhead wins over Overhead 0
    assert vms["lost"].shares_level == "high"
    assert vms["lost"].ballooned == 512 * MIB
    assert vms["lost"].swapped == 128 * MIB
    assert r.skipped == [
        Note(
            "skip-no-memory",
            "vInfo row 6 (nomem): no memory value (vInfo Memory, vMemory Size MiB)",
        )
    ]
    assert any("esx01.corp.local matched esx01 by name without domain" in x.text for x in r.repairs)
    assert any("ESX02 matched esx02 by case" in x.text for x in r.repairs)
    assert any(
        x.text == "1 VM names host esx99, not in vHost; kept in cluster prod with seen_on"
        for x in r.repairs
    )
    assert vms["lost"].seen_on == "esx99"
    assert r.rows_read == len(r.vms) + len(r.hosts) + len(r.skipped) == 6
    inv = inventory.parse(common.to_yaml(r, "test").encode(), "x.yaml")
    hosts = {h.name: h for h in inv.hosts}
    assert hosts["esx02"].esxi == "7.0.3"
    assert hosts["esx01"].memory == 256 * GIB
    assert hosts["esx01"].managed == 261797 * MIB


@pytest.mark.parametrize(
    "headers", [DISPLAY, DBNAMES, RV3], ids=["display", "dbcolumns", "rvtools3"]
)
def test_workbook_header_styles(tmp_path: Path, headers: dict[str, list[str]]) -> None:
    check_result(rvtools.read([str(workbook(tmp_path / "rv.xlsx", headers))]))


def test_vcluster_ha_settings(tmp_path: Path) -> None:
    """vCluster's HA flag and failover level become the cluster's ha: section."""
    path = workbook(tmp_path / "rv.xlsx", DISPLAY)
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("vCluster")
    ws.append(["Name", "HA enabled", "Failover Level"])
    ws.append(["prod", "True", 2])
    wb.save(path)
    r = rvtools.read([str(path)])
    assert (r.clusters["prod"].ha_enabled, r.clusters["prod"].failures) == (True, 2)
    inv = inventory.parse(common.to_yaml(r, "x").encode(), "x.yaml")
    (cluster,) = inv.clusters
    assert cluster.ha is not None
    assert (cluster.ha.policy, cluster.ha.failures) == ("host-failures", 2)


def write_csvs(folder: Path, delimiter: str, decimal_comma: bool) -> Path:
    folder.mkdir(exist_ok=True)
    for sheet, rows in (("vInfo", INFO), ("vMemory", MEMORY), ("vHost", HOSTS)):
        lines = [delimiter.join(DISPLAY[sheet])]
        for row in rows:
            cells = []
            for c in row:
                if c is None:
                    cells.append("")
                elif isinstance(c, int) and decimal_comma and sheet == "vMemory":
                    cells.append(f"{c},0")
                else:
                    cells.append(str(c))
            lines.append(delimiter.join(cells))
        (folder / f"RVTools_tab{sheet}.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize(("delimiter", "comma"), [(",", False), (";", True), ("\t", False)])
def test_csv_folder_delimiters_and_decimal_comma(
    tmp_path: Path, delimiter: str, comma: bool
) -> None:
    check_result(rvtools.read([str(write_csvs(tmp_path / "csv", delimiter, comma))]))


def test_csv_files_given_one_by_one(tmp_path: Path) -> None:
    folder = write_csvs(tmp_path / "csv", ";", True)
    check_result(rvtools.read(sorted(str(p) for p in folder.glob("*.csv"))))


def test_real_export() -> None:
    """tests/data/rvtools/example1.xlsx (a copy of ../shared/data/rvtools/example1.xlsx), counted by hand: 9 VMs (vm-1 .. vm-9), 7 hosts
    in vHost, one cluster; vm-9's vInfo row has no CPUs, Host or Cluster, each reported;
    host names differ between tabs, so every VM is kept in its cluster for memplan to
    place; no row is skipped."""
    r = rvtools.read([str(EXAMPLE)])
    assert sorted(v.name for v in r.vms) == [f"vm-{i}" for i in range(1, 10)]
    assert len(r.hosts) == 7
    assert r.skipped == []
    vm9 = [x.text for x in r.repairs if "(vm-9)" in x.text]
    assert vm9 == [
        "vInfo row 10 (vm-9): no CPUs; assumed 1",
        "vInfo row 10 (vm-9): no Host in vInfo; took 10.171.252.10 from vMemory",
        "vInfo row 10 (vm-9): no Cluster in vInfo; took Cluster from vMemory",
    ]
    assert [x.text for x in r.repairs if x.kind == "host-not-listed"] == [
        "6 VMs name host 10.5.126.198, not in vHost; kept in cluster Cluster with seen_on",
        "1 VM names host 10.171.252.10, not in vHost; kept in cluster Cluster with seen_on",
        "1 VM names host 10.185.26.9, not in vHost; kept in cluster Cluster with seen_on",
        "1 VM names host 10.41.187.30, not in vHost; kept in cluster Cluster with seen_on",
    ]
    assert r.rows_read == 16
    inv = inventory.parse(common.to_yaml(r, "x").encode(), "x.yaml")
    assert (len(inv.vms), len(inv.hosts), len(inv.clusters)) == (9, 7, 1)


def test_cli_import_and_check_on_the_real_export(tmp_path: Path) -> None:
    out = tmp_path / "inv.yaml"
    result = CliRunner().invoke(app, ["import", "rvtools", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "import: imported 9 VMs, 7 hosts, 1 cluster from example1.xlsx; 0 rows skipped, 16 repairs"
    )
    text = out.read_text()
    assert text.startswith("# memplan inventory imported from ")
    validated = CliRunner().invoke(app, ["validate", str(out)])
    assert validated.stdout.endswith("valid (1 cluster, 7 hosts, 9 VMs)\n")
    checked = CliRunner().invoke(app, ["check", str(EXAMPLE)])
    assert checked.exit_code == 0  # warnings only: 4 hosts vHost does not list (MP208)
    assert "verdict: WARN · 0 fail, 4 warn" in checked.stdout
    assert "10.17.135.71 obs" in checked.stdout  # demand is vCenter's observed usage
    assert "import: vInfo row 10 (vm-9): no CPUs; assumed 1" in checked.stderr


def test_check_on_a_broken_workbook_is_an_invalid_inventory(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    result = CliRunner().invoke(app, ["check", str(junk)])
    assert result.exit_code == 4
    assert result.stderr.startswith(f"{junk}:1:1: error: not a readable .xlsx workbook")


def test_cli_import_errors(tmp_path: Path) -> None:
    nope = tmp_path / "nope.xlsx"
    result = CliRunner().invoke(app, ["import", "rvtools", str(nope)])
    assert (result.exit_code, result.stderr) == (
        4, f"{nope}:1:1: error: no such file or folder\nmemplan: 1 problem; nothing was imported\n"
    )  # fmt: skip


def test_a_file_that_is_not_a_workbook_is_the_same_error_in_import_and_check(
    tmp_path: Path,
) -> None:
    """Exit 4 and one FILE:1:1 line from both: it is unreadable input (docs/ci.md), not a
    usage error (import used to exit 2, check 4)."""
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    line = f"{junk}:1:1: error: not a readable .xlsx workbook (File is not a zip file)\n"
    result = CliRunner().invoke(app, ["import", "rvtools", str(junk), "-o", str(tmp_path / "o")])
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == line + "memplan: 1 problem; nothing was imported\n"
    assert not (tmp_path / "o").exists()
    result = CliRunner().invoke(app, ["check", str(junk)])
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == line + "memplan: 1 problem; nothing was checked\n"


def test_an_invalid_govc_json_names_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text('{"hostSystems":\n  [}\n')
    result = CliRunner().invoke(app, ["import", "govc", str(path)])
    assert result.exit_code == 4
    assert result.stderr.startswith(f"{path}:2:4: error: not valid JSON (Expecting value: line 2")


HOSTS_PASCAL = {"HostSystems": [
    {"Self": {"Type": "HostSystem", "Value": "host-1"}, "Name": "esx01",
     "Parent": {"Type": "ClusterComputeResource", "Value": "domain-c7"},
     "Summary": {"Hardware": {"MemorySize": 256 * GIB}, "Config": {"Product": {"Version": "8.0.2"}}}},
    {"Self": {"Type": "HostSystem", "Value": "host-2"}, "Name": "esx02",
     "Parent": {"Type": "ClusterComputeResource", "Value": "domain-c7"},
     "Summary": {"Hardware": {"MemorySize": 128 * GIB}}},
]}  # fmt: skip
VMS_PASCAL = {"VirtualMachines": [
    {"Name": "app01", "Runtime": {"Host": {"Type": "HostSystem", "Value": "host-1"}, "PowerState": "poweredOn"},
     "Config": {"Template": False, "Hardware": {"MemoryMB": 16384, "NumCPU": 4},
                "MemoryAllocation": {"Reservation": 4096, "Limit": -1, "Shares": {"Shares": 327680, "Level": "high"}}},
     "Summary": {"QuickStats": {"GuestMemoryUsage": 2048, "HostMemoryUsage": 12000,
                                "ConsumedOverheadMemory": 100, "BalloonedMemory": 0, "SwappedMemory": 0}}},
    {"Name": "orphan", "Runtime": {"Host": {"Type": "HostSystem", "Value": "host-9"}},
     "Config": {"Hardware": {"MemoryMB": 2048, "NumCPU": 1}}},
]}  # fmt: skip


def _camel(obj: object) -> object:
    if isinstance(obj, dict):
        return {k[0].lower() + k[1:]: _camel(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_camel(v) for v in obj]
    return obj


@pytest.mark.parametrize("case", ["pascal", "camel"])
def test_govc_both_key_casings(tmp_path: Path, case: str) -> None:
    hosts, vms = (
        (HOSTS_PASCAL, VMS_PASCAL)
        if case == "pascal"
        else (_camel(HOSTS_PASCAL), _camel(VMS_PASCAL))
    )
    (tmp_path / "h.json").write_text(json.dumps(hosts))
    (tmp_path / "v.json").write_text(json.dumps(vms))
    r = govc.read([str(tmp_path / "h.json"), str(tmp_path / "v.json")])
    (vm,) = r.vms
    assert (vm.name, vm.host, vm.cluster, vm.vcpus) == ("app01", "esx01", "domain-c7", 4)
    assert (vm.memory, vm.reservation, vm.limit, vm.shares_level) == (
        16 * GIB,
        4 * GIB,
        None,
        "high",
    )
    assert (vm.active, vm.overhead, vm.consumed) == (2048 * MIB, 100 * MIB, 11900 * MIB)
    assert [h.esxi for h in r.hosts] == ["8.0.2", None]
    assert r.skipped == [
        Note("skip-unknown-host", "VM #2 (orphan): runtime.host host-9 is not among the hosts")
    ]
    assert r.rows_read == len(r.vms) + len(r.hosts) + len(r.skipped)
    inv = inventory.parse(common.to_yaml(r, "x").encode(), "x.yaml")
    assert {h.name: h.memory for h in inv.hosts} == {"esx01": 256 * GIB, "esx02": 128 * GIB}


def test_govc_one_file_with_both(tmp_path: Path) -> None:
    (tmp_path / "all.json").write_text(json.dumps({**HOSTS_PASCAL, **VMS_PASCAL}))
    result = CliRunner().invoke(app, ["import", "govc", str(tmp_path / "all.json")])
    assert result.exit_code == 0, result.stderr
    assert '- {name: "app01", memory: 16GiB, vcpus: 4' in result.stdout


names = st.text(alphabet="abcdefghij-0123456789", min_size=1, max_size=6)
cells = st.one_of(st.none(), st.just(""), st.integers(-2, 70000), names)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(st.one_of(st.none(), names), cells, st.one_of(st.none(), names),
                       st.sampled_from(["c1", "c2", None])), max_size=12),
    st.lists(st.tuples(st.one_of(st.none(), names), st.sampled_from(["c1", None]), cells, cells,
                       cells, st.sampled_from(["True", "False", "", "yes"])), max_size=6),
)  # fmt: skip
@example(vm_rows=[], host_rows=[("0", "c1", 1)])  # below ESXi's own 4 GiB: found by hypothesis
@example(vm_rows=[], host_rows=[("0", "c1", "1e10")])  # above 1 PiB: found by hypothesis
@example(vm_rows=[("v", "1e10", "h", "c1")], host_rows=[])  # a VM above 1 PiB: found in review
@example(vm_rows=[], host_rows=[("h", "c1", 8192, 250, "1e12", "True")])  # absurd observations
def test_every_non_blank_row_is_imported_or_reported(
    tmp_path: Path, vm_rows: list[tuple[object, ...]], host_rows: list[tuple[object, ...]]
) -> None:
    """VMs + hosts imported + rows reported skipped == non-blank rows read, always."""
    folder = tmp_path / "gen"
    folder.mkdir(exist_ok=True)

    def write(name: str, header: list[str], rows: list[tuple[object, ...]]) -> int:
        lines = [",".join(header)] + [
            ",".join("" if c is None else str(c) for c in r) for r in rows
        ]
        (folder / f"RVTools_tab{name}.csv").write_text("\n".join(lines) + "\n")
        return sum(any(c not in (None, "") for c in r) for r in rows)

    read = write("vInfo", ["VM", "Memory", "Host", "Cluster"], vm_rows)
    read += write("vHost", ["Host", "Cluster", "# Memory", "Memory usage %", "VM Memory Ballooned",
                            "in Maintenance Mode"], host_rows)  # fmt: skip
    r = rvtools.read([str(folder)])
    assert len(r.vms) + len(r.hosts) + len(r.skipped) == r.rows_read == read
    inventory.parse(common.to_yaml(r, "gen").encode(), "gen.yaml")  # always a valid inventory


def test_rvtools_host_memory_beyond_a_float_is_skipped(tmp_path: Path) -> None:
    """# Memory 1.7e302 MiB (found by test_fuzz_inputs) is skipped as above 1 PiB; as
    bytes it overflowed a float and ended in an internal error."""
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "RVTools_tabvInfo.csv").write_text("VM\n")
    (folder / "RVTools_tabvHost.csv").write_text("Host,# Memory\nesx1,1.7144137714980277e+302\n")
    result = CliRunner().invoke(app, ["import", "rvtools", str(folder)])
    assert result.exit_code in (2, 4), result.stderr
    assert "esx1): # Memory 1.71441e+302 MiB is above 1 PiB" in result.stderr


def test_a_vm_size_beyond_a_float_is_named_in_six_digits(tmp_path: Path) -> None:
    """A skipped VM's size is written as a float's :g would (it printed all 303 digits);
    sizes under 16 digits stay exact."""
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "RVTools_tabvInfo.csv").write_text(
        "VM,Memory,Host\nhuge,1.7e302,esx1\nbig,2000000000000,esx1\nok,4096,esx1\n"
    )
    (folder / "RVTools_tabvHost.csv").write_text("Host,# Memory\nesx1,65536\n")
    result = CliRunner().invoke(app, ["import", "rvtools", str(folder)])
    assert result.exit_code == 0, result.stderr
    assert "vInfo row 2 (huge): memory 1.7e+302 MiB is above 1 PiB\n" in result.stderr
    assert "vInfo row 3 (big): memory 2000000000000 MiB is above 1 PiB\n" in result.stderr
    assert "imported 1 VM, 1 host, 0 clusters from csv; 2 rows skipped" in result.stderr


def test_an_export_without_hosts_is_an_error_not_an_empty_ok(tmp_path: Path) -> None:
    """Audit 2026-12-07, item 9: the real export without its vHost tab checked as '0 hosts
    · ok', exit 0. With no host memory there is nothing to plan against: exit 4, one line
    at the file, after the import: lines; so too a vHost whose rows are all unusable. A
    vHost with hosts and no VMs stays a plan (headroom for an empty cluster)."""
    wb = openpyxl.load_workbook(EXAMPLE)
    del wb["vHost"]
    wb.save(tmp_path / "novhost.xlsx")
    for command in (["check"], ["import", "rvtools"]):
        result = CliRunner().invoke(app, [*command, str(tmp_path / "novhost.xlsx")])
        assert result.exit_code == 4
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[-3] == (
            "import: imported 9 VMs, 0 hosts, 1 cluster from novhost.xlsx; 0 rows skipped,"
            " 15 repairs"
        )
        assert lines[-2] == (
            f"{tmp_path / 'novhost.xlsx'}:1:1: error: no vHost tab: memplan needs the hosts'"
            " memory (# Memory) to plan; export the vHost tab too (RVTools_tabvHost.csv for"
            " CSV files)"
        )
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "RVTools_tabvInfo.csv").write_text("VM,Memory,Host,Cluster\nv1,4096,esx01,prod\n")
    (folder / "RVTools_tabvHost.csv").write_text("Host,Cluster,# Memory\nesx01,prod,\n")
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert result.exit_code == 4
    assert (
        f"{folder}:1:1: error: no host imported: none of vHost's 1 row is usable (the"
        " 'import:' lines say why)"
    ) in result.stderr.splitlines()
    (folder / "RVTools_tabvInfo.csv").write_text("VM,Memory,Host,Cluster\n")
    (folder / "RVTools_tabvHost.csv").write_text("Host,Cluster,# Memory\nesx01,prod,131072\n")
    result = CliRunner().invoke(app, ["import", "rvtools", str(folder)])
    assert result.exit_code == 0, result.stderr


def _vm_json(name: str, uuid: str | None, host: str = "host-1") -> dict[str, object]:
    config: dict[str, object] = {"hardware": {"memoryMB": 8192, "numCPU": 2}}
    if uuid is not None:
        config["instanceUuid"] = uuid
    return {"name": name, "config": config,
            "runtime": {"host": {"type": "HostSystem", "value": host}, "powerState": "poweredOn"}}  # fmt: skip


def test_govc_vms_of_one_name_are_distinct_vms_by_uuid(tmp_path: Path) -> None:
    """Audit 2026-12-07, item 12: vSphere allows two VMs named app in different folders;
    the import stopped at 'govc.yaml:14:20: error: duplicate VM name', a file it never
    wrote. Distinct UUIDs: both kept, named 'app (UUID)', reported once. The same UUID
    twice, or a second VM with no UUID to tell it apart: the first kept, the other
    skipped and reported. Every VM read is kept or reported (rows_read)."""
    (tmp_path / "h.json").write_text(json.dumps(_camel(HOSTS_PASCAL)))
    vms = [_vm_json("app", "u-1"), _vm_json("app", "u-2", "host-2"), _vm_json("app", "u-1"),
           _vm_json("db", "u-3"), _vm_json("db", None)]  # fmt: skip
    (tmp_path / "v.json").write_text(json.dumps({"virtualMachines": vms}))
    result = CliRunner().invoke(
        app, ["import", "govc", str(tmp_path / "h.json"), str(tmp_path / "v.json")]
    )
    assert result.exit_code == 0, result.stderr
    assert '- {name: "app (u-1)", memory: 8GiB, vcpus: 2, uuid: "u-1"}' in result.stdout
    assert '- {name: "app (u-2)", memory: 8GiB, vcpus: 2, uuid: "u-2"}' in result.stdout
    assert '- {name: "db", memory: 8GiB, vcpus: 2, uuid: "u-3"}' in result.stdout
    unwrapped = result.stderr.replace("\n  ", " ").splitlines()  # lines wrap at the width
    assert unwrapped[:3] == [
        "import: VM #3 (app): duplicate VM name, the same UUID as VM #1; the first is kept",
        "import: VM #5 (db): duplicate VM name, no UUID to tell it from VM #4; the first is kept",
        "import: VM #1, VM #2: 2 VMs named app with distinct UUIDs (vSphere allows it in"
        " different folders); kept each, each named 'app (UUID)'",
    ]
    r = govc.read([str(tmp_path / "h.json"), str(tmp_path / "v.json")])
    assert r.rows_read == len(r.vms) + len(r.hosts) + len(r.skipped) == 7


def test_rvtools_vms_of_one_name_are_distinct_vms_by_uuid(tmp_path: Path) -> None:
    """The real export with vm-4 renamed vm-5 in vInfo and vMemory (as vSphere allows in
    two folders): the second vm-5 row was skipped, a whole 16 GiB VM dropped. Both are
    kept, named by their UUIDs, each with its own vMemory row (joined in row order):
    vm-4's 16384 MiB and vm-5's (set to) 20480 MiB, not one of them twice."""
    wb = openpyxl.load_workbook(EXAMPLE)
    for sheet in ("vInfo", "vMemory"):
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            cell = row[header.index("VM")]
            if sheet == "vMemory" and cell.value == "vm-5":
                row[header.index("Size MiB")].value = 20480  # tells the two apart
            if cell.value == "vm-4":
                cell.value = "vm-5"
    wb.save(tmp_path / "dup.xlsx")
    r = rvtools.read([str(tmp_path / "dup.xlsx")])
    vms = {v.name: v for v in r.vms}
    assert "vm-5" not in vms
    assert len(r.vms) == 9  # as many as example1.xlsx: none dropped
    four = vms["vm-5 (500b581b-d5eb-3337-5786-fb9cc6a64224)"]  # vm-4's UUID
    five = vms["vm-5 (500b5cef-6ad4-aab8-f96f-497224385b55)"]
    assert (four.memory, five.memory) == (16384 * MIB, 20480 * MIB)
    assert not [n for n in r.skipped if n.kind == "skip-duplicate"]
    assert (
        "vInfo row 5, vInfo row 6: 2 VMs named vm-5 with distinct UUIDs (vSphere allows it in"
        " different folders); kept each, each named 'vm-5 (UUID)'"
    ) in [n.text for n in r.repairs]


def test_check_of_govc_json_says_to_import_it(tmp_path: Path) -> None:
    """`check hosts.json vms.json` answered "unknown field 'hostSystems' ... did you mean
    'hosts'?": govc JSON is valid YAML but no inventory. It now says what it is and the
    command that reads it."""
    (tmp_path / "hosts.json").write_text(json.dumps(_camel(HOSTS_PASCAL), indent=1))
    result = CliRunner().invoke(app, ["check", str(tmp_path / "hosts.json")])
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == (
        f"{tmp_path / 'hosts.json'}:1:1: error: govc JSON (hostSystems), not a memplan"
        " inventory: import it first, with its hosts' and VMs' files: memplan import govc"
        " hosts.json vms.json -o inventory.yaml (docs/import.md)\n"
        "memplan: 1 problem; nothing was checked\n"
    )


def test_findings_about_an_export_name_the_file_not_a_line_memplan_wrote(tmp_path: Path) -> None:
    """Audit 2026-12-07, item 15: GitHub and SARIF output for an xlsx pointed at
    "example1.xlsx line 43", a line of the YAML memplan wrote in memory. They now name the
    file alone (Markdown and --explain too); an inventory's findings keep their lines."""
    sarif = CliRunner().invoke(app, ["check", str(EXAMPLE), "-f", "sarif"])
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    assert results
    for r in results:
        assert r["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": str(EXAMPLE)}}
    github = CliRunner().invoke(app, ["check", str(EXAMPLE), "-f", "github"]).stdout
    assert github.startswith(f"::warning file={EXAMPLE},title=MP208 host-not-listed::")
    assert ",line=" not in github
    markdown = CliRunner().invoke(app, ["check", str(EXAMPLE), "-f", "markdown"]).stdout
    assert f"({EXAMPLE})" in markdown
    assert f"{EXAMPLE}:" not in markdown
    yaml_file = tmp_path / "inv.yaml"
    yaml_file.write_text(CliRunner().invoke(app, ["import", "rvtools", str(EXAMPLE)]).stdout)
    github = CliRunner().invoke(app, ["check", str(yaml_file), "-f", "github"]).stdout
    assert f"::warning file={yaml_file},line=" in github


def test_clusters_of_one_name_in_two_datacenters_stay_apart(tmp_path: Path) -> None:
    """Audit 2026-12-07, item 4: the real export with two of its seven hosts moved to a
    datacenter DC-B whose cluster is also named Cluster (vSphere allows it) showed one
    7-host cluster, and the last vCluster row's 'HA disabled' applied to both. Each is now
    its own cluster, NAME (DATACENTER), with its own hosts and HA settings; the VMs
    (all on hosts vHost does not list, in datacenter Datacenter) stay in theirs."""
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb["vHost"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("Host")].value in ("10.17.135.71", "10.203.51.150"):
            row[header.index("Datacenter")].value = "DC-B"
    if "vCluster" in wb.sheetnames:
        del wb["vCluster"]
    ws = wb.create_sheet("vCluster")
    ws.append(["Name", "Datacenter", "HA enabled", "Failover Level"])
    ws.append(["Cluster", "Datacenter", "True", 1])
    ws.append(["Cluster", "DC-B", "False", 1])
    wb.save(tmp_path / "twodc.xlsx")
    r = rvtools.read([str(tmp_path / "twodc.xlsx")])
    members: dict[str | None, set[str]] = {}
    for h in r.hosts:
        members.setdefault(h.cluster, set()).add(h.name)
    assert members == {
        "Cluster (DC-B)": {"10.17.135.71", "10.203.51.150"},
        "Cluster (Datacenter)": {"10.106.128.200", "10.109.244.178", "10.144.66.242",
                                 "10.2.150.53", "10.216.245.229"},
    }  # fmt: skip
    assert (
        r.clusters["Cluster (DC-B)"].ha_enabled,
        r.clusters["Cluster (Datacenter)"].ha_enabled,
    ) == (False, True)
    assert {v.cluster for v in r.vms} == {"Cluster (Datacenter)"}
    assert (
        "cluster name Cluster is used in 2 datacenters: kept apart as 'Cluster (DC-B)',"
        " 'Cluster (Datacenter)', each with its own hosts and HA settings"
    ) in [n.text for n in r.repairs]

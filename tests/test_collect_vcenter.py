"""``memplan collect vcenter`` against govmomi's vCenter simulator over TLS (tests/vcsim).

The simulator serves the inventory SPEC below (set on its objects exactly, quickStats
included); each test runs the real command through pyVmomi's SOAP client and compares
what it wrote, field by field, with the figures in SPEC converted by hand.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from memplan.cli import app
from memplan.errors import UsageError
from memplan.importers import vcenter
from memplan.importers.common import ImportResult
from tests.vcsim_server import PASSWORD, USERNAME, Vcsim

GIB = 1 << 30

SPEC: dict[str, Any] = {
    "datacenter": "dc-east",
    "clusters": [
        {
            "name": "prod",
            "ha": {
                "enabled": True,
                "admission_control": True,
                "policy": "percentage",
                "memory_percent": 25,
                "cpu_percent": 30,
            },
            "drs": {"enabled": True, "behavior": "fullyAutomated"},
            "hosts": [
                {
                    "name": "esx01.prod.example",
                    "memory_size": 512 * GIB,
                    "version": "8.0.2",
                    "overall_memory_usage": 200_000,
                    "vms": [
                        {
                            "name": "db01",
                            "memory_mb": 65536,
                            "vcpus": 8,
                            "power": "poweredOn",
                            "reservation": 32768,
                            "limit": -1,
                            "shares_level": "high",
                            "shares": 1310720,
                            "host_memory_usage": 60_100,
                            "guest_memory_usage": 20_000,
                            "consumed_overhead_memory": 100,
                            "ballooned_memory": 1024,
                            "swapped_memory": 256,
                            "instance_uuid": "50112233-4455-6677-8899-aabbccddeeff",
                            "maxmemctl": "4096",
                        },
                        {
                            "name": "web01",
                            "memory_mb": 8192,
                            "vcpus": 2,
                            "power": "poweredOn",
                            "limit": 6144,
                            "shares_level": "custom",
                            "shares": 12345,
                            "host_memory_usage": 7000,
                            "guest_memory_usage": 1500,
                            "consumed_overhead_memory": 40,
                            "instance_uuid": "50112233-0000-0000-0000-000000000002",
                            "maxmemctl": "0",
                        },
                    ],
                },
                {
                    "name": "esx02.prod.example",
                    "memory_size": 384 * GIB,
                    "version": "7.0.3",
                    "overall_memory_usage": 50_000,
                    "vms": [
                        {
                            "name": "app01",
                            "memory_mb": 4096,
                            "vcpus": 1,
                            "power": "poweredOff",
                            "host_memory_usage": 0,
                            "instance_uuid": "50112233-0000-0000-0000-000000000003",
                        },
                        {
                            "name": "tmpl-linux",
                            "memory_mb": 2048,
                            "vcpus": 1,
                            "power": "poweredOff",
                            "template": True,
                        },
                    ],
                },
            ],
        },
        {
            "name": "dev",
            "ha": {
                "enabled": True,
                "admission_control": False,
                "policy": "failover-level",
                "failover_level": 1,
            },
            "drs": {"enabled": False, "behavior": "manual"},
            "hosts": [
                {"name": "esx10.dev.example", "memory_size": 128 * GIB, "version": "8.0.3"},
                {
                    "name": "esx11.dev.example",
                    "memory_size": 128 * GIB,
                    "version": "8.0.3",
                    "connection": "notResponding",
                    "overall_memory_usage": 9000,
                },
            ],
        },
        {
            "name": "dmz",
            "ha": {
                "enabled": True,
                "admission_control": True,
                "policy": "dedicated",
                "failover_hosts": ["esx21.dmz.example"],
            },
            "hosts": [
                {"name": "esx20.dmz.example", "memory_size": 256 * GIB, "version": "8.0.3"},
                {"name": "esx21.dmz.example", "memory_size": 256 * GIB, "version": "8.0.3"},
            ],
        },
        {
            "name": "auto",
            "ha": {
                "enabled": True,
                "admission_control": True,
                "policy": "percentage",
                "auto_compute": True,
                "failover_level": 2,
            },
            "hosts": [
                {"name": f"esx3{i}.auto.example", "memory_size": 256 * GIB, "version": "8.0.3"}
                for i in range(3)
            ],
        },
        {
            "name": "lab",
            "ha": {"enabled": False, "admission_control": False},
            "hosts": [{"name": "esx40.lab.example", "memory_size": 64 * GIB, "version": "7.0.3"}],
        },
    ],
    "hosts": [
        {
            "name": "esx99.branch.example",
            "memory_size": 96 * GIB,
            "version": "6.7.0",
            "maintenance": True,
            "vms": [
                {
                    "name": "branch-fs",
                    "memory_mb": 16384,
                    "vcpus": 4,
                    "power": "poweredOn",
                    "host_memory_usage": 16384,
                    "guest_memory_usage": 4000,
                    "instance_uuid": "50112233-0000-0000-0000-000000000099",
                }
            ],
        }
    ],
}


HISTORY_DAYS = 400
"""Days of history the simulator holds: more than the year vCenter keeps."""

# Daily averages in KB, oldest first, the last one for yesterday: db01 consumes 1,000 MiB
# plus one MiB per day of history, active a tenth of that; esx01 200,000 MiB plus 10 MiB
# per day. app01 (off now) has history too; web01 has none.
SPEC["perf"] = {
    "db01": {
        "mem.consumed.average": [(1000 + i) * 1024 for i in range(HISTORY_DAYS)],
        "mem.active.average": [(100 + i) * 1024 for i in range(HISTORY_DAYS)],
    },
    "app01": {"mem.consumed.average": [2048 * 1024] * HISTORY_DAYS},
    "esx01.prod.example": {
        "mem.consumed.average": [(200_000 + 10 * i) * 1024 for i in range(HISTORY_DAYS)]
    },
}


@pytest.fixture(scope="module")
def sim() -> Iterator[Vcsim]:
    with Vcsim(SPEC) as server:
        yield server


def collect(
    sim: Vcsim, *args: str, env: dict[str, str] | None = None, ca: bool = True
) -> tuple[int, str, str]:
    base = ["collect", "vcenter", "--server", sim.server, "--username", USERNAME]
    if ca:
        base += ["--ca-file", str(sim.ca)]
    environment = {"MEMPLAN_VCENTER_PASSWORD": PASSWORD, "GOVC_URL": None, "GOVC_USERNAME": None,
                   "GOVC_PASSWORD": None, "GOVC_TLS_CA_CERTS": None, "GOVC_INSECURE": None}  # fmt: skip
    environment.update(env or {})
    result = CliRunner(env=environment).invoke(app, [*base, *args])
    return result.exit_code, result.stdout, result.stderr


def sessions(sim: Vcsim) -> list[str]:
    """User names of the simulator's open sessions, other than the one asking."""
    from pyVim.connect import Disconnect, SmartConnect

    si = SmartConnect(
        host="127.0.0.1",
        port=int(sim.server.split(":")[1]),
        user=USERNAME,
        pwd=PASSWORD,
        sslContext=ssl.create_default_context(cafile=str(sim.ca)),
    )
    try:
        manager = si.content.sessionManager
        mine = manager.currentSession.key
        return [s.userName for s in manager.sessionList or () if s.key != mine]
    finally:
        Disconnect(si)


@pytest.fixture(scope="module")
def collected(sim: Vcsim, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("collect") / "inventory.yaml"
    code, stdout, stderr = collect(sim, "-o", str(out))
    assert code == 0, stderr
    assert stdout == ""
    return out, stderr


def _doc(collected: tuple[Path, str]) -> dict[str, Any]:
    doc = yaml.safe_load(collected[0].read_text())
    assert isinstance(doc, dict)
    return doc


def _clusters(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in doc["clusters"]}


def _hosts(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    hosts = [h for c in doc["clusters"] for h in c["hosts"]] + doc.get("hosts", [])
    return {h["name"]: h for h in hosts}


def _vms(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for h in _hosts(doc).values() for v in h.get("vms", [])}


def test_vms_round_trip_field_by_field(collected: tuple[Path, str]) -> None:
    vms = _vms(_doc(collected))
    assert set(vms) == {"db01", "web01", "app01", "tmpl-linux", "branch-fs"}
    # db01: consumed = hostMemoryUsage 60,100 - consumedOverheadMemory 100 = 60,000 MiB
    assert vms["db01"] == {
        "name": "db01",
        "memory": "64GiB",
        "vcpus": 8,
        "reservation": "32GiB",
        "shares": "high",
        "consumed": "60000MiB",
        "active": "20000MiB",
        "overhead": "100MiB",
        "ballooned": "1GiB",
        "swapped": "256MiB",
        "balloon_max": "4GiB",
        "uuid": "50112233-4455-6677-8899-aabbccddeeff",
    }
    # web01: custom shares are a number; a limit; maxmemctl 0 disables the balloon
    assert vms["web01"] == {
        "name": "web01",
        "memory": "8GiB",
        "vcpus": 2,
        "limit": "6GiB",
        "shares": 12345,
        "consumed": "6960MiB",
        "active": "1500MiB",
        "overhead": "40MiB",
        "balloon_max": 0,
        "uuid": "50112233-0000-0000-0000-000000000002",
    }
    # powered off: no quickStats are read
    assert vms["app01"] == {
        "name": "app01",
        "memory": "4GiB",
        "power": "off",
        "uuid": "50112233-0000-0000-0000-000000000003",
    }
    assert vms["tmpl-linux"]["power"] == "off"
    assert vms["tmpl-linux"]["tags"] == ["template"]
    # no overhead reported: consumed is hostMemoryUsage as it is, overhead left to memplan
    assert vms["branch-fs"]["consumed"] == "16GiB"
    assert "overhead" not in vms["branch-fs"]


def test_hosts_round_trip(collected: tuple[Path, str]) -> None:
    doc = _doc(collected)
    hosts = _hosts(doc)
    assert hosts["esx01.prod.example"]["memory"] == "512GiB"
    assert hosts["esx01.prod.example"]["esxi"] == "8.0.2"
    assert hosts["esx02.prod.example"]["memory"] == "384GiB"
    assert hosts["esx02.prod.example"]["esxi"] == "7.0.3"
    assert [h["name"] for h in doc["hosts"]] == ["esx99.branch.example"]
    assert hosts["esx99.branch.example"]["esxi"] == "6.7.0"
    assert "managed" not in hosts["esx01.prod.example"]
    # quickStats.overallMemoryUsage 200,000 MiB is what the host is observed to use
    assert hosts["esx01.prod.example"]["observed"] == {
        "consumed": "200000MiB",
        "source": "vCenter quickStats",
    }
    assert hosts["esx02.prod.example"]["observed"]["consumed"] == "50000MiB"
    assert "maintenance" not in hosts["esx01.prod.example"]
    assert hosts["esx99.branch.example"]["maintenance"] is True
    # not responding: no capacity either, and its stale usage is not taken as observed
    assert hosts["esx11.dev.example"]["maintenance"] is True
    assert "observed" not in hosts["esx11.dev.example"]
    assert "observed" not in hosts["esx10.dev.example"]  # 0: none reported
    clusters = _clusters(doc)
    assert [h["name"] for h in clusters["prod"]["hosts"]] == [
        "esx01.prod.example",
        "esx02.prod.example",
    ]


def test_ha_as_configured(collected: tuple[Path, str]) -> None:
    clusters = _clusters(_doc(collected))
    assert clusters["prod"]["ha"] == {"policy": "percentage", "percentage": "25%"}
    # HA on with admission control off: HA restarts VMs, but holds nothing back
    assert clusters["dev"]["ha"] == {"policy": "slots", "failures": 1, "admission_control": False}
    assert clusters["dmz"]["ha"] == {"policy": "dedicated", "failover_hosts": ["esx21.dmz.example"]}
    assert clusters["auto"]["ha"] == {"policy": "host-failures", "failures": 2}
    assert clusters["lab"]["ha"] == {"policy": "disabled"}


def test_drs_as_configured(collected: tuple[Path, str]) -> None:
    clusters = _clusters(_doc(collected))
    assert clusters["prod"]["drs"] == {"enabled": True, "automation": "fully-automated"}
    assert clusters["dev"]["drs"] == {"enabled": False}
    # the simulator creates clusters with DRS on and no default behaviour: vSphere's default
    assert clusters["lab"]["drs"] == {"enabled": True, "automation": "fully-automated"}


def test_check_reads_ha_as_configured_and_hosts_as_observed(collected: tuple[Path, str]) -> None:
    result = CliRunner().invoke(app, ["check", str(collected[0]), "--format", "json"])
    assert result.exit_code in (0, 1), result.stderr
    report = json.loads(result.stdout)
    bases = {c["name"]: c["ha"]["basis"] for c in report["clusters"] if c["ha"] is not None}
    assert bases == dict.fromkeys(["prod", "dev", "dmz", "auto", "lab"], "configured")
    hosts = {h["name"]: h for h in report["hosts"]}
    assert hosts["esx01.prod.example"]["observed"]["consumed_bytes"] == 200_000 << 20
    assert hosts["esx99.branch.example"]["maintenance"] is True


def test_collected_is_the_servers_time_and_validates(collected: tuple[Path, str]) -> None:
    out, stderr = collected
    when = _doc(collected)["collected"]
    assert isinstance(when, datetime)
    assert abs(when.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(minutes=5)
    assert stderr.splitlines()[:2] == [
        "import: host esx11.dev.example: notResponding; planned with no capacity",
        "import: host esx99.branch.example: in maintenance mode; planned with no capacity",
    ]
    assert "imported 5 VMs, 11 hosts, 5 clusters from vCenter 127.0.0.1:" in stderr
    result = CliRunner().invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.stderr
    checked = CliRunner().invoke(app, ["check", str(out), "--format", "json"])
    assert checked.exit_code in (0, 1), checked.stderr


def test_password_is_never_written(sim: Vcsim, tmp_path: Path) -> None:
    code, stdout, stderr = collect(sim)
    assert code == 0, stderr
    assert PASSWORD not in stdout + stderr
    assert "db01" in stdout  # without -o the inventory goes to stdout


def test_cluster_filter_leaves_out_other_clusters_and_standalone_hosts(sim: Vcsim) -> None:
    code, stdout, stderr = collect(sim, "--cluster", "dev", "--cluster", "dmz")
    assert code == 0, stderr
    doc = yaml.safe_load(stdout)
    assert [c["name"] for c in doc["clusters"]] == ["dev", "dmz"]
    assert "hosts" not in doc
    assert stderr.endswith("; 0 rows skipped, 1 repair\n")  # esx11; no VM reported missing


def test_unknown_cluster_or_datacenter_is_a_usage_error(sim: Vcsim) -> None:
    code, stdout, stderr = collect(sim, "--cluster", "nope")
    assert (code, stdout) == (2, "")
    assert stderr == "memplan: error: --cluster 'nope': no such cluster in vCenter\n"
    code, _, stderr = collect(sim, "--datacenter", "dc-west")
    assert code == 2
    assert stderr == "memplan: error: --datacenter 'dc-west': no such datacenter in vCenter\n"
    code, stdout, stderr = collect(sim, "--datacenter", "dc-east", "--cluster", "lab")
    assert code == 0, stderr
    assert sessions(sim) == []  # logged out after the usage errors too


def test_logs_out(sim: Vcsim) -> None:
    assert collect(sim)[0] == 0
    assert sessions(sim) == []


def test_untrusted_certificate_exits_4_and_writes_nothing(sim: Vcsim, tmp_path: Path) -> None:
    out = tmp_path / "inv.yaml"
    code, stdout, stderr = collect(sim, "-o", str(out), ca=False)
    assert (code, stdout) == (4, "")
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith(f"memplan: error: vCenter {sim.server}: TLS certificate not trusted:")
    # the simulator sends its CA along: trusted by nobody here
    assert "self-signed certificate in certificate chain" in stderr
    assert "--ca-file" in stderr
    assert not out.exists()


def test_another_ca_is_not_trusted(sim: Vcsim, tmp_path: Path) -> None:
    with Vcsim({"datacenter": "x"}) as other:
        code, _, stderr = collect(sim, "--ca-file", str(other.ca), ca=False)
    assert code == 4
    assert "TLS certificate not trusted" in stderr


def test_wrong_password_exits_4(sim: Vcsim, tmp_path: Path) -> None:
    out = tmp_path / "inv.yaml"
    code, stdout, stderr = collect(sim, "-o", str(out), env={"MEMPLAN_VCENTER_PASSWORD": "wrong"})
    assert (code, stdout) == (4, "")
    assert stderr == (
        f"memplan: error: vCenter {sim.server}: login failed for '{USERNAME}':"
        " wrong user name or password\n"
    )
    assert not out.exists()


def test_unreachable_server_exits_4() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner(env={"MEMPLAN_VCENTER_PASSWORD": "x"}).invoke(
        app, ["collect", "vcenter", "--server", f"127.0.0.1:{port}", "--username", "u"]
    )
    assert result.exit_code == 4
    assert result.stderr == (
        f"memplan: error: vCenter 127.0.0.1:{port}: unreachable: Connection refused\n"
    )


def test_insecure_warns_and_connects(sim: Vcsim) -> None:
    code, stdout, stderr = collect(sim, "--insecure", ca=False)
    assert code == 0, stderr
    assert stderr.startswith(
        f"memplan: warning: --insecure: the certificate of {sim.server} is not verified"
    )
    assert "db01" in stdout


def test_govc_environment(sim: Vcsim) -> None:
    env = {
        "MEMPLAN_VCENTER_PASSWORD": None,
        "GOVC_URL": f"https://{sim.server}/sdk",
        "GOVC_USERNAME": USERNAME,
        "GOVC_PASSWORD": PASSWORD,
        "GOVC_TLS_CA_CERTS": str(sim.ca),
    }
    result = CliRunner(env=env).invoke(app, ["collect", "vcenter", "--cluster", "lab"])
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout)["clusters"][0]["name"] == "lab"
    env2 = {**env, "GOVC_TLS_CA_CERTS": None, "GOVC_INSECURE": "1"}
    result = CliRunner(env=env2).invoke(app, ["collect", "vcenter", "--cluster", "lab"])
    assert result.exit_code == 0, result.stderr
    assert "warning: --insecure" in result.stderr


def test_no_password_off_a_terminal_is_a_usage_error(sim: Vcsim) -> None:
    code, stdout, stderr = collect(sim, env={"MEMPLAN_VCENTER_PASSWORD": None})
    assert (code, stdout) == (2, "")
    assert "no password: set MEMPLAN_VCENTER_PASSWORD" in stderr


def test_required_options() -> None:
    env = {"GOVC_URL": None, "GOVC_USERNAME": None}
    result = CliRunner(env=env).invoke(app, ["collect", "vcenter", "--username", "u"])
    assert result.exit_code == 2
    assert result.stderr == "memplan: error: --server is required (or set GOVC_URL)\n"
    result = CliRunner(env=env).invoke(app, ["collect", "vcenter", "--server", "vc"])
    assert result.stderr == "memplan: error: --username is required (or set GOVC_USERNAME)\n"


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("vc.example", ("vc.example", 443, None, None)),
        ("vc.example:8443", ("vc.example", 8443, None, None)),
        ("https://vc.example/sdk", ("vc.example", 443, None, None)),
        ("https://admin:pw@10.0.0.5:444/sdk", ("10.0.0.5", 444, "admin", "pw")),
    ],
)
def test_parse_server(url: str, parsed: tuple[str, int, str | None, str | None]) -> None:
    assert vcenter.parse_server(url) == parsed


@pytest.mark.parametrize("url", ["ftp://vc.example", "https://", "vc.example:99999"])
def test_parse_server_refuses(url: str) -> None:
    with pytest.raises(UsageError):
        vcenter.parse_server(url)


def _history_days() -> list[date]:
    """The day each of the simulator's samples covers: the last one yesterday (UTC)."""
    today = datetime.now(UTC).date()
    return [today - timedelta(days=HISTORY_DAYS - i) for i in range(HISTORY_DAYS)]


def test_percentile_is_nearest_rank() -> None:
    assert vcenter.percentile(list(range(1, 21))) == 19  # ceil(0.95 x 20) = 19th
    assert vcenter.percentile(list(range(30, 0, -1))) == 29  # ceil(28.5) = 29th
    assert vcenter.percentile(list(range(1, 32))) == 30  # ceil(29.45) = 30th
    assert vcenter.percentile([7]) == 7


def test_history_writes_monthly_snapshots_of_peaks(sim: Vcsim, tmp_path: Path) -> None:
    out = tmp_path / "inv.yaml"
    code, stdout, stderr = collect(sim, "-o", str(out), "--history", "12m", "--cluster", "prod")
    assert (code, stdout) == (0, ""), stderr
    today = datetime.now(UTC).date()
    first = date(today.year - (today.month <= 11), (today.month - 12) % 12 + 1, 1)
    by_month: dict[str, list[int]] = {}
    for i, day in enumerate(_history_days()):
        if day >= first:
            by_month.setdefault(day.strftime("%Y-%m"), []).append(i)
    folder = tmp_path / "inv-history"
    assert sorted(p.name for p in folder.iterdir()) == [f"{m}.yaml" for m in sorted(by_month)]
    assert len(by_month) in (11, 12)  # 12 months with the current one; 11 on the 1st
    assert f"history: {len(by_month)} monthly snapshots" in stderr
    assert "; 1 VM without any history left out of them\n" in stderr  # web01
    for month, indices in by_month.items():
        path = folder / f"{month}.yaml"
        doc = yaml.safe_load(path.read_text())
        # the series rise by day, so the 95th percentile is the day at rank ceil(0.95 n)
        peak = indices[-(-95 * len(indices) // 100) - 1]
        vms = _vms(doc)
        assert set(vms) == {"db01", "app01"}, month
        assert vms["db01"]["consumed"] == f"{1000 + peak}MiB"
        assert vms["db01"]["active"] == f"{100 + peak}MiB"
        assert "ballooned" not in vms["db01"]  # only today's quickStats say that
        assert vms["app01"]["consumed"] == "2GiB"
        assert "power" not in vms["app01"]  # it ran that month
        host = _hosts(doc)["esx01.prod.example"]
        assert host["observed"]["consumed"] == f"{200_000 + 10 * peak}MiB"
        assert host["observed"]["source"].startswith("vCenter daily history, 95th percentile")
        assert "observed" not in _hosts(doc)["esx02.prod.example"]
        last = _history_days()[indices[-1]]
        assert doc["collected"] == datetime(last.year, last.month, last.day, tzinfo=UTC)
        assert CliRunner().invoke(app, ["validate", str(path)]).exit_code == 0
    assert _vms(_doc((out, "")))["db01"]["consumed"] == "60000MiB"  # today's quickStats


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--history", "2y", "-o", "x.yaml"], "--history 2y: vCenter keeps daily statistics"),
        (["--history", "400d", "-o", "x.yaml"], "give 1d to 366d"),
        (["--history", "12"], "--history: cannot read '12' as a duration"),
        (["--history", "3m"], "--history needs -o FILE or --history-dir DIR"),
    ],
)
def test_history_usage_errors(sim: Vcsim, args: list[str], message: str) -> None:
    code, _, stderr = collect(sim, *args)
    assert code == 2
    assert message in stderr


def test_trend_reads_the_history_folder(sim: Vcsim, tmp_path: Path) -> None:
    """db01 consumes one MiB more each day: 365.25 / 12 = 30.44 MiB a month, on esx01."""
    out = tmp_path / "inv.yaml"
    assert collect(sim, "-o", str(out), "--history", "12m", "--cluster", "prod")[0] == 0
    result = CliRunner().invoke(app, ["trend", str(tmp_path / "inv-history"), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    hosts = {h["name"]: h for h in json.loads(result.stdout)["hosts"]}
    slope = hosts["esx01.prod.example"]["trend"]["bytes_per_month"]
    assert slope == pytest.approx(365.25 / 12 * (1 << 20), rel=0.01)


def test_progress_is_reported(sim: Vcsim) -> None:
    calls: list[tuple[str, int, int]] = []
    target = vcenter.Target("127.0.0.1", int(sim.server.split(":")[1]), USERNAME, (str(sim.ca),))
    since = datetime.now(UTC) - timedelta(days=30)
    result, past = vcenter.collect(
        target, PASSWORD, progress=lambda *a: calls.append(a), history_since=since
    )
    assert len(result.vms) == 5
    assert past is not None
    # 5 VMs read; history of the 11 hosts and 4 VMs that are not templates
    assert calls == [("reading VMs", 5, 5), ("reading history", 15, 15)]


def test_maxmemctl_by_key_or_among_all_options() -> None:
    """vCenter takes config.extraConfig["sched.mem.maxmemctl"] (one option, not dozens);
    the whole list is read where a server does not (the simulator, tested above)."""
    from pyVmomi import vim

    host = vim.HostSystem("host-1")
    option = vim.option.OptionValue(key="sched.mem.maxmemctl", value="1536")
    for path, value in ((vcenter.MAXMEMCTL, option), (vcenter.ALL_OPTIONS, [option])):
        result = ImportResult("test")
        props = {"name": "vm1", "runtime.host": host, "config.hardware.memoryMB": 4096, path: value}
        vm = vcenter._vm(props, {"host-1": "esx01"}, set(), result)
        assert vm is not None
        assert vm.balloon_max == 1536 << 20


def test_the_simulator_gets_every_option(sim: Vcsim) -> None:
    from pyVim.connect import Disconnect, SmartConnect

    si = SmartConnect(
        host="127.0.0.1",
        port=int(sim.server.split(":")[1]),
        user=USERNAME,
        pwd=PASSWORD,
        sslContext=ssl.create_default_context(cafile=str(sim.ca)),
    )
    try:
        assert vcenter._options_path(si, si.content.rootFolder) == vcenter.ALL_OPTIONS
    finally:
        Disconnect(si)


def test_password_prompt_on_a_terminal(sim: Vcsim, tmp_path: Path) -> None:
    """On a terminal with no password in the environment, memplan asks without echo."""
    import os
    import pty
    import select
    import signal
    import sys
    import time

    out = tmp_path / "inv.yaml"
    env = {k: v for k, v in os.environ.items() if "PASSWORD" not in k and not k.startswith("GOVC")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    args = [sys.executable, "-c", "from memplan.cli import main; main()", "collect", "vcenter"]
    args += ["--server", sim.server, "--username", USERNAME, "--ca-file", str(sim.ca)]
    args += ["--cluster", "prod", "-o", str(out)]
    pid, fd = pty.fork()
    if pid == 0:  # the child: memplan on the terminal
        os.execve(sys.executable, args, env)
    seen = b""
    typed = False
    deadline = time.monotonic() + 60
    while True:
        if not select.select([fd], [], [], max(deadline - time.monotonic(), 0))[0]:
            os.kill(pid, signal.SIGKILL)  # waiting for something that never came
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal closed: memplan ended
            break
        if not chunk:
            break
        seen += chunk
        if not typed and b"Password for" in seen:
            os.write(fd, PASSWORD.encode() + b"\n")
            typed = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert f"Password for {USERNAME} at {sim.server}: " in text
    assert PASSWORD not in text  # not echoed
    # import: lines wrap at the terminal's width (this one reports 0 columns: 40)
    assert "imported 4 VMs, 2 hosts, 1 cluster" in " ".join(text.split())
    assert "db01" in out.read_text()


def _dc(name: str, host: str) -> dict[str, Any]:
    vm = {"name": "web", "memory_mb": 2048, "vcpus": 1, "power": "poweredOff"}
    return {
        "datacenter": name,
        "clusters": [
            {
                "name": "prod",
                "hosts": [{"name": host, "memory_size": 64 * GIB, "version": "8.0.3", "vms": [vm]}],
            }
        ],
    }


def test_two_datacenters_with_the_same_names(tmp_path: Path) -> None:
    """Cluster names repeat across datacenters: each is qualified by its datacenter, as the
    RVTools import names them, with a note;
    a VM name seen twice with distinct instance UUIDs is two VMs, each kept and renamed
    'NAME (UUID)' with a note, as the RVTools and govc imports do."""
    spec = {**_dc("dc-a", "esx-a.example"), "datacenters": [_dc("dc-b", "esx-b.example")]}
    with Vcsim(spec) as sim:
        code, stdout, stderr = collect(sim)
        assert code == 0, stderr
        clusters = {c["name"]: c for c in yaml.safe_load(stdout)["clusters"]}
        assert set(clusters) == {"prod (dc-a)", "prod (dc-b)"}
        assert clusters["prod (dc-a)"]["hosts"][0]["name"] == "esx-a.example"
        assert clusters["prod (dc-b)"]["hosts"][0]["name"] == "esx-b.example"
        assert (
            "import: cluster name prod is used in 2 datacenters: kept apart as 'prod (dc-a)',"
            " 'prod (dc-b)', each with its own hosts and HA settings"
        ) in " ".join(stderr.split())
        vms = [v for c in clusters.values() for h in c["hosts"] for v in h.get("vms", [])]
        assert sorted(v["name"] for v in vms) == sorted(f"web ({v['uuid']})" for v in vms)
        assert len({v["uuid"] for v in vms}) == 2
        assert "2 VMs named web with distinct UUIDs" in " ".join(stderr.split())
        code, stdout, stderr = collect(sim, "--datacenter", "dc-b")
        assert code == 0, stderr
        (only,) = yaml.safe_load(stdout)["clusters"]
        assert only["name"] == "prod"
        assert only["hosts"][0]["name"] == "esx-b.example"
        assert only["hosts"][0]["vms"][0]["name"] == "web"


def test_a_fault_while_reading_is_one_line_and_logs_out(
    sim: Vcsim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A role without System.Read somewhere makes vCenter answer NoPermission mid-way."""
    from pyVmomi import vim

    def refuse(*args: object) -> None:
        raise vim.fault.NoPermission(msg="Permission to perform this operation was denied.")

    monkeypatch.setattr(vcenter, "_read", refuse)
    code, stdout, stderr = collect(sim)
    assert (code, stdout) == (4, "")
    assert stderr == (
        f"memplan: error: vCenter {sim.server}: refused: NoPermission:"
        " Permission to perform this operation was denied.\n"
    )
    assert sessions(sim) == []

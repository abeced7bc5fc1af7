"""Headroom: hand-computed counts on mixed host sizes, HA, and the command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from memplan import engine, inventory
from memplan.cli import app
from memplan.model import MemState
from tests.helpers import ROOT

MIXED = """version: 1
clusters:
  - name: c
    hosts:
      - {name: big, memory: 256GiB, system_reserved: 0}
      - {name: small, memory: 128GiB, system_reserved: 0}
"""
SHAPE = "16GiB,overhead=0,active=100%"


def _report(text: str, tmp_path: object, shape: str = SHAPE, keep: MemState = MemState.CLEAR):
    path = tmp_path / "inv.yaml"  # type: ignore[operator]
    path.write_text(text)
    inv, vm = inventory.load_with_shape(str(path), (), shape)
    return engine.headroom_report(inv, vm, keep)


def test_mixed_host_sizes(tmp_path: object) -> None:
    """Clear state needs free >= minFree (reading B). 128 GiB host: minFree = 901.12 + 1% x
    (131072 - 28672) = 1925.12 MiB, so demand <= 129146.88 MiB: 7 VMs of 16384 MiB.
    256 GiB host: minFree 3235.84 MiB, demand <= 258908.16 MiB: 15 VMs. Placed on the
    host with the most free memory each time, the cluster takes 7 + 15 = 22. One more
    leaves a host with no free memory and nothing idle to balloon: low. The cluster has no
    ha: but two hosts, so HA is assumed (one failure): the worst failure is the big host's,
    and the small host alone holds 7."""
    r = _report(MIXED, tmp_path)
    assert [(h.host, h.count, h.limit) for h in r.hosts] == [
        ("big", 15, "one more: low"), ("small", 7, "one more: low")]  # fmt: skip
    (c,) = r.clusters
    assert (c.count, c.count_ha) == (22, 7)


def test_ha_keeps_failover_capacity(tmp_path: object) -> None:
    """With one host failure tolerated, whichever host dies, the other must run every VM
    in the clear state: the small host holds at most 7, so 7 (not 22, and not the
    "average host" figure)."""
    r = _report(MIXED.replace("  - name: c\n", "  - name: c\n    ha: {failures: 1}\n"), tmp_path)
    (c,) = r.clusters
    assert (c.count, c.count_ha, c.limit_ha) == (22, 7, "one more breaks HA failover")


def test_keep_soft_allows_ballooning(tmp_path: object) -> None:
    """Idle VMs (10% active) can be ballooned: keeping soft admits more than keeping clear."""
    clear = _report(MIXED, tmp_path, "16GiB,overhead=0,active=10%")
    soft = _report(MIXED, tmp_path, "16GiB,overhead=0,active=10%", MemState.SOFT)
    assert soft.clusters[0].count > clear.clusters[0].count == 22


def test_admission_limits_reserved_shapes(tmp_path: object) -> None:
    """Fully reserved 100 GiB VMs: the 128 GiB host (128 GiB capacity) admits one."""
    r = _report(MIXED, tmp_path, "100GiB,overhead=0,reservation=all")
    assert {h.host: h.count for h in r.hosts}["small"] == 1


def test_cli_headroom(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(
        app, ["headroom", "samples/small.yaml", "--vm", "16GiB,vcpus=4", "-f", "json"]
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["shape"]["vcpus"] == 4
    assert doc["clusters"][0]["count"] > 0
    assert doc["keep_state"] == "clear"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vm", "16"], "--vm:1:1: error: VM '<new VM>' memory 16 has no unit"),
        (["--vm", "16GiB", "--cluster", "ofice"], "no such cluster; did you mean 'office'?"),
        (["--vm", "name=x,memory=1GiB"], "a shape has no name"),
    ],
)
def test_cli_headroom_errors(
    monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["headroom", "samples/small.yaml", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_project_formats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    base = ["project", "samples/small.yaml", "--as-of", "2026-01-01", "--growth", "2%/month",
            "--horizon", "6m", "--step", "3m"]  # fmt: skip
    csv = CliRunner().invoke(app, [*base, "-f", "csv"])
    assert csv.exit_code == 0
    lines = csv.stdout.splitlines()
    assert (
        lines[0] == "month,date,cluster,host,capacity_bytes,demand_bytes,free_bytes,state,new_vms"
    )
    assert len(lines) == 1 + 3 * 3  # months 0, 3, 6 x 3 hosts
    doc = json.loads(CliRunner().invoke(app, [*base, "-f", "json"]).stdout)
    assert doc["as_of"] == "2026-01-01"
    assert [p["month"] for p in doc["points"]][::3] == [0, 3, 6]
    table = CliRunner().invoke(app, base).stdout
    assert "memplan project samples/small.yaml · as of 2026-01-01" in table
    assert "office: neither balloons nor swaps within 6 months" in table

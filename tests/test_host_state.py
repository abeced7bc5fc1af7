"""Host ``observed:`` and ``maintenance:``: what vCenter says of a host now (docs/inventory.md).

A host in maintenance (or disconnected) is no capacity: memplan places nothing on it, HA
neither fails it nor restarts VMs on it, and it adds nothing to cluster capacity or headroom.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
from rich.console import Console

from memplan import engine
from memplan.errors import InventoryError
from memplan.inventory.loader import load_with_shape
from memplan.inventory.schema import schema
from memplan.model import MemState, Observed
from memplan.render.json import to_dict
from memplan.render.table import TableRenderer
from memplan.units import GIB
from tests.helpers import inv, report

OBSERVED = """
hosts:
  - name: esx01
    memory: 128GiB
    observed: {consumed: 50%, ballooned: 1GiB, swapped: 0, source: RVTools vHost}
  - name: esx02
    memory: 64GiB
    observed: {consumed: 40GiB}
  - name: esx03
    memory: 64GiB
"""


def test_observed_reads_sizes_and_a_percentage_of_installed_memory() -> None:
    hosts = {h.name: h for h in inv(OBSERVED).hosts}
    assert hosts["esx01"].observed == Observed(64 * GIB, GIB, 0, "RVTools vHost")
    assert hosts["esx02"].observed == Observed(40 * GIB, None, None, "inventory")
    assert hosts["esx03"].observed is None
    assert not any(h.maintenance for h in hosts.values())


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("{consumed: 150%}", "observed.consumed is above 100%"),
        ("{consumed: 200GiB}", "observed.consumed is above its installed memory"),
        ("{source: vCenter}", "observed needs consumed, ballooned or swapped"),
        ("{consumed: 12}", "observed.consumed 12 has no unit"),
        ("{used: 12GiB}", "unknown"),
    ],
)
def test_a_bad_observed_is_reported_at_its_position(written: str, message: str) -> None:
    text = f"hosts:\n  - name: esx01\n    memory: 128GiB\n    observed: {written}\n"
    with pytest.raises(InventoryError) as err:
        inv(text)
    (problem,) = err.value.problems
    assert message in problem.message
    assert problem.line == 5  # 'version: 1' is line 1


def test_maintenance_must_be_a_boolean() -> None:
    with pytest.raises(InventoryError) as err:
        inv("hosts:\n  - {name: esx01, memory: 128GiB, maintenance: 'yes'}\n")
    (problem,) = err.value.problems
    assert "maintenance must be true or false" in problem.message


def test_a_planned_host_has_no_observed_state() -> None:
    text = """
    clusters:
      - name: c
        hosts: [{name: a, memory: 64GiB}]
    planned:
      - at: 2027-01-01
        add_host: {name: b, memory: 64GiB, cluster: c, maintenance: true}
    """
    with pytest.raises(InventoryError) as err:
        inv(text)
    assert "maintenance" in err.value.problems[0].message


def test_the_schema_accepts_what_the_reader_accepts() -> None:
    validator = jsonschema.Draft202012Validator(schema())
    host = {"name": "h", "memory": "64GiB", "maintenance": True,
            "observed": {"consumed": "50%", "ballooned": "1GiB", "source": "RVTools vHost"}}  # fmt: skip
    validator.validate({"version": 1, "hosts": [host]})
    host["observed"] = {"source": "x"}
    assert not validator.is_valid({"version": 1, "hosts": [host]})
    host["observed"] = {"consumed": "12GiB"}
    host["maintenance"] = "yes"
    assert not validator.is_valid({"version": 1, "hosts": [host]})


MAINTENANCE = """
clusters:
  - name: c
    ha: {policy: host-failures, failures: 1}
    hosts:
      - {name: a, memory: 128GiB, system_reserved: 0}
      - {name: b, memory: 128GiB, system_reserved: 0, maintenance: true}
      - {name: m, memory: 128GiB, system_reserved: 0}
    vms:
      - {name: v1, memory: 16GiB, overhead: 0}
      - {name: v2, memory: 16GiB, overhead: 0}
"""


def test_a_host_in_maintenance_takes_no_placed_vm_and_adds_no_capacity() -> None:
    """v1 and v2 (16 GiB each) go to a and m, each the emptiest admitting host in turn;
    b, in maintenance, takes neither. Cluster capacity is a + m = 256 GiB, free 224 GiB."""
    r = report(MAINTENANCE)
    assert {v.vm.name: v.host for v in r.vms} == {"v1": "a", "v2": "m"}
    (c,) = r.clusters
    assert c.capacity == 256 * GIB
    assert c.free == 256 * GIB - 32 * GIB
    assert c.overcommit_ratio == pytest.approx(32 / 256)


def test_a_host_in_maintenance_is_no_ha_survivor() -> None:
    """Of a and m, failing either leaves the other to restart its 16 GiB VM: b never
    fails and never takes a restarted VM."""
    (c,) = report(MAINTENANCE).clusters
    assert c.ha is not None
    assert c.ha.scenarios == 2  # {a} and {m}: b is not a failure candidate
    assert "b" not in c.ha.failed_hosts
    assert {s.host.name for s in c.ha.survivors} <= {"a", "m"}
    assert all(host != "b" for _, host in c.ha.restarted)


def test_headroom_counts_nothing_on_a_host_in_maintenance(tmp_path: Path) -> None:
    """A 128 GiB host with no reservation for ESXi takes 7 VMs of 16 GiB at 100% active and
    stays clear (tests/test_headroom.py); a and m already hold one 16 GiB VM each (assumed
    fully active), so 6 more each: 12 in the cluster; b, in maintenance, none."""
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\n" + MAINTENANCE.replace("ha: {policy: host-failures, failures: 1}\n    ", "")
    )
    inventory, vm = load_with_shape(str(path), (), "16GiB,overhead=0,active=100%")
    r = engine.headroom_report(inventory, vm, MemState.CLEAR)
    assert [(h.host, h.count, h.limit) for h in r.hosts] == [
        ("a", 6, "one more: low"), ("b", 0, "in maintenance"), ("m", 6, "one more: low")]  # fmt: skip
    assert r.clusters[0].count == 12


def test_json_has_maintenance_and_observed_on_every_host() -> None:
    doc = to_dict(report(OBSERVED + "  - {name: esx04, memory: 64GiB, maintenance: true}\n"))
    hosts = {h["name"]: h for h in doc["hosts"]}
    assert hosts["esx01"]["observed"] == {"consumed_bytes": 64 * GIB, "ballooned_bytes": GIB,
                                          "swapped_bytes": 0, "source": "RVTools vHost",
                                          "vms": None, "vms_total": None,
                                          "configured_bytes": None}  # fmt: skip
    assert hosts["esx03"]["observed"] == {"consumed_bytes": None, "ballooned_bytes": None,
                                          "swapped_bytes": None, "source": None, "vms": None,
                                          "vms_total": None, "configured_bytes": None}  # fmt: skip
    assert [n for n, h in hosts.items() if h["maintenance"]] == ["esx04"]


def test_the_table_marks_a_host_in_maintenance() -> None:
    console = Console(record=True, width=160)
    TableRenderer().render(report(MAINTENANCE), console)
    out = console.export_text()
    assert "cluster c · 3 hosts (1 in maintenance or not connected, no capacity)" in out
    assert "b maint" in out

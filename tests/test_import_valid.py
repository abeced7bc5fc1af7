"""What an import writes passes validation: inventory/imported.py's check of the records,
which lets an import skip parsing its YAML back, never vouches for YAML that fails."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from memplan import inventory
from memplan.cli import app
from memplan.errors import InventoryError
from memplan.esxi import DEFAULT_SYSTEM_RESERVED
from memplan.importers import rvtools
from memplan.importers.common import ClusterRecord, HostRecord, ImportResult, VMRecord, to_yaml
from memplan.inventory.imported import writes_valid
from memplan.units import GIB, MAX_SIZE, MIB
from tests.helpers import DATA

NAMES = ["a", "b", "esx1", "c1", "c2"]
"""Few enough that hypothesis makes duplicates and failover hosts that exist."""

Strategy = st.SearchStrategy[Any]
plain: Strategy = st.one_of(
    st.sampled_from(NAMES),
    st.text(st.characters(categories=["L", "N", "P", "S"], include_characters=" "), min_size=1,
            max_size=8),
)  # fmt: skip
maybe: Strategy = st.one_of(st.none(), plain)
EDGE_TEXTS = ["", "x" * 255, "x" * 256, "\ud800", "a\u2028b", "a\x85b", "a\x7fb", "a\tb",
              "\ufeff", "\u00a0", "\ue000", 'q"\\', "#: [x]", "c1", "esx2", "vm2"]  # fmt: skip
edge_sizes = [None, -1, 0, 1, 3 * MIB + 1, DEFAULT_SYSTEM_RESERVED, DEFAULT_SYSTEM_RESERVED + 1,
              MAX_SIZE, MAX_SIZE + 1, 8.0 * GIB, True]  # fmt: skip
edge_counts = [None, -1, 0, 1, 64, 65, 100, 101, 768, 769, 10**9, 10**9 + 1, 2.0, True]
edge_texts = [None, *EDGE_TEXTS]
EDGES: dict[type, dict[str, list[Any]]] = {
    VMRecord: {
        "name": EDGE_TEXTS, "memory": edge_sizes, "vcpus": edge_counts,
        "reservation": edge_sizes, "limit": edge_sizes, "active": edge_sizes,
        "consumed": edge_sizes, "overhead": edge_sizes, "ballooned": edge_sizes,
        "swapped": edge_sizes, "balloon_max": edge_sizes, "shares": edge_counts,
        "shares_level": ["custom", "odd", None], "uuid": edge_texts,
        "seen_on": edge_texts, "cluster": edge_texts,
    },
    HostRecord: {
        "name": EDGE_TEXTS, "managed": edge_sizes, "installed": edge_sizes,
        "cluster": edge_texts, "observed_consumed": edge_sizes, "observed_ballooned": edge_sizes,
        "observed_swapped": edge_sizes, "observed_configured": edge_sizes,
        "observed_vms": edge_counts, "observed_vms_total": edge_counts,
        "observed_source": edge_texts,
        "esxi": [None, "", "2.5", "3", "8.0.2.1", "8.0.2.1.1", "x", "\uff18.0", " 8.0", "8.0\x85"],
    },
    ClusterRecord: {
        "failures": edge_counts, "percentage": [None, -1, 0, 100, 101, 2.5],
        "policy": [None, "dedicated", "percentage", "slots", "odd"],
        "ha_enabled": [None, False, True], "failover_hosts": [(), ("nowhere",), ("",), ("esx2",)],
    },
}  # fmt: skip
"""Values at and beyond each limit, and of the wrong type, for one field of a record."""


@st.composite
def vm(draw: st.DrawFn, name: str, hosts: list[str]) -> VMRecord:
    memory = draw(st.sampled_from([1, MIB, 3 * MIB + 1, 4 * GIB, 64 * GIB, MAX_SIZE]))
    size = st.one_of(st.none(), st.integers(0, 2 * memory))
    reservation = draw(st.one_of(st.none(), st.integers(0, memory)))
    return VMRecord(
        name, memory, draw(st.one_of(st.none(), st.integers(0, 768))), draw(st.booleans()),
        draw(st.booleans()), draw(st.one_of(st.none(), st.sampled_from([*hosts, "elsewhere"]))),
        draw(st.sampled_from([None, *NAMES])), reservation,
        draw(st.one_of(st.none(), st.integers(reservation or 0, MAX_SIZE))),
        draw(st.sampled_from([None, "low", "normal", "high", "custom"])),
        draw(st.one_of(st.none(), st.integers(1, 10**9))), draw(size), draw(size), draw(size),
        draw(size), draw(size), "test", draw(maybe), draw(size), draw(maybe),
    )  # fmt: skip


@st.composite
def host(draw: st.DrawFn, name: str) -> HostRecord:
    managed = draw(st.integers(DEFAULT_SYSTEM_RESERVED + 1, 1 << 44))
    installed = draw(st.one_of(st.none(), st.integers(managed, MAX_SIZE)))
    size = st.one_of(st.none(), st.integers(0, MAX_SIZE))
    count = st.one_of(st.none(), st.integers(0, 10**9))
    return HostRecord(
        name, managed, installed, draw(st.sampled_from([None, *NAMES])),
        draw(st.sampled_from([None, "8.0", "7.0.3", "6.5", "8"])), "test", draw(size),
        draw(size), draw(size), draw(count), draw(count), draw(size), draw(maybe),
        draw(st.booleans()),
    )  # fmt: skip


@st.composite
def cluster(draw: st.DrawFn, name: str, members: list[str]) -> ClusterRecord:
    policy = draw(st.sampled_from([None, "host-failures", "percentage", "slots", "disabled",
                                   *(["dedicated"] if members else [])]))  # fmt: skip
    return ClusterRecord(
        name, draw(st.one_of(st.none(), st.booleans())),
        draw(st.one_of(st.none(), st.integers(0, 64))), policy,
        draw(st.one_of(st.none(), st.booleans())), draw(st.one_of(st.none(), st.integers(0, 100))),
        tuple(draw(st.lists(st.sampled_from(members), min_size=1, max_size=2))) if members else (),
        draw(st.one_of(st.none(), st.booleans())),
        draw(st.sampled_from([None, "manual", "fullyAutomated", "odd"])),
    )  # fmt: skip


@st.composite
def results(draw: st.DrawFn) -> ImportResult:
    """Records an importer could hand over, at most two of their fields set at or beyond a limit."""
    result = ImportResult("test")
    host_names = draw(st.lists(plain, max_size=4, unique=True))
    result.hosts = [draw(host(n)) for n in host_names]
    result.vms = [draw(vm(n, host_names)) for n in draw(st.lists(plain, max_size=5, unique=True))]
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True)):
        members = [h.name for h in result.hosts if h.cluster == name]
        result.clusters[name] = draw(cluster(name, members))
    result.collected = draw(
        st.one_of(st.none(), st.datetimes(), st.datetimes(timezones=st.just(UTC)))
    )
    records: list[Any] = [*result.hosts, *result.vms, *result.clusters.values()]
    for _ in range(draw(st.integers(0, 2)) if records else 0):
        record = draw(st.sampled_from(records))
        edges = EDGES[type(record)]
        field = draw(st.sampled_from(sorted(edges)))
        setattr(record, field, draw(st.sampled_from(edges[field])))
    return result


headers: Strategy = st.one_of(
    st.just("memplan inventory imported from export.xlsx"), st.sampled_from(EDGE_TEXTS)
)


HOST = HostRecord("esx1", 64 * GIB, None, "c1", "8.0.2", observed_consumed=70 * GIB)


def base() -> ImportResult:
    """A valid result with every field the YAML can hold set, and every way to place a VM."""
    return ImportResult(
        "test",
        [
            VMRecord("vm1", 4 * GIB, 2, False, True, "esx1", "c1", 2 * GIB, 3 * GIB, "custom", 500,
                     8 * GIB, 3 * GIB, 40 * MIB, MIB, MIB, "t", "uuid-1", 2 * GIB),
            VMRecord("vm2", GIB, None, cluster="c2", shares_level="high", seen_on="esx9"),
            VMRecord("vm3", 3 * MIB + 1, 768, host="esx3", limit=0, shares_level="low"),
        ],
        [
            HostRecord("esx1", 64 * GIB, 64 * GIB, "c1", "8.0.2", "t", 70 * GIB, GIB, GIB, 4, 5,
                       100 * GIB, "RVTools vHost", True),
            HostRecord("esx2", 64 * GIB - MIB, None, "c2", "7.0.3", observed_swapped=0),
            HostRecord("esx3", 8 * GIB, None, None, None),
        ],
        {
            "c1": ClusterRecord("c1", True, 64, "dedicated", False, None, ("esx1",), True,
                                "manual"),
            "c2": ClusterRecord("c2", True, 0, "percentage", None, 100),
        },
        collected=datetime(2026, 12, 7, 1, 2, 3, 456, tzinfo=UTC),
    )  # fmt: skip


def test_the_base_result_is_vouched_for_and_valid() -> None:
    result = base()
    assert writes_valid(result, "h")
    inv = inventory.parse(to_yaml(result, "h").encode(), "x.yaml")
    assert [v.name for v in inv.vms] == ["vm1", "vm2", "vm3"]


def test_no_value_at_or_beyond_a_limit_is_vouched_for_wrongly() -> None:
    """Every field of every record of base(), set in turn to each value at and beyond its
    limits: where the check vouches, the YAML validates (about 1,000 cases)."""
    wrong = []
    vouched = refused = 0
    for kind, edges in EDGES.items():
        for field, values in edges.items():
            for value in values:
                for index in range(3):
                    result = base()
                    records: list[Any] = [*result.vms, *result.hosts, *result.clusters.values()]
                    of_kind = [r for r in records if type(r) is kind]
                    if index >= len(of_kind):
                        continue
                    setattr(of_kind[index], field, value)
                    if not writes_valid(result, "h"):
                        refused += 1
                        continue
                    vouched += 1
                    try:
                        inventory.parse(to_yaml(result, "h").encode(), "x.yaml")
                    except InventoryError as exc:
                        wrong.append(f"{kind.__name__}[{index}].{field} = {value!r}: {exc}")
    assert not wrong, "\n".join(wrong)
    assert vouched > 300, vouched  # the check is not so strict that it is never used
    assert refused > 300, refused


def test_headers_and_dates_are_vouched_for_only_when_valid() -> None:
    for header in [*EDGE_TEXTS, "two\nlines", "a\rb", "a\x1cb"]:
        for when in (None, datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)):
            result = base()
            result.collected = when
            if writes_valid(result, header):
                inventory.parse(to_yaml(result, header).encode(), "x.yaml")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(results(), headers)
def test_records_the_check_vouches_for_write_a_valid_inventory(
    result: ImportResult, header: str
) -> None:
    """Random records, some fields at or beyond a limit: whenever writes_valid says True,
    the YAML validates and holds the records' hosts and VMs."""
    vouched = writes_valid(result, header)
    event(f"vouched: {vouched}")
    if not vouched:
        return
    inv = inventory.parse(to_yaml(result, header).encode(), "x.yaml")
    assert {h.name for h in inv.hosts} == {h.name for h in result.hosts}
    assert {v.name for v in inv.vms} <= {v.name for v in result.vms}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"vcpus": 769}, "vcpus is too large (at most 768)"),
        ({"memory": 0}, "memory must be above 0"),
        ({"reservation": 5 * GIB}, "reservation is above its configured memory"),
        ({"shares_level": "custom", "shares": 10**9 + 1}, "shares must be low, normal, high"),
        ({"name": "a\x7fb"}, "control characters are not allowed"),
    ],
)
def test_what_the_check_turns_down_is_parsed_back(change: dict[str, Any], problem: str) -> None:
    """Each rule stands for a real failure of the validator (so it is not a needless parse)."""
    vm = VMRecord(**{"name": "vm1", "memory": 4 * GIB, "host": "esx1", **change})
    result = ImportResult("t", [vm], [HOST])
    assert not writes_valid(result, "h")
    with pytest.raises(InventoryError) as raised:
        inventory.parse(to_yaml(result, "h").encode(), "x.yaml")
    assert problem in str(raised.value)


def test_an_import_the_check_turns_down_ends_in_the_validators_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An importer bug still exits 4 with the validator's line, and writes nothing."""
    result = ImportResult("export.xlsx", [VMRecord("vm1", 4 * GIB, 769, host="esx1")], [HOST])
    monkeypatch.setattr(rvtools, "read", lambda paths: result)
    out = tmp_path / "inv.yaml"
    run = CliRunner().invoke(app, ["import", "rvtools", "export.xlsx", "-o", str(out)])
    assert run.exit_code == 4, run.output
    assert "VM 'vm1' vcpus is too large (at most 768)" in run.stderr
    assert not out.exists()


@pytest.mark.parametrize("path", [DATA / "rvtools" / "example1.xlsx"])
def test_a_real_export_is_vouched_for(path: Path) -> None:
    """The real export takes the fast way (no parse back), and validates."""
    result = rvtools.read([str(path)])
    assert writes_valid(result, f"memplan inventory imported from {path}")
    inventory.parse(to_yaml(result, "h").encode(), "x.yaml")


def test_a_lone_surrogate_in_a_cluster_reference_is_written_as_a_question_mark(
    tmp_path: Path,
) -> None:
    """govc JSON can name a cluster reference "dom\\ud800", which UTF-8 cannot hold: the
    import ended in an internal error writing it. Now '?', as in VM and host names."""
    path = tmp_path / "g.json"
    path.write_text(
        '{"hostSystems": [{"name": "esx1", "self": {"type": "HostSystem", "value": "host-1"},'
        ' "parent": {"type": "ClusterComputeResource", "value": "dom\\ud800"},'
        ' "summary": {"hardware": {"memorySize": 68719476736}}}], "virtualMachines": [{"name":'
        ' "v1", "config": {"hardware": {"memoryMB": 4096, "numCPU": 2}}, "runtime": {"host":'
        ' {"type": "HostSystem", "value": "host-1"}}}]}'
    )
    run = CliRunner().invoke(app, ["import", "govc", str(path)])
    assert run.exit_code == 0, run.output
    assert '  - name: "dom?"\n' in run.stdout
    inventory.parse(run.stdout.encode(), "x.yaml")

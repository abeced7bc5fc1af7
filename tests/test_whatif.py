"""What-if flags: each changes exactly what it says, in order, and never the file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memplan.cli import app
from memplan.units import GIB

INVENTORY = """version: 1
defaults:
  vm: {active: 30%}
clusters:
  - name: prod
    hosts:
      - name: esx01
        memory: 512GiB
        vms:
          - {name: db01, memory: 64GiB}
          - {name: db02, memory: 64GiB}
          - {name: web01, memory: 16GiB}
      - name: esx02
        memory: 512GiB
        vms:
          - {name: web02, memory: 16GiB, active: 10%}
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "inv.yaml"
    p.write_text(INVENTORY)
    return p


def run(path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(
        app, ["check", str(path), "-f", "json", "--as-of", "2026-01-01", *args]
    )
    doc = json.loads(result.stdout) if result.stdout.startswith("{") else {}
    return result.exit_code, doc, result.stderr


def vms(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in doc["vms"]}


def test_add_vm_with_a_brace_range(path: Path) -> None:
    code, doc, _ = run(path, "--add-vm", "name=web{03..12},memory=16GiB,vcpus=4,cluster=prod")
    assert code == 0
    added = [n for n in vms(doc) if n.startswith("web") and n not in ("web01", "web02")]
    assert added == [f"web{i:02d}" for i in range(3, 13)]
    assert all(vms(doc)[n]["placed"] and vms(doc)[n]["vcpus"] == 4 for n in added)
    assert vms(doc)["web03"]["active_bytes"] == round(16 * GIB * 0.3)  # defaults apply
    assert doc["whatifs"][1] == "--add-vm name=web{03..12},memory=16GiB,vcpus=4,cluster=prod"


def test_add_vm_with_a_count_and_on_a_host(path: Path) -> None:
    _, doc, _ = run(path, "--add-vm", "name=batch,count=3,memory=8GiB,host=esx02")
    assert [(n, v["host"]) for n, v in vms(doc).items() if n.startswith("batch")] == [
        ("batch1", "esx02"), ("batch2", "esx02"), ("batch3", "esx02")]  # fmt: skip


def test_remove_vm_glob_and_power_off(path: Path) -> None:
    _, doc, _ = run(path, "--remove-vm", "db*", "--power-off", "web0?")
    assert set(vms(doc)) == {"web01", "web02"}
    assert {v["power"] for v in doc["vms"]} == {"off"}
    assert all(h["demand_bytes"] == 0 for h in doc["hosts"])


def test_add_and_remove_host(path: Path) -> None:
    _, doc, _ = run(
        path, "--add-host", "name=esx03,memory=768GiB,cluster=prod", "--remove-host", "esx01"
    )
    hosts = {h["name"]: h for h in doc["hosts"]}
    assert set(hosts) == {"esx02", "esx03"}
    moved = {n: v["host"] for n, v in vms(doc).items() if v["placed"]}
    assert moved == {"db01": "esx03", "db02": "esx03", "web01": "esx03"}


def test_set_host_vm_and_defaults(path: Path) -> None:
    _, doc, _ = run(
        path, "--set", "host:esx01.memory=1TiB", "--set", "vm:db*.reservation=all",
        "--set", "defaults.vm.active=50%",
    )  # fmt: skip
    hosts = {h["name"]: h for h in doc["hosts"]}
    assert hosts["esx01"]["memory_bytes"] == 1024 * GIB
    assert vms(doc)["db01"]["reservation_bytes"] == 64 * GIB
    assert vms(doc)["web01"]["active_bytes"] == 8 * GIB  # from the new default
    assert vms(doc)["web02"]["active_bytes"] == round(16 * GIB * 0.1)  # its own value wins


def test_flags_apply_in_the_order_given(path: Path) -> None:
    """--set before --add-vm cannot touch VMs that do not exist yet; after, it can."""
    spec = "name=web9,memory=16GiB,cluster=prod"
    _, before, _ = run(path, "--set", "vm:web*.memory=8GiB", "--add-vm", spec)
    _, after, _ = run(path, "--add-vm", spec, "--set", "vm:web*.memory=8GiB")
    assert vms(before)["web9"]["configured_bytes"] == 16 * GIB
    assert vms(after)["web9"]["configured_bytes"] == 8 * GIB
    assert after["whatifs"] == [
        "--as-of 2026-01-01",
        f"--add-vm {spec}",
        "--set vm:web*.memory=8GiB",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--remove-vm", "db9*"], "--remove-vm db9*: no VM matches"),
        (["--remove-host", "esx1"], "no host matches; did you mean 'esx01'?"),
        (["--add-vm", "name=x,memory=16GiB,cluster=prd"], "no cluster 'prd'; did you mean 'prod'?"),
        (["--set", "host:esx9.memory=1TiB"], "no host matches"),
        (["--set", "nonsense=1"], "the target must be"),
        (["--add-vm", "memory=16GiB,cluster=prod"], "give name="),
        (["--fail-host", "esx0"], "--fail-host esx0: no such host; did you mean 'esx01'?"),
        (["--growth", "3%"], "cannot read '3%' as growth"),
        (["--horizon", "18x"], "cannot read '18x' as a duration"),
    ],
)
def test_naming_what_is_not_there_is_a_usage_error(
    path: Path, args: list[str], message: str
) -> None:
    code, _, err = run(path, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_bad_value_in_a_flag_is_located_at_the_flag(path: Path) -> None:
    code, _, err = run(path, "--add-vm", "name=x,memory=16,cluster=prod")
    assert code == 2
    assert err.splitlines()[0] == (
        "--add-vm:1:15: error: VM 'x' memory 16 has no unit; did you mean '16GiB' or '16MiB'?"
    )


def test_a_flag_that_breaks_many_vms_alike_is_one_error(path: Path) -> None:
    # 4 VMs, one position of the flag: one error that counts them and names three
    code, _, err = run(path, "--set", "vm:*.active=200%")
    assert (code, err) == (2, "--set:1:13: error: active memory is above its configured memory"
                              " in 4 VMs: 'db01', 'db02', 'web01' and 1 more\n"
                              "memplan: 1 problem; nothing was checked\n")  # fmt: skip
    code, _, err = run(path, "--set", "vm:db*.active=200%")  # two: each named as before
    assert err.splitlines()[:2] == [
        "--set:1:15: error: VM 'db01' active memory is above its configured memory",
        "--set:1:15: error: VM 'db02' active memory is above its configured memory",
    ]


def test_aggregate_keeps_files_and_distinct_problems_apart() -> None:
    from memplan.errors import Problem
    from memplan.inventory.whatif import aggregate

    same = "memory 1 has no unit"
    problems = [
        Problem("inv.yaml", 5, 3, f"VM 'a' {same}"),  # in a file: every line kept
        Problem("inv.yaml", 6, 3, f"VM 'b' {same}"),
        Problem("inv.yaml", 7, 3, f"VM 'c' {same}"),
        *(Problem("--add-vm", 1, 15, f"VM {n!r} {same}") for n in ("it's", "x1", "x2")),
        Problem("--add-vm", 1, 30, "VM 'x1' reservation is above its configured memory"),
        Problem("--set", 1, 15, "host 'h1' memory 1 has no unit"),
    ]
    assert [str(p) for p in aggregate(problems)] == [
        "inv.yaml:5:3: error: VM 'a' memory 1 has no unit",
        "inv.yaml:6:3: error: VM 'b' memory 1 has no unit",
        "inv.yaml:7:3: error: VM 'c' memory 1 has no unit",
        "--add-vm:1:15: error: memory 1 has no unit in 3 VMs: \"it's\", 'x1', 'x2'",
        "--add-vm:1:30: error: VM 'x1' reservation is above its configured memory",
        "--set:1:15: error: host 'h1' memory 1 has no unit",
    ]


def test_the_inventory_file_is_never_modified(path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    run(path, "--add-vm", "name=a,memory=1GiB,cluster=prod", "--remove-host", "esx02",
        "--set", "defaults.vm.active=90%")  # fmt: skip
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_growth_and_horizon_flags_produce_dates(path: Path) -> None:
    code, doc, _ = run(
        path, "--set", "defaults.vm.consumed=40%", "--growth", "10%/month", "--horizon", "2y",
        "--add-vm", "name=big{1..8},memory=120GiB,cluster=prod,consumed=40%",
    )  # fmt: skip
    assert code == 0
    assert doc["forecast"]["horizon_months"] == 24
    assert doc["clusters"][0]["balloon_at"] is not None
    assert all("balloon_at" in h and "swap_at" in h for h in doc["hosts"])


def test_table_echoes_the_what_ifs(path: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(path), "--power-off", "db01"])
    assert "what-if: --power-off db01" in result.stdout


def test_a_tag_in_a_what_if_is_refused_though_the_file_has_none(path: Path) -> None:
    """The tag walk is skipped for files without '!' or '*', never for what-if values."""
    code, _, err = run(path, "--set", "vm:db01.memory=!!python/name:os.system")
    assert code == 2
    assert "--set:1:16: error: tag '!!python/name:os.system' is not allowed" in err

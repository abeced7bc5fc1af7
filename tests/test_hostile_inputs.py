"""Hostile files other than inventories (issue 17): govc JSON, baselines, RVTools CSV and
workbooks get the same size, file-type and nesting checks as inventories, and a value of
the wrong type or a non-finite number is reported, never a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memplan.cli import app
from tests.helpers import SAMPLES


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def write_json(tmp_path: Path, doc: Any, name: str = "g.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


HOST = {"name": "esx1", "self": {"type": "HostSystem", "value": "host-1"},
        "summary": {"hardware": {"memorySize": 64 << 30}}}  # fmt: skip


def vm(name: Any = "v1", **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": name, "config": {"hardware": {"memoryMB": 4096, "numCPU": 2}},
                           "runtime": {"host": {"type": "HostSystem", "value": "host-1"}}}  # fmt: skip
    doc.update(over)
    return doc


# --- govc: non-finite numbers, wrong types, wrong shapes ---------------------------------------


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_govc_non_finite_memory_is_a_skipped_row(tmp_path: Path, literal: str) -> None:
    path = tmp_path / "g.json"
    text = json.dumps({"hostSystems": [HOST], "virtualMachines": [vm("bad"), vm("good")]})
    path.write_text(text.replace('"memoryMB": 4096', f'"memoryMB": {literal}', 1))
    code, out, err = cli("import", "govc", str(path))
    assert code == 0
    shown = {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf", "1e400": "inf"}[literal]
    assert (f"import: VM #1 (bad): config.hardware.memoryMB {shown} is not a finite number\n"
            in err)  # fmt: skip
    assert "1 VM, 1 host" in err
    assert '"good"' in out
    assert '"bad"' not in out


def test_govc_values_of_the_wrong_type(tmp_path: Path) -> None:
    doc = {
        "hostSystems": [HOST, 5, "x", {**HOST, "name": ["a"], "self": {"value": "host-2"}}],
        "virtualMachines": [
            vm("two-cpus", config={"hardware": {"memoryMB": 2048, "numCPU": "two"}},
               summary={"quickStats": [1, 2]}),
            vm({"a": 1}),
            vm("str-memory", config={"hardware": {"memoryMB": "4096"}}),
            vm("ok"),
        ],
    }  # fmt: skip
    code, out, err = cli("import", "govc", str(write_json(tmp_path, doc)))
    assert code == 0
    lines = err.splitlines()
    for expected in [
        "import: hostSystems item #2: a number, not an object",
        "import: hostSystems item #3: text, not an object",
        "import: host #2: name is a list, not text",
        "import: VM #2: name is an object, not text",
        "import: VM #3 (str-memory): config.hardware.memoryMB 4096 is not a finite number",
        "import: VM #1 (two-cpus): numCPU two is not a CPU count; assumed 1",
        "import: VM #1 (two-cpus): summary.quickStats is a list, not an object; no usage imported",
    ]:
        assert expected in lines
    assert lines[-1] == (
        "import: imported 2 VMs, 1 host, 0 clusters from g.json; 5 rows skipped, 2 repairs"
    )
    assert '{name: "two-cpus", memory: 2GiB}' in out


def test_govc_object_collect_with_a_wrong_propset(tmp_path: Path) -> None:
    doc = [{"obj": {"type": "HostSystem", "value": "host-1"}, "propSet": 7},
           {"obj": {"type": "VirtualMachine", "value": "vm-1"}, "propSet": "x"}]  # fmt: skip
    code, _, err = cli("import", "govc", str(write_json(tmp_path, doc)))
    assert code == 2
    assert "import: object #1: propSet is a number, not a list" in err
    assert "import: object #2: propSet is text, not a list" in err
    assert err.endswith("memplan: error: g.json: no VM imported: 2 rows read, none usable"
                        " (the 'import:' lines say why)\n")  # fmt: skip


def test_an_import_without_vms_is_an_error_unless_it_is_hosts_alone(tmp_path: Path) -> None:
    bad = vm("v", config={"hardware": {"memoryMB": None}})
    path = write_json(tmp_path, {"hostSystems": [HOST], "virtualMachines": [bad]})
    code, out, err = cli("import", "govc", str(path))
    assert (code, out) == (2, "")
    assert err.endswith("memplan: error: g.json: no VM imported: 2 rows read, none usable"
                        " (the 'import:' lines say why)\n")  # fmt: skip
    code, out, _ = cli("import", "govc", str(write_json(tmp_path, {"hostSystems": [HOST]})))
    assert code == 0  # hosts alone: a plan for an empty cluster
    assert 'name: "esx1"' in out


@pytest.mark.parametrize("which", ["govc", "baseline"])
def test_json_nested_5000_deep(tmp_path: Path, which: str) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 5000 + "]" * 5000)
    if which == "govc":
        code, _, err = cli("import", "govc", str(path))
        assert (code, err) == (2, f"memplan: error: {path}: JSON nested too deeply\n")
    else:
        code, _, err = cli("check", str(SAMPLES / "small.yaml"), "--baseline", str(path))
        assert (code, err) == (2, f"memplan: error: --baseline {path}: JSON nested too deeply\n")


def test_govc_nested_just_below_the_json_limit(tmp_path: Path) -> None:
    """Deep enough for the parser, too deep for a recursive walk: still one line."""
    path = tmp_path / "deep.json"
    path.write_text('{"a":' * 900 + "1" + "}" * 900)
    code, _, err = cli("import", "govc", str(path))
    assert code == 2
    assert err.startswith("memplan: error: ")
    assert err.count("\n") == 1


# --- every file is checked before it is read -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "label"),
    [
        (["check", str(SAMPLES / "small.yaml"), "--baseline", "/dev/zero"], "--baseline /dev/zero"),
        (["import", "govc", "/dev/zero"], "/dev/zero"),
    ],
)
def test_devices_are_refused_before_reading(args: list[str], label: str) -> None:
    code, _, err = cli(*args)
    assert (code, err) == (
        2, f"memplan: error: {label}: is not a regular file (a FIFO, socket or device);"
        " memplan reads files only\n")  # fmt: skip


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_baseline_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "b.json"
    os.mkfifo(fifo)
    code, _, err = cli("check", str(SAMPLES / "small.yaml"), "--baseline", str(fifo))
    assert code == 2
    assert "is not a regular file" in err


def test_a_huge_sparse_govc_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with open(path, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)
    code, _, err = cli("import", "govc", str(path))
    assert (code, err) == (2, f"memplan: error: {path}: file is larger than 134217728 bytes"
                              " (128 MiB), the limit\n")  # fmt: skip


@pytest.mark.parametrize(
    ("doc", "why"),
    [
        ({}, "not a memplan baseline or JSON report (no 'baseline' or 'findings' list)"),
        ([1, 2], "not a memplan baseline or JSON report (no 'baseline' or 'findings' list)"),
        ({"baseline": [{"rule": "MP101", "kind": "vm"}]},
         "finding #1 is not an object with text rule, kind and subject"),
        ({"baseline": [{"rule": 1, "kind": "vm", "subject": "x"}]},
         "finding #1 is not an object with text rule, kind and subject"),
    ],
)  # fmt: skip
def test_baselines_of_the_wrong_shape(tmp_path: Path, doc: Any, why: str) -> None:
    path = write_json(tmp_path, doc, "b.json")
    code, _, err = cli("check", str(SAMPLES / "small.yaml"), "--baseline", str(path))
    assert (code, err) == (2, f"memplan: error: --baseline {path}: {why}\n")


def test_baseline_with_nan_is_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"baseline": [{"rule": NaN, "kind": "vm", "subject": "x"}]}')
    code, _, err = cli("check", str(SAMPLES / "small.yaml"), "--baseline", str(path))
    assert code == 2
    assert "finding #1 is not an object with text rule, kind and subject" in err

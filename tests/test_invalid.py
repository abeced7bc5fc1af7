"""Every kind of bad input: FILE:LINE:COLUMN: error: MESSAGE on stderr, exit 4, no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memplan.cli import app
from tests.helpers import ROOT

DATA = Path("tests/data/invalid")

CASES: list[tuple[str, list[str]]] = [
    (
        "syntax.yaml",
        [
            "5:1: error: YAML syntax: while parsing a flow sequence: did not find expected ',' or ']'"
        ],
    ),
    ("wrong_type.yaml", ["5:10: error: vms of host 'esx01' must be a list, not a mapping"]),
    ("negative.yaml", ["4:13: error: host 'esx01' memory: size '-128GiB' is negative"]),
    (
        "non_finite.yaml",
        [
            "4:13: error: host 'esx01' memory must be a finite size, not '.nan'",
            "6:13: error: host 'esx02' memory must be a finite size, not '.inf'",
        ],
    ),
    (
        "unknown_field.yaml",
        [
            "3:5: error: host 'esx01' has no 'memory' (installed memory, e.g. '512GiB')",
            "4:5: error: unknown field 'memroy' in a host; did you mean 'memory'?",
        ],
    ),
    (
        "unknown_unit.yaml",
        [
            "4:13: error: host 'esx01' memory: unknown unit 'GiBs' in '128 GiBs'; use B, KiB, MiB,"
            " GiB or TiB (KB, MB, GB, TB and K, M, G, T mean the same, as in vSphere)",
        ],
    ),
    ("duplicate_key.yaml", ["5:5: error: duplicate key 'memory' in a host (first at line 4)"]),
    ("duplicate_vm.yaml", ["7:16: error: duplicate VM name 'web01' (first at line 6)"]),
    ("duplicate_host.yaml", ["6:16: error: duplicate host name 'esx01' (first at line 5)"]),
    ("unknown_host.yaml", ["7:43: error: host 'esx10' does not exist; did you mean 'esx01'?"]),
    (
        "reservation.yaml",
        [
            "6:47: error: VM 'a' reservation is above its limit",
            "7:47: error: VM 'b' reservation is above its configured memory",
        ],
    ),
    (
        "python_tag.yaml",
        [
            "3:11: error: tag '!!python/object/apply:os.system' is not allowed; memplan reads plain YAML only",
            "3:11: error: host name must be non-empty text, not a list",
        ],
    ),
    ("empty.yaml", ["1:1: error: file is empty; an inventory starts with 'version: 1'"]),
    ("non_utf8.yaml", ["3:14: error: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]),
    (
        "many.yaml",
        [
            "4:13: error: host 'esx01' memory 128 has no unit; did you mean '128GiB' or '128MiB'?",
            "5:5: error: host 'esx02' has no 'memory' (installed memory, e.g. '512GiB')",
            "6:5: error: unknown field 'memroy' in a host; did you mean 'memory'?",
            "8:41: error: VM 'a' shares must be low, normal, high or a positive number of shares, not 'lots'",
        ],
    ),
    (
        "every_problem.yaml",  # one of each: every problem in one run, none hiding another
        [
            "10:15: error: tag '!!python/name:os.system' is not allowed; memplan reads plain YAML only",
            "3:21: error: defaults.vm balloon_max: cannot read 'some' as a size; write a number"
            " and a unit, e.g. '16GiB' (or one of: unlimited)",
            "6:18: error: ha.policy must be one of host-failures, percentage, slots, dedicated,"
            " disabled",
            "6:39: error: ha.failures must be a whole number, not 'many'",
            "6:62: error: failover host 'esx9' is not a host of cluster 'prod'; did you mean 'esx1'?",
            "12:31: error: VM 'a' memory: cannot read 'lots' as a size; write a number and a unit,"
            " e.g. '16GiB'",
            "12:44: error: VM 'a' power must be 'on' or 'off', not 'sideways'",
            "13:20: error: duplicate VM name 'a' (first at line 12)",
            "13:45: error: VM 'a' shares must be low, normal, high or a positive number of shares,"
            " not 'medium'",
            "14:13: error: VM 'b' has no 'memory' (configured size, e.g. '16GiB')",
            "14:30: error: VM 'b' power must be 'on' or 'off', not 'maybe'",
            "14:44: error: VM 'b' vcpus must be at least 1, not 0",
            "15:43: error: VM 'c' is listed under host 'esx1' but says host: 'esx2'",
            "15:62: error: VM 'c' reservation is above its configured memory",
            "16:15: error: duplicate host name 'esx1' (first at line 8)",
            "17:17: error: host 'esx1' memory: unknown unit 'XB' in '64XB'; use B, KiB, MiB, GiB"
            " or TiB (KB, MB, GB, TB and K, M, G, T mean the same, as in vSphere)",
            "18:30: error: host 'esx1' observed.consumed is above 100%",
            "20:9: error: VM has no 'name'",
            "20:31: error: a VM without a name: limit: cannot read 'none' as a size; write a number"
            " and a unit, e.g. '16GiB' (or one of: unlimited)",
            "22:9: error: planned.at must be a date as YYYY-MM-DD, not '2027-02-30'",
            "23:31: error: VM 'p' memory: cannot read '1TB2' as a size; write a number and a unit,"
            " e.g. '16GiB'",
            "23:46: error: cluster 'staging' does not exist",
            "25:43: error: host 'esx7' does not exist; did you mean 'esx1'?",
            "27:5: error: a waiver needs reason (reason says why it is accepted)",
            "27:12: error: unknown rule 'MP999'; did you mean 'MP901'?",
        ],
    ),
    ("bad_power.yaml", ["6:40: error: VM 'a' power must be 'on' or 'off', not 'maybe'"]),
    ("bad_version.yaml", ["1:10: error: unsupported version 2; this memplan reads version 1"]),
]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["check", "validate"])
def test_invalid_inventory(command: str, name: str, expected: list[str]) -> None:
    path = DATA / name
    result = CliRunner().invoke(app, [command, str(path)])
    assert result.exit_code == 4, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:-1] == [f"{path}:{e}" for e in expected]
    n = len(expected)
    assert lines[-1] == f"memplan: {n} problem{'s' if n > 1 else ''}; nothing was checked"
    assert "Traceback" not in result.stderr


def test_a_bad_pin_is_reported_beside_the_vms_other_problems(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\nclusters:\n  - name: prod\n    hosts:\n      - {name: esx1, memory: 512GiB}\n"
        "    vms:\n      - {name: a, memory: 8GiB, host: esx2, shares: medium}\n"
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 4
    assert result.stderr.splitlines()[:2] == [
        f"{path}:7:39: error: host 'esx2' does not exist; did you mean 'esx1'?",
        f"{path}:7:53: error: VM 'a' shares must be low, normal, high or a positive number of"
        " shares, not 'medium'",
    ]


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in (ROOT / DATA).glob("*.yaml")) == sorted(c[0] for c in CASES)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    result = CliRunner().invoke(app, ["check", str(path)])
    assert (result.exit_code, result.stderr.splitlines()[0]) == (
        4,
        f"{path}:1:1: error: no such file",
    )


def test_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 4
    assert result.stderr.startswith(f"{tmp_path}:1:1: error: is a directory, not an inventory file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = CliRunner().invoke(app, ["check", str(fifo)])
    assert result.exit_code == 4
    assert "is not a regular file" in result.stderr


def test_symlink_loop(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    result = CliRunner().invoke(app, ["check", str(loop)])
    assert result.exit_code == 4
    assert result.stderr.startswith(f"{loop}:1:1: error: cannot read:")


def test_yaml_merge_keys_and_anchors_are_supported(tmp_path: Path) -> None:
    """Anchors and merge keys are plain YAML; memplan resolves them like any loader."""
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\nhosts:\n  - name: h\n    memory: 64GiB\n    vms:\n"
        "      - &base {name: a, memory: 4GiB, vcpus: 2}\n"
        "      - {<<: *base, name: b}\n"
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{path}: valid (0 clusters, 1 host, 2 VMs)\n"


def test_a_wrong_default_is_one_problem_not_one_per_user(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\ndefaults:\n  host: {managed: lots}\n  vm: {shares: medium}\nhosts:\n"
        + "".join(
            f"  - {{name: h{i}, memory: 64GiB, vms: [{{name: v{i}, memory: 1GiB}}]}}\n"
            for i in range(3)
        )
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        f"{path}:3:19: error: defaults.host managed: cannot read 'lots' as a size; write a"
        " number and a unit, e.g. '16GiB'",
        f"{path}:4:16: error: defaults.vm shares must be low, normal, high or a positive number"
        " of shares, not 'medium'",
        "memplan: 2 problems; nothing was checked",
    ]


@pytest.mark.parametrize("vm_lines", [True, False], ids=["one-line VMs", "block VMs"])
def test_a_wrong_default_no_entry_takes_is_still_reported(tmp_path: Path, vm_lines: bool) -> None:
    # Every host and VM gives its own value, so no entry takes the defaults: they were
    # never read, and a file with `vcpus: 0` as its VM default validated.
    vm = (
        "      - {name: a, memory: 4GiB, vcpus: 2}\n"
        if vm_lines
        else "      - name: a\n        memory: 4GiB\n        vcpus: 2\n"
    )
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\ndefaults:\n  vm: {vcpus: 0, memory: -3GiB}\n"
        "  host: {memory: banana, esxi: nine}\nhosts:\n"
        "  - name: h1\n    memory: 64GiB\n    esxi: '8.0'\n    vms:\n" + vm
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}:3:15: error: defaults.vm vcpus must be at least 1, not 0",
        f"{path}:3:26: error: defaults.vm memory: size '-3GiB' is negative",
        f"{path}:4:18: error: defaults.host memory: cannot read 'banana' as a size; write a"
        " number and a unit, e.g. '16GiB'",
        f"{path}:4:32: error: defaults.host esxi must be a version such as '8.0' or '7.0.3',"
        " not 'nine'",
        "memplan: 4 problems; nothing was checked",
    ]


def test_a_wrong_default_esxi_is_one_problem_not_one_per_host(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\ndefaults:\n  host: {esxi: nine}\nhosts:\n"
        + "".join(f"  - {{name: h{i}, memory: 64GiB}}\n" for i in range(3))
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        f"{path}:3:16: error: defaults.host esxi must be a version such as '8.0' or '7.0.3',"
        " not 'nine'",
        "memplan: 1 problem; nothing was checked",
    ]

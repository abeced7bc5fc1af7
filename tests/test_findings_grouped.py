"""The table groups a rule's findings when there are many (render/table.py group_findings):
its count and first few, as import notes are grouped; -v and --explain list all, and every
machine format carries all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memplan.cli import app

# 14 VMs with a limit below their memory (MP102, warn), the first two waived (they still
# show, but do not count), and two with the balloon driver disabled (MP103).
VMS = "".join(f"      - {{name: app{i:02}, memory: 16GiB, limit: 8GiB}}\n" for i in range(1, 15))
INVENTORY = f"""version: 1
hosts:
  - name: h
    memory: 512GiB
    vms:
{VMS}      - {{name: db01, memory: 16GiB, balloon_max: 0}}
      - {{name: db02, memory: 16GiB, balloon_max: 0}}
waivers:
  - {{rule: MP102, subject: "app0[12]", reason: vendor limits}}
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "many.yaml"
    p.write_text(INVENTORY)
    return p


def check(*args: str) -> str:
    result = CliRunner().invoke(app, ["check", *args, "--as-of", "2026-01-01"],
                                env={"COLUMNS": "132"})  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout


def rows(out: str, rule: str) -> list[str]:
    return [line.split()[4] for line in out.splitlines() if line.startswith(f"warn  {rule} ")]


def test_a_rule_with_many_findings_shows_its_count_and_first_five(path: Path) -> None:
    out = check(str(path))
    lines = out.splitlines()
    at = lines.index("14 MP102 limit-below-configured findings; the first 5 (-v lists all):")
    assert lines[at - 1].startswith("─")  # under the table's header, across the table
    # counted ones first: app01 and app02 are waived, so they come after the other twelve
    assert rows(out, "MP102") == ["app03", "app04", "app05", "app06", "app07"]
    assert rows(out, "MP103") == ["db01", "db02"]  # two: no heading, both listed
    assert "MP103 balloon-disabled findings" not in out
    assert lines[-1].startswith("verdict: WARN · 0 fail, 14 warn")  # every one counted


@pytest.mark.parametrize("flag", ["-v", "--explain"])
def test_verbose_and_explain_list_every_finding(path: Path, flag: str) -> None:
    out = check(str(path), flag)
    assert "findings; the first" not in out
    if flag == "-v":
        assert rows(out, "MP102") == [f"app{i:02}" for i in range(1, 15)]  # report order
    else:  # a block per finding: "warn MP102 limit-below-configured · vm app01"
        assert out.count(" MP102 limit-below-configured · vm app") == 14


def test_narrow_blocks_are_grouped_too(path: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(path)], env={"COLUMNS": "80"})
    out = result.stdout
    assert "14 MP102 limit-below-configured findings; the first 5 (-v lists all):" in out
    assert out.count(" MP102 limit-below-configured · vm app") == 5


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "junit", "sarif", "github"])
def test_machine_formats_carry_every_finding(path: Path, fmt: str) -> None:
    out = check(str(path), "-f", fmt)
    if fmt == "json":
        assert len(json.loads(out)["findings"]) == 16
    elif fmt != "csv":  # the CSV is one row per host
        assert all(f"app{i:02}" in out for i in range(1, 15))

"""memplan diff: two revisions of a sample, from files and from git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memplan.cli import app
from tests.helpers import ROOT

SMALL = (ROOT / "samples" / "small.yaml").read_text()
BIGGER = SMALL.replace(
    "      - {name: monitor01, memory: 16GiB, vcpus: 4}",
    "      - {name: monitor01, memory: 16GiB, vcpus: 4}\n"
    "      - {name: analytics01, memory: 240GiB, vcpus: 16, active: 90%}",
).replace("{name: web01, memory: 8GiB}", "{name: web01, memory: 12GiB, limit: 4GiB}")


@pytest.fixture
def revisions(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(SMALL)
    new.write_text(BIGGER)
    return old, new


def test_diff_lists_changes_deltas_and_new_findings(revisions: tuple[Path, Path]) -> None:
    old, new = revisions
    result = CliRunner().invoke(app, ["diff", str(old), str(new), "-f", "json"])
    doc = json.loads(result.stdout)
    assert doc["changes"] == [
        {
            "kind": "vm",
            "name": "analytics01",
            "change": "added",
            "old_bytes": None,
            "new_bytes": 240 << 30,
        },
        {
            "kind": "vm",
            "name": "web01",
            "change": "resized",
            "old_bytes": 8 << 30,
            "new_bytes": 12 << 30,
        },
    ]
    (cluster,) = doc["clusters"]
    assert cluster["overcommit_ratio"][1] > cluster["overcommit_ratio"][0]
    assert cluster["free_bytes"][1] < cluster["free_bytes"][0]
    assert {(f["rule"], f["subject"]) for f in doc["new_findings"]} >= {("MP102", "web01")}
    assert doc["resolved_findings"] == []
    assert result.exit_code == (1 if doc["verdict"] == "fail" else 0)


def test_diff_markdown_and_reverse(revisions: tuple[Path, Path]) -> None:
    old, new = revisions
    md = CliRunner().invoke(app, ["diff", str(old), str(new), "-f", "markdown"]).stdout
    assert md.startswith("### memplan diff: ")
    assert "- vm analytics01 added (240.0 GiB)" in md
    back = json.loads(CliRunner().invoke(app, ["diff", str(new), str(old), "-f", "json"]).stdout)
    assert back["new_findings"] == []
    assert {f["rule"] for f in back["resolved_findings"]} >= {"MP102"}


def test_exit_code_follows_new_findings_only(revisions: tuple[Path, Path]) -> None:
    old, new = revisions
    assert CliRunner().invoke(app, ["diff", str(new), str(new)]).exit_code == 0  # nothing new
    warn_only = CliRunner().invoke(app, ["diff", str(old), str(new), "--fail-on", "warn"])
    assert warn_only.exit_code in (1, 3)


def test_diff_against_git(tmp_path: Path, revisions: tuple[Path, Path]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    inv = repo / "inventory.yaml"
    inv.write_text(SMALL)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "inventory.yaml"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "base"], check=True)
    inv.write_text(BIGGER)
    result = CliRunner().invoke(app, ["diff", "--against-git", "HEAD", str(inv), "-f", "json"])
    doc = json.loads(result.stdout)
    assert doc["old"] == f"{inv}@HEAD"
    assert [c["name"] for c in doc["changes"]] == ["analytics01", "web01"]
    bad = CliRunner().invoke(app, ["diff", "--against-git", "no-such-ref", str(inv)])
    assert bad.exit_code == 2
    assert "--against-git no-such-ref:" in bad.stderr


def test_diff_usage(revisions: tuple[Path, Path]) -> None:
    old, _ = revisions
    assert CliRunner().invoke(app, ["diff", str(old)]).exit_code == 2
    with_vm = CliRunner().invoke(app, ["diff", str(old), str(old), "--vm", "16GiB", "-f", "json"])
    assert json.loads(with_vm.stdout)["clusters"][0]["headroom"][0] > 0


@pytest.mark.parametrize("kind", ["rvtools", "govc"])
def test_import_help_has_an_example(kind: str) -> None:
    result = CliRunner().invoke(app, ["import", kind, "--help"])
    assert result.exit_code == 0
    assert f"Example: memplan import {kind}" in result.stdout

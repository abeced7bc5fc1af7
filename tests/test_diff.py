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


# --- findings matched by rule family and subject (audit 13) ---------------------------------

REALISTIC = (ROOT / "samples" / "realistic.yaml").read_text()
SMALLER_WEB = REALISTIC.replace("memory: 512GiB", "memory: 384GiB", 3)  # esx-web01..03
"""prod-web with its first three hosts at 384 GiB: esx-web02 and 03 swap, web01 balloons,
and the worst host failure moves from esx-web02 to esx-web05."""


def _diff(tmp_path: Path, old: str, new: str, *args: str) -> tuple[int, str, str]:
    (tmp_path / "r1.yaml").write_text(old)
    (tmp_path / "r2.yaml").write_text(new)
    result = CliRunner().invoke(
        app, ["diff", str(tmp_path / "r1.yaml"), str(tmp_path / "r2.yaml"), *args],
        env={"COLUMNS": "100"},
    )  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def test_a_finding_that_escalated_or_moved_is_changed_not_resolved(tmp_path: Path) -> None:
    """esx-web01's MP302 (balloons after esx-web02 fails) became MP303 (swaps after
    esx-web05 fails): escalated. esx-web05's MP303 is gone because esx-web05 is now the
    host that fails: the failure it was about is no longer simulated, so not resolved.
    Both were listed as resolved."""
    code, out, err = _diff(tmp_path, REALISTIC, SMALLER_WEB, "-f", "json")
    assert (code, err) == (1, "")
    doc = json.loads(out)
    assert doc["resolved_findings"] == []
    assert [(f["rule"], f["subject"]) for f in doc["new_findings"]] == [
        ("MP203", "esx-web02.prod.example"),
        ("MP203", "esx-web03.prod.example"),
        ("MP303", "esx-web02.prod.example"),
        ("MP202", "esx-web01.prod.example"),
    ]
    changed = {c["subject"]: c for c in doc["changed_findings"]}
    moved = "the worst host failure moved from esx-web02.prod.example to esx-web05.prod.example"
    web01 = changed["esx-web01.prod.example"]
    assert web01["why"] == f"escalated from warn MP302; {moved}"
    assert (web01["old"]["rule"], web01["old"]["severity"]) == ("MP302", "warn")
    assert (web01["new"]["rule"], web01["new"]["severity"]) == ("MP303", "fail")
    assert web01["new"]["message"].startswith("after failure of esx-web05.prod.example: ")
    web05 = changed["esx-web05.prod.example"]
    assert web05["new"] is None
    assert web05["old"]["rule"] == "MP303"
    assert web05["why"] == (
        "the worst host failure moved from esx-web02.prod.example to this host: the failure"
        " it was about is no longer the one simulated, so it is not resolved"
    )
    # the same rule about the same host, after another host's failure: changed too
    assert changed["esx-web03.prod.example"]["why"] == moved
    assert changed["esx-web04.prod.example"]["why"] == moved
    assert len(changed) == 4


def test_an_eased_finding_and_the_exit_code(tmp_path: Path) -> None:
    """Backwards: esx-web01's MP303 eases to MP302, and counts for nothing; the exit code
    follows the findings that are new (MP303 about esx-web05, no longer the failed host)."""
    code, out, _ = _diff(tmp_path, SMALLER_WEB, REALISTIC, "-f", "json")
    doc = json.loads(out)
    web01 = next(c for c in doc["changed_findings"] if c["subject"] == "esx-web01.prod.example")
    assert web01["why"] == (
        "eased from fail MP303; the worst host failure moved from esx-web05.prod.example to"
        " esx-web02.prod.example"
    )
    assert [(f["rule"], f["subject"]) for f in doc["new_findings"]] == [
        ("MP303", "esx-web05.prod.example")
    ]
    assert (code, doc["verdict"]) == (1, "fail")


def host_at(active: int) -> str:
    """A standalone 64 GiB host and one 70 GiB VM (MP101 on both sides): 80% active
    balloons (MP202), 85% swaps (MP203)."""
    return (
        'version: 1\nhosts:\n  - name: esx1\n    memory: 64GiB\n    esxi: "8.0"\n    vms:\n'
        f"      - {{name: big, memory: 70GiB, vcpus: 2, active: {active}%}}\n"
    )


def test_a_host_that_went_from_ballooning_to_swapping_escalated(tmp_path: Path) -> None:
    """MP202 -> MP203 about esx1: one finding escalated (a new fail: exit 1), not a new fail
    and a resolved warn; backwards it eased, which adds nothing (exit 0). MP101, the same
    on both sides, is in neither list."""
    code, out, _ = _diff(tmp_path, host_at(80), host_at(85), "-f", "json")
    doc = json.loads(out)
    assert (doc["new_findings"], doc["resolved_findings"]) == ([], [])
    (c,) = doc["changed_findings"]
    assert (c["kind"], c["subject"], c["why"]) == ("host", "esx1", "escalated from warn MP202")
    assert (c["old"]["rule"], c["new"]["rule"]) == ("MP202", "MP203")
    assert (code, doc["verdict"]) == (1, "fail")
    code, out, _ = _diff(tmp_path, host_at(85), host_at(80), "-f", "json")
    doc = json.loads(out)
    assert [c["why"] for c in doc["changed_findings"]] == ["eased from fail MP203"]
    assert (code, doc["verdict"], doc["new_findings"]) == (0, "ok", [])
    code, out, _ = _diff(tmp_path, host_at(80), host_at(85))
    assert "  fail MP203 host-swapping · host esx1: escalated from warn MP202\n    now: " in out


def test_diff_table_indents_continuation_lines(tmp_path: Path) -> None:
    code, out, _ = _diff(tmp_path, REALISTIC, SMALLER_WEB)
    assert code == 1
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    start = lines.index("4 new findings")
    end = lines.index("verdict of the new findings: FAIL")
    block = lines[start:end]
    assert [line for line in block if not line.startswith("  ")] == [
        "4 new findings",
        "4 changed findings",
        "0 resolved findings",
    ]
    at = block.index(
        "  fail MP303 ha-survivor-swapping · host esx-web01.prod.example: escalated from warn"
        " MP302; the"
    )
    assert block[at + 1] == (
        "    worst host failure moved from esx-web02.prod.example to esx-web05.prod.example"
    )
    assert block[at + 2].startswith("    now: after failure of esx-web05.prod.example: settles in")
    assert block[at + 3].startswith("      ")  # the message's own continuation
    was = next(line for line in block[at:] if line.startswith("    was: "))
    assert was.startswith("    was: after failure of esx-web02.prod.example: settles in soft")
    md = _diff(tmp_path, REALISTIC, SMALLER_WEB, "-f", "markdown")[1]
    assert md.startswith("### memplan diff: ❌ 4 new, 4 changed, 0 resolved\n")
    assert "<details><summary>4 changed findings</summary>" in md


def test_diff_against_git_reads_a_committed_workbook(tmp_path: Path) -> None:
    """An RVTools workbook is binary: the committed revision is imported from its bytes,
    not read as YAML ('not valid UTF-8', exit 4). A folder is a usage error."""
    repo = tmp_path / "repo"
    repo.mkdir()
    book = repo / "export.xlsx"
    book.write_bytes((ROOT / "tests" / "data" / "rvtools" / "example1.xlsx").read_bytes())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "export.xlsx"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "base"], check=True)
    result = CliRunner().invoke(app, ["diff", "--against-git", "HEAD", str(book), "-f", "json"])
    assert (result.exit_code, result.stderr) == (0, "")
    doc = json.loads(result.stdout)
    assert doc["old"] == f"{book}@HEAD"
    assert (doc["changes"], doc["new_findings"], doc["resolved_findings"]) == ([], [], [])
    assert doc["clusters"][0]["free_bytes"][0] == doc["clusters"][0]["free_bytes"][1]
    (repo / "bad.xlsx").write_bytes(b"not a workbook")
    subprocess.run([*git, "-C", str(repo), "add", "bad.xlsx"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "bad"], check=True)
    (repo / "bad.xlsx").write_bytes(book.read_bytes())
    bad = CliRunner().invoke(app, ["diff", "--against-git", "HEAD", str(repo / "bad.xlsx")])
    assert (bad.exit_code, bad.stdout) == (4, "")
    assert bad.stderr.startswith(f"{repo}/bad.xlsx@HEAD:1:1: error: ")
    assert "memplan-git-" not in bad.stderr
    folder = CliRunner().invoke(app, ["diff", "--against-git", "HEAD", str(repo)])
    assert folder.exit_code == 2
    assert "is a folder; give one file" in folder.stderr


RENAMED = """version: 1
hosts:
  - name: h
    memory: 128GiB
    vms:
{vms}
"""


def test_a_vm_renamed_keeps_its_identity_by_uuid(tmp_path: Path) -> None:
    """app (uuid u-1) is named 'app (u-1)' after a namesake (u-2) arrives in another folder,
    as the imports name VMs of one name: the diff shows one VM added, not app removed and
    two added. db, renamed db2 in vCenter and grown from 8 to 12 GiB, is one resize under
    its new name. A new name whose UUID matches no VM gone is plainly added."""
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(RENAMED.format(vms="""\
      - {name: app, memory: 8GiB, uuid: u-1}
      - {name: db, memory: 8GiB, uuid: u-3}
      - {name: web, memory: 4GiB}"""))  # fmt: skip
    new.write_text(RENAMED.format(vms="""\
      - {name: "app (u-1)", memory: 8GiB, uuid: u-1}
      - {name: "app (u-2)", memory: 8GiB, uuid: u-2}
      - {name: db2, memory: 12GiB, uuid: u-3}
      - {name: web2, memory: 4GiB}"""))  # fmt: skip
    result = CliRunner().invoke(app, ["diff", str(old), str(new), "-f", "json"])
    assert result.exit_code in (0, 1), result.stderr
    changes = [(c["name"], c["change"], c["old_bytes"], c["new_bytes"])
               for c in json.loads(result.stdout)["changes"]]  # fmt: skip
    assert changes == [
        ("app (u-2)", "added", None, 8 << 30),
        ("db2", "resized", 8 << 30, 12 << 30),
        ("web", "removed", 4 << 30, None),  # no UUID: a name is all there is to match
        ("web2", "added", None, 4 << 30),
    ]

"""--ha-failures N with N at least a cluster's hosts: all of them fail, and the report
says so (a note naming the cluster and its host count, a line without survivors), not a
silent cap with "survivors low, ratio inf"; JSON stays valid (no Infinity)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from memplan.cli import app
from tests.helpers import ROOT


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*args: str) -> str:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))
    assert result.exit_code == 1, result.stderr  # realistic.yaml fails either way
    return result.stdout


def _strict(text: str) -> dict[str, object]:
    def bad(name: str) -> None:
        raise AssertionError(f"not JSON: {name}")

    doc: dict[str, object] = json.loads(text, parse_constant=bad)
    return doc


def test_more_failures_than_hosts_says_all_of_them_fail() -> None:
    out = run("check", "samples/realistic.yaml", "--ha-failures", "100")
    assert "ratio inf" not in out
    assert "survivors low" not in out
    # dev has 4 hosts and 69 running VMs, prod-db 3 and 25, prod-web 5 and 52
    for n, vms in ((4, 69), (3, 25), (5, 52)):
        assert (
            f"  failing all {n} hosts: no host survives, {vms} running VMs cannot restart · fail"
            in out
        )
    assert (
        "note: --ha-failures 100: cluster dev has only 4 hosts that can fail: all of them fail,"
        " so none of its running VMs can restart (at most 3 leave a survivor)" in out
    )
    assert out.count("note: --ha-failures 100:") == 3
    doc = _strict(run("check", "samples/realistic.yaml", "--ha-failures", "100", "-f", "json"))
    clusters = doc["clusters"]
    assert isinstance(clusters, list)
    for c in clusters:
        assert c["ha"]["survivors"] == []
        assert c["ha"]["overcommit_ratio_after"] is None


def test_failures_a_cluster_can_take_keep_their_line() -> None:
    """3 failures: prod-db (3 hosts) loses all of them, the others keep survivors."""
    out = run("check", "samples/realistic.yaml", "--ha-failures", "3")
    assert "failing all 3 hosts: no host survives, 25 running VMs cannot restart" in out
    assert out.count("failing all") == 1
    assert "note: --ha-failures 3: cluster prod-db has only 3 hosts that can fail" in out
    assert out.count("note: --ha-failures") == 1
    assert "ratio inf" not in out
    out = run("check", "samples/realistic.yaml", "--ha-failures", "2")
    assert "failing all" not in out
    assert "--ha-failures 2:" not in out

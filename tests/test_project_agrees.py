"""``memplan project``'s first month is ``memplan check``'s today: the same capacity, demand
and free memory per cluster, a host in maintenance (or not connected) counted as check
counts it, with no capacity."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memplan.cli import app
from memplan.units import GIB
from tests.helpers import ROOT

MAINT = """version: 1
clusters:
  - name: prod
    hosts:
      - name: esx01
        memory: 256GiB
        vms:
          - {name: a1, memory: 64GiB, active: 30%}
          - {name: a2, memory: 64GiB, active: 30%}
      - name: esx02
        memory: 256GiB
        vms:
          - {name: b1, memory: 64GiB, active: 30%}
      - name: esx03
        memory: 256GiB
        maintenance: true
        vms:
          - {name: c1, memory: 16GiB, active: 30%}
"""


def _json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def _month0(doc: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in doc["points"]:
        if p["month"] == 0 and p["cluster"] is not None:
            s = sums[p["cluster"]]
            s[0] += p["capacity_bytes"]
            s[1] += p["demand_bytes"]
            s[2] += p["free_bytes"]
    return {c: (s[0], s[1], s[2]) for c, s in sums.items()}


def _clusters(doc: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    return {
        c["name"]: (c["capacity_bytes"], c["demand_bytes"], c["free_bytes"])
        for c in doc["clusters"]
    }


@pytest.mark.parametrize(
    ("source", "extra"),
    [
        ("maint.yaml", ()),
        ("maint.yaml", ("--growth", "5%/month")),
        ("samples/realistic.yaml", ("--growth", "3%/month")),
        ("tests/data/rvtools/example1.xlsx", ("--growth", "5%/month")),
        ("samples/realistic.yaml", ("--growth", "3%/month", "--growth-scope", "vm")),
    ],
)
def test_projects_first_month_is_checks_today(
    source: str, extra: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    if source == "maint.yaml":
        (tmp_path / source).write_text(MAINT)
        source = str(tmp_path / source)
    check = _clusters(_json("check", source, "--as-of", "2026-12-07"))
    project = _month0(_json("project", source, "--as-of", "2026-12-07", *extra))
    assert project == check


def test_a_host_in_maintenance_gives_no_capacity_and_takes_no_new_vm(tmp_path: Path) -> None:
    path = tmp_path / "maint.yaml"
    path.write_text(MAINT)
    doc = _json("project", str(path), "--growth", "10%/month", "--as-of", "2026-12-07")
    esx03 = [p for p in doc["points"] if p["host"] == "esx03"]
    assert len(esx03) == 13
    # its VM is its demand (16 GiB, consumed in full by default, plus overhead), but no
    # capacity: free is minus that demand; nothing arrives on it, and it is flagged
    assert all(p["maintenance"] and p["capacity_bytes"] == 0 for p in esx03)
    assert all(p["free_bytes"] == -p["demand_bytes"] and p["new_vms"] == 0 for p in esx03)
    assert esx03[0]["demand_bytes"] > 16 * GIB
    others = [p for p in doc["points"] if p["host"] != "esx03"]
    assert not any(p["maintenance"] for p in others)
    # two hosts of 256 GiB less the 4 GiB system reservation each
    assert {p["capacity_bytes"] for p in others} == {252 * GIB}
    assert sum(p["new_vms"] for p in others if p["month"] == 12) > 0
    table = CliRunner(env={"COLUMNS": "132"}).invoke(
        app, ["project", str(path), "--growth", "10%/month", "--as-of", "2026-12-07"]
    )
    first = next(line for line in table.stdout.splitlines() if line.startswith("2026-12"))
    assert "504.0" in first
    assert first.endswith("2 high, 1 maint")


STALE = """version: 1
collected: 2026-06-01
clusters:
  - name: c
    hosts:
      - {name: h1, memory: 256GiB, vms: [{name: v1, memory: 64GiB, consumed: 50%, active: 10%},
                                        {name: v2, memory: 32GiB, consumed: 50%, active: 10%}]}
      - {name: h2, memory: 256GiB, vms: [{name: v3, memory: 64GiB, consumed: 50%, active: 10%}]}
"""


def _points(doc: dict[str, Any]) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for p in doc["points"]:
        out[p["month"]] += p["demand_bytes"]
    return dict(out)


def test_growth_counts_from_the_inventorys_collected_date(tmp_path: Path) -> None:
    """An export collected 2026-06-01 and projected on 2026-12-01 has grown six months by
    then, as --history's growth has: its months are the months 6 on of a projection from
    the day it was collected, and the dates found do not depend on the day it is run."""
    path = tmp_path / "stale.yaml"
    path.write_text(STALE)
    growth = ("--growth", "5%/month")
    then = _points(
        _json("project", str(path), "--as-of", "2026-06-01", "--horizon", "18m", *growth)
    )
    now = _json("project", str(path), "--as-of", "2026-12-01", *growth)
    assert _points(now) == {m: then[m + 6] for m in range(13)}
    # v1 and v3 hold 32 GiB each, v2 16 GiB: 80 GiB x 1.05^6 = 107.2 GiB, each under its
    # bound (no new VM), plus the three overheads of the collected figures
    overheads = _points(_json("project", str(path), "--as-of", "2026-06-01"))[0] - 80 * GIB
    assert abs(_points(now)[0] - overheads - 80 * GIB * 1.05**6) < 3
    assert "growth counts from collected: 2026-06-01: by 2026-12-01 the inventory's VMs have" \
           " grown 6 whole months" in now["notes"][0]  # fmt: skip
    # check's forecast, run a month apart, finds the same days (2029-07-01 and -08-01),
    # as project's does
    dates = []
    for as_of in ("2026-12-01", "2027-01-01"):
        doc = _json("check", str(path), "--as-of", as_of, "--horizon", "3y", *growth)
        dates.append([h["balloon_at"] for h in doc["hosts"]])
    assert dates[0] == dates[1] == ["2029-07-01", "2029-08-01"]
    doc = _json("project", str(path), "--as-of", "2026-12-01", "--horizon", "3y", *growth)
    assert [h["balloon_at"] for h in doc["hosts"]] == dates[0]

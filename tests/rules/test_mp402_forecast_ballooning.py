"""MP402 (and MP401, MP403, MP404): a forecast that balloons from its first day counts.

The forecast runs from ``--as-of``; with ``--history`` the inventory's older figures grow
to that day first. A host that balloons from the forecast's first day but not in the
inventory's figures has no MP202 (today's), so --fail-within must say it."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from memplan import engine
from memplan.cli import app
from memplan.model import Scenario
from tests.helpers import ROOT, inv

SHOP = ("check", "samples/history/shop-2026-11.yaml", "--history", "samples/history/")


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))
    return result.exit_code, result.stdout


def test_ballooning_from_the_forecasts_first_day_warns() -> None:
    """The audit's command: the history grows the shop's hosts, collected 2026-11-01, to
    2028-06-01, where all three balloon (the forecast table says so); today's figures
    do not, so MP202 is silent and MP402 warns for each."""
    code, out = run(*SHOP, "--as-of", "2028-06-01", "--fail-within", "90d", "--fail-on", "warn")
    assert code == 3
    lines = [" ".join(x.split()) for x in out.splitlines() if "MP402" in x]
    assert [x.split(" host ")[1].split()[0] for x in lines] == [
        "esx01.shop.example", "esx02.shop.example", "esx03.shop.example",
    ]  # fmt: skip
    assert all("balloons from 2028-06-01, the forecast's first day (+8 new VMs" in x for x in lines)
    assert "MP202" not in out
    assert "verdict: WARN · 0 fail, 3 warn" in out
    # without the window there is no gate, and today's figures are fine
    code, out = run(*SHOP, "--as-of", "2028-06-01", "--fail-on", "warn")
    assert (code, "MP402" in out) == (0, False)


def test_ballooning_today_stays_mp202s() -> None:
    """A host that balloons in today's figures balloons on the forecast's first day too:
    MP202 says it, not MP402 again (MP202's failing example, growing)."""
    text = """
        hosts:
          - name: h
            memory: 32GiB
            system_reserved: 0
            vms: [{name: v, memory: 32256MiB, overhead: 0, active: 10%, growth: 1%/month}]
    """
    r = engine.evaluate(inv(text), Scenario(as_of=date(2026, 12, 1), fail_within_days=90))
    assert r.forecast is not None
    assert r.forecast.hosts[0].balloon_at == date(2026, 12, 1)
    assert [f.rule for f in r.findings] == ["MP202"]


def test_a_clusters_own_forecast_finding_counts_for_its_verdict() -> None:
    """MP403's passing example (1%/month) over two years: the failover fails within the
    window while neither host balloons on its own. The finding is the cluster's, and the
    cluster's verdict says fail (it said ok, with the report failing)."""
    from memplan.rules import RULES

    text = (RULES["MP403"].__doc__ or "").split("::\n\n")[1].split("\n\nFails")[0]
    r = engine.evaluate(inv(text), Scenario(as_of=date(2026, 12, 1), fail_within_days=730))
    assert [(f.rule, f.kind, f.subject) for f in r.findings] == [("MP403", "cluster", "c")]
    assert r.verdict == "fail"
    assert r.clusters[0].verdict == "fail"
    assert {h.verdict for h in r.hosts} == {"ok"}  # today's

"""Growth learnt from history (docs/trend.md): generated series with known slopes, steps,
resizes, renames, gaps, few snapshots, any order and shared dates; and balloon_at against
check's own evaluation of a snapshot built at that date."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from memplan import engine, inventory
from memplan.cli import app
from memplan.engine import trend
from memplan.errors import UsageError
from memplan.model import Inventory, MemState
from memplan.units import GIB, MIB

START = datetime(2026, 1, 1)
MONTH = trend.MONTH_DAYS
OVH = 100 * MIB


@dataclass(frozen=True)
class V:
    """A generated VM: its name, uuid, host, configured GiB and consumed bytes."""

    name: str
    host: str
    memory: int
    consumed: int
    uuid: str | None = None
    on: bool = True


def text(month: float, vms: list[V], hosts: int = 2, memory: str = "256GiB",
         ha: bool = False) -> str:  # fmt: skip
    """An inventory collected ``month`` months (of MONTH days) after START."""
    at = START + timedelta(days=month * MONTH)
    lines = [
        "version: 1",
        f"collected: {at.isoformat(timespec='seconds')}",
        "clusters:",
        "  - name: prod",
        *(["    ha: {policy: host-failures, failures: 1}"] if ha else []),
        "    hosts:",
    ]
    for h in range(1, hosts + 1):
        lines += [f"      - name: esx{h}", f"        memory: {memory}", "        vms:"]
        for v in vms:
            if v.host != f"esx{h}":
                continue
            extra = f", uuid: {v.uuid}" if v.uuid else ""
            power = "" if v.on else ", power: off"
            lines.append(
                f"          - {{name: {v.name}, memory: {v.memory}GiB, consumed: {v.consumed}B,"
                f" active: {v.consumed // 2}B, overhead: {OVH}B, vcpus: 2{extra}{power}}}"
            )
        if not any(v.host == f"esx{h}" for v in vms):
            lines[-1] = "        vms: []"
    return "\n".join(lines) + "\n"


def snap(month: float, vms: list[V], **kw: object) -> Inventory:
    return inventory.parse(text(month, vms, **kw).encode(), f"m{month:05.2f}.yaml")  # type: ignore[arg-type]


def fleet(month: float, slope: float = 0.25, n: int = 10, noise: float = 0.0,
          rng: random.Random | None = None, start: float = 6.0) -> list[V]:  # fmt: skip
    """``n`` VMs of 32 GiB on esx1, each consuming start + slope x month GiB (+ noise)."""
    out = []
    for i in range(n):
        gib = start + slope * month + (rng.gauss(0, noise) if rng and noise else 0.0)
        out.append(V(f"vm{i:02d}", "esx1", 32, round(gib * GIB), uuid=f"u-{i:02d}"))
    return out


def host_fit(snapshots: list[Inventory], host: str = "esx1") -> tuple[float, float, float]:
    fit = trend.learn(snapshots).host_fits[host]
    return fit.bytes_per_month, fit.low, fit.high


def assert_recovers(got: tuple[float, float, float], true: float) -> None:
    slope, low, high = got
    assert abs(slope - true) <= 0.10 * true, (slope / GIB, true / GIB)
    assert low <= true <= high, (low / GIB, true / GIB, high / GIB)


TRUE = 10 * 0.25 * GIB  # ten VMs, a quarter GiB a month each


def test_linear_with_noise() -> None:
    rng = random.Random(7)
    snaps = [snap(m, fleet(m, noise=0.4, rng=rng)) for m in range(12)]
    assert_recovers(host_fit(snaps), TRUE)
    assert trend.learn(snaps).cluster_fits["prod"].bytes_per_month == pytest.approx(
        host_fit(snaps)[0]
    )


def test_the_band_holds_the_true_slope_about_95_times_in_100() -> None:
    """Calibration over many draws (not one lucky seed): a year of monthly snapshots, each
    VM's reading off by 0.4 GiB (sd) every month."""
    covered = close = 0
    for seed in range(60):
        rng = random.Random(seed)
        slope, low, high = host_fit([snap(m, fleet(m, noise=0.4, rng=rng)) for m in range(12)])
        covered += low <= TRUE <= high
        close += abs(slope - TRUE) <= 0.10 * TRUE
    assert covered >= 54, covered
    assert close >= 54, close


def test_a_wild_snapshot_does_not_swing_the_fit() -> None:
    """One export where every VM reads a third lower (a collector glitch)."""
    snaps = []
    for m in range(12):
        vms = fleet(m)
        if m == 5:
            vms = [replace(v, consumed=v.consumed * 2 // 3) for v in vms]
        snaps.append(snap(m, vms))
    assert_recovers(host_fit(snaps), TRUE)


def test_a_step_month_is_arrivals_not_growth() -> None:
    """Four 32 GiB VMs join in month 6, consuming 20 GiB each: a step, not a doubling."""
    snaps = []
    for m in range(12):
        vms = fleet(m)
        if m >= 6:
            vms += [V(f"new{i}", "esx1", 32, 20 * GIB, uuid=f"n-{i}") for i in range(4)]
        snaps.append(snap(m, vms))
    history = trend.learn(snaps)
    assert_recovers(host_fit(snaps), TRUE)
    steps = history.host_steps["esx1"]
    assert (steps.added, steps.removed, steps.resized) == (4 * (20 * GIB + OVH), 0, 0)
    assert steps.arrivals_per_month == pytest.approx(4 * (20 * GIB + OVH) / 11)
    # the history of demand shows the step as it happened
    assert history.host_history["esx1"][6] - history.host_history["esx1"][5] == pytest.approx(
        4 * (20 * GIB + OVH) + TRUE, rel=1e-6
    )


def test_removed_vms_are_steps_down() -> None:
    snaps = [snap(m, fleet(m)[: 10 if m < 4 else 8]) for m in range(10)]
    history = trend.learn(snaps)
    removed = sum(round((6 + 0.25 * 3) * GIB) + OVH for _ in range(2))
    assert history.host_steps["esx1"].removed == removed
    assert_recovers(host_fit(snaps), 8 * 0.25 * GIB)  # what still runs grows at 8 x 0.25


def test_a_resized_vm_is_a_step() -> None:
    """vm00 goes from 32 to 48 GiB in month 5 and its consumed jumps by 10 GiB."""
    snaps = []
    for m in range(12):
        vms = fleet(m)
        if m >= 5:
            vms[0] = replace(vms[0], memory=48, consumed=vms[0].consumed + 10 * GIB)
        snaps.append(snap(m, vms))
    history = trend.learn(snaps)
    assert history.host_steps["esx1"].resized == 10 * GIB + round(0.25 * GIB)
    assert history.host_steps["esx1"].added == 0
    # its one growing month is lost to the step: 9 VMs x 11 months + 10 of vm00's
    slope, low, high = host_fit(snaps)
    assert abs(slope - TRUE) <= 0.10 * TRUE
    assert low <= slope <= high


def test_a_renamed_vm_is_followed_by_its_uuid() -> None:
    snaps = []
    for m in range(12):
        vms = fleet(m)
        if m >= 4:
            vms[3] = replace(vms[3], name="renamed03")
        snaps.append(snap(m, vms))
    history = trend.learn(snaps)
    st = history.host_steps["esx1"]
    assert (st.added, st.removed) == (0, 0)
    assert_recovers(host_fit(snaps), TRUE)
    # without uuids the rename is a VM removed and a VM added
    bare = [snap(m, [replace(v, uuid=None) for v in fleet(m)] if m < 4 else
                 [replace(v, uuid=None, name="renamed03" if v.name == "vm03" else v.name)
                  for v in fleet(m)]) for m in range(12)]  # fmt: skip
    st = trend.learn(bare).host_steps["esx1"]
    assert st.added == st.removed + round(0.25 * GIB) > 0


def test_vms_missing_from_some_snapshots_are_interpolated() -> None:
    rng = random.Random(3)
    snaps = []
    for m in range(12):
        vms = fleet(m)
        if 0 < m < 11:
            vms = [v for v in vms if rng.random() > 0.3]  # each VM missing 30% of the time
        snaps.append(snap(m, vms))
    history = trend.learn(snaps)
    assert history.host_steps["esx1"].added == history.host_steps["esx1"].removed == 0
    assert_recovers(host_fit(snaps), TRUE)


def test_two_snapshots_give_the_slope_and_no_band() -> None:
    snaps = [snap(0, fleet(0)), snap(3, fleet(3))]
    slope, low, high = host_fit(snaps)
    assert slope == pytest.approx(TRUE, rel=1e-6)
    assert low == high == slope


def test_order_given_does_not_matter() -> None:
    rng = random.Random(13)
    snaps = [snap(m, fleet(m, noise=0.3, rng=rng)) for m in range(9)]
    shuffled = snaps[:]
    random.Random(1).shuffle(shuffled)
    assert host_fit(shuffled) == host_fit(snaps)
    assert_recovers(host_fit(shuffled), TRUE)


def test_duplicate_dates_are_two_measurements() -> None:
    rng = random.Random(5)
    snaps = [snap(m, fleet(m, noise=0.3, rng=rng)) for m in range(10)]
    again = replace(snap(4, fleet(4, noise=0.3, rng=rng)), source="again.yaml")
    history = trend.learn([*snaps, again])
    fit = history.host_fits["esx1"]
    assert fit.snapshots == 11
    assert_recovers((fit.bytes_per_month, fit.low, fit.high), TRUE)
    assert any("again.yaml" in n and "share" in n for n in history.notes)


def test_a_falling_host_is_fitted_falling() -> None:
    snaps = [snap(m, fleet(m, slope=-0.1, start=12)) for m in range(8)]
    assert host_fit(snaps)[0] == pytest.approx(-10 * 0.1 * GIB, rel=1e-6)


def test_too_few_or_undated_snapshots_are_usage_errors() -> None:
    from memplan.errors import UsageError

    with pytest.raises(UsageError, match="two or more"):
        trend.learn([snap(0, fleet(0))])
    undated = replace(snap(1, fleet(1)), collected=None, source="nodate.yaml")
    with pytest.raises(UsageError, match=r"nodate\.yaml"):
        trend.learn([snap(0, fleet(0)), undated])
    with pytest.raises(UsageError, match="no time passed"):
        trend.learn([snap(0, fleet(0)), replace(snap(0, fleet(0)), source="b")])


HOURS = 1 / 24 / MONTH
"""An hour, in the months snap() and text() take."""


def test_snapshots_less_than_a_day_apart_are_a_usage_error() -> None:
    """Two hours (or 23) from the first snapshot to the last, whatever lies between: no
    monthly rate. Without the check, 2.5 GiB of growth over two hours read as +900
    GiB/month."""
    from memplan.errors import UsageError

    a, b = snap(0, fleet(0)), snap(2 * HOURS, fleet(2 * HOURS))
    with pytest.raises(trend.ShortSpan) as info:
        trend.learn([b, a])
    assert isinstance(info.value, UsageError)
    assert str(info.value) == (
        "m00.00.yaml and m00.00.yaml were collected 2 hours apart (2026-01-01 00:00 to"
        " 2026-01-01 02:00): growth needs snapshots at least a day apart, first to last; a"
        " monthly rate from less would be noise"
    )
    late = [snap(h * HOURS, fleet(h * HOURS)) for h in (0, 5, 11, 23)]
    with pytest.raises(trend.ShortSpan, match=r"^the 4 snapshots were collected 23 hours apart"):
        trend.learn(late)
    with pytest.raises(trend.ShortSpan, match="40 minutes apart"):
        trend.learn([a, snap(40 / 60 * HOURS, fleet(0))])


def test_a_day_is_enough_with_a_note_under_a_month() -> None:
    """Exactly a day from first to last fits; the note says the span is under a month.
    The slope is the generated one (2.5 GiB a month) whatever the span."""
    day = 24 * HOURS
    history = trend.learn([snap(0, fleet(0)), snap(day, fleet(day))])
    assert history.host_fits["esx1"].bytes_per_month == pytest.approx(TRUE, rel=1e-6)
    assert history.notes == [
        "the snapshots span 1 day, under a month: the monthly rates extrapolate from less"
        " than a month"
    ]
    assert not trend.learn([snap(0, fleet(0)), snap(1, fleet(1))]).notes


def other_text(month: float) -> str:
    """Another estate, collected ``month`` months after START: hosts other-esx1 and 2, ten
    VMs of its own (uuids w-..), two of them named as fleet()'s VMs are (vm00 and vm01)."""
    vms = [V(f"db{i:02d}" if i > 1 else f"vm{i:02d}", "esx1", 64, 40 * GIB, uuid=f"w-{i:02d}")
           for i in range(10)]  # fmt: skip
    return text(month, vms).replace("name: esx", "name: other-esx")


def elsewhere(month: float, source: str = "other.yaml") -> Inventory:
    return inventory.parse(other_text(month).encode(), source)


def test_a_snapshot_of_another_estate_is_left_out_with_a_note() -> None:
    """An export of another estate among six monthly snapshots: left out, so its 400 GiB of
    VMs are neither an arrival nor a removal, and the fit is the others' alone (2.5 GiB a
    month, no steps)."""
    snaps = [snap(m, fleet(m)) for m in range(6)]
    history = trend.learn([*snaps[:3], elsewhere(2.5), *snaps[3:]])
    assert len(history.snapshots) == 6
    assert history.host_fits["esx1"].bytes_per_month == pytest.approx(TRUE, rel=1e-6)
    steps = history.cluster_steps["prod"]
    assert (steps.added, steps.removed, steps.resized) == (0, 0, 0)
    assert "other-esx1" not in history.host_fits
    assert history.left_out == [
        "other.yaml shares no host or VM with the latest snapshot, m05.00.yaml, nor with the"
        " snapshots that do: left out, as another estate's"
    ]
    assert history.left_out[0] in history.notes
    assert trend.describe(history, True).endswith("; 1 left out as another estate's")


def test_a_latest_snapshot_of_another_estate_is_a_usage_error() -> None:
    snaps = [snap(m, fleet(m)) for m in range(6)]
    with pytest.raises(trend.OtherEstate) as info:
        trend.learn([*snaps, elsewhere(6, "stray.xlsx")])
    assert str(info.value) == (
        "stray.xlsx, the latest snapshot, shares no host or VM with any of the 6 others: they"
        " are not one estate's history; leave stray.xlsx out, or give one estate's snapshots"
    )
    with pytest.raises(trend.OtherEstate, match=r"with m00\.00\.yaml and m01\.00\.yaml:"):
        trend.learn([snaps[0], snaps[1], elsewhere(6, "stray.xlsx")])


def test_history_is_that_of_the_inventory_grown() -> None:
    """--history: the snapshots of the inventory's estate. None of it: a usage error; one
    of it: too few; an estate's own snapshots learn as without the inventory."""
    snaps = [snap(m, fleet(m)) for m in range(6)]
    today = elsewhere(6, "s.yaml")
    with pytest.raises(trend.OtherEstate) as info:
        trend.learn(snaps, today)
    assert str(info.value) == (
        "none of the 6 snapshots (m00.00.yaml ... m05.00.yaml) shares a host or VM with"
        " s.yaml: the history is another estate's"
    )
    with pytest.raises(trend.OtherEstate) as info:
        trend.learn([elsewhere(0, "o0.yaml"), *snaps[:2]], today)
    assert str(info.value) == (
        "growth needs two or more dated snapshots of s.yaml's estate: only o0.yaml shares a"
        " host or VM with it (2 others left out: m00.00.yaml and m01.00.yaml)"
    )
    history = trend.learn([elsewhere(0, "o0.yaml"), *snaps], snaps[-1])
    assert len(history.snapshots) == 6
    assert history.host_fits["esx1"].bytes_per_month == pytest.approx(TRUE, rel=1e-6)
    assert history.left_out == [
        "o0.yaml shares no host or VM with m05.00.yaml nor with the snapshots that do: left"
        " out, as another estate's"
    ]


def test_one_estate_by_hosts_uuids_or_most_vm_names() -> None:
    """A host in common, a uuid in common, or half of the smaller snapshot's VM names: one
    estate. Two names of ten (web01 is in every estate) are not."""
    base = snap(0, fleet(0))
    # the hosts renamed, the VMs kept without their uuids: half or more of the names
    renamed = [replace(v, uuid=None) for v in fleet(1)][:6] + [
        V(f"new{i}", "esx1", 32, 8 * GIB) for i in range(6)
    ]
    moved = inventory.parse(text(1, renamed).replace("name: esx", "name: new-esx").encode(), "r")
    assert len(trend.learn([base, moved]).snapshots) == 2  # 6 of 10 names
    fewer = [v for v in renamed if not v.name.startswith("vm0") or v.name < "vm05"]
    few = inventory.parse(text(1, fewer).replace("name: esx", "name: new-esx").encode(), "f")
    assert len(trend.learn([base, few]).snapshots) == 2  # 5 of 10 names: half
    # one uuid in common is enough
    one = [*elsewhere(1).vms[:1], replace(base.vms[0], name="renamed")]
    assert len(trend.learn([base, replace(elsewhere(1), vms=tuple(one))]).snapshots) == 2
    # 2 of 10 names (vm00, vm01), no host, no uuid: another estate
    with pytest.raises(trend.OtherEstate):
        trend.learn([base, elsewhere(1)])


# --- when: balloon_at against check's own evaluation -----------------------------------


def _state_on(day: datetime, slope: float, start: float) -> MemState:
    """check's state of esx1 for a snapshot built on ``day`` from the generating model."""
    month = (day - START).total_seconds() / 86400 / MONTH
    report = engine.evaluate(snap(month, fleet(month, slope=slope, start=start), memory="192GiB"))
    return next(h.state for h in report.hosts if h.host.name == "esx1")


@pytest.mark.parametrize(("slope", "start"), [(0.25, 6.0), (0.6, 8.0)])
def test_balloon_at_agrees_with_check_at_that_date(slope: float, start: float) -> None:
    snaps = [snap(m, fleet(m, slope=slope, start=start), memory="192GiB") for m in range(10)]
    report = trend.trend_report(snaps, horizon_months=60, arrivals=False)
    host = next(h for h in report.hosts if h.host == "esx1")
    assert host.balloon.at is not None
    at = datetime(host.balloon.at.year, host.balloon.at.month, host.balloon.at.day)
    assert _state_on(at + timedelta(days=2), slope, start).rank >= MemState.SOFT.rank
    assert _state_on(at - timedelta(days=3), slope, start).rank < MemState.SOFT.rank
    assert host.balloon.earliest == host.balloon.latest == host.balloon.at  # exact data
    if host.swap.at is not None:
        sw = datetime(host.swap.at.year, host.swap.at.month, host.swap.at.day)
        assert _state_on(sw + timedelta(days=2), slope, start).rank > MemState.SOFT.rank
        assert _state_on(sw - timedelta(days=3), slope, start).rank <= MemState.SOFT.rank


def test_the_band_gives_a_range_of_dates_around_the_fitted_one() -> None:
    rng = random.Random(2)
    snaps = [snap(m, fleet(m, slope=0.6, start=8, noise=0.5, rng=rng), memory="192GiB")
             for m in range(10)]  # fmt: skip
    host = trend.trend_report(snaps, 60, arrivals=False).hosts[0]
    assert host.balloon.earliest
    assert host.balloon.at
    assert host.balloon.latest
    assert host.balloon.earliest <= host.balloon.at <= host.balloon.latest
    assert host.balloon.earliest < host.balloon.latest


def test_a_vm_reaching_its_size_is_reported() -> None:
    """vm00 alone grows, 1 GiB a month from 6 of its 32 GiB: it is full 26 months on."""
    snaps = []
    for m in range(6):
        vms = fleet(0)
        vms[0] = replace(vms[0], consumed=round((6 + m) * GIB))
        snaps.append(snap(m, vms))
    report = trend.trend_report(snaps, horizon_months=36)
    (limit,) = report.vm_limits
    assert (limit.vm, limit.host, limit.bound) == ("vm00", "esx1", 32 * GIB)
    expected = START + timedelta(days=(5 + 21) * MONTH)  # 21 GiB of room left at month 5
    assert abs((limit.at - expected.date()).days) <= 1


def test_arrivals_bring_ballooning_forward() -> None:
    snaps = []
    for m in range(10):
        vms = fleet(m, slope=0.1) + [
            V(f"n{i}", "esx2", 16, 12 * GIB, uuid=f"n{i}") for i in range(m)
        ]  # a 16 GiB VM a month
        snaps.append(snap(m, vms, memory="160GiB"))
    organic = trend.trend_report(snaps, 60, arrivals=False).clusters[0]
    both = trend.trend_report(snaps, 60, arrivals=True).clusters[0]
    assert both.steps.arrivals_per_month == pytest.approx(9 * (12 * GIB + OVH) / 9)
    assert both.balloon.at is not None
    assert organic.balloon.at is None or both.balloon.at < organic.balloon.at


def test_ha_fail_date_is_when_the_failover_analysis_fails() -> None:
    snaps = []
    for m in range(8):
        vms = fleet(m, slope=0.5, start=4) + [
            replace(v, name=f"b{v.name}", host="esx2", uuid=f"b{v.uuid}")
            for v in fleet(m, slope=0.5, start=4)
        ]
        snaps.append(snap(m, vms, memory="192GiB", ha=True))
    report = trend.trend_report(snaps, 60, arrivals=False)
    c = report.clusters[0]
    assert c.ha_fail is not None
    assert c.ha_fail.at is not None
    # HA fails before any host balloons on its own, and check agrees either side of the date
    assert c.balloon.at is None or c.ha_fail.at <= c.balloon.at
    grown = {}
    for days in (-3, 2):
        month = ((c.ha_fail.at - START.date()).days + days) / MONTH
        vms = fleet(month, slope=0.5, start=4) + [
            replace(v, name=f"b{v.name}", host="esx2") for v in fleet(month, slope=0.5, start=4)
        ]
        r = engine.evaluate(snap(month, vms, memory="192GiB", ha=True))
        assert r.clusters[0].ha is not None
        grown[days] = r.clusters[0].ha.verdict.value
    assert grown == {-3: "warn", 2: "fail"} or (grown[-3] != "fail" and grown[2] == "fail")


# --- the command -------------------------------------------------------------------------


def _write(folder: Path, snaps: dict[str, str]) -> list[str]:
    paths = []
    for name, body in snaps.items():
        p = folder / name
        p.write_text(body)
        paths.append(str(p))
    return paths


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_trend_json_has_the_documented_fields(tmp_path: Path) -> None:
    _write(tmp_path, {f"s{m}.yaml": text(m, fleet(m)) for m in range(6)})
    code, out, err = run("trend", str(tmp_path), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    host = doc["hosts"][0]
    assert host["name"] == "esx1"
    assert set(host["trend"]) == {"bytes_per_month", "bytes_per_month_low",
                                  "bytes_per_month_high", "snapshots", "first", "last", "method"}  # fmt: skip
    assert host["trend"]["bytes_per_month"] == round(TRUE)
    assert host["trend"]["method"] == "theil-sen"
    assert host["arrivals_bytes_per_month"] == 0
    for key in ("balloon_at", "balloon_at_range", "swap_at", "swap_at_range"):
        assert key in host
    assert doc["clusters"][0]["name"] == "prod"
    assert [s["source"] for s in doc["snapshots"]] == [
        str(tmp_path / f"s{m}.yaml") for m in range(6)
    ]


def test_trend_table_csv_and_markdown(tmp_path: Path) -> None:
    paths = _write(tmp_path, {f"s{m}.yaml": text(m, fleet(m)) for m in range(6)})
    code, out, _ = run("trend", *reversed(paths))
    assert code == 0
    assert "memplan trend · 6 snapshots from 2026-01-01" in out
    assert "+2.5 [+2.5, +2.5]" in out
    assert "▁▂▄▅▇█" in out  # esx1's sparkline: linear growth
    assert "band: the 95% confidence interval" in out
    code, out, _ = run("trend", *paths, "-f", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("kind,name,cluster,capacity_bytes")
    assert lines[1].startswith("host,esx1,prod,")
    assert f",{round(TRUE)}," in lines[1]
    code, out, _ = run("trend", *paths, "-f", "markdown")
    assert code == 0
    assert "| prod | esx1 |" in out


def test_a_snapshot_without_a_date_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    paths = _write(tmp_path, {"a.yaml": text(0, fleet(0)), "b.yaml": text(1, fleet(1))})
    Path(paths[1]).write_text(text(1, fleet(1)).replace("collected:", "# collected:"))
    code, out, err = run("trend", *paths)
    assert code == 2
    assert out == ""
    assert err.startswith("memplan: error: snapshots need a date: ")
    assert "b.yaml has no top-level 'collected:'" in err


def test_snapshots_hours_apart_are_a_usage_error(tmp_path: Path) -> None:
    """The audit's t1.yaml and t2.yaml: one estate collected at 08:00 and 10:00."""
    paths = _write(tmp_path, {"t1.yaml": text(8 * HOURS, fleet(0)),
                              "t2.yaml": text(10 * HOURS, fleet(1))})  # fmt: skip
    code, out, err = run("trend", *paths)
    assert (code, out) == (2, "")
    assert err == (
        f"memplan: error: {paths[0]} and {paths[1]} were collected 2 hours apart (2026-01-01"
        " 08:00 to 2026-01-01 10:00): growth needs snapshots at least a day apart, first to"
        " last; a monthly rate from less would be noise\n"
    )


def _undated_export(path: Path, modified: datetime) -> None:
    """An RVTools workbook of one VM on esx1 with no vMetaData (it does not say when it was
    collected), its file modified at ``modified``."""
    import os

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "vInfo"
    ws.append(["VM", "Powerstate", "CPUs", "Memory", "Host", "Cluster"])
    ws.append(["vm00", "poweredOn", 2, 32768, "esx1", "prod"])
    wb.create_sheet("vHost").append(["Host", "Cluster", "# Memory"])
    wb["vHost"].append(["esx1", "prod", 262144])
    wb.save(path)
    os.utime(path, (modified.timestamp(), modified.timestamp()))


def test_exports_dated_by_their_files_on_one_day_say_why(tmp_path: Path) -> None:
    """Two copies of an undated export, modified two hours apart: the error says they were
    dated by their files, and how to date them."""
    for name, hour in (("base.xlsx", 7), ("later.xlsx", 9)):
        _undated_export(tmp_path / name, datetime(2026, 12, 7, hour, 13))
    code, out, err = run("trend", str(tmp_path / "base.xlsx"), str(tmp_path / "later.xlsx"))
    assert (code, out) == (2, "")
    last = err.splitlines()[-1]
    assert last.startswith("memplan: error: ")
    assert "collected 2 hours apart (2026-12-07 07:13 to 2026-12-07 09:13)" in last
    assert last.endswith(
        "; 2 of them dated by the file's modification time, which a copy resets: give exports"
        " that say when they were collected (RVTools' vMetaData tab), or import each (memplan"
        " import rvtools FILE -o FILE.yaml) and set its collected:"
    )
    code, out, err = run("check", str(tmp_path / "later.xlsx"), "--history", str(tmp_path))
    assert (code, out) == (2, "")
    assert "memplan: error: --history: " in err
    assert "2 of them dated by the file's modification time" in err


def test_one_snapshot_is_a_usage_error(tmp_path: Path) -> None:
    paths = _write(tmp_path, {"a.yaml": text(0, fleet(0))})
    code, _, err = run("trend", *paths)
    assert code == 2
    assert "two or more dated snapshots, 1 given" in err


def test_an_invalid_snapshot_exits_4_with_every_problem(tmp_path: Path) -> None:
    paths = _write(tmp_path, {"a.yaml": text(0, fleet(0)) + "bogus: 1\n",
                              "b.yaml": text(1, fleet(1)).replace("memory: 256GiB", "memory: 12")})  # fmt: skip
    code, _, err = run("trend", *paths)
    assert code == 4
    assert "a.yaml:" in err
    assert "b.yaml:" in err


def test_the_sample_history(tmp_path: Path) -> None:
    from tests.helpers import ROOT

    code, out, err = run("trend", str(ROOT / "samples" / "history"), "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert len(doc["snapshots"]) >= 4


# --- check --history, project --history ----------------------------------------------


def _fast_history(tmp_path: Path) -> Path:
    """Ten monthly snapshots of esx1 on a 96 GiB host, growing 2.5 GiB a month: it balloons
    about two months after the last one."""
    folder = tmp_path / "history"
    folder.mkdir()
    for m in range(10):
        (folder / f"s{m}.yaml").write_text(text(m, fleet(m, start=6.2), memory="96GiB"))
    return folder


def _expected(folder: Path) -> trend.TrendReport:
    from memplan.inventory.snapshots import load_snapshots

    return trend.trend_report(load_snapshots([str(folder)]), 12)


def test_check_history_gates_on_the_learnt_growth(tmp_path: Path) -> None:
    folder = _fast_history(tmp_path)
    host = _expected(folder).hosts[0]
    assert host.balloon.at is not None
    last = str(folder / "s9.yaml")
    as_of = START + timedelta(days=9 * MONTH)
    days_left = (host.balloon.at - as_of.date()).days
    assert 30 < days_left < 90
    code, out, _ = run("check", last, "--history", str(folder), "--as-of",
                       as_of.date().isoformat(), "--fail-within", "90d", "--fail-on", "warn")  # fmt: skip
    assert code == 3
    (line,) = [x for x in out.splitlines() if "MP402 forecast-ballooning" in x]
    assert f"host esx1 starts ballooning by {host.balloon.at}," in " ".join(line.split())
    assert "forecast to" in out
    assert "(day resolution)" in out
    assert "growth learnt from 10 snapshots (2026-01-01 to 2026-10-01)" in out
    code, out, _ = run("check", last, "--history", str(folder), "--as-of",
                       as_of.date().isoformat(), "--fail-within", "30d", "--fail-on", "warn")  # fmt: skip
    assert code == 0
    assert "MP402" not in out


def test_check_history_counts_growth_from_the_inventorys_date(tmp_path: Path) -> None:
    """Checked a month after it was collected, the last snapshot has grown for a month:
    the day it balloons does not move."""
    folder = _fast_history(tmp_path)
    at = _expected(folder).hosts[0].balloon.at
    later = (START + timedelta(days=9 * MONTH + 20)).date().isoformat()
    code, out, _ = run("check", str(folder / "s9.yaml"), "--history", str(folder), "--as-of",
                       later, "--fail-within", "90d", "-f", "json")  # fmt: skip
    doc = json.loads(out)
    assert code == 0
    assert next(h for h in doc["hosts"] if h["name"] == "esx1")["balloon_at"] == at.isoformat()


def test_a_given_growth_overrides_the_history(tmp_path: Path) -> None:
    folder = _fast_history(tmp_path)
    code, out, _ = run("check", str(folder / "s9.yaml"), "--history", str(folder),
                       "--growth", "1%/month", "--as-of", "2026-10-01")  # fmt: skip
    assert code == 0
    assert "--growth is given: it overrides the growth learnt from --history" in out
    assert "(month resolution)" in out


def test_project_history_month_by_month(tmp_path: Path) -> None:
    folder = _fast_history(tmp_path)
    expected = _expected(folder).hosts[0]
    as_of = (START + timedelta(days=9 * MONTH)).date().isoformat()
    code, out, err = run("project", str(folder / "s9.yaml"), "--history", str(folder),
                         "--as-of", as_of, "--horizon", "6m", "-f", "json")  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    esx1 = [p for p in doc["points"] if p["host"] == "esx1"]
    assert [p["month"] for p in esx1] == list(range(7))
    steps = [b["demand_bytes"] - a["demand_bytes"] for a, b in itertools.pairwise(esx1)]
    assert all(abs(s - TRUE * (d / MONTH)) < 0.02 * TRUE for s, d in zip(
        steps, [(date.fromisoformat(b["date"]) - date.fromisoformat(a["date"])).days
                for a, b in itertools.pairwise(esx1)], strict=True))  # fmt: skip
    host = next(h for h in doc["hosts"] if h["name"] == "esx1")
    assert host["balloon_at"] == expected.balloon.at.isoformat()


def test_history_needs_two_snapshots(tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "a.yaml").write_text(text(0, fleet(0)))
    code, out, err = run("check", str(folder / "a.yaml"), "--history", str(folder))
    assert code == 2
    assert out == ""
    assert "--history: growth needs two or more dated snapshots, 1 given" in err


def test_an_rvtools_export_is_a_snapshot_dated_by_vmetadata(tmp_path: Path) -> None:
    """Two YAML snapshots and an export three months on, dated by its vMetaData."""
    import openpyxl

    for m in (0, 1):
        (tmp_path / f"s{m}.yaml").write_text(text(m, fleet(m)))
    when = START + timedelta(days=3 * MONTH)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    info = wb.create_sheet("vInfo")
    info.append(["VM", "Powerstate", "CPUs", "Memory", "Host", "Cluster", "VM UUID"])
    mem = wb.create_sheet("vMemory")
    mem.append(["VM", "Size MiB", "Consumed", "Active", "Overhead"])
    for v in fleet(3):
        info.append([v.name, "poweredOn", 2, v.memory * 1024, v.host, "prod", v.uuid])
        mem.append([v.name, v.memory * 1024, v.consumed / MIB, v.consumed / 2 / MIB, 100])
    hosts = wb.create_sheet("vHost")
    hosts.append(["Host", "Cluster", "# Memory"])
    hosts.append(["esx1", "prod", 256 * 1024])
    hosts.append(["esx2", "prod", 256 * 1024])
    meta = wb.create_sheet("vMetaData")
    meta.append(["RVTools version", "xlsx creation datetime"])
    meta.append(["4.6.1", when])
    wb.save(tmp_path / "export.xlsx")
    code, out, err = run("trend", str(tmp_path), "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["snapshots"][-1]["collected"].startswith(when.date().isoformat())
    assert doc["snapshots"][-1]["source"].endswith("export.xlsx")
    esx1 = next(h for h in doc["hosts"] if h["name"] == "esx1")
    assert abs(esx1["trend"]["bytes_per_month"] - TRUE) < 0.01 * TRUE
    assert esx1["arrivals_bytes_per_month"] == 0


def test_an_export_that_does_not_say_when_is_dated_by_its_file(tmp_path: Path) -> None:
    (tmp_path / "s0.yaml").write_text(text(0, fleet(0)))
    _undated_export(tmp_path / "old.xlsx", datetime(2026, 3, 15, 12, 0))
    code, out, err = run("trend", str(tmp_path), "-f", "json")
    assert code == 0, err
    assert "dated by the file's modification time, 2026-03-15 12:00" in err
    assert json.loads(out)["snapshots"][-1]["collected"] == "2026-03-15T12:00:00"


# --- hosts whose demand rests on vCenter's observation --------------------------------


def observed_text(month: float, gib: float) -> str:
    """esx1 with four 32 GiB VMs that give no consumed figure, and vCenter's observed usage."""
    at = START + timedelta(days=month * MONTH)
    vms = "\n".join(
        f"          - {{name: vm{i}, memory: 32GiB, vcpus: 2, overhead: 100MiB, uuid: o{i}}}"
        for i in range(4)
    )
    return (
        f"version: 1\ncollected: {at.isoformat(timespec='seconds')}\nclusters:\n"
        "  - name: prod\n    hosts:\n      - name: esx1\n        memory: 128GiB\n"
        f"        observed: {{consumed: {round(gib * GIB)}B}}\n        vms:\n{vms}\n"
    )


def test_observed_usage_is_the_demand_of_hosts_whose_vms_give_none() -> None:
    """Observed usage 60 GiB growing 2 GiB a month: the host's trend is 2 GiB a month, and
    balloon_at agrees with check on a snapshot observed at that date."""
    snaps = [inventory.parse(observed_text(m, 60 + 2 * m).encode(), f"o{m}.yaml") for m in range(8)]
    assert_recovers(host_fit(snaps), 2 * GIB)
    host = trend.trend_report(snaps, 60, arrivals=False).hosts[0]
    assert host.balloon.at is not None

    def state(day: datetime) -> MemState:
        month = (day - START).total_seconds() / 86400 / MONTH
        snap_ = inventory.parse(observed_text(month, 60 + 2 * month).encode(), "x.yaml")
        return engine.evaluate(snap_).hosts[0].state

    at = datetime(host.balloon.at.year, host.balloon.at.month, host.balloon.at.day)
    assert state(at + timedelta(days=2)).rank >= MemState.SOFT.rank
    assert state(at - timedelta(days=3)).rank < MemState.SOFT.rank


def test_arrivals_are_new_vms_like_the_clusters_typical_vm_placed_as_check_places() -> None:
    """A 16 GiB VM holding 12 GiB joins every month: the forecast brings VMs of that shape
    at that rate, each on the host with the most free memory."""
    snaps = []
    for m in range(10):
        vms = fleet(m, slope=0.0, n=5) + [
            V(f"n{i}", "esx2", 16, 12 * GIB, uuid=f"n{i}") for i in range(m)
        ]
        snaps.append(snap(m, vms, memory="512GiB"))
    history = trend.learn(snaps)
    plan = trend._plan(snaps[-1], history, True, [], 12.0)
    (shape,) = plan.shapes.values()
    # the median of 5 VMs of 32 GiB holding 6 and 9 of 16 holding 12: 16 GiB, 75% consumed
    assert (shape.memory, shape.consumed) == (16 * GIB, 12 * GIB)
    placed = plan._placed()
    # 12 GiB + 100 MiB of demand a month, whole VMs of 12 GiB: one a month, half a month in
    rate = 9 * (12 * GIB + OVH) / 9
    times = sorted(at for vms in placed.values() for at, _ in vms)
    assert times == pytest.approx([(k - 0.5) * 12 * GIB / rate for k in range(1, len(times) + 1)])
    assert len(times) == 12
    # the first goes to the host with the more free memory, as check places a cluster VM
    first_host = min(((at, h) for h, vms in placed.items() for at, _ in vms))[1]
    report = engine.evaluate(snaps[-1])
    free = {r.host.name: r.free for r in report.hosts}
    assert first_host == max(free, key=lambda n: (free[n], n))


def test_vm_slopes_are_scipys_theil_sen_slopes() -> None:
    from scipy.stats import theilslopes

    rng = random.Random(4)
    xs = [0.0, 1.0, 1.0, 2.5, 3.0, 4.2, 6.0]  # a shared date too
    rows = [[rng.uniform(0, 10) + k * x for x in xs] for k in range(20)]
    got = trend.vm_slopes(xs, rows)
    assert got == pytest.approx([float(theilslopes(r, xs)[0]) for r in rows])


def test_check_history_reports_the_new_vms_by_each_date(tmp_path: Path) -> None:
    """A 16 GiB VM holding 12 GiB joins every month: check --history says how many such VMs
    have arrived by the day a host balloons."""
    folder = tmp_path / "h"
    folder.mkdir()
    for m in range(10):
        vms = fleet(m, slope=0.0, n=5) + [
            V(f"n{i}", "esx2", 16, 12 * GIB, uuid=f"n{i}") for i in range(m)
        ]
        (folder / f"s{m}.yaml").write_text(text(m, vms, memory="192GiB"))
    as_of = (START + timedelta(days=9 * MONTH)).date()
    code, out, err = run("check", str(folder / "s9.yaml"), "--history", str(folder), "--as-of",
                         as_of.isoformat(), "--horizon", "24m", "-f", "json")  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    (arrivals,) = doc["forecast"]["arrivals"]
    assert arrivals["cluster"] == "prod"
    assert doc["forecast"]["growth_scope"] == "history"
    cluster = doc["clusters"][0]
    assert cluster["balloon_at"] is not None
    # one VM a month, the k-th at k - 1/2 months: by balloon_at, as many as whole months + 1/2
    months = (date.fromisoformat(cluster["balloon_at"]) - as_of).days / MONTH
    rate = 12 * GIB + OVH
    assert arrivals["new_vms"][-1] == int(24 * rate / (12 * GIB) + 0.5)
    code, out, _ = run("check", str(folder / "s9.yaml"), "--history", str(folder), "--as-of",
                       as_of.isoformat(), "--horizon", "24m")  # fmt: skip
    expected = int(months * rate / (12 * GIB) + 0.5)
    assert f"+{expected} VMs of 16.0 GiB" in out
    # check and trend describe the new VMs in the same words (render.base.new_vms_text)
    shape = "new VMs of 16.0 GiB, 2 vCPUs, each consuming 12.0 GiB, 6.0 GiB of it active; +24"
    assert f"cluster prod: {shape}" in " ".join(out.split())
    code, out, _ = run("trend", str(folder))
    assert f"arrivals into cluster prod, shaped like its median VM: {shape}" in " ".join(
        out.split()
    )


# --- any dates, any order ----------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    days=st.lists(st.integers(0, 200).map(lambda k: 15 * k), min_size=2, max_size=9, unique=True),
    slopes=st.lists(st.integers(0, 2 * 1024), min_size=1, max_size=6),
    order=st.randoms(use_true_random=False),
)
def test_noise_free_series_are_fitted_exactly_whatever_the_dates(
    days: list[int], slopes: list[int], order: random.Random
) -> None:
    """VMs growing linearly by ``slopes`` MiB a month, snapshots on any distinct days (15 or
    more apart) in any order: the host's slope is their sum, exactly but for each reading's
    rounding to a byte, with no steps."""

    def at(day: int) -> Inventory:
        month = day / MONTH
        vms = [V(f"vm{i}", "esx1", 512, round(4 * GIB + s * MIB * month), uuid=f"u{i}")
               for i, s in enumerate(slopes)]  # fmt: skip
        return snap(month, vms, memory="4TiB")

    snaps = [at(d) for d in days]
    order.shuffle(snaps)
    history = trend.learn(snaps)
    fit = history.host_fits["esx1"]
    assert fit.bytes_per_month == pytest.approx(sum(slopes) * MIB, abs=4 * len(slopes) + 1)
    steps = history.host_steps["esx1"]
    assert (steps.added, steps.removed, steps.resized) == (0, 0, 0)


def test_govc_json_is_a_snapshot_too(tmp_path: Path) -> None:
    """An inventory and, two months on, govc JSON of the same cluster (dated by its file):
    app01 is followed from one to the other, and its growth is the host's."""
    import os

    from tests.test_import import HOSTS_PASCAL, VMS_PASCAL

    (tmp_path / "a.yaml").write_text(
        "version: 1\ncollected: 2026-01-01\nclusters:\n  - name: domain-c7\n    hosts:\n"
        "      - name: esx01\n        memory: 256GiB\n        vms:\n"
        "          - {name: app01, memory: 16GiB, vcpus: 4, consumed: 8GiB}\n"
        "      - {name: esx02, memory: 128GiB}\n"
    )
    govc_file = tmp_path / "b.json"
    govc_file.write_text(json.dumps({**HOSTS_PASCAL, **VMS_PASCAL}))
    stamp = datetime(2026, 3, 2).timestamp()
    os.utime(govc_file, (stamp, stamp))
    code, out, err = run("trend", str(tmp_path / "a.yaml"), str(govc_file), "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert [s["collected"][:10] for s in doc["snapshots"]] == ["2026-01-01", "2026-03-02"]
    esx01 = next(h for h in doc["hosts"] if h["name"] == "esx01")
    assert esx01["steps"]["added_bytes"] == esx01["steps"]["removed_bytes"] == 0
    assert esx01["trend"]["bytes_per_month"] > 0


def test_check_history_says_the_day_its_tables_are_of() -> None:
    """The tables are the inventory's figures, of its collected: day; the forecast runs
    from --as-of (today by default), grown since: the header says both, not 'as of' the
    later day alone. Checked on the day it was collected, it is one 'as of'."""
    history = ["--history", "samples/history/"]
    code, out, _ = run("check", "samples/history/shop-2026-11.yaml", *history,
                       "--as-of", "2026-12-07")  # fmt: skip
    assert code == 0
    assert (
        "state as of 2026-11-01 (collected:) · forecast from 2026-12-07 · projected 12 months"
        " to 2027-12-07" in out.splitlines()
    )
    code, out, _ = run("check", "samples/history/shop-2026-11.yaml", *history,
                       "--as-of", "2026-11-01")  # fmt: skip
    assert code == 0
    assert "as of 2026-11-01 · projected 12 months to 2027-11-01" in out.splitlines()


def test_arrivals_on_an_observed_cluster_copy_the_vms_vhost_counts() -> None:
    """esx1 rests on vCenter's observed usage (200 GiB used by the 20 VMs vHost counts, 200
    GiB of vRAM: 20 VMs of 10 GiB); a 32 GiB VM joins esx2 every month. The trend's new
    VMs take demand growth's shape (projection.typical_vm() over the listed VMs and the
    counted ones, observed.counted()): the lower median of 20 x 10 GiB and 5 x 32 GiB is
    10 GiB, not the 32 GiB of the only VMs the snapshots list."""

    def text_at(m: int) -> str:
        at = START + timedelta(days=m * MONTH)
        new = (
            "".join(
                f"          - {{name: n{i}, memory: 32GiB, consumed: 32GiB, uuid: n{i}}}\n"
                for i in range(m)
            )
            or "          []\n"
        )
        return (
            f"version: 1\ncollected: {at.isoformat(timespec='seconds')}\nclusters:\n"
            "  - name: prod\n    hosts:\n"
            "      - name: esx1\n        memory: 512GiB\n        system_reserved: 0\n"
            "        observed: {consumed: 200GiB, vms: 20, configured: 200GiB}\n"
            "      - name: esx2\n        memory: 512GiB\n        system_reserved: 0\n"
            "        vms:\n" + new
        ).replace("vms:\n          []\n", "vms: []\n")

    snaps = [inventory.parse(text_at(m).encode(), f"s{m}.yaml") for m in range(6)]
    history = trend.learn(snaps)
    plan = trend._plan(engine.observe(snaps[-1]), history, True, [], 12.0)  # as outlook()
    shape = plan.shapes[("prod", None)]
    assert shape.memory == 10 * GIB
    assert shape.consumed == 10 * GIB


def test_a_date_on_its_ranges_edge_is_a_new_vms_arrival_and_says_so() -> None:
    """samples/history: esx03 balloons on 2028-03-27 at the fitted slope and at the band's
    low end alike, [2028-02-22, 2028-03-27]: the organic growth alone never makes it
    balloon within 24 months; the cluster's 8th new VM, placed on it on 2028-03-26 (day
    511.x of the forecast), does, whatever the slope. The date is exact for the model and
    the range includes its ends, so the report says why the date sits on one."""
    from memplan.inventory.snapshots import load_snapshots

    snaps = load_snapshots(["samples/history/"])
    r = trend.trend_report(snaps, 24)
    esx03 = next(h for h in r.hosts if h.host == "esx03.shop.example")
    assert esx03.balloon == trend.DateRange(date(2028, 3, 27), date(2028, 2, 22), date(2028, 3, 27))
    organic = trend.trend_report(snaps, 24, arrivals=False)
    assert next(h for h in organic.hosts if h.host == esx03.host).balloon.at is None
    note = (
        "esx03.shop.example balloons on 2028-03-27 at the band's low end too: that day new VM"
        " shop+8 arrives on it, whatever the slope"
    )
    assert note in r.notes
    # dates strictly inside their range get no such note
    assert not any(n.startswith(("esx01", "esx02")) and "end too" in n for n in r.notes)
    code, out, _ = run("trend", "samples/history/")
    assert code == 0
    assert "both included" in out
    assert "note: " + note in " ".join(out.split())


def test_rightsize_with_history_hours_old_learns_no_trend(tmp_path: Path) -> None:
    """rightsize's trend forecast needs a day of history, as trend does: two hours of it is
    no trend (no forecast, as with one snapshot), not an internal error."""
    shop = Path("samples/history/shop-2026-11.yaml").read_text()
    earlier = tmp_path / "earlier.yaml"
    earlier.write_text(shop.replace("collected: 2026-11-01", "collected: 2026-10-31T22:00:00Z"))
    code, out, err = run("rightsize", "samples/history/shop-2026-11.yaml", "--as-of",
                         "2026-11-01", "--history", str(earlier), "-f", "json")  # fmt: skip
    assert (code, err) == (0, "")
    assert json.loads(out)["forecast"] is None


def test_trend_on_a_folder_whose_latest_export_is_another_estates(tmp_path: Path) -> None:
    """The audit's hist/: six monthly snapshots of one estate and, newest, an export of
    another. It counted that estate as +136 GiB/month of arrivals; now a usage error."""
    _write(tmp_path, {f"s{m}.yaml": text(m, fleet(m)) for m in range(6)})
    (tmp_path / "z.yaml").write_text(other_text(7))
    code, out, err = run("trend", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (
        f"memplan: error: {tmp_path}/z.yaml, the latest snapshot, shares no host or VM with any"
        f" of the 6 others: they are not one estate's history; leave {tmp_path}/z.yaml out,"
        " or give one estate's snapshots\n"
    )
    # older than the others, it is left out, and the table says so under the trend of six
    (tmp_path / "z.yaml").write_text(other_text(-1))
    code, out, err = run("trend", str(tmp_path))
    assert (code, err) == (0, "")
    assert "memplan trend · 6 snapshots from 2026-01-01 to 2026-06-02" in out
    assert "+2.5 [+2.5, +2.5]" in out
    assert "other-esx" not in out
    assert f"note: {tmp_path}/z.yaml shares no host or VM with the latest snapshot" in out


def test_check_history_of_another_estate_is_a_usage_error(tmp_path: Path) -> None:
    """The audit's `check s.yaml --history hist/`: no snapshot has a host or VM of s.yaml.
    It said 'growth learnt from 7 snapshots'; now exit 2, for check and project."""
    _write(tmp_path, {f"s{m}.yaml": text(m, fleet(m)) for m in range(3)})
    for command in ("check", "project"):
        code, out, err = run(command, "samples/small.yaml", "--history", str(tmp_path))
        assert (code, out) == (2, ""), command
        assert err == (
            f"memplan: error: --history: none of the 3 snapshots ({tmp_path}/s0.yaml and"
            f" {tmp_path}/s1.yaml and {tmp_path}/s2.yaml) shares a host or VM with"
            " samples/small.yaml: the history is another estate's\n"
        )


def test_check_history_leaves_out_another_estates_snapshot_and_says_so(tmp_path: Path) -> None:
    """One export of another estate among the history: the growth is the estate's own (the
    same forecast as without it), and the notes say which file was left out."""
    _write(tmp_path, {f"s{m}.yaml": text(m, fleet(m)) for m in range(6)})
    args = ["check", str(tmp_path / "s5.yaml"), "--as-of", "2026-06-01", "-f", "json"]
    code, out, err = run(*args, "--history", str(tmp_path))
    assert (code, err) == (0, "")
    alone = json.loads(out)["forecast"]
    (tmp_path / "x.yaml").write_text(other_text(3.5))
    code, out, err = run(*args, "--history", str(tmp_path))
    assert (code, err) == (0, "")
    mixed = json.loads(out)["forecast"]
    assert {k: v for k, v in mixed.items() if k != "notes"} == {
        k: v for k, v in alone.items() if k != "notes"
    }
    assert mixed["notes"][0] == alone["notes"][0].replace(
        "docs/trend.md)", "docs/trend.md); 1 left out as another estate's"
    )
    assert mixed["notes"][1] == (
        f"{tmp_path}/x.yaml shares no host or VM with {tmp_path}/s5.yaml nor with the snapshots"
        " that do: left out, as another estate's"
    )


# --- a govc pair is one snapshot (audit 12) ----------------------------------------------


A_YAML = (
    "version: 1\ncollected: 2026-01-01\nclusters:\n  - name: domain-c7\n    hosts:\n"
    "      - name: esx01\n        memory: 256GiB\n        vms:\n"
    "          - {name: app01, memory: 16GiB, vcpus: 4, consumed: 8GiB}\n"
    "      - {name: esx02, memory: 128GiB}\n"
)


def _govc_pair(folder: Path, hosts: str, vms: str, day: datetime) -> tuple[str, str]:
    """govc host.info and vm.info JSON of A_YAML's cluster, both modified on ``day``."""
    import os

    from tests.test_import import HOSTS_PASCAL, VMS_PASCAL

    folder.mkdir(parents=True, exist_ok=True)
    (folder / hosts).write_text(json.dumps(HOSTS_PASCAL))
    (folder / vms).write_text(json.dumps(VMS_PASCAL))
    for name in (hosts, vms):
        os.utime(folder / name, (day.timestamp(), day.timestamp()))
    return str(folder / hosts), str(folder / vms)


def test_a_govc_pair_is_one_snapshot(tmp_path: Path) -> None:
    """hosts.json and vms.json (docs/import.md) are one snapshot of hosts and their VMs, not
    two snapshots of which the second had no host for its VMs (exit 0, no table)."""
    (tmp_path / "a.yaml").write_text(A_YAML)
    hosts, vms = _govc_pair(tmp_path, "hosts.json", "vms.json", datetime(2026, 3, 2))
    code, out, err = run("trend", str(tmp_path / "a.yaml"), hosts, vms, "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert [(s["source"], s["collected"]) for s in doc["snapshots"]] == [
        (str(tmp_path / "a.yaml"), "2026-01-01T00:00:00"),
        (f"{hosts} + {vms}", "2026-03-02T00:00:00"),
    ]
    esx01 = next(h for h in doc["hosts"] if h["name"] == "esx01")
    assert esx01["steps"]["added_bytes"] == esx01["steps"]["removed_bytes"] == 0
    assert esx01["trend"]["bytes_per_month"] > 0
    assert (
        f"import: {hosts} + {vms}: the export does not say when it was collected; dated by the"
        " files' latest modification time, 2026-03-02 00:00" in " ".join(err.split())
    )
    # the pair alone is one snapshot: too few, and the error says which it is
    code, out, err = run("trend", hosts, vms)
    assert (code, out) == (2, "")
    assert err.endswith(
        f"memplan: error: growth needs two or more dated snapshots, 1 given: {hosts} + {vms}\n"
    )


def test_half_a_govc_pair_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(A_YAML)
    hosts, vms = _govc_pair(tmp_path, "hosts.json", "vms.json", datetime(2026, 3, 2))
    code, out, err = run("trend", str(tmp_path / "a.yaml"), hosts)
    assert (code, out) == (2, "")
    assert err == (
        "memplan: error: a govc snapshot is two files, its hosts (govc host.info -json) and its"
        f" VMs (govc vm.info -json), or one JSON holding both: {hosts} holds hosts and no VMs,"
        " with no other half beside it (the same folder, and the same name with 'vms' for"
        " 'hosts')\n"
    )
    code, _, err = run("check", str(tmp_path / "a.yaml"), "--history", vms)
    assert code == 2
    assert f"{vms} holds VMs and no hosts" in err


def test_govc_pairs_in_a_folder_meet_by_name(tmp_path: Path) -> None:
    """Two months of govc pairs in one folder: hosts-2026-01.json goes with
    vms-2026-01.json, hosts-2026-03.json with vms-2026-03.json; two snapshots."""
    from memplan.inventory.snapshots import snapshot_files

    _govc_pair(tmp_path, "hosts-2026-01.json", "vms-2026-01.json", datetime(2026, 1, 1))
    _govc_pair(tmp_path, "hosts-2026-03.json", "vms-2026-03.json", datetime(2026, 3, 2))
    code, out, err = run("trend", str(tmp_path), "-f", "json")
    assert code == 0, err
    assert [s["source"] for s in json.loads(out)["snapshots"]] == [
        f"{tmp_path}/hosts-2026-01.json + {tmp_path}/vms-2026-01.json",
        f"{tmp_path}/hosts-2026-03.json + {tmp_path}/vms-2026-03.json",
    ]
    # a VMs file whose name meets no hosts file's: both halves are named
    (tmp_path / "vms-2026-03.json").rename(tmp_path / "vms-march.json")
    files = sorted(str(p) for p in tmp_path.iterdir())
    with pytest.raises(UsageError) as info:
        snapshot_files(files)
    assert f"{tmp_path}/hosts-2026-03.json holds hosts and no VMs" in str(info.value)
    assert f"{tmp_path}/vms-march.json holds VMs and no hosts" in str(info.value)
    # a YAML file is a snapshot of its own
    assert snapshot_files([str(tmp_path / "hosts-2026-01.json"), "x.yaml",
                           str(tmp_path / "vms-2026-01.json")]) == [
        ["x.yaml"], [str(tmp_path / "hosts-2026-01.json"), str(tmp_path / "vms-2026-01.json")]
    ]  # fmt: skip


def test_two_snapshots_print_one_slope_without_a_band() -> None:
    """Two snapshots give one slope and no band (docs/trend.md): '+6.1', not '+6.1 [+6.1,
    +6.1]', in the cluster line and each host's Organic cell."""
    code, out, _ = run(
        "trend", "samples/history/shop-2026-06.yaml", "samples/history/shop-2026-11.yaml"
    )
    assert code == 0
    flat = " ".join(out.split())
    assert "shop · organic +6.1 · arrivals +6.0 ·" in flat
    assert "esx01.shop.example 86.5 156.0 +1.1 +3.0 2028-02-26" in flat
    assert "[+" not in flat.partition("band:")[0]

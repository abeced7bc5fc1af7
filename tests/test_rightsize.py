"""memplan rightsize: recommendations computed by hand, idle and powered-off VMs over
history, what applying them buys, the --rightsize what-if, and the command line."""

from __future__ import annotations

import io
import json
import os
import re
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from memplan import esxi
from memplan.cli import app
from memplan.engine import evaluate, rightsize
from memplan.inventory import load, load_with_shape
from memplan.model import VM, Inventory, MemState, Scenario, Sizing, VMSample, VMSizing
from memplan.render.rightsize import RightsizeFormat, render_rightsize
from memplan.units import GIB, MIB
from tests.helpers import ROOT, inv

DEFAULT = Sizing()
T0 = datetime(2026, 1, 1)


def one_vm(fields: str) -> VM:
    return inv(f"hosts:\n  - {{name: h, memory: 256GiB, vms: [{{name: v, {fields}}}]}}\n").vms[0]


def sized(fields: str, sizing: Sizing = DEFAULT, samples: list[VMSample] | None = None) -> VMSizing:
    vm = one_vm(fields)
    return rightsize.recommend(vm, sizing, [*(samples or []), rightsize.own_sample(vm, None)])


# --- one sample: the formula by hand -----------------------------------------------------------


def test_rounds_up_to_the_step() -> None:
    # 5 GiB x 1.25 = 6.25 GiB -> 7 GiB; 16 - 7 = 9 GiB reclaimable
    s = sized("memory: 16GiB, active: 5GiB")
    assert (s.peak_active, s.recommended, s.reclaimable) == (5 * GIB, 7 * GIB, 9 * GIB)
    assert s.basis == "one sample"
    assert s.reason == "peak active 5.0 GiB x 1.25 = 6.25 GiB, rounded up"


def test_an_exact_multiple_is_not_rounded() -> None:
    s = sized("memory: 16GiB, active: 8GiB")  # 8 x 1.25 = 10 GiB exactly
    assert s.recommended == 10 * GIB
    assert s.reason == "peak active 8.0 GiB x 1.25 = 10.00 GiB"


def test_buffer_and_step_options() -> None:
    # 5 GiB x 1.10 = 5.5 GiB, a multiple of 512 MiB already; step 2 GiB -> 6 GiB
    assert sized("memory: 16GiB, active: 5GiB", Sizing(Fraction(1, 10), 512 * MIB)).recommended == (
        5 * GIB + 512 * MIB
    )
    assert sized("memory: 16GiB, active: 5GiB", Sizing(Fraction(1, 10), 2 * GIB)).recommended == (
        6 * GIB
    )


def test_reservation_is_the_floor() -> None:
    s = sized("memory: 32GiB, reservation: 12GiB, active: 4GiB")  # 4 x 1.25 = 5 < 12
    assert (s.recommended, s.reclaimable) == (12 * GIB, 20 * GIB)
    assert s.reason.startswith("the reservation 12.0 GiB is the floor")


def test_a_full_reservation_gives_nothing_back() -> None:
    s = sized("memory: 32GiB, reservation: all, active: 4GiB")
    assert (s.recommended, s.reclaimable) == (32 * GIB, 0)
    assert s.reason == "reserved in full (32.0 GiB): nothing to give back"


def test_never_above_the_configured_size() -> None:
    s = sized("memory: 8GiB, active: 7GiB")  # 7 x 1.25 = 8.75 -> 9 GiB, capped at 8
    assert (s.recommended, s.reclaimable) == (8 * GIB, 0)
    assert "keep the configured size" in s.reason


def test_at_least_one_step() -> None:
    s = sized("memory: 8GiB, active: 100MiB")  # 125 MiB rounds up to 1 GiB, the step
    assert (s.recommended, s.reclaimable) == (GIB, 7 * GIB)
    s = sized("memory: 8GiB, active: 0")  # 0 x 1.25 rounds to 0: one step is the floor
    assert (s.recommended, s.reclaimable) == (GIB, 7 * GIB)
    assert s.reason.startswith("one step (1.0 GiB) is the floor")


def test_a_vm_smaller_than_one_step_keeps_its_size() -> None:
    s = sized("memory: 512MiB, active: 100MiB")
    assert (s.recommended, s.reclaimable) == (512 * MIB, 0)


def test_no_active_figure_no_recommendation() -> None:
    s = sized("memory: 16GiB, consumed: 50%")
    assert (s.peak_active, s.recommended, s.reclaimable) == (None, None, 0)
    assert s.basis == "no active figure"
    assert "no recommendation" in s.reason


def test_a_limit_below_configured_caps_the_recommendation() -> None:
    # 8 GiB x 1.25 = 10 GiB, but the guest never holds more than its 4 GiB limit in host
    # memory: the 12 GiB above it is reclaimable at no cost to the guest
    s = sized("memory: 16GiB, limit: 4GiB, active: 8GiB")
    assert (s.recommended, s.reclaimable, s.limit) == (4 * GIB, 12 * GIB, 4 * GIB)
    assert s.reason.startswith("capped at the limit 4.0 GiB: the 12.0 GiB above it")


def test_a_limit_above_the_recommendation_does_not_bind() -> None:
    s = sized("memory: 16GiB, limit: 12GiB, active: 4GiB")
    assert s.recommended == 5 * GIB


# --- over history -----------------------------------------------------------------------------


def sample(days: int, active: int | None, memory: int = 16 * GIB, on: bool = True) -> VMSample:
    return VMSample(T0 + timedelta(days=days), on, memory, active)


def test_peak_active_over_snapshots() -> None:
    vm = one_vm("memory: 16GiB, active: 4GiB")
    history = [sample(0, 2 * GIB), sample(14, 6 * GIB)]
    s = rightsize.recommend(vm, DEFAULT, [*history, rightsize.own_sample(vm, T0 + timedelta(30))])
    assert s.peak_active == 6 * GIB  # 6 x 1.25 = 7.5 -> 8 GiB
    assert (s.recommended, s.reclaimable) == (8 * GIB, 8 * GIB)
    assert s.basis == "3 snapshots over 30 days"


def test_history_gives_a_figure_the_inventory_lacks() -> None:
    vm = one_vm("memory: 16GiB")
    own = rightsize.own_sample(vm, T0 + timedelta(days=30))
    s = rightsize.recommend(vm, DEFAULT, [sample(0, 4 * GIB), own])
    assert (s.recommended, s.basis) == (5 * GIB, "one sample")


def test_idle_needs_two_snapshots_seven_days_apart() -> None:
    tiny = 100 * MIB  # below 1% of 16 GiB (163.84 MiB)
    assert not sized("memory: 16GiB, active: 100MiB").idle  # one sample never makes it idle
    assert rightsize.is_idle([sample(0, tiny), sample(7, tiny)])
    assert not rightsize.is_idle([sample(0, tiny), sample(6, tiny)])  # 6 days apart
    assert not rightsize.is_idle([sample(0, 200 * MIB), sample(7, tiny)])  # 1.2% once
    assert not rightsize.is_idle([sample(0, tiny, on=False), sample(7, tiny)])  # off once
    assert not rightsize.is_idle([sample(0, None), sample(7, tiny)])  # no figure once
    at_one_percent = -(-16 * GIB // 100)  # 171,798,692 bytes: not below 1%
    assert not rightsize.is_idle([sample(0, at_one_percent), sample(9, tiny)])  # below, not at


def test_idle_vm_is_flagged_with_its_recommendation() -> None:
    vm = one_vm("memory: 16GiB, active: 50MiB")
    own = rightsize.own_sample(vm, T0 + timedelta(days=10))
    s = rightsize.recommend(vm, DEFAULT, [sample(0, 60 * MIB), own])
    assert s.idle
    assert s.recommended == GIB
    assert s.basis == "2 snapshots over 10 days"


def test_powered_off_vm_cost_and_how_long_it_has_been_off() -> None:
    vm = one_vm("memory: 16GiB, reservation: 2GiB, overhead: 100MiB, power: off")
    history = [sample(0, GIB), sample(10, None, on=False), sample(25, None, on=False)]
    off = rightsize.powered_off(vm, [*history, rightsize.own_sample(vm, T0 + timedelta(40))])
    assert (off.power_on, off.admission) == (16 * GIB + 100 * MIB, 2 * GIB + 100 * MIB)
    assert (off.off_since, off.off_days, off.snapshots) == (T0 + timedelta(10), 30, 3)
    alone = rightsize.powered_off(vm, [rightsize.own_sample(vm, None)])
    assert (alone.off_since, alone.off_days, alone.snapshots) == (None, None, 1)


# --- applying the recommendations -------------------------------------------------------------


def test_resized_vm_caps_usage_and_scales_overhead_and_shares() -> None:
    vm = one_vm("memory: 16GiB, active: 2GiB, consumed: 12GiB, shares: high, vcpus: 2")
    small = rightsize.resized(vm, 3 * GIB)
    assert (small.memory, small.consumed, small.active) == (3 * GIB, 3 * GIB, 2 * GIB)
    assert small.overhead == esxi.estimate_overhead(3 * GIB, 2) < vm.overhead
    assert small.shares == 20 * 3 * 1024  # high: 20 shares per MiB
    given = one_vm("memory: 16GiB, overhead: 200MiB, shares: 5000")
    assert (rightsize.resized(given, GIB).overhead, rightsize.resized(given, GIB).shares) == (
        200 * MIB, 5000,
    )  # fmt: skip


SOFT_HOST = """
hosts:
  - name: h
    memory: 64GiB
    vms:
      - {name: a, memory: 16GiB, consumed: 100%, active: 1600MiB}
      - {name: b, memory: 16GiB, consumed: 100%, active: 1600MiB}
      - {name: c, memory: 16GiB, consumed: 100%, active: 1600MiB}
      - {name: d, memory: 14GiB, consumed: 100%, active: 1600MiB}
"""


def test_report_before_and_after_on_a_soft_host() -> None:
    # capacity 60 GiB, demand 62 GiB + overhead: soft. Each VM: 1600 MiB x 1.25 = 2000 MiB
    # -> 2 GiB, so 54 GiB is reclaimable, far more than the gap to the soft band's top.
    inventory = inv(SOFT_HOST)
    r = rightsize.report(inventory, DEFAULT)
    (h,) = r.hosts
    assert h.reclaimable == (14 + 14 + 14 + 12) * GIB
    before = evaluate(inventory).hosts[0]
    assert before.state is MemState.SOFT
    assert before.need <= h.reclaimable
    assert h.state == (MemState.SOFT, MemState.HIGH)
    assert (
        h.free[1] - h.free[0]
        == h.reclaimable
        + before.overhead
        - evaluate(rightsize.rightsized(inventory, DEFAULT)).hosts[0].overhead
    )
    assert h.balloon[0] > 0
    assert h.balloon[1] == 0


# --- the command line -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_rightsize_moves_a_host_from_soft_to_high(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "soft.yaml"  # type: ignore[operator]
    path.write_text("version: 1\n" + SOFT_HOST)
    code, out, _ = run("check", str(path), "-f", "json")
    assert code == 0
    assert json.loads(out)["hosts"][0]["state"] == "soft"
    code, out, err = run("check", str(path), "-f", "json", "--rightsize")
    doc = json.loads(out)
    assert (code, err) == (0, "")
    assert doc["hosts"][0]["state"] == "high"
    assert doc["whatifs"] == ["--rightsize"]
    # a buffer so large that nothing shrinks leaves it soft
    code, out, _ = run("check", str(path), "-f", "json", "--rightsize", "--buffer", "1000%")
    assert json.loads(out)["hosts"][0]["state"] == "soft"
    assert json.loads(out)["whatifs"] == ["--rightsize", "--buffer 1000%"]


def test_rightsize_what_if_on_project_and_headroom() -> None:
    code, out, _ = run("headroom", "samples/realistic.yaml", "--vm", "16GiB", "-f", "json")
    before = {c["name"]: c["count"] for c in json.loads(out)["clusters"]}
    code, out, _ = run(
        "headroom", "samples/realistic.yaml", "--vm", "16GiB", "-f", "json", "--rightsize"
    )
    after = {c["name"]: c["count"] for c in json.loads(out)["clusters"]}
    assert code == 0
    assert after["prod-db"] > before["prod-db"]
    code, out, _ = run("project", "samples/realistic.yaml", "--as-of", "2026-12-01",
                       "--rightsize", "--size-step", "512MiB", "-f", "json")  # fmt: skip
    assert code == 0
    assert json.loads(out)["whatifs"][:2] == ["--as-of 2026-12-01", "--rightsize"]


def test_buffer_without_rightsize_is_a_usage_error() -> None:
    code, _, err = run("check", "samples/small.yaml", "--buffer", "10%")
    assert code == 2
    assert "only with --rightsize" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--step", "3MiB"), "multiples of 4 MiB"),
        (("--step", "lots"), "cannot read 'lots' as a size"),
        (("--buffer", "25"), "as a percentage"),
        (("--buffer", "2000%"), "above 1000%"),
        (("--cluster", "prod-wbe"), "no such cluster; did you mean 'prod-web'"),
    ],
)
def test_bad_options_exit_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    code, out, err = run("rightsize", "samples/realistic.yaml", *args)
    assert (code, out) == (2, "")
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_rightsize_json_fields_per_vm() -> None:
    code, out, err = run("rightsize", "samples/realistic.yaml", "-f", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    vm = next(v for v in doc["vms"] if v["name"] == "db-005")
    assert {k: vm[k] for k in ("configured_bytes", "recommended_bytes", "reclaimable_bytes",
                               "peak_active_bytes", "basis")} == {
        "configured_bytes": 64 * GIB, "recommended_bytes": 20 * GIB,
        "reclaimable_bytes": 44 * GIB, "peak_active_bytes": 16 * GIB, "basis": "one sample",
    }  # fmt: skip
    assert doc["basis"] == "one sample"
    assert doc["totals"]["reclaimable_bytes"] == sum(v["reclaimable_bytes"] for v in doc["vms"])
    assert all(not v["idle"] for v in doc["vms"])


def test_cluster_option_limits_the_report() -> None:
    code, out, _ = run("rightsize", "samples/realistic.yaml", "--cluster", "prod-db", "-f", "json")
    doc = json.loads(out)
    assert code == 0
    assert {v["cluster"] for v in doc["vms"]} == {"prod-db"}
    assert [c["name"] for c in doc["clusters"]] == ["prod-db"]
    assert {h["cluster"] for h in doc["hosts"]} == {"prod-db"}


# --- golden outputs ---------------------------------------------------------------------------

GOLDEN_CASES = {
    # the table with every column: a forecast (3%/month from 2026-12-01) and headroom for 16 GiB
    "realistic.rightsize.txt": (RightsizeFormat.TABLE, "full"),
    "realistic.rightsize.json": (RightsizeFormat.JSON, "full"),
    "realistic.rightsize.csv": (RightsizeFormat.CSV, "plain"),
    "realistic.rightsize.md": (RightsizeFormat.MARKDOWN, "plain"),
    # six monthly snapshots: peaks over history, a renamed VM, the trend's dates
    "history.rightsize.txt": (RightsizeFormat.TABLE, "history"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden(name: str) -> None:
    """Regenerate after an intended change: MEMPLAN_UPDATE_GOLDEN=1 pytest tests/test_rightsize.py"""
    fmt, mode = GOLDEN_CASES[name]
    snapshots: tuple[Inventory, ...] = ()
    shape = None
    scenario = Scenario()
    if mode == "full":
        inventory, shape = load_with_shape("samples/realistic.yaml", (), "16GiB")
        scenario = Scenario(as_of=date(2026, 12, 1), growth=0.03)
    elif mode == "history":
        paths = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "samples" / "history").glob("*"))
        inventory, snapshots = load(paths[-1]), tuple(load(p) for p in paths[:-1])
        scenario = Scenario(as_of=date(2026, 11, 1), horizon_months=24)
    else:
        inventory = load("samples/realistic.yaml")
    report = rightsize.report(inventory, DEFAULT, scenario, snapshots=snapshots, shape=shape)
    buffer = io.StringIO()
    console = Console(file=buffer, width=132, color_system=None, force_terminal=False)
    render_rightsize(report, fmt, console)
    path = ROOT / "tests" / "golden" / name
    if os.environ.get("MEMPLAN_UPDATE_GOLDEN"):
        path.write_text(buffer.getvalue())
    assert buffer.getvalue() == path.read_text(), f"{name} changed; see the test's docstring"


def test_output_never_overwrites_the_inventory(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "inv.yaml"  # type: ignore[operator]
    path.write_text("version: 1\n" + SOFT_HOST)
    code, _, err = run("rightsize", str(path), "-o", str(path))
    assert code == 2
    assert "would overwrite" in err
    assert path.read_text() == "version: 1\n" + SOFT_HOST
    out_file = tmp_path / "r.csv"  # type: ignore[operator]
    assert run("rightsize", str(path), "-f", "csv", "-o", str(out_file))[0] == 0
    assert out_file.read_text().splitlines()[1].startswith("a,,h,")


# --- snapshots: VMs followed by uuid, else by name --------------------------------------------


def snapshot(day: int, vms: str) -> Inventory:
    when = (T0 + timedelta(days=day)).date().isoformat()
    return inv(f"collected: {when}\nhosts:\n  - {{name: h, memory: 256GiB, vms: [{vms}]}}\n",
               f"snap{day}.yaml")  # fmt: skip


def test_history_follows_a_renamed_vm_by_uuid_and_not_a_reused_name() -> None:
    now = snapshot(30, "{name: web-new, uuid: u1, memory: 16GiB, active: 2GiB},"
                       " {name: db, uuid: u2, memory: 32GiB, active: 4GiB},"
                       " {name: old, memory: 8GiB, active: 10MiB}")  # fmt: skip
    earlier = [
        snapshot(0, "{name: web, uuid: u1, memory: 16GiB, active: 6GiB},"
                    " {name: db, uuid: u9, memory: 32GiB, active: 30GiB},"
                    " {name: old, memory: 8GiB, active: 20MiB}"),
        snapshot(20, "{name: web, uuid: u1, memory: 16GiB, active: 3GiB}"),
    ]  # fmt: skip
    history = rightsize.history_of(earlier, now)
    assert [s.active for s in history["web-new"]] == [6 * GIB, 3 * GIB]  # renamed, same uuid
    assert "db" not in history  # the name was another VM's (uuid u9)
    assert [s.active for s in history["old"]] == [20 * MIB]  # no uuid: by name
    r = rightsize.report(now, DEFAULT, snapshots=earlier)
    by = {s.name: s for s in r.vms}
    assert (by["web-new"].peak_active, by["web-new"].recommended) == (6 * GIB, 8 * GIB)
    assert by["web-new"].basis == "3 snapshots over 30 days"
    assert (by["db"].peak_active, by["db"].basis) == (4 * GIB, "one sample")
    assert by["old"].idle  # 20 MiB and 10 MiB of 8 GiB, 30 days apart
    assert (r.snapshots, r.first, r.last) == (3, T0, T0 + timedelta(days=30))


def test_how_long_a_vm_has_been_off_over_snapshots() -> None:
    now = snapshot(40, "{name: v, memory: 16GiB, power: off}")
    earlier = [snapshot(0, "{name: v, memory: 16GiB, active: 1GiB}"),
               snapshot(10, "{name: v, memory: 16GiB, power: off}")]  # fmt: skip
    (off,) = rightsize.report(now, DEFAULT, snapshots=earlier).powered_off
    assert (off.off_since, off.off_days, off.snapshots) == (T0 + timedelta(days=10), 30, 2)


# --- --history on the command line -------------------------------------------------------------


def test_history_from_a_folder_of_snapshots() -> None:
    code, out, err = run("rightsize", "samples/history/shop-2026-11.yaml", "--as-of",
                         "2026-11-01", "--history", "samples/history/", "-f", "json")  # fmt: skip
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc["basis"], doc["snapshots"]) == ("6 snapshots over 153 days", 6)
    assert doc["forecast"]["growth"] == "trend of 6 snapshots"
    assert doc["forecast"]["as_of"] == "2026-11-01"
    vms = {v["name"]: v for v in doc["vms"]}
    peaks = [
        next(v for v in load(str(path)).vms if v.name == "db01").active
        for path in sorted((ROOT / "samples" / "history").glob("*.yaml"))
    ]
    assert vms["db01"]["peak_active_bytes"] == max(peaks)
    assert vms["db01"]["basis"] == "6 snapshots over 153 days"
    assert vms["web05-new"]["basis"] == "6 snapshots over 153 days"  # renamed, same uuid
    assert vms["api01"]["basis"] == "3 snapshots over 61 days"  # arrived in September
    code, out, _ = run("rightsize", "samples/history/shop-2026-11.yaml", "--history",
                       "samples/history/", "--growth", "2%/month", "-f", "json")  # fmt: skip
    assert json.loads(out)["forecast"]["growth"] == "--growth 2%/month"


def test_a_snapshot_later_than_the_inventory_is_a_usage_error() -> None:
    code, out, err = run("rightsize", "samples/history/shop-2026-09.yaml",
                         "--history", "samples/history/shop-2026-10.yaml")  # fmt: skip
    assert (code, out) == (2, "")
    assert "collected after samples/history/shop-2026-09.yaml (2026-09-01)" in err


def test_an_undated_snapshot_is_a_usage_error_naming_it() -> None:
    code, _, err = run("rightsize", "samples/realistic.yaml", "--history", "samples/small.yaml")
    assert code == 2
    assert "samples/small.yaml" in err


def other_estate(folder: Path) -> Path:
    """Another estate's snapshot, made from shop-2026-10.yaml: its hosts and cluster renamed,
    no uuids (an RVTools export may have none), every VM renamed but its 'web01', whose
    active (22000 MiB, 21.5 GiB) is far above the shop's web01 (4.4 GiB at most)."""
    text = (ROOT / "samples" / "history" / "shop-2026-10.yaml").read_text()
    text = re.sub(r", uuid: [0-9a-f-]+", "", text)
    text = re.sub(r"name: (?!web01\b)(\w)", r"name: o-\1", text.replace(".shop.", ".other."))
    text = text.replace("collected: 2026-10-01", "collected: 2026-10-15")
    text = re.sub(r"(name: web01, .*active: )\d+MiB", r"\g<1>22000MiB", text)
    assert "active: 22000MiB" in text
    assert "esx01.other.example" in text
    path = folder / "other-2026-10.yaml"
    path.write_text(text)
    return path


def test_another_estates_snapshot_is_left_out_with_a_note(tmp_path: Path) -> None:
    # its web01 (no uuid, so matched by name) would lend its 21.5 GiB peak to the shop's
    # web01 and its date would count as a seventh snapshot of the shop
    for path in sorted((ROOT / "samples" / "history").glob("shop-2026-*.yaml"))[:-1]:
        (tmp_path / path.name).write_text(path.read_text())
    other = other_estate(tmp_path)
    args = ("rightsize", "samples/history/shop-2026-11.yaml", "--history", f"{tmp_path}/")
    code, out, err = run(*args)
    assert code == 0
    assert " ".join(err.split()) == (
        f"history: {other} shares no host or VM with samples/history/shop-2026-11.yaml nor"
        " with the snapshots that do: left out, as another estate's"
    )
    assert "basis: 6 snapshots over 153 days" in out
    assert "growing by trend of 6 snapshots" in out
    web01 = next(line for line in out.splitlines() if line.startswith("web01 "))
    assert "peak active 4.4 GiB x 1.25 = 5.51 GiB" in web01
    other.unlink()  # the same folder without it: the same report, nothing on stderr
    assert run(*args) == (0, out, "")


def test_a_history_all_of_another_estate_is_a_usage_error(tmp_path: Path) -> None:
    other = other_estate(tmp_path)
    code, out, err = run("rightsize", "samples/history/shop-2026-11.yaml",
                         "--history", f"{tmp_path}/")  # fmt: skip
    assert (code, out) == (2, "")
    assert " ".join(err.split()) == (
        f"memplan: error: --history: none of the 1 snapshots ({other}) shares a host or VM"
        " with samples/history/shop-2026-11.yaml: the history is another estate's"
    )


OBSERVED_HOST = """
hosts:
  - name: h
    memory: 64GiB
    observed: {consumed: 63GiB}
    vms:
      - {name: a, memory: 32GiB, active: 2GiB}
      - {name: b, memory: 32GiB, active: 2GiB}
"""


def test_rightsizing_shows_on_a_host_whose_demand_rests_on_observation() -> None:
    # No VM gives consumed: the host's demand is vCenter's observation, 63 - 4 GiB system
    # reserved = 59 GiB of 60 GiB capacity: free 1 GiB is below the clear band's lower edge
    # (1.24 GiB for 64 GiB), so soft. Each VM is scaled to its share of the observation,
    # then resized to 2 x 1.25 = 2.5 -> 3 GiB: demand is the VMs' own, 6 GiB + overhead.
    r = rightsize.report(inv(OBSERVED_HOST), DEFAULT)
    (h,) = r.hosts
    assert h.reclaimable == 58 * GIB
    assert h.state == (MemState.SOFT, MemState.HIGH)
    after = evaluate(rightsize.rightsized(inv(OBSERVED_HOST), DEFAULT)).hosts[0]
    assert after.demand == 6 * GIB + after.overhead


def test_the_what_if_uses_the_history_peak() -> None:
    now = snapshot(30, "{name: v, memory: 32GiB, active: 2GiB}")
    earlier = [snapshot(0, "{name: v, memory: 32GiB, active: 8GiB}")]  # 8 x 1.25 = 10 GiB
    assert rightsize.rightsized(now, DEFAULT).vms[0].memory == 3 * GIB
    assert rightsize.rightsized(now, DEFAULT, earlier).vms[0].memory == 10 * GIB


def test_powered_off_vm_says_what_power_on_does_to_its_host() -> None:
    text = SOFT_HOST.replace("{name: d, memory: 14GiB,", "{name: d, power: off, memory: 14GiB,")
    (off,) = rightsize.report(inv(text), DEFAULT).powered_off
    on = evaluate(inv(SOFT_HOST)).hosts[0].state  # the same host with d on, as check sees it
    assert off.state_if_on == (evaluate(inv(text)).hosts[0].state, on)
    assert off.state_if_on == (MemState.HIGH, MemState.SOFT)


def test_the_summary_says_what_the_reclaim_does_to_free(tmp_path: Path) -> None:
    """Reclaim is configured memory; Free gains what the VM held above its new size. A
    32 GiB VM holding 16 GiB, 2 GiB active, gets 2 x 1.25 = 2.5 -> 3 GiB: 29 GiB
    reclaimable, and 16 - 3 = 13 GiB of host memory freed (overhead given, kept)."""
    path = str(tmp_path / "one.yaml")
    (tmp_path / "one.yaml").write_text(
        "version: 1\nhosts:\n  - name: h\n    memory: 64GiB\n    vms: [{name: v, memory:"
        " 32GiB, consumed: 16GiB, active: 2GiB, overhead: 100MiB}]\n"
    )
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["rightsize", path])
    lines = result.stdout.splitlines()
    assert lines[3] == (
        "1 of 1 powered-on VM oversized, 29.0 GiB reclaimable (configured memory),"
        " Free gains 13.0 GiB (host memory)"
    )
    assert lines[4].startswith("reclaim counts configured memory; Free gains only what")
    doc = json.loads(CliRunner().invoke(app, ["rightsize", path, "-f", "json"]).stdout)
    assert doc["totals"]["reclaimable_bytes"] == 29 * GIB
    assert doc["totals"]["freed_bytes"] == 13 * GIB
    (h,) = doc["hosts"]
    assert h["after"]["free_bytes"] - h["before"]["free_bytes"] == 13 * GIB
    assert doc["totals"]["hostless_reclaimable_bytes"] == 0


def test_reclaim_in_vms_on_no_host_is_said_to_free_nothing_seen() -> None:
    """The audit's example1.xlsx: its three oversized VMs run on no host (its hosts'
    observed usage counts them), so Free stays 915.3 and the report says why."""
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["rightsize", str(ROOT / "tests/data/rvtools/example1.xlsx")]
    )
    out = result.stdout
    assert (
        "3 of 3 powered-on VMs oversized, 58.0 GiB reclaimable (configured memory),"
        " Free gains 0.0 GiB (host memory)" in out
    )
    assert "all of it is in 3 VMs memplan runs on no host" in out
    assert "no host's Free shows it" in out
